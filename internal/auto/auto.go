// Package auto is the unattended daily job behind `zotkey auto` (and `mise run
// rotate-zot-key --auto`). It reads the store only when it must (a rotation
// is due, the record is missing, a sync is unconfirmed, or the last check of
// the key is older than CheckEvery), then lets internal/driver observe,
// decide and execute: revoke idle replaced keys, mint, store and sync when
// the key nears expiry, then revoke what that made idle. Every run is
// recorded (lifecycle.JobRun); when a person is needed, the error names the
// problem and the command to run, and is posted as a desktop notification.
package auto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/notify"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/zot"
)

// Kind is why a person is needed.
type Kind int

const (
	Failed     Kind = iota // a step failed for another reason (the registry unreachable while a mint is due, …)
	KeyDead                // the stored key is expired or revoked: only the manual path is left
	SignIn                 // signing in to 1Password failed, or timed out
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
	// Steps is Todo a step a line, for the terminal.
	Steps []string
	// hinted: Todo holds the step's own hint, which is then not repeated.
	hinted bool
}

// Hint is the step's own hint, unless Todo already carries it.
func (p *Problem) Hint() string {
	var self interface{ Hint() string }
	if p.hinted || !errors.As(p.Err, &self) {
		return ""
	}
	return self.Hint()
}

func (p *Problem) Error() string {
	if p.Err == nil || strings.Contains(p.What, p.Err.Error()) { // said once
		return p.What
	}
	return p.What + ": " + p.Err.Error()
}

func (p *Problem) Unwrap() error { return p.Err }

// Commands are what the job tells a person to run.
type Commands struct {
	Retry  string // the job itself, run by hand
	Manual string // store a key made by hand
	SignIn string // what to do when signing in failed
}

// Job is one run of the daily job.
type Job struct {
	// Open locks the identity's record for the whole job and loads it
	// (driver.Session.OpenJob); the run opens the store (it may start
	// 1Password) only when the store must be read.
	Open func() (*driver.Run, error)
	// Load reads the record without the lock (driver.Session.Load), when
	// another run holds it; LockPath names that lock.
	Load       func() (lifecycle.State, error)
	LockPath   string
	Within     int           // mint when the key expires within this many days
	Lifetime   time.Duration // of a new key
	Quiet      time.Duration // --unused-for
	StaleAfter time.Duration // --stale-after: tell a person once about a replaced key still used this long after its successor's sync
	CheckEvery time.Duration // read the store at least this often
	Check      bool          // read the store on this run
	HasSync    bool
	DryRun     bool
	// Store names the store the settings point at (vault, item and field,
	// or the keyring entry); a record that has the key elsewhere makes the
	// job read the store that day.
	Store string
	Commands
	Now    func() time.Time
	Out    io.Writer                        // the one line of the outcome
	Say    func(format string, args ...any) // progress and warnings (stderr)
	Notify func(title, message string)      // posts a notification; called once, for a Problem
	// Classify says what kind of problem err is; Failed for anything else.
	Classify func(error) Kind
}

// NotifyTitle heads every notification.
const NotifyTitle = "zotkey: the zot key needs you"

// Run runs the job and records it. It returns nil when nothing needs a
// person, else a *Problem, already posted as a notification.
func (j *Job) Run(ctx context.Context) error {
	r, err := j.Open()
	switch {
	case errors.Is(err, driver.ErrBusy):
		if p := j.busyDue(); p != nil {
			return j.finish(nil, lifecycle.Failed, p)
		}
		// Another zotkey (a rotation by hand, in its sync) is doing the
		// work now; the record shows it, and tomorrow's run follows up.
		fmt.Fprintln(j.Out, "nothing done: another zotkey run is in progress")
		return nil
	case err != nil:
		return j.finish(nil, lifecycle.Failed, j.problem(Failed, err))
	}
	defer r.Close()
	outcome, line, err := j.run(ctx, r)
	var late *TimeoutError
	if errors.As(context.Cause(ctx), &late) && !errors.Is(err, context.Canceled) {
		// The job's own deadline: whatever step it was in was stopped.
		p := j.problem(Failed, late)
		p.What = late.Error()
		err = p
	}
	return j.finish(r, outcome, err, line)
}

// busyDue is the problem of a key due (or expired) by the record, read
// without the lock another run holds, when that record shows no rotation
// or sync under way: the holder (a zotkey stopped with Ctrl-Z, say) is not
// doing the work, and leaving it to it would let the key expire unnoticed.
func (j *Job) busyDue() *Problem {
	if j.Load == nil {
		return nil
	}
	st, err := j.Load()
	now := j.Now()
	if err != nil || st.Current == nil || st.Rotation != nil || st.Sync != nil {
		return nil
	}
	if due, _ := j.policy().Due(st, now); !due && !st.Expired(now) {
		return nil
	}
	p := j.problem(Failed, fmt.Errorf("the zot key is due (%s), but another zotkey run holds the record's lock and the record shows no rotation under way", describe(st, now)))
	p.What = p.Err.Error()
	p.Todo = "Find the zotkey holding it (fuser " + j.LockPath + "), let it finish or end it, then run: " + j.Retry
	p.Steps = []string{p.Todo}
	return p
}

