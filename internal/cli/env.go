package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/eblume/zotkey/internal/clipboard"
	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/input"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/redact"
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

// session is the run's one way to the store, the registry and the record
// (driver.Session), made on first use from the parsed globals.
func (e *Env) session(g *Globals) *driver.Session {
	if e.sess == nil {
		e.sess = &driver.Session{
			Where: driver.Where{Store: g.Store, Vault: g.Vault, Item: g.Item, Field: g.Field, Registry: g.Registry, User: g.User,
				OpAccount: g.OpAccount, OpTimeout: g.OpTimeout, Timeout: g.Timeout, AllowHTTP: g.AllowHTTP},
			Ctx: e.Ctx, Getenv: e.Getenv, Now: e.Now, Say: e.say, Stderr: e.Stderr, Connect: e.Connect,
			NoRegistry: e.settings.NoRegistry,
		}
	}
	return e.sess
}

// open opens the run's registry, record (locked) and store (driver.Session.Open).
func (e *Env) open(g *Globals, o driver.Opts) (*driver.Run, error) {
	return e.session(g).Open(o)
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
