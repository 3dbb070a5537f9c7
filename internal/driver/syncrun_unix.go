//go:build unix

package driver

import (
	"errors"
	"os/exec"
	"syscall"
)

// group starts the sync in its own process group, so a stop reaches all of
// it.
func group(cmd *exec.Cmd) {
	adopt()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// terminateGroup asks the sync's process group to end.
func terminateGroup(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }

// killGroup ends what is left of the sync's process group.
func killGroup(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }

// groupAlive reports whether any process is left in the sync's group (a
// zombie not yet reaped counts until its new parent reaps it).
func groupAlive(cmd *exec.Cmd) bool {
	reap(cmd)
	return !errors.Is(syscall.Kill(-cmd.Process.Pid, 0), syscall.ESRCH)
}
