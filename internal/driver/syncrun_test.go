package driver_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/lifecycle"
)

// A sync that never returns by itself (a SyncFunc that waits for its ctx,
// as a simulation's hung sync does) is ended by the driver's SyncTimeout:
// the sync is recorded as ended unconfirmed, the replaced key kept, and the
// error says it was the timeout.
func TestSyncTimeoutEndsAHungSyncUnconfirmed(t *testing.T) {
	w := newWorld(t)
	d, f := w.driver(nil)
	defer f.Unlock()
	d.SyncTimeout = 50 * time.Millisecond
	hung := false
	d.Sync = func(ctx context.Context, _ []string, _ *os.File) error {
		hung = true
		<-ctx.Done()
		return ctx.Err()
	}
	err := round(d, lifecycle.Ask{Rotate: true, Policy: lifecycle.Policy{Sync: true}})
	var serr *driver.SyncError
	var terr *driver.SyncTimeoutError
	if !hung || !errors.As(err, &serr) || !serr.Timeout || !errors.As(err, &terr) {
		t.Fatalf("hung %v, err %v; want a sync timeout", hung, err)
	}
	if d.State.Sync != nil || d.State.AwaitingSync() != 1 {
		t.Fatalf("record after the timeout: sync %+v, awaiting %d; want ended, 1 key kept", d.State.Sync, d.State.AwaitingSync())
	}
}

// Stopping a sync reaches its whole process group, and a process that
// ignores SIGTERM is killed after StopWait; the sync's output up to then
// arrives.
func TestStoppedSyncGroupIsKilledAfterStopWait(t *testing.T) {
	old := driver.StopWait
	driver.StopWait = 200 * time.Millisecond
	t.Cleanup(func() { driver.StopWait = old })
	dir := t.TempDir()
	script := `trap '' TERM; sleep 1000 & echo $! > "$1/worker"; echo started; touch "$1/ready"; wait; wait`
	var out bytes.Buffer
	sync := driver.Command([]string{"sh", "-c", script, "sh", dir}, &out, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sync(ctx, nil, nil) }()
	waitFile(t, filepath.Join(dir, "ready"))
	cancel()
	err := <-done
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v; want the sync stopped", err)
	}
	if !strings.Contains(out.String(), "started") {
		t.Fatalf("output %q did not arrive", out.String())
	}
	assertGone(t, filepath.Join(dir, "worker"))
}

// A sync whose first process exits 0 is good, however long what it started
// outside its group keeps the output open: zotkey stops reading after
// DrainWait.
func TestStrayHolderOfOutputCannotFailAGoodSync(t *testing.T) {
	dir := t.TempDir()
	script := `setsid sh -c 'echo $$ > "$1/stray"; exec sleep 1000' sh "$1" & while [ ! -s "$1/stray" ]; do sleep 0.01; done; echo pushed`
	var out bytes.Buffer
	start := time.Now()
	err := driver.Command([]string{"sh", "-c", script, "sh", dir}, &out, nil)(context.Background(), nil, nil)
	took := time.Since(start)
	if b, rerr := os.ReadFile(filepath.Join(dir, "stray")); rerr == nil {
		if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if err != nil || !strings.Contains(out.String(), "pushed") {
		t.Fatalf("err %v, output %q; want a good sync with its output", err, out.String())
	}
	if took > driver.DrainWait+10*time.Second {
		t.Fatalf("took %s", took)
	}
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s never appeared", path)
}

// assertGone fails unless the process whose pid is in file has ended and
// been reaped.
func assertGone(t *testing.T, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 {
		t.Fatalf("no pid in %s", file)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d still exists (kill -0: %v)", pid, err)
	}
}

// A SyncFunc that reports its own timeout (a simulation on a virtual clock)
// is taken as one: recorded unconfirmed, a timeout for the caller.
func TestSyncFuncReportingItsTimeoutIsATimeout(t *testing.T) {
	w := newWorld(t)
	d, f := w.driver(nil)
	defer f.Unlock()
	d.SyncTimeout = 30 * time.Minute
	d.Sync = func(context.Context, []string, *os.File) error {
		return &driver.SyncTimeoutError{Timeout: 30 * time.Minute}
	}
	err := round(d, lifecycle.Ask{Rotate: true, Policy: lifecycle.Policy{Sync: true}})
	var serr *driver.SyncError
	if !errors.As(err, &serr) || !serr.Timeout || !strings.Contains(err.Error(), "sync-timeout (30m)") {
		t.Fatalf("err %v; want a sync timeout naming 30m", err)
	}
	if d.State.Sync != nil || d.State.AwaitingSync() != 1 {
		t.Fatalf("record: sync %+v, awaiting %d", d.State.Sync, d.State.AwaitingSync())
	}
}
