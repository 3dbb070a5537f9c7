// Package keyring keeps secrets in the OS keyring (macOS Keychain, Secret
// Service on Linux) under the service "zotkey": the key itself when --store
// keyring is chosen, and the 1Password service-account token.
package keyring

import (
	"context"
	"errors"
	"fmt"

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

func (e Entry) Get(context.Context) (string, error) {
	v, err := gokeyring.Get(Service, e.User)
	if errors.Is(err, gokeyring.ErrNotFound) {
		return "", fmt.Errorf("%s: %w", e, store.ErrNotFound)
	}
	if err != nil {
		return "", unavailable(err)
	}
	return v, nil
}

func (e Entry) Set(_ context.Context, value string) error {
	if err := gokeyring.Set(Service, e.User, value); err != nil {
		return unavailable(err)
	}
	return nil
}

// Delete removes the entry; it reports false when there was none.
func (e Entry) Delete() (bool, error) {
	err := gokeyring.Delete(Service, e.User)
	if errors.Is(err, gokeyring.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, unavailable(err)
	}
	return true, nil
}

func unavailable(err error) error {
	return fmt.Errorf("the OS keyring is unavailable (%v); on Linux a Secret Service such as gnome-keyring must be running and unlocked", err)
}
