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

// Command is the sync as a program and its arguments (the settings key sync,
// or the words after -- on set, rotate and auto). It runs with no stdin
// (nobody may be there to answer), with the environment zotkey has (which
// never holds the key), and its output goes to out with the key filtered
// out in every form redact knows, since a verbose sync may print what it
// pushed. SIGINT or SIGTERM reach it as an interrupt.
func Command(argv []string, out io.Writer) SyncFunc {
	return func(ctx context.Context, secret string) error {
		if len(argv) == 0 {
			return errors.New("the sync command is empty")
		}
		filter := redact.NewFilter(out, secret)
		defer filter.Close()
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdin = nil
		cmd.Stdout, cmd.Stderr = filter, filter
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 30 * time.Second
		if err := cmd.Run(); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted during the sync: %w", ctx.Err())
			}
			return fmt.Errorf("the sync failed: %w", err)
		}
		return nil
	}
}
