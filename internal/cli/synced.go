package cli

import (
	"fmt"

	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/redact"
)

// SyncedCmd records that a sync run by hand carried the stored key (or the
// key named by --fingerprint) to its users. With a sync configured zotkey
// records this itself; this is for syncs run outside zotkey.
type SyncedCmd struct {
	Fingerprint string `placeholder:"SHA256" help:"Fingerprint of the key the sync carried (default: the stored key's): a key stored during the sync keeps its predecessor."`
}

func (c *SyncedCmd) Run(g *Globals, e *Env) error {
	f, st, err := e.lockRecord(g)
	if err != nil {
		return err
	}
	defer f.Unlock()
	if st.Current == nil {
		return withHint(fmt.Errorf("no key is recorded for %s (user %s), so there is no sync to confirm", redact.Text(g.Registry), redact.Text(g.User)),
			"store a key first: zotkey set, or zotkey status --check for a key stored without zotkey")
	}
	fp := c.Fingerprint
	if fp == "" {
		fp = st.Current.Fingerprint
	}
	n, err := st.Confirm(fp, e.Now())
	if err != nil {
		return withHint(fmt.Errorf("%s is neither the stored key (%s) nor a key zotkey replaced, so nothing was recorded", redact.Text(fp), st.Current.Fingerprint),
			"pass the fingerprint zotkey status printed before the sync, or none for the stored key")
	}
	if err := f.Save(st); err != nil {
		return withHint(fmt.Errorf("the sync was not recorded: %w", err), "fix the cause, then run zotkey synced again")
	}
	if n == 0 {
		e.say("recorded that %s has reached its users; no replaced key was waiting for it", lifecycle.Name("", fp))
		return nil
	}
	e.say("recorded that %s has reached its users: the %d key(s) it replaced go once unused for --unused-for from now; the daily job revokes them", lifecycle.Name("", fp), n)
	return nil
}
