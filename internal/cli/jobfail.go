package cli

import (
	"context"
	"errors"
	"strings"

	"github.com/eblume/zotkey/internal/auto"
	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/notify"
	"github.com/eblume/zotkey/internal/redact"
)

// NotifyJobFailure asks for a person when the daily job (zotkey auto) fails
// without having told anyone: a command line, variable or settings file it
// cannot parse, a HOME it cannot use, a record it cannot open. Those fail
// before the job's own steps, so they would repeat every day, silently,
// until the key expires. command is the command kong parsed ("" when parsing
// failed; the arguments then say whether auto was asked for). A failure that
// already posted a notification, or an interrupt, posts none.
func NotifyJobFailure(e *Env, args []string, command string, err error) {
	if err == nil || errors.Is(err, context.Canceled) || notify.Posted() || !asksForAuto(args, command) {
		return
	}
	msg := "The daily zot key job cannot run: " + sentence(err.Error())
	fix := ""
	for _, h := range hint.Hints(err) {
		if !strings.HasPrefix(h, "run zotkey --help") {
			fix += " " + sentence(h)
		}
	}
	var self interface{ Hint() string }
	if errors.As(err, &self) && self.Hint() != "" {
		fix += " " + sentence(self.Hint())
	}
	if fix == "" {
		fix = " Fix what it names: the job's command line, a ZOTKEY_* variable, or the settings file (zotkey --help lists them)."
	}
	msg += fix + " Then check with zotkey doctor and run: mise run rotate-zot-key --auto (zot-rotate --auto)."
	postNotification(e, auto.NotifyTitle, redact.Text(msg))
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

// sentence is s with a capital first letter and a final period.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
