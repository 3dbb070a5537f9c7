package config

import (
	"fmt"
	"path/filepath"
)

// zotkey's files live in the user's XDG base directories, resolved here and
// nowhere else: the settings file (DefaultPath), the record (StateDir) and the
// systemd user units (schedule.UserUnitDir, from ConfigHome). This package
// holds it because it is the one that turns the environment into settings,
// and the settings file's own path is the first of these. On macOS too, where
// command-line tools (fish, mise, gh) keep their settings in ~/.config rather
// than in ~/Library.

// ConfigHome is $XDG_CONFIG_HOME, else ~/.config. Without a usable HOME the
// error ends "so <unknown>": what the caller then cannot find.
func ConfigHome(getenv func(string) string, unknown string) (string, error) {
	return baseDir(getenv, "XDG_CONFIG_HOME", ".config", unknown)
}

// StateDir is $XDG_STATE_HOME/zotkey, else ~/.local/state/zotkey: where the
// record and its locks live.
func StateDir(getenv func(string) string) (string, error) {
	d, err := baseDir(getenv, "XDG_STATE_HOME", filepath.Join(".local", "state"), "there is nowhere to keep the record")
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "zotkey"), nil
}

// DefaultPath is the settings file: $XDG_CONFIG_HOME/zotkey/config.toml, else
// ~/.config/zotkey/config.toml.
func DefaultPath(getenv func(string) string) (string, error) {
	d, err := ConfigHome(getenv, "there is no default settings file")
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "zotkey", "config.toml"), nil
}

// baseDir is the XDG Base Directory spec's rule: $variable when it is an
// absolute path (a relative one is invalid and ignored), else $HOME/fallback.
func baseDir(getenv func(string) string, variable, fallback, unknown string) (string, error) {
	if d := getenv(variable); filepath.IsAbs(d) {
		return d, nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", fmt.Errorf("neither %s nor HOME is set, so %s", variable, unknown)
	}
	if !filepath.IsAbs(home) {
		return "", fmt.Errorf("HOME (%s) is not an absolute path, so %s; set HOME to your home folder's absolute path", home, unknown)
	}
	return filepath.Join(home, fallback), nil
}
