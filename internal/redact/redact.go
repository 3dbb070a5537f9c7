// Package redact makes text that came from outside (registry answers, flag
// values, parse errors) safe to print: key-shaped text is replaced, and control
// characters are shown escaped, so nothing can forge a line or drive the terminal.
package redact

import (
	"encoding/base64"
	"encoding/hex"
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

// HasKey reports whether s holds key-shaped text, plainly or encoded (see Keys).
func HasKey(s string) bool { return Keys(s) != s }

func hasPlainKey(s string) bool {
	for i := range len(s) {
		if keyAt(s, i) {
			return true
		}
	}
	return false
}

// Keys replaces every key-shaped substring of s, and every encoded form of
// one: percent-encoded or escaped (JSON's \u, C's \x) in part or whole,
// standard or URL base64 and hex (at any alignment, so a key inside a
// longer encoded text is caught too), and the payload of go-keyring's
// "go-keyring-base64:" and "go-keyring-encoded:" forms, whatever it holds
// (only secrets are written in those forms).
func Keys(s string) string {
	s = keyringPayloads(s)
	s = escapedRuns(s)
	s = encodedRuns(s)
	if !hasPlainKey(s) {
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

// EncodedPlaceholder stands where an encoded key, or a go-keyring payload, was.
const EncodedPlaceholder = "<redacted>"

// The prefixes go-keyring (v0.2.8 keyring_darwin.go) and zotkey's keychain
// code put before a secret stored in the macOS keychain.
var keyringPrefixes = []string{"go-keyring-base64:", "go-keyring-encoded:"}

// keyringPayloads replaces what follows a go-keyring prefix, up to the next
// character that neither base64 nor hex uses.
func keyringPayloads(s string) string {
	for _, p := range keyringPrefixes {
		for from := 0; ; {
			i := strings.Index(s[from:], p)
			if i < 0 {
				break
			}
			start := from + i + len(p)
			end := start
			for end < len(s) && (isBase64(s[end]) || s[end] == '=') {
				end++
			}
			if end == start { // nothing to cut (or already cut)
				from = start
				continue
			}
			s = s[:start] + EncodedPlaceholder + s[end:]
			from = start + len(EncodedPlaceholder)
		}
	}
	return s
}

// A key in base64 takes 48 characters, in hex 72.
const minBase64Run, minHexRun = 48, 72

func isBase64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_'
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// encodedRuns replaces each run of base64 (standard or URL alphabet) or hex
// characters that decodes, at some alignment, to text holding a key.
func encodedRuns(s string) string {
	return replaceRuns(s, isBase64, func(run string) bool {
		return len(run) >= minBase64Run && (base64HasKey(run) || hexHasKey(run))
	})
}

// replaceRuns replaces with EncodedPlaceholder each maximal run of bytes
// inRun accepts for which hasKey holds.
func replaceRuns(s string, inRun func(byte) bool, hasKey func(run string) bool) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !inRun(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && inRun(s[j]) {
			j++
		}
		if hasKey(s[i:j]) {
			b.WriteString(s[last:i])
			b.WriteString(EncodedPlaceholder)
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func base64HasKey(run string) bool {
	std := strings.NewReplacer("-", "+", "_", "/").Replace(run)
	for off := 0; off < 4 && len(std)-off >= minBase64Run; off++ {
		chunk := std[off:]
		if len(chunk)%4 == 1 { // no whole byte in a lone last character
			chunk = chunk[:len(chunk)-1]
		}
		if b, err := base64.RawStdEncoding.DecodeString(chunk); err == nil && hasPlainKey(string(b)) {
			return true
		}
	}
	return false
}

// hexHasKey looks for hex runs inside run (which may hold other base64
// characters around them).
func hexHasKey(run string) bool {
	for i := 0; i < len(run); {
		if !isHex(run[i]) {
			i++
			continue
		}
		j := i
		for j < len(run) && isHex(run[j]) {
			j++
		}
		for off := 0; off < 2 && j-i-off >= minHexRun; off++ {
			h := run[i+off : j]
			h = h[:len(h)/2*2]
			if b, err := hex.DecodeString(h); err == nil && hasPlainKey(string(b)) {
				return true
			}
		}
		i = j
	}
	return false
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

// escapedRuns replaces each run of characters a key's escaped forms are made
// of (letters, digits, "_", "%", "\\", "{", "}") that holds an escape and,
// with its escapes decoded (percent-encoding, \xXX, \uXXXX, \u{X…},
// \UXXXXXXXX, and a doubled backslash, repeatedly: an escape escaped again),
// holds a key: a URL or a JSON text quoting a key shows it as surely as the
// key itself.
func escapedRuns(s string) string {
	if !strings.ContainsAny(s, `%\`) {
		return s
	}
	return replaceRuns(s, isEscapeRun, func(run string) bool {
		return len(run) > len("zak_") && strings.ContainsAny(run, `%\`) && hasPlainKey(unescape(run))
	})
}

func isEscapeRun(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '%' || c == '\\' || c == '{' || c == '}'
}

// unescape decodes run's escapes until none is left (at most a few rounds).
func unescape(run string) string {
	for range 4 {
		next := unescapeOnce(run)
		if next == run {
			break
		}
		run = next
	}
	return run
}

func unescapeOnce(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if r, n := escapeAt(s[i:]); n > 0 {
			b.WriteRune(r)
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// escapeAt decodes the escape s starts with: its rune and length (0: none).
func escapeAt(s string) (rune, int) {
	hexAt := func(from, n int) (rune, bool) {
		if len(s) < from+n {
			return 0, false
		}
		v, err := strconv.ParseUint(s[from:from+n], 16, 32)
		return rune(v), err == nil
	}
	switch {
	case strings.HasPrefix(s, "%"):
		if r, ok := hexAt(1, 2); ok {
			return r, 3
		}
	case strings.HasPrefix(s, `\\`):
		return '\\', 2
	case strings.HasPrefix(s, `\x`):
		if r, ok := hexAt(2, 2); ok {
			return r, 4
		}
	case strings.HasPrefix(s, `\u{`):
		if end := strings.IndexByte(s, '}'); end > 3 && end <= 3+6 {
			if r, ok := hexAt(3, end-3); ok {
				return r, end + 1
			}
		}
	case strings.HasPrefix(s, `\u`):
		if r, ok := hexAt(2, 4); ok {
			return r, 6
		}
	case strings.HasPrefix(s, `\U`):
		if r, ok := hexAt(2, 8); ok {
			return r, 10
		}
	}
	return 0, 0
}
