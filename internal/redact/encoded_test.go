package redact

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

const testKey = "zak_0123456789abcdef0123456789abcdef"

// encodedForms are the ways a key can be written besides itself: each must be
// caught by Keys and Text (the same list as EncodedForms, plus alignments).
func encodedForms(key string) map[string]string {
	forms := map[string]string{
		"plain":                   key,
		"upper-case":              strings.ToUpper(key),
		"standard base64":         base64.StdEncoding.EncodeToString([]byte(key)),
		"standard base64, raw":    base64.RawStdEncoding.EncodeToString([]byte(key)),
		"URL base64":              base64.URLEncoding.EncodeToString([]byte(key)),
		"hex":                     hex.EncodeToString([]byte(key)),
		"upper-case hex":          strings.ToUpper(hex.EncodeToString([]byte(key))),
		"go-keyring-base64":       "go-keyring-base64:" + base64.StdEncoding.EncodeToString([]byte(key)),
		"go-keyring-encoded":      "go-keyring-encoded:" + hex.EncodeToString([]byte(key)),
		"Basic credentials":       "Basic " + base64.StdEncoding.EncodeToString([]byte("zot-ci:"+key)),
		"base64 inside JSON text": base64.StdEncoding.EncodeToString([]byte(`{"password":"` + key + `"}`)),
	}
	// A key at each alignment inside a longer encoded text.
	for off := range 3 {
		forms["base64, offset "+string(rune('0'+off))] = base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", off) + key + "tail"))
	}
	forms["hex, odd offset"] = "f" + hex.EncodeToString([]byte(key))
	// Escaped, as a URL or a JSON or C string quotes a key, in part or whole.
	each := func(format string, only string) string {
		var b strings.Builder
		for _, c := range []byte(key) {
			if only == "" || strings.IndexByte(only, c) >= 0 {
				fmt.Fprintf(&b, format, c)
			} else {
				b.WriteByte(c)
			}
		}
		return b.String()
	}
	forms["percent-encoded _"] = each("%%%02X", "_")
	forms["percent-encoded wholly"] = each("%%%02x", "")
	forms["percent-encoded twice"] = each("%%25%02X", "")
	forms["JSON \\u escapes"] = each(`\u%04x`, "")
	forms["JSON \\u escape of _"] = each(`\u%04X`, "_")
	forms["JSON \\u escapes escaped again"] = each(`\\u%04x`, "")
	forms["C \\x escapes"] = each(`\x%02x`, "")
	forms["\\u{} escapes"] = each(`\u{%x}`, "")
	return forms
}

func TestKeysCatchesEveryEncodedForm(t *testing.T) {
	for name, form := range encodedForms(testKey) {
		for _, in := range []string{form, "security: SecKeychainItemCreateFromContent (" + form + "'): The specified keychain could not be found.", "a\n" + form + "\n"} {
			out := Text(in)
			payload := form
			for _, p := range keyringPrefixes {
				payload = strings.TrimPrefix(payload, p)
			}
			if HasKey(out) || strings.Contains(out, payload[:min(len(payload), 40)]) {
				t.Errorf("%s: Text(%q) = %q", name, in, out)
			}
			if !HasKey(in) {
				t.Errorf("%s: HasKey(%q) = false", name, in)
			}
		}
	}
}

// Text that only looks like an encoding is left alone.
func TestKeysLeavesOtherTextAlone(t *testing.T) {
	for _, s := range []string{
		"https://registry.ops.eblu.me/v2/ answered 401",
		strings.Repeat("a", 200),
		base64.StdEncoding.EncodeToString([]byte(strings.Repeat("not a key at all ", 5))),
		hex.EncodeToString([]byte(strings.Repeat("not a key at all ", 5))),
		"zak_short go-keyring-like: text",
		"fingerprint sha256:" + hex.EncodeToString(make([]byte, 32)),
		"100% done, 50%off, %zz, a%2Fb%20c and \\u0041\\x42\\u{43} and C:\\Users\\zak_me",
		`{"label":"zak\u005f0123"}`,
	} {
		if got := Keys(s); got != s {
			t.Errorf("Keys(%q) = %q", s, got)
		}
	}
}

// Any go-keyring payload is cut, whatever secret it holds (the 1Password
// token is stored the same way).
func TestKeysCutsGoKeyringPayloads(t *testing.T) {
	tok := base64.StdEncoding.EncodeToString([]byte("ops_anything"))
	got := Text("(go-keyring-base64:" + tok + "): nope; go-keyring-encoded:" + hex.EncodeToString([]byte("x")) + ".")
	if want := "(go-keyring-base64:<redacted>): nope; go-keyring-encoded:<redacted>."; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
