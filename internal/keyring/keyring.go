// Package keyring keeps secrets in the OS keyring (macOS Keychain, Secret
// Service on Linux) under the service "zotkey": the key itself when --store
// keyring is chosen, and the 1Password service-account token.
package keyring

import (
	"context"
	"errors"
	"fmt"
	"time"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/eblume/zotkey/internal/store"
)

// Service is the keyring service every zotkey entry is filed under.
const Service = "zotkey"

// TokenUser is the entry holding the 1Password service-account token.
const TokenUser = "op-service-account"

// Entry is one keyring entry; it is a store.Store.
type Entry struct{ User string }

func (e Entry) String() string { return e.User + " in the OS keyring (service " + Service + ")" }

// Timeout bounds every keyring call: a Secret Service that D-Bus tries to
// start on demand can otherwise hang for minutes.
var Timeout = 10 * time.Second

// bounded runs f, giving up after Timeout or when ctx ends (f's goroutine is
// left behind; the process is about to report the error and exit).
func bounded[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-time.After(Timeout):
		var zero T
		return zero, fmt.Errorf("the OS keyring did not answer within %s", Timeout)
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func (e Entry) Get(ctx context.Context) (string, error) {
	v, err := bounded(ctx, func() (string, error) { return gokeyring.Get(Service, e.User) })
	if errors.Is(err, gokeyring.ErrNotFound) {
		return "", fmt.Errorf("%s: %w", e, store.ErrNotFound)
	}
	if err != nil {
		return "", unavailable(ctx, err)
	}
	return v, nil
}

func (e Entry) Set(ctx context.Context, value string) error {
	if _, err := bounded(ctx, func() (struct{}, error) { return struct{}{}, gokeyring.Set(Service, e.User, value) }); err != nil {
		return unavailable(ctx, err)
	}
	return nil
}

// Delete removes the entry; it reports false when there was none.
func (e Entry) Delete(ctx context.Context) (bool, error) {
	_, err := bounded(ctx, func() (struct{}, error) { return struct{}{}, gokeyring.Delete(Service, e.User) })
	if errors.Is(err, gokeyring.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, unavailable(ctx, err)
	}
	return true, nil
}

func unavailable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	return fmt.Errorf("the OS keyring is unavailable (%v); on Linux a Secret Service such as gnome-keyring must be running and unlocked", err)
}
