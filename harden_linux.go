package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// notDumpable marks the process not dumpable (hardenProcess).
func notDumpable() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("could not mark the process not dumpable: %v", err)
	}
	return nil
}
