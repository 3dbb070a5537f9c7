package cli

import (
	"fmt"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/flagvalue"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

// SyncFlags name the sync: the command that carries a newly stored key to
// its users (for the runbook: mise run provision-indri -- --tags
// forgejo_actions_secrets). zotkey runs it after storing a key and records a
// good sync, so the keys it replaced may then be revoked.
type SyncFlags struct {
	Sync        flagvalue.SyncCommand `hidden:"" placeholder:"ARGV" help:"The sync command, as a list: in the settings file, sync = [\"mise\", \"run\", \"provision-indri\"]; on the command line, after --."`
	Argv        []string              `arg:"" name:"sync-command" optional:"" passthrough:"" help:"After --: the command that syncs a new key to its users (instead of the settings file's sync)."`
	SyncTimeout flagvalue.StepTimeout `name:"sync-timeout" default:"30m" placeholder:"DURATION" help:"Stop the sync (its whole process group) when it runs longer than this, 1s to 24h; the sync then counts as unconfirmed."`
}

// argv is the sync to run, or nil when none is configured.
func (f SyncFlags) argv() []string {
	argv := f.Argv
	if len(argv) > 0 && argv[0] == "--" {
		argv = argv[1:]
	}
	if len(argv) > 0 {
		return argv
	}
	return f.Sync
}

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
	f, err := e.recordFile(g)
	if err != nil {
		return fallback
	}
	st, err := f.Load()
	if err != nil || st.Store == "" || st.Store == storeName(g) {
		return fallback
	}
	return fmt.Sprintf("the record has the key in %s: did you mean that? Storing a key here moves the record to %s", redact.Text(st.Store), redact.Text(storeName(g)))
}

// target is the registry and user g names, for the driver's hints.
func (g *Globals) target() driver.Target {
	return driver.Target{Registry: g.Registry, User: g.User, Timeout: g.Timeout}
}
