// Package redact makes text that came from outside (registry answers, flag
// values, parse errors) safe to print: key-shaped text is replaced, and control
// characters are shown escaped, so nothing can forge a line or drive the terminal.
package redact

import (
	"strconv"
	"strings"
	"unicode"
)

// Placeholder stands where a key-shaped string was.
const Placeholder = "zak_<redacted>"

// keyAt reports whether a zot API key (zak_ and 32 hex digits, any case)
// starts at s[i]. Matched by hand: a regexp compiled at start-up would cost
// every zotkey run, most of which print nothing from outside.
func keyAt(s string, i int) bool {
	const prefix, hexLen = "zak_", 32
	if len(s)-i < len(prefix)+hexLen || !strings.EqualFold(s[i:i+len(prefix)], prefix) {
		return false
	}
	for _, c := range []byte(s[i+len(prefix) : i+len(prefix)+hexLen]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// HasKey reports whether s holds key-shaped text.
func HasKey(s string) bool {
	for i := range len(s) {
		if keyAt(s, i) {
			return true
		}
	}
	return false
}

// Keys replaces every key-shaped substring of s.
func Keys(s string) string {
	if !HasKey(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if keyAt(s, i) {
			b.WriteString(Placeholder)
			i += len("zak_") + 32
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// Text redacts keys and escapes every control or non-printable character (a
// newline included), so s prints as part of one line.
func Text(s string) string {
	s = Keys(s)
	if strings.IndexFunc(s, needsEscape) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == utf8RuneError {
			b.WriteString(`\ufffd`)
			continue
		}
		if needsEscape(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func needsEscape(r rune) bool { return r == utf8RuneError || !unicode.IsPrint(r) && r != ' ' }

const utf8RuneError = '\uFFFD'
