package input

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestInterruptedSaysNothingStored: a read cut short by Ctrl-C ends at once,
// counts as an interruption (exit 130) and says that nothing was stored.
func TestInterruptedSaysNothingStored(t *testing.T) {
	r, w, err := os.Pipe() // a pipe that never delivers
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = Reader{Ctx: ctx, Stdin: r}.Read(Stdin, "")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want a context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "nothing was stored") {
		t.Errorf("error %q does not say that nothing was stored", err)
	}
}

// TestEmptyStdinReadsEmpty: stdin from /dev/null is read as empty input (the
// caller rejects it), never a hang.
func TestEmptyStdinReadsEmpty(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	b, src, err := Reader{Stdin: null}.Read(Auto, "")
	if err != nil || len(b) != 0 || src != Stdin {
		t.Errorf("got %q from %s, %v; want empty input from stdin", b, src, err)
	}
}

// TestDeadlineSaysNothingStored: a read that runs out of time says so, and
// that nothing was stored.
func TestDeadlineSaysNothingStored(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	_, _, err = Reader{Ctx: ctx, Stdin: r}.Read(Stdin, "")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "nothing was stored") {
		t.Errorf("error %v, want a deadline that says nothing was stored", err)
	}
}
