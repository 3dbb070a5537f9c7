package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Exit codes, as documented in the README.
const (
	ExitOK          = 0
	ExitError       = 1   // a step failed or an input was rejected
	ExitUsage       = 2   // the command line was wrong
	ExitExpiring    = 3   // status --warn-days: the key expires soon or has expired
	ExitInterrupted = 130 // SIGINT
)

// hinted is an error with lines that say what to do next.
type hinted struct {
	err   error
	hints []string
	code  int
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// withHint attaches next steps to err.
func withHint(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hints: hints, code: ExitError}
}

// exitCode makes err end the run with code.
func exitCode(code int, err error) error {
	var h *hinted
	if errors.As(err, &h) {
		return &hinted{err: h.err, hints: h.hints, code: code}
	}
	return &hinted{err: err, code: code}
}

// Report prints err as one "zotkey: error:" line plus any "zotkey: hint:" lines
// and returns the exit code.
func Report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	code := ExitError
	var hints []string
	var h *hinted
	if errors.As(err, &h) {
		code, hints = h.code, h.hints
	}
	// An error that knows what to do about itself (1Password's, the keyring's) adds its hint.
	var self interface{ Hint() string }
	if errors.As(err, &self) && self.Hint() != "" {
		hints = append(hints, self.Hint())
	}
	if errors.Is(err, context.Canceled) {
		code = ExitInterrupted
	}
	fmt.Fprintf(w, "zotkey: error: %v\n", err)
	for _, l := range hints {
		fmt.Fprintf(w, "zotkey: hint: %s\n", l)
	}
	return code
}

// UsageError marks a command-line mistake: exit code 2 and a pointer to --help.
func UsageError(err error) error {
	return &hinted{err: err, hints: []string{"run zotkey --help (or zotkey COMMAND --help) for the commands and flags"}, code: ExitUsage}
}
