package main

import (
	"path/filepath"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// openWatches are the inotify descriptors of openwatch, by script.
var openWatches sync.Map // *testscript.TestScript → int

// cmdOpenwatch GLOB: from now on, note every open of the one file matching
// GLOB (relative to $WORK), by any process (inotify IN_OPEN), for opened.
func cmdOpenwatch(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: openwatch GLOB")
	}
	files, err := filepath.Glob(ts.MkAbs(args[0]))
	ts.Check(err)
	if len(files) != 1 {
		ts.Fatalf("openwatch: %s matches %d files, want 1", args[0], len(files))
	}
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	ts.Check(err)
	ts.Defer(func() { unix.Close(fd) })
	_, err = unix.InotifyAddWatch(fd, files[0], unix.IN_OPEN)
	ts.Check(err)
	openWatches.Store(ts, fd)
}

// cmdOpened: wait (10 s at most) until the file of openwatch has been opened
// since then.
func cmdOpened(ts *testscript.TestScript, neg bool, args []string) {
	v, ok := openWatches.Load(ts)
	if !ok {
		ts.Fatalf("opened: no openwatch")
	}
	buf := make([]byte, 4096)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if n, err := unix.Read(v.(int), buf); err == nil && n > 0 {
			return
		}
	}
	ts.Fatalf("opened: the file was not opened within 10s")
}
