package driver_test

import (
	"context"
	"errors"
	"testing"

	"github.com/eblume/zotkey/internal/lifecycle"
)

// unreadable is the store when it takes a write and then cannot be read (a
// network blip, a rate limit, the app going silent after it answered).
type unreadable struct {
	*memStore
	wrote bool
}

func (u *unreadable) Get(ctx context.Context) (string, error) {
	if u.wrote {
		return "", errors.New("the store cannot be read")
	}
	return u.memStore.Get(ctx)
}

func (u *unreadable) Set(ctx context.Context, v string) error {
	err := u.memStore.Set(ctx, v)
	u.wrote = err == nil
	return err
}

// A write whose read-back fails may have landed (here it did): the new key is
// never revoked for it, since the store may hold it; the rotation stays
// recorded and the next run settles it from what the store holds.
func TestWriteNotReadBackIsNeverUndone(t *testing.T) {
	w := newWorld(t)
	old := w.store.value
	d, f := w.driver(nil)
	d.Store = &unreadable{memStore: w.store}
	err := round(d, lifecycle.Ask{Rotate: true, Policy: lifecycle.Policy{Sync: true, UnusedFor: quiet}})
	f.Unlock()
	if err == nil {
		t.Fatal("the rotation succeeded although the store could not be read back")
	}
	if w.store.value == old {
		t.Fatal("the case did not happen: the write did not land")
	}
	w.accounted("after the write that was not read back")

	// The next run reads the store, which holds the new key.
	d, f = w.driver(nil)
	defer f.Unlock()
	if err := round(d, lifecycle.Ask{Rotate: false, Revoke: true, Policy: lifecycle.Policy{UnusedFor: quiet, Sync: true}}); err != nil {
		t.Fatal(err)
	}
	st := w.accounted("after the next run")
	if st.Current == nil || st.Current.UUID != w.srv.UUIDOf(w.store.value) {
		t.Fatalf("the record's stored key is not the key the store holds: %+v", st.Current)
	}
}
