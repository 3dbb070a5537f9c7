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
)

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	f := Open(dir, "https://r", "zot-ci")
	if _, err := f.Load(); !errors.Is(err, ErrNone) {
		t.Fatalf("no record: %v", err)
	}
	exp := time.Date(2027, 2, 24, 0, 0, 0, 0, time.UTC)
	r := Record{Store: "s", Fingerprint: "sha256:abc", UUID: "self", ExpiresAt: &exp}
	r.Retire("u1", &exp)
	r.Retire("self", nil) // the stored key is never one to revoke
	r.Retire("u1", nil)
	if err := f.Save(r); err != nil {
		t.Fatal(err)
	}
	got, err := f.Load()
	if err != nil || got.Fingerprint != r.Fingerprint || !got.ExpiresAt.Equal(exp) || strings.Join(got.Waiting(), ",") != "u1" {
		t.Fatalf("load: %+v %v", got, err)
	}
	// Save drops a queued uuid that has become the stored key's.
	got.UUID = "u1"
	if err := f.Save(got); err != nil {
		t.Fatal(err)
	}
	if got, _ = f.Load(); len(got.Previous) != 0 {
		t.Fatalf("the stored key is queued for revocation: %+v", got.Previous)
	}
	if fi, _ := os.Stat(f.Path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".record-*")); len(m) > 0 {
		t.Fatalf("temp files left: %v", m)
	}
}

func TestIdentity(t *testing.T) {
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

// The first format kept a record per store spelling; the first Load merges
// them, keeping every key still to revoke.
func TestLegacyMigration(t *testing.T) {
	dir := t.TempDir()
	old := func(name string, updated time.Time, fp string, prev ...string) {
		b, _ := json.Marshal(map[string]any{"store": name, "registry": "https://r.example/", "user": "zot-ci",
			"fingerprint": fp, "updatedAt": updated, "previous": prev})
		if err := os.WriteFile(filepath.Join(dir, "record-"+name+".json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old("a", t0, "sha256:old", "u1")
	old("b", t0.Add(time.Hour), "sha256:new", "u2")
	f := Open(dir, "https://r.example", "zot-ci")
	r, err := f.Load()
	if err != nil || r.Fingerprint != "sha256:new" || strings.Join(r.Waiting(), ",") != "u1,u2" {
		t.Fatalf("migrated: %+v %v", r, err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "record-*.json")); len(m) != 0 {
		t.Fatalf("old records left: %v", m)
	}
	if r, err := f.Load(); err != nil || r.Fingerprint != "sha256:new" {
		t.Fatalf("after migration: %+v %v", r, err)
	}
}

func TestLoadRefusesOddFiles(t *testing.T) {
	dir := t.TempDir()
	f := Open(dir, "https://r", "u")
	if err := os.Symlink("/dev/zero", f.Path); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Load(); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("symlink: %v", err)
	}
	// Saving replaces the link, never writes through it.
	if err := f.Save(Record{Fingerprint: "x"}); err != nil {
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

func TestLock(t *testing.T) {
	dir := t.TempDir()
	a, b := Open(dir, "https://r", "u"), Open(dir, "https://r/", "u")
	if err := a.Lock(); err != nil {
		t.Fatal(err)
	}
	old := LockWait
	LockWait = 200 * time.Millisecond
	defer func() { LockWait = old }()
	if err := b.Lock(); !errors.Is(err, ErrBusy) {
		t.Fatalf("second lock: %v", err)
	}
	a.Unlock()
	if err := b.Lock(); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	b.Unlock()
}

func TestDaysLeft(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) Record { t := now.Add(d); return Record{ExpiresAt: &t} }
	for _, c := range []struct {
		d    time.Duration
		want int
	}{{90 * 24 * time.Hour, 90}, {36 * time.Hour, 1}, {time.Hour, 0}, {-time.Hour, -1}, {-49 * time.Hour, -3}} {
		if got, ok := at(c.d).DaysLeft(now); !ok || got != c.want {
			t.Errorf("%v: %d, want %d", c.d, got, c.want)
		}
	}
	if _, ok := (Record{}).DaysLeft(now); ok {
		t.Error("no expiry should be unknown")
	}
}

// A sync confirms the key it carried: the keys replaced before that key may
// go, the key itself and any later one may not.
func TestSynced(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	r := Record{Fingerprint: "sha256:c"}
	r.Retire("legacy", nil) // replaced outside zotkey: no successor known
	r.Retire("a", nil)
	r.AwaitSync("a", "sha256:a", "sha256:b", t0)
	r.Retire("b", nil)
	r.AwaitSync("b", "sha256:b", "sha256:c", t0.Add(time.Minute))
	if n, latest := r.AwaitingSync(); n != 3 || !latest.Equal(t0.Add(time.Minute)) {
		t.Fatalf("awaiting %d, latest %v", n, latest)
	}
	if _, ok := r.Synced("sha256:x", t0); ok {
		t.Fatal("an unknown fingerprint was confirmed")
	}
	if n, ok := r.Synced("sha256:b", t0); !ok || n != 2 {
		t.Fatalf("synced b: %d %v", n, ok)
	}
	for _, p := range r.Previous {
		if (p.SyncedAt != nil) != (p.UUID != "b") {
			t.Errorf("%s: syncedAt %v", p.UUID, p.SyncedAt)
		}
	}
	if n, ok := r.Synced("sha256:c", t0); !ok || n != 1 {
		t.Fatalf("synced c: %d %v", n, ok)
	}
	if n, _ := r.AwaitingSync(); n != 0 {
		t.Fatalf("still awaiting %d", n)
	}
}
