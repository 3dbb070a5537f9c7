package onepassword

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/store"
)

// DefaultSignInTimeout is how long zotkey waits for the 1Password app to
// answer each call (a sign-in, a read, a write) when --op-timeout is not set.
const DefaultSignInTimeout = 60 * time.Second

// NoAnswerText is the error when the app does not answer in time: a prompt
// that nobody approves, or a locked app.
const NoAnswerText = "1Password did not answer: approve zotkey in the 1Password app, or unlock it"

// newClient is op.NewClient; tests replace it.
var newClient = op.NewClient

// The SDK's own texts on the desktop-app path (onepassword-sdk-go v0.4.1).
const (
	// internal/shared_lib_core.go:70, after looking at the paths of :39-63.
	appNotFoundText = "1Password desktop application not found"
	// internal/shared_lib_core_unix.go:88, :97, :106 (dlopen, dlsym).
	libOpenText = "failed to open library"
	libLoadText = "failed to load send_message"
	libFreeText = "failed to load free_message"
	// internal/shared_lib_core.go:156-158, by the library's return code
	// (errorFromReturnCode, :161-185).
	channelClosedText = "desktop app connection channel is closed"
	droppedText       = "connection was unexpectedly dropped by the desktop app"
	internalText      = "an internal error occurred. Please contact 1Password support"
	// Without cgo: client_builder_no_cgo.go:10 and
	// internal/shared_lib_core_no_cgo.go:8.
	noCgoOptionText = "WithDesktopAppIntegration requires CGO"
	noCgoCoreText   = "The desktop app integration feature requires CGO"
	// The app's answer for an account it does not know; not in the SDK's
	// source (it comes from the app), seen in
	// 1Password/terraform-provider-onepassword#327: "error initializing
	// client: An internal error occurred when processing SDK request:
	// Error { msg: Account not found, inner: None }".
	accountNotFoundText = "account not found"
)

// accountHint says what --op-account wants: client_builder_cgo.go:5 ("your
// 1Password account name as shown at the top left sidebar of the app, or your
// account UUID").
const accountHint = "set op-account (--op-account, ZOTKEY_OP_ACCOUNT) to the account's name exactly as the 1Password app shows it at the top of its sidebar, or to the account's UUID (op account list shows it); a sign-in address such as example.1password.com is not an account name"

// integrationHint names the app's setting (shared_lib_core.go:156-157).
const integrationHint = "in the 1Password app, open Settings → Developer and, under \"Integrate with the 1Password SDKs\", turn on \"Integrate with other apps\""

// updateHint is the app version the SDK integration needs
// (onepassword-sdk-js issue 165: app 8.11.20 or newer).
const updateHint = "update the 1Password app to 8.11.20 or newer"

