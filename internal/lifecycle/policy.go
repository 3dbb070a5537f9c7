package lifecycle

import "time"

// Policy is the thresholds the daily job, doctor and status judge the
// stored key and its replaced keys by. Its methods answer the questions
// that come before Decide: is a rotation due, must the job read the store
// today, has the job stopped running.
type Policy struct {
	Within     time.Duration // --within: rotate when the stored key expires within this (whole days)
	CheckEvery time.Duration // --check-every: have the registry judge the stored key at least this often
	UnusedFor  time.Duration // --unused-for: how long a replaced key in use waits after its successor's sync and its last use
	StaleAfter time.Duration // --stale-after: tell a person about a replaced key still used this long after its successor's sync
	Sync       bool          // a sync is configured
}

// JobLateAfter is how long the daily job, which runs once a day, may go
// without a run before status and doctor say it has stopped.
const JobLateAfter = 48 * time.Hour

// Late reports whether the job has not run for JobLateAfter since j, or
// whether j is stamped after now: the clock went back since that run, so how
// long the job has been silent is unknown, and a person should look (as a
// check stamped after now counts as old for MustObserve). A run the job
// records again stamps the clock's time anew.
func (j JobRun) Late(now time.Time) bool { return now.Sub(j.At) > JobLateAfter || j.At.After(now) }

// ExpiresSoon reports whether a key expiring at expires is due for its
// successor: it has Within (in whole days, counted as DaysUntil counts them)
// or less left.
func (p Policy) ExpiresSoon(expires, now time.Time) bool {
	return DaysUntil(expires, now) <= int(p.Within/(24*time.Hour))
}

// Due says whether the stored key is due for rotation; known is false when
// its expiry is unknown (it is then not due).
func (p Policy) Due(s State, now time.Time) (due, known bool) {
	if s.Current == nil || s.Current.ExpiresAt == nil {
		return false, false
	}
	return p.ExpiresSoon(*s.Current.ExpiresAt, now), true
}

// Expired reports whether the stored key's known expiry has passed.
func (s State) Expired(now time.Time) bool {
	return s.Current != nil && s.Current.ExpiresAt != nil && !s.Current.ExpiresAt.After(now)
}

// MustObserve says why the daily job must read the store and ask zot today
// ("" when the record alone says nothing is due): the first of
// observeReasons that holds.
func (p Policy) MustObserve(s State, now time.Time) string {
	for _, r := range observeReasons {
		if why := r.says(p, s, now); why != "" {
			return why
		}
	}
	return ""
}

// A reason the daily job reads the store, named as docs/lifecycle.md lists it
// (a test holds the two together); says words it for the log when it holds
// ("" otherwise). Each is asked only when those before it do not hold, so all
// but the first know a key is recorded, and the last that it was checked.
type observeReason struct {
	Doc  string
	says func(p Policy, s State, now time.Time) string
}

var observeReasons = []observeReason{
	{"the record is missing", func(_ Policy, s State, _ time.Time) string {
		return when(s.Current == nil, "there is no record yet")
	}},
	{"a rotation is due", func(p Policy, s State, now time.Time) string {
		due, _ := p.Due(s, now)
		return when(due, "the key is due: the key "+s.Expiry(now))
	}},
	{"a rotation was cut short", func(_ Policy, s State, _ time.Time) string {
		return when(s.Unfinished(), "a rotation was cut short")
	}},
	{"a sync was cut short", func(_ Policy, s State, _ time.Time) string { return when(s.Sync != nil, "a sync was cut short") }},
	{"a sync is unconfirmed", func(p Policy, s State, _ time.Time) string {
		return when(s.AwaitingSync() > 0 || (p.Sync && !s.Current.Synced), "no sync of the stored key has been confirmed")
	}},
	{"a replaced key has waited `--unused-for` (or `--stale-after`, if shorter) since its successor's sync", func(p Policy, s State, now time.Time) string {
		return when(p.waited(s, now), "a replaced key has waited its time since its successor's sync")
	}},
	{"the stored key was never checked", func(_ Policy, s State, _ time.Time) string {
		return when(s.LastCheck == nil || s.LastCheck.Fingerprint != s.Current.Fingerprint, "the stored key has not been checked yet")
	}},
	{"the last check is older than `--check-every`", func(p Policy, s State, now time.Time) string {
		at := s.LastCheck.At
		return when(now.Sub(at) >= p.CheckEvery || at.After(now), "the last check was "+at.Local().Format(time.RFC3339))
	}},
}

// when is says if ok, else "".
func when(ok bool, says string) string {
	if ok {
		return says
	}
	return ""
}

// waited reports whether a replaced key's wait since its successor's sync
// may be over: UnusedFor has passed (it may be revoked), or StaleAfter (a
// user still holding it is worth telling), whichever comes first.
func (p Policy) waited(s State, now time.Time) bool {
	d := min(p.UnusedFor, max(p.StaleAfter, time.Minute))
	for _, r := range s.Replaced {
		if at, ok := r.Revocable(d); ok && !now.Before(at) {
			return true
		}
	}
	return false
}
