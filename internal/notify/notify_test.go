package notify

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func lookIn(found ...string) func(string) (string, error) {
	return func(name string) (string, error) {
		for _, f := range found {
			if f == name {
				return "/usr/bin/" + name, nil
			}
		}
		return "", errors.New("not found")
	}
}

// The text reaches the notifier as data: an AppleScript quote, a newline
// (which could forge a second line) and key-shaped text are all harmless.
func TestCommandPassesTextAsData(t *testing.T) {
	const msg = "say \"hi\" & do shell script \"x\"\nzak_0123456789abcdef0123456789abcdef"
	const want = `say "hi" & do shell script "x"\nzak_<redacted>`
	mac := Notifier{GOOS: "darwin", LookPath: lookIn("osascript")}.Command("zotkey: t", msg)
	if !reflect.DeepEqual(mac, []string{"/usr/bin/osascript", "-e", "on run argv",
		"-e", "display notification (item 2 of argv) with title (item 1 of argv)", "-e", "end run", "zotkey: t", want}) {
		t.Errorf("macOS: %q", mac)
	}
	tn := Notifier{GOOS: "darwin", LookPath: lookIn("osascript", "terminal-notifier")}.Command("zotkey: t", msg)
	if !reflect.DeepEqual(tn, []string{"/usr/bin/terminal-notifier", "-title", "zotkey: t", "-message", want, "-group", Group}) {
		t.Errorf("terminal-notifier: %q", tn)
	}
	linux := Notifier{GOOS: "linux", LookPath: lookIn("notify-send")}.Command("zotkey: t", "-x "+msg)
	if !reflect.DeepEqual(linux, []string{"/usr/bin/notify-send", "--app-name=zotkey", "--urgency=critical", "--", "zotkey: t", "-x " + want}) {
		t.Errorf("Linux: %q", linux)
	}
	if c := (Notifier{GOOS: "linux", LookPath: lookIn()}).Command("t", "m"); c != nil {
		t.Errorf("no notifier: %q, want nil", c)
	}
	if c := (Notifier{GOOS: "darwin", LookPath: lookIn("notify-send")}).Command("t", "m"); c != nil {
		t.Errorf("macOS without osascript: %q, want nil", c)
	}
	long := Notifier{GOOS: "linux", LookPath: lookIn("notify-send")}.Command("t", strings.Repeat("é", 1000))
	if got := []rune(long[len(long)-1]); len(got) != MaxLen {
		t.Errorf("long message: %d runes, want %d", len(got), MaxLen)
	}
}

// A long cause is cut so that the fix, with its command, shows whole.
func TestMessageKeepsTheFix(t *testing.T) {
	fix := "Fix the sync, then run: zotkey auto"
	m := Message("the sync failed: "+strings.Repeat("x", 1000), fix)
	if n := len([]rune(m)); n > MaxLen {
		t.Errorf("message has %d characters, more than %d", n, MaxLen)
	}
	if !strings.HasSuffix(m, "… "+fix+".") || !strings.HasPrefix(m, "The sync failed: x") {
		t.Errorf("message %q does not keep the cause's start and the whole fix", m)
	}
	if got := Message("short cause", "run: zotkey doctor"); got != "Short cause. Run: zotkey doctor." {
		t.Errorf("short message: %q", got)
	}
}

// terminal-notifier reads its values through NSUserDefaults, which would
// take "-x" for a key and "(a)" for an array: such text stays a string.
func TestTerminalNotifierKeepsTextAString(t *testing.T) {
	n := Notifier{GOOS: "darwin", LookPath: lookIn("terminal-notifier")}
	for _, m := range []string{"-message", "(a, b)", "{a=b;}", "<plist/>", `"q"`} {
		c := n.Command("t", m)
		if c[4] != "\u00a0"+m {
			t.Errorf("%q became %q", m, c[4])
		}
	}
	if c := n.Command("t", "Approve zotkey"); c[4] != "Approve zotkey" {
		t.Errorf("plain text changed: %q", c[4])
	}
}

