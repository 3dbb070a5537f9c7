package record

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	p := Path(dir, "zot-ci-api in v/i", "https://r", "zot-ci")
	if _, err := Load(p); !errors.Is(err, ErrNone) {
		t.Fatalf("no record: %v", err)
	}
	exp := time.Date(2027, 2, 24, 0, 0, 0, 0, time.UTC)
	r := Record{Store: "s", Fingerprint: "sha256:abc", ExpiresAt: &exp, Previous: []string{"u1"}}
	if err := Save(p, r); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p)
	if err != nil || got.Fingerprint != r.Fingerprint || !got.ExpiresAt.Equal(exp) || got.Previous[0] != "u1" {
		t.Fatalf("load: %+v %v", got, err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".record-*")); len(m) > 0 {
		t.Fatalf("temp files left: %v", m)
	}
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
