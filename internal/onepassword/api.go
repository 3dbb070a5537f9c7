// Package onepassword is zotkey's only importer of the 1Password SDK. API is the
// narrow slice of the SDK zotkey uses; Field adapts one item field to
// store.Store. The in-memory 1Password the tests use is optest.Memory.
package onepassword

import (
	"context"
	"errors"
	"fmt"
	"time"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/store"
)

// API is what zotkey needs of 1Password, in the SDK's own types. Every call is
// one round trip through the SDK's single-threaded core.
type API interface {
	ListVaults(ctx context.Context) ([]op.VaultOverview, error)
	ListItems(ctx context.Context, vaultID string) ([]op.ItemOverview, error)
	GetItem(ctx context.Context, vaultID, itemID string) (op.Item, error)
	PutItem(ctx context.Context, item op.Item) (op.Item, error)
}

// Auth says how to sign in: the desktop app for Account, else Token (a
// service-account token). Exactly one is set. Source names where it came from.
// Timeout bounds each sign-in and read through the desktop app (zero:
// DefaultSignInTimeout).
type Auth struct {
	Account string
	Token   string
	Source  string
	Timeout time.Duration
}

// Where a service-account token comes from, as `zotkey token status` names it.
const (
	SourceEnv     = "OP_SERVICE_ACCOUNT_TOKEN"
	SourceKeyring = "the OS keyring"
)

// CredentialSource is where ResolveAuth looks, in order.
type CredentialSource struct {
	Account      string                 // --op-account
	Timeout      time.Duration          // --op-timeout
	EnvToken     string                 // OP_SERVICE_ACCOUNT_TOKEN
	KeyringToken func() (string, error) // the token saved by `zotkey token set`
}

// ResolveAuth picks the first way to sign in that is configured: the desktop
// app, else OP_SERVICE_ACCOUNT_TOKEN (which wins over a saved token, as with
// the 1Password CLI), else the token saved in the OS keyring.
func ResolveAuth(src CredentialSource) (Auth, error) {
	if src.Account != "" {
		if !cgoEnabled {
			return Auth{}, noCgoError()
		}
		return Auth{Account: src.Account, Source: DesktopSource(src.Account), Timeout: src.Timeout}, nil
	}
	tok, source, err := Token(src)
	if err != nil {
		return Auth{}, err
	}
	return Auth{Token: tok, Source: source}, nil
}

// DesktopSource names the desktop app as a credential.
func DesktopSource(account string) string { return "the 1Password app (account " + account + ")" }

// Token is the service-account token zotkey would use, and its source.
func Token(src CredentialSource) (token, source string, err error) {
	if src.EnvToken != "" {
		return src.EnvToken, SourceEnv, nil
	}
	var keyringProblem string
	if src.KeyringToken != nil {
		tok, err := src.KeyringToken()
		if err == nil && tok != "" {
			return tok, SourceKeyring, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			keyringProblem = fmt.Sprintf(" (the keyring could not be read: %v)", err)
		}
	}
	return "", "", fmt.Errorf("no 1Password credentials: pass --op-account NAME for the desktop app, save a service-account token with `zotkey token set`%s, or set OP_SERVICE_ACCOUNT_TOKEN", keyringProblem)
}

// Connect creates the SDK client. With a token this loads the WASM core, which
// costs seconds and ~160 MB, so callers create one client per run, only when
// needed. version is zotkey's build version; the SDK gets IntegrationVersion(version).
//
// Through the desktop app (auth.Account) no core is loaded, but the app may
// ask the user to approve zotkey, and the SDK's call waits for that without a
// context: it is abandoned after auth.Timeout (see desktopCall).
func Connect(ctx context.Context, auth Auth, version string) (API, error) {
	opts := []op.ClientOption{op.WithIntegrationInfo("zotkey", IntegrationVersion(version))}
	if auth.Account != "" {
		opts = append(opts, op.WithDesktopAppIntegration(auth.Account))
		connect := newClient // read here, not in the call that may be abandoned
		g := newGate()
		c, err := desktopCall(ctx, g, auth.Timeout, noAnswerError, func() (*op.Client, error) { return connect(ctx, opts...) })
		if err != nil {
			// The SDK's failures say where they happened; a timeout and the
			// no-cgo refusal (no SDK error inside) say it themselves.
			var e *Error
			if errors.As(err, &e) && e.err != nil && !errors.As(e.err, new(noAnswer)) {
				e.msg = "could not sign in to 1Password through the app: " + e.msg
			}
			return nil, err
		}
		return desktop{api: sdk{c}, timeout: auth.Timeout, gate: g}, nil
	}
	opts = append(opts, op.WithServiceAccountToken(auth.Token))
	c, err := newClient(ctx, opts...)
	if err != nil {
		e := classify(err).(*Error)
		e.msg = "could not sign in to 1Password: " + e.msg
		if e.Kind == KindOther || e.Kind == KindNotFound {
			e.Kind = KindAuth
		}
		return nil, e
	}
	return sdk{c}, nil
}

// ActiveOnly is the SDK's state filter for active items (types.go:1096-1099,
// :1150-1155).
var ActiveOnly = op.NewItemListFilterTypeVariantByState(&op.ItemListFilterByStateInner{Active: true, Archived: false})

// sdk forwards API to the real client; Field classifies its errors (client).
type sdk struct{ c *op.Client }

func (s sdk) ListVaults(ctx context.Context) ([]op.VaultOverview, error) {
	return s.c.Vaults().List(ctx)
}
func (s sdk) ListItems(ctx context.Context, vaultID string) ([]op.ItemOverview, error) {
	// Active items only, said explicitly (types.go:1096-1099, items.go:182):
	// which items the core lists without a filter is decided outside the
	// SDK's Go code, and an archived item must never match.
	return s.c.Items().List(ctx, vaultID, ActiveOnly)
}
func (s sdk) GetItem(ctx context.Context, vaultID, itemID string) (op.Item, error) {
	return s.c.Items().Get(ctx, vaultID, itemID)
}
func (s sdk) PutItem(ctx context.Context, item op.Item) (op.Item, error) {
	return s.c.Items().Put(ctx, item)
}

// DesktopSupported says whether this build can sign in through the 1Password
// desktop app: the SDK loads the app's library only with cgo.
func DesktopSupported() bool { return cgoEnabled }
