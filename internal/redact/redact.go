// Package redact makes text that came from outside (registry answers, flag
// values, parse errors) safe to print: key-shaped text is replaced, and control
// characters are shown escaped, so nothing can forge a line or drive the terminal.
package redact

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Placeholder stands where a key-shaped string was.
const Placeholder = "zak_<redacted>"

// keyShaped matches a zot API key anywhere in a text, whatever the case of its hex.
var keyShaped = regexp.MustCompile(`(?i)zak_[0-9a-f]{32}`)

// HasKey reports whether s holds key-shaped text.
func HasKey(s string) bool { return keyShaped.MatchString(s) }

// Keys replaces every key-shaped substring of s.
func Keys(s string) string { return keyShaped.ReplaceAllLiteralString(s, Placeholder) }

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
