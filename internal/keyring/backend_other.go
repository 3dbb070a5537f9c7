//go:build !darwin

package keyring

import (
	"context"
	"errors"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/eblume/zotkey/internal/store"
)

// goKeyring is go-keyring's Secret Service client (D-Bus, in this process):
// there is no helper process to end, so a call that times out is abandoned
// (its goroutine is left behind; the process is about to report and exit).
type goKeyring struct{}

var provider backend = goKeyring{}

func notFound(err error) error {
	if errors.Is(err, gokeyring.ErrNotFound) {
		return errNotFound
	}
	return err
}

func (goKeyring) get(ctx context.Context, service, user string) (string, error) {
	v, err := store.Await(ctx, func() (string, error) { return gokeyring.Get(service, user) })
	return v, notFound(err)
}

func (goKeyring) set(ctx context.Context, service, user, secret string) error {
	_, err := store.Await(ctx, func() (struct{}, error) { return struct{}{}, gokeyring.Set(service, user, secret) })
	return err
}

func (goKeyring) del(ctx context.Context, service, user string) error {
	_, err := store.Await(ctx, func() (struct{}, error) { return struct{}{}, gokeyring.Delete(service, user) })
	return notFound(err)
}
