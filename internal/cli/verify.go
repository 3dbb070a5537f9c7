package cli

import (
	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/store"
)

// VerifyCmd checks a key against the registry; nothing is stored.
type VerifyCmd struct {
	KeyInput
	Stored bool `help:"Check the stored key instead of reading one."`
}

func (c *VerifyCmd) Run(g *Globals, e *Env) error {
	reg, err := e.session(g).Registry()
	if err != nil {
		return err
	}
	var k key.Key
	if c.Stored {
		if k, err = store.ReadKey(e.Ctx, e.session(g).KeyStore(false)); err != nil {
			return err
		}
	} else {
		if k, _, err = c.KeyInput.read(e); err != nil {
			return err
		}
	}
	err = reg.Check(e.Ctx, k)
	if c.Stored {
		e.session(g).RecordCheck(k.Fingerprint(), err)
	}
	if err != nil {
		return withHint(err, append([]string{"nothing else was changed"}, driver.NotJudged(err, g.target())...)...)
	}
	e.say("the registry at %s accepts key %s for %s", reg.BaseURL, k.Fingerprint(), redact.Text(g.User))
	return nil
}
