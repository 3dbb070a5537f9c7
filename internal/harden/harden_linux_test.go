package harden

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestProcess checks the process itself; the binary is checked from outside
// by testdata/script/security/no_core_dump.txtar.
func TestProcess(t *testing.T) {
	if err := Process(); err != nil {
		t.Fatal(err)
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur != 0 || lim.Max != 0 {
		t.Errorf("RLIMIT_CORE = %d/%d, want 0/0", lim.Cur, lim.Max)
	}
	d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d != 0 {
		t.Errorf("PR_GET_DUMPABLE = %d, want 0", d)
	}
}
