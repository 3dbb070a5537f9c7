package schedule

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/eblume/zotkey/internal/testenv"
)

// awkward holds every character the formats treat specially.
const awkward = `a b&<x>"q"'s 100% $HOME \n ${X};`

// awkwardExe is awkward less what systemd refuses in an executable's path.
const awkwardExe = `a b&<x> 100% X; -- #`

func job(t *testing.T) Job {
	tmp := t.TempDir()
	root := filepath.Join(tmp, awkward)
	j := Job{
		Mise:    filepath.Join(tmp, awkwardExe, "bin", "mise"),
		Project: filepath.Join(root, "proj"),
		Path:    []string{filepath.Join(root, "zotkey bin"), filepath.Join(tmp, awkwardExe, "bin"), "/usr/bin", "/bin"},
		Hour:    7,
		Home:    filepath.Join(root, "home"),
	}
	for _, d := range []string{filepath.Dir(j.Mise), j.Project, j.Home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(j.Mise, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return j
}

// The plist parses with Python's plistlib (a reader independent of the
// writer) into exactly the values put in, special characters and all.
func TestLaunchdParses(t *testing.T) {
	testenv.Need(t, "plist tests", "python3")
	j := job(t)
	src, err := Launchd(j)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", "-c", "import json, plistlib, sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))")
	cmd.Stdin = strings.NewReader(src)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("plistlib: %v\n%s", err, src)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Label":                 Label,
		"ProgramArguments":      []any{j.Mise, "run", "rotate-zot-key", "--auto"},
		"WorkingDirectory":      j.Project,
		"EnvironmentVariables":  map[string]any{"PATH": strings.Join(j.Path, ":"), "LANG": DefaultLang},
		"StartCalendarInterval": map[string]any{"Hour": 7.0, "Minute": 0.0},
		"StandardInPath":        "/dev/null",
		"StandardOutPath":       filepath.Join(j.Home, "Library/Logs/zotkey/rotate.log"),
		"StandardErrorPath":     filepath.Join(j.Home, "Library/Logs/zotkey/rotate.log"),
		"ProcessType":           "Background",
		"RunAtLoad":             false,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plistlib read\n%v\nwant\n%v", got, want)
	}
}

// The units pass systemd-analyze verify, with no warning: the quoted mise
// path, with spaces, quotes, "%" and "$" in it, names the file that exists.
func TestSystemdVerifies(t *testing.T) {
	testenv.Need(t, "systemd tests", "systemd-analyze")
	j := job(t)
	dir := t.TempDir()
	for ext, gen := range map[string]func(Job) (string, error){".service": Service, ".timer": Timer} {
		src, err := gen(j)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, Unit+ext), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := testenv.VerifyUnits(dir, Unit); err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The check has teeth: the same units with mise gone fail it.
	if err := os.Remove(j.Mise); err != nil {
		t.Fatal(err)
	}
	if out, err := testenv.VerifyUnits(dir, Unit); err == nil || !strings.Contains(out, "is not executable") {
		t.Fatalf("verify with mise removed: %v\n%s", err, out)
	}
	j.Mise = "/opt/a$b/mise"
	if _, err := Service(j); err == nil || !strings.Contains(err.Error(), "dollar sign") {
		t.Errorf("mise path with a dollar sign: %v", err)
	}
}

func TestResolve(t *testing.T) {
	look := func(found map[string]string) func(string) (string, error) {
		return func(name string) (string, error) {
			if p, ok := found[name]; ok {
				return p, nil
			}
			return "", errors.New("not found")
		}
	}
	exe := func() (string, error) { return "/opt/zk/zotkey", nil }
	m := Machine{GOOS: "darwin", LookPath: look(map[string]string{"mise": "/opt/homebrew/bin/mise"}), Executable: exe, Home: "/Users/u"}
	j, err := Resolve(m, "/Users/u/code/blumeops", 9)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/opt/zk", "/opt/homebrew/bin", "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"}; !reflect.DeepEqual(j.Path, want) {
		t.Errorf("PATH %q, want %q", j.Path, want)
	}
	m.LookPath = look(map[string]string{"zotkey": "/home/u/go/bin/zotkey"})
	if _, err := Resolve(m, "/p", 9); !errors.Is(err, ErrNoMise) {
		t.Errorf("no mise: %v", err)
	}
	m.LookPath = look(map[string]string{"mise": "/usr/bin/mise"})
	for _, c := range []struct {
		project string
		hour    int
		want    string
	}{{"/p", 24, "not an hour"}, {"/p", -1, "not an hour"}, {"rel", 9, "not an absolute path"}, {"/p\nx", 9, "control character"}, {"/p ", 9, "blank"}} {
		if _, err := Resolve(m, c.project, c.hour); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("project %q hour %d: %v, want %q", c.project, c.hour, err, c.want)
		}
	}
}

// LANG keeps the shell's locale only when it asks for UTF-8; a program in a
// folder named for a version is warned about, a stable one is not.
func TestLocaleAndVersionedPaths(t *testing.T) {
	for l, want := range map[string]bool{"en_US.UTF-8": true, "de_DE.utf8": true, "C.UTF-8": true, "sr_RS.UTF-8@latin": true,
		"C": false, "POSIX": false, "en_US.ISO-8859-1": false, "": false} {
		if utf8Locale(l) != want {
			t.Errorf("utf8Locale(%q) = %v", l, !want)
		}
	}
	for p, want := range map[string]bool{
		"/Users/u/.local/share/mise/installs/go/1.26.8/bin/zotkey":   true,
		"/Users/u/.local/share/mise/installs/go/go1.26.8/bin/zotkey": true,
		"/opt/homebrew/Cellar/mise/2026.1.0/bin/mise":                true,
		"/Users/u/go/bin/zotkey":                                     false,
		"/Users/u/.local/bin/zotkey":                                 false,
		"/opt/homebrew/bin/mise":                                     false,
	} {
		j := Job{Zotkey: p, Mise: "/usr/bin/mise"}
		if strings.HasSuffix(p, "/mise") {
			j = Job{Zotkey: "/usr/bin/zotkey", Mise: p}
		}
		if got := len(j.Versioned()) > 0; got != want {
			t.Errorf("Versioned(%s) = %v, want %v", p, got, want)
		}
	}
}
