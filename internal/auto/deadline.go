package auto

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/hint"
)

// TimeoutError is the daily job stopped by its own deadline (job-timeout),
// the cause of the job's context.
type TimeoutError struct{ Timeout time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the daily zot key job did not finish within job-timeout (%s) and was stopped", driver.Duration(e.Timeout))
}

// BackstopGrace is how long past job-timeout the job may take to stop its
// steps (a sync's stop takes driver.StopWait and driver.DrainWait) before
// the backstop ends the process.
var BackstopGrace = 30 * time.Second

// Deadline replaces *ctx with the job's context, cancelled at limit with a
// *TimeoutError as its cause: every step honours it (the sync is stopped as
// a group). With backstop, a step that ignores it (a call that never
// returns) must not keep this job, and so the next one, from running:
// BackstopGrace after the deadline the backstop posts a notification, writes
// the same line to log and ends the process (the record keeps what the
// steps saved; the locks go with the process). The returned func releases
// both.
func Deadline(ctx *context.Context, limit time.Duration, backstop bool, notify func(msg string), log io.Writer) func() {
	c, cancel := context.WithTimeoutCause(*ctx, limit, &TimeoutError{Timeout: limit})
	*ctx = c
	if !backstop {
		return cancel
	}
	t := time.AfterFunc(limit+BackstopGrace, func() {
		what := (&TimeoutError{Timeout: limit}).Error() + ", and a step did not stop within " + driver.Duration(BackstopGrace) + " of it"
		notify(sentence(what) + " See the job's log, then run: zotkey auto (or zot-rotate --auto).")
		fmt.Fprintln(log, "zotkey: error: "+what)
		os.Exit(hint.ExitError)
	})
	return func() { t.Stop(); cancel() }
}
