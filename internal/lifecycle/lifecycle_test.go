package lifecycle

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/zot"
)

const (
	fpA = "sha256:aaaaaaaaaaaa"
	fpB = "sha256:bbbbbbbbbbbb"
	fpC = "sha256:cccccccccccc"
	uA  = "aaaaaaaa-1111-4111-8111-111111111111"
	uB  = "bbbbbbbb-2222-4222-8222-222222222222"
	uC  = "cccccccc-3333-4333-8333-333333333333"
)

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func stored() State {
	return State{Schema: Schema, Current: &Current{Fingerprint: fpA, UUID: uA, Synced: true}}
}

func rotating(phase Phase) State {
	s := stored()
	s.Rotation = &Rotation{Phase: Minting, Label: "zotkey x"}
	if phase == Minted {
		s.Rotation.Phase, s.Rotation.NewUUID, s.Rotation.NewFingerprint, s.Rotation.NewCreatedAt = Minted, uB, fpB, ptr(at(0))
	}
	return s
}

// Every transition refuses the states it does not apply to, and leaves a
// state that keeps the invariant when it runs.
func TestTransitionsCheckTheirPreconditions(t *testing.T) {
	cases := []struct {
		name string
		from State
		do   func(*State) error
		ok   bool
		then func(t *testing.T, s State)
	}{
		{"adopt a first key", State{Schema: Schema}, func(s *State) error { return s.Adopt(fpA, nil) }, true, func(t *testing.T, s State) {
			if s.Current.Fingerprint != fpA || len(s.Replaced) != 0 {
				t.Errorf("%+v", s)
			}
		}},
		{"adopt a key replacing an identified one", stored(), func(s *State) error { return s.Adopt(fpB, ptr(at(0))) }, true, func(t *testing.T, s State) {
			if s.Current.Fingerprint != fpB || len(s.Replaced) != 1 || s.Replaced[0].UUID != uA || s.Replaced[0].Synced || s.Replaced[0].ReplacedBy != fpB {
				t.Errorf("%+v", s)
			}
		}},
		{"adopt a key stored again after it was replaced", func() State {
			s := stored()
			s.Replaced = []Replaced{{UUID: uB, Fingerprint: fpB}}
			return s
		}(), func(s *State) error { return s.Adopt(fpB, nil) }, true, func(t *testing.T, s State) {
			if s.Current.UUID != uB || len(s.Replaced) != 1 || s.Replaced[0].UUID != uA {
				t.Errorf("%+v", s)
			}
		}},
		{"adopt refuses during a rotation", rotating(Minting), func(s *State) error { return s.Adopt(fpC, nil) }, false, nil},
		{"adopt refuses a non-fingerprint", stored(), func(s *State) error { return s.Adopt("zak_x", nil) }, false, nil},
		{"identify repairs a wrong uuid and queues no key zotkey did not replace", stored(), func(s *State) error { return s.Identify(Observed{UUID: uC}) }, true, func(t *testing.T, s State) {
			if s.Current.UUID != uC || len(s.Replaced) != 0 {
				t.Errorf("%+v", s)
			}
		}},
		{"identify refuses without a stored key", State{Schema: Schema}, func(s *State) error { return s.Identify(Observed{UUID: uA}) }, false, nil},
		{"begin a rotation", stored(), func(s *State) error { return s.BeginRotation("zotkey x", t0) }, true, nil},
		{"begin refuses a second rotation", rotating(Minting), func(s *State) error { return s.BeginRotation("zotkey y", t0) }, false, nil},
		{"begin refuses an unidentified stored key", State{Schema: Schema, Current: &Current{Fingerprint: fpA}}, func(s *State) error { return s.BeginRotation("l", t0) }, false, nil},
		{"minted", rotating(Minting), func(s *State) error { return s.Minted(uB, fpB, at(0), nil) }, true, nil},
		{"minted refuses the stored key as the new one", rotating(Minting), func(s *State) error { return s.Minted(uA, fpB, at(0), nil) }, false, nil},
		{"minted refuses without a mint", stored(), func(s *State) error { return s.Minted(uB, fpB, at(0), nil) }, false, nil},
		{"minted refuses twice", rotating(Minted), func(s *State) error { return s.Minted(uC, fpC, at(0), nil) }, false, nil},
		{"complete a rotation", rotating(Minted), func(s *State) error { return s.CompleteRotation() }, true, func(t *testing.T, s State) {
			r := s.Replaced[0]
			if s.Current.UUID != uB || s.Current.Synced || r.UUID != uA || r.Synced || !r.Baseline.Equal(at(0)) {
				t.Errorf("%+v %+v", s.Current, r)
			}
		}},
		{"complete refuses a rotation still minting", rotating(Minting), func(s *State) error { return s.CompleteRotation() }, false, nil},
		{"drop a minted rotation queues its key, never stored", rotating(Minted), func(s *State) error { return s.DropRotation(t0, "") }, true, func(t *testing.T, s State) {
			if s.Rotation != nil || len(s.Replaced) != 1 || !s.Replaced[0].NeverStored || s.Replaced[0].UUID != uB {
				t.Errorf("%+v", s)
			}
		}},
		{"drop an unanswered mint watches its label", rotating(Minting), func(s *State) error { return s.DropRotation(t0, "") }, true, func(t *testing.T, s State) {
			if s.Rotation != nil || len(s.Watch) != 1 || s.Watch[0].Label != "zotkey x" {
				t.Errorf("%+v", s)
			}
		}},
		{"drop refuses without a rotation", stored(), func(s *State) error { return s.DropRotation(t0, "") }, false, nil},
		{"unanswered clears a refused mint", rotating(Minting), func(s *State) error { return s.Unanswered() }, true, nil},
		{"unanswered refuses a minted key", rotating(Minted), func(s *State) error { return s.Unanswered() }, false, nil},
		{"sync start refuses during a rotation", rotating(Minting), func(s *State) error { return s.SyncStarted(1, t0) }, false, nil},
		{"sync end refuses without a start", stored(), func(s *State) error { return s.SyncEnded(true) }, false, nil},
		{"a good sync confirms the stored key and what it replaced", func() State {
			s := stored()
			s.Current.Synced = false
			s.Replaced = []Replaced{{UUID: uB, Fingerprint: fpB, ReplacedBy: fpA}}
			_ = s.SyncStarted(1, t0)
			return s
		}(), func(s *State) error { return s.SyncEnded(true) }, true, func(t *testing.T, s State) {
			if !s.Current.Synced || !s.Replaced[0].Synced || s.Sync != nil {
				t.Errorf("%+v", s)
			}
		}},
		{"a failed sync confirms nothing", func() State {
			s := stored()
			s.Current.Synced = false
			_ = s.SyncStarted(1, t0)
			return s
		}(), func(s *State) error { return s.SyncEnded(false) }, true, func(t *testing.T, s State) {
			if s.Current.Synced || s.Sync != nil {
				t.Errorf("%+v", s)
			}
		}},
		{"confirm refuses an unknown fingerprint", stored(), func(s *State) error { _, err := s.Confirm(fpC); return err }, false, nil},
		{"revoked removes a replaced key", func() State { s := stored(); s.Replaced = []Replaced{{UUID: uB}}; return s }(),
			func(s *State) error { return s.Revoked(uB) }, true, func(t *testing.T, s State) {
				if len(s.Replaced) != 0 {
					t.Errorf("%+v", s)
				}
			}},
		{"revoked refuses the stored key", stored(), func(s *State) error { return s.Revoked(uA) }, false, nil},
		{"revoked refuses an unknown key", stored(), func(s *State) error { return s.Revoked(uC) }, false, nil},
		{"checked records a refusal", stored(), func(s *State) error { return s.Checked(fpA, Rejected, t0) }, true, func(t *testing.T, s State) {
			if !s.Dead() {
				t.Error("not dead")
			}
		}},
		{"checked refuses an unknown result", stored(), func(s *State) error { return s.Checked(fpA, "maybe", t0) }, false, nil},
		{"job ran", stored(), func(s *State) error { return s.JobRan(Rotated, "rotated", t0) }, true, nil},
		{"job ran refuses an unknown outcome", stored(), func(s *State) error { return s.JobRan("fine", "", t0) }, false, nil},
		{"unwatch refuses an unknown label", stored(), func(s *State) error { return s.Unwatch("nope", "") }, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.from
			err := c.do(&s)
			if c.ok != (err == nil) {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
			if err != nil && !errors.Is(err, ErrPrecondition) {
				t.Fatalf("a refusal that is not ErrPrecondition: %v", err)
			}
			if err := s.Validate(); err != nil {
				t.Fatalf("the state after it breaks the invariant: %v", err)
			}
			if c.then != nil && err == nil {
				c.then(t, s)
			}
		})
	}
}

