// Package hint is zotkey's error shape: an error with the lines that say
// what to do next and the exit code it ends the run with, and Report, which
// prints it as "zotkey: error:" and "zotkey: hint:" lines.
package hint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/eblume/zotkey/internal/redact"
)

// Exit codes, as documented in docs/troubleshooting.md.
const (
	ExitOK          = 0
	ExitError       = 1   // a step failed or an input was rejected
	ExitUsage       = 2   // the command line (or the settings file) was wrong
	ExitExpiring    = 3   // status --warn-days: the key expires soon or has expired
	ExitInterrupted = 130 // SIGINT or SIGTERM
)

// Error is an error with lines that say what to do next.
type Error struct {
	Err   error
	Hints []string
	Code  int
	Warn  bool // printed as "zotkey: warning:": the run did what was asked
	Alone bool // a usage error whose one line says what to do: no hint added
}

func (h *Error) Error() string { return h.Err.Error() }
func (h *Error) Unwrap() error { return h.Err }

// With attaches next steps to err.
func With(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Hints: hints, Code: ExitError}
}

// Alone is a usage error (exit 2) printed as its one line, which already
// says what to do.
func Alone(err error) error { return &Error{Err: err, Code: ExitUsage, Alone: true} }

// Code makes err end the run with code.
func Code(code int, err error) error {
	var h *Error
	if errors.As(err, &h) {
		return &Error{Err: h.Err, Hints: h.Hints, Code: code, Warn: h.Warn}
	}
	return &Error{Err: err, Code: code}
}

// Warning ends the run with code, worded as a warning rather than an error:
// the command worked, and its finding is what the exit code reports.
func Warning(code int, err error, hints ...string) error {
	return &Error{Err: err, Hints: hints, Code: code, Warn: true}
}

// Hints are the hints err carries, if any.
func Hints(err error) []string {
	var h *Error
	if errors.As(err, &h) {
		return h.Hints
	}
	return nil
}

// Report prints err as one "zotkey: error:" line (or "zotkey: warning:") plus
// any "zotkey: hint:" lines and returns the exit code. Every line goes through
// redact.Text: an error may quote a flag value, a registry answer or a parse
// error, none of which may print a key or forge a line.
func Report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	code := ExitError
	level := "error"
	var hints []string
	var h *Error
	if errors.As(err, &h) {
		code, hints = h.Code, h.Hints
		if h.Warn {
			level = "warning"
		}
	}
	// An error that knows what to do about itself (1Password's, the keyring's) adds its hint.
	var self interface{ Hint() string }
	if errors.As(err, &self) && self.Hint() != "" {
		// One line a cause or a step: a hint may hold several.
		hints = append(hints, strings.Split(self.Hint(), "\n")...)
	}
	if errors.Is(err, context.Canceled) {
		code = ExitInterrupted
	}
	fmt.Fprintf(w, "zotkey: %s: %s\n", level, redact.Text(err.Error()))
	for _, l := range hints {
		fmt.Fprintf(w, "zotkey: hint: %s\n", redact.Text(l))
	}
	return code
}

// Usage marks a command-line mistake: exit code 2, and the hints err
// already carries, else a pointer to --help.
func Usage(err error) error {
	var hints []string
	var h *Error
	if errors.As(err, &h) {
		hints = append(hints, h.Hints...)
	}
	if len(hints) == 0 && (h == nil || !h.Alone) {
		hints = append(hints, "run zotkey --help (or zotkey COMMAND --help) for the commands and flags")
	}
	return &Error{Err: err, Hints: hints, Code: ExitUsage}
}
