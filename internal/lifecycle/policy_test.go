package lifecycle

import (
	"strings"
	"testing"
	"time"
)

// The daily job reads the store for each reason in turn, and not on a day
// when the record says nothing is due: every reason has a record here that
// it alone makes the job read the store for.
func TestMustObserveNamesEachReason(t *testing.T) {
	day := 24 * time.Hour
	p := Policy{Within: 14 * day, CheckEvery: day, UnusedFor: day, StaleAfter: 2 * day, Sync: true}
	now := at(10 * day)
	quietDay := func() State { // checked an hour ago, synced, 60 days left: nothing to do
		s := stored()
		s.Current.ExpiresAt = ptr(now.Add(60 * day))
		s.LastCheck = &Check{At: now.Add(-time.Hour), Fingerprint: fpA, Result: Accepted}
		return s
	}
	if why := p.MustObserve(quietDay(), now); why != "" {
		t.Fatalf("a quiet day reads the store: %s", why)
	}
	with := func(change func(*State)) State { s := quietDay(); change(&s); return s }
	cases := map[string]struct {
		s    State
		want string
	}{
		"the record is missing":    {State{Schema: Schema}, "there is no record yet"},
		"a rotation is due":        {with(func(s *State) { s.Current.ExpiresAt = ptr(now.Add(14 * day)) }), "the key is due: the key expires on"},
		"a rotation was cut short": {with(func(s *State) { s.Rotation = &Rotation{Phase: Minting, Label: "l"} }), "a rotation was cut short"},
		"a sync was cut short":     {with(func(s *State) { s.Sync = &SyncRun{Fingerprint: fpA} }), "a sync was cut short"},
		"a sync is unconfirmed":    {with(func(s *State) { s.Current.Synced = false }), "no sync of the stored key has been confirmed"},
		"a replaced key has waited `--unused-for` (or `--stale-after`, if shorter) since its successor's sync": {with(func(s *State) {
			s.Replaced = []Replaced{{UUID: uB, Synced: true, SyncedAt: ptr(now.Add(-day))}}
		}), "a replaced key has waited its time"},
		"the stored key was never checked":             {with(func(s *State) { s.LastCheck = nil }), "the stored key has not been checked yet"},
		"the last check is older than `--check-every`": {with(func(s *State) { s.LastCheck.At = now.Add(-day) }), "the last check was"},
	}
	for _, r := range observeReasons {
		c, ok := cases[r.Doc]
		if !ok {
			t.Errorf("no case for the reason %q", r.Doc)
			continue
		}
		if why := p.MustObserve(c.s, now); !strings.HasPrefix(why, c.want) {
			t.Errorf("%s: %q, want %q", r.Doc, why, c.want)
		}
	}
	if len(cases) != len(observeReasons) {
		t.Errorf("%d cases for %d reasons", len(cases), len(observeReasons))
	}
}

// A key is due with Within or less left, counted in whole days as status
// counts them; a key of unknown expiry is never due.
func TestDueCountsWholeDays(t *testing.T) {
	day := 24 * time.Hour
	p := Policy{Within: 14 * day}
	s := stored()
	if due, known := p.Due(s, t0); due || known {
		t.Fatalf("a key of unknown expiry: due %v known %v", due, known)
	}
	for left, want := range map[time.Duration]bool{14 * day: true, 14*day + time.Hour: false, 13*day + time.Hour: true, 0: true} {
		s.Current.ExpiresAt = ptr(t0.Add(left))
		if due, known := p.Due(s, t0); due != want || !known {
			t.Errorf("%v left: due %v, want %v", left, due, want)
		}
	}
}

// The daily job runs once a day: a run older than two days means it stopped.
func TestJobIsLateAfterTwoDays(t *testing.T) {
	j := JobRun{At: t0, Outcome: NothingDue}
	if j.Late(t0.Add(JobLateAfter)) || !j.Late(t0.Add(JobLateAfter+time.Second)) {
		t.Fatalf("late at %v", JobLateAfter)
	}
}

// A run stamped after now (the clock went back since it ran) cannot show
// that the job still runs: it is late until the job runs again, not until
// the clock catches up with the stamp, which may be years away.
func TestJobStampedAfterNowIsLate(t *testing.T) {
	j := JobRun{At: t0.Add(365 * 24 * time.Hour), Outcome: NothingDue}
	if !j.Late(t0) {
		t.Fatalf("a run stamped a year ahead of the clock is not late")
	}
	if j := (JobRun{At: t0, Outcome: NothingDue}); j.Late(t0) {
		t.Fatalf("a run stamped now is late")
	}
}
