package driver

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/eblume/zotkey/internal/config"
	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/keyring"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

// Where is what the global flags name: the store, the zot identity, and how
// to reach them.
type Where struct {
	Store, Vault, Item, Field string
	Registry, User            string
	OpAccount                 string
	OpTimeout, Timeout        time.Duration
	AllowHTTP                 bool
}

// Connect creates the 1Password client; a Session calls it at most once.
type Connect = func(context.Context, onepassword.Auth) (onepassword.API, error)

// Session is one process's way to the outside world: the registry client,
// the 1Password client, the store and the record, each made at most once,
// and only when a command needs it. Every record write of a command goes
// through it (Open, then the Run's methods, or RecordCheck).
type Session struct {
	Where
	Ctx     context.Context
	Getenv  func(string) string
	Now     func() time.Time
	Say     func(format string, args ...any)
	Stderr  io.Writer // the sync's output
	Connect Connect
	// NoRegistry is the error for settings that name no registry.
	NoRegistry func() error

	op   *onepassword.Lazy
	reg  *zot.Client
	file *record.File
}

// OnePassword is the run's one lazily created 1Password client.
func (s *Session) OnePassword() *onepassword.Lazy {
	if s.op == nil {
		s.op = onepassword.NewLazy(func(ctx context.Context) (onepassword.API, error) {
			auth, err := onepassword.ResolveAuth(s.Credential())
			if err != nil {
				return nil, err
			}
			return s.Connect(ctx, auth)
		})
	}
	return s.op
}

// Credential is where a 1Password sign-in finds its credential.
func (s *Session) Credential() onepassword.CredentialSource {
	return onepassword.CredentialSource{
		Account:      s.OpAccount,
		Timeout:      s.OpTimeout,
		KeyringToken: func() (string, error) { return keyring.Entry{User: keyring.TokenUser}.Get(s.Ctx) },
		EnvToken:     s.Getenv("OP_SERVICE_ACCOUNT_TOKEN"),
	}
}

// WatchSignIn wraps the run's 1Password client so that a failed sign-in is
// wrap(err) wherever it surfaces.
func (s *Session) WatchSignIn(wrap func(error) error) {
	inner := s.OnePassword()
	s.op = onepassword.NewLazy(func(ctx context.Context) (onepassword.API, error) {
		api, err := inner.Get(ctx)
		if err != nil {
			return nil, wrap(err)
		}
		return api, nil
	})
}

// KeyStore is where the flags say the key lives. For 1Password it starts
// connecting in the background now, since every caller is about to need it.
func (s *Session) KeyStore(createField bool) store.Store {
	if s.Store == "keyring" {
		return keyring.Entry{User: s.Field}
	}
	lazy := s.OnePassword()
	lazy.Start(s.Ctx)
	if sequential(s.Getenv) {
		_, _ = lazy.Get(s.Ctx) // the error, if any, comes back at first use
	}
	f := &onepassword.Field{Client: lazy.Get, Vault: s.Vault, Item: s.Item, Field: s.Field, CreateField: createField}
	// The IDs an earlier run found for the same names save the vault and item lookup.
	if r, err := s.Load(); err == nil && r.OnePassword != nil && r.OnePassword.Vault == s.Vault && r.OnePassword.Item == s.Item {
		f.Known = onepassword.IDs{VaultID: r.OnePassword.VaultID, ItemID: r.OnePassword.ItemID}
	}
	return f
}

// KeyringEntry is the keyring entry the flags name (doctor's check).
func (s *Session) KeyringEntry() keyring.Entry { return keyring.Entry{User: s.Field} }

// StoreField is the 1Password field the flags name, on the run's client
// (doctor's check); nil for the keyring.
func (s *Session) StoreField() *onepassword.Field {
	if s.Store == "keyring" {
		return nil
	}
	return &onepassword.Field{Client: s.OnePassword().Get, Vault: s.Vault, Item: s.Item, Field: s.Field}
}

// StoreName names the store the flags point at without touching it (no
// 1Password client), for paths that only read the local record.
func (s *Session) StoreName() string {
	if s.Store == "keyring" {
		return keyring.Entry{User: s.Field}.String()
	}
	return (&onepassword.Field{Vault: s.Vault, Item: s.Item, Field: s.Field}).String()
}

// opIDs are the 1Password IDs st resolved this run, for the local record;
// nil for other stores.
func opIDs(st store.Store) *lifecycle.OnePasswordIDs {
	if f, ok := st.(*onepassword.Field); ok && f.IDs().ItemID != "" {
		return &lifecycle.OnePasswordIDs{Vault: f.Vault, Item: f.Item, VaultID: f.IDs().VaultID, ItemID: f.IDs().ItemID}
	}
	return nil
}

// Registry is the run's one registry client. Commands call it before reading
// or storing anything, so a URL zotkey will not send a key to fails first; a
// permitted cleartext URL is warned about once a run.
func (s *Session) Registry() (*zot.Client, error) {
	if s.reg != nil {
		return s.reg, nil
	}
	if s.Where.Registry == "" {
		return nil, s.NoRegistry()
	}
	c, err := zot.New(s.Where.Registry, s.User, s.Timeout, s.AllowHTTP)
	if err != nil {
		return nil, RegistryRefused(err)
	}
	if c.Cleartext() {
		s.Say("warning: %s is plain http: the key travels unencrypted to a host other than this machine (--allow-http)", redact.Text(c.BaseURL))
	}
	s.reg = c
	return c, nil
}

// Record is the local record of the zot identity the flags name (registry
// and user), however the store, item or URL is spelled.
func (s *Session) Record() (*record.File, error) {
	if s.file != nil {
		return s.file, nil
	}
	if s.Where.Registry == "" {
		return nil, s.NoRegistry()
	}
	dir, err := config.StateDir(s.Getenv)
	if err != nil {
		return nil, hint.With(err)
	}
	s.file = record.Open(dir, s.Where.Registry, s.User)
	return s.file, nil
}

// Load reads the record for a read-only command: no lock, nothing written
// or deleted, an old-format record read as it is. ErrNone when there is
// none.
func (s *Session) Load() (lifecycle.State, error) {
	f, err := s.Record()
	if err != nil {
		return lifecycle.State{}, err
	}
	return f.Load()
}

// OldFormat says whether the record is in the first format, read as it is
// (no lock, nothing written): a check of it is then read-only (Opts.ReadOnly).
func (s *Session) OldFormat() bool {
	f, err := s.Record()
	if err != nil {
		return false
	}
	_, err = f.Load()
	return err == nil && f.Old()
}

// Moved is the did-you-mean for a store that holds no key when the record
// has the key elsewhere: it names the recorded store, and what storing a key
// in the one the flags name would do; fallback when the record names the
// same store, or none, or cannot be read.
func (s *Session) Moved(fallback string) string {
	st, err := s.Load()
	if err != nil || st.Store == "" || st.Store == s.StoreName() {
		return fallback
	}
	return fmt.Sprintf("the record has the key in %s: did you mean that? Storing a key here moves the record to %s", st.Store, s.StoreName())
}

// ErrNone means no record has been written yet.
var ErrNone = record.ErrNone

// ErrBusy means another zotkey run holds the lock of this identity.
var ErrBusy = record.ErrBusy
