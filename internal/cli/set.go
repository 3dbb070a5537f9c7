package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/await"
	"github.com/eblume/zotkey/internal/clipboard"
	"github.com/eblume/zotkey/internal/input"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/store"
)

// SetCmd stores a key obtained by hand.
type SetCmd struct {
	KeyInput
	Expiry
	NoVerify      bool `help:"Store without checking the key against the registry first."`
	DryRun        bool `help:"Do everything but the write: find the vault, item and field and say what would change."`
	CreateField   bool `help:"Add the field to the 1Password item (concealed) if it is missing."`
	KeepClipboard bool `help:"Leave the key on the clipboard after storing it (by default it is cleared if still there)."`
}

func (c *SetCmd) Run(g *Globals, e *Env) error {
	if _, err := e.registry(g); err != nil {
		return err // the URL goes into the record even with --no-verify
	}
	k, src, err := c.KeyInput.read(e)
	if err != nil {
		return err
	}
	// The input is good: from here on 1Password will be needed, so its client
	// loads in the background while the registry answers.
	s := e.keyStore(g, c.CreateField)
	f, rec, err := e.lockRecord(g)
	if err != nil {
		return err
	}
	defer f.Unlock()

	var facts keyFacts
	if !c.NoVerify {
		if facts, err = checkKey(e, g, k); err != nil {
			return err
		}
	}
	outcome, err := store.Put(e.Ctx, s, k.Reveal(), c.DryRun)
	if err != nil {
		return storeFailed(err, s)
	}
	switch outcome {
	case store.WouldWrite, store.WouldCreate:
		verb := "replace the value of"
		if outcome == store.WouldCreate {
			verb = "create"
		}
		e.say("dry run: would %s %s with %s; nothing written", verb, s, k.Fingerprint())
		return nil
	case store.Unchanged:
		e.say("%s already holds this key (%s); nothing written", s, k.Fingerprint())
	default:
		e.say("stored %s (%s)", s, k.Fingerprint())
	}
	if !c.DryRun {
		next := storedRecord(e, rec, s, k, facts, c.Expiry)
		if err := f.Save(next); err != nil {
			return withHint(fmt.Errorf("the key is stored, but the local record was not updated: %w", err),
				"run zotkey status --check once the record's folder is writable, so the replaced key is queued for revocation")
		}
		if after, _ := next.AwaitingSync(); after > 0 && next.Fingerprint != rec.Fingerprint {
			e.say("the replaced key stays valid until the new key is synced (then: zotkey synced) and zotkey revoke-previous finds it idle")
		}
	}
	if !c.KeepClipboard && !c.DryRun {
		clearClipboard(e, k, src != input.Clipboard)
	}
	return nil
}

// storeFailed words a failed store step: nothing about the key changed unless
// the read-back disagreed, which needs a human look.
func storeFailed(err error, s store.Store) error {
	if errors.Is(err, store.ErrReadBack) {
		return withHint(err, "the write went through but reads back differently; run zotkey status --check before relying on it")
	}
	return withHint(err, "the stored key was not changed; fix the cause and run the command again")
}

// clipboardWait bounds the clipboard check: a clipboard owner that never
// answers (xclip waits for it without a timeout) must not hold up the exit.
var clipboardWait = time.Second

// clearClipboard empties the clipboard if it still holds k. A key read from
// elsewhere (pbpaste | zotkey set, a paste at the prompt) was most likely copied
// too, so its caller checks the clipboard as a courtesy, quiet: no clipboard,
// other content or no answer then passes without a word.
func clearClipboard(e *Env, k key.Key, quiet bool) {
	if e.Clipboard == nil {
		return
	}
	ctx, cancel := context.WithTimeout(e.Ctx, clipboardWait)
	defer cancel()
	cleared, err := await.Do(ctx, func() (bool, error) { return clipboard.ClearIf(e.Clipboard, k.Reveal()) })
	switch {
	case e.Ctx.Err() != nil:
		return
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("the clipboard did not answer within %v", clipboardWait)
	}
	switch {
	case err != nil && !quiet:
		e.say("warning: could not clear the clipboard: %v", err)
	case cleared:
		e.say("cleared the clipboard")
	}
}
