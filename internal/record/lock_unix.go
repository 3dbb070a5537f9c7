//go:build unix

package record

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes an exclusive flock, which the kernel drops when the process
// dies, so a killed run never leaves a stale lock.
func tryLock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrBusy
	}
	if err != nil {
		return &LockError{Path: f.Name(), Err: err}
	}
	return nil
}
