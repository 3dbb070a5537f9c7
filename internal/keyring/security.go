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

	"github.com/eblume/zotkey/internal/redact"
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
	// maxLine is the longest command line, its newline included, that
	// `security -i` reads whole: the line buffer is MAX_LINE_LEN, 4096 bytes
	// (SecurityTool/macOS/security.c:79, :1182), and readline stops after
	// buffer_size-1 bytes (readline.c:57-60), leaving the rest of the line,
	// to be read as the next command.
	maxLine = 4096 - 1
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
	line, err := addCommand(service, user, secret)
	if err != nil {
		return err
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

// addCommand is the `security -i` line that stores secret (-U: update in
// place), or an error naming what the line cannot carry. It never quotes the
// secret or the entry's name in that error.
func addCommand(service, user, secret string) (string, error) {
	for _, a := range [][2]string{{"keyring service name", service}, {"keyring entry name", user}} {
		if i := strings.IndexAny(a[1], "\x00\n"); i >= 0 {
			what := map[byte]string{0: "NUL byte", '\n': "line break"}[a[1][i]]
			return "", fmt.Errorf("the %s holds a %s, which the macOS keychain's security tool cannot read in a command (nothing was stored)", a[0], what)
		}
	}
	// The secret is base64, which needs no quoting; it is quoted all the same.
	enc := base64Prefix + base64.StdEncoding.EncodeToString([]byte(secret))
	line := "add-generic-password -U -s " + quoteArg(service) + " -a " + quoteArg(user) + " -w " + quoteArg(enc) + "\n"
	if len(line) > maxLine {
		return "", fmt.Errorf("the secret and the entry's name are too long for the macOS keychain's security tool (a %d-byte command of at most %d; nothing was stored)", len(line), maxLine)
	}
	return line, nil
}

// quoteArg quotes s as exactly one argument for the line parser of
// `security -i`, split_line in Apple's SecurityTool/macOS/security.c:907-1001:
// a quote opens a quoted argument only where an argument starts (:923-929);
// inside it a backslash takes the next byte literally (:959-963, :983-987)
// and the matching quote ends the argument (:964-972), so a closing quote
// cannot be followed by more of the same argument (the shell's '"'"' idiom,
// which go-keyring uses, splits the argument in three). Nothing else is
// special inside quotes: whitespace, the other quote, a leading - or -- and
// bytes above 0x7f are copied as they are. So: one opening quote, a backslash
// before every backslash and quote, one closing quote. Only NUL (the end of
// the C string) and a newline (the end of the line, readline.c:73) cannot be
// carried; addCommand refuses them.
func quoteArg(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' || s[i] == '\'' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String()
}

// securityFailed words a failure of the security tool by its first line, which
// names the problem (e.g. "User interaction is not allowed." for a locked
// keychain over SSH). It should never hold the secret, but an error of
// add-generic-password quotes a stray argument (keychain_add.c:238), so the
// line is redacted, the go-keyring forms of the secret included.
func securityFailed(err error, stderr string) error {
	first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
	first = redact.Text(first)
	if first == "" {
		return fmt.Errorf("security: %v", err)
	}
	return fmt.Errorf("security: %v: %s", err, first)
}
