package clipboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/key"
)

// fakeClipboard answers Read with text, an error, or (hang) not at all.
type fakeClipboard struct {
	text    string
	err     error
	hang    chan struct{}
	written *string
}

func (f fakeClipboard) Read() (string, error) {
	if f.hang != nil {
		<-f.hang
	}
	if f.written != nil && *f.written != "unwritten" {
		return *f.written, nil // what was written since, as a real clipboard would
	}
	return f.text, f.err
}

func (f fakeClipboard) Write(s string) error { *f.written = s; return nil }

// TestClearKey: a key from elsewhere (quiet) clears only an exact match
// and says nothing otherwise; a clipboard that never answers costs at most
// clearWait.
func TestClearKey(t *testing.T) {
	old := clearWait
	clearWait = 50 * time.Millisecond
	defer func() { clearWait = old }()
	const secret = "zak_0123456789abcdef0123456789abcdef"
	k, err := key.Parse([]byte(secret), key.Zot)
	if err != nil {
		t.Fatal(err)
	}
	hang := make(chan struct{})
	defer close(hang)
	for _, tc := range []struct {
		name    string
		clip    fakeClipboard
		quiet   bool
		said    string
		cleared bool
	}{
		{"match", fakeClipboard{text: secret + "\n"}, true, "zotkey: cleared the clipboard\n", true},
		{"other", fakeClipboard{text: "something else"}, true, "", false},
		{"no clipboard", fakeClipboard{err: errors.New("no display")}, true, "", false},
		{"no answer", fakeClipboard{hang: hang}, true, "", false},
		{"no answer, from the clipboard", fakeClipboard{hang: hang}, false, "zotkey: warning: could not clear the clipboard: the clipboard did not answer within 50ms\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			written := "unwritten"
			tc.clip.written = &written
			var stderr bytes.Buffer
			say := func(format string, args ...any) { fmt.Fprintf(&stderr, "zotkey: %s\n", fmt.Sprintf(format, args...)) }
			start := time.Now()
			ClearKey(context.Background(), tc.clip, k.Reveal(), tc.quiet, say)
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
			if stderr.String() != tc.said {
				t.Errorf("said %q, want %q", stderr.String(), tc.said)
			}
			if (written == "") != tc.cleared {
				t.Errorf("clipboard written %q, cleared want %v", written, tc.cleared)
			}
			if strings.Contains(stderr.String(), secret) {
				t.Error("the key was printed")
			}
		})
	}
}
