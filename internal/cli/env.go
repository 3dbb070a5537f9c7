package cli

import (
	"context"
	"os"
	"time"

	"github.com/eblume/zotkey/internal/driver"
)

// DefaultEnv is the real world.
func DefaultEnv(ctx context.Context, version string) *Env {
	return &Env{
		Ctx:       ctx,
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		Getenv:    os.Getenv,
		Clipboard: driver.SystemClipboard(),
		Now:       time.Now,
		Version:   version,
		Connect:   driver.ConnectOnePassword(version),
	}
}

// say prints one "zotkey:" line on stderr (driver.Sayer: through the one
// redaction, since its arguments may be flag values or registry answers).
func (e *Env) say(format string, args ...any) { driver.Sayer(e.Stderr)(format, args...) }

// terminal is where a person gives a key or a token.
func (e *Env) terminal() driver.Terminal {
	return driver.Terminal{Ctx: e.Ctx, Stdin: e.Stdin, Clipboard: e.Clipboard, OpenTTY: e.OpenTTY}
}

// session is the run's one way to the store, the registry and the record
// (driver.Session), made on first use from the parsed globals; it keeps
// e.Ctx as it is then (auto makes it after setting its deadline).
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

// read returns the parsed key and whether it came from the clipboard
// (driver.Terminal.ReadKey).
func (in KeyInput) read(e *Env) (driver.Key, bool, error) {
	return e.terminal().ReadKey(in.From, in.Format)
}
