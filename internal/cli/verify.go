package cli

import (
	"errors"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
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
		if k, err = store.ReadKey(e.Ctx, e.keyStore(g, false)); err != nil {
			return err
		}
	} else {
		if k, _, err = c.KeyInput.read(e); err != nil {
			return err
		}
	}
	err = reg.Check(e.Ctx, k)
	if c.Stored {
		e.recordCheck(g, k.Fingerprint(), err)
	}
	if err != nil {
		return withHint(err, append([]string{"nothing else was changed"}, driver.NotJudged(err, g.target())...)...)
	}
	e.say("the registry at %s accepts key %s for %s", reg.BaseURL, k.Fingerprint(), redact.Text(g.User))
	return nil
}

// recordCheck records the registry's judgement of the stored key, when the
// record is about that key: a dead key is a recorded fact, whichever command
// checked it. A failure to record is said, not fatal.
func (e *Env) recordCheck(g *Globals, fp string, checkErr error) {
	result := lifecycle.Accepted
	switch {
	case errors.Is(checkErr, zot.ErrRejected):
		result = lifecycle.Rejected
	case checkErr != nil:
		return // not judged
	}
	f, st, err := e.lockRecord(g)
	if err != nil {
		return
	}
	defer f.Unlock()
	if st.Current == nil || st.Current.Fingerprint != fp {
		return
	}
	if err := st.Checked(fp, result, e.Now()); err == nil {
		if err := f.Save(st); err != nil {
			e.say("warning: the check was not recorded: %v", err)
		}
	}
}
