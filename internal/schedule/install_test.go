package schedule

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// standins puts the stand-in launchctl and systemctl (testdata/standin) first
// on PATH and returns the directory their logs and state go to.
func standins(t *testing.T) string {
	t.Helper()
	bin, state := t.TempDir(), t.TempDir()
	for _, n := range []string{"launchctl", "systemctl"} {
		b, err := os.ReadFile(filepath.Join("testdata", "standin", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bin, n), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("STANDIN_DIR", state)
	return state
}

func readLog(t *testing.T, path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// Install writes the plist, boots out a loaded job before bootstrapping the
// new one, and checks it with print; Uninstall undoes it, and says so once.
func TestLaunchAgentInstallReplacesAndUninstalls(t *testing.T) {
	state := standins(t)
	j := job(t)
	t.Setenv("HOME", j.Home) // the stand-in's print names the plist under HOME
	uid := os.Getuid()
	m := LaunchAgent{Home: j.Home, UID: uid, Run: Exec}
	ctx := context.Background()
	for range 2 {
		if _, err := Install(ctx, m, j); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(m.Plist())
	if err != nil {
		t.Fatal(err)
	}
	if src, _ := Launchd(j); string(b) != src {
		t.Error("the plist on disk is not the generated one")
	}
	if p, err := m.Project(); err != nil || p != j.Project {
		t.Errorf("Project() = %q, %v; want %q", p, err, j.Project)
	}
	target := "gui/" + strconv.Itoa(uid) + "/" + Label
	want := strings.Join([]string{
		"launchctl bootout " + target, // nothing loaded: "3: No such process"
		"launchctl print " + target,
		"launchctl bootstrap gui/" + strconv.Itoa(uid) + " " + m.Plist(),
		"launchctl print " + target,
		"launchctl bootout " + target,
		"launchctl print " + target, // gone: bootstrap now
		"launchctl bootstrap gui/" + strconv.Itoa(uid) + " " + m.Plist(),
		"launchctl print " + target,
	}, "\n") + "\n"
	if got := readLog(t, filepath.Join(state, "launchctl.log")); got != want {
		t.Errorf("launchctl calls:\n%s\nwant\n%s", got, want)
	}
	removed, err := Uninstall(ctx, m)
	if err != nil || len(removed) != 1 || removed[0] != m.Plist() {
		t.Fatalf("Uninstall: %q, %v", removed, err)
	}
	if m.Loaded(ctx) == nil {
		t.Error("still loaded after Uninstall")
	}
	if removed, err := Uninstall(ctx, m); err != nil || len(removed) != 0 {
		t.Errorf("second Uninstall: %q, %v", removed, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(m.Plist()))
	if len(entries) != 0 {
		t.Errorf("left behind in LaunchAgents: %v", entries)
	}
}

// Install writes both units, reloads, enables --now and checks is-enabled;
// Uninstall disables, removes and reloads.
func TestUserTimerInstallAndUninstall(t *testing.T) {
	state := standins(t)
	j := job(t)
	cfg := filepath.Join(t.TempDir(), "config")
	t.Setenv("XDG_CONFIG_HOME", cfg)
	dir, err := UserUnitDir(os.Getenv)
	if err != nil || dir != filepath.Join(cfg, "systemd", "user") {
		t.Fatalf("UserUnitDir: %q, %v", dir, err)
	}
	m := UserTimer{Dir: dir, Run: Exec}
	ctx := context.Background()
	if _, err := Install(ctx, m, j); err != nil {
		t.Fatal(err)
	}
	if p, err := m.Project(); err != nil || p != j.Project {
		t.Errorf("Project() = %q, %v; want %q", p, err, j.Project)
	}
	if _, err := Uninstall(ctx, m); err != nil {
		t.Fatal(err)
	}
	want := "systemctl --user daemon-reload\nsystemctl --user enable --now zotkey-rotate.timer\nsystemctl --user is-enabled zotkey-rotate.timer\n" +
		"systemctl --user disable --now zotkey-rotate.timer\nsystemctl --user daemon-reload\n"
	if got := readLog(t, filepath.Join(state, "systemctl.log")); got != want {
		t.Errorf("systemctl calls:\n%s\nwant\n%s", got, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

// A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
func TestUserUnitDirIgnoresRelativeXDG(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": "rel", "HOME": "/home/u"}
	if d, _ := UserUnitDir(func(k string) string { return env[k] }); d != "/home/u/.config/systemd/user" {
		t.Errorf("got %q", d)
	}
	env["HOME"] = ""
	if _, err := UserUnitDir(func(k string) string { return env[k] }); err == nil {
		t.Error("no HOME: no error")
	}
}

// A failed load is one line naming the call and launchctl's words.
func TestLoadFailureNamesTheCall(t *testing.T) {
	standins(t)
	t.Setenv("STANDIN_FAIL", "bootstrap")
	j := job(t)
	m := LaunchAgent{Home: j.Home, UID: os.Getuid(), Run: Exec}
	_, err := Install(context.Background(), m, j)
	if err == nil || !strings.HasPrefix(err.Error(), "launchctl bootstrap gui/") || !strings.HasSuffix(err.Error(), "bootstrap failed: 1: Operation not permitted (stand-in)") {
		t.Errorf("got %v", err)
	}
}

// What the formats cannot carry exactly is refused, with nothing written.
func TestRefusedValuesWriteNothing(t *testing.T) {
	standins(t)
	base := job(t)
	for _, c := range []struct {
		name    string
		project string
		want    string
		systemd bool
	}{
		{"continued line", "/p\\", "continued on the next line", true},
		{"not UTF-8", "/p\xff", "not valid UTF-8", false},
		{"not UTF-8 (systemd)", "/p\xff", "not valid UTF-8", true},
		{"U+FFFE", "/p\uFFFE", "XML 1.0 cannot hold", false},
	} {
		j := base
		j.Project = c.project
		var m Manager = LaunchAgent{Home: filepath.Join(t.TempDir(), "home"), UID: os.Getuid(), Run: Exec}
		if c.systemd {
			m = UserTimer{Dir: filepath.Join(t.TempDir(), "units"), Run: Exec}
		}
		if _, err := Install(context.Background(), m, j); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		for _, p := range m.Paths() {
			if _, err := os.Stat(filepath.Dir(p)); err == nil {
				t.Errorf("%s: %s was created", c.name, filepath.Dir(p))
			}
		}
	}
}

// Preflight reports each missing part: the task (mise decides), an
// executable that is not, the service manager's tool.
func TestPreflight(t *testing.T) {
	j := job(t)
	j.Zotkey = filepath.Join(t.TempDir(), "zotkey")
	if err := os.WriteFile(j.Zotkey, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	noTask := func(context.Context, ...string) (string, error) { return "", &exec.ExitError{} }
	none := func(string) (string, error) { return "", exec.ErrNotFound }
	failed := Preflight(context.Background(), j, noTask, "launchctl", none)
	var whats []string
	for _, c := range failed {
		whats = append(whats, c.What)
	}
	if strings.Join(whats, ",") != "zotkey,task,tool" {
		t.Errorf("failed checks %q, want zotkey,task,tool", whats)
	}
	if !strings.Contains(failed[0].Err.Error(), "is not executable") {
		t.Errorf("zotkey: %v", failed[0].Err)
	}
	ok := func(context.Context, ...string) (string, error) { return "", nil }
	if err := os.Chmod(j.Zotkey, 0o755); err != nil {
		t.Fatal(err)
	}
	if failed := Preflight(context.Background(), j, ok, "", none); len(failed) != 0 {
		t.Errorf("all present: %+v", failed)
	}
}
