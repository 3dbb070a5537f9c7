package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/eblume/zotkey/internal/clipboard"
	"github.com/eblume/zotkey/internal/input"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/keyring"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/record"
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

// say prints one "zotkey:" line on stderr.
func (e *Env) say(format string, args ...any) {
	fmt.Fprintf(e.Stderr, "zotkey: "+format+"\n", args...)
}

// sequential is the benchmark's switch (ZOTKEY_SEQUENTIAL=1) that waits for the
// 1Password client before any other work instead of overlapping with it.
func (e *Env) sequential() bool { return e.Getenv("ZOTKEY_SEQUENTIAL") == "1" }

// onePassword is the run's one lazily created client.
func (e *Env) onePassword(g *Globals) *onepassword.Lazy {
	if e.op == nil {
		e.op = onepassword.NewLazy(func(ctx context.Context) (onepassword.API, error) {
			auth, err := onepassword.ResolveAuth(onepassword.CredentialSource{
				Account:      g.OpAccount,
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
	if e.sequential() {
		_, _ = lazy.Get(e.Ctx) // the error, if any, comes back at first use
	}
	f := &onepassword.Field{Client: lazy.Get, Vault: g.Vault, Item: g.Item, Field: g.Field, CreateField: createField}
	// The IDs an earlier run found save the vault and item lookup.
	if path, err := e.recordPath(g); err == nil {
		if r, err := record.Load(path); err == nil && r.OnePassword != nil {
			f.Known = onepassword.IDs{VaultID: r.OnePassword.VaultID, ItemID: r.OnePassword.ItemID}
		}
	}
	return f
}

// opIDs are the 1Password IDs s resolved this run, for the local record; nil
// for other stores.
func opIDs(s store.Store) *record.OnePasswordIDs {
	if f, ok := s.(*onepassword.Field); ok && f.IDs().ItemID != "" {
		return &record.OnePasswordIDs{VaultID: f.IDs().VaultID, ItemID: f.IDs().ItemID}
	}
	return nil
}

func (e *Env) registry(g *Globals) *zot.Client { return zot.New(g.Registry, g.User, g.Timeout) }

// recordPath is the local record of the key that g names.
func (e *Env) recordPath(g *Globals) (string, error) {
	dir, err := record.Dir(e.Getenv)
	if err != nil {
		return "", err
	}
	return record.Path(dir, storeName(g), g.Registry, g.User), nil
}

// storeName names the store without touching it (no 1Password client), for
// paths that only read the local record.
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

// read returns the parsed key and the source it came from.
func (in KeyInput) read(e *Env) (key.Key, input.Source, error) {
	r := input.Reader{Stdin: e.Stdin, Clipboard: e.Clipboard, OpenTTY: e.OpenTTY}
	raw, src, err := r.Read(input.Source(in.From), "zotkey: paste the new key (input hidden): ")
	if err != nil {
		return key.Key{}, src, withHint(fmt.Errorf("reading the key from %s: %w", src, err))
	}
	k, err := key.Parse(raw, key.Format(in.Format))
	if err != nil {
		return key.Key{}, src, withHint(fmt.Errorf("the key from %s was rejected: %w", src, err), "nothing was stored; copy the key again and retry")
	}
	return k, src, nil
}
