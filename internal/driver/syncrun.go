package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/eblume/zotkey/internal/redact"
)

// StopWait is how long a sync's process group has to end after it was asked
// to stop (SIGTERM) before it is killed (SIGKILL): when zotkey is stopped,
// when the sync outlives sync-timeout, and when it leaves processes behind.
// launchd gives a job 20 s, systemd 90 s.
var StopWait = 5 * time.Second

// DrainWait is how long zotkey reads the sync's output after the sync's
// process group is gone: only a process the sync moved out of its group
// (setsid, a daemon) can still hold the output open, and zotkey stops
// reading it then, so such a process can neither wedge zotkey nor fail a
// good sync.
var DrainWait = time.Second

// SyncTimeoutError is a sync stopped because it outlived its bound.
type SyncTimeoutError struct{ Timeout time.Duration }

func (e *SyncTimeoutError) Error() string {
	return fmt.Sprintf("the sync did not finish within sync-timeout (%s) and was stopped; if it needs longer, raise sync-timeout in the settings file", Duration(e.Timeout))
}

// Duration prints d as a person writes it: 30m, 1h, 1h30m, 2s.
func Duration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Command is the sync as a program and its arguments (the settings key sync,
// or the words after -- on set, rotate and auto). It runs with no stdin
// (nobody may be there to answer), with the environment zotkey has (which
// never holds a key), in its own process group with the sync lock as an
// inherited file, and its output goes to out with the keys filtered out in
// every form redact knows, since a verbose sync may print what it pushed (or
// a diff of what it replaced).
//
// The sync's end is its first process's exit status: 0 is a good sync, even
// when it left processes running (cmd &); those are stopped as a group
// (SIGTERM, then SIGKILL after StopWait) and say tells so. A cancelled ctx (a
// stop asked of zotkey, or the driver's sync-timeout) stops the whole group
// the same way. say may be nil.
func Command(argv []string, out io.Writer, say func(string, ...any)) SyncFunc {
	return func(ctx context.Context, secrets []string, lock *os.File) error {
		if len(argv) == 0 {
			return errors.New("the sync command is empty")
		}
		filter := redact.NewFilter(out, secrets...)
		defer filter.Close()
		pr, pw, err := os.Pipe()
		if err != nil {
			return fmt.Errorf("the sync could not start: %w", err)
		}
		defer pr.Close()
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdin = nil
		// An *os.File: the sync writes to the pipe itself, and Wait does not
		// wait for whoever else holds it.
		cmd.Stdout, cmd.Stderr = pw, pw
		if lock != nil {
			cmd.ExtraFiles = []*os.File{lock}
		}
		group(cmd)
		err = cmd.Start()
		pw.Close()
		if err != nil {
			return fmt.Errorf("the sync could not start: %w", err)
		}
		copied := make(chan struct{})
		go func() {
			defer close(copied)
			if _, err := io.Copy(filter, pr); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				// out is gone (a closed terminal): keep the pipe drained, so
				// the sync never blocks on a full pipe.
				_, _ = io.Copy(io.Discard, pr)
			}
		}()
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()

		var runErr error
		stopped := false
		select {
		case runErr = <-exited:
		case <-ctx.Done():
			stopped = true
			runErr = stopGroup(cmd, exited)
		}
		// Whatever the sync left running in its group goes too.
		if !stopped && groupAlive(cmd) {
			_ = stopGroup(cmd, nil)
			if say != nil {
				say("the sync left processes running after it ended; zotkey stopped them (SIGTERM to its process group)")
			}
		}
		// The group is gone; what can still hold the output open left the
		// group on purpose. Read what is there, then stop reading.
		_ = pr.SetReadDeadline(time.Now().Add(DrainWait))
		<-copied
		if stopped {
			return fmt.Errorf("the sync was stopped: %w", context.Cause(ctx))
		}
		if runErr != nil {
			return fmt.Errorf("the sync failed: %w", runErr)
		}
		return nil
	}
}

// stopGroup asks the sync's process group to end, kills it after StopWait,
// and, when exited is given, returns the first process's end.
func stopGroup(cmd *exec.Cmd, exited <-chan error) error {
	terminateGroup(cmd)
	deadline := time.Now().Add(StopWait)
	var err error
	waited := exited == nil
	for time.Now().Before(deadline) {
		if !waited {
			select {
			case err = <-exited:
				waited = true
			case <-time.After(20 * time.Millisecond):
			}
		} else {
			if !groupAlive(cmd) {
				return err
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	killGroup(cmd)
	if !waited {
		err = <-exited // SIGKILL cannot be ignored
	}
	// Reap what was killed, so nothing of the group is left, not even a
	// zombie (bounded: a process in uninterruptible sleep ends later).
	for end := time.Now().Add(time.Second); groupAlive(cmd) && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	return err
}
