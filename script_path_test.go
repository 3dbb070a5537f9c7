package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// machineOwned are the programs a script must never reach on the machine's
// PATH: an installed zotkey (the scripts run the one under test), the
// notifiers (a script would post to the user's desktop), and the tools that
// act on the user's session (the daily job's launchctl and systemctl, macOS's
// security). Scripts that need one put a stand-in first on PATH (fakenotify,
// standins).
var machineOwned = []string{"zotkey", "notify-send", "terminal-notifier", "osascript", "launchctl", "systemctl", "security"}

// scriptPATH is the scripts' PATH: the machine's, in its order, except that
// each directory holding one of machineOwned is replaced by a copy (symbolic
// links to all its other entries) in a directory of the test's, which any
// user can read (a script may run a program as nobody: hardened). The directory of the zotkey
// under test (testscript's, first on PATH) is kept as it is. So a script
// finds the same mise, fish, git and coreutils as the machine, and never an
// installed zotkey or notifier.
func scriptPATH(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "zotkey-scripts-path-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := exec.LookPath("zotkey")
	if err != nil {
		t.Fatalf("the zotkey under test is not on PATH: %v", err)
	}
	bindir := filepath.Dir(self)
	var out []string
	for i, d := range filepath.SplitList(os.Getenv("PATH")) {
		if d == "" || filepath.Clean(d) == filepath.Clean(bindir) {
			out = append(out, d)
			continue
		}
		entries, err := os.ReadDir(d)
		if err != nil || !slices.ContainsFunc(entries, func(e os.DirEntry) bool { return slices.Contains(machineOwned, e.Name()) }) {
			out = append(out, d)
			continue
		}
		copyDir := filepath.Join(dir, fmt.Sprint(i))
		if err := os.MkdirAll(copyDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if slices.Contains(machineOwned, e.Name()) {
				t.Logf("scripts' PATH: %s hidden", filepath.Join(d, e.Name()))
				continue
			}
			if err := os.Symlink(filepath.Join(d, e.Name()), filepath.Join(copyDir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, copyDir)
	}
	return strings.Join(out, string(filepath.ListSeparator))
}
