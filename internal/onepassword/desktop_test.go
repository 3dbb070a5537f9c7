package onepassword

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/testenv"
)

// fakeNewClient makes Connect's SDK call return err, or block until the test
// ends when block is set.
func fakeNewClient(t *testing.T, err error, block bool) {
	t.Helper()
	release := make(chan struct{})
	old := newClient
	newClient = func(context.Context, ...op.ClientOption) (*op.Client, error) {
		if block {
			<-release
		}
		return nil, err
	}
	t.Cleanup(func() { close(release); newClient = old })
}

// A sign-in that the app never answers (a prompt nobody approves, a locked
// app) is abandoned after the timeout, with the message the user acts on.
func TestDesktopSignInTimesOut(t *testing.T) {
	fakeNewClient(t, nil, true)
	_, err := Connect(context.Background(), Auth{Account: "Eblume", Timeout: 50 * time.Millisecond}, "v1.0.0")
	var e *Error
	if !errors.As(err, &e) || err.Error() != NoAnswerText || KindOf(err) != KindAuth {
		t.Fatalf("err %v", err)
	}
	if h := e.Hint(); !strings.Contains(h, "50ms") || !strings.Contains(h, "op-timeout") {
		t.Fatalf("hint %q", h)
	}
}

// An interrupt is not reported as the app's silence.
func TestDesktopSignInInterrupted(t *testing.T) {
	fakeNewClient(t, nil, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Connect(ctx, Auth{Account: "Eblume", Timeout: time.Hour}, "v1.0.0")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

// Reads through the app are bounded too: a locked app makes the SDK sign in
// again inside the call (client_builder.go:99-120), which may prompt.
func TestDesktopReadTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	d := desktop{api: blockingAPI{release}, timeout: 20 * time.Millisecond}
	if _, err := d.ListVaults(context.Background()); err == nil || err.Error() != NoAnswerText {
		t.Fatalf("list vaults: %v", err)
	}
	if _, err := d.GetItem(context.Background(), "v", "i"); err == nil || err.Error() != NoAnswerText {
		t.Fatalf("get item: %v", err)
	}
}

type blockingAPI struct{ release chan struct{} }

func (b blockingAPI) ListVaults(context.Context) ([]op.VaultOverview, error) {
	<-b.release
	return nil, nil
}
func (b blockingAPI) ListItems(context.Context, string) ([]op.ItemOverview, error) {
	<-b.release
	return nil, nil
}
func (b blockingAPI) GetItem(context.Context, string, string) (op.Item, error) {
	<-b.release
	return op.Item{}, nil
}
func (b blockingAPI) PutItem(context.Context, op.Item) (op.Item, error) {
	<-b.release
	return op.Item{}, nil
}

// Each failure the SDK returns on the desktop path gets its own hint, and
// none of them talks about a service-account token being checked.
func TestDesktopFailuresHaveTheirOwnHint(t *testing.T) {
	for _, c := range []struct {
		name      string
		err       error
		msg, hint string
	}{
		{"app not found (internal/shared_lib_core.go:70)", errors.New("1Password desktop application not found"), "the 1Password app was not found", "install the 1Password app"},
		{"library does not load (shared_lib_core_unix.go:88)", errors.New("failed to open library"), "could not be loaded", "update the 1Password app"},
		{"symbol missing (shared_lib_core_unix.go:97)", errors.New("failed to load send_message"), "could not be loaded", "update the 1Password app"},
		{"integration off (shared_lib_core.go:156)", errors.New("desktop app connection channel is closed. Make sure Settings > Developer > Integrate with other apps is enabled, or contact 1Password support"), "channel is closed", "Settings → Developer"},
		{"app not running (shared_lib_core.go:157)", errors.New("connection was unexpectedly dropped by the desktop app. Make sure the desktop app is running and Settings > Developer > Integrate with other apps is enabled, or contact 1Password support"), "dropped", "start the 1Password app"},
		{"other return code (shared_lib_core.go:158)", fmt.Errorf("an internal error occurred. Please contact 1Password support and mention the return code: %d", -9), "return code: -9", "restart the 1Password app"},
		{"unknown account (the app's answer)", errors.New("error initializing client: An internal error occurred when processing SDK request: Error { msg: Account not found, inner: None }"), "Account not found", "sidebar"},
		{"session expired, app locked (errors.go:10)", &op.DesktopSessionExpiredError{}, "session for zotkey expired", "unlock the app"},
		{"no cgo (client_builder_no_cgo.go:10)", errors.New("WithDesktopAppIntegration requires CGO to cross-compile. See README CGO section"), "needs zotkey built with cgo", "CGO_ENABLED=1"},
		{"no cgo (shared_lib_core_no_cgo.go:8)", errors.New("You've probably hit this during cross-compilation: The desktop app integration feature requires CGO (CGO_ENABLED=1 and a working C toolchain - see README.md for how to build this)"), "needs zotkey built with cgo", "CGO_ENABLED=1"},
		{"anything else", errors.New("error initializing client: something new"), "something new", "running and unlocked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fakeNewClient(t, c.err, false)
			_, err := Connect(context.Background(), Auth{Account: "Eblume", Timeout: time.Minute}, "v1.0.0")
			var e *Error
			if !errors.As(err, &e) || KindOf(err) != KindAuth {
				t.Fatalf("err %v (kind %v)", err, KindOf(err))
			}
			if !strings.Contains(err.Error(), c.msg) || strings.Contains(err.Error(), "\n") {
				t.Errorf("message %q lacks %q", err.Error(), c.msg)
			}
			if h := e.Hint(); !strings.Contains(h, c.hint) || strings.Contains(h, "token in use") {
				t.Errorf("hint %q lacks %q", h, c.hint)
			}
			t.Logf("zotkey: error: %v\nzotkey: hint: %s", err, e.Hint())
		})
	}
}

// The real SDK, built with cgo, on a machine without the app: the app is not
// found, and the hint names the SDK's Linux paths, not a service-account
// token. Where the app (or anything at its library's paths) is installed, the
// test runs where those paths are hidden (testenv.WithoutFiles), so it never
// talks to a real app.
func TestRealSDKDesktopAppMissing(t *testing.T) {
	if !cgoEnabled {
		_, err := ResolveAuth(CredentialSource{Account: "Eblume"})
		if err == nil || !strings.Contains(err.Error(), "cgo") {
			t.Fatalf("without cgo: %v", err)
		}
		return
	}
	home := t.TempDir() // the SDK's ~/Applications path on macOS is then the test's own
	t.Setenv("HOME", home)
	if !testenv.WithoutFiles(t, DesktopLibraryPaths(runtime.GOOS, home)...) {
		return
	}
	_, err := Connect(context.Background(), Auth{Account: "Eblume", Timeout: time.Minute}, "v1.0.0")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err %v (%T), want an *Error", err, err)
	}
	if !strings.Contains(err.Error(), "the 1Password app was not found") || strings.Contains(e.Hint(), "token in use") {
		t.Fatalf("err %v, hint %q", err, e.Hint())
	}
	t.Logf("zotkey: error: %v\nzotkey: hint: %s", err, e.Hint())
}
