package auto

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/notify"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

// CannotRun is the notification that asks for a person when the daily job
// (zotkey auto) fails without having told anyone: a command line, variable or
// settings file it cannot parse, a HOME it cannot use, a record it cannot
// open. Those fail before the job's own steps, so they would repeat every
// day, silently, until the key expires. command is the command kong parsed
// ("" when parsing failed; the arguments then say whether auto was asked
// for). It is false for another command, no failure or an interrupt.
func CannotRun(args []string, command string, err error) (string, bool) {
	if err == nil || errors.Is(err, context.Canceled) || !asksForAuto(args, command) {
		return "", false
	}
	fix := ""
	for _, h := range hint.Hints(err) {
		if !strings.HasPrefix(h, "run zotkey --help") {
			fix += " " + sentence(h)
		}
	}
	var self interface{ Hint() string }
	if errors.As(err, &self) && self.Hint() != "" {
		for _, l := range strings.Split(self.Hint(), "\n") {
			fix += " " + sentence(l)
		}
	}
	if fix == "" {
		fix = " Fix what it names: the job's command line, a ZOTKEY_* variable, or the settings file (zotkey --help lists them)."
	}
	fix += " Then check with zotkey doctor and run: mise run rotate-zot-key --auto (zot-rotate --auto)."
	return redact.Text(notify.Message("the daily zot key job cannot run: "+err.Error(), strings.TrimSpace(fix))), true
}

// asksForAuto says whether the run is zotkey auto: the parsed command, else
// a word "auto" before the first "--" (after which come the sync's words).
func asksForAuto(args []string, command string) bool {
	if command != "" {
		return command == "auto" || strings.HasPrefix(command, "auto ")
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "auto" {
			return true
		}
	}
	return false
}

// ownHint is the hint err carries (the keyring's, 1Password's, a hint.Error's), or "".
func ownHint(err error) string {
	var self interface{ Hint() string }
	if errors.As(err, &self) && self.Hint() != "" {
		return self.Hint()
	}
	if hs := hint.Hints(err); len(hs) > 0 {
		return hs[0]
	}
	return ""
}

// sentence is s with a capital first letter and a final period.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	// "macOS" and the program's name keep their case
	if first, _, _ := strings.Cut(s, " "); strings.ToLower(first) == first && !strings.HasPrefix(s, "zotkey") {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// SignInError marks a failure to sign in to 1Password, so the job can tell
// it from the store's other errors; its text is the failure's own.
type SignInError struct{ Err error }

func (s *SignInError) Error() string { return s.Err.Error() }
func (s *SignInError) Unwrap() error { return s.Err }

// Classify says what kind of person-needed failure err is.
func Classify(err error) Kind {
	var s *SignInError
	switch {
	case errors.Is(err, zot.ErrRejected):
		return KeyDead
	case errors.As(err, &s):
		return SignIn
	case errors.Is(err, store.ErrNotFound):
		return NoKey
	}
	return Failed
}

// SignInTodo is what to do when the job could not sign in to 1Password,
// through the desktop app or else a service-account token.
func SignInTodo(desktop bool) string {
	if desktop {
		return "Approve zotkey in 1Password (unlock the app), then run: zot-rotate"
	}
	return "Check the service-account token (zotkey token status), then run: zotkey auto"
}

// CheckEvery is how often the job reads the stored key with nothing due:
// every, else a day, or a week with the 1Password desktop app (desktop),
// whose sign-in may prompt.
func CheckEvery(every time.Duration, desktop bool) time.Duration {
	switch {
	case every != 0:
		return every
	case desktop:
		return 7 * 24 * time.Hour
	}
	return 24 * time.Hour
}

// Post posts a notification on the system's notifier (even once ctx is
// cancelled: a stopped job still asks for a person); a failure to post is
// said, not returned.
func Post(ctx context.Context, title, msg string, say func(format string, args ...any)) {
	if err := notify.System.Post(context.WithoutCancel(ctx), title, msg); err != nil {
		say("warning: could not post a desktop notification: %v", err)
	}
}

// PostCannotRun asks for a person when the daily job fails before its own
// steps (CannotRun); a failure that already posted a notification posts none.
func PostCannotRun(args []string, command string, err error, post func(title, msg string)) {
	if msg, ok := CannotRun(args, command, err); ok && !notify.Posted() {
		post(NotifyTitle, msg)
	}
}
