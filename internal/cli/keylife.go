package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/driver"
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
	Sync SyncCommand `hidden:"" placeholder:"ARGV" help:"The sync command, as a list: in the settings file, sync = [\"mise\", \"run\", \"provision-indri\"]; on the command line, after --."`
	Argv []string    `arg:"" optional:"" passthrough:"" placeholder:"SYNC" help:"After --: the command that syncs a new key to its users (instead of the settings file's sync)."`
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

// SyncCommand is the settings file's sync: a list of strings, the program
// first. A single string is refused: splitting it would need a shell's rules.
type SyncCommand []string

func (c *SyncCommand) Decode(ctx *kong.DecodeContext) error {
	token := ctx.Scan.Pop()
	hint := `write it as a list, the program first: sync = ["mise", "run", "provision-indri"]; on the command line give it after --`
	list, ok := token.Value.([]any)
	if !ok || len(list) == 0 {
		return withHint(errors.New("sync must be a non-empty list of strings"), hint)
	}
	out := make([]string, len(list))
	for i, v := range list {
		s, ok := v.(string)
		if !ok || s == "" {
			return withHint(fmt.Errorf("sync's word %d is not a non-empty string", i+1), hint)
		}
		if redact.HasKey(s) {
			return withHint(errors.New("sync holds a key-shaped word"), "never put a key in the settings file: the sync reads the key from where zotkey stored it")
		}
		out[i] = s
	}
	*c = out
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
		return o, e.storeReadFailed(g, d, err)
	}
	return o, nil
}

// storeReadFailed words a failure to read the stored key.
func (e *Env) storeReadFailed(g *Globals, d *driver.Driver, err error) error {
	var notKey *driver.NotAKeyError
	var rerr *driver.RecordError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return withHint(err, e.fieldHint(g, "store a key first: zotkey set"))
	case errors.As(err, &notKey):
		return withHint(err, "store a key: zotkey set")
	case errors.As(err, &rerr):
		return withHint(err, "nothing else was changed; make the record's folder writable and run again")
	}
	return withHint(err)
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
	return fmt.Sprintf("the record has the key in %s; did you mean that? (%s there moves the record to %s)", redact.Text(st.Store), fallback, redact.Text(storeName(g)))
}

// judged words the registry's failure to judge the stored key, or its
// refusal and what it prevents (what).
func judged(g *Globals, o driver.Observation, what string) error {
	if o.CheckErr == nil {
		return nil
	}
	if errors.Is(o.CheckErr, zot.ErrRejected) {
		return withHint(fmt.Errorf("the stored key no longer works, so %s: %w", what, o.CheckErr), lifecycle.ManualPath)
	}
	// Not judged: the failure itself is the error (what would follow from a
	// refusal does not), so the line opens with what went wrong.
	return withHint(o.CheckErr, append([]string{"nothing was changed"}, notJudged(o.CheckErr, g)...)...)
}

// printDecision says what a dry run would do, or what was left and why.
func (e *Env) printDecision(d lifecycle.Decision, dryRun bool) {
	if dryRun {
		for _, w := range d.Words() {
			e.say("dry run: %s", w)
		}
		return
	}
	for _, k := range d.Kept {
		e.say("%s", k)
	}
	for _, due := range d.Due {
		e.say("%s", due)
	}
}

// executed words a failed execution.
func executed(err error) error {
	var (
		mint     *driver.MintError
		rollback *driver.RollbackError
		stored   *driver.StoredError
		serr     *driver.SyncError
		rerr     *driver.RevokeError
		recErr   *driver.RecordError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mint) && mint.Undone:
		return withHint(fmt.Errorf("minting a new key failed: %w", err), "nothing was changed; the stored key is still stored and valid")
	case errors.As(err, &mint):
		return withHint(fmt.Errorf("minting a new key failed: %w", err), fmt.Sprintf("the next zotkey rotate, revoke-previous or daily job revokes any key labelled %q", mint.Label))
	case errors.As(err, &rollback) && rollback.RevokeErr != nil:
		return withHint(err, "the stored key is still stored and valid; the next zotkey rotate, revoke-previous or daily job revokes the new key")
	case errors.As(err, &rollback):
		return withHint(err, "the stored key is still stored and valid; nothing else changed")
	case errors.As(err, &stored):
		return withHint(err, "run zotkey status --check once the record's folder is writable: it completes the record")
	case errors.As(err, &serr) && serr.Unrecorded:
		return withHint(fmt.Errorf("the new key is stored and synced, but the sync could not be recorded, so the previous key is kept: %w", err), "once the cause is fixed, run: zotkey synced && zotkey revoke-previous")
	case errors.As(err, &serr) && serr.Busy:
		return withHint(err, "the stored key is synced by the run that holds the sync lock; run zotkey revoke-previous after it ends")
	case errors.As(err, &serr):
		return withHint(fmt.Errorf("the new key is stored, but %w", err), "the previous key stays valid; fix the sync and run the command again, or after syncing by hand: zotkey synced")
	case errors.As(err, &rerr):
		return withHint(err, "run zotkey revoke-previous again; the keys not yet revoked stay recorded")
	case errors.As(err, &recErr):
		return withHint(err, "make the record's folder writable and run again")
	case errors.Is(err, context.Canceled):
		return withHint(fmt.Errorf("interrupted: %w", err), "run the command again: it carries on where this run stopped")
	}
	return withHint(err)
}

// hasEffect reports whether d includes an effect of kind.
func hasEffect(d lifecycle.Decision, kind lifecycle.Kind) bool {
	return slices.ContainsFunc(d.Effects, func(e lifecycle.Effect) bool { return e.Kind == kind })
}

// registryFailed words a failed check of a key about to be stored.
func registryFailed(err error, g *Globals) error {
	if errors.Is(err, zot.ErrRejected) {
		return withHint(err, "nothing was stored; check that the key is the one just generated and belongs to --user "+redact.Text(g.User))
	}
	hints := append([]string{"nothing was stored"}, notJudged(err, g)...)
	if errors.Is(err, zot.ErrUnreachable) {
		hints = append(hints, "to store the key without checking it, pass --no-verify")
	}
	return withHint(err, hints...)
}

// notJudged says what to do when the registry did not judge the key (any
// failure but a 401): the key may well be fine.
func notJudged(err error, g *Globals) []string {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, zot.ErrRejected):
		return nil
	case errors.Is(err, zot.ErrUnreachable):
		return []string{fmt.Sprintf("the key was not judged: check the network, --registry (%s) and --timeout (%s), then run the command again",
			redact.Text(g.Registry), g.Timeout)}
	case errors.Is(err, zot.ErrRedirected):
		return []string{"the key was not judged and was sent nowhere else: set --registry to the final URL"}
	case errors.Is(err, zot.ErrStatus), errors.Is(err, zot.ErrAnswer):
		return []string{"the key was not judged: check that --registry is the zot registry's base URL, or try again later"}
	}
	return []string{"the key was not judged"}
}
