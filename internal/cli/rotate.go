package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/flagvalue"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/synccmd"
)

// RotateCmd replaces the stored key with one it mints itself, then runs the sync.
type RotateCmd struct {
	ExpiresIn flagvalue.Lifetime `default:"90d" placeholder:"DAYS" help:"Lifetime of the new key, e.g. 90d."`
	DryRun    bool               `help:"Check the current key and say what would be done; mint, store and sync nothing."`
	QuietPeriod
	synccmd.Flags
}

func (c *RotateCmd) Run(g *Globals, e *Env) error {
	sync := c.Choose()
	if err := synccmd.Refuse(e.Ctx, sync, e.Getenv("PATH")); err != nil {
		return err
	}
	d, err := e.open(g, driver.Opts{Sync: sync.Argv, SyncTimeout: c.SyncTimeout.Duration(), ReadOnly: c.DryRun})
	if err != nil {
		return err
	}
	defer d.Close()
	o, err := d.Look(e.Ctx, c.DryRun)
	if err != nil {
		return err
	}
	if err := o.Judged("it cannot mint its successor", g.target()); err != nil {
		return err
	}
	if o.ListErr != nil {
		return withHint(fmt.Errorf("the registry at %s did not list the keys (is it zot, with API keys enabled?): %w", g.Registry, o.ListErr), driver.ManualPath)
	}
	// Replaced keys already past their wait go in this run too: one process,
	// one approval of the store, per rotation.
	dec := d.Decide(lifecycle.Ask{Rotate: true, Revoke: true, Policy: lifecycle.Policy{UnusedFor: c.UnusedFor.Duration(), Sync: d.Sync != nil}})
	if dec.Blocked != "" {
		return withHint(errors.New(dec.Blocked), "nothing was changed; run the command again")
	}
	expires := e.Now().Add(time.Duration(c.ExpiresIn)).UTC().Truncate(time.Second)
	if c.DryRun {
		e.say("dry run: the stored %s works; a new key would expire %s and be stored in %s; sync: %s", d.State.Current.Name(), expires.Format(time.RFC3339), d.Store, sync)
		driver.SayDecision(e.say, dec, true)
		return nil
	}
	driver.SayDecision(e.say, dec, false)
	if err := d.Execute(e.Ctx, dec.Effects, driver.Mint{Expires: expires}); err != nil {
		return driver.Executed(err)
	}
	e.say("%s", driver.Farewell(d.State, c.UnusedFor.Duration()))
	return e.Ctx.Err()
}
