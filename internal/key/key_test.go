package key

import (
	"fmt"
	"strings"
	"testing"
)

const good = "zak_0123456789abcdef0123456789abcdef"

func TestParseAccepts(t *testing.T) {
	for _, in := range []string{good, good + "\n", "  " + good + "\r\n", "\t" + good + " \n\n"} {
		k, err := Parse([]byte(in), Zot)
		if err != nil {
			t.Fatalf("Parse(%d bytes): %v", len(in), err)
		}
		if k.Reveal() != good {
			t.Fatalf("trimmed value differs")
		}
	}
	if _, err := Parse([]byte(" some-other token\n"), Any); err != nil {
		t.Fatalf("format any: %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		name, in string
		format   Format
		want     string
	}{
		{"empty", "", Zot, "empty"},
		{"whitespace", " \t\r\n ", Zot, "only whitespace"},
		{"two lines", good + "\n" + good, Zot, "2 lines"},
		{"CR inside", "zak_0123456789abcdef\r0123456789abcdef", Zot, "carriage return"},
		{"NUL", good[:10] + "\x00" + good[10:], Zot, "NUL byte"},
		{"invalid UTF-8", good + "\xff", Zot, "not valid UTF-8"},
		{"wrong prefix", "zk_" + good[4:] + "0", Zot, "does not start with zak_"},
		{"too short", good[:35], Zot, "35 characters long"},
		{"too long", good + "0", Zot, "37 characters long"},
		{"upper-case hex 2", "zak_0123456789ABCDEF0123456789abcdef", Zot, "upper-case hex digit at character 15"},
		{"non-hex", "zak_0123456789abcdeg0123456789abcdef", Zot, "not a hex digit at character 20"},
		{"control char any", "abc\x07def", Any, "non-printable"},
		{"two lines any", "a\nb", Any, "2 lines"},
		{"in quotes", `"` + good + `"`, Zot, "the key is in quotes: copy it again without the quotes"},
		{"in typographic quotes", "\u201c" + good + "\u201d", Zot, "in quotes"},
		{"in JSON", "{\n  \"apiKey\": \"" + good + "\",\n  \"label\": \"ci\"\n}", Zot, "the input is JSON around a key"},
		{"other text", "key: " + good, Zot, "4 characters of other text around a key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.in), c.format)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not say %q", err, c.want)
			}
			assertNotQuoted(t, c.in, err.Error())
		})
	}
}

func TestKeyNeverFormatsItsValue(t *testing.T) {
	k, err := Parse([]byte(good), Zot)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		if out := fmt.Sprintf(verb, k); strings.Contains(out, good[4:]) {
			t.Errorf("%s printed the key: %s", verb, out)
		}
		if out := fmt.Sprintf(verb, struct{ K Key }{k}); strings.Contains(out, good[4:]) {
			t.Errorf("%s of a struct printed the key: %s", verb, out)
		}
	}
	if got, want := k.Fingerprint(), "sha256:"; !strings.HasPrefix(got, want) || len(got) != len(want)+12 {
		t.Errorf("fingerprint %q", got)
	}
}

// assertNotQuoted fails when msg contains an 8-character run of the input that
// is not plain words (the messages' own vocabulary): an error may describe the
// input, never repeat it.
func assertNotQuoted(t testing.TB, in, msg string) {
	t.Helper()
	s := strings.Trim(in, " \t\r\n")
	for i := 0; i+8 <= len(s); i++ {
		run := s[i : i+8]
		if strings.Trim(run, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ") == "" {
			continue
		}
		if strings.Contains(msg, run) {
			t.Fatalf("error text quotes the input: %q", msg)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{good, good + "\n", "", " ", good + "\n" + good, "zak_\r", "zak_" + strings.Repeat("g", 32),
		strings.ToUpper(good), "\x00", "\xff\xfe", good[:20]} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, any bool) {
		format := Zot
		if any {
			format = Any
		}
		k, err := Parse(raw, format)
		if err != nil {
			if !k.IsZero() {
				t.Fatal("a rejected input returned a key")
			}
			assertNotQuoted(t, string(raw), err.Error())
			return
		}
		v := k.Reveal()
		if v != strings.Trim(v, " \t\r\n") || strings.ContainsAny(v, "\n\r\x00") {
			t.Fatal("accepted a key with surrounding whitespace or a line break")
		}
		if format == Zot && len(v) != 36 {
			t.Fatalf("accepted a %d-character zot key", len(v))
		}
	})
}
