package cli

import (
	"errors"
	"fmt"

	"github.com/eblume/zotkey/internal/input"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/keyring"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/store"
)

// TokenCmd manages the 1Password service-account token in the OS keyring.
type TokenCmd struct {
	Set    TokenSetCmd    `cmd:"" help:"Save a service-account token, read from a stdin pipe or a hidden prompt (never an argument)."`
	Status TokenStatusCmd `cmd:"" help:"Name the credential zotkey would use: the 1Password app (op-account), else the token in OP_SERVICE_ACCOUNT_TOKEN or the OS keyring, with its fingerprint."`
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
	if err := onepassword.CheckToken(tok.Reveal()); err != nil {
		return withHint(err, "nothing was saved; the saved token, if any, is unchanged", "copy the whole token again (1Password shows it once, when the service account is created)")
	}
	outcome, err := store.Put(e.Ctx, tokenEntry, tok.Reveal(), false)
	if err != nil {
		return withHint(err, "the saved token, if any, was not changed")
	}
	if outcome == store.Unchanged {
		e.say("the keyring already holds this token (%s)", tok.Fingerprint())
	} else {
		e.say("saved the 1Password service-account token in the OS keyring (%s)", tok.Fingerprint())
	}
	if e.Getenv("OP_SERVICE_ACCOUNT_TOKEN") != "" {
		e.say("note: OP_SERVICE_ACCOUNT_TOKEN is set, and wins over the saved token while it is")
	}
	return nil
}

type TokenStatusCmd struct{}

// Run names the credential a 1Password command would use, as ResolveAuth
// picks it: the desktop app when op-account is set, else a token.
func (TokenStatusCmd) Run(g *Globals, e *Env) error {
	if g.OpAccount != "" {
		return desktopStatus(g, e)
	}
	var keyringErr error
	src := onepassword.CredentialSource{
		EnvToken: e.Getenv("OP_SERVICE_ACCOUNT_TOKEN"),
		KeyringToken: func() (string, error) {
			v, err := tokenEntry.Get(e.Ctx)
			keyringErr = err
			return v, err
		},
	}
	tok, source, err := onepassword.Token(src)
	if err != nil {
		if keyringErr != nil && !errors.Is(keyringErr, store.ErrNotFound) {
			return withHint(fmt.Errorf("no 1Password service-account token in OP_SERVICE_ACCOUNT_TOKEN, and the OS keyring could not be read: %w", keyringErr))
		}
		return withHint(errors.New("no 1Password service-account token: OP_SERVICE_ACCOUNT_TOKEN is unset and the OS keyring holds none"),
			"save one with zotkey token set, or use the desktop app with --op-account")
	}
	fmt.Fprintf(e.Stdout, "1Password service-account token from %s (%s)\n", source, key.Fingerprint(tok))
	if source == onepassword.SourceEnv {
		if v, err := tokenEntry.Get(e.Ctx); err == nil && v != "" && v != tok {
			fmt.Fprintf(e.Stdout, "not used while OP_SERVICE_ACCOUNT_TOKEN is set: the token saved in the OS keyring (%s)\n", key.Fingerprint(v))
		}
	}
	return nil
}

// desktopStatus names the desktop app as the credential in use, and any
// token that it leaves unused.
func desktopStatus(g *Globals, e *Env) error {
	auth, err := onepassword.ResolveAuth(onepassword.CredentialSource{Account: g.OpAccount, Timeout: g.OpTimeout})
	if err != nil {
		return withHint(err)
	}
	fmt.Fprintf(e.Stdout, "1Password sign-in through %s, set by op-account; the app may ask you to approve zotkey, and zotkey waits for it at most %s (op-timeout)\n",
		redact.Text(auth.Source), g.OpTimeout)
	if v := e.Getenv("OP_SERVICE_ACCOUNT_TOKEN"); v != "" {
		fmt.Fprintf(e.Stdout, "not used while op-account is set: the service-account token in OP_SERVICE_ACCOUNT_TOKEN (%s)\n", key.Fingerprint(v))
	}
	if v, err := tokenEntry.Get(e.Ctx); err == nil && v != "" {
		fmt.Fprintf(e.Stdout, "not used while op-account is set: the service-account token saved in the OS keyring (%s)\n", key.Fingerprint(v))
	}
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
