package driver_test

import (
	"context"

	"github.com/eblume/zotkey/internal/key"
	"slices"
	"testing"

	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/record"
)

// A record that contradicts zot and the store (its stored key's uuid names
// an old key, and the stored key's own uuid is queued as replaced under the
// old key's fingerprint) never blocks a run nor has the stored key revoked;
// once zot no longer lists the old key, the record is repaired from zot and
// the store (the list's newest use, stamped by the stored key's own request,
// is the stored key). It used to block every run with "run the command
// again", for good.
func TestContradictingRecordIsRepairedNotBlocking(t *testing.T) {
	t.Run("old key listed", func(t *testing.T) { contradiction(t, false) })
	t.Run("old key gone", func(t *testing.T) { contradiction(t, true) })
}

func contradiction(t *testing.T, gone bool) {
	w := newWorld(t)
	oldSecret := w.store.value
	d, f := w.driver(nil)
	if err := round(d, lifecycle.Ask{Rotate: true, Policy: lifecycle.Policy{Sync: true, UnusedFor: quiet}}); err != nil {
		t.Fatal(err)
	}
	f.Unlock()
	storedUUID, oldUUID := w.srv.UUIDOf(w.store.value), w.srv.UUIDOf(oldSecret)
	rec := record.Open(w.dir, w.srv.URL, user)
	st, err := rec.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Replaced) != 1 || st.Current.UUID != storedUUID || st.Replaced[0].UUID != oldUUID {
		t.Fatalf("the case did not happen: %+v", st)
	}
	// The contradiction: the uuids swapped.
	st.Current.UUID, st.Replaced[0].UUID = oldUUID, storedUUID
	if err := rec.Save(st); err != nil {
		t.Fatalf("the contradicting record cannot be written: %v", err)
	}
	if v := w.srv.ValidKeys(user); len(v) != 2 {
		t.Fatalf("the case did not happen: zot lists %d keys, want the old one still listed", len(v))
	}
	if gone {
		k, _ := key.Parse([]byte(w.store.value), key.Zot)
		if err := w.reg.Revoke(context.Background(), k, oldUUID); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		d, f := w.driver(nil)
		err := round(d, lifecycle.Ask{Revoke: true, Force: true, Policy: lifecycle.Policy{Sync: true, UnusedFor: quiet}})
		f.Unlock()
		if err != nil {
			t.Fatalf("run %d after the contradiction: %v", i+1, err)
		}
		w.wait(2 * quiet)
	}
	st = w.accounted("after the runs")
	if !slices.Contains(w.srv.ValidKeys(user), storedUUID) {
		t.Fatal("the stored key was revoked")
	}
	if !gone {
		// zot lists the old key, so the record's uuid is not refuted: it
		// stays until the next rotation replaces both (never blocking).
		return
	}
	if st.Current.UUID != storedUUID || slices.ContainsFunc(st.Replaced, func(r lifecycle.Replaced) bool { return r.UUID == storedUUID }) {
		t.Fatalf("not repaired: the record names %s as stored and queues %+v; the store holds %s", st.Current.UUID, st.Replaced, storedUUID)
	}
}
