package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/schedule"
	"github.com/eblume/zotkey/internal/zot"
)

// StatusCmd reports on the stored key. Without --check it reads only the
// local record: no network, no 1Password, fast enough for every shell start.
// Neither form mints, revokes, stores or syncs anything.
type StatusCmd struct {
	Check    bool `help:"Read the stored key and ask the registry whether it still works (records the answer)."`
	WarnDays *int `placeholder:"N" help:"Exit 3 when at most N days are left or the key has expired."`
	JSON     bool `name:"json" help:"Print the status as JSON."`
	Quiet    bool `short:"q" help:"Print nothing unless --warn-days finds the key expiring."`
	QuietPeriod
}

// statusJSON is the --json shape, documented in docs/lifecycle.md.
type statusJSON struct {
	Store       string                    `json:"store"`
	Registry    string                    `json:"registry"`
	User        string                    `json:"user"`
	Name        string                    `json:"name,omitempty"`
	Fingerprint string                    `json:"fingerprint,omitempty"`
	UUID        string                    `json:"uuid,omitempty"`
	ExpiresAt   *time.Time                `json:"expiresAt,omitempty"`
	DaysLeft    *int                      `json:"daysLeft,omitempty"`
	State       string                    `json:"state"` // ok, expiring, expired, rejected, unknown
	Synced      bool                      `json:"synced"`
	Replaced    []lifecycle.Replaced      `json:"replaced,omitempty"`
	Rotation    *lifecycle.Rotation       `json:"rotation,omitempty"`
	Sync        *lifecycle.SyncRun        `json:"sync,omitempty"`
	LastCheck   *lifecycle.Check          `json:"lastCheck,omitempty"`
	LastJob     *lifecycle.JobRun         `json:"lastJob,omitempty"`
	Watch       []lifecycle.Watch         `json:"watch,omitempty"`
	OnePassword *lifecycle.OnePasswordIDs `json:"onePassword,omitempty"`
}

func (c *StatusCmd) Run(g *Globals, e *Env) error {
	var (
		st  lifecycle.State
		err error
	)
	if c.Check {
		st, err = c.check(g, e)
	} else {
		st, err = c.load(g, e)
	}
	if c.JSON && (errors.Is(err, record.ErrNone) || err == nil && st.Current == nil) {
		return c.printUnknown(g, e)
	}
	if err != nil {
		return err
	}
	if st.Current == nil {
		return c.noRecord(g)
	}
	now := e.Now()
	out := statusJSON{Store: st.Store, Registry: st.Registry, User: st.User, Name: st.Current.Name(),
		Fingerprint: st.Current.Fingerprint, UUID: st.Current.UUID, ExpiresAt: st.Current.ExpiresAt, State: "unknown",
		Synced: st.Current.Synced, Replaced: st.Replaced, Rotation: st.Rotation, Sync: st.Sync, LastCheck: st.LastCheck,
		LastJob: st.LastJob, Watch: st.Watch, OnePassword: st.OnePassword}
	days, known := st.DaysLeft(now)
	if known {
		out.DaysLeft = &days
		out.State = "ok"
		if !st.Current.ExpiresAt.After(now) {
			out.State = "expired"
		} else if c.WarnDays != nil && days <= *c.WarnDays {
			out.State = "expiring"
		}
	}
	if st.Dead() {
		out.State = "rejected"
	}
	warn := c.WarnDays != nil && (out.State == "expired" || out.State == "expiring")
	switch {
	case c.JSON:
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(e.Stdout, string(b))
	case c.Quiet && !warn && out.State != "rejected":
	case c.Quiet:
		fmt.Fprintf(e.Stdout, "zotkey: the zot %s %s: rotate it with zot-rotate or mise run rotate-zot-key\n", st.Current.Name(), describeExpiry(st, now))
	default:
		printStatus(e, st, now)
	}
	if st.Dead() {
		return withHint(fmt.Errorf("the registry refused the stored %s when it was last checked (%s)", st.Current.Name(), st.LastCheck.At.Local().Format(time.RFC3339)), manualPath)
	}
	if warn {
		return warning(ExitExpiring, fmt.Errorf("the %s %s", st.Current.Name(), describeExpiry(st, now)), "rotate it: zot-rotate, mise run rotate-zot-key or zotkey rotate")
	}
	return nil
}

