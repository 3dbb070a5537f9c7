// Package onepassword is zotkey's only importer of the 1Password SDK. API is the
// narrow slice of the SDK zotkey uses; Field adapts one item field to
// store.Store; Memory is an in-memory API with failure injection for tests.
package onepassword

import (
	"context"
	"errors"
	"fmt"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/store"
)

// API is what zotkey needs of 1Password, in the SDK's own types.
type API interface {
	ListVaults(ctx context.Context) ([]op.VaultOverview, error)
	ListItems(ctx context.Context, vaultID string) ([]op.ItemOverview, error)
	GetItem(ctx context.Context, vaultID, itemID string) (op.Item, error)
	PutItem(ctx context.Context, item op.Item) (op.Item, error)
}

// Auth says how to sign in: the desktop app for Account, else Token (a
// service-account token). Exactly one is set.
type Auth struct {
	Account string
	Token   string
}

// CredentialSource is where ResolveAuth looks, in order.
type CredentialSource struct {
	Account      string                 // --op-account
	KeyringToken func() (string, error) // the token saved by `zotkey token set`
	EnvToken     string                 // OP_SERVICE_ACCOUNT_TOKEN
}

// ResolveAuth picks the first way to sign in that is configured.
func ResolveAuth(src CredentialSource) (Auth, error) {
	if src.Account != "" {
		if !cgoEnabled {
			return Auth{}, errors.New("--op-account uses the 1Password desktop app, which needs zotkey built with cgo (CGO_ENABLED=1 go install …); this binary has no cgo: use a service-account token instead (zotkey token set)")
		}
		return Auth{Account: src.Account}, nil
	}
	var keyringProblem string
	if src.KeyringToken != nil {
		tok, err := src.KeyringToken()
		if err == nil && tok != "" {
			return Auth{Token: tok}, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			keyringProblem = fmt.Sprintf(" (the keyring could not be read: %v)", err)
		}
	}
	if src.EnvToken != "" {
		return Auth{Token: src.EnvToken}, nil
	}
	return Auth{}, fmt.Errorf("no 1Password credentials: pass --op-account NAME for the desktop app, save a service-account token with `zotkey token set`%s, or set OP_SERVICE_ACCOUNT_TOKEN", keyringProblem)
}

// Connect creates the SDK client. With a token this loads the WASM core, which
// costs seconds and ~160 MB, so callers create one client per run, only when needed.
func Connect(ctx context.Context, auth Auth, version string) (API, error) {
	opts := []op.ClientOption{op.WithIntegrationInfo("zotkey", version)}
	if auth.Account != "" {
		opts = append(opts, op.WithDesktopAppIntegration(auth.Account))
	} else {
		opts = append(opts, op.WithServiceAccountToken(auth.Token))
	}
	c, err := op.NewClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("could not sign in to 1Password: %v", err)
	}
	return sdk{c}, nil
}

// sdk forwards API to the real client.
type sdk struct{ c *op.Client }

func (s sdk) ListVaults(ctx context.Context) ([]op.VaultOverview, error) {
	return s.c.Vaults().List(ctx)
}
func (s sdk) ListItems(ctx context.Context, vaultID string) ([]op.ItemOverview, error) {
	return s.c.Items().List(ctx, vaultID)
}
func (s sdk) GetItem(ctx context.Context, vaultID, itemID string) (op.Item, error) {
	return s.c.Items().Get(ctx, vaultID, itemID)
}
func (s sdk) PutItem(ctx context.Context, item op.Item) (op.Item, error) {
	return s.c.Items().Put(ctx, item)
}
