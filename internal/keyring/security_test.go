package keyring

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeSecurity writes a stand-in for /usr/bin/security: it records its
// arguments and stdin, prints $FAKE_OUT, and sleeps $FAKE_SLEEP.
func fakeSecurity(t *testing.T, out string, sleep string) (security, string) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\n" +
		"echo $$ > " + filepath.Join(dir, "pid") + "\n" +
		"printf '%s\\n' \"$*\" > " + filepath.Join(dir, "args") + "\n" +
		"cat > " + filepath.Join(dir, "stdin") + "\n" +
		"printf '%s' '" + out + "'\n" +
		"exec sleep " + sleep + "\n"
	path := filepath.Join(dir, "security")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return security{path: path}, dir
}

func TestSecuritySetKeepsTheSecretOffArgv(t *testing.T) {
	s, dir := fakeSecurity(t, "", "0")
	secret := "ops_secret'with quote"
	if err := s.set(context.Background(), "zotkey", "op-service-account", secret); err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	stdin, _ := os.ReadFile(filepath.Join(dir, "stdin"))
	if strings.TrimSpace(string(args)) != "-i" {
		t.Fatalf("argv: %q", args)
	}
	want, _ := addCommand("zotkey", "op-service-account", secret)
	if string(stdin) != want || strings.Contains(string(stdin), "secret'with") {
		t.Fatalf("stdin: %q", stdin)
	}
}

func TestSecurityGetDecodes(t *testing.T) {
	line, _ := addCommand("zotkey", "u", "zak_value")
	enc := strings.Trim(strings.Fields(line)[len(strings.Fields(line))-1], "'")
	s, _ := fakeSecurity(t, enc+"\n", "0")
	v, err := s.get(context.Background(), "zotkey", "u")
	if err != nil || v != "zak_value" {
		t.Fatalf("get: %q %v", v, err)
	}
}

// A call that times out ends the security process too, so a late write
// cannot land after zotkey gave up.
func TestSecurityTimeoutKillsTheProcess(t *testing.T) {
	s, dir := fakeSecurity(t, "", "30")
	old := callTimeout
	callTimeout = 300 * time.Millisecond
	defer func() { callTimeout = old }()
	start := time.Now()
	_, err := call(context.Background(), func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.set(ctx, "zotkey", "u", "v")
	})
	if !errors.As(err, new(timeoutError)) {
		t.Fatalf("err %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %s", d)
	}
	b, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if err := syscall.Kill(pid, 0); err == nil {
		t.Fatalf("security (pid %d) still runs after the timeout", pid)
	}
}

// The security tool's error line is quoted in zotkey's error, redacted: an
// add-generic-password error quotes a stray argument (keychain_add.c:238),
// which with the old quoting was the encoded secret.
func TestSecurityErrorLineIsRedacted(t *testing.T) {
	const k = "zak_0123456789abcdef0123456789abcdef"
	for _, form := range []string{k, base64Prefix + base64.StdEncoding.EncodeToString([]byte(k)), hexPrefix + hex.EncodeToString([]byte(k)),
		base64.StdEncoding.EncodeToString([]byte(k)), base64.URLEncoding.EncodeToString([]byte(k)), hex.EncodeToString([]byte(k))} {
		dir := t.TempDir()
		path := filepath.Join(dir, "security")
		script := "#!/bin/sh\necho 'security: SecKeychainItemCreateFromContent (" + form + "): The specified keychain could not be found.' >&2\nexit 25\n"
		if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		err := security{path: path}.set(context.Background(), Service, "u", k)
		if err == nil || strings.Contains(err.Error(), form[len(form)-30:]) || !strings.Contains(err.Error(), "could not be found") {
			t.Errorf("%q: %v", form, err)
		}
	}
}
