package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
)

type cmd struct {
	Store   string        `enum:"a,b" default:"a" env:"TEST_STORE"`
	Timeout time.Duration `default:"10s"`
	Rotate  struct {
		ExpiresIn string `default:"90d"`
	} `cmd:""`
	Auto struct {
		Within int `default:"7"`
	} `cmd:""`
}

func run(t *testing.T, file string, env map[string]string, args ...string) (*cmd, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var c cmd
	k, err := kong.New(&c, kong.Configuration(Loader(lookup), path), kong.Exit(func(int) {}))
	if err != nil {
		return nil, err
	}
	_, err = k.Parse(args)
	return &c, err
}

// TestPrecedence: a flag beats the variable, which beats the file, which beats
// the default; a command's table beats a top-level key; any command's flag
// resolves by name (the auto job's within).
func TestPrecedence(t *testing.T) {
	file := "store = \"b\"\ntimeout = \"20s\"\nexpires-in = \"60d\"\nwithin = 14\n[rotate]\nexpires-in = \"30d\"\n"
	c, err := run(t, file, nil, "rotate")
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != "b" || c.Timeout != 20*time.Second || c.Rotate.ExpiresIn != "30d" {
		t.Errorf("from the file: %+v", c)
	}
	c, err = run(t, file, nil, "auto")
	if err != nil || c.Auto.Within != 14 {
		t.Errorf("within from the file: %v %+v", err, c)
	}
	// The variable's value itself is kong's business (it reads the real
	// environment); here it is enough that the file steps aside.
	c, err = run(t, file, map[string]string{"TEST_STORE": "a"}, "rotate")
	if err != nil || c.Store != "a" {
		t.Errorf("variable set: store %q, %v; want the default, not the file", c.Store, err)
	}
	c, err = run(t, file, nil, "--store", "a", "rotate", "--expires-in", "5d")
	if err != nil || c.Store != "a" || c.Rotate.ExpiresIn != "5d" {
		t.Errorf("flags: %+v %v", c, err)
	}
}

func TestErrors(t *testing.T) {
	for file, want := range map[string]string{
		"stroe = \"b\"\n":            "unknown setting stroe",
		"[rotate]\nwithin = 3\n":     "unknown setting rotate.within",
		"rotate = 3\n":               "rotate is a command",
		"help = true\n":              "help cannot be set",
		"a = 1\nb = = 2\n":           "line 2, column",
		"store = \"c\"\n":            "setting store: must be one of a, b",
		"timeout = \"soon\"\n":       "setting timeout:",
		"store = \"a\"\nstore = 1\n": "line 2",
	} {
		_, err := run(t, file, nil, "rotate")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "config.toml") {
			t.Errorf("%q: error %v, want one naming the file and %q", file, err, want)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	env := map[string]string{"HOME": "/home/u"}
	get := func(k string) string { return env[k] }
	if p, _ := DefaultPath(get); p != "/home/u/.config/zotkey/config.toml" {
		t.Errorf("HOME: %s", p)
	}
	env["XDG_CONFIG_HOME"] = "relative" // not absolute: ignored, as the XDG spec says
	if p, _ := DefaultPath(get); p != "/home/u/.config/zotkey/config.toml" {
		t.Errorf("relative XDG_CONFIG_HOME: %s", p)
	}
	env["XDG_CONFIG_HOME"] = "/x"
	if p, _ := DefaultPath(get); p != "/x/zotkey/config.toml" {
		t.Errorf("XDG_CONFIG_HOME: %s", p)
	}
}
