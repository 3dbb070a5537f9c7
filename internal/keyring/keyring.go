// Package keyring keeps secrets in the OS keyring (macOS Keychain, Secret
// Service on Linux) under the service "zotkey": the key itself when --store
// keyring is chosen, and the 1Password service-account token.
package keyring

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/store"
)

// Service is the keyring service every zotkey entry is filed under.
const Service = "zotkey"

// TokenUser is the entry holding the 1Password service-account token.
const TokenUser = "op-service-account"

// Entry is one keyring entry; it is a store.Store.
type Entry struct{ User string }

func (e Entry) String() string { return e.User + " in the OS keyring (service " + Service + ")" }

// callTimeout bounds every keyring call: a Secret Service that D-Bus tries to
// start on demand, or a locked keychain waiting on a dialog, can otherwise
// hang for minutes.
var callTimeout = 10 * time.Second

// backend is the OS's keyring: go-keyring on Linux (backend_other.go), the
// security tool run by zotkey itself on macOS (backend_darwin.go), so a call
// that times out also ends its process.
type backend interface {
	get(ctx context.Context, service, user string) (string, error)
	set(ctx context.Context, service, user, secret string) error
	del(ctx context.Context, service, user string) error
}

// errNotFound is what a backend returns for a missing entry.
var errNotFound = errors.New("no such keyring entry")

// call runs f under callTimeout and ctx, and words a timeout.
func call[T any](ctx context.Context, f func(context.Context) (T, error)) (T, error) {
	timeout := timeoutError{callTimeout}
	ctx, cancel := context.WithTimeoutCause(ctx, callTimeout, timeout)
	defer cancel()
	v, err := f(ctx)
	if err != nil && errors.Is(context.Cause(ctx), timeout) {
		return v, timeout
	}
	return v, err
}

type timeoutError struct{ d time.Duration }

func (t timeoutError) Error() string {
	return fmt.Sprintf("the OS keyring did not answer within %s", t.d)
}

func (e Entry) Get(ctx context.Context) (string, error) {
	v, err := call(ctx, func(ctx context.Context) (string, error) { return provider.get(ctx, Service, e.User) })
	if errors.Is(err, errNotFound) {
		return "", fmt.Errorf("%s: %w", e, store.ErrNotFound)
	}
	if err != nil {
		return "", unavailable(ctx, err)
	}
	return v, nil
}

func (e Entry) Set(ctx context.Context, value string) error {
	_, err := call(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, provider.set(ctx, Service, e.User, value)
	})
	if err != nil {
		return unavailable(ctx, err)
	}
	return nil
}

// Delete removes the entry; it reports false when there was none.
func (e Entry) Delete(ctx context.Context) (bool, error) {
	_, err := call(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, provider.del(ctx, Service, e.User) })
	if errors.Is(err, errNotFound) {
		return false, nil
	}
	if err != nil {
		return false, unavailable(ctx, err)
	}
	return true, nil
}

// Error is a keyring failure; its Hint says how to make the keyring answer.
type Error struct{ err error }

func (e *Error) Error() string { return "the OS keyring is unavailable (" + e.err.Error() + ")" }
func (e *Error) Unwrap() error { return e.err }

// Hint covers both platforms zotkey runs on.
func (e *Error) Hint() string {
	return "macOS: unlock the login keychain (Keychain Access; over SSH: security unlock-keychain ~/Library/Keychains/login.keychain-db); " +
		"Linux: a Secret Service such as gnome-keyring must be running and unlocked on the session's D-Bus"
}

func unavailable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	return &Error{err}
}