// appInstalled is where the 1Password app itself is installed, or "": the
// app's own files, not the SDK library the SDK looks for. Tests replace it.
var appInstalled = func() string {
	home, _ := os.UserHomeDir()
	var paths []string
	switch runtime.GOOS {
	case "darwin":
		paths = []string{"/Applications/1Password.app", filepath.Join(home, "Applications/1Password.app")}
	case "linux":
		// The Linux packages install /opt/1Password/1password and link
		// /usr/bin/1password to it; the snap's command is /snap/bin/1password.
		paths = []string{"/opt/1Password/1password", "/usr/bin/1password", "/snap/bin/1password"}
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// NoCgoError is --op-account in a binary built without cgo, which the SDK
// needs to load the app's library.
func noCgoError() *Error {
	return &Error{Kind: KindAuth,
		msg:  "--op-account uses the 1Password desktop app, which needs zotkey built with cgo; this binary has no cgo",
		hint: "reinstall with CGO_ENABLED=1 go install github.com/eblume/zotkey@latest (on macOS the Xcode command line tools provide the C compiler), or unset op-account and save a service-account token with zotkey token set"}
}

// appPaths are the places the SDK looks for the app's library on this OS
// (internal/shared_lib_core.go:39-63), as a user would say them.
func appPaths() string {
	switch runtime.GOOS {
	case "darwin":
		return "/Applications/1Password.app or ~/Applications/1Password.app"
	case "linux":
		return "/usr/bin/1password, /opt/1Password or /snap/bin/1password"
	}
	return "the places the 1Password SDK knows for " + runtime.GOOS
}

// desktopError words an error from the SDK's desktop-app path: each failure
// gets its own hint, from the SDK's text (or type) it recognises.
func desktopError(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) && e.hint != "" {
		return err
	}
	c := classify(err).(*Error)
	lower := strings.ToLower(err.Error())
	var ds *op.DesktopSessionExpiredError
	switch {
	case errors.As(err, &ds):
		// errors.go:10-16; clientInvoke signs in once more on it
		// (client_builder.go:99-120), so this is a second refusal.
		c.Kind, c.hint = KindAuth, "the 1Password app ended zotkey's session (it was locked, or the approval expired): unlock the app, run the command again and approve zotkey"
		if c.msg == "" { // the type's message is unexported, and may be empty
			c.msg = "the 1Password app's session for zotkey expired"
		}
	case strings.Contains(lower, strings.ToLower(appNotFoundText)) && appInstalled() != "":
		// The SDK looks for the library only (shared_lib_core.go:31-71), so
		// an app from before the SDK integration is "not found" too
		// (aws-vault issue 410; onepassword-sdk-js issue 165).
		c.Kind = KindAuth
		c.msg = "the 1Password app at " + appInstalled() + " has no SDK library (libop_sdk_ipc_client), so zotkey cannot use it"
		c.hint = updateHint + "\n" + integrationHint + ", then run the command again"
	case strings.Contains(lower, strings.ToLower(appNotFoundText)):
		c.Kind = KindAuth
		c.msg = "the 1Password app was not found (the SDK looks in " + appPaths() + ")"
		c.hint = "install the 1Password app there (8.11.20 or newer), or unset op-account and use a service-account token (zotkey token set)"
	case strings.Contains(lower, libOpenText), strings.Contains(lower, libLoadText), strings.Contains(lower, libFreeText):
		c.Kind = KindAuth
		c.msg = "the 1Password app's SDK library (libop_sdk_ipc_client) could not be loaded: " + c.msg
		c.hint = updateHint + " (an app older than the SDK integration lacks the library's functions)\n" + integrationHint + ", then run the command again"
	case strings.Contains(lower, channelClosedText):
		c.Kind, c.hint = KindAuth, integrationHint+", then run the command again"
	case strings.Contains(lower, droppedText):
		c.Kind, c.hint = KindAuth, "start the 1Password app and unlock it; "+integrationHint
	case strings.Contains(lower, strings.ToLower(internalText)):
		c.Kind, c.hint = KindAuth, "quit and restart the 1Password app, then run the command again; if it persists, 1Password support asks for the return code in the error"
	case strings.Contains(lower, strings.ToLower(noCgoOptionText)), strings.Contains(lower, strings.ToLower(noCgoCoreText)):
		return noCgoError()
	case strings.Contains(lower, accountNotFoundText):
		c.Kind, c.hint = KindAuth, accountHint
	case strings.Contains(lower, "locked"):
		// Assumed: no text for a locked app is in the SDK's source.
		c.Kind, c.hint = KindAuth, "unlock the 1Password app, then run the command again and approve zotkey"
	case c.Kind == KindOther || (c.Kind == KindNotFound && strings.Contains(lower, "initializing client")):
		c.Kind = KindAuth
		c.hint = "check that the 1Password app is running and unlocked, that \"Integrate with other apps\" is on in its Settings → Developer, and that op-account names the account as the app's sidebar shows it"
	}
	return c
}

// noAnswer is the error when the app did not answer within d.
type noAnswer struct{ d time.Duration }

func (n noAnswer) Error() string { return NoAnswerText }

// IsTimeout says whether err is a call into the 1Password app abandoned after
// op-timeout: the call may still be inside the SDK, so nothing else may be
// asked of the app in this run, and a read that timed out says nothing about
// the item (it was not renamed or deleted).
func IsTimeout(err error) bool { return errors.As(err, new(noAnswer)) }

// hangHint is what to do when the app does not answer: after sleep or a
// lock/unlock cycle it can hang with no prompt at all (onepassword-sdk-go
// issue 266, onepassword-sdk-python issue 217), and only a restart helps.
const hangHint = "if the app shows no prompt, or is unlocked and still silent, quit and reopen 1Password, then run the command again"

func noAnswerError(d time.Duration) *Error {
	return &Error{Kind: KindAuth, msg: NoAnswerText, err: noAnswer{d},
		hint: "approve zotkey in the 1Password app's prompt, or unlock the app\n" + hangHint + "\n" +
			fmt.Sprintf("zotkey waited %s (op-timeout, ZOTKEY_OP_TIMEOUT)", d)}
}

// WriteUnknownText is the error when a write through the app was not answered
// within op-timeout: it was not undone, since it may still land.
const WriteUnknownText = "1Password did not answer the write in time: whether the key was stored is unknown"

func writeUnknownError(d time.Duration) *Error {
	return &Error{Kind: KindAuth, msg: WriteUnknownText, err: fmt.Errorf("%w: %w", store.ErrUnknownOutcome, noAnswer{d}),
		hint: hangHint + "\n" + fmt.Sprintf("zotkey waited %s (op-timeout, ZOTKEY_OP_TIMEOUT); the write may still land, so nothing was undone: the next run reads the item and finishes from what it holds", d)}
}

// gate lets one call into the SDK's desktop path run at a time: the path
// takes no lock (internal/shared_lib_core_unix.go:113-160), and overlapping
// calls get each other's answers (upstream onepassword-sdk-go issue 290). A
// call abandoned after op-timeout keeps the gate until the SDK returns, so
// the calls after it wait, and time out, rather than overlap it.
type gate chan struct{}

func newGate() gate { return make(gate, 1) }

// desktopCall runs f, a call into the 1Password app that takes no context
// (the SDK's SharedLibCore.InitClient and Invoke ignore theirs:
// internal/shared_lib_core.go:92-132), once g is free, and stops waiting after
// d (for the gate and the call together) or when ctx ends; late is the error
// for a call that ran out of time. The abandoned call's goroutine is left
// behind, holding the gate until the SDK returns.
func desktopCall[T any](ctx context.Context, g gate, d time.Duration, late func(time.Duration) *Error, f func() (T, error)) (T, error) {
	if d <= 0 {
		d = DefaultSignInTimeout
	}
	timeout := noAnswer{d}
	tctx, cancel := context.WithTimeoutCause(ctx, d, timeout)
	defer cancel()
	var zero T
	select {
	case g <- struct{}{}:
	case <-tctx.Done():
		if ctx.Err() != nil {
			return zero, ctx.Err()
		}
		return zero, late(d)
	}
	v, err := store.Await(tctx, func() (T, error) {
		defer func() { <-g }()
		return f()
	})
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(tctx), timeout) {
		return v, late(d)
	}
	if err != nil && ctx.Err() != nil {
		return v, err
	}
	return v, desktopError(err)
}