func (c *StatusCmd) noRecord(g *Globals) error {
	// %.0w wraps ErrNone (for --json) without adding to the text.
	return withHint(fmt.Errorf("no record of a key for %s (user %s) yet%.0w", redact.Text(g.Registry), redact.Text(g.User), record.ErrNone), "zotkey status --check reads the stored key and records it; zotkey set stores a new one")
}

// printUnknown is --json without a record: still JSON, so a script always
// has something to parse, with state "unknown" and what the flags name.
func (c *StatusCmd) printUnknown(g *Globals, e *Env) error {
	b, _ := json.MarshalIndent(struct {
		Store    string `json:"store"`
		Registry string `json:"registry"`
		User     string `json:"user"`
		State    string `json:"state"`
	}{storeName(g), g.Registry, g.User, "unknown"}, "", "  ")
	fmt.Fprintln(e.Stdout, string(b))
	return nil
}

func (c *StatusCmd) load(g *Globals, e *Env) (lifecycle.State, error) {
	f, err := e.recordFile(g)
	if err != nil {
		return lifecycle.State{}, err
	}
	st, err := f.Load()
	if errors.Is(err, record.ErrNone) {
		return st, c.noRecord(g)
	}
	return st, err
}

// check reads the stored key, asks the registry about it and every key
// waiting to be revoked, and records what it learned; it changes nothing else.
func (c *StatusCmd) check(g *Globals, e *Env) (lifecycle.State, error) {
	reg, err := e.registry(g)
	if err != nil {
		return lifecycle.State{}, err
	}
	f, st, err := e.lockRecord(g)
	if err != nil {
		return lifecycle.State{}, err
	}
	defer f.Unlock()
	d := e.newDriver(reg, e.keyStore(g, false), f, st, nil)
	o, err := e.observe(g, d, false)
	var rerr *driver.RecordError
	if errors.As(err, &rerr) {
		e.say("warning: the local record was not updated: %v", rerr.Err)
	} else if err != nil {
		return lifecycle.State{}, err
	}
	k := d.Stored()
	if o.CheckErr != nil {
		if errors.Is(o.CheckErr, zot.ErrRejected) {
			return lifecycle.State{}, withHint(fmt.Errorf("the stored %s does not work: %w", d.State.Current.Name(), o.CheckErr), manualPath)
		}
		return lifecycle.State{}, withHint(o.CheckErr, append([]string{"the stored key " + k.Fingerprint() + " may well still work; nothing was changed"}, notJudged(o.CheckErr, g)...)...)
	}
	e.say("the registry at %s accepts the stored %s for %s", redact.Text(g.Registry), d.State.Current.Name(), redact.Text(g.User))
	if o.ListErr != nil {
		e.say("zot's key list could not be read (%v); created and last-used times are unknown", o.ListErr)
		return d.State, nil
	}
	printKeys(e, d.State, d.Facts())
	dec := d.Decide(lifecycle.Ask{Quiet: c.UnusedFor.Duration()})
	if dec.Blocked != "" {
		e.say("%s", dec.Blocked)
	}
	e.printDecision(dec, false)
	return d.State, nil
}

