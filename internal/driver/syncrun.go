package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/eblume/zotkey/internal/redact"
)

// stopWait is how long a sync has to end after it was asked to stop (SIGTERM
// to its process group) before it is killed; launchd gives a job 20 s.
const stopWait = 5 * time.Second

// Command is the sync as a program and its arguments (the settings key sync,
// or the words after -- on set, rotate and auto). It runs with no stdin
// (nobody may be there to answer), with the environment zotkey has (which
// never holds a key), in its own process group with the sync lock as an
// inherited file, and its output goes to out with the keys filtered out in
// every form redact knows, since a verbose sync may print what it pushed (or
// a diff of what it replaced). A stop asked of zotkey (SIGINT, SIGTERM)
// reaches the whole group.
func Command(argv []string, out io.Writer) SyncFunc {
	return func(ctx context.Context, secrets []string, lock *os.File) error {
		if len(argv) == 0 {
			return errors.New("the sync command is empty")
		}
		filter := redact.NewFilter(out, secrets...)
		defer filter.Close()
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdin = nil
		cmd.Stdout, cmd.Stderr = filter, filter
		if lock != nil {
			cmd.ExtraFiles = []*os.File{lock}
		}
		group(cmd)
		cmd.WaitDelay = stopWait
		err := cmd.Run()
		killGroup(cmd) // anything of the sync's still running once it ended or was stopped
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted during the sync: %w", ctx.Err())
			}
			return fmt.Errorf("the sync failed: %w", err)
		}
		return nil
	}
}
