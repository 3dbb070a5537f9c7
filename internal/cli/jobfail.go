package cli

import (
	"github.com/eblume/zotkey/internal/auto"
	"github.com/eblume/zotkey/internal/notify"
)

// NotifyJobFailure asks for a person when the daily job fails before its
// own steps (auto.CannotRun); a failure that already posted a notification
// posts none.
func NotifyJobFailure(e *Env, args []string, command string, err error) {
	if msg, ok := auto.CannotRun(args, command, err); ok && !notify.Posted() {
		postNotification(e, auto.NotifyTitle, msg)
	}
}
