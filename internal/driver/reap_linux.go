package driver

import (
	"os/exec"
	"sync"
	"syscall"
)

var subreaper sync.Once

// adopt makes zotkey the parent of whatever the sync leaves behind when its
// own parent ends (PR_SET_CHILD_SUBREAPER), so zotkey can reap it: in a
// container whose first process reaps nothing, a stopped leftover would
// otherwise stay a zombie, still counted in the sync's group.
func adopt() {
	subreaper.Do(func() {
		const prSetChildSubreaper = 36 // linux/prctl.h
		_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	})
}

// reap collects the ended processes of the sync's group that zotkey
// adopted. Called only once the group's first process was waited for, so it
// never takes that one's status from exec.Cmd.Wait.
func reap(cmd *exec.Cmd) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-cmd.Process.Pid, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
	}
}
