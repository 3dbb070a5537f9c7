package config

import (
	"errors"
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
	_, err := parseWith(&c, path, lookup, args...)
	return &c, err
}

// parseWith loads path as zotkey does (kong.Context.LoadConfig: the loader's
// error as it is, where kong.Configuration would flatten it) and parses args.
func parseWith(c any, path string, lookup func(string) (string, bool), args ...string) (*kong.Context, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := Loader(lookup)(f)
	if err != nil {
		return nil, err
	}
	k, err := kong.New(c, kong.Resolvers(r), kong.Exit(func(int) {}))
	if err != nil {
		return nil, err
	}
	return k.Parse(args)
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
		// Every table is checked, not only the running command's.
		"[auto]\nwithin = \"soon\"\n":   "setting auto.within:",
		"[auto]\ntimeout = \"bogus\"\n": "setting auto.timeout:",
		// A duration needs its unit: 10 is not 10ns.
		"timeout = 10\n":         "setting timeout: 10 has no unit",
		"[auto]\ntimeout = 10\n": "setting auto.timeout: 10 has no unit",
		"expires-in = 90\n":      "setting expires-in: 90 is not a string",
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

func TestStateDirIgnoresARelativeXDGStateHome(t *testing.T) {
	env := map[string]string{"XDG_STATE_HOME": "rel/state", "HOME": "/home/u"}
	get := func(k string) string { return env[k] }
	if d, _ := StateDir(get); d != "/home/u/.local/state/zotkey" {
		t.Fatalf("dir %s", d)
	}
	env["XDG_STATE_HOME"] = "/abs"
	if d, _ := StateDir(get); d != "/abs/zotkey" {
		t.Fatalf("dir %s", d)
	}
	env["XDG_STATE_HOME"], env["HOME"] = "", ""
	if _, err := StateDir(get); err == nil || err.Error() != "neither XDG_STATE_HOME nor HOME is set, so there is nowhere to keep the record" {
		t.Fatalf("no HOME: %v", err)
	}
}

// TestGlobalInCommandTable: a global flag set in a command's table applies
// when that command runs, and only then.
func TestGlobalInCommandTable(t *testing.T) {
	file := "timeout = \"20s\"\n[rotate]\nstore = \"b\"\ntimeout = \"3s\"\n"
	c, err := run(t, file, nil, "rotate")
	if err != nil || c.Store != "b" || c.Timeout != 3*time.Second {
		t.Errorf("rotate: %+v %v; want store b, timeout 3s from [rotate]", c, err)
	}
	c, err = run(t, file, nil, "auto")
	if err != nil || c.Store != "a" || c.Timeout != 20*time.Second {
		t.Errorf("auto: %+v %v; want the default store and the top-level timeout", c, err)
	}
}

// TestKeyShapedRefused: a key pasted into any value, list or key name of the
// file is refused, and the message names the setting, never the key.
func TestKeyShapedRefused(t *testing.T) {
	const k = "zak_0123456789abcdef0123456789ABCDEF"
	for file, want := range map[string]string{
		"store = \"" + k + "\"\n":                 "setting store holds a zot API key",
		"[rotate]\nexpires-in = \"x" + k + "\"\n": "setting rotate.expires-in holds",
		"sync = [\"a\", \"" + k + "\"]\n":         "setting sync holds",
		k + " = 1\n":                              "setting zak_<redacted> holds",
		"[rotate]\n" + k + " = \"x\"\n":           "setting rotate.zak_<redacted> holds",
	} {
		_, err := run(t, file, nil, "rotate")
		var kerr *KeyError
		if !errors.As(err, &kerr) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want a KeyError with %q", file, err, want)
		}
		if err != nil && strings.Contains(strings.ToLower(err.Error()), "0123456789abcdef") {
			t.Errorf("%q: the error prints the key", file)
		}
	}
}

// TestCheckEnv: a flag's variable holding a key is refused by name.
func TestCheckEnv(t *testing.T) {
	var c cmd
	k, err := kong.New(&c)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TEST_STORE": "x zak_0123456789abcdef0123456789abcdef"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	err = CheckEnv(k.Model.Node, lookup)
	if err == nil || err.Error() != "$TEST_STORE holds a zot API key (zak_<redacted>); a setting never takes a key" {
		t.Errorf("error %v", err)
	}
	env["TEST_STORE"] = "b"
	if err := CheckEnv(k.Model.Node, lookup); err != nil {
		t.Errorf("a plain value: %v", err)
	}
}

// TestUnsafeFileRefused follows ssh's rule for ~/.ssh/config: the file and its
// folder must belong to the user or root and be writable by nobody else.
func TestUnsafeFileRefused(t *testing.T) {
	load := func(path string) error {
		var c cmd
		_, err := parseWith(&c, path, func(string) (string, bool) { return "", false }, "rotate")
		return err
	}
	unsafe := func(what string, err error, want string) {
		t.Helper()
		var u *UnsafeError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want an UnsafeError with %q", what, err, want)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte("store = \"b\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := load(path); err != nil {
		t.Fatalf("a file of the user's, mode 0600: %v", err)
	}
	os.Chmod(path, 0o620)
	unsafe("group-writable file", load(path), "settings file "+path+" can be written by group or others (-rw--w----); zotkey sends the key where its settings say, so only you may write them: chmod go-w "+path)
	os.Chmod(path, 0o602)
	unsafe("world-writable file", load(path), "can be written by group or others")
	os.Chmod(path, 0o644)
	os.Chmod(dir, 0o777)
	unsafe("world-writable folder", load(path), "folder "+dir+" of settings file "+path+" can be written by group or others")
	os.Chmod(dir, 0o755)

	// A symlink: the folder of its target counts too.
	shared := filepath.Join(t.TempDir(), "shared")
	os.Mkdir(shared, 0o700)
	os.Chmod(shared, 0o775)
	target := filepath.Join(shared, "real.toml")
	os.WriteFile(target, []byte("store = \"b\"\n"), 0o644)
	link := filepath.Join(dir, "link.toml")
	os.Symlink(target, link)
	unsafe("link into a group-writable folder", load(link), "folder "+shared+" of settings file "+link)

	// Another user's file: as root, give it away; otherwise play another user.
	if os.Getuid() == 0 {
		if err := os.Chown(path, 4242, 4242); err != nil {
			t.Fatal(err)
		}
	} else {
		me := os.Getuid()
		getuid = func() int { return me + 1 }
		defer func() { getuid = os.Getuid }()
	}
	unsafe("another user's file", load(path), "belongs to another user")
}
