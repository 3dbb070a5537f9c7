package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestReportExitCodes(t *testing.T) {
	interrupted := fmt.Errorf("the new key does not work: %w", context.Canceled)
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("x"), ExitError},
		{withHint(errors.New("x"), "do y"), ExitError},
		{exitCode(ExitExpiring, errors.New("x")), ExitExpiring},
		{UsageError(errors.New("x")), ExitUsage},
		{withHint(fmt.Errorf("%w; the new key was revoked", interrupted)), ExitInterrupted},
	} {
		var b bytes.Buffer
		if got := Report(&b, c.err); got != c.want {
			t.Errorf("Report(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	var b bytes.Buffer
	Report(&b, withHint(errors.New("bad thing"), "do this", "or that"))
	if want := "zotkey: error: bad thing\nzotkey: hint: do this\nzotkey: hint: or that\n"; b.String() != want {
		t.Errorf("Report wrote %q, want %q", b.String(), want)
	}
}