func TestValidateRefusesBrokenStates(t *testing.T) {
	for name, s := range map[string]State{
		"stored key queued":       func() State { s := stored(); s.Replaced = []Replaced{{UUID: uA}}; return s }(),
		"stored key by fp queued": func() State { s := stored(); s.Replaced = []Replaced{{UUID: uB, Fingerprint: fpA}}; return s }(),
		"queued twice":            func() State { s := stored(); s.Replaced = []Replaced{{UUID: uB}, {UUID: uB}}; return s }(),
		"minted without key":      func() State { s := rotating(Minted); s.Rotation.NewUUID = ""; return s }(),
		"minting names a key":     func() State { s := rotating(Minting); s.Rotation.NewUUID = uB; return s }(),
		"rotation key is replaced": func() State {
			s := rotating(Minted)
			s.Replaced = []Replaced{{UUID: uB}}
			return s
		}(),
		"old schema": func() State { s := stored(); s.Schema = 1; return s }(),
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDaysLeftCountsTheFirstDayInFull(t *testing.T) {
	s := stored()
	for _, c := range []struct {
		d    time.Duration
		want int
	}{{90 * 24 * time.Hour, 90}, {90*24*time.Hour - time.Minute, 90}, {36 * time.Hour, 2}, {time.Hour, 1}, {0, 0}, {-time.Hour, 0}, {-49 * time.Hour, -2}} {
		s.Current.ExpiresAt = ptr(t0.Add(c.d))
		if got, ok := s.DaysLeft(t0); !ok || got != c.want {
			t.Errorf("%v: %d, want %d", c.d, got, c.want)
		}
	}
}

func entry(id string, created, used time.Time) zot.APIKey {
	return zot.APIKey{UUID: id, CreatedAt: created, LastUsed: used}
}

// Decide revokes a replaced key only on zot's own evidence that it is idle
// since its replacement (or unused for the quiet period), never a key whose
// sync is unconfirmed, and keeps every key the facts contradict.
func TestDecideRevokesOnlyIdleKeys(t *testing.T) {
	present := at(30 * time.Minute)
	self := entry(uA, at(0), present)
	const quiet = 24 * time.Hour
	cases := []struct {
		name   string
		r      Replaced
		e      zot.APIKey
		listed bool
		want   Kind // "" = kept
	}{
		{"idle since replaced", Replaced{UUID: uB, Synced: true, Baseline: ptr(at(0))}, entry(uB, at(-time.Hour), at(-time.Second)), true, Revoke},
		{"used 2 s after the replacement", Replaced{UUID: uB, Synced: true, Baseline: ptr(at(0))}, entry(uB, at(-time.Hour), at(2*time.Second)), true, ""},
		{"used at the very instant of the mint", Replaced{UUID: uB, Synced: true, Baseline: ptr(at(0))}, entry(uB, at(-time.Hour), at(0)), true, Revoke},
		{"never used", Replaced{UUID: uB, Synced: true, Baseline: ptr(at(0))}, entry(uB, at(-time.Hour), time.Time{}), true, Revoke},
		{"sync unconfirmed, idle", Replaced{UUID: uB, Baseline: ptr(at(0))}, entry(uB, at(-time.Hour), at(-time.Second)), true, ""},
		{"sync unconfirmed, never stored", Replaced{UUID: uB, NeverStored: true, Synced: true}, entry(uB, at(0), at(time.Second)), true, Revoke},
		{"expired", Replaced{UUID: uB}, zot.APIKey{UUID: uB, IsExpired: true, LastUsed: present}, true, Revoke},
		{"use stamped in the future", Replaced{UUID: uB, Synced: true, Baseline: ptr(at(0))}, entry(uB, at(-time.Hour), at(time.Hour)), true, ""},
		{"zot's present before the replacement", Replaced{UUID: uB, Synced: true, Baseline: ptr(at(time.Hour))}, entry(uB, at(-time.Hour), at(-time.Second)), true, ""},
		{"replaced outside zotkey, used recently", Replaced{UUID: uB, Synced: true}, entry(uB, at(-time.Hour), at(0)), true, ""},
		{"replaced outside zotkey, unused for the quiet period", Replaced{UUID: uB, Synced: true}, entry(uB, at(-48*time.Hour), at(-25*time.Hour)), true, Revoke},
		{"missing from the list", Replaced{UUID: uB, Synced: true}, zot.APIKey{}, false, ""},
		{"missing for the quiet period", Replaced{UUID: uB, Synced: true, MissingSince: ptr(at(-25 * time.Hour))}, zot.APIKey{}, false, Forget},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := stored()
			s.Replaced = []Replaced{c.r}
			keys := []zot.APIKey{self}
			if c.listed {
				keys = append(keys, c.e)
			}
			d := Decide(s, Facts{Now: present, Stored: fpA, Check: Accepted, Listed: true, Keys: keys, Self: self}, Ask{Revoke: true, Quiet: quiet})
			var got Kind
			if len(d.Effects) > 0 {
				got = d.Effects[0].Kind
			}
			if got != c.want {
				t.Fatalf("got %q, want %q (%+v)", got, c.want, d)
			}
			if got == "" && len(d.Kept) == 0 {
				t.Fatal("kept without a reason")
			}
		})
	}
}