// printKeys lists the stored key and every key waiting to be revoked with
// zot's created, last-used and expiry times (stderr: stdout stays the status).
func printKeys(e *Env, st lifecycle.State, f lifecycle.Facts) {
	now := f.Self.LastUsed // the registry's present: this check stamped it
	e.say("keys of %s at the registry:", redact.Text(st.User))
	e.say("  %-8s %s, created %s", "stored", st.Current.Name(), lifecycle.Ago(f.Self.CreatedAt, now))
	for _, r := range st.Replaced {
		k, ok := zot.Find(f.Keys, r.UUID)
		if !ok {
			e.say("  %-8s %s, no longer listed by zot", "replaced", r.Name())
			continue
		}
		exp := "never expires"
		if k.Expires() {
			exp = "expires " + k.ExpirationDate.UTC().Format("2006-01-02")
		}
		e.say("  %-8s %s, created %s, last used %s, %s", "replaced", r.Name(), lifecycle.Ago(k.CreatedAt, now), lifecycle.Ago(k.LastUsed, now), exp)
	}
}

func describeExpiry(st lifecycle.State, now time.Time) string { return st.Expiry(now) }

func printStatus(e *Env, st lifecycle.State, now time.Time) {
	w := e.Stdout
	fmt.Fprintf(w, "store:        %s\n", redact.Text(st.Store))
	fmt.Fprintf(w, "registry:     %s (user %s)\n", redact.Text(st.Registry), redact.Text(st.User))
	fmt.Fprintf(w, "key:          %s\n", st.Current.Name())
	fmt.Fprintf(w, "expiry:       %s\n", describeExpiry(st, now))
	if c := st.LastCheck; c != nil && c.Fingerprint == st.Current.Fingerprint {
		verdict := "accepted"
		if c.Result == lifecycle.Rejected {
			verdict = "REFUSED: the key no longer works; " + manualPath
		}
		fmt.Fprintf(w, "last check:   %s, %s\n", c.At.Local().Format(time.RFC3339), verdict)
	}
	if n := len(st.Replaced); n > 0 {
		fmt.Fprintf(w, "replaced:     %d key(s) waiting to be revoked; zotkey revoke-previous revokes those zot shows idle\n", n)
	}
	switch {
	case st.Sync != nil:
		fmt.Fprintf(w, "sync:         started %s for %s (under way, or cut short: the next run syncs again)\n", st.Sync.StartedAt.Local().Format(time.RFC3339), lifecycle.Name("", st.Sync.Fingerprint))
	case st.AwaitingSync() > 0:
		fmt.Fprintf(w, "sync:         not confirmed, so the %d key(s) it replaced are kept; zotkey rotate or auto with a sync configured syncs it\n", st.AwaitingSync())
	}
	if r := st.Rotation; r != nil {
		fmt.Fprintf(w, "unfinished:   a rotation (label %q) was cut short; the next zotkey rotate, revoke-previous or daily job finishes it\n", redact.Text(r.Label))
	}
	for _, wl := range st.Watch {
		fmt.Fprintf(w, "unfinished:   a rotation (label %q) was cut short before zot answered; zotkey revokes its key if it appears\n", redact.Text(wl.Label))
	}
	switch j := st.LastJob; {
	case j != nil:
		fmt.Fprintf(w, "daily job:    %s\n", describeJob(*j, now))
	case jobInstalled(e):
		fmt.Fprintf(w, "daily job:    installed, never ran\n")
	}
}

// jobInstalled reports whether a daily job's files are in place (launchd's
// plist or systemd's timer); two stats, no launchctl or systemctl.
func jobInstalled(e *Env) bool {
	paths := schedule.LaunchAgent{Home: e.Getenv("HOME")}.Paths()
	if dir, err := schedule.UserUnitDir(e.Getenv); err == nil {
		paths = append(paths, schedule.UserTimer{Dir: dir}.Paths()...)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// describeJob words the daily job's last run.
func describeJob(j lifecycle.JobRun, now time.Time) string {
	line := fmt.Sprintf("last ran %s, %s", j.At.Local().Format("2006-01-02 15:04"), j.Outcome)
	if j.Message != "" {
		line += ": " + redact.Text(j.Message)
	}
	if age := now.Sub(j.At); age > 48*time.Hour {
		line = fmt.Sprintf("has not run for %d days (%s)", int(age/(24*time.Hour)), line)
	}
	return line
}
