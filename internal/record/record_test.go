package record

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/lifecycle"
)

const (
	fpA = "sha256:aaaaaaaaaaaa"
	fpB = "sha256:bbbbbbbbbbbb"
	u1  = "11111111-1111-4111-8111-111111111111"
	u2  = "22222222-2222-4222-8222-222222222222"
	u3  = "33333333-3333-4333-8333-333333333333"
)

func TestSaveThenLoadReturnsTheState(t *testing.T) {
	dir := t.TempDir()
	f := Open(dir, "https://r", "zot-ci")
	if _, err := f.Load(); !errors.Is(err, ErrNone) {
		t.Fatalf("no record: %v", err)
	}
	exp := time.Date(2027, 2, 24, 0, 0, 0, 0, time.UTC)
	s := lifecycle.State{Store: "s", Current: &lifecycle.Current{Fingerprint: fpA, UUID: u1, ExpiresAt: &exp},
		Replaced: []lifecycle.Replaced{{UUID: u2}}}
	if err := f.Save(s); err != nil {
		t.Fatal(err)
	}
	got, err := f.Load()
	if err != nil || got.Current.Fingerprint != fpA || !got.Current.ExpiresAt.Equal(exp) || len(got.Replaced) != 1 || got.Schema != lifecycle.Schema {
		t.Fatalf("load: %+v %v", got, err)
	}
	if fi, _ := os.Stat(f.Path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".record-*")); len(m) > 0 {
		t.Fatalf("temp files left: %v", m)
	}
}

func TestSaveRefusesAStateThatBreaksTheInvariant(t *testing.T) {
	f := Open(t.TempDir(), "https://r", "zot-ci")
	good := lifecycle.State{Current: &lifecycle.Current{Fingerprint: fpA, UUID: u1}}
	if err := f.Save(good); err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.Replaced = []lifecycle.Replaced{{UUID: u1}} // the stored key queued for revocation
	if err := f.Save(bad); err == nil || !strings.Contains(err.Error(), "invariant") {
		t.Fatalf("saved a stored key queued for revocation: %v", err)
	}
	if got, _ := f.Load(); len(got.Replaced) != 0 {
		t.Fatalf("the bad state reached the file: %+v", got)
	}
}

