package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/eblume/zotkey/internal/onepassword/optest"
	"github.com/eblume/zotkey/internal/testenv"
)

// pseudoVersion is what `go install …@latest` stamps on a build of an untagged
// module from a checkout with local changes: 40 characters, with a +, which
// the SDK's core refuses as an integration version ("invalid user input").
const pseudoVersion = "v0.0.0-20261126211528-bce09d37e96b+dirty"

// checkVersionText checks what zotkey --version printed: whether the build
// can use the desktop app and, with stamped (a clone's build), the commit.
func checkVersionText(t *testing.T, out string, cgo, stamped bool) {
	t.Helper()
	t.Logf("zotkey --version:\n%s", out)
	commit := regexp.MustCompile(`(?m)^commit: [0-9a-f]{40}( \(with uncommitted changes\))?, \d{4}-\d\d-\d\dT`)
	if stamped && !commit.MatchString(out) {
		t.Errorf("no commit in %q", out)
	}
	want := "1Password desktop app: yes (built with cgo)"
	if !cgo {
		want = "1Password desktop app: no: built without cgo; rebuild with CGO_ENABLED=1"
	}
	if !strings.Contains(out, want) {
		t.Errorf("--version %q lacks %q", out, want)
	}
}

// TestInstallFromClone installs zotkey from a git clone of this checkout as
// the README says (go install .), without cgo: --version names the clone's
// commit, and says this build cannot use the desktop app, where a cgo build
// says it can (TestRealSDKSignIn).
func TestInstallFromClone(t *testing.T) {
	t.Parallel()
	testenv.Need(t, "the install test (clones and builds zotkey)", "go", "git")
	dir := t.TempDir()
	clone := filepath.Join(dir, "zotkey")
	if out, err := exec.Command("git", "clone", "--quiet", ".", clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	head, err := exec.Command("git", "-C", clone, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	install := exec.Command("go", "install", "-buildvcs=true", ".")
	install.Dir = clone
	install.Env = append(os.Environ(), "CGO_ENABLED=0", "GOBIN="+filepath.Join(dir, "bin"))
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install .: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(dir, "bin", "zotkey"), "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "zotkey v0.0.0-") {
		t.Fatalf("zotkey --version: %q %v, want the pseudo-version go stamps from the clone", out, err)
	}
	checkVersionText(t, string(out), false, true)
	if !strings.Contains(string(out), "commit: "+strings.TrimSpace(string(head))) {
		t.Errorf("--version %q does not name the clone's HEAD %s", out, head)
	}
}

// TestRealSDKSignIn runs the real 1Password SDK (its WASM core) through a
// zotkey binary built the way users get it, with a long pseudo-version, and a
// service-account token that the core parses but that opens no account. The
// sign-in must fail on the network, never on "invalid user input", and be
// reported as one line with a hint.
//
// No traffic leaves the machine: the token's signInAddress is 127.0.0.1:1, and
// the SDK refuses to contact a host outside *.1password.com and the like
// before any connection (internal/extism_core.go allowed1PHosts, enforced by
// extism's http_request host function); HTTPS_PROXY points at a closed
// loopback port besides.
func TestRealSDKSignIn(t *testing.T) {
	t.Parallel() // its build runs beside the scripts, which mostly wait
	testenv.Need(t, "the real-SDK test (builds zotkey)", "go")
	dir := t.TempDir()
	bin := filepath.Join(dir, "zotkey")
	build := exec.Command("go", "build", "-ldflags", "-X main.buildVersion="+pseudoVersion, "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	out, err := exec.Command(bin, "--version").Output()
	if lines := strings.Split(string(out), "\n"); err != nil || lines[0] != "zotkey "+pseudoVersion {
		t.Fatalf("zotkey --version: %q %v, want the full version %s", out, err, pseudoVersion)
	}
	checkVersionText(t, string(out), cgoBuild, false) // a worktree build may not be stamped

	cmd := exec.Command(bin, "status", "--check")
	cmd.Env = []string{
		"HOME=" + filepath.Join(dir, "home"),
		"PATH=" + os.Getenv("PATH"),
		"ZOTKEY_STORE=onepassword",
		"ZOTKEY_REGISTRY=http://127.0.0.1:1",
		"OP_SERVICE_ACCOUNT_TOKEN=" + optest.FakeToken("127.0.0.1:1"),
		"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent",
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	t.Logf("zotkey status --check with the real SDK:\n%s", stderr.String())
	if code := cmd.ProcessState.ExitCode(); err == nil || code != 1 {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	text := stderr.String()
	if strings.Contains(text, "invalid user input") {
		t.Fatalf("the SDK refused what zotkey passed it (integration info?):\n%s", text)
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if !strings.HasPrefix(lines[0], "zotkey: error: could not sign in to 1Password: ") || !strings.Contains(lines[0], "is not allowed") {
		t.Fatalf("want a sign-in failure on the network (the SDK refusing the token's sign-in address), got:\n%s", text)
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "zotkey: hint: ") {
			t.Fatalf("more than one error line (a stack trace?):\n%s", text)
		}
	}
	if !strings.Contains(text, "zotkey: hint: check the connection to 1Password") {
		t.Fatalf("no network hint:\n%s", text)
	}
}
