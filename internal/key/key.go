// Package key says what a zot API key is: it parses raw input into a Key and
// fingerprints it. Nothing here ever formats the key's value into text.
package key

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Format names the shape a key must have.
type Format string

const (
	// Zot is zot's API key format: "zak_" and 32 lower-case hex digits.
	Zot Format = "zot"
	// Any is one line of printable characters, for registries other than zot.
	Any Format = "any"
)

const (
	zotPrefix = "zak_"
	zotHexLen = 32
	zotLen    = len(zotPrefix) + zotHexLen
)

// Key is a validated secret. Its String, GoString and Format methods print the
// fingerprint, so a Key that reaches a log line or an error by mistake leaks nothing.
type Key struct{ value string }

// Reveal returns the secret itself, for the few places that must send or store it.
func (k Key) Reveal() string { return k.value }

// IsZero reports whether k holds no key.
func (k Key) IsZero() bool { return k.value == "" }

// Fingerprint is "sha256:" and the first 12 hex digits of the key's SHA-256.
func (k Key) Fingerprint() string { return Fingerprint(k.value) }

func (k Key) String() string   { return "key(" + k.Fingerprint() + ")" }
func (k Key) GoString() string { return k.String() }

// Format keeps %v, %s, %q and %x from printing the value.
func (k Key) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// Fingerprint of any secret value, in the form Key.Fingerprint uses.
func Fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:])[:12]
}

// Error describes what is wrong with an input without quoting it.
type Error struct{ Reason string }

func (e *Error) Error() string { return e.Reason }

func reject(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

// Parse trims surrounding spaces, tabs, CRs and LFs from raw and checks that what
// is left is exactly one key of format f.
func Parse(raw []byte, f Format) (Key, error) {
	if f != Zot && f != Any {
		return Key{}, reject("unknown key format %q", string(f))
	}
	if len(raw) == 0 {
		return Key{}, reject("the input is empty")
	}
	if i := strings.IndexByte(string(raw), 0); i >= 0 {
		return Key{}, reject("the input has a NUL byte at byte %d of %d; it is not a key", i+1, len(raw))
	}
	if !utf8.Valid(raw) {
		return Key{}, reject("the input is not valid UTF-8 (%d bytes); it is not a key", len(raw))
	}
	s := strings.Trim(string(raw), " \t\r\n")
	if s == "" {
		return Key{}, reject("the input is only whitespace (%d bytes)", len(raw))
	}
	if why := wrapped(s); f == Zot && why != "" {
		return Key{}, reject("%s", why)
	}
	if n := strings.Count(s, "\n"); n > 0 {
		return Key{}, reject("the input has %d lines; expected one key on one line", n+1)
	}
	if i := strings.IndexByte(s, '\r'); i >= 0 {
		return Key{}, reject("the input has a carriage return inside it, at character %d of %d", i+1, utf8.RuneCountInString(s))
	}
	for i, r := range []rune(s) {
		if !unicode.IsPrint(r) {
			return Key{}, reject("the input has a control or non-printable character at character %d of %d", i+1, utf8.RuneCountInString(s))
		}
	}
	if f == Any {
		return Key{value: s}, nil
	}
	return parseZot(s)
}

// zotKey finds a zot API key inside other text; compiled at first use, not
// at every start of zotkey.
var zotKey = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?:^|[^0-9A-Za-z_])(zak_[0-9a-f]{32})(?:$|[^0-9A-Za-z_])`)
})

// wrapped says how a pasted zot key came wrapped (in quotes, in zot's JSON
// answer, in other text), telling the user to drop the wrapping; "" when s
// is no wrapped key. The key itself is never quoted back.
func wrapped(s string) string {
	all := zotKey().FindAllStringSubmatchIndex(s, 2)
	if len(all) != 1 || strings.Count(s, zotPrefix) > 1 || s == s[all[0][2]:all[0][3]] {
		return "" // no key, or more than one: the other checks say what is wrong
	}
	before, after := strings.TrimSpace(s[:all[0][2]]), strings.TrimSpace(s[all[0][3]:])
	quotes := `"'` + "`\u201c\u201d\u2018\u2019"
	switch {
	case strings.HasPrefix(before, "{") || strings.HasPrefix(before, "[") || strings.Contains(before, `":`):
		return "the input is JSON around a key: copy the key's value alone, without the JSON's braces, names and quotes"
	case before != "" && after != "" && strings.Trim(before, quotes) == "" && strings.Trim(after, quotes+",") == "":
		return "the key is in quotes: copy it again without the quotes"
	}
	return fmt.Sprintf("the input has %d characters of other text around a key: copy the key alone", utf8.RuneCountInString(before)+utf8.RuneCountInString(after))
}

func parseZot(s string) (Key, error) {
	const hint = "a zot API key is zak_ and 32 lower-case hex digits (use --format any for another kind of key)"
	n := utf8.RuneCountInString(s)
	if !strings.HasPrefix(s, zotPrefix) {
		return Key{}, reject("the key (%d characters) does not start with zak_; %s", n, hint)
	}
	if n != zotLen {
		return Key{}, reject("the key is %d characters long, not %d; %s", n, zotLen, hint)
	}
	for i := len(zotPrefix); i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			return Key{}, reject("the key has an upper-case hex digit at character %d; zot keys are lower-case", i+1)
		default:
			return Key{}, reject("the key has a character that is not a hex digit at character %d; %s", i+1, hint)
		}
	}
	return Key{value: s}, nil
}
