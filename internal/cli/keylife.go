package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/flagvalue"
	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/synccmd"
	"github.com/eblume/zotkey/internal/zot"
)

// SyncFlags name the sync: the command that carries a newly stored key to
// its users (for the runbook: mise run provision-indri -- --tags
// forgejo_actions_secrets). zotkey runs it after storing a key and records a
// good sync, so the keys it replaced may then be revoked. synccmd.Choose
// picks it: the words after --, else the settings file's sync, else the words
// after -- given with --default-sync (the mise task's default).
type SyncFlags struct {
	Sync        flagvalue.SyncCommand `hidden:"" placeholder:"ARGV" help:"The sync command, as a list: in the settings file, sync = [\"mise\", \"run\", \"provision-indri\"]; on the command line, after --."`
	DefaultSync bool                  `name:"default-sync" help:"The command after -- is only a default: the settings file's sync, when it names one, runs instead (the mise task passes its own default this way)."`
	Argv        []string              `arg:"" name:"sync-command" optional:"" passthrough:"partial" help:"After --: the command that syncs a new key to its users (instead of the settings file's sync, unless --default-sync)."`
}

// Validate makes the grammar strict: a word after the flags is a sync
// command only after an explicit --. Any other word is a usage error that
// names it, unless it may be a secret (redact.Word).
func (f *SyncFlags) Validate() error {
	if len(f.Argv) > 0 && f.Argv[0] != "--" {
		return hint.With(fmt.Errorf("unexpected word %s", redact.Word(f.Argv[0])),
			"a sync command goes after --, e.g. -- mise run provision-indri; flags: zotkey COMMAND --help")
	}
	if f.DefaultSync && len(f.after()) == 0 {
		return hint.With(errors.New("--default-sync needs the default sync after --"), "e.g. --default-sync -- mise run provision-indri")
	}
	return nil
}

// after is the words after --.
func (f SyncFlags) after() []string {
	if len(f.Argv) > 0 && f.Argv[0] == "--" {
		return f.Argv[1:]
	}
	return nil
}

// choose is the run's sync (synccmd.Choose); noSync asks for none.
func (f SyncFlags) choose(noSync bool) synccmd.Sync {
	return synccmd.Choose(f.Sync, f.after(), f.DefaultSync, noSync)
}

// checkSync refuses a sync whose program cannot be found from the folder it
// runs in (this one), before anything is minted or stored.
func (e *Env) checkSync(s synccmd.Sync) error {
	if len(s.Argv) == 0 {
		return nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return withHint(fmt.Errorf("the sync cannot run: the current folder is unknown: %v", err), "cd into the project, then run the command again")
	}
	if err := (synccmd.Checker{Dir: dir, Path: e.Getenv("PATH")}).Check(e.Ctx, s.Argv); err != nil {
		return withHint(fmt.Errorf("nothing was minted or stored: %w", err),
			"this sync comes from "+s.From+": fix it (the settings file's sync), or run from the folder it needs; zotkey doctor checks it")
	}
	return nil
}

// newDriver is the driver of one run, over the record f (locked) and its state.
func (e *Env) newDriver(reg *zot.Client, s store.Store, f *record.File, st lifecycle.State, sync []string) *driver.Driver {
	d := &driver.Driver{Reg: reg, Store: s, Rec: f, State: st, Now: e.Now, Say: e.say, StoreIDs: func() *lifecycle.OnePasswordIDs { return opIDs(s) }}
	if len(sync) > 0 {
		d.Sync = driver.Command(sync, e.Stderr)
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
