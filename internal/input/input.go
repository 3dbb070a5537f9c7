// Package input reads a key from where the user put it: a pipe on stdin, the
// clipboard, or a hidden prompt on the terminal. Every read is bounded, and
// every read ends at once when its context does (SIGINT, SIGTERM).
package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/eblume/zotkey/internal/clipboard"
	"github.com/eblume/zotkey/internal/store"
)

// MaxBytes bounds every read: a key is 36 bytes, so more is the wrong thing piped in.
const MaxBytes = 64 << 10

// Source says where to read from.
type Source string

const (
	Auto      Source = "auto" // stdin when it is not a terminal, else the clipboard
	Stdin     Source = "stdin"
	Clipboard Source = "clipboard"
	Prompt    Source = "prompt"
)

// Reader reads keys. OpenTTY defaults to opening /dev/tty. Ctx (default: never
// done) ends a read that is still waiting for input.
type Reader struct {
	Ctx       context.Context
	Stdin     *os.File
	Clipboard clipboard.Clipboard
	OpenTTY   func() (*os.File, error)
}

// Read returns the raw bytes from src and the source actually used (Auto resolved).
func (r Reader) Read(src Source, prompt string) ([]byte, Source, error) {
	if src == Auto {
		src = Clipboard
		if !isTerminal(r.Stdin) {
			src = Stdin
		}
	}
	var (
		b   []byte
		err error
	)
	switch src {
	case Stdin:
		b, err = r.readStdin()
	case Clipboard:
		b, err = r.readClipboard()
	case Prompt:
		b, err = r.readPrompt(prompt)
	default:
		err = fmt.Errorf("unknown source %q", string(src))
	}
	return b, src, err
}

func (r Reader) readStdin() ([]byte, error) {
	if r.Stdin == nil {
		return nil, errors.New("no stdin to read from: pipe the key in, or use --from clipboard or --from prompt")
	}
	if isTerminal(r.Stdin) {
		// Typing a key into a terminal echoes it; the prompt hides it.
		return nil, errors.New("stdin is a terminal, not a pipe: pipe the key in (pbpaste | zotkey set) or use --from prompt to type it hidden")
	}
	return untilDone(r.ctx(), func() ([]byte, error) { return readBounded(r.Stdin, "stdin") })
}

func (r Reader) ctx() context.Context {
	if r.Ctx == nil {
		return context.Background()
	}
	return r.Ctx
}

// interrupted is a read ended by a signal; it is a context.Canceled, so the
// run exits 130. Nothing is stored before the input is read, so the message
// says so: the user who pressed Ctrl-C need not check.
type interrupted struct{}

func (interrupted) Error() string { return "interrupted while waiting for input; nothing was stored" }
func (interrupted) Unwrap() error { return context.Canceled }

// untilDone runs a blocking read and returns as soon as ctx is done: a read of a
// pipe, a terminal or a clipboard tool cannot itself be cancelled, and the
// user's Ctrl-C or a SIGTERM must not wait for input that may never come.
func untilDone[T any](ctx context.Context, read func() (T, error)) (T, error) {
	v, err := store.Await(ctx, read)
	switch {
	case ctx.Err() == nil || !errors.Is(err, ctx.Err()):
		return v, err
	case errors.Is(err, context.Canceled):
		return v, interrupted{}
	}
	return v, fmt.Errorf("stopped while waiting for input (%w); nothing was stored", err)
}

func (r Reader) readClipboard() ([]byte, error) {
	if r.Clipboard == nil {
		return nil, errors.New("no clipboard available")
	}
	s, err := untilDone(r.ctx(), r.Clipboard.Read)
	if err != nil {
		return nil, err
	}
	if len(s) > MaxBytes {
		return nil, fmt.Errorf("the clipboard holds %d bytes, more than the %d KiB a key could be: copy the key again", len(s), MaxBytes>>10)
	}
	return []byte(s), nil
}

func (r Reader) readPrompt(prompt string) ([]byte, error) {
	open := r.OpenTTY
	if open == nil {
		open = func() (*os.File, error) { return os.OpenFile("/dev/tty", os.O_RDWR, 0) }
	}
	tty, err := open()
	if err != nil || !isTerminal(tty) {
		if tty != nil {
			tty.Close()
		}
		return nil, errors.New("no terminal to prompt on: pipe the key on stdin or use --from clipboard")
	}
	fd := int(tty.Fd())
	// The terminal's state before echo goes off, to restore it ourselves when a
	// signal ends the read (ReadPassword restores it only when it returns).
	saved, err := term.GetState(fd)
	if err != nil {
		tty.Close()
		return nil, fmt.Errorf("could not read from the terminal: %v", err)
	}
	fmt.Fprint(tty, prompt)
	b, err := untilDone(r.ctx(), func() ([]byte, error) { return term.ReadPassword(fd) })
	if err != nil && r.ctx().Err() != nil && errors.Is(err, r.ctx().Err()) {
		// The read is still pending on tty, so tty stays open (the process exits next).
		_ = term.Restore(fd, saved)
		fmt.Fprintln(tty)
		return nil, err
	}
	fmt.Fprintln(tty)
	tty.Close()
	if err != nil {
		return nil, fmt.Errorf("could not read from the terminal: %v", err)
	}
	if len(b) > MaxBytes {
		return nil, fmt.Errorf("the prompt got %d bytes, more than the %d KiB a key could be", len(b), MaxBytes>>10)
	}
	return b, nil
}

func readBounded(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("could not read %s: %v", name, err)
	}
	if len(b) > MaxBytes {
		return nil, fmt.Errorf("%s has more than %d KiB, far more than a key: is the wrong thing piped in?", name, MaxBytes>>10)
	}
	return b, nil
}

func isTerminal(f *os.File) bool { return f != nil && term.IsTerminal(int(f.Fd())) }

// ReadSecret reads a non-key secret (a service-account token) from a stdin pipe,
// or from a hidden prompt when stdin is a terminal.
func (r Reader) ReadSecret(prompt string) ([]byte, error) {
	src := Stdin
	if isTerminal(r.Stdin) {
		src = Prompt
	}
	b, _, err := r.Read(src, prompt)
	return b, err
}
