package harden

import (
	"fmt"

	"golang.org/x/sys/unix"
)

func process() error {
	if err := noCore(); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("could not mark the process not dumpable: %v", err)
	}
	return nil
}
