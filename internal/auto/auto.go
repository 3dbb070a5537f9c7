// Package auto is the unattended daily job behind `mise run rotate-zot-key --auto`. From the local record it decides
// what is due (refresh the record, revoke replaced keys, mint a new key), runs the steps it is given in that order,
// and words the outcome: one line when all is well; when a person is needed, an error that names the problem and
// the command to run, also posted as a desktop notification. The steps themselves are zotkey's commands, passed
// in, so this package holds only the decisions and can be tested with fakes.
package auto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// State is what the local record says; it never holds a key.
type State struct {
	Recorded    bool       // a record exists
	ExpiresAt   *time.Time // nil: not known (or the key never expires)
	Waiting     int        // replaced keys waiting to be revoked
	Written     time.Time  // when the record was last written, i.e. last known true
	Fingerprint string     // of the stored key
	// AwaitingSync counts the replaced keys whose successor's sync is not
	// confirmed; LatestReplaced is when zotkey replaced the latest of them
	// (nil: unknown, e.g. replaced outside zotkey).
	AwaitingSync   int
	LatestReplaced *time.Time
}

// SyncUnderWay is how long after a key was stored its sync may still be
// running elsewhere (a manual rotation, another job): until then the job
// leaves it alone rather than starting a second sync beside it.
const SyncUnderWay = time.Hour

// Kind is why a person is needed.
type Kind int

const (
	Failed     Kind = iota // a step failed for another reason (the registry unreachable while a mint is due, …)
	KeyDead                // the stored key is expired or revoked: only the manual path is left
	SignIn                 // signing in to 1Password failed
	SyncFailed             // the new key is stored but did not reach its consumers
	Unrecorded             // the sync succeeded but could not be recorded
	NoKey                  // no key is stored: only the manual path is left
)

// Problem is a failure that needs a person.
type Problem struct {
	Kind Kind
	What string // the problem, in a sentence
	Todo string // what to do, naming the command
	Err  error  // the step's own error
}

func (p *Problem) Error() string {
	if p.Err == nil {
		return p.What
	}
	return p.What + " (" + p.Err.Error() + ")"
}

func (p *Problem) Unwrap() error { return p.Err }

// Steps are the job's actions; each returns the command's error unchanged.
type Steps struct {
	Load    func() (State, error) // read the local record (no network)
	Refresh func() error          // status --check: read the stored key, ask the registry, rewrite the record
	Revoke  func() error          // revoke-previous: exits 0 when keys are kept on purpose
	Rotate  func() error          // rotate: mint, check, store
	Sync    func() error          // the project's sync of the new key (nil: none given)
	Synced  func(fp string) error // synced --fingerprint fp: record that the sync carried that key
	// Classify says what kind of problem err is; Failed for anything else.
	Classify func(error) Kind
}

// Commands are what the job tells a person to run.
type Commands struct {
	Retry    string // the job itself, run by hand
	Manual   string // store a key made by hand
	SyncLine string // the sync, to run again after fixing it
}

// Job is one run of the daily job.
type Job struct {
	Steps
	Commands
	Within int // mint when the key expires within this many days
	DryRun bool
	Now    func() time.Time
	Out    io.Writer                        // the one line of the outcome
	Say    func(format string, args ...any) // progress and warnings (stderr)
	// Notify posts a desktop notification; it is called once, for a Problem.
	Notify func(title, message string)
}

// NotifyTitle heads every notification.
const NotifyTitle = "zotkey: the zot key needs you"

// Run runs the job. It returns nil when nothing needs a person (including
// when keys are kept on purpose or a retried step can wait for tomorrow's run),
// else a *Problem, already posted as a notification.
func (j *Job) Run() error {
	err := j.run()
	var p *Problem
	// An interrupted job (SIGTERM at shutdown, ^C) is no news for a person.
	if errors.As(err, &p) && j.Notify != nil && !errors.Is(err, context.Canceled) {
		j.Notify(NotifyTitle, strings.ToUpper(p.What[:1])+p.What[1:]+". "+p.Todo)
	}
	return err
}

func (j *Job) run() error {
	now := j.Now()
	st, err := j.Load()
	if err != nil {
		return j.problem(Failed, err)
	}
	if reason := staleness(st, now); reason != "" {
		j.Say("refreshing the record from the registry (%s)", reason)
		if err := j.Refresh(); err != nil {
			if k := j.Classify(err); k != Failed || !st.Recorded {
				return j.problem(k, err)
			}
			j.Say("warning: could not refresh the record (%v); going by the record of %s", err, st.Written.Format(time.RFC3339))
		} else if st, err = j.Load(); err != nil {
			return j.problem(Failed, err)
		}
	}
	days, known := daysLeft(st.ExpiresAt, now)
	if known && st.ExpiresAt.Before(now) {
		return j.problem(KeyDead, fmt.Errorf("the stored key expired on %s", st.ExpiresAt.Format("2006-01-02")))
	}
	syncRunning := false
	if st.AwaitingSync > 0 {
		if syncRunning, err = j.resync(st, now); err != nil {
			return err
		}
	}
	if st.Waiting > 0 {
		if j.DryRun {
			j.Say("dry run: would revoke the %d replaced key(s) that zot shows idle", st.Waiting)
		} else if err := j.revoke(); err != nil {
			return err
		}
	}
	if !known || days > j.Within {
		fmt.Fprintf(j.Out, "nothing due: %s\n", describe(st.ExpiresAt, now))
		return nil
	}
	if syncRunning {
		// Minting now would replace the key that sync is carrying.
		fmt.Fprintf(j.Out, "due, but waiting for a sync to be confirmed: %s; a later run rotates\n", describe(st.ExpiresAt, now))
		return nil
	}
	if j.DryRun {
		fmt.Fprintf(j.Out, "due: %s; without --dry-run the job rotates, syncs and revokes the old key\n", describe(st.ExpiresAt, now))
		return nil
	}
	j.Say("the key is due (%s, at most %d days): rotating", describe(st.ExpiresAt, now), j.Within)
	if err := j.Rotate(); err != nil {
		return j.problem(j.Classify(err), err)
	}
	if err := j.sync(); err != nil {
		return err
	}
	if err := j.revoke(); err != nil {
		return err
	}
	if st, err = j.Load(); err != nil {
		return j.problem(Failed, err)
	}
	fmt.Fprintf(j.Out, "rotated and synced: %s\n", describe(st.ExpiresAt, j.Now()))
	return nil
}

