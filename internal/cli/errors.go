package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

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

// hinted is an error with lines that say what to do next.
type hinted struct {
	err   error
	hints []string
	code  int
	warn  bool // printed as "zotkey: warning:": the run did what was asked
	alone bool // a usage error whose one line says what to do: no hint added
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

// alone is a usage error (exit 2) printed as its one line, which already
// says what to do.
func alone(err error) error { return &hinted{err: err, code: ExitUsage, alone: true} }

// exitCode makes err end the run with code.
func exitCode(code int, err error) error {
	var h *hinted
	if errors.As(err, &h) {
		return &hinted{err: h.err, hints: h.hints, code: code, warn: h.warn}
	}
	return &hinted{err: err, code: code}
}

// warning ends the run with code, worded as a warning rather than an error:
// the command worked, and its finding is what the exit code reports.
func warning(code int, err error, hints ...string) error {
	return &hinted{err: err, hints: hints, code: code, warn: true}
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
	var h *hinted
	if errors.As(err, &h) {
		code, hints = h.code, h.hints
		if h.warn {
			level = "warning"
		}
	}
	// An error that knows what to do about itself (1Password's, the keyring's) adds its hint.
	var self interface{ Hint() string }
	if errors.As(err, &self) && self.Hint() != "" {
		hints = append(hints, self.Hint())
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

// UsageError marks a command-line mistake: exit code 2, and the hints err
// already carries, else a pointer to --help.
func UsageError(err error) error {
	var hints []string
	var h *hinted
	if errors.As(err, &h) {
		hints = append(hints, h.hints...)
	}
	if len(hints) == 0 && (h == nil || !h.alone) {
		hints = append(hints, "run zotkey --help (or zotkey COMMAND --help) for the commands and flags")
	}
	return &hinted{err: err, hints: hints, code: ExitUsage}
}

// KeyArgument is the error for a key given as an argument: refused, and the
// key treated as exposed, since the shell history and the process list
// (ps, /proc/PID/cmdline) have already seen it.
func KeyArgument() error {
	return withHint(errors.New("an argument looks like a zot API key (zak_<redacted>); zotkey never takes a key as an argument"),
		"that key is now exposed (shell history, process list): if it is the stored key, rotate it again: zotkey rotate; otherwise revoke it in the zot web UI",
		"pass a key on stdin (pbpaste | zotkey set), or use --from clipboard or --from prompt")
}