// finish records the run (not for a dry run, nor without a record to add it
// to), prints its line, and posts a problem.
func (j *Job) finish(r *driver.Run, outcome lifecycle.JobOutcome, err error, line ...string) error {
	msg := strings.Join(line, "")
	var p *Problem
	switch {
	case errors.Is(err, context.Canceled):
		outcome, msg = lifecycle.Interrupted, "stopped before it finished"
	case errors.As(err, &p):
		if p.Kind != Failed {
			outcome = lifecycle.NeedsYou
		} else {
			outcome = lifecycle.Failed
		}
		msg = p.What
		if p.Kind == Failed && p.Err != nil {
			msg = p.Err.Error() // "failed: the daily zot key job failed" would name no cause
		}
		if j.Notify != nil {
			// The cause, then the one thing to do, within the notifier's length.
			j.Notify(NotifyTitle, notify.Message(p.Error(), p.Todo))
		}
	case err != nil:
		outcome, msg = lifecycle.Failed, err.Error()
	}
	if msg != "" && err == nil {
		fmt.Fprintln(j.Out, msg)
	}
	if r != nil && !j.DryRun {
		r.JobRan(outcome, msg)
	}
	return err
}

// result is how a run ends: the outcome recorded, the line printed, or the
// problem that needs a person.
type result struct {
	outcome lifecycle.JobOutcome
	line    string
	err     error
}

// run orchestrates one run: read the store when it must, observe, decide,
// execute; the decisions are lifecycle's.
func (j *Job) run(ctx context.Context, r *driver.Run) (lifecycle.JobOutcome, string, error) {
	res := j.steps(ctx, r)
	return res.outcome, res.line, res.err
}

func (j *Job) steps(ctx context.Context, r *driver.Run) result {
	st := &r.State
	now := j.Now()
	if st.Dead() && !j.Check {
		return result{err: j.problem(KeyDead, fmt.Errorf("the registry refused the stored %s when it was last checked, %s", st.Current.Name(), st.LastCheck.At.Format(time.RFC3339)))}
	}
	reason := j.mustRead(*st, now)
	if reason == "" {
		return j.nothingDue(*st, "")
	}
	j.Say("reading the stored key: %s", reason)
	d := r.WithStore()
	due, stop := j.observe(ctx, d)
	if stop != nil {
		return *stop
	}
	dec := d.Decide(j.ask(due))
	if stop := j.review(d, dec, due); stop != nil {
		return *stop
	}
	j.notices(&d.State, dec.Notify)
	if due {
		j.Say("rotating: %s, and the job mints at %d days or fewer", describe(d.State, j.Now()), j.Within)
	} else if !j.HasSync && hasKind(dec.Effects, lifecycle.Sync) {
		return result{err: j.problem(SyncFailed, errors.New("no sync is configured"))}
	}
	return j.execute(ctx, d, dec, due)
}

// nothingDue is a run that ends with nothing due (prefix: what it did).
func (j *Job) nothingDue(st lifecycle.State, prefix string) result {
	return result{outcome: lifecycle.NothingDue, line: prefix + "nothing due: " + describe(st, j.Now())}
}

// observe reads the store and asks the registry; it says whether the key is
// due, or how the run ends when the registry's answer settles it.
func (j *Job) observe(ctx context.Context, d *driver.Driver) (bool, *result) {
	o, err := d.Observe(ctx, j.DryRun)
	for _, n := range o.Notes {
		j.Say("%s", n)
	}
	if err != nil {
		p := j.problem(j.Classify(err), err)
		if p.Kind == NoKey && j.moved(d.State) {
			p.What = "the settings moved the key's store away from the record's, " + d.State.Store + ", and the store they name holds no key"
			p.Todo = "Fix vault, item, field or ref in the settings (zotkey doctor), or store a key there: " + j.Manual
		}
		return false, &result{err: p}
	}
	due, _ := j.policy().Due(d.State, j.Now())
	var p *Problem
	switch {
	case errors.Is(o.CheckErr, zot.ErrRejected):
		p = j.problem(KeyDead, o.CheckErr)
	case o.CheckErr != nil && due:
		p = j.problem(Failed, fmt.Errorf("the key is due, but the registry did not judge it: %w", o.CheckErr))
	case o.CheckErr != nil:
		j.Say("warning: the registry did not judge the stored key (%v); going by the record", o.CheckErr)
		res := j.nothingDue(d.State, "")
		return due, &res
	case o.ListErr != nil && due:
		p = j.problem(Failed, fmt.Errorf("the key is due, but zot's key list could not be read with it: %w", o.ListErr))
	case d.State.Expired(j.Now()):
		p = j.problem(KeyDead, fmt.Errorf("the stored key expired on %s", d.State.Current.ExpiresAt.Format("2006-01-02")))
	}
	if p != nil {
		return due, &result{err: p}
	}
	return due, nil
}

