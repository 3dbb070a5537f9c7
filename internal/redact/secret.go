package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io"
	"regexp"
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
	forms := []string{secret, hex.EncodeToString([]byte(secret))}
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

// noise is what a dump puts between the characters of a form: spaces and
// line breaks (od, xxd -p, wrapped base64), colons and commas, and the \x or
// 0x of a byte list.
const noise = `(?:[\s:,]|\\x|0x)*`

// pattern matches any form of the secrets with noise between its characters;
// hex forms in either case.
func pattern(secrets []string) *regexp.Regexp {
	var alts []string
	for _, s := range secrets {
		for i, f := range Forms(s) {
			var b strings.Builder
			if i == 1 {
				b.WriteString("(?i:")
			} else {
				b.WriteString("(?:")
			}
			for j, r := range f {
				if j > 0 {
					b.WriteString(noise)
				}
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
			b.WriteString(")")
			alts = append(alts, b.String())
		}
	}
	if len(alts) == 0 {
		return nil
	}
	return regexp.MustCompile(strings.Join(alts, "|"))
}

// Filter passes text through to W with every form of the secrets replaced by
// Placeholder, also when a dump spreads a form over several lines or
// separates its bytes. It holds back the last part of what it was given, as
// long as a spread form could be, so a secret split across writes is still
// caught; Close writes what is held.
type Filter struct {
	W    io.Writer
	re   *regexp.Regexp
	hold int
	mu   sync.Mutex
	buf  []byte
}

// NewFilter filters the forms of the secrets out of what is written to w.
func NewFilter(w io.Writer, secrets ...string) *Filter {
	f := &Filter{W: w, re: pattern(secrets)}
	for _, s := range secrets {
		// A hex form is the longest; each of its characters may be spread
		// by a few characters of noise.
		f.hold = max(f.hold, 8*len(hex.EncodeToString([]byte(s))))
	}
	return f
}

func (f *Filter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf = append(f.buf, p...)
	f.redact()
	// Flush whole lines up to what must be held back: an occurrence that
	// starts before the cut ends inside what is held, so it was whole here.
	cut := len(f.buf) - f.hold
	if cut <= 0 {
		return len(p), nil
	}
	if nl := bytes.LastIndexByte(f.buf[:cut], '\n'); nl >= 0 {
		cut = nl + 1
	}
	if err := f.flush(cut); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (f *Filter) redact() {
	if f.re != nil {
		f.buf = f.re.ReplaceAll(f.buf, []byte(Placeholder))
	}
}

func (f *Filter) flush(n int) error {
	_, err := f.W.Write(f.buf[:n])
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
	f.redact()
	return f.flush(len(f.buf))
}
