package cli

import (
	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/lifecycle"
)

// SyncedCmd records that a sync run by hand carried the stored key (or the
// key named by --fingerprint) to its users. With a sync configured zotkey
// records this itself; this is for syncs run outside zotkey.
type SyncedCmd struct {
	Fingerprint string `placeholder:"SHA256" help:"Fingerprint of the key the sync carried (default: the stored key's): a key stored during the sync keeps its predecessor."`
}

func (c *SyncedCmd) Run(g *Globals, e *Env) error {
	d, err := e.open(g, driver.Opts{LazyStore: true})
	if err != nil {
		return err
	}
	defer d.Close()
	n, fp, err := d.Confirm(c.Fingerprint)
	if err != nil {
		return err
	}
	if n == 0 {
		e.say("recorded that %s has reached its users; no replaced key was waiting for it", lifecycle.Name("", fp))
		return nil
	}
	e.say("recorded that %s has reached its users: the %d key(s) it replaced go once unused for --unused-for from now; the daily job revokes them", lifecycle.Name("", fp), n)
	return nil
}
