// Package testenv starts the real parts zotkey's tests run against: an X
// server for the clipboard, a Secret Service for the keyring, an OCI registry
// with htpasswd auth. A part whose programs are missing skips the test and says
// which, unless ZOTKEY_TEST_REQUIRE_ALL=1 (set by .ci/run) makes that a failure.
package testenv

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RequireAll reports whether missing parts fail tests instead of skipping them.
func RequireAll() bool { return os.Getenv("ZOTKEY_TEST_REQUIRE_ALL") == "1" }

// Need skips (or, under RequireAll, fails) t unless every program is on PATH.
func Need(t testing.TB, what string, programs ...string) {
	t.Helper()
	if err := Missing(what, programs...); err != nil {
		if RequireAll() {
			t.Fatalf("ZOTKEY_TEST_REQUIRE_ALL=1 but %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
}

// Missing says which programs of a part are not on PATH.
func Missing(what string, programs ...string) error {
	var missing []string
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s needs %s, not found on PATH (.ci/run installs them)", what, strings.Join(missing, ", "))
	}
	return nil
}

// stopper collects what stops the processes and files a part started, and
// runs it in reverse order.
type stopper struct {
	mu sync.Mutex
	fs []func()
}

func (s *stopper) add(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fs = append(s.fs, f)
}

func (s *stopper) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.fs) - 1; i >= 0; i-- {
		s.fs[i]()
	}
	s.fs = nil
}

// shared stops the parts shared by a whole test process.
var shared stopper

func atExit(f func()) { shared.add(f) }

// Main runs the tests, then stops every shared part started for them.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	shared.stop()
	return code
}

var (
	xOnce    sync.Once
	xDisplay string
	xErr     error
)

// Display starts one Xvfb for the test process and returns its DISPLAY (":N").
func Display(t testing.TB) string {
	t.Helper()
	Need(t, "the clipboard tests", "Xvfb", "xclip")
	xOnce.Do(func() { xDisplay, xErr = startDisplay(atExit) })
	if xErr != nil {
		t.Fatalf("starting Xvfb: %v", xErr)
	}
	return xDisplay
}

// NewDisplay starts a private Xvfb and returns its DISPLAY and a function
// that stops it, for tests that must not share a clipboard.
func NewDisplay() (display string, stop func(), err error) { return private(startDisplay) }

// private starts a part that only its caller uses, and returns what stops it.
func private[T any](start func(onStop func(func())) (T, error)) (T, func(), error) {
	s := &stopper{}
	v, err := start(s.add)
	if err != nil {
		s.stop()
		var zero T
		return zero, nil, err
	}
	return v, s.stop, nil
}

func startDisplay(onStop func(func())) (string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", err
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "320x240x8")
	cmd.ExtraFiles = []*os.File{w}
	if err := startIn(cmd, onStop); err != nil {
		w.Close()
		return "", err
	}
	w.Close()
	line, err := readLine(r, 10*time.Second)
	if err != nil {
		return "", fmt.Errorf("the Xvfb server did not report its display: %v", err)
	}
	return ":" + strings.TrimSpace(line), nil
}

// startIn runs a long-lived helper in its own process group; onStop gets the
// function that kills it.
func startIn(cmd *exec.Cmd, onStop func(func())) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	onStop(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	return nil
}

var (
	ssOnce sync.Once
	ssEnv  []string
	ssErr  error
)

// SecretService starts one private D-Bus session with an unlocked
// gnome-keyring for the test process and returns the environment that points
// to it (DBUS_SESSION_BUS_ADDRESS). The process's own environment is set too,
// so go-keyring in the test process finds it.
func SecretService(t testing.TB) []string {
	t.Helper()
	Need(t, "the keyring tests", "dbus-daemon", "gnome-keyring-daemon")
	env, err := StartSecretService()
	if err != nil {
		t.Fatalf("starting the Secret Service: %v", err)
	}
	return env
}

