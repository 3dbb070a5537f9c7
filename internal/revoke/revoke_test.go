package revoke

import (
	"strings"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/zot"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }
func ptr(t time.Time) *time.Time   { return &t }
func mins(n int) time.Duration     { return time.Duration(n) * time.Minute }
func entry(id string, created, used time.Time) zot.APIKey {
	return zot.APIKey{UUID: id, CreatedAt: created, LastUsed: used}
}

func TestPlan(t *testing.T) {
	self := entry("stored", at(0), at(mins(30))) // this list was fetched at t0+30m
	never := time.Time{}
	keys := []zot.APIKey{
		self,
		entry("idle", at(-mins(100)), at(-mins(1))),
		entry("rotation-own-use", at(-mins(100)), at(5*time.Second)), // zotkey's own requests during the rotation
		entry("in-use", at(-mins(100)), at(mins(27))),
		entry("never", at(-mins(100)), never),
		{UUID: "expired", CreatedAt: at(-mins(100)), LastUsed: at(mins(29)), IsExpired: true},
		entry("legacy-idle", at(-mins(100)), at(-mins(5))),
		entry("legacy-in-use", at(-mins(100)), at(mins(20))),
		entry("unsynced-idle", at(-mins(100)), at(-mins(1))),
		entry("unsynced-never", at(-mins(100)), never),
	}
	replaced := ptr(at(0))
	waiting := []record.Retired{
		{UUID: "idle", ReplacedAt: replaced, SyncedAt: ptr(t0)},
		{UUID: "rotation-own-use", ReplacedAt: replaced, SyncedAt: ptr(t0)},
		{UUID: "in-use", ReplacedAt: replaced, SyncedAt: ptr(t0)},
		{UUID: "never", ReplacedAt: replaced, SyncedAt: ptr(t0)},
		{UUID: "expired", ReplacedAt: replaced, SyncedAt: ptr(t0)},
		{UUID: "gone", ReplacedAt: replaced, SyncedAt: ptr(t0)},
		{UUID: "stored", ReplacedAt: replaced, SyncedAt: ptr(t0)},
		{UUID: "legacy-idle", SyncedAt: ptr(t0)},   // first record format: replaced when the stored key was created
		{UUID: "legacy-in-use", SyncedAt: ptr(t0)}, // likewise
		// Replaced by a key whose sync is unconfirmed: its users may hold only it.
		{UUID: "unsynced-idle", ReplacedAt: replaced, UnsyncedSince: replaced},
		{UUID: "unsynced-never", ReplacedAt: replaced},
	}
	want := map[string]Action{"idle": Revoke, "rotation-own-use": Revoke, "in-use": Keep, "never": Revoke, "expired": Revoke,
		"gone": Gone, "stored": IsStored, "legacy-idle": Revoke, "legacy-in-use": Keep, "unsynced-idle": Keep, "unsynced-never": Keep}
	for _, d := range Plan(keys, self, waiting, false, 24*time.Hour) {
		if d.Action != want[d.Retired.UUID] {
			t.Errorf("%s: action %d, want %d (%s)", d.Retired.UUID, d.Action, want[d.Retired.UUID], d.Why)
		}
		if d.Retired.UUID == "in-use" && d.Why != "last used 3 minutes ago, after it was replaced 30 minutes ago: something still has the old key, likely a job that started before the sync or a place the sync does not reach; it goes once unused for 1 day: run again later, or --force" {
			t.Errorf("in-use: %q", d.Why)
		}
	}
	for _, d := range Plan(keys, self, waiting, true, 24*time.Hour) {
		if w := want[d.Retired.UUID]; (w == Keep && d.Action != Revoke) || (w != Keep && d.Action != w) {
			t.Errorf("--force: %s: action %d", d.Retired.UUID, d.Action)
		}
	}
}

// A key used after its replacement goes once it has been unused for the quiet period.
func TestPlanQuiet(t *testing.T) {
	self := entry("stored", at(0), at(48*time.Hour))
	keys := []zot.APIKey{self, entry("straggler", at(-mins(100)), at(mins(40))), entry("recent", at(-mins(100)), at(47*time.Hour))}
	waiting := []record.Retired{{UUID: "straggler", ReplacedAt: ptr(at(0)), SyncedAt: ptr(t0)}, {UUID: "recent", ReplacedAt: ptr(at(0)), SyncedAt: ptr(t0)}}
	d := Plan(keys, self, waiting, false, 24*time.Hour)
	if d[0].Action != Revoke || d[0].Why != "used after it was replaced 2 days ago, but not since 47 hours ago" {
		t.Errorf("straggler: %d %q", d[0].Action, d[0].Why)
	}
	if d[1].Action != Keep {
		t.Errorf("recent: %d %q", d[1].Action, d[1].Why)
	}
}

func TestSelf(t *testing.T) {
	keys := []zot.APIKey{entry("a", at(0), at(mins(1))), entry("b", at(0), at(mins(2)))}
	if s, confirmed, err := Self(keys, ""); err != nil || s.UUID != "b" || confirmed {
		t.Fatalf("unrecorded: %v %v %v", s.UUID, confirmed, err)
	}
	if s, confirmed, err := Self(keys, "b"); err != nil || s.UUID != "b" || !confirmed {
		t.Fatalf("recorded: %v %v %v", s.UUID, confirmed, err)
	}
	if _, _, err := Self(keys, "a"); err == nil || !strings.Contains(err.Error(), "record says") {
		t.Fatalf("disagreement: %v", err)
	}
	if _, _, err := Self([]zot.APIKey{entry("a", at(0), time.Time{})}, ""); err == nil {
		t.Fatal("no key in use must not be taken for the stored one")
	}
}

func TestAgo(t *testing.T) {
	now := at(0)
	for _, c := range []struct {
		t    time.Time
		want string
	}{{time.Time{}, "never"}, {at(-2 * time.Second), "just now"}, {at(-mins(1)), "1 minute ago"}, {at(-mins(180)), "3 hours ago"},
		{at(-72 * time.Hour), "3 days ago"}, {at(-30 * time.Second), "30 seconds ago"}} {
		if got := Ago(c.t, now); got != c.want {
			t.Errorf("Ago(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}

func TestAbandonPending(t *testing.T) {
	r := record.Record{UUID: "new", Pending: &record.Pending{Label: "zotkey x", Replaces: "old"}}
	AbandonPending([]zot.APIKey{{UUID: "minted", Label: "zotkey x"}, {UUID: "new"}}, &r, ptr(at(0)))
	if r.Pending != nil || strings.Join(r.Waiting(), ",") != "minted,old" {
		t.Fatalf("%+v", r)
	}
}
