package keyring

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// security is the macOS keychain through /usr/bin/security, run the way
// go-keyring v0.2.8 runs it (keyring_darwin.go), so entries stay readable by
// either: the secret is written as "go-keyring-base64:" + base64 through
// `security -i` with the command on stdin (never in argv), and read with
// `find-generic-password -w`, which prints it on stdout. zotkey runs the
// process itself, under the call's context, so a call that times out or is
// interrupted kills it: a write cannot land after zotkey has given up (and,
// in rotate, rolled back).
//
// It builds on every OS so its process handling is tested on Linux with a
// stand-in program; only darwin uses it.
type security struct{ path string }

const (
	base64Prefix = "go-keyring-base64:"
	hexPrefix    = "go-keyring-encoded:"
	// notFoundText is what security prints for a missing item.
	notFoundText = "could not be found"
	// maxCommand is security -i's line limit (go-keyring's ErrSetDataTooBig).
	maxCommand = 4096
)

// run runs security with args and stdin; the process is killed when ctx ends.
func (s security) run(ctx context.Context, stdin string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.CommandContext(ctx, s.path, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = time.Second // after the kill, do not wait on pipes held open by children
	err = cmd.Run()
	if ctx.Err() != nil {
		return "", "", ctx.Err()
	}
	return out.String(), errOut.String(), err
}

func (s security) get(ctx context.Context, service, user string) (string, error) {
	out, errOut, err := s.run(ctx, "", "find-generic-password", "-s", service, "-wa", user)
	if err != nil {
		if strings.Contains(out+errOut, notFoundText) {
			return "", errNotFound
		}
		return "", securityFailed(err, errOut)
	}
	v := strings.TrimSpace(out)
	switch {
	case strings.HasPrefix(v, base64Prefix):
		b, err := base64.StdEncoding.DecodeString(v[len(base64Prefix):])
		return string(b), err
	case strings.HasPrefix(v, hexPrefix):
		b, err := hex.DecodeString(v[len(hexPrefix):])
		return string(b), err
	}
	return v, nil
}

func (s security) set(ctx context.Context, service, user, secret string) error {
	line := addCommand(service, user, secret)
	if len(line) > maxCommand {
		return fmt.Errorf("the secret is too long for the macOS keychain's security tool (%d bytes of at most %d in its command)", len(line), maxCommand)
	}
	// Only the exit status counts, as in go-keyring; store.Put reads back.
	_, errOut, err := s.run(ctx, line, "-i")
	if err != nil {
		return securityFailed(err, errOut)
	}
	return nil
}

func (s security) del(ctx context.Context, service, user string) error {
	out, errOut, err := s.run(ctx, "", "delete-generic-password", "-s", service, "-a", user)
	if strings.Contains(out+errOut, notFoundText) {
		return errNotFound
	}
	if err != nil {
		return securityFailed(err, errOut)
	}
	return nil
}

// addCommand is the `security -i` line that stores secret (-U: update in place).
func addCommand(service, user, secret string) string {
	enc := base64Prefix + base64.StdEncoding.EncodeToString([]byte(secret))
	return fmt.Sprintf("add-generic-password -U -s %s -a %s -w %s\n", shellQuote(service), shellQuote(user), shellQuote(enc))
}

// shellQuote quotes s for security -i's shell-like line parser.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// securityFailed words a failure of the security tool by its first line, which
// names the problem (e.g. "User interaction is not allowed." for a locked
// keychain over SSH) and never holds the secret.
func securityFailed(err error, stderr string) error {
	first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
	if first == "" {
		return fmt.Errorf("security: %v", err)
	}
	return fmt.Errorf("security: %v: %s", err, first)
}
