package cli

import (
	"github.com/eblume/zotkey/internal/driver"
)

// VerifyCmd checks a key against the registry; nothing is stored.
type VerifyCmd struct {
	KeyInput
	Stored bool `help:"Check the stored key instead of reading one."`
}

func (c *VerifyCmd) Run(g *Globals, e *Env) error {
	s := e.session(g)
	reg, err := s.Registry()
	if err != nil {
		return err
	}
	var k driver.Key
	if c.Stored {
		if k, err = s.ReadStored(); err != nil {
			return err
		}
	} else {
		if k, _, err = c.KeyInput.read(e); err != nil {
			return err
		}
	}
	err = reg.Check(e.Ctx, k)
	if c.Stored {
		s.RecordCheck(k.Fingerprint(), err) // a dead key is a recorded fact
	}
	if err != nil {
		return withHint(err, append([]string{"nothing else was changed"}, driver.NotJudged(err, g.target())...)...)
	}
	e.say("the registry at %s accepts key %s for %s", reg.BaseURL, k.Fingerprint(), g.User)
	return nil
}
