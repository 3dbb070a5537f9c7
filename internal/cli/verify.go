package cli

import (
	"errors"

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
	reg, err := e.registry(g)
	if err != nil {
		return err
	}
	var k key.Key
	if c.Stored {
		if k, err = readStored(e, g, e.keyStore(g, false)); err != nil {
			return err
		}
	} else {
		if k, _, err = c.KeyInput.read(e); err != nil {
			return err
		}
	}
	if err := reg.Check(e.Ctx, k); err != nil {
		return withHint(err, append([]string{"nothing was changed"}, notJudged(err, g)...)...)
	}
	e.say("the registry at %s accepts the key for %s (%s)", reg.BaseURL, redact.Text(g.User), k.Fingerprint())
	return nil
}

// readStored reads and parses the stored key (format any: whatever was stored
// with --format any is still a key to check).
func readStored(e *Env, g *Globals, s store.Store) (key.Key, error) {
	v, err := s.Get(e.Ctx)
	if errors.Is(err, store.ErrNotFound) {
		return key.Key{}, withHint(err, "store a key first: zotkey set")
	}
	if err != nil {
		return key.Key{}, withHint(err)
	}
	k, err := key.Parse([]byte(v), key.Any)
	if err != nil {
		return key.Key{}, withHint(errors.New("the value stored in "+s.String()+" is not a key: "+err.Error()), "store a key: zotkey set")
	}
	return k, nil
}
