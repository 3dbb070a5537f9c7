package cli

import (
	"errors"
	"io"

	"github.com/eblume/zotkey/internal/hint"
)

// Exit codes, as documented in docs/troubleshooting.md (internal/hint).
const (
	ExitOK          = hint.ExitOK
	ExitError       = hint.ExitError
	ExitUsage       = hint.ExitUsage
	ExitExpiring    = hint.ExitExpiring
	ExitInterrupted = hint.ExitInterrupted
)

// The hinted errors of internal/hint, under the names the commands use.
var (
	withHint = hint.With
	exitCode = hint.Code
	warning  = hint.Warning
)

// Report prints err as "zotkey: error:" and "zotkey: hint:" lines and returns
// the exit code (hint.Report).
func Report(w io.Writer, err error) int { return hint.Report(w, err) }

// UsageError marks a command-line mistake: exit code 2 (hint.Usage).
func UsageError(err error) error { return hint.Usage(err) }

// KeyArgument is the error for a key given as an argument: refused, and the
// key treated as exposed, since the shell history and the process list
// (ps, /proc/PID/cmdline) have already seen it.
func KeyArgument() error {
	return withHint(errors.New("an argument looks like a zot API key (zak_<redacted>); zotkey never takes a key as an argument"),
		"that key is now exposed (shell history, process list): if it is the stored key, rotate it again: zotkey rotate; otherwise revoke it in the zot web UI",
		"pass a key on stdin (pbpaste | zotkey set), or use --from clipboard or --from prompt")
}
