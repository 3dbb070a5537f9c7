package cli

import (
	"fmt"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/flagvalue"
	"github.com/eblume/zotkey/internal/lifecycle"
)

// RevokePreviousCmd retires the keys the stored key replaced, once zot shows
// them idle.
type RevokePreviousCmd struct {
	Force  bool `help:"Revoke every replaced key, even one zot shows in use since it was replaced."`
	DryRun bool `help:"Say which keys would be revoked or kept, and why; revoke nothing."`
	QuietPeriod
}

// QuietPeriod is the one --unused-for of every command that revokes or says
// what would be revoked (revoke-previous, auto, status --check), so a single
// top-level `unused-for` in the settings file reaches them all. The default is
// long enough for a job that started before the sync to end, short enough that
// a forgotten consumer does not keep a key alive.
type QuietPeriod struct {
	UnusedFor flagvalue.Quiet `default:"24h" env:"ZOTKEY_UNUSED_FOR" placeholder:"DURATION" help:"A replaced key in use goes once unused this long after its successor's sync and its last use: hours and minutes (36h, 90m) or whole days (2d), 1m to 365d."`
}

func (c *RevokePreviousCmd) Run(g *Globals, e *Env) error {
	d, err := e.open(g, driver.Opts{LazyStore: true, ReadOnly: c.DryRun})
	if err != nil {
		return err
	}
	defer d.Close()
	if st := d.State; len(st.Replaced) == 0 && !st.Unfinished() && st.Current != nil {
		e.say("no replaced key is recorded; nothing to revoke")
		return nil
	}
	o, err := d.Look(e.Ctx, c.DryRun)
	if err != nil {
		return err
	}
	if err := o.Judged("no other key is revoked", g.target()); err != nil {
		return err
	}
	if o.ListErr != nil {
		return withHint(fmt.Errorf("revoked nothing: zot's key list could not be read: %w", o.ListErr), "run zotkey status --check, then revoke-previous again")
	}
	dec := d.Decide(lifecycle.Ask{Revoke: true, Force: c.Force, Policy: lifecycle.Policy{UnusedFor: c.UnusedFor.Duration()}})
	if dec.Blocked != "" {
		return withHint(fmt.Errorf("revoked nothing: %s", dec.Blocked), "run the command again")
	}
	driver.SayDecision(e.say, dec, c.DryRun)
	if c.DryRun {
		return nil
	}
	if len(dec.Effects) == 0 && len(dec.Kept) == 0 {
		e.say("no replaced key is recorded; nothing to revoke")
	}
	if err := d.Execute(e.Ctx, dec.Effects, driver.Mint{}); err != nil {
		return driver.Executed(err)
	}
	return e.Ctx.Err()
}
