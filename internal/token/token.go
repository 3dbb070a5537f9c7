// Package token keeps the 1Password service-account token in the OS
// keyring: zotkey token set, status and delete. It prints fingerprints, never
// the token.
package token

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/input"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/keyring"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/store"
)

// Keeper is one run's view of the token: where to read it, what to say.
type Keeper struct {
	Ctx    context.Context
	Read   input.Reader // for Set
	Out    io.Writer    // the status lines
	Say    func(format string, args ...any)
	Getenv func(string) string
}

var tokenEntry = keyring.Entry{User: keyring.TokenUser}

// Set saves a token read from k.Read (a stdin pipe or a hidden prompt).
func (k Keeper) Set() error {
	raw, err := k.Read.ReadSecret("zotkey: paste the 1Password service-account token (input hidden): ")
	if err != nil {
		return hint.With(fmt.Errorf("reading the token: %w", err))
	}
	t, err := key.Parse(raw, key.Any)
	if err != nil {
		return hint.With(fmt.Errorf("the token was rejected: %w", err), "nothing was saved")
	}
	if err := onepassword.CheckToken(t.Reveal()); err != nil {
		return hint.With(err, "nothing was saved; the saved token, if any, is unchanged", "copy the whole token again (1Password shows it once, when the service account is created)")
	}
	outcome, err := store.Put(k.Ctx, tokenEntry, t.Reveal(), false)
	if err != nil {
		return hint.With(err, "the saved token, if any, was not changed")
	}
	if outcome == store.Unchanged {
		k.Say("the keyring already holds this token (%s)", t.Fingerprint())
	} else {
		k.Say("saved the 1Password service-account token in the OS keyring (%s)", t.Fingerprint())
	}
	if k.Getenv("OP_SERVICE_ACCOUNT_TOKEN") != "" {
		k.Say("note: OP_SERVICE_ACCOUNT_TOKEN is set, and wins over the saved token while it is")
	}
	return nil
}

// Status names the credential a 1Password command would use, as ResolveAuth
// picks it: the desktop app when op-account is set, else a token.
func (k Keeper) Status(account string, timeout time.Duration) error {
	if account != "" {
		return k.desktopStatus(account, timeout)
	}
	var keyringErr error
	src := onepassword.CredentialSource{
		EnvToken: k.Getenv("OP_SERVICE_ACCOUNT_TOKEN"),
		KeyringToken: func() (string, error) {
			v, err := tokenEntry.Get(k.Ctx)
			keyringErr = err
			return v, err
		},
	}
	tok, source, err := onepassword.Token(src)
	if err != nil {
		if keyringErr != nil && !errors.Is(keyringErr, store.ErrNotFound) {
			return hint.With(fmt.Errorf("no 1Password service-account token in OP_SERVICE_ACCOUNT_TOKEN, and the OS keyring could not be read: %w", keyringErr))
		}
		return hint.With(errors.New("no 1Password service-account token: OP_SERVICE_ACCOUNT_TOKEN is unset and the OS keyring holds none"),
			"save one with zotkey token set, or use the desktop app with --op-account")
	}
	fmt.Fprintf(k.Out, "1Password service-account token from %s (%s)\n", source, key.Fingerprint(tok))
	if source == onepassword.SourceEnv {
		if v, err := tokenEntry.Get(k.Ctx); err == nil && v != "" && v != tok {
			fmt.Fprintf(k.Out, "not used while OP_SERVICE_ACCOUNT_TOKEN is set: the token saved in the OS keyring (%s)\n", key.Fingerprint(v))
		}
	}
	return nil
}

// desktopStatus names the desktop app as the credential in use, and any
// token that it leaves unused.
func (k Keeper) desktopStatus(account string, timeout time.Duration) error {
	auth, err := onepassword.ResolveAuth(onepassword.CredentialSource{Account: account, Timeout: timeout})
	if err != nil {
		return hint.With(err)
	}
	fmt.Fprintf(k.Out, "1Password sign-in through %s, set by op-account; the app may ask you to approve zotkey, and zotkey waits for it at most %s (op-timeout)\n",
		redact.Text(auth.Source), timeout)
	if v := k.Getenv("OP_SERVICE_ACCOUNT_TOKEN"); v != "" {
		fmt.Fprintf(k.Out, "not used while op-account is set: the service-account token in OP_SERVICE_ACCOUNT_TOKEN (%s)\n", key.Fingerprint(v))
	}
	if v, err := tokenEntry.Get(k.Ctx); err == nil && v != "" {
		fmt.Fprintf(k.Out, "not used while op-account is set: the service-account token saved in the OS keyring (%s)\n", key.Fingerprint(v))
	}
	return nil
}

// Delete removes the saved token.
func (k Keeper) Delete() error {
	deleted, err := tokenEntry.Delete(k.Ctx)
	if err != nil {
		return hint.With(err)
	}
	if !deleted {
		k.Say("no token was saved; nothing to delete")
		return nil
	}
	k.Say("deleted the 1Password service-account token from the OS keyring")
	return nil
}