// StartSecretService is SecretService for callers without a testing.TB.
func StartSecretService() ([]string, error) {
	ssOnce.Do(func() { ssEnv, ssErr = startSecretService(atExit) })
	if ssErr != nil {
		return nil, ssErr
	}
	for _, kv := range ssEnv {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	return ssEnv, nil
}

// NewSecretService starts a private D-Bus session with an unlocked
// gnome-keyring and returns its environment and a function that stops it.
func NewSecretService() (env []string, stop func(), err error) {
	return private(startSecretService)
}

func startSecretService(onStop func(func())) ([]string, error) {
	dir, err := os.MkdirTemp("", "zotkey-secretservice-")
	if err != nil {
		return nil, err
	}
	onStop(func() { os.RemoveAll(dir) })
	start := func(cmd *exec.Cmd) error { return startIn(cmd, onStop) }
	dbus := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1", "--nopidfile")
	out, err := dbus.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := start(dbus); err != nil {
		return nil, err
	}
	addr, err := readLine(out, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("dbus-daemon did not print its address: %v", err)
	}
	env := []string{"DBUS_SESSION_BUS_ADDRESS=" + strings.TrimSpace(addr)}
	gk := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	gk.Env = append(os.Environ(), append(env, "HOME="+dir, "XDG_RUNTIME_DIR="+dir, "XDG_DATA_HOME="+filepath.Join(dir, "data"))...)
	gk.Stdin = strings.NewReader("test-keyring-password")
	gk.Stdout, gk.Stderr = io.Discard, io.Discard
	if err := start(gk); err != nil {
		return nil, err
	}
	// The daemon takes the bus name once it is ready.
	deadline := time.Now().Add(10 * time.Second)
	for {
		q := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		q.Env = append(os.Environ(), env...)
		b, _ := q.Output()
		if strings.Contains(string(b), "boolean true") {
			return env, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("gnome-keyring-daemon did not take org.freedesktop.secrets")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func readLine(r io.Reader, timeout time.Duration) (string, error) {
	ch := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		l, err := bufio.NewReader(r).ReadString('\n')
		if err != nil {
			errc <- err
			return
		}
		ch <- l
	}()
	select {
	case l := <-ch:
		return l, nil
	case err := <-errc:
		return "", err
	case <-time.After(timeout):
		return "", fmt.Errorf("timed out")
	}
}

// NewKey returns a fresh random zot-format key.
func NewKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "zak_" + hex.EncodeToString(b)
}

// Registry starts a Debian docker-registry on 127.0.0.1 whose htpasswd file
// lets user in with password, and returns its base URL. The password reaches
// htpasswd on stdin, never as an argument.
func Registry(t testing.TB, user, password string) string {
	t.Helper()
	Need(t, "the registry tests", "docker-registry", "htpasswd")
	url, stop, err := StartRegistry(t.TempDir(), user, password)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return url
}

// StartRegistry is Registry for callers without a testing.TB; dir holds its files.
func StartRegistry(dir, user, password string) (url string, stop func(), err error) {
	hp := exec.Command("htpasswd", "-niB", user)
	hp.Stdin = strings.NewReader(password + "\n")
	line, err := hp.Output()
	if err != nil {
		return "", nil, fmt.Errorf("htpasswd: %v", err)
	}
	htfile := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htfile, []byte(strings.TrimSpace(string(line))+"\n"), 0o600); err != nil {
		return "", nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return "", nil, err
	}
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: %s
http:
  addr: %s
auth:
  htpasswd:
    realm: zotkey-test
    path: %s
`, filepath.Join(dir, "data"), addr, htfile)
	cfgFile := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		return "", nil, err
	}
	cmd := exec.Command("docker-registry", "serve", cfgFile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("docker-registry: %v", err)
	}
	stop = func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}
	url = "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(url + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return url, stop, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("docker-registry at %s did not come up", url)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// VerifyUnits runs `systemd-analyze verify --user` on the units named
// unit.* in dir and returns
// its output; any output is a finding, so it fails on warnings too. It needs
// a runtime directory, which a headless machine may lack: it gets its own.
func VerifyUnits(dir, unit string) (string, error) {
	units, err := filepath.Glob(filepath.Join(dir, unit+".*"))
	if err != nil || len(units) == 0 {
		return "", fmt.Errorf("no units in %s", dir)
	}
	rt, err := os.MkdirTemp("", "zotkey-runtime-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(rt)
	cmd := exec.Command("systemd-analyze", append([]string{"verify", "--user", "--man=no"}, units...)...)
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+rt, "SYSTEMD_LOG_COLOR=0")
	out, err := cmd.CombinedOutput()
	if err == nil && len(out) > 0 {
		err = errors.New("systemd-analyze verify reported findings")
	}
	return string(out), err
}
