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
// old key's fingerprint) is repaired from them on the next run, whether zot
// still lists the old key (the key a second list request stamps is the
// stored key) or not (the list's newest use is then the stored key's); no run
// is blocked, and the stored key is never revoked, not even by a forced
// revocation. With the old key gone it used to block every run with "run
// the command again", for good; with it listed, revoke-previous --force
// revoked the stored key.
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
	st, err = rec.Load()
	if err != nil {
		t.Fatal(err)
	}
	valid := w.srv.ValidKeys(user)
	if !slices.Contains(valid, storedUUID) {
		t.Fatal("the stored key was revoked")
	}
	if st.Current.UUID != storedUUID || slices.ContainsFunc(st.Replaced, func(r lifecycle.Replaced) bool { return r.UUID == storedUUID }) {
		t.Fatalf("not repaired: the record names %s as stored and queues %+v; the store holds %s", st.Current.UUID, st.Replaced, storedUUID)
	}
	// The old key the record named wrongly is left alone, as any key the
	// record does not hold (revoke/wrong_recorded_uuid_never_revokes_other_key):
	// still valid when zot listed it, until it expires or a person revokes it.
	if want := map[bool]int{false: 2, true: 1}[gone]; len(valid) != want {
		t.Fatalf("zot holds %d valid keys, want %d", len(valid), want)
	}
}
