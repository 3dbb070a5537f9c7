package cli

import (
	"errors"
	"fmt"

	"github.com/eblume/zotkey/internal/redact"
)

// SyncedCmd records that the stored key has reached its users. Until then
// the keys it replaced are kept however idle they look: users that have not
// run since the rotation hold only the old key.
type SyncedCmd struct{}

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
	n := rec.Synced()
	if n == 0 {
		e.say("no replaced key was waiting for a sync of %s; nothing changed", rec.Fingerprint)
		return nil
	}
	if err := f.Save(rec); err != nil {
		return withHint(errors.Join(errors.New("the sync was not recorded"), err), "run zotkey synced again once the record's folder is writable")
	}
	e.say("recorded that %s has reached its users: the %d key(s) it replaced go once zot shows them idle (zotkey revoke-previous)", rec.Fingerprint, n)
	return nil
}
