package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/eblume/zotkey/internal/clipboard"
	"github.com/eblume/zotkey/internal/config"
	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/input"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/keyring"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

// DefaultEnv is the real world.
func DefaultEnv(ctx context.Context, version string) *Env {
	return &Env{
		Ctx:       ctx,
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		Getenv:    os.Getenv,
		Clipboard: clipboard.System{},
		Now:       time.Now,
		Version:   version,
		Connect: func(ctx context.Context, a onepassword.Auth) (onepassword.API, error) {
			return onepassword.Connect(ctx, a, version)
		},
	}
}

// say prints one "zotkey:" line on stderr; like Report, through redact.Text,
// since its arguments may be flag values or registry answers.
func (e *Env) say(format string, args ...any) {
	fmt.Fprintf(e.Stderr, "zotkey: %s\n", redact.Text(fmt.Sprintf(format, args...)))
}

// onePassword is the run's one lazily created client.
func (e *Env) onePassword(g *Globals) *onepassword.Lazy {
	if e.op == nil {
		e.op = onepassword.NewLazy(func(ctx context.Context) (onepassword.API, error) {
			auth, err := onepassword.ResolveAuth(onepassword.CredentialSource{
				Account:      g.OpAccount,
				Timeout:      g.OpTimeout,
				KeyringToken: func() (string, error) { return keyring.Entry{User: keyring.TokenUser}.Get(ctx) },
				EnvToken:     e.Getenv("OP_SERVICE_ACCOUNT_TOKEN"),
			})
			if err != nil {
				return nil, err
			}
			return e.Connect(ctx, auth)
		})
	}
	return e.op
}

// keyStore is where --store says the key lives. For 1Password it starts
// connecting in the background now, since every caller is about to need it.
func (e *Env) keyStore(g *Globals, createField bool) store.Store {
	if g.Store == "keyring" {
		return keyring.Entry{User: g.Field}
	}
	lazy := e.onePassword(g)
	lazy.Start(e.Ctx)
	if sequential(e.Getenv) {
		_, _ = lazy.Get(e.Ctx) // the error, if any, comes back at first use
	}
	f := &onepassword.Field{Client: lazy.Get, Vault: g.Vault, Item: g.Item, Field: g.Field, CreateField: createField}
	// The IDs an earlier run found for the same names save the vault and item lookup.
	if rf, err := e.recordFile(g); err == nil {
		if r, err := rf.Load(); err == nil && r.OnePassword != nil && r.OnePassword.Vault == g.Vault && r.OnePassword.Item == g.Item {
			f.Known = onepassword.IDs{VaultID: r.OnePassword.VaultID, ItemID: r.OnePassword.ItemID}
		}
	}
	return f
}

// opIDs are the 1Password IDs s resolved this run, for the local record; nil
// for other stores.
func opIDs(s store.Store) *lifecycle.OnePasswordIDs {
	if f, ok := s.(*onepassword.Field); ok && f.IDs().ItemID != "" {
		return &lifecycle.OnePasswordIDs{Vault: f.Vault, Item: f.Item, VaultID: f.IDs().VaultID, ItemID: f.IDs().ItemID}
	}
	return nil
}

// registry is the run's one registry client. Commands call it before reading
// or storing anything, so a URL zotkey will not send a key to fails first; a
// permitted cleartext URL is warned about once a run.
func (e *Env) registry(g *Globals) (*zot.Client, error) {
	if e.reg != nil {
		return e.reg, nil
	}
	if g.Registry == "" {
		return nil, e.settings.NoRegistry()
	}
	c, err := zot.New(g.Registry, g.User, g.Timeout, g.AllowHTTP)
	if err != nil {
		return nil, driver.RegistryRefused(err)
	}
	if c.Cleartext() {
		e.say("warning: %s is plain http: the key travels unencrypted to a host other than this machine (--allow-http)", redact.Text(c.BaseURL))
	}
	e.reg = c
	return c, nil
}

// recordFile is the local record of the zot identity g names (registry and
// user), however the store, item or URL is spelled.
func (e *Env) recordFile(g *Globals) (*record.File, error) {
	if g.Registry == "" {
		return nil, e.settings.NoRegistry()
	}
	dir, err := config.StateDir(e.Getenv)
	if err != nil {
		return nil, withHint(err)
	}
	return record.Open(dir, g.Registry, g.User), nil
}

// lockRecord takes the identity's lock and loads the record
// (record.File.LockLoad). The caller unlocks.
func (e *Env) lockRecord(g *Globals) (*record.File, lifecycle.State, error) {
	f, err := e.recordFile(g)
	if err != nil {
		return nil, lifecycle.State{}, err
	}
	r, err := f.LockLoad(g.Registry, g.User)
	if err != nil {
		return nil, lifecycle.State{}, err
	}
	return f, r, nil
}

// storeName names the store the flags point at without touching it (no
// 1Password client), for paths that only read the local record.
func storeName(g *Globals) string {
	if g.Store == "keyring" {
		return keyring.Entry{User: g.Field}.String()
	}
	return (&onepassword.Field{Vault: g.Vault, Item: g.Item, Field: g.Field}).String()
}

// KeyInput is how set and verify take a key.
type KeyInput struct {
	From   string `enum:"auto,stdin,clipboard,prompt" default:"auto" placeholder:"SOURCE" help:"Where to read the key: ${enum} (auto: stdin when piped, else the clipboard)."`
	Format string `enum:"zot,any" default:"zot" placeholder:"FORMAT" help:"Key format to accept: zot (zak_ and 32 hex digits) or any (one printable line)."`
}

// read returns the parsed key and the source it came from (input.ReadKey).
func (in KeyInput) read(e *Env) (key.Key, input.Source, error) {
	r := input.Reader{Ctx: e.Ctx, Stdin: e.Stdin, Clipboard: e.Clipboard, OpenTTY: e.OpenTTY}
	return input.ReadKey(r, input.Source(in.From), key.Format(in.Format))
}
