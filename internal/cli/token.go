package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/eblume/zotkey/internal/input"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/keyring"
	"github.com/eblume/zotkey/internal/store"
)

// TokenCmd manages the 1Password service-account token in the OS keyring.
type TokenCmd struct {
	Set    TokenSetCmd    `cmd:"" help:"Save a service-account token, read from a stdin pipe or a hidden prompt (never an argument)."`
	Status TokenStatusCmd `cmd:"" help:"Say whether a token is saved, with its fingerprint."`
	Delete TokenDeleteCmd `cmd:"" help:"Remove the saved token."`
}

var tokenEntry = keyring.Entry{User: keyring.TokenUser}

type TokenSetCmd struct{}

func (TokenSetCmd) Run(e *Env) error {
	r := input.Reader{Ctx: e.Ctx, Stdin: e.Stdin, OpenTTY: e.OpenTTY}
	raw, err := r.ReadSecret("zotkey: paste the 1Password service-account token (input hidden): ")
	if err != nil {
		return withHint(fmt.Errorf("reading the token: %w", err))
	}
	tok, err := key.Parse(raw, key.Any)
	if err != nil {
		return withHint(fmt.Errorf("the token was rejected: %w", err), "nothing was saved")
	}
	if !strings.HasPrefix(tok.Reveal(), "ops_") {
		return withHint(fmt.Errorf("the token (%d characters) does not start with ops_, as 1Password service-account tokens do", len(tok.Reveal())), "nothing was saved")
	}
	outcome, err := store.Put(e.Ctx, tokenEntry, tok.Reveal(), false)
	if err != nil {
		return withHint(err, "the saved token, if any, was not changed")
	}
	if outcome == store.Unchanged {
		e.say("the keyring already holds this token (%s)", tok.Fingerprint())
		return nil
	}
	e.say("saved the 1Password service-account token in the OS keyring (%s)", tok.Fingerprint())
	return nil
}

type TokenStatusCmd struct{}

func (TokenStatusCmd) Run(e *Env) error {
	v, err := tokenEntry.Get(e.Ctx)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintln(e.Stdout, "no 1Password service-account token in the OS keyring")
		return nil
	}
	if err != nil {
		return withHint(err)
	}
	fmt.Fprintf(e.Stdout, "1Password service-account token in the OS keyring (%s)\n", key.Fingerprint(v))
	return nil
}

type TokenDeleteCmd struct{}

func (TokenDeleteCmd) Run(e *Env) error {
	deleted, err := tokenEntry.Delete(e.Ctx)
	if err != nil {
		return withHint(err)
	}
	if !deleted {
		e.say("no token was saved; nothing to delete")
		return nil
	}
	e.say("deleted the 1Password service-account token from the OS keyring")
	return nil
}
