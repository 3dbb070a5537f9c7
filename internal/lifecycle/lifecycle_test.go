package lifecycle

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
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

// transitionCase is one transition run from one state: whether it may run
// (ok), and what it must leave (then).
type transitionCase struct {
	name string
	from State
	do   func(*State) error
	ok   bool
	then func(t *testing.T, s State)
}

// Every transition refuses the states it does not apply to, and leaves a
// state that keeps the invariant when it runs.
func TestTransitionsCheckTheirPreconditions(t *testing.T) {
	var cases []transitionCase
	cases = append(cases, storedKeyCases()...)
	cases = append(cases, rotationCases()...)
	cases = append(cases, syncCases()...)
	cases = append(cases, recordCases()...)
	cases = append(cases, storedByHandCases()...)
	cases = append(cases, mintFailedCases()...)
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

// storedKeyCases: which key is stored (Adopt, Identify).
func storedKeyCases() []transitionCase {
	return []transitionCase{
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
		{"identify repairs a wrong uuid and queues no key zotkey did not replace", stored(), func(s *State) error { return s.Identify(uC, nil) }, true, func(t *testing.T, s State) {
			if s.Current.UUID != uC || len(s.Replaced) != 0 {
				t.Errorf("%+v", s)
			}
		}},
		{"identify refuses without a stored key", State{Schema: Schema}, func(s *State) error { return s.Identify(uA, nil) }, false, nil},
	}
}

// rotationCases: a rotation from its start to its end.
func rotationCases() []transitionCase {
	return []transitionCase{
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
	}
}

// syncCases: a sync and its confirmation.
func syncCases() []transitionCase {
	return []transitionCase{
		{"sync start refuses during a rotation", rotating(Minting), func(s *State) error { return s.SyncStarted(1, t0) }, false, nil},
		{"sync end refuses without a start", stored(), func(s *State) error { return s.SyncEnded(true, t0) }, false, nil},
		{"a good sync confirms the stored key and what it replaced", func() State {
			s := stored()
			s.Current.Synced = false
			s.Replaced = []Replaced{{UUID: uB, Fingerprint: fpB, ReplacedBy: fpA}}
			_ = s.SyncStarted(1, t0)
			return s
		}(), func(s *State) error { return s.SyncEnded(true, at(time.Hour)) }, true, func(t *testing.T, s State) {
			if !s.Current.Synced || !s.Replaced[0].Synced || s.Replaced[0].SyncedAt == nil || !s.Replaced[0].SyncedAt.Equal(at(time.Hour)) || s.Sync != nil {
				t.Errorf("%+v", s)
			}
		}},
		{"a failed sync confirms nothing", func() State {
			s := stored()
			s.Current.Synced = false
			_ = s.SyncStarted(1, t0)
			return s
		}(), func(s *State) error { return s.SyncEnded(false, t0) }, true, func(t *testing.T, s State) {
			if s.Current.Synced || s.Sync != nil {
				t.Errorf("%+v", s)
			}
		}},
		{"confirm refuses an unknown fingerprint", stored(), func(s *State) error { _, err := s.Confirm(fpC, t0); return err }, false, nil},
	}
}

// recordCases: what the record keeps of replaced keys, checks and job runs.
func recordCases() []transitionCase {
	return []transitionCase{
		{"revoked removes a replaced key", func() State { s := stored(); s.Replaced = []Replaced{{UUID: uB}}; return s }(),
			func(s *State) error { return s.Revoked(uB) }, true, func(t *testing.T, s State) {
				if len(s.Replaced) != 0 {
					t.Errorf("%+v", s)
				}
			}},
		{"revoked refuses the stored key", stored(), func(s *State) error { return s.Revoked(uA) }, false, nil},
		{"revoked refuses an unknown key", stored(), func(s *State) error { return s.Revoked(uC) }, false, nil},
		{"checked records a refusal", stored(), func(s *State) error { return s.Judged(fpA, Refused, t0) }, true, func(t *testing.T, s State) {
			if !s.Dead() {
				t.Error("not dead")
			}
		}},
		{"checked refuses an unknown result", stored(), func(s *State) error { return s.Judged(fpA, "maybe", t0) }, false, nil},
		{"job ran", stored(), func(s *State) error { return s.JobRan(Rotated, "rotated", t0) }, true, nil},
		{"job ran refuses an unknown outcome", stored(), func(s *State) error { return s.JobRan("fine", "", t0) }, false, nil},
		{"warned records the notice", func() State { s := stored(); s.Replaced = []Replaced{{UUID: uB}}; return s }(),
			func(s *State) error { return s.Warned(uB, t0) }, true, func(t *testing.T, s State) {
				if s.Replaced[0].Notified == nil {
					t.Errorf("%+v", s.Replaced[0])
				}
			}},
		{"warned refuses an unknown key", stored(), func(s *State) error { return s.Warned(uC, t0) }, false, nil},
		{"unwatch refuses an unknown label", stored(), func(s *State) error { return s.Unwatch("nope", "") }, false, nil},
	}
}

// Validate refuses a state that breaks any rule of the invariant, and names
// the rule; every rule has a state here that breaks it.
// storedByHandCases: set's one transition, which chooses for the driver.
func storedByHandCases() []transitionCase {
	old := entry(uA, at(-time.Hour), at(30*time.Minute)) // the stored key, last used half an hour in
	self := entry(uC, at(time.Hour), at(time.Hour))      // the key set by hand, which listed
	byHand := Facts{Now: at(time.Hour), Stored: fpC, Check: Accepted, Listed: true, Keys: []ListedKey{old, self}, Self: self}
	return []transitionCase{
		{"stored by hand drops a rotation cut short and queues the old key with its last use as baseline", rotating(Minting), func(s *State) error {
			h, err := s.StoredByHand(byHand, at(90*24*time.Hour), false)
			if err == nil && (h.Replaced == nil || h.Replaced.UUID != uA || h.First) {
				return fmt.Errorf("%+v", h)
			}
			return err
		}, true, func(t *testing.T, s State) {
			r := s.Replaced[0]
			if s.Rotation != nil || len(s.Watch) != 1 || s.Current.UUID != uC || r.UUID != uA || !r.Baseline.Equal(at(30*time.Minute)) {
				t.Errorf("%+v %+v", s, r)
			}
		}},
		{"stored by hand records the expiry zot's list could not tell", State{Schema: Schema}, func(s *State) error {
			h, err := s.StoredByHand(Facts{Now: t0, Stored: fpA, Check: Accepted}, at(time.Hour), false)
			if err == nil && (!h.First || h.Replaced != nil) {
				return fmt.Errorf("%+v", h)
			}
			return err
		}, true, func(t *testing.T, s State) {
			if s.Current.Fingerprint != fpA || s.Current.ExpiresAt == nil || !s.Current.ExpiresAt.Equal(at(time.Hour)) {
				t.Errorf("%+v", s.Current)
			}
		}},
	}
}

// mintFailedCases: a failed mint's one transition, which chooses for the driver.
func mintFailedCases() []transitionCase {
	return []transitionCase{
		{"a mint zot refused, cleaned up, leaves nothing", rotating(Minting), func(s *State) error {
			if undone, err := s.MintFailed(true, true, "", t0); err != nil || !undone {
				return fmt.Errorf("undone %v: %w", undone, err)
			}
			return nil
		}, true, func(t *testing.T, s State) {
			if s.Rotation != nil || len(s.Watch) != 0 || len(s.Replaced) != 0 {
				t.Errorf("%+v", s)
			}
		}},
		{"a mint with no answer watches its label", rotating(Minting), func(s *State) error { _, err := s.MintFailed(false, true, "", t0); return err }, true, func(t *testing.T, s State) {
			if s.Rotation != nil || len(s.Watch) != 1 {
				t.Errorf("%+v", s)
			}
		}},
		{"a mint whose key could not be revoked queues it, never stored", rotating(Minting), func(s *State) error { _, err := s.MintFailed(true, false, uB, t0); return err }, true, func(t *testing.T, s State) {
			if s.Rotation != nil || len(s.Replaced) != 1 || s.Replaced[0].UUID != uB || !s.Replaced[0].NeverStored {
				t.Errorf("%+v", s)
			}
		}},
		{"mint failed refuses without a rotation", stored(), func(s *State) error { _, err := s.MintFailed(true, true, "", t0); return err }, false, nil},
	}
}

func TestValidateRefusesBrokenStates(t *testing.T) {
	with := func(s State, change func(*State)) State { change(&s); return s }
	cases := []struct {
		rule string
		s    State
	}{
		{"the record is in this zotkey's format (its schema)", with(stored(), func(s *State) { s.Schema = 1 })},
		{"the stored key has a fingerprint", with(stored(), func(s *State) { s.Current.Fingerprint = "zak_x" })},
		{"every replaced key has a uuid", with(stored(), func(s *State) { s.Replaced = []Replaced{{Fingerprint: fpB}} })},
		{"no key is queued twice", with(stored(), func(s *State) { s.Replaced = []Replaced{{UUID: uB}, {UUID: uB}} })},
		{"the stored key is never queued for revocation", with(stored(), func(s *State) { s.Replaced = []Replaced{{UUID: uA}} })},
		{"the stored key is never queued for revocation", with(stored(), func(s *State) { s.Replaced = []Replaced{{UUID: uB, Fingerprint: fpA}} })},
		{"a rotation starts from an identified stored key", with(rotating(Minting), func(s *State) { s.Current.UUID = "" })},
		{"a rotation has a label", with(rotating(Minting), func(s *State) { s.Rotation.Label = "" })},
		{"a rotation's phase is minting or minted", with(rotating(Minting), func(s *State) { s.Rotation.Phase = "stored" })},
		{"a minting rotation names no key", with(rotating(Minting), func(s *State) { s.Rotation.NewUUID = uB })},
		{"a minted rotation names its key's uuid and fingerprint", with(rotating(Minted), func(s *State) { s.Rotation.NewUUID = "" })},
		{"a rotation's new key is neither the stored key nor a replaced one", with(rotating(Minted), func(s *State) { s.Replaced = []Replaced{{UUID: uB}} })},
		{"a watch names a label or a uuid", with(stored(), func(s *State) { s.Watch = []Watch{{Since: t0}} })},
		{"a sync names the fingerprint of the key it carries", with(stored(), func(s *State) { s.Sync = &SyncRun{PID: 1} })},
		{"a check has a known result", with(stored(), func(s *State) { s.LastCheck = &Check{At: t0, Fingerprint: fpA, Result: "maybe"} })},
		{"a job run has a known outcome", with(stored(), func(s *State) { s.LastJob = &JobRun{At: t0, Outcome: "fine"} })},
	}
	broken := map[string]bool{}
	for _, c := range cases {
		err := c.s.Validate()
		if err == nil || !strings.HasSuffix(err.Error(), ": "+c.rule) {
			t.Errorf("%s: Validate says %v", c.rule, err)
		}
		broken[c.rule] = true
	}
	for _, r := range invariant {
		if !broken[r.Rule] {
			t.Errorf("no state here breaks the rule %q", r.Rule)
		}
	}
	if err := stored().Validate(); err != nil {
		t.Fatalf("a good state is refused: %v", err)
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

func entry(id string, created, used time.Time) ListedKey {
	return ListedKey{UUID: id, CreatedAt: created, LastUsed: used}
}

// decisionCase is one replaced key and zot's view of it, judged at local
// time now with zot's present (the stored key's lastUsed) at present.
type decisionCase struct {
	name         string
	r            Replaced
	e            ListedKey
	listed       bool
	now, present time.Time
	want         EffectKind // "" = kept
}

const quiet = 24 * time.Hour

// decisionCases are the lifecycle decision's cases: the tests below and the
// dry-run property run over them all.
func decisionCases() []decisionCase {
	day := 24 * time.Hour
	synced := func(at time.Time) Replaced {
		return Replaced{UUID: uB, Fingerprint: fpB, Synced: true, SyncedAt: ptr(at), Baseline: ptr(t0)}
	}
	old := func(used time.Time) ListedKey { return entry(uB, at(-30*day), used) }
	// seenAt: zotkey's last look listed the use at used (zot's clock), and
	// it first saw that use at local time at.
	seenAt := func(r Replaced, used, at time.Time) Replaced {
		r.LastUsed, r.SeenAt = ptr(used), ptr(at)
		return r
	}
	return []decisionCase{
		// The usage-aware rule that stays: gone at once.
		{"never used", synced(at(time.Minute)), old(time.Time{}), true, at(time.Hour), at(time.Hour), Revoke},
		{"expired", Replaced{UUID: uB}, ListedKey{UUID: uB, Expired: true, LastUsed: at(0)}, true, at(time.Hour), at(time.Hour), Revoke},
		{"never stored", Replaced{UUID: uB, NeverStored: true, Synced: true}, entry(uB, at(0), at(time.Second)), true, at(time.Hour), at(time.Hour), Revoke},
		// Not used since it was replaced is no longer enough.
		{"idle since replaced, synced a minute ago", synced(at(time.Minute)), old(at(-time.Second)), true, at(2 * time.Minute), at(2 * time.Minute), ""},
		{"idle since replaced, synced 23 h ago", synced(at(time.Minute)), old(at(-time.Second)), true, at(23 * time.Hour), at(23 * time.Hour), ""},
		{"idle since replaced, synced a day ago", synced(at(time.Minute)), old(at(-time.Second)), true, at(day + time.Minute), at(day + time.Minute), Revoke},
		{"used 3 h after the sync, a day after the sync", synced(at(0)), old(at(3 * time.Hour)), true, at(day + time.Hour), at(day + time.Hour), ""},
		{"used 3 h after the sync, a day after that use", seenAt(synced(at(0)), at(3*time.Hour), at(3*time.Hour)), old(at(3 * time.Hour)), true, at(day + 3*time.Hour), at(day + 3*time.Hour), Revoke},
		{"used 3 h after the sync, a day after, first seen now", synced(at(0)), old(at(3 * time.Hour)), true, at(day + 3*time.Hour), at(day + 3*time.Hour), ""},
		// Each wait on its own clock: zot's 5 h ahead or behind changes nothing.
		{"zot's clock 5 h ahead, synced a day ago", seenAt(synced(at(0)), at(5*time.Hour-time.Second), at(0)), old(at(5*time.Hour - time.Second)), true, at(day), at(day + 5*time.Hour), Revoke},
		// A forward step of zot's clock makes a use look old on zot's clock
		// only: seen an hour ago on this one, it is kept.
		{"zot's clock stepped a day forward after a use seen an hour ago", seenAt(synced(at(0)), at(day), at(day)), old(at(day)), true, at(day + time.Hour), at(2*day + time.Hour), ""},
		{"zot's clock stepped a day forward, the use seen a day ago", seenAt(synced(at(0)), at(day), at(day)), old(at(day)), true, at(2 * day), at(3 * day), Revoke},
		{"zot's clock 5 h ahead, synced 20 h ago", synced(at(0)), old(at(5*time.Hour - time.Second)), true, at(20 * time.Hour), at(25 * time.Hour), ""},
		{"zot's clock 5 h behind, used 2 h ago on it", synced(at(0)), old(at(2*day - 7*time.Hour)), true, at(2 * day), at(2*day - 5*time.Hour), ""},
		{"local clock before the sync's confirmation", synced(at(day)), old(at(-time.Second)), true, at(0), at(3 * day), ""},
		// Kept whatever zot's list says while the successor's sync is unconfirmed.
		{"sync unconfirmed, idle for days", Replaced{UUID: uB, Fingerprint: fpB, Baseline: ptr(at(0))}, old(at(-time.Second)), true, at(5 * day), at(5 * day), ""},
		{"sync unconfirmed, missing for days", Replaced{UUID: uB, Fingerprint: fpB, MissingSince: ptr(at(0))}, ListedKey{}, false, at(5 * day), at(5 * day), ""},
		{"synced, missing from the list", synced(at(0)), ListedKey{}, false, at(time.Hour), at(time.Hour), ""},
		{"synced, missing for the quiet period", func() Replaced { r := synced(at(0)); r.MissingSince = ptr(at(-25 * time.Hour)); return r }(), ListedKey{}, false, at(time.Hour), at(time.Hour), Forget},
		// Facts that contradict themselves keep the key.
		{"use stamped in the future", synced(at(0)), old(at(3 * day)), true, at(2 * day), at(2 * day), ""},
		{"zot's present before the replacement", func() Replaced { r := synced(at(0)); r.Baseline = ptr(at(3 * day)); return r }(), old(at(-time.Second)), true, at(2 * day), at(2 * day), ""},
		{"a confirmation recorded without its time", Replaced{UUID: uB, Fingerprint: fpB, Synced: true}, old(at(-time.Second)), true, at(2 * day), at(2 * day), ""},
	}
}

func (c decisionCase) facts() (State, Facts) {
	s := stored()
	s.Replaced = []Replaced{c.r}
	self := entry(uA, at(0), c.present)
	keys := []ListedKey{self}
	if c.listed {
		keys = append(keys, c.e)
	}
	return s, Facts{Now: c.now, Stored: fpA, Check: Accepted, Listed: true, Keys: keys, Self: self}
}

// Decide revokes a replaced key in use only once its successor's sync is
// confirmed and it has gone unused for --unused-for after that and after its
// last use, each counted on its own clock; a key never used, expired or never
// stored goes at once; a key whose successor's sync is unconfirmed is never
// revoked or forgotten; and every key the facts contradict is kept.
func TestDecideRevokesOnlyKeysNoJobHolds(t *testing.T) {
	for _, c := range decisionCases() {
		t.Run(c.name, func(t *testing.T) {
			s, f := c.facts()
			d := Decide(s, f, Ask{Revoke: true, Policy: Policy{UnusedFor: quiet}})
			var got EffectKind
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

// A dry run says what the real run does: whichever command asks (rotate,
// the daily job, status --check, revoke-previous), each replaced key's fate
// and its reason are revoke-previous's with the same --unused-for, and the
// dry run's words name every effect the real run executes, with its reason.
func TestDryRunSaysWhatTheRealRunDoes(t *testing.T) {
	asks := map[string]Ask{
		"rotate":          {Rotate: true, Revoke: true, Policy: Policy{UnusedFor: quiet, Sync: true}},
		"auto":            {Revoke: true, Policy: Policy{UnusedFor: quiet, Sync: true, StaleAfter: 48 * time.Hour, Within: 14 * 24 * time.Hour}},
		"status --check":  {Policy: Policy{UnusedFor: quiet}},
		"revoke-previous": {Revoke: true, Policy: Policy{UnusedFor: quiet}},
	}
	for _, c := range decisionCases() {
		s, f := c.facts()
		ref := Decide(s, f, asks["revoke-previous"])
		fate := func(d Decision) []string {
			var out []string
			for _, e := range d.Effects {
				if e.Kind == Revoke || e.Kind == Forget {
					out = append(out, e.String())
				}
			}
			for _, due := range d.Due {
				// "X can be revoked (why): zotkey revoke-previous" is "revoke X (why)".
				name, rest, _ := strings.Cut(due, " can be ")
				verb, why, _ := strings.Cut(rest, " (")
				kind := map[string]EffectKind{"revoked": Revoke, "forgotten": Forget}[verb]
				out = append(out, Effect{Kind: kind, Name: name, Reason: strings.TrimSuffix(why, "): zotkey revoke-previous")}.String())
			}
			return append(out, d.Kept...)
		}
		want := fate(ref)
		for cmd, ask := range asks {
			d := Decide(s, f, ask)
			if got := fate(d); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s: %s decides\n%s\nbut revoke-previous\n%s", c.name, cmd, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			words := strings.Join(d.Words(), "\n")
			for _, e := range d.Effects {
				if !strings.Contains(words, "would "+e.String()) {
					t.Errorf("%s: %s's dry run does not say it would %s:\n%s", c.name, cmd, e, words)
				}
			}
		}
	}
}

// The stale-user notice: a replaced key still used stale-after past its
// successor's sync, or past --unused-for while it nears its expiry, is told
// once; a job that read the old secret before the sync is not.
func TestStaleUseIsToldOnce(t *testing.T) {
	day := 24 * time.Hour
	ask := Ask{Revoke: true, Policy: Policy{UnusedFor: quiet, StaleAfter: 2 * day, Within: 14 * day}}
	base := Replaced{UUID: uB, Fingerprint: fpB, Synced: true, SyncedAt: ptr(at(0)), Baseline: ptr(at(0))}
	far, near := at(60*day), at(12*day)
	for _, c := range []struct {
		name      string
		expires   time.Time
		used, now time.Duration
		notified  bool
		want      bool
	}{
		{"a job that read it before the sync pushes 3 h after", near, 3 * time.Hour, 4 * time.Hour, false, false},
		{"used 2 days after the sync", far, 2*day + time.Hour, 2*day + 2*time.Hour, false, true},
		{"used a day after the sync, far from its expiry", far, day + time.Hour, day + 2*time.Hour, false, false},
		{"used a day after the sync, near its expiry", near, day + time.Hour, day + 2*time.Hour, false, true},
		{"already told", far, 3 * day, 3*day + time.Hour, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := stored()
			r := base
			if c.notified {
				r.Notified = ptr(at(0))
			}
			s.Replaced = []Replaced{r}
			self := entry(uA, at(0), at(c.now+5*time.Hour)) // zot's clock 5 h ahead
			e := entry(uB, at(-30*day), at(c.used+5*time.Hour))
			e.ExpiresAt = c.expires
			d := Decide(s, Facts{Now: at(c.now), Stored: fpA, Check: Accepted, Listed: true, Keys: []ListedKey{self, e}, Self: self}, ask)
			if got := len(d.Notify) == 1; got != c.want {
				t.Fatalf("notify %v, want %v: %+v", got, c.want, d.Notify)
			}
			if c.want && !strings.Contains(d.Notify[0].Message, "the sync did not reach one of its users") || c.want && !strings.Contains(d.Notify[0].Message, "expires on "+c.expires.Local().Format("2006-01-02")) {
				t.Fatalf("%q", d.Notify[0].Message)
			}
		})
	}
}

func TestDecideWithoutRevokeOnlySaysWhatIsDue(t *testing.T) {
	self := entry(uA, at(0), at(time.Hour))
	s := stored()
	s.Replaced = []Replaced{{UUID: uB, Synced: true, Baseline: ptr(at(0))}}
	d := Decide(s, Facts{Now: at(time.Hour), Stored: fpA, Check: Accepted, Listed: true, Keys: []ListedKey{self, entry(uB, at(-time.Hour), time.Time{})}, Self: self}, Ask{Policy: Policy{UnusedFor: time.Hour}})
	if len(d.Effects) != 0 || len(d.Due) != 1 || !strings.Contains(d.Due[0], "zotkey revoke-previous") {
		t.Fatalf("%+v", d)
	}
}

func TestDecideBlocksOnADeadKey(t *testing.T) {
	s := stored()
	_ = s.Judged(fpA, Refused, t0)
	if d := Decide(s, Facts{Stored: fpA, Check: Refused}, Ask{Rotate: true, Revoke: true}); d.Blocked == "" || len(d.Effects) != 0 {
		t.Fatalf("%+v", d)
	}
}

func TestDecideSyncsAnUnconfirmedKeyUnlessASyncRuns(t *testing.T) {
	s := stored()
	s.Current.Synced = false
	s.Replaced = []Replaced{{UUID: uB}}
	self := entry(uA, at(0), at(time.Hour))
	f := Facts{Now: at(time.Hour), Stored: fpA, Check: Accepted, Listed: true, Keys: []ListedKey{self, entry(uB, at(-time.Hour), at(-time.Hour))}, Self: self}
	if d := Decide(s, f, Ask{Policy: Policy{Sync: true}}); len(d.Effects) != 1 || d.Effects[0].Kind != Sync {
		t.Fatalf("not synced: %+v", d)
	}
	f.SyncRunning = true
	if d := Decide(s, f, Ask{Policy: Policy{Sync: true}}); len(d.Effects) != 0 {
		t.Fatalf("synced beside a running sync: %+v", d)
	}
}

// A stored key whose sync never succeeded is synced again even after the key
// it replaced has expired and gone: its users may hold only a dead key (the
// simulated year found a CI refused for weeks with seed 35 when nobody
// answered the notifications).
func TestDecideSyncsAnUnconfirmedKeyWithNothingWaitingOnIt(t *testing.T) {
	s := stored()
	s.Current.Synced = false
	if s.AwaitingSync() != 0 {
		t.Fatalf("a replaced key waits: %+v", s.Replaced)
	}
	self := entry(uA, at(0), at(time.Hour))
	f := Facts{Now: at(time.Hour), Stored: fpA, Check: Accepted, Listed: true, Keys: []ListedKey{self}, Self: self}
	if d := Decide(s, f, Ask{Policy: Policy{Sync: true}}); len(d.Effects) != 1 || d.Effects[0].Kind != Sync {
		t.Fatalf("an unconfirmed key with nothing waiting on it was not synced: %+v", d)
	}
	if d := Decide(s, f, Ask{}); len(d.Effects) != 0 {
		t.Fatalf("synced with no sync configured: %+v", d)
	}
}

// Observe records what is so and nothing else: the tests below.

// listedB is zot's entry of the key uB, made at t0, used an hour later,
// expiring in 90 days.
func listedB() ListedKey {
	k := entry(uB, at(0), at(time.Hour))
	k.ExpiresAt = at(90 * 24 * time.Hour)
	return k
}

// A rotation whose key is stored is completed.
func TestObserveCompletesARotationWhoseKeyIsStored(t *testing.T) {
	self := listedB()
	s := rotating(Minted)
	if _, err := Observe(&s, Facts{Now: at(time.Hour), Stored: fpB, Check: Accepted, Listed: true, Keys: []ListedKey{self}, Self: self}); err != nil {
		t.Fatal(err)
	}
	if s.Rotation != nil || s.Current.UUID != uB || len(s.Replaced) != 1 || s.Current.ExpiresAt == nil {
		t.Fatalf("%+v", s)
	}
}

// A rotation whose key is not stored is dropped, its key queued.
func TestObserveDropsARotationWhoseKeyIsNotStored(t *testing.T) {
	self := listedB()
	s := rotating(Minted)
	selfA := entry(uA, at(-time.Hour), at(time.Hour))
	if _, err := Observe(&s, Facts{Now: at(time.Hour), Stored: fpA, Check: Accepted, Listed: true, Keys: []ListedKey{selfA, self}, Self: selfA}); err != nil {
		t.Fatal(err)
	}
	if s.Rotation != nil || s.Current.UUID != uA || len(s.Replaced) != 1 || !s.Replaced[0].NeverStored {
		t.Fatalf("%+v", s)
	}
}

// A sync whose lock is free was cut short, and runs again.
func TestObserveSeesASyncWhoseLockIsFreeAsCutShort(t *testing.T) {
	s := stored()
	s.Current.Synced = false
	_ = s.SyncStarted(1, t0)
	notes, err := Observe(&s, Facts{Now: t0})
	if err != nil || len(notes) != 1 || s.Current.Synced {
		t.Fatalf("%+v %v %v", s, notes, err)
	}
	if d := Decide(s, Facts{Now: t0, Stored: fpA}, Ask{Policy: Policy{Sync: true}}); len(d.Effects) != 1 || d.Effects[0].Kind != Sync {
		t.Fatalf("a cut-short sync is not run again: %+v", d)
	}
	if err != nil {
		t.Fatalf("%+v %v", s, err)
	}
}

// A sync whose lock is held is left alone.
func TestObserveLeavesASyncWhoseLockIsHeld(t *testing.T) {
	s := stored()
	_ = s.SyncStarted(1, t0)
	if _, err := Observe(&s, Facts{Now: t0, SyncRunning: true}); err != nil || s.Sync == nil {
		t.Fatalf("%+v %v", s, err)
	}
}

// A first record waits for the registry's judgement.
func TestObserveStartsARecordOnlyOnceTheRegistryJudged(t *testing.T) {
	var s State
	if _, err := Observe(&s, Facts{Now: t0, Stored: fpA}); err != nil || !s.Blank() {
		t.Fatalf("recorded a key no registry judged: %+v %v", s, err)
	}
	if _, err := Observe(&s, Facts{Now: t0, Stored: fpA, Check: Accepted}); err != nil || s.Blank() || s.Current.Fingerprint != fpA {
		t.Fatalf("%+v %v", s, err)
	}
}

// A replaced key using the list's newest stamp is not taken for the stored one.
func TestObserveDoesNotTakeAReplacedKeyAtTheNewestStampForTheStoredOne(t *testing.T) {
	s := stored()
	s.Replaced = []Replaced{{UUID: uB, Fingerprint: fpB}}
	selfA := entry(uA, at(0), at(time.Hour))
	old := entry(uB, at(-time.Hour), at(time.Hour+time.Millisecond))
	f := Facts{Now: at(time.Hour), Stored: fpA, Check: Accepted, Listed: true, Keys: []ListedKey{selfA, old}, Self: old}
	if _, err := Observe(&s, f); err != nil || s.Current.UUID != uA || len(s.Replaced) != 1 {
		t.Fatalf("%+v %v", s, err)
	}
	if d := Decide(s, f, Ask{Revoke: true, Policy: Policy{UnusedFor: quiet}}); d.Blocked != "" || len(d.Kept) != 1 {
		t.Fatalf("%+v", d)
	}
}

// A key set by hand while the old key is in use is named by the store, not by the newest use.
func TestObserveNamesAKeySetByHandByTheStoreNotTheNewestUse(t *testing.T) {
	s := stored()
	selfC := entry(uC, at(0), at(time.Hour))                         // the new key, which listed
	old := entry(uA, at(-time.Hour), at(time.Hour+time.Millisecond)) // CI, at the same moment
	if err := s.Adopt(fpC, ptr(at(time.Hour))); err != nil {
		t.Fatal(err)
	}
	f := Facts{Now: at(time.Hour), Stored: fpC, Check: Accepted, Listed: true, Keys: []ListedKey{selfC, old}, Self: old}
	if _, err := Observe(&s, f); err != nil || s.Current.UUID != uC || len(s.Replaced) != 1 || s.Replaced[0].UUID != uA {
		t.Fatalf("%+v %+v %v", s.Current, s.Replaced, err)
	}
}

// A replaced key of unknown fingerprint as the newest use is taken for the
// stored one when a second list shows it alone stamped again (the stored
// key's own request): its fingerprint unknown, it might be an old key a CI
// job used while zot served the first list (SelfInDoubt).
func TestObserveTakesAReplacedKeyOfUnknownFingerprintAtTheNewestStampForTheStoredOne(t *testing.T) {
	s := stored() // the record names uA, an old key still listed; uB is the real stored key
	s.Replaced = []Replaced{{UUID: uB}}
	selfA := entry(uA, at(0), at(time.Minute))
	real := entry(uB, at(-time.Hour), at(time.Hour))
	f := Facts{Now: at(time.Hour), Stored: fpA, Check: Accepted, Listed: true, Keys: []ListedKey{selfA, real}, Self: real}
	if !SelfInDoubt(s, f) {
		t.Fatal("a replaced key of unknown fingerprint as the newest use is not in doubt")
	}
	f.Again = []ListedKey{selfA, entry(uB, at(-time.Hour), at(time.Hour+time.Millisecond))}
	if _, err := Observe(&s, f); err != nil || s.Current.UUID != uB {
		t.Fatalf("%+v %v", s.Current, err)
	}
	if d := Decide(s, f, Ask{Revoke: true, Policy: Policy{UnusedFor: quiet}}); d.Blocked != "" {
		t.Fatalf("blocked: %+v", d)
	}
}

// A replaced key of unknown fingerprint (a record of the first format) that
// a CI job used while zot served the list is its newest use; when the second
// list does not single out one key (the job used it again), the stored key
// is the one the record names, still listed: the old key stays queued.
func TestObserveNeverTakesAnOldKeyOfUnknownFingerprintInUseForTheStoredOne(t *testing.T) {
	s := stored() // uA is stored, as zot and the store agree
	s.Replaced = []Replaced{{UUID: uB}}
	selfA := entry(uA, at(0), at(time.Hour))
	old := entry(uB, at(-time.Hour), at(time.Hour+time.Millisecond)) // CI, while zot served the list
	f := Facts{Now: at(time.Hour), Stored: fpA, Check: Accepted, Listed: true, Keys: []ListedKey{selfA, old}, Self: old}
	f.Again = []ListedKey{entry(uA, at(0), at(time.Hour+2*time.Millisecond)), entry(uB, at(-time.Hour), at(time.Hour+3*time.Millisecond))}
	if _, err := Observe(&s, f); err != nil || s.Current.UUID != uA || len(s.Replaced) != 1 || s.Replaced[0].UUID != uB {
		t.Fatalf("%+v %+v %v", s.Current, s.Replaced, err)
	}
}

// A confirmation recorded by a zotkey before the time was kept gets the time
// it is first seen: its wait starts then, never sooner.
func TestObserveDatesAnUndatedConfirmation(t *testing.T) {
	s := stored()
	s.Replaced = []Replaced{{UUID: uB, Fingerprint: fpB, Synced: true}}
	notes, err := Observe(&s, Facts{Now: at(time.Hour), Stored: fpA, Check: Accepted})
	if err != nil || s.Replaced[0].SyncedAt == nil || !s.Replaced[0].SyncedAt.Equal(at(time.Hour)) || len(notes) != 1 {
		t.Fatalf("%+v %v %v", s.Replaced[0], notes, err)
	}
}

// A sync confirms only the key it carried: a key stored while it ran keeps
// its predecessor (the key the sync delivered) until its own sync.
func TestConfirmReleasesOnlyTheKeysBeforeTheCarriedOne(t *testing.T) {
	s := State{Schema: Schema, Current: &Current{Fingerprint: fpC, UUID: uC}, Replaced: []Replaced{
		{UUID: uA, Fingerprint: fpA, ReplacedBy: fpB},
		{UUID: uB, Fingerprint: fpB, ReplacedBy: fpC},
	}}
	n, err := s.Confirm(fpB, t0)
	if err != nil || n != 1 || !s.Replaced[0].Synced || s.Replaced[1].Synced || s.Current.Synced {
		t.Fatalf("n=%d err=%v %+v", n, err, s)
	}
	if n, err := s.Confirm(fpC, t0); err != nil || n != 1 || !s.Current.Synced {
		t.Fatalf("n=%d err=%v %+v", n, err, s)
	}
}

// Seen dates a use on the local clock from when zotkey first saw it: the
// same lastUsed listed again keeps that date, a new one starts it anew.
func TestSeenDatesAUseFromItsFirstSight(t *testing.T) {
	s := stored()
	s.Replaced = []Replaced{{UUID: uB, Fingerprint: fpB}}
	use := at(time.Hour)
	for _, now := range []time.Time{at(2 * time.Hour), at(26 * time.Hour)} {
		if err := s.Seen(uB, true, use, nil, now); err != nil {
			t.Fatal(err)
		}
	}
	if got := *s.Replaced[0].SeenAt; !got.Equal(at(2 * time.Hour)) {
		t.Fatalf("the same use listed again moved its first sight to %v", got)
	}
	if err := s.Seen(uB, true, at(27*time.Hour), nil, at(28*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := *s.Replaced[0].SeenAt; !got.Equal(at(28 * time.Hour)) {
		t.Fatalf("a new use kept the old first sight %v", got)
	}
}