// standins makes PATH the test's own directory holding only the stand-in
// notifiers named (testdata/standin), so no notifier the machine has
// installed (notify-send in /usr/bin) is found. The stand-ins are sh scripts
// using only sh's builtins; the kernel finds sh through their #! line.
func standins(t *testing.T, names ...string) (log string) {
	bin, log := t.TempDir(), t.TempDir()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", "standin", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bin, n), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	t.Setenv("STANDIN_DIR", log)
	return log
}

// Each path runs its program with the title and message, and every
// notification is also one line in the job's log.
func TestPostRunsTheNotifierAndLogs(t *testing.T) {
	for _, tc := range []struct {
		goos, prog string
		present    []string
		want       string
	}{
		{"darwin", "terminal-notifier", []string{"terminal-notifier", "osascript"}, "-title\nzotkey: title\n-message\nthe message\n-group\n" + Group + "\n"},
		{"darwin", "osascript", []string{"osascript"}, "-e\non run argv\n-e\ndisplay notification (item 2 of argv) with title (item 1 of argv)\n-e\nend run\nzotkey: title\nthe message\n"},
		{"linux", "notify-send", []string{"notify-send"}, "--app-name=zotkey\n--urgency=critical\n--\nzotkey: title\nthe message\n"},
	} {
		t.Run(tc.prog, func(t *testing.T) {
			dir := standins(t, tc.present...)
			var log bytes.Buffer
			n := Notifier{GOOS: tc.goos, LookPath: exec.LookPath, Log: &log}
			if err := n.Post(context.Background(), "zotkey: title", "the message"); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(filepath.Join(dir, tc.prog+".log"))
			if string(got) != tc.want {
				t.Errorf("%s got\n%s\nwant\n%s", tc.prog, got, tc.want)
			}
			for _, other := range tc.present {
				if _, err := os.Stat(filepath.Join(dir, other+".log")); other != tc.prog && err == nil {
					t.Errorf("%s ran too", other)
				}
			}
			if log.String() != "zotkey: notification: zotkey: title: the message\n" {
				t.Errorf("log: %q", log.String())
			}
		})
	}
}

// Without a notifier the line still reaches the log, and Post is no error.
func TestPostWithoutNotifierOnlyLogs(t *testing.T) {
	standins(t)
	var log bytes.Buffer
	n := Notifier{GOOS: "linux", LookPath: exec.LookPath, Log: &log}
	if argv := n.Command("t", "m"); argv != nil {
		t.Fatalf("a notifier was found on the test's PATH: %q", argv)
	}
	if err := n.Post(context.Background(), "t", "m\nzak_0123456789abcdef0123456789abcdef"); err != nil {
		t.Errorf("no notifier: %v, want nil", err)
	}
	if log.String() != "zotkey: notification: t: m\\nzak_<redacted>\n" {
		t.Errorf("log: %q", log.String())
	}
	if !Posted() {
		t.Error("Posted is false after Post")
	}
}

// A notifier that exits but leaves a process holding its output (a wrapper
// that starts a helper) cannot keep Post, and so the daily job, waiting: Post
// returns, with no error, while that process still runs.
func TestPostDoesNotWaitForTheNotifiersStrayChild(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	script := "#!/bin/sh\nsleep 600 &\necho $! > " + pidFile + "\nexit 0\n"
	prog := filepath.Join(dir, "notify-send")
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	n := Notifier{GOOS: "linux", LookPath: func(string) (string, error) { return prog, nil }}
	err := n.Post(context.Background(), "zotkey: t", "m")
	b, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		t.Fatalf("the notifier did not start its child: %v", rerr)
	}
	pid := strings.TrimSpace(string(b))
	defer exec.Command("kill", pid).Run()
	if exec.Command("kill", "-0", pid).Run() != nil {
		t.Fatal("the child had ended: Post may have waited for it")
	}
	if err != nil {
		t.Errorf("Post: %v, want nil (the notifier exited 0)", err)
	}
}