func TestDecideWithoutRevokeOnlySaysWhatIsDue(t *testing.T) {
	self := entry(uA, at(0), at(time.Hour))
	s := stored()
	s.Replaced = []Replaced{{UUID: uB, Synced: true, Baseline: ptr(at(0))}}
	d := Decide(s, Facts{Now: at(time.Hour), Stored: fpA, Check: Accepted, Listed: true, Keys: []zot.APIKey{self, entry(uB, at(-time.Hour), time.Time{})}, Self: self}, Ask{Quiet: time.Hour})
	if len(d.Effects) != 0 || len(d.Due) != 1 || !strings.Contains(d.Due[0], "zotkey revoke-previous") {
		t.Fatalf("%+v", d)
	}
}

func TestDecideBlocksOnADeadKey(t *testing.T) {
	s := stored()
	_ = s.Checked(fpA, Rejected, t0)
	if d := Decide(s, Facts{Stored: fpA, Check: Rejected}, Ask{Rotate: true, Revoke: true}); d.Blocked == "" || len(d.Effects) != 0 {
		t.Fatalf("%+v", d)
	}
}

func TestDecideSyncsAnUnconfirmedKeyUnlessASyncRuns(t *testing.T) {
	s := stored()
	s.Current.Synced = false
	s.Replaced = []Replaced{{UUID: uB}}
	self := entry(uA, at(0), at(time.Hour))
	f := Facts{Now: at(time.Hour), Stored: fpA, Check: Accepted, Listed: true, Keys: []zot.APIKey{self, entry(uB, at(-time.Hour), at(-time.Hour))}, Self: self}
	if d := Decide(s, f, Ask{Sync: true}); len(d.Effects) != 1 || d.Effects[0].Kind != Sync {
		t.Fatalf("not synced: %+v", d)
	}
	f.SyncRunning = true
	if d := Decide(s, f, Ask{Sync: true}); len(d.Effects) != 0 {
		t.Fatalf("synced beside a running sync: %+v", d)
	}
}

