package cli

import (
	"errors"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/synccmd"
)

// SetCmd stores a key obtained by hand.
type SetCmd struct {
	KeyInput
	Expiry
	synccmd.Flags
	NoVerify      bool `help:"Store without checking the key against the registry first."`
	DryRun        bool `help:"Do everything but the write: find the vault, item and field and say what would change."`
	CreateField   bool `help:"Add the field to the 1Password item (concealed) if it is missing."`
	KeepClipboard bool `help:"Leave the key on the clipboard after storing it (by default it is cleared if still there)."`
}

func (c *SetCmd) Run(g *Globals, e *Env) error {
	sync := c.Choose()
	if err := synccmd.Refuse(e.Ctx, sync, e.Getenv("PATH")); err != nil {
		return err // before a key is read: none is stored
	}
	if _, err := e.session(g).Registry(); err != nil {
		return err // the URL goes into the record even with --no-verify
	}
	k, fromClipboard, err := c.KeyInput.read(e)
	if err != nil {
		return err
	}
	// The input is good: from here on 1Password will be needed, so its client
	// loads in the background while the registry answers.
	d, err := e.open(g, driver.Opts{Sync: sync.Argv, SyncTimeout: c.SyncTimeout.Duration(), CreateField: c.CreateField, ReadOnly: c.DryRun})
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := d.Set(e.Ctx, driver.Put{Key: k, Verify: !c.NoVerify, DryRun: c.DryRun, Expires: c.Expiry.at(e.Now()), Explicit: c.Expiry.explicit})
	if err != nil {
		return setFailed(err, g)
	}
	if done := c.said(e, d, k, res); done {
		return nil
	}
	if !c.KeepClipboard {
		e.terminal().ClearKey(k, fromClipboard, e.say)
	}
	if d.Sync != nil && !d.State.Current.Synced {
		if err := d.SyncNow(e.Ctx); err != nil {
			return driver.Executed(err)
		}
	}
	if res.Replaced != "" && d.Sync == nil {
		e.say("no sync is configured, so the replaced %s stays valid: sync the new key to its users, run zotkey synced, then zotkey revoke-previous", res.Replaced)
	} else if res.Replaced != "" {
		e.say("the replaced %s goes once unused for --unused-for (24h unless set) after this sync and its last use: the daily job revokes it (revoke-previous --force revokes it now)", res.Replaced)
	}
	return nil
}

// setFailed words a failed set.
func setFailed(err error, g *Globals) error {
	var cerr *driver.CheckError
	var serr *driver.StoreError
	switch {
	case errors.As(err, &cerr):
		return driver.CheckFailed(cerr.Err, g.target())
	case errors.As(err, &serr):
		return driver.StoreFailed(serr.Err)
	}
	return driver.Executed(err)
}

// said says what set did to the store and the record; done: a dry run, with
// nothing more to do.
func (c *SetCmd) said(e *Env, d *driver.Run, k driver.Key, res driver.PutResult) (done bool) {
	switch {
	case res.DryRunVerb() != "":
		e.say("dry run: would %s %s with %s; nothing written", res.DryRunVerb(), d.Store, k.Fingerprint())
		return true
	case res.Unchanged():
		name := lifecycle.Name("", k.Fingerprint()) // a dry run records nothing
		if cur := d.State.Current; cur != nil && cur.Fingerprint == k.Fingerprint() {
			name = cur.Name()
		}
		e.say("%s already holds %s; nothing written", d.Store, name)
		if c.DryRun { // no clipboard cleared, no sync run
			return true
		}
	default:
		e.say("stored %s in %s", d.State.Current.Name(), d.Store)
	}
	if res.ExpiryChanged {
		e.say("recorded the new expiry: %s", d.State.Expiry(e.Now()))
	}
	return false
}
