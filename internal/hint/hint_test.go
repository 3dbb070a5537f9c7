package hint

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
		{With(errors.New("x"), "do y"), ExitError},
		{Code(ExitExpiring, errors.New("x")), ExitExpiring},
		{Usage(errors.New("x")), ExitUsage},
		{With(fmt.Errorf("%w; the new key was revoked", interrupted)), ExitInterrupted},
	} {
		var b bytes.Buffer
		if got := Report(&b, c.err); got != c.want {
			t.Errorf("Report(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	var b bytes.Buffer
	Report(&b, With(errors.New("bad thing"), "do this", "or that"))
	if want := "zotkey: error: bad thing\nzotkey: hint: do this\nzotkey: hint: or that\n"; b.String() != want {
		t.Errorf("Report wrote %q, want %q", b.String(), want)
	}
}

// TestReportRedacts: whatever an error quotes (a flag value, a registry
// answer, a kong parse error) prints without a key and on one line.
func TestReportRedacts(t *testing.T) {
	var b bytes.Buffer
	err := With(fmt.Errorf("unexpected argument zak_0123456789abcdef0123456789abcdef\nzotkey: hint: forged"), "see zak_0123456789ABCDEF0123456789abcdef")
	Report(&b, err)
	want := "zotkey: error: unexpected argument zak_<redacted>\\nzotkey: hint: forged\nzotkey: hint: see zak_<redacted>\n"
	if b.String() != want {
		t.Errorf("Report wrote %q, want %q", b.String(), want)
	}
	b.Reset()
	if code := Report(&b, Warning(ExitExpiring, errors.New("the key expires soon"))); code != ExitExpiring || b.String() != "zotkey: warning: the key expires soon\n" {
		t.Errorf("warning: code %d, wrote %q", code, b.String())
	}
}
