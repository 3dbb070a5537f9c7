package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/config"
	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/schedule"
	"github.com/eblume/zotkey/internal/synccmd"
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
	synccmd.JobSync
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
	if c.JSON && (errors.Is(err, driver.ErrNone) || err == nil && st.Current == nil) {
		return c.printUnknown(g, e)
	}
	if err != nil {
		return err
	}
	if st.Current == nil {
		return c.noRecord(g)
	}
	now := e.Now()
	out := driver.StatusView(st, now, c.WarnDays)
	warn := c.WarnDays != nil && (out.State == "expired" || out.State == "expiring")
	switch {
	case c.JSON:
		driver.WriteJSON(e.Stdout, out)
	case c.Quiet && !warn && out.State != "rejected":
	case c.Quiet:
		fmt.Fprintf(e.Stdout, "zotkey: the zot %s %s: rotate it with zot-rotate or mise run rotate-zot-key\n", st.Current.Name(), st.Expiry(now))
	default:
		driver.WriteStatus(e.Stdout, st, now, func() bool { return schedule.Installed(e.Getenv) })
		fmt.Fprintf(e.Stdout, "settings:     %s\n", e.settings.StatusLine(config.Where{Registry: g.Registry, User: g.User, Store: g.Store, Vault: g.Vault, Item: g.Item, Field: g.Field}))
		fmt.Fprintf(e.Stdout, "sync command: %s\n", synccmd.ForJob(c.Sync))
	}
	if st.Dead() {
		return withHint(fmt.Errorf("the registry refused the stored %s when it was last checked (%s)", st.Current.Name(), st.LastCheck.At.Local().Format(time.RFC3339)), driver.ManualPath)
	}
	if warn {
		return warning(ExitExpiring, fmt.Errorf("the %s %s", st.Current.Name(), st.Expiry(now)), "rotate it: zot-rotate, mise run rotate-zot-key or zotkey rotate")
	}
	return nil
}

func (c *StatusCmd) noRecord(g *Globals) error {
	// %.0w wraps ErrNone (for --json) without adding to the text.
	return withHint(fmt.Errorf("no record of a key for %s (user %s) yet%.0w", g.Registry, g.User, driver.ErrNone), "zotkey status --check reads the stored key and records it; zotkey set stores a new one")
}

// printUnknown is --json without a record (driver.UnknownView).
func (c *StatusCmd) printUnknown(g *Globals, e *Env) error {
	driver.WriteJSON(e.Stdout, driver.UnknownView(e.session(g).StoreName(), g.Registry, g.User))
	return nil
}

func (c *StatusCmd) load(g *Globals, e *Env) (lifecycle.State, error) {
	st, err := e.session(g).Load() // an older format is read, not rewritten
	if errors.Is(err, driver.ErrNone) {
		return st, c.noRecord(g)
	}
	return st, err
}

// check reads the stored key, asks the registry about it and every key
// waiting to be revoked, and records what it learned; it changes nothing
// else. A record of an older format is read, not rewritten: it records
// nothing then.
func (c *StatusCmd) check(g *Globals, e *Env) (lifecycle.State, error) {
	// An old-format record is only read: the run creates no lock file.
	d, err := e.open(g, driver.Opts{ReadOnly: e.session(g).OldFormat()})
	if err != nil {
		return lifecycle.State{}, err
	}
	defer d.Close()
	if d.Old() {
		e.say("the record is in an older format: this check records nothing; the next command that changes the record (set, rotate, revoke-previous, synced, auto) rewrites it")
	}
	o, err := d.Look(e.Ctx, d.Old() || d.ReadOnly())
	var rerr *driver.RecordError
	if errors.As(err, &rerr) {
		e.say("warning: the local record was not updated: %v", rerr.Err)
	} else if err != nil {
		return lifecycle.State{}, err
	}
	if err := o.Checked(d.State.Current, d.Stored().Fingerprint(), g.target()); err != nil {
		return lifecycle.State{}, err
	}
	e.say("the registry at %s accepts the stored %s for %s", g.Registry, d.State.Current.Name(), g.User)
	if o.ListErr != nil {
		e.say("zot's key list could not be read (%v); created and last-used times are unknown", o.ListErr)
		return d.State, nil
	}
	driver.SayKeys(e.say, d.State, d.Facts())
	dec := d.Decide(lifecycle.Ask{Policy: lifecycle.Policy{UnusedFor: c.UnusedFor.Duration()}})
	if dec.Blocked != "" {
		e.say("%s", dec.Blocked)
	}
	driver.SayDecision(e.say, dec, false)
	return d.State, nil
}
