package driver_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/zot/zottest"
)

// A replaced key whose fingerprint the record does not know (a record of the
// first format kept replaced keys as bare uuids) that a CI job uses at the
// very moment zotkey lists the keys is the list's newest use; it is never
// taken for the stored key: the record keeps the stored key's uuid and the
// old key queued, and a rotation then replaces the stored key, not the old
// one, so no key is left valid and unrecorded.
func TestOldKeyUsedDuringListIsNeverAdopted(t *testing.T) {
	w := newWorld(t)
	oldSecret := w.store.value
	d, f := w.driver(nil)
	if err := round(d, lifecycle.Ask{Rotate: true, Policy: lifecycle.Policy{Sync: true, UnusedFor: quiet}}); err != nil {
		t.Fatal(err)
	}
	f.Unlock()
	storedUUID, oldUUID := w.srv.UUIDOf(w.store.value), w.srv.UUIDOf(oldSecret)
	st, err := record.Open(w.dir, w.srv.URL, user).Load()
	if err != nil {
		t.Fatal(err)
	}
	// The same record in the first format: the old key a bare uuid.
	legacy := map[string]any{
		"registry": w.srv.URL, "user": user, "store": st.Store, "fingerprint": st.Current.Fingerprint,
		"uuid": storedUUID, "updatedAt": time.Now().UTC(), "previous": []string{oldUUID},
	}
	b, _ := json.Marshal(legacy)
	rec := record.Open(w.dir, w.srv.URL, user)
	if err := os.Remove(rec.Path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, "record-aaaaaaaaaaaaaaaa.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	// zot's clock ticks at every reading, so every stamp is strictly later
	// than the one before; the CI job's request lands while zot serves the list.
	var mu sync.Mutex
	tick := time.Now()
	w.srv.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); tick = tick.Add(time.Millisecond); return tick })
	w.srv.SetFaults(zottest.Faults{UseDuringList: oldUUID})

	d, f = w.driver(nil)
	if _, err := d.Observe(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	f.Unlock()
	if self := d.Facts().Self; self.UUID != oldUUID {
		t.Fatalf("the case did not happen: the list's newest use is %s, want the old key %s", self.UUID, oldUUID)
	}
	st, err = rec.Load()
	if err != nil {
		t.Fatal(err)
	}
	if st.Current.UUID != storedUUID || !slices.ContainsFunc(st.Replaced, func(r lifecycle.Replaced) bool { return r.UUID == oldUUID }) {
		t.Fatalf("the old key in use was taken for the stored key: the record names %s as stored (the store holds %s) and queues %+v", st.Current.UUID, storedUUID, st.Replaced)
	}
	// A rotation in the same moment replaces the stored key.
	d, f = w.driver(nil)
	if err := round(d, lifecycle.Ask{Rotate: true, Policy: lifecycle.Policy{Sync: true, UnusedFor: quiet}}); err != nil {
		t.Fatal(err)
	}
	f.Unlock()
	w.srv.SetFaults(zottest.Faults{})
	w.accounted("after a rotation while the old key was in use")
}

// An old key that zot's list shows used after zot's present (zot's clock ran
// a day ahead when a CI job used it, then stepped back) is the list's newest
// use at every run until zot's clock catches up. The second list shows the
// stored key's stamp alone changed, so the old key is known not to be the
// stored one: revoke-previous --force revokes it, instead of keeping it for
// as long as zot's clock reads earlier than that use; the stored key stays.
func TestOldKeyUsedInZotsFutureIsRevokedWhenForced(t *testing.T) {
	w := newWorld(t)
	oldSecret := w.store.value
	d, f := w.driver(nil)
	if err := round(d, lifecycle.Ask{Rotate: true, Policy: lifecycle.Policy{Sync: true, UnusedFor: quiet}}); err != nil {
		t.Fatal(err)
	}
	f.Unlock()
	storedUUID, oldUUID := w.srv.UUIDOf(w.store.value), w.srv.UUIDOf(oldSecret)
	w.srv.Advance(24 * time.Hour)
	if !w.srv.Use(user, oldSecret) {
		t.Fatal("the CI job's request with the old key was refused")
	}
	w.srv.Advance(-24 * time.Hour)

	d, f = w.driver(nil)
	err := round(d, lifecycle.Ask{Revoke: true, Force: true, Policy: lifecycle.Policy{Sync: true, UnusedFor: quiet}})
	f.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if self := d.Facts().Self; self.UUID != oldUUID {
		t.Fatalf("the case did not happen: the list's newest use is %s, want the old key %s", self.UUID, oldUUID)
	}
	valid := w.srv.ValidKeys(user)
	if !slices.Contains(valid, storedUUID) {
		t.Fatal("the stored key was revoked")
	}
	if slices.Contains(valid, oldUUID) {
		t.Fatalf("revoke-previous --force kept the old key, whose use zot dates after its present")
	}
	w.accounted("after the forced revocation")
}
