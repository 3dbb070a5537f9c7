package onepassword

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/store"
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
	d := desktop{api: blockingAPI{release}, timeout: 20 * time.Millisecond, gate: newGate()}
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
		{"app installed without the library", errors.New("1Password desktop application not found"), "has no SDK library", "8.11.20 or newer\nin the 1Password app, open Settings → Developer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fakeNewClient(t, c.err, false)
			old := appInstalled
			t.Cleanup(func() { appInstalled = old })
			appInstalled = func() string { return "" } // whatever this machine has
			if strings.HasPrefix(c.name, "app installed") {
				appInstalled = func() string { return "/Applications/1Password.app" }
			}
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

// Calls through the app run one at a time: a call abandoned after the
// timeout keeps the gate until the SDK returns, so the next call times out
// without entering the SDK (upstream onepassword-sdk-go issue 290: the
// desktop path has no lock, and overlapping calls garble each other).
func TestDesktopCallsNeverOverlap(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan string, 4)
	d := desktop{api: recordingAPI{blockingAPI{release}, entered}, timeout: 20 * time.Millisecond, gate: newGate()}
	if _, err := d.GetItem(context.Background(), "v", "i"); !IsTimeout(err) {
		t.Fatalf("first call: %v", err)
	}
	if _, err := d.ListVaults(context.Background()); !IsTimeout(err) || err.Error() != NoAnswerText {
		t.Fatalf("second call: %v", err)
	}
	if _, err := d.PutItem(context.Background(), op.Item{}); !IsTimeout(err) || !errors.Is(err, store.ErrUnknownOutcome) || err.Error() != WriteUnknownText {
		t.Fatalf("write: %v", err)
	}
	if got := <-entered; got != "get" || len(entered) != 0 {
		t.Fatalf("entered the SDK: %q and %d more", got, len(entered))
	}
	close(release) // the abandoned call returns: the gate is free again
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := d.ListVaults(context.Background())
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if got := <-entered; got != "list vaults" {
		t.Fatalf("after the release: %q", got)
	}
}

type recordingAPI struct {
	blockingAPI
	entered chan string
}

func (r recordingAPI) ListVaults(ctx context.Context) ([]op.VaultOverview, error) {
	r.entered <- "list vaults"
	return r.blockingAPI.ListVaults(ctx)
}
func (r recordingAPI) GetItem(ctx context.Context, v, i string) (op.Item, error) {
	r.entered <- "get"
	return r.blockingAPI.GetItem(ctx, v, i)
}
func (r recordingAPI) PutItem(ctx context.Context, it op.Item) (op.Item, error) {
	r.entered <- "put"
	return r.blockingAPI.PutItem(ctx, it)
}
