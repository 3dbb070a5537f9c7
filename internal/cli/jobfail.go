package cli

import (
	"github.com/eblume/zotkey/internal/auto"
)

// NotifyJobFailure asks for a person when the daily job fails before its
// own steps (auto.PostCannotRun).
func NotifyJobFailure(e *Env, args []string, command string, err error) {
	auto.PostCannotRun(args, command, err, func(title, msg string) { postNotification(e, title, msg) })
}