// sync runs the sync and, once it has succeeded, records that it carried
// the key stored when it began, so the keys that key replaced may go.
func (j *Job) sync() error {
	if j.Sync == nil {
		return j.problem(SyncFailed, errors.New("no sync command was given"))
	}
	st, err := j.Load()
	if err != nil {
		return j.problem(Failed, err)
	}
	if err := j.Sync(); err != nil {
		return j.problem(SyncFailed, err)
	}
	if err := j.Synced(st.Fingerprint); err != nil {
		p := j.problem(Unrecorded, err)
		p.Todo = "Fix the cause (see the job's log), then run: zotkey synced --fingerprint " + st.Fingerprint
		return p
	}
	return nil
}

// resync finishes a sync that was never confirmed (it failed, its run was
// cut short, or the key was replaced outside zotkey), unless the latest
// replacement is recent enough for its sync to be still running; then it
// reports running, and the job mints nothing beside that sync.
func (j *Job) resync(st State, now time.Time) (running bool, err error) {
	what := fmt.Sprintf("%d replaced key(s) wait for a sync of their successor to be confirmed", st.AwaitingSync)
	if t := st.LatestReplaced; t != nil {
		// A time ahead of now (the clock was set back) is no sign of a running sync.
		if age := now.Sub(*t); age >= 0 && age < SyncUnderWay {
			j.Say("%s, and the key stored at %s may still be syncing: it is left alone, and the keys it replaced are kept", what, t.In(now.Location()).Format(time.RFC3339))
			return true, nil
		}
	}
	if j.DryRun {
		j.Say("dry run: %s; would run the sync again", what)
		return false, nil
	}
	j.Say("%s: running the sync again", what)
	return false, j.sync()
}

// revoke runs revoke-previous. A failure other than a dead key or a failed
// sign-in is a warning: the keys stay recorded and tomorrow's run tries again,
// and an old key left valid expires on its own.
func (j *Job) revoke() error {
	err := j.Revoke()
	if err == nil {
		return nil
	}
	if k := j.Classify(err); k == KeyDead || k == SignIn {
		return j.problem(k, err)
	}
	j.Say("warning: could not revoke the replaced key(s) (%v); they stay recorded and the next run tries again", err)
	return nil
}

// staleness says why the record needs a refresh, or "" when it does not. A
// record from an earlier day is refreshed, so a daily run refreshes it daily
// however the runs' times drift (launchd at wake, systemd's random delay).
func staleness(st State, now time.Time) string {
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	switch {
	case !st.Recorded:
		return "there is no record yet"
	case st.ExpiresAt == nil:
		return "the record has no expiry"
	case st.Written.Before(today):
		return "the record was last refreshed on " + st.Written.In(now.Location()).Format("2006-01-02")
	}
	return ""
}

func (j *Job) problem(k Kind, err error) *Problem {
	p := &Problem{Kind: k, Err: err}
	switch k {
	case KeyDead:
		p.What = "the stored zot key no longer works (expired or revoked), so it cannot mint its successor"
		p.Todo = "Make a key in the zot web UI, copy it, and run: " + j.Manual
	case SignIn:
		p.What = "signing in to 1Password failed, so the daily job could not read or store the key"
		p.Todo = "Check the service-account token (zotkey token status), then run: " + j.Retry
	case NoKey:
		p.What = "no zot key is stored, so the daily job has nothing to keep fresh"
		p.Todo = "Make a key in the zot web UI, copy it, and run: " + j.Manual
	case Unrecorded:
		p.What = "the new zot key is stored and synced, but the sync could not be recorded, so the keys it replaced are kept"
		p.Todo = "Fix the cause (see the job's log), then run: zotkey synced"
	case SyncFailed:
		p.What = "the new zot key is stored but the sync failed; the previous key stays valid"
		p.Todo = "Fix the cause, then run: " + j.SyncLine + ", then: zotkey synced, then: zotkey revoke-previous"
	default:
		p.What = "the daily zot key job failed"
		p.Todo = "See the job's log, then run: " + j.Retry
	}
	return p
}

// daysLeft is whole days until t (negative once past).
func daysLeft(t *time.Time, now time.Time) (int, bool) {
	if t == nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		return -int((-d + 24*time.Hour - 1) / (24 * time.Hour)), true
	}
	return int(d / (24 * time.Hour)), true
}

func describe(t *time.Time, now time.Time) string {
	days, ok := daysLeft(t, now)
	switch {
	case !ok:
		return "the stored key has no known expiry"
	case days == 1:
		return fmt.Sprintf("the key expires on %s (1 day left)", t.Format("2006-01-02"))
	default:
		return fmt.Sprintf("the key expires on %s (%d days left)", t.Format("2006-01-02"), days)
	}
}
