package cli

import (
	"cmp"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/flagvalue"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

// newDriver is the driver of one run, over the record f (locked) and its state.
func (e *Env) newDriver(reg *zot.Client, s store.Store, f *record.File, st lifecycle.State, sync []string, timeout flagvalue.StepTimeout) *driver.Driver {
	d := &driver.Driver{Reg: reg, Store: s, Rec: f, State: st, Now: e.Now, Say: e.say, StoreIDs: func() *lifecycle.OnePasswordIDs { return opIDs(s) }, SyncTimeout: timeout.Duration()}
	if len(sync) > 0 {
		d.Sync = driver.Command(sync, e.Stderr, e.say)
	}
	return d
}

// observe runs the driver's observation and words its failures; dryRun saves nothing.
func (e *Env) observe(g *Globals, d *driver.Driver, dryRun bool) (driver.Observation, error) {
	o, err := d.Observe(e.Ctx, dryRun)
	for _, n := range o.Notes {
		e.say("%s", n)
	}
	if err != nil {
		return o, driver.ReadFailed(err, func() string { return e.fieldHint(g, "store a key first: zotkey set") })
	}
	return o, nil
}

// fieldHint points a --field that finds nothing at the field the record
// knows, before it suggests storing a key there (which would move the record).
func (e *Env) fieldHint(g *Globals, fallback string) string {
	f, _ := e.recordFile(g) // nil when there is none: no record, no hint
	return cmp.Or(f.Moved(storeName(g)), fallback)
}

// target is the registry and user g names, for the driver's hints.
func (g *Globals) target() driver.Target {
	return driver.Target{Registry: g.Registry, User: g.User, Timeout: g.Timeout}
}
