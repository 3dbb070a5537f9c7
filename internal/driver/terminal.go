package driver

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/eblume/zotkey/internal/clipboard"
	"github.com/eblume/zotkey/internal/input"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/token"
)

// This file is the person's side of a run: the terminal and clipboard a key
// or token is read from, and the lines said back.

// Key is a zot API key held in memory (internal/key): it prints as its
// fingerprint, never its value.
type Key = key.Key

// Clipboard is the system clipboard (internal/clipboard).
type Clipboard = clipboard.Clipboard

// SystemClipboard is the real clipboard.
func SystemClipboard() Clipboard { return clipboard.System{} }

// ConnectOnePassword is the real 1Password client's constructor.
func ConnectOnePassword(version string) Connect {
	return func(ctx context.Context, a onepassword.Auth) (onepassword.API, error) {
		return onepassword.Connect(ctx, a, version)
	}
}

// Sayer prints one "zotkey:" line on w; like hint.Report, through
// redact.Text, since its arguments may be flag values or registry answers.
func Sayer(w io.Writer) func(format string, args ...any) {
	return func(format string, args ...any) {
		fmt.Fprintf(w, "zotkey: %s\n", redact.Text(fmt.Sprintf(format, args...)))
	}
}

// Terminal is where set, verify and token set read what a person gives.
type Terminal struct {
	Ctx       context.Context
	Stdin     *os.File
	Clipboard Clipboard
	OpenTTY   func() (*os.File, error) // nil: /dev/tty
}

// ReadKey reads a key from (auto, stdin, clipboard, prompt) in format (zot,
// any) (input.ReadKey); fromClipboard says where it came from.
func (t Terminal) ReadKey(from, format string) (k Key, fromClipboard bool, err error) {
	r := input.Reader{Ctx: t.Ctx, Stdin: t.Stdin, Clipboard: t.Clipboard, OpenTTY: t.OpenTTY}
	k, src, err := input.ReadKey(r, input.Source(from), key.Format(format))
	return k, src == input.Clipboard, err
}

// ClearKey clears k from the clipboard if it is still there
// (clipboard.ClearKey); quiet when it did not come from the clipboard.
func (t Terminal) ClearKey(k Key, fromClipboard bool, say func(string, ...any)) {
	clipboard.ClearKey(t.Ctx, t.Clipboard, k.Reveal(), !fromClipboard, say)
}

// Tokens is the keeper of the 1Password service-account token in the OS
// keyring, reading a new one from the terminal.
func (t Terminal) Tokens(out io.Writer, say func(string, ...any), getenv func(string) string) token.Keeper {
	return token.Keeper{Ctx: t.Ctx, Read: input.Reader{Ctx: t.Ctx, Stdin: t.Stdin, OpenTTY: t.OpenTTY}, Out: out, Say: say, Getenv: getenv}
}

// ReadStored reads the key the store holds (verify --stored).
func (s *Session) ReadStored() (Key, error) {
	return store.ReadKey(s.Ctx, s.KeyStore(false))
}

// DryRunVerb is what a dry run of set would do to the store, in words (""
// when it would write nothing).
func (r PutResult) DryRunVerb() string {
	switch r.Outcome {
	case store.WouldWrite:
		return "replace the value of"
	case store.WouldCreate:
		return "create"
	}
	return ""
}

// Unchanged says the store already held the key.
func (r PutResult) Unchanged() bool { return r.Outcome == store.Unchanged }
