//go:build unix

package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// The key stays out of core dumps: a crash (or GOTRACEBACK=crash, or a signal
// like SIGQUIT) must not write the process's memory, which holds the key, to
// disk. hardenProcess runs first thing in main, before any secret is read: the
// core size limit goes to 0, soft and hard, so nothing can raise it again, and
// on Linux the process is also marked not dumpable (harden_linux.go), which
// also keeps other processes of the same user from attaching to it (ptrace) or
// reading its memory through /proc. On macOS (and the BSDs) the limit is the
// whole job: macOS writes cores only when the limit allows it, and it is 0 by
// default there anyway.
func hardenProcess() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("could not turn off core dumps: %v", err)
	}
	return notDumpable()
}
