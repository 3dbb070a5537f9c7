package redact

import "testing"

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"key zak_0123456789abcdef0123456789ABCDEF here", "key zak_<redacted> here"},
		{"a\nzotkey: hint: forged", `a\nzotkey: hint: forged`},
		{"\x1b]0;title\x07", `\x1b]0;title\a`},
		{"tab\there", `tab\there`},
		{"bad \xff byte", `bad \ufffd byte`},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if !HasKey("--from zak_0123456789abcdef0123456789abcdef") || HasKey("zak_short") {
		t.Error("HasKey")
	}
}