// desktop is the API through the 1Password app: every call, writes included,
// is bounded by the timeout (a prompt nobody answers, or a hung app, blocks
// it for good), and calls run one at a time (gate). A write that times out is
// reported as of unknown outcome (store.ErrUnknownOutcome), never undone: it
// may still land.
type desktop struct {
	api     API
	timeout time.Duration
	gate    gate
}

func (d desktop) ListVaults(ctx context.Context) ([]op.VaultOverview, error) {
	return desktopCall(ctx, d.gate, d.timeout, noAnswerError, func() ([]op.VaultOverview, error) { return d.api.ListVaults(ctx) })
}
func (d desktop) ListItems(ctx context.Context, vaultID string) ([]op.ItemOverview, error) {
	return desktopCall(ctx, d.gate, d.timeout, noAnswerError, func() ([]op.ItemOverview, error) { return d.api.ListItems(ctx, vaultID) })
}
func (d desktop) GetItem(ctx context.Context, vaultID, itemID string) (op.Item, error) {
	return desktopCall(ctx, d.gate, d.timeout, noAnswerError, func() (op.Item, error) { return d.api.GetItem(ctx, vaultID, itemID) })
}
func (d desktop) PutItem(ctx context.Context, item op.Item) (op.Item, error) {
	return desktopCall(ctx, d.gate, d.timeout, writeUnknownError, func() (op.Item, error) { return d.api.PutItem(ctx, item) })
}

// DesktopLibraryPaths are where the SDK looks for the 1Password app's
// library when signing in through the desktop app (--op-account), in its
// order; the SDK loads the first that exists. Mirrors onepassword-sdk-go
// v0.4.1 internal/shared_lib_core.go (find1PasswordLibPath, lines 31-53).
func DesktopLibraryPaths(goos, home string) []string {
	switch goos {
	case "darwin":
		return []string{
			"/Applications/1Password.app/Contents/Frameworks/libop_sdk_ipc_client.dylib",
			filepath.Join(home, "Applications/1Password.app/Contents/Frameworks/libop_sdk_ipc_client.dylib"),
		}
	case "linux":
		return []string{
			"/usr/bin/1password/libop_sdk_ipc_client.so",
			"/opt/1Password/libop_sdk_ipc_client.so",
			"/snap/bin/1password/libop_sdk_ipc_client.so",
		}
	}
	return nil
}
