package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strings"
	"sync"
)

// Forms are the ways a known secret can show in text: as itself, in hex, and
// in standard or URL base64 at any of the three byte alignments it may have
// inside a longer encoded string (go-keyring-base64:…, a JSON blob, a
// base64-encoded body). Each base64 form is the part of the encoding that
// depends on the secret's bytes alone.
func Forms(secret string) []string {
	if secret == "" {
		return nil
	}
	forms := []string{secret, hex.EncodeToString([]byte(secret)), strings.ToUpper(hex.EncodeToString([]byte(secret)))}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for pad := 0; pad < 3; pad++ {
			b := enc.EncodeToString(append(make([]byte, pad), secret...))
			start := 0
			if pad > 0 {
				start = 4
			}
			end := (pad + len(secret)) / 3 * 4
			if end-start >= 8 {
				forms = append(forms, b[start:end])
			}
		}
	}
	return forms
}

// Filter passes text through to W with every form of one secret replaced by
// Placeholder. It holds back a line until its end (or until it is long), so a
// secret split across writes is still caught; Close writes what is held.
type Filter struct {
	W       io.Writer
	forms   [][]byte
	longest int
	mu      sync.Mutex
	buf     []byte
}

// NewFilter filters the forms of secret out of what is written to w.
func NewFilter(w io.Writer, secret string) *Filter {
	f := &Filter{W: w}
	for _, s := range Forms(secret) {
		f.forms = append(f.forms, []byte(s))
		f.longest = max(f.longest, len(s))
	}
	return f
}

// maxHeld bounds a line held back: past it, all but a possible secret's
// length is written.
const maxHeld = 64 << 10

func (f *Filter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf = append(f.buf, p...)
	// Replace before cutting: an occurrence that starts before the cut ends
	// inside what is held, so it is whole here.
	for _, form := range f.forms {
		f.buf = bytes.ReplaceAll(f.buf, form, []byte(Placeholder))
	}
	cut := bytes.LastIndexByte(f.buf, '\n') + 1
	if cut == 0 && len(f.buf) > maxHeld {
		cut = len(f.buf) - f.longest
	}
	if cut > 0 {
		if err := f.flush(cut); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (f *Filter) flush(n int) error {
	out := f.buf[:n]
	for _, form := range f.forms {
		out = bytes.ReplaceAll(out, form, []byte(Placeholder))
	}
	_, err := f.W.Write(out)
	f.buf = append(f.buf[:0], f.buf[n:]...)
	return err
}

// Close writes what is held back.
func (f *Filter) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.buf) == 0 {
		return nil
	}
	return f.flush(len(f.buf))
}
