package notify

import (
	"context"
	"errors"
	"os"
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
func TestCommand(t *testing.T) {
	const msg = "say \"hi\" & do shell script \"x\"\nzak_0123456789abcdef0123456789abcdef"
	const want = `say "hi" & do shell script "x"\nzak_<redacted>`
	mac := Notifier{GOOS: "darwin", LookPath: lookIn("osascript")}.Command("zotkey: t", msg)
	if !reflect.DeepEqual(mac, []string{"/usr/bin/osascript", "-e", "on run argv",
		"-e", "display notification (item 2 of argv) with title (item 1 of argv)", "-e", "end run", "zotkey: t", want}) {
		t.Errorf("macOS: %q", mac)
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
	if got := []rune(long[len(long)-1]); len(got) != maxLen+1 {
		t.Errorf("long message: %d runes, want %d", len(got), maxLen+1)
	}
}

// Post runs the notifier found on PATH with the title and message as its
// arguments, and does nothing (no error) when there is none.
func TestPost(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > " + log + "\n"
	if err := os.WriteFile(filepath.Join(dir, "notify-send"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	n := Notifier{GOOS: "linux", LookPath: System.LookPath}
	if err := n.Post(context.Background(), "zotkey: title", "the message"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(log)
	if string(got) != "--app-name=zotkey\n--urgency=critical\n--\nzotkey: title\nthe message\n" {
		t.Errorf("notify-send got %q", got)
	}
	t.Setenv("PATH", t.TempDir())
	if err := n.Post(context.Background(), "t", "m"); err != nil {
		t.Errorf("no notifier: %v, want nil", err)
	}
}
