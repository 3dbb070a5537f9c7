package cli

import (
	"fmt"

	"github.com/eblume/zotkey/internal/redact"
)

// SyncedCmd records that a sync carried the stored key (or the key named by
// --fingerprint) to its users. Until then the keys it replaced are kept
// however idle they look: users that have not run since the rotation hold
// only the old key.
type SyncedCmd struct {
	Fingerprint string `placeholder:"SHA256" help:"Fingerprint of the key the sync carried, as zotkey status printed it before the sync (default: the stored key's): a key stored during the sync keeps its predecessor."`
}

func (c *SyncedCmd) Run(g *Globals, e *Env) error {
	f, rec, err := e.lockRecord(g)
	if err != nil {
		return err
	}
	defer f.Unlock()
	if rec.Fingerprint == "" {
		return withHint(fmt.Errorf("no key is recorded for %s (user %s), so there is no sync to confirm", redact.Text(g.Registry), redact.Text(g.User)),
			"store a key first: zotkey set, or zotkey status --check for a key stored without zotkey")
	}
	fp := c.Fingerprint
	if fp == "" {
		fp = rec.Fingerprint
	}
	n, ok := rec.Synced(fp, e.Now())
	if !ok {
		return withHint(fmt.Errorf("%s is neither the stored key (%s) nor a key zotkey replaced, so nothing was recorded", redact.Text(fp), rec.Fingerprint),
			"pass the fingerprint zotkey status printed before the sync, or none for the stored key")
	}
	if n == 0 {
		e.say("no replaced key was waiting for a sync of %s; nothing changed", fp)
		return nil
	}
	if err := f.Save(rec); err != nil {
		return withHint(fmt.Errorf("the sync was not recorded: %w", err), "fix the cause, then run zotkey synced again")
	}
	e.say("recorded that %s has reached its users: the %d key(s) replaced before it go once zot shows them idle (zotkey revoke-previous)", fp, n)
	return nil
}