// review says what the decision keeps and finds due, and ends a run that is
// blocked while due, or a dry run, with what it would do.
func (j *Job) review(d *driver.Driver, dec lifecycle.Decision, due bool) *result {
	if dec.Blocked != "" && due {
		return &result{err: j.problem(Failed, errors.New(dec.Blocked))}
	}
	if dec.Blocked != "" {
		j.Say("%s", dec.Blocked)
	}
	for _, k := range append(slices.Clone(dec.Kept), dec.Due...) {
		j.Say("%s", k)
	}
	if !j.DryRun {
		return nil
	}
	for _, w := range dec.Words() {
		j.Say("dry run: %s", w)
	}
	for _, n := range dec.Notify {
		j.Say("dry run: would notify: %s", n.Message)
	}
	if due {
		return &result{line: "due: " + describe(d.State, j.Now()) + "; without --dry-run the job rotates and syncs, and revokes the old key once it has gone unused for " + lifecycle.Duration(j.Quiet) + " after the sync"}
	}
	res := j.nothingDue(d.State, "")
	res.outcome = ""
	return &res
}

// execute carries out the decision; after a rotation it revokes what the
// rotation made idle.
func (j *Job) execute(ctx context.Context, d *driver.Driver, dec lifecycle.Decision, due bool) result {
	before := len(d.State.Replaced)
	err := d.Execute(ctx, dec.Effects, driver.Mint{Expires: j.Now().Add(j.Lifetime).UTC().Truncate(time.Second)})
	var rerr *driver.RevokeError
	if errors.As(err, &rerr) && !due {
		// The keys stay recorded and the next run tries again; the run is
		// recorded as failed, so status and doctor show it.
		j.Say("warning: could not revoke %d replaced key(s) (%v); they stay recorded and the next run tries again", len(rerr.Errs), err)
		res := j.nothingDue(d.State, fmt.Sprintf("could not revoke %d replaced key(s); ", len(rerr.Errs)))
		res.outcome = lifecycle.Failed
		return res
	}
	if err := j.failed(err); err != nil {
		return result{err: err}
	}
	if !due {
		if revoked := before - len(d.State.Replaced); revoked > 0 {
			res := j.nothingDue(d.State, fmt.Sprintf("revoked %d replaced key(s); ", revoked))
			res.outcome = lifecycle.Revoked
			return res
		}
		return j.nothingDue(d.State, "")
	}
	if err := j.revokeAfter(ctx, d, dec.Kept); err != nil {
		return result{err: err}
	}
	j.Say("%s", driver.Farewell(d.State, j.Quiet))
	return result{outcome: lifecycle.Rotated, line: "rotated and synced: " + describe(d.State, j.Now())}
}

// revokeAfter revokes the old key a rotation replaced if zot shows it idle
// now; otherwise a later run does. kept were said already.
func (j *Job) revokeAfter(ctx context.Context, d *driver.Driver, kept []string) error {
	o, err := d.Observe(ctx, false)
	if err != nil || o.CheckErr != nil || o.ListErr != nil {
		return nil
	}
	dec := d.Decide(j.ask(false))
	for _, k := range dec.Kept {
		if !slices.Contains(kept, k) { // said once a run
			j.Say("%s", k)
		}
	}
	return j.failed(d.Execute(ctx, dec.Effects, driver.Mint{}))
}

// failed turns a failed execution into a problem; a failed revocation is a
// warning (the keys stay recorded, the next run tries again, and an old key
// left valid expires on its own).
func (j *Job) failed(err error) error {
	var (
		serr *driver.SyncError
		rerr *driver.RevokeError
	)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &rerr):
		j.Say("warning: could not revoke the replaced key(s) (%v); they stay recorded and the next run tries again", err)
		return nil
	case errors.As(err, &serr) && serr.Unrecorded:
		return j.problem(Unrecorded, err)
	case errors.As(err, &serr) && serr.Busy:
		j.Say("%v; the run that holds the sync lock syncs the key", err)
		return nil
	case errors.As(err, &serr) && serr.Timeout:
		p := j.problem(SyncFailed, err)
		p.What = "the new zot key is stored but its sync ran past sync-timeout and was stopped; the previous key stays valid"
		p.Todo = "Find why the sync hangs (or raise sync-timeout in the settings file), then run: " + j.Retry + " (it syncs again first)"
		return p
	case errors.As(err, &serr):
		return j.problem(SyncFailed, err)
	}
	return j.problem(j.Classify(err), err)
}