func TestLoadMigratesTheSecondFormat(t *testing.T) {
	dir := t.TempDir()
	f := Open(dir, "https://r.example", "zot-ci")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old := map[string]any{"store": "s", "registry": "https://r.example", "user": "zot-ci", "fingerprint": fpB, "uuid": u2,
		"previous": []any{map[string]any{"uuid": u1, "replacedAt": t0, "fingerprint": fpA, "replacedBy": fpB, "unsyncedSince": t0}},
		"pending":  map[string]any{"label": "zotkey 2026-01-01 abcd", "replaces": u2, "startedAt": t0, "newUuid": u3, "newFingerprint": "sha256:cccccccccccc"},
		"watch":    []any{map[string]any{"label": "zotkey x", "until": t0.Add(10 * time.Minute)}}}
	b, _ := json.Marshal(old)
	if err := os.WriteFile(f.Path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case s.Current.UUID != u2 || s.Current.Synced:
		t.Errorf("current %+v: unsynced replaced key means unsynced current", s.Current)
	case len(s.Replaced) != 1 || s.Replaced[0].Synced || !s.Replaced[0].Baseline.Equal(t0):
		t.Errorf("replaced %+v", s.Replaced)
	case s.Rotation == nil || s.Rotation.Phase != lifecycle.Minted || s.Rotation.NewUUID != u3:
		t.Errorf("rotation %+v", s.Rotation)
	case len(s.Watch) != 1 || !s.Watch[0].Since.Equal(t0):
		t.Errorf("watch %+v", s.Watch)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadRefusesARecordOfANewerSchema(t *testing.T) {
	f := Open(t.TempDir(), "https://r", "u")
	if err := os.WriteFile(f.Path, []byte(`{"schema": 99}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Load(); err == nil || !strings.Contains(err.Error(), "newer zotkey") {
		t.Fatalf("newer schema: %v", err)
	}
}

func TestSyncHeldIsTheSyncLock(t *testing.T) {
	dir := t.TempDir()
	a, b := Open(dir, "https://r", "u"), Open(dir, "https://r", "u")
	if held, err := b.SyncHeld(); held || err != nil {
		t.Fatal("held before anyone took it", err)
	}
	if err := a.LockSync(); err != nil {
		t.Fatal(err)
	}
	if held, err := b.SyncHeld(); !held || err != nil {
		t.Fatal("not held while a holds it", err)
	}
	a.UnlockSync()
	if held, err := b.SyncHeld(); held || err != nil {
		t.Fatal("held after a let go", err)
	}
}

// A lock that cannot be opened is an error naming its path, never "busy"
// (a sync under way) nor "free".
func TestLockThatCannotBeOpenedIsNotBusy(t *testing.T) {
	dir := t.TempDir()
	f := Open(dir, "https://r", "u")
	for _, suffix := range []string{".sync.lock", ".job.lock", ".lock"} {
		path := strings.TrimSuffix(f.Path, ".json") + suffix
		if err := os.MkdirAll(path, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if held, err := f.SyncHeld(); held || err == nil || !strings.Contains(err.Error(), ".sync.lock") {
		t.Errorf("SyncHeld = %v, %v; want an error naming the lock", held, err)
	}
	for name, lock := range map[string]func() error{"LockSync": f.LockSync, "LockJob": f.LockJob, "Lock": f.Lock} {
		if err := lock(); err == nil || errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s = %v; want an error naming the path, not busy", name, err)
		}
	}
}

func TestOneRecordPerIdentity(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://Registry.Example.com/", "https://registry.example.com"},
		{"HTTPS://registry.example.com:443", "https://registry.example.com"},
		{"http://127.0.0.1:80//", "http://127.0.0.1"},
		{"http://127.0.0.1:5000", "http://127.0.0.1:5000"},
		{"https://r.example/zot/", "https://r.example/zot"},
	} {
		if got := Registry(c.in); got != c.want {
			t.Errorf("Registry(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	dir := t.TempDir()
	if Open(dir, "https://R.example/", "u").Path != Open(dir, "https://r.example:443", "u").Path {
		t.Error("one identity, two records")
	}
	if Open(dir, "https://r.example", "u").Path == Open(dir, "https://r.example", "v").Path {
		t.Error("two users, one record")
	}
}

// With no record yet, Load still names the identity, so a first run can say
// which registry and user it speaks of.
func TestLoadWithoutARecordNamesTheIdentity(t *testing.T) {
	s, err := Open(t.TempDir(), "https://R.example/", "u").Load()
	if !errors.Is(err, ErrNone) || s.Registry != "https://r.example" || s.User != "u" || s.Schema != lifecycle.Schema {
		t.Fatalf("%+v %v", s, err)
	}
}

// The first format kept a record per store spelling; Load merges them,
// keeping every key still to revoke, and writes nothing; the first Save
// writes the new format and removes the old files.
func TestLoadMergesTheFirstFormatsRecords(t *testing.T) {
	dir := t.TempDir()
	old := func(name string, updated time.Time, fp string, prev ...string) {
		b, _ := json.Marshal(map[string]any{"store": name, "registry": "https://r.example/", "user": "zot-ci",
			"fingerprint": fp, "updatedAt": updated, "previous": prev})
		if err := os.WriteFile(filepath.Join(dir, "record-"+name+".json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old("a", t0, fpA, u1)
	old("b", t0.Add(time.Hour), fpB, u2)
	f := Open(dir, "https://r.example", "zot-ci")
	r, err := f.Load()
	if err != nil || r.Current.Fingerprint != fpB || len(r.Replaced) != 2 {
		t.Fatalf("migrated: %+v %v", r, err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 2 || !f.Old() {
		t.Fatalf("Load wrote or removed files: %v (old %v)", m, f.Old())
	}
	if err := f.Save(r); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "record-*.json")); len(m) != 0 {
		t.Fatalf("old records left: %v", m)
	}
	if r, err := f.Load(); err != nil || r.Current.Fingerprint != fpB {
		t.Fatalf("after migration: %+v %v", r, err)
	}
}

func TestLoadRefusesLinksFIFOsAndHugeFiles(t *testing.T) {
	dir := t.TempDir()
	f := Open(dir, "https://r", "u")
	if err := os.Symlink("/dev/zero", f.Path); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Load(); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("symlink: %v", err)
	}
	// Saving replaces the link, never writes through it.
	if err := f.Save(lifecycle.State{}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(f.Path); !fi.Mode().IsRegular() {
		t.Fatal("the link is still there")
	}
	os.Remove(f.Path)
	if err := syscall.Mkfifo(f.Path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := f.Load(); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("fifo: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("reading a FIFO record blocked")
	}
	os.Remove(f.Path)
	if err := os.WriteFile(f.Path, make([]byte, maxSize+10), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Load(); err == nil || !strings.Contains(err.Error(), "KiB") {
		t.Fatalf("huge: %v", err)
	}
}

func TestLockIsExclusive(t *testing.T) {
	dir := t.TempDir()
	a, b := Open(dir, "https://r", "u"), Open(dir, "https://r/", "u")
	if err := a.Lock(); err != nil {
		t.Fatal(err)
	}
	old := lockWait
	lockWait = 200 * time.Millisecond
	defer func() { lockWait = old }()
	if err := b.Lock(); !errors.Is(err, ErrBusy) {
		t.Fatalf("second lock: %v", err)
	}
	a.Unlock()
	if err := b.Lock(); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	b.Unlock()
}

// A record of an earlier format that queued the stored key under another
// uuid (its fingerprint is the stored key's: an older zotkey's set of the same
// key again) loads as a state the invariant accepts, the stored key not
// queued, so the first save migrates it; before, every command that writes
// the record failed on the invariant, for good.
func TestMigrateNeverQueuesTheStoredKey(t *testing.T) {
	dir := t.TempDir()
	f := Open(dir, "https://r.example", "zot-ci")
	b, _ := json.Marshal(map[string]any{"registry": "https://r.example", "user": "zot-ci", "store": "s",
		"fingerprint": fpA, "uuid": u1, "updatedAt": time.Now().UTC(),
		"previous": []map[string]any{{"uuid": u2, "fingerprint": fpA}, {"uuid": u3, "fingerprint": fpB}}})
	if err := os.WriteFile(f.Path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Fatalf("the migrated record breaks the invariant: %v", err)
	}
	if len(r.Replaced) != 1 || r.Replaced[0].UUID != u3 {
		t.Fatalf("queued: %+v, want only %s", r.Replaced, u3)
	}
	if err := f.Save(r); err != nil {
		t.Fatal(err)
	}
}

// A record of an earlier format whose pending rotation names the stored key
// as its new one (an older zotkey stopped after recording the new key but
// before clearing the rotation) migrates without the rotation, so the first
// save succeeds instead of failing on the invariant at every write.
func TestMigrateDropsARotationThatStoredItsKey(t *testing.T) {
	dir := t.TempDir()
	f := Open(dir, "https://r.example", "zot-ci")
	b, _ := json.Marshal(map[string]any{"registry": "https://r.example", "user": "zot-ci", "store": "s",
		"fingerprint": fpB, "uuid": u2, "updatedAt": time.Now().UTC(), "previous": []string{u1},
		"pending": map[string]any{"label": "zotkey 2026-01-01 abcd", "replaces": u1, "startedAt": time.Now().UTC(), "newUuid": u2, "newFingerprint": fpB}})
	if err := os.WriteFile(f.Path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Fatalf("the migrated record breaks the invariant: %v", err)
	}
	if r.Rotation != nil || r.Current.UUID != u2 || len(r.Replaced) != 1 {
		t.Fatalf("migrated: %+v %+v %+v", r.Current, r.Rotation, r.Replaced)
	}
	if err := f.Save(r); err != nil {
		t.Fatal(err)
	}
}

// A migration killed between writing the new record and removing the first
// format's files leaves both: Load reads the new record and deletes nothing;
// the next Save, whatever it saves, removes the leftovers, so a new record
// later moved aside cannot bring them back into use. Another identity's old
// file stays.
func TestEverySaveRemovesLeftoverFirstFormatFiles(t *testing.T) {
	dir := t.TempDir()
	old := func(name, user, fp string) string {
		b, _ := json.Marshal(map[string]any{"store": name, "registry": "https://r.example/", "user": user,
			"fingerprint": fp, "updatedAt": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "previous": []string{u3}})
		p := filepath.Join(dir, "record-"+name+".json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f := Open(dir, "https://r.example", "zot-ci")
	if err := f.Save(lifecycle.State{Store: "s", Current: &lifecycle.Current{Fingerprint: fpA, UUID: u1}}); err != nil {
		t.Fatal(err)
	}
	a, b, other := old("a", "zot-ci", fpB), old("b", "zot-ci", fpB), old("c", "someone-else", fpB)
	g := Open(dir, "https://r.example", "zot-ci")
	r, err := g.Load()
	if err != nil || r.Current.Fingerprint != fpA || len(r.Replaced) != 0 || g.Old() {
		t.Fatalf("Load read the old files, not the new record: %+v %v (old %v)", r, err, g.Old())
	}
	for _, p := range []string{a, b, other} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("Load removed %s: %v", p, err)
		}
	}
	if err := g.Save(r); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{a, b} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("leftover %s not removed by the save: %v", p, err)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another identity's old record removed: %v", err)
	}
}

// A read lock creates nothing: with no state folder it goes on without a
// lock and leaves the folder absent; SyncHeld creates no sync lock; and the
// record refuses a save until Unlock.
func TestReadLockCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	f := Open(dir, "https://r", "u")
	if err := f.LockRead(); err != nil {
		t.Fatal(err)
	}
	if held, err := f.SyncHeld(); held || err != nil {
		t.Fatalf("SyncHeld = %v, %v", held, err)
	}
	if err := f.Save(lifecycle.State{Store: "s"}); err == nil || !strings.Contains(err.Error(), "only reads") {
		t.Fatalf("save under a read lock: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the state folder was made: %v", err)
	}
	f.Unlock()
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := f.LockRead(); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Fatalf("a read lock made files: %v", m)
	}
	f.Unlock()
	if err := f.Save(lifecycle.State{Store: "s"}); err != nil {
		t.Fatalf("save after the read lock was let go: %v", err)
	}
}

// A read lock of a lock file another run holds waits and then says so, as
// Lock does; once free, it takes it.
func TestReadLockWaitsForAHeldLock(t *testing.T) {
	dir := t.TempDir()
	a, b := Open(dir, "https://r", "u"), Open(dir, "https://r", "u")
	if err := a.Lock(); err != nil {
		t.Fatal(err)
	}
	old := lockWait
	lockWait = 200 * time.Millisecond
	defer func() { lockWait = old }()
	if err := b.LockRead(); !errors.Is(err, ErrBusy) {
		t.Fatalf("read lock of a held lock: %v", err)
	}
	a.Unlock()
	if err := b.LockRead(); err != nil || b.lock == nil {
		t.Fatalf("after unlock: %v (held %v)", err, b.lock != nil)
	}
	b.Unlock()
}
