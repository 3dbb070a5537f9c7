package auto_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/auto"
)

// A job step that ignores the job's deadline (it blocks forever) cannot keep
// the process: the backstop notifies, writes the line to the log and ends
// the process non-zero. Run in a child process, which it ends.
func TestBackstopEndsAJobWhoseStepIgnoresTheDeadline(t *testing.T) {
	if os.Getenv("ZOTKEY_TEST_BACKSTOP") == "1" {
		auto.BackstopGrace = 10 * time.Millisecond
		ctx := context.Background()
		defer auto.Deadline(&ctx, 10*time.Millisecond, true, func(msg string) { os.Stdout.WriteString("notified: " + msg + "\n") }, os.Stderr)()
		<-ctx.Done()
		select {} // a step that never returns
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBackstopEndsAJobWhoseStepIgnoresTheDeadline$")
	cmd.Env = append(os.Environ(), "ZOTKEY_TEST_BACKSTOP=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("the child ended with %v; want exit 1", err)
	}
	if !strings.Contains(string(out), "notified: The daily zot key job did not finish within job-timeout (10ms) and was stopped, and a step did not stop") ||
		!strings.Contains(stderr.String(), "zotkey: error: the daily zot key job did not finish within job-timeout (10ms)") {
		t.Fatalf("stdout %q, stderr %q", out, stderr.String())
	}
}

// The job's context ends at job-timeout with the timeout as its cause.
func TestDeadlineCauseIsTheJobTimeout(t *testing.T) {
	ctx := context.Background()
	stop := auto.Deadline(&ctx, time.Millisecond, false, nil, nil)
	defer stop()
	<-ctx.Done()
	var terr *auto.TimeoutError
	if !errors.As(context.Cause(ctx), &terr) || terr.Timeout != time.Millisecond {
		t.Fatalf("cause %v", context.Cause(ctx))
	}
}