// ask is what the job asks of the lifecycle: revoke what is due, mint when
// the key is due, sync what is unconfirmed, and name stale users.
func (j *Job) ask(rotate bool) lifecycle.Ask {
	return lifecycle.Ask{Revoke: true, Rotate: rotate, Policy: j.policy()}
}

// notices tells a person, once each, about replaced keys a user still holds
// after their successor's sync, and records that it did (saved with the run).
func (j *Job) notices(st *lifecycle.State, notices []lifecycle.Notice) {
	for _, n := range notices {
		j.Say("%s", n.Message)
		if j.Notify != nil {
			j.Notify(NotifyTitle, strings.ToUpper(n.Message[:1])+n.Message[1:]+". "+StaleTodo)
		}
		if err := st.Warned(n.UUID, j.Now()); err != nil {
			j.Say("warning: %v", err)
		}
	}
}

// StaleTodo is what a person does about a user the sync missed.
const StaleTodo = "Find the job or host that still uses the old key, give it the new one, and add it to the settings' sync"

// mustRead says why this run must read the store, or "" when the record
// answers (so a day with nothing due shows no 1Password prompt).
func (j *Job) mustRead(st lifecycle.State, now time.Time) string {
	switch {
	case j.Check:
		return "--check"
	case st.Current != nil && j.moved(st):
		return "the settings name " + j.Store + ", but the record has the key in " + st.Store
	}
	return j.policy().MustObserve(st, now)
}

// policy is the job's thresholds.
func (j *Job) policy() lifecycle.Policy {
	return lifecycle.Policy{Within: time.Duration(j.Within) * 24 * time.Hour, CheckEvery: j.CheckEvery,
		UnusedFor: j.Quiet, StaleAfter: j.StaleAfter, Sync: j.HasSync}
}

// moved says whether the settings name another store than the record's.
func (j *Job) moved(st lifecycle.State) bool {
	return j.Store != "" && st.Store != "" && st.Store != j.Store
}

func (j *Job) problem(k Kind, err error) *Problem {
	p := &Problem{Kind: k, Err: err}
	switch k {
	case KeyDead:
		p.What = "the stored zot key no longer works (expired or revoked), so it cannot mint its successor"
		p.Todo = "Make a key in the zot web UI, copy it, and run: " + j.Manual
	case SignIn:
		p.What = "signing in to 1Password failed, so the daily job could not read or store the key"
		p.Todo = j.SignIn
		// The failure's own steps, one a cause (the 1Password app's: update
		// it, turn on its integration, quit and reopen it).
		var self interface{ Hint() string }
		if errors.As(err, &self) && self.Hint() != "" {
			var todo []string
			for _, l := range strings.Split(self.Hint(), "\n") {
				todo = append(todo, sentence(l))
			}
			p.Steps = append(todo, "Then run: "+j.Retry)
			p.Todo = strings.Join(p.Steps, " ")
			p.hinted = true
		}
	case NoKey:
		p.What = "no zot key is stored, so the daily job has nothing to keep fresh"
		p.Todo = "Make a key in the zot web UI, copy it, and run: " + j.Manual
	case Unrecorded:
		p.What = "the new zot key is stored and synced, but the sync could not be recorded, so the keys it replaced are kept"
		p.Todo = "Fix the cause (see the job's log), then run: zotkey synced (the daily job then revokes the old key)"
	case SyncFailed:
		p.What = "the new zot key is stored but has not reached its users; the previous key stays valid"
		p.Todo = "Fix the sync, then run " + j.Retry + ": it syncs again first"
	default:
		p.What = "the daily zot key job failed"
		p.Todo = "See the job's log, then run: " + j.Retry
		if lerr := (*record.LockError)(nil); errors.As(err, &lerr) {
			p.What = "the daily zot key job " + lerr.Error()
			p.Todo = "Remove what stands at that path or make it writable, then run: " + j.Retry
		} else if h := ownHint(err); h != "" { // the cause's own fix (the keyring's: unlock it)
			p.Steps = []string{sentence(h), "Then run: " + j.Retry}
			p.Todo, p.hinted = strings.Join(p.Steps, " "), true
		}
	}
	if p.Steps == nil {
		p.Steps = []string{p.Todo}
	}
	return p
}

func describe(st lifecycle.State, now time.Time) string { return "the key " + st.Expiry(now) }

func hasKind(effects []lifecycle.Effect, k lifecycle.EffectKind) bool { return count(effects, k) > 0 }

func count(effects []lifecycle.Effect, k lifecycle.EffectKind) int {
	n := 0
	for _, e := range effects {
		if e.Kind == k {
			n++
		}
	}
	return n
}
