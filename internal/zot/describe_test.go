package zot

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Failures that cannot be staged on loopback without outside traffic (DNS) or
// reliably (a reset) are described from the errors Go returns for them.
func TestDescribe(t *testing.T) {
	wrap := func(err error) error { return &url.Error{Op: "Get", URL: "https://r.example/v2/", Err: err} }
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"DNS", wrap(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "r.example", IsNotFound: true}}),
			"could not reach the registry at https://r.example: cannot resolve its host: no such host"},
		{"reset", wrap(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}),
			"could not reach the registry at https://r.example: the connection was dropped before the answer was complete"},
		{"EOF", wrap(io.EOF), "could not reach the registry at https://r.example: the connection was dropped before the answer was complete"},
		{"deadline", wrap(context.DeadlineExceeded), "could not reach the registry at https://r.example: no answer within 10s (see --timeout)"},
		{"other, with escapes", wrap(errors.New("odd\x1b[31m\nzotkey: hint: x")), `could not reach the registry at https://r.example: odd\x1b[31m\nzotkey: hint: x`},
	} {
		err := describe(c.err, "https://r.example", 10*time.Second)
		if !errors.Is(err, ErrUnreachable) || err.Error() != c.want {
			t.Errorf("%s: %q, want %q", c.name, err, c.want)
		}
	}
	if err := describe(wrap(context.Canceled), "https://r.example", time.Second); !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnreachable) ||
		!strings.HasPrefix(err.Error(), "interrupted") {
		t.Errorf("canceled: %v", err)
	}
}
