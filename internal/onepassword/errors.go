package onepassword

import (
	"errors"
	"strings"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/redact"
)

// The SDK's errors are untyped texts made in its WASM core, except
// *op.RateLimitExceededError and *op.DesktopSessionExpiredError
// (onepassword-sdk-go v0.4.1 errors.go, unmarshalError). The texts below are
// the core's own (internal/wasm/core.wasm of v0.4.1; `strings core.wasm`).
const (
	// A Put of an item whose version is no longer current. The core has two
	// texts: the Display of ItemUpdateFailureReason's
	// ItemStatusIncorrectItemVersion (types.go:620), which only CreateAll and
	// DeleteAll return (types.go:730, :800), and, beside Put's other
	// refusal (unsupportedText), "The submitted item is not up to date.
	// Refetch the item and retry the request.", the likelier one for Put.
	staleText     = "incorrect item version"
	staleTextItem = "the submitted item is not up to date"
	// A 409 from the server; the core words it two ways.
	conflictText     = "data conflict occurred on the server"
	conflictTextHTTP = "a conflict occurred on the server"
	// A 404 from the server, e.g. Items().Get of an item ID the vault lacks.
	notFoundText = "resource not found"
	// Put of an item holding a field of a type the SDK does not know
	// (ItemFieldTypeUnsupported, types.go:210): core.wasm has
	// "cannot update item {…}. Editing is not supported for unsupported fields,".
	unsupportedText = "editing is not supported for unsupported fields"
)

// Kind sorts what went wrong, so callers can retry or say what to do.
type Kind int

const (
	KindOther       Kind = iota
	KindNetwork          // 1Password could not be reached
	KindStale            // the item changed since it was read (stale version)
	KindConflict         // the server answered 409
	KindRateLimit        // *op.RateLimitExceededError
	KindNotFound         // the server has no such vault or item
	KindAuth             // the token or the desktop app refused sign-in
	KindInput            // the SDK refused what zotkey passed (a zotkey bug)
	KindUnsupported      // the item holds a field the SDK cannot write back
)

// Error is an SDK error cut to one line (the core's errors can run on into a
// multi-line "wasm stack trace"), with its kind and a hint for the user.
type Error struct {
	Kind Kind
	msg  string
	err  error  // the SDK's error, for errors.As
	hint string // set for the desktop app's failures (desktop.go), else by Kind
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.err }

// Hint says what to do next; the cli prints it as a "zotkey: hint:" line.
func (e *Error) Hint() string {
	if e.hint != "" {
		return e.hint
	}
	switch e.Kind {
	case KindNetwork:
		return "check the connection to 1Password (the network, a proxy, or the sign-in address in the token) and run the command again"
	case KindRateLimit:
		return "1Password's rate limit for this service account was reached; it does not say when it resets (service-account limits are counted per hour): wait, then run the command again"
	case KindStale, KindConflict:
		return "someone else changed the item at the same moment; run the command again"
	case KindAuth:
		return "check the credentials: zotkey token status names the service-account token in use (create a new one in 1Password if it was revoked); with --op-account, unlock the 1Password app"
	case KindUnsupported:
		return UnsupportedHint
	case KindInput:
		return "1Password refused what zotkey sent: this is a zotkey bug, please report it with the error line"
	}
	return ""
}

// UnsupportedHint says what to change in an item that 1Password will not
// write back because it holds a field the SDK cannot edit.
const UnsupportedHint = "the item holds a field of a type the 1Password SDK cannot edit, so 1Password will not save it: in the 1Password app, remove that field or move it to another item, or keep the key in an item of text and password fields only (--item)"

// classify turns any error from the SDK (or the fake) into an *Error.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	msg := oneLine(err.Error())
	lower := strings.ToLower(msg)
	kind := KindOther
	var rl *op.RateLimitExceededError
	var ds *op.DesktopSessionExpiredError
	switch {
	case errors.As(err, &rl):
		kind = KindRateLimit
		if msg == "" || !strings.Contains(lower, "rate limit") {
			msg = strings.TrimSuffix("1Password's rate limit was exceeded: "+msg, ": ")
		}
	case errors.As(err, &ds):
		kind = KindAuth
	case strings.Contains(lower, unsupportedText):
		kind = KindUnsupported
	case strings.Contains(lower, staleText), strings.Contains(lower, staleTextItem):
		kind = KindStale
	case strings.Contains(lower, conflictText), strings.Contains(lower, conflictTextHTTP):
		kind = KindConflict
	case strings.Contains(lower, "invalid user input"):
		kind = KindInput
	case strings.Contains(lower, "service account token"), strings.Contains(lower, "you are not authenticated"),
		strings.Contains(lower, "failed to authenticate"), strings.Contains(lower, "session expired"):
		kind = KindAuth
	case isNetworkText(lower):
		kind = KindNetwork
	case strings.Contains(lower, notFoundText):
		kind = KindNotFound
	}
	// The core's texts quote what they were given (a field value in a
	// validation error, say): no form of a key may pass.
	return &Error{Kind: kind, msg: redact.Text(msg), err: err}
}

// isNetworkText recognises a failed HTTP request: the core's fetcher calls the
// host's http_request (extism go-sdk host.go), whose Go errors, or its refusal
// of a host outside the SDK's allowed list (*.1password.com etc.,
// internal/extism_core.go allowed1PHosts), come back as a wazero panic.
func isNetworkText(lower string) bool {
	for _, s := range []string{"recovered by wazero", "is not allowed", "dial tcp", "no such host", "connection refused",
		"connection reset", "host unreachable", "network unreachable", "network is unreachable", "i/o timeout",
		"tls:", "x509:", "request timeout", "error sending request"} {
		if strings.Contains(lower, s) {
			return true
		}
	}
	return false
}

// oneLine keeps the first line of an SDK error, without wazero's note that a
// host panic was recovered.
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	s = strings.ReplaceAll(s, " (recovered by wazero)", "")
	return strings.TrimSpace(s)
}

// KindOf is the kind of err, KindOther when it is no SDK error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}
