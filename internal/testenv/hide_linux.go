package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// hideEnv marks the child process WithoutFiles starts: its value is the name
// of the test to run with the files hidden.
const hideEnv = "ZOTKEY_TEST_HIDDEN_FILES"

// WithoutFiles makes the calling test run where none of paths exists, as on a
// machine that never had them (the 1Password app's library, say), whatever
// this machine has installed. When none exists it returns true and the test
// goes on. Otherwise it runs the test again in a child process with a private
// mount namespace, in which an empty tmpfs covers the directory holding each
// path (the machine itself is untouched); it returns false, and the caller
// returns: the child's result is the test's. A top-level test only.
//
// The namespace needs root or unprivileged user namespaces; without either
// the test is skipped, saying why (a failure under ZOTKEY_TEST_REQUIRE_ALL=1).
func WithoutFiles(t *testing.T, paths ...string) bool {
	t.Helper()
	if os.Getenv(hideEnv) == t.Name() {
		for _, p := range present(paths) {
			dir := filepath.Dir(p)
			if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "mode=0755"); err != nil {
				t.Fatalf("hiding %s: mount tmpfs on %s: %v", p, dir, err)
			}
		}
		if left := present(paths); len(left) > 0 {
			t.Fatalf("still present in the private mount namespace: %s", strings.Join(left, ", "))
		}
		return true
	}
	found := present(paths)
	if len(found) == 0 {
		return true
	}
	if strings.Contains(t.Name(), "/") {
		t.Fatalf("WithoutFiles runs a top-level test only, not %s", t.Name())
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), hideEnv+"="+t.Name())
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS} // Go makes / private in it
	if os.Geteuid() != 0 {
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
	}
	out, err := cmd.CombinedOutput()
	if _, started := err.(*exec.ExitError); err != nil && !started {
		msg := "this machine has " + strings.Join(found, ", ") + ", and a private mount namespace to hide it could not be made: " + err.Error()
		if RequireAll() {
			t.Fatalf("ZOTKEY_TEST_REQUIRE_ALL=1 but %s", msg)
		}
		t.Skipf("skipping: %s", msg)
	}
	t.Logf("run again with %s hidden (private mount namespace):\n%s", strings.Join(found, ", "), out)
	if err != nil {
		t.Fatalf("the run with the files hidden failed: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()+" ") {
		t.Fatalf("the run with the files hidden did not pass %s", t.Name())
	}
	return false
}

// present lists the paths that exist.
func present(paths []string) []string {
	var found []string
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			found = append(found, p)
		}
	}
	return found
}
