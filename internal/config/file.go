package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/hint"
)

// Found is what the settings loader found, for zotkey doctor.
type Found struct {
	Path   string
	Exists bool
	Err    error // the file did not load (only doctor goes on without it)
	// Chosen names, for each global flag set by the command line, a
	// variable or the file, what set it (chosenBy); the rest are defaults.
	Chosen map[string]string
}

// BeforeResolve is the kong hook that adds the settings file's resolver
// before kong resolves flags: --config, else ZOTKEY_CONFIG (*configured, which
// kong has applied already), else the default path, which may be missing (one
// stat, so a shell-start `status` pays nothing for it). What it found goes
// into found.
func BeforeResolve(configured *string, getenv func(string) string, found *Found) func(*kong.Context) error {
	var done *kong.Context
	return func(kctx *kong.Context) error {
		// kong calls an option's hook once per element of the parse path.
		if done == kctx {
			return nil
		}
		done = kctx
		if err := CheckEnv(kctx.Model.Node, os.LookupEnv); err != nil {
			return keySetting(err)
		}
		path, explicit := *configured, *configured != ""
		for _, p := range kctx.Path {
			if p.Flag != nil && p.Flag.Name == "config" {
				path, explicit = fmt.Sprint(kctx.FlagValue(p.Flag)), true
			}
		}
		found.Chosen = chosenBy(kctx, nil, os.LookupEnv)
		if !explicit {
			var err error
			if path, err = DefaultPath(getenv); err != nil {
				return nil
			}
		}
		found.Path = path
		r, err := load(kctx, path, explicit)
		if err == nil && r != nil {
			found.Chosen = chosenBy(kctx, r, os.LookupEnv)
		}
		if err == nil && r != nil && kctx.Command() == "doctor" {
			// kong would validate the settings later and stop the run.
			err = r.Validate(kctx.Model)
		}
		if err != nil && kctx.Command() == "doctor" {
			// doctor reports the file as its first check, and runs the others.
			found.Err = err
			return nil
		}
		if err != nil {
			return err
		}
		if r != nil {
			found.Exists = true
			kctx.AddResolver(r)
		}
		return nil
	}
}

// load reads the settings file at path as a resolver; a missing file is no
// error (and no resolver) unless it was asked for.
func load(kctx *kong.Context, path string, explicit bool) (kong.Resolver, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return nil, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, hint.With(fmt.Errorf("settings file %s does not exist", path), "point --config or ZOTKEY_CONFIG at an existing file, or unset it")
	case err != nil:
		return nil, fmt.Errorf("settings file: %w", err)
	case !fi.Mode().IsRegular():
		// Opening a FIFO would block; a device could be endless.
		return nil, fmt.Errorf("settings file %s is not a regular file", path)
	}
	r, err := kctx.LoadConfig(path)
	var unsafe *UnsafeError
	var keyErr *KeyError
	switch {
	case errors.As(err, &unsafe):
		return nil, hint.Alone(err) // the line says what to do
	case errors.As(err, &keyErr):
		return nil, keySetting(err)
	case err != nil:
		return nil, hint.With(err, "fix the file or move it aside; settings are the long flag names (zotkey --help)")
	}
	return r, nil
}

// keySetting is the error for a key found in a setting: refused, and the key
// treated as exposed, since it sits in a file or the environment.
func keySetting(err error) error {
	return hint.With(err,
		"that key is exposed: if it is the stored key, rotate it (zotkey rotate); otherwise revoke it in the zot web UI",
		"remove it from the setting; zotkey reads keys only from stdin, the clipboard or a hidden prompt")
}