func TestObserveRecordsWhatIsSoAndNothingElse(t *testing.T) {
	self := entry(uB, at(0), at(time.Hour))
	self.ExpirationDate = at(90 * 24 * time.Hour)
	t.Run("a rotation whose key is stored is completed", func(t *testing.T) {
		s := rotating(Minted)
		if _, err := Observe(&s, Facts{Now: at(time.Hour), Stored: fpB, Check: Accepted, Listed: true, Keys: []zot.APIKey{self}, Self: self}); err != nil {
			t.Fatal(err)
		}
		if s.Rotation != nil || s.Current.UUID != uB || len(s.Replaced) != 1 || s.Current.ExpiresAt == nil {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("a rotation whose key is not stored is dropped, its key queued", func(t *testing.T) {
		s := rotating(Minted)
		selfA := entry(uA, at(-time.Hour), at(time.Hour))
		if _, err := Observe(&s, Facts{Now: at(time.Hour), Stored: fpA, Check: Accepted, Listed: true, Keys: []zot.APIKey{selfA, self}, Self: selfA}); err != nil {
			t.Fatal(err)
		}
		if s.Rotation != nil || s.Current.UUID != uA || len(s.Replaced) != 1 || !s.Replaced[0].NeverStored {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("a sync whose lock is free was cut short, and runs again", func(t *testing.T) {
		s := stored()
		s.Current.Synced = false
		_ = s.SyncStarted(1, t0)
		notes, err := Observe(&s, Facts{Now: t0})
		if err != nil || len(notes) != 1 || s.Current.Synced {
			t.Fatalf("%+v %v %v", s, notes, err)
		}
		if d := Decide(s, Facts{Now: t0, Stored: fpA}, Ask{Sync: true}); len(d.Effects) != 1 || d.Effects[0].Kind != Sync {
			t.Fatalf("a cut-short sync is not run again: %+v", d)
		}
		if err != nil {
			t.Fatalf("%+v %v", s, err)
		}
	})
	t.Run("a sync whose lock is held is left alone", func(t *testing.T) {
		s := stored()
		_ = s.SyncStarted(1, t0)
		if _, err := Observe(&s, Facts{Now: t0, SyncRunning: true}); err != nil || s.Sync == nil {
			t.Fatalf("%+v %v", s, err)
		}
	})
	t.Run("a first record waits for the registry's judgement", func(t *testing.T) {
		var s State
		if _, err := Observe(&s, Facts{Now: t0, Stored: fpA}); err != nil || !s.Blank() {
			t.Fatalf("recorded a key no registry judged: %+v %v", s, err)
		}
		if _, err := Observe(&s, Facts{Now: t0, Stored: fpA, Check: Accepted}); err != nil || s.Blank() || s.Current.Fingerprint != fpA {
			t.Fatalf("%+v %v", s, err)
		}
	})
	t.Run("a replaced key using the list's newest stamp concludes nothing", func(t *testing.T) {
		s := stored()
		s.Replaced = []Replaced{{UUID: uB}}
		selfA := entry(uA, at(0), at(time.Hour))
		old := entry(uB, at(-time.Hour), at(time.Hour+time.Millisecond))
		f := Facts{Now: at(time.Hour), Stored: fpA, Check: Accepted, Listed: true, Keys: []zot.APIKey{selfA, old}, Self: old}
		notes, err := Observe(&s, f)
		if err != nil || s.Current.UUID != uA || len(notes) == 0 {
			t.Fatalf("%+v %v %v", s, notes, err)
		}
		if d := Decide(s, f, Ask{Revoke: true, Force: true}); d.Blocked == "" || len(d.Effects) != 0 {
			t.Fatalf("decided on an ambiguous list: %+v", d)
		}
	})
}

// A sync confirms only the key it carried: a key stored while it ran keeps
// its predecessor (the key the sync delivered) until its own sync.
func TestConfirmReleasesOnlyTheKeysBeforeTheCarriedOne(t *testing.T) {
	s := State{Schema: Schema, Current: &Current{Fingerprint: fpC, UUID: uC}, Replaced: []Replaced{
		{UUID: uA, Fingerprint: fpA, ReplacedBy: fpB},
		{UUID: uB, Fingerprint: fpB, ReplacedBy: fpC},
	}}
	n, err := s.Confirm(fpB)
	if err != nil || n != 1 || !s.Replaced[0].Synced || s.Replaced[1].Synced || s.Current.Synced {
		t.Fatalf("n=%d err=%v %+v", n, err, s)
	}
	if n, err := s.Confirm(fpC); err != nil || n != 1 || !s.Current.Synced {
		t.Fatalf("n=%d err=%v %+v", n, err, s)
	}
}
