//go:build unix

package harden

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// noCore sets RLIMIT_CORE to 0, soft and hard, so nothing can raise it again.
func noCore() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("could not turn off core dumps: %v", err)
	}
	return nil
}
