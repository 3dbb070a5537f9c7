package redact_test

import (
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/testenv"
)

// The key, and one that differs from it in every character after zak_: a
// token of a tool's output that differs between the two carries key bits.
const (
	filterKey = "zak_0123456789abcdef0123456789abcdef"
	otherKey  = "zak_fedcba9876543210fedcba9876543210"
)

// dumps are shell commands printing $K the ways a sync's tools do.
var dumps = map[string]string{
	"plain":                `printf 'TOKEN=%s\n' "$K"`,
	"upper case":           `printf '%s\n' "$K" | tr a-z A-Z`,
	"xxd":                  `printf %s "$K" | xxd`,
	"xxd -u":               `printf %s "$K" | xxd -u`,
	"xxd -p":               `printf %s "$K" | xxd -p`,
	"xxd -i":               `printf %s "$K" | xxd -i`,
	"xxd offset":           `printf 'xyz%s' "$K" | xxd -g1`,
	"hexdump -C":           `printf %s "$K" | hexdump -C`,
	"hexdump -C offset":    `printf 'x%s' "$K" | hexdump -C`,
	"hexdump":              `printf %s "$K" | hexdump`,
	"od -x":                `printf %s "$K" | od -x`,
	"od -x odd offset":     `printf 'x%s' "$K" | od -x`,
	"od -tx1":              `printf %s "$K" | od -tx1`,
	"od -An -tx1 upper":    `printf %s "$K" | od -An -tx1 | tr a-f A-F`,
	"base64":               `printf %s "$K" | base64`,
	"base64 offset 1":      `printf 'x%s' "$K" | base64`,
	"base64 offset 2":      `printf 'xy%s' "$K" | base64`,
	"base64 wrapped":       `printf 'xyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxy%s' "$K" | base64 -w 76`,
	"base64url":            `printf 'x%s' "$K" | basenc --base64url`,
	"base32":               `printf %s "$K" | base32`,
	"base32 offset 1":      `printf 'x%s' "$K" | base32`,
	"base32 offset 2":      `printf 'xy%s' "$K" | base32`,
	"base32 offset 3":      `printf 'xyz%s' "$K" | base32`,
	"base32 offset 4":      `printf 'xyzw%s' "$K" | base32`,
	"percent-encoded":      `printf %s "$K" | od -An -tx1 -v | tr -s ' \n' ' ' | sed 's/ \([0-9a-f][0-9a-f]\)/%\1/g; s/^/q=/'; echo`,
	"percent, upper":       `printf %s "$K" | od -An -tx1 -v | tr -s ' \n' ' ' | tr a-f A-F | sed 's/ \([0-9A-F][0-9A-F]\)/%\1/g'; echo`,
	"ANSI between chars":   `printf %s "$K" | sed 's/./\x1b[1;31m&\x1b[0m/g'; echo`,
	"24-bit colour":        `printf %s "$K" | sed 's/./\x1b[38;2;255;128;0m&\x1b[0m/g'; echo`,
	"diff of old and new":  `printf -- '-TOKEN=%s\n+TOKEN=%s\n' "$K" "$K"`,
	"JSON and a byte list": `printf '{"t":"%s"}' "$K" | xxd -i -c 8`,
}

// Every dump of a key through the filter comes out without a token that
// carries the key's bits, whatever the writes' sizes, and what surrounds the
// dump comes through.
func TestFilterCatchesWhatToolsPrint(t *testing.T) {
	testenv.Need(t, "hex and base encoders", "sh", "xxd", "hexdump", "od", "base64", "base32", "basenc", "sed", "tr")
	for name, script := range dumps {
		t.Run(name, func(t *testing.T) {
			dump := run(t, script, filterKey)
			ref := run(t, script, otherKey)
			secret := keyTokens(dump, ref)
			if len(secret) == 0 {
				t.Fatalf("the dump %q carries no key token; the test case is wrong", dump)
			}
			for _, chunk := range []int{1, 7, 4093, 1 << 20} {
				in := "BEGIN " + name + "\n" + dump + "END\n"
				in = strings.Repeat("filler line\n", 300) + in + strings.Repeat("filler line\n", 300)
				var out bytes.Buffer
				f := redact.NewFilter(&out, filterKey)
				for b := []byte(in); len(b) > 0; {
					n := min(chunk, len(b))
					if _, err := f.Write(b[:n]); err != nil {
						t.Fatal(err)
					}
					b = b[n:]
				}
				if err := f.Close(); err != nil {
					t.Fatal(err)
				}
				got := out.String()
				if !strings.Contains(got, "BEGIN "+name+"\n") || !strings.HasSuffix(got, "END\n"+strings.Repeat("filler line\n", 300)) || !strings.Contains(got, redact.Placeholder) {
					t.Fatalf("chunk %d: the output did not arrive whole, or nothing was redacted:\n%s", chunk, strings.ReplaceAll(got, "filler line\n", ""))
				}
				for _, tok := range strings.Fields(got) {
					if secret[tok] {
						t.Errorf("chunk %d: token %q of the dump came through:\n%s", chunk, tok, strings.ReplaceAll(got, "filler line\n", ""))
					}
				}
			}
		})
	}
}

// Output holding no key passes through unchanged, byte for byte.
func TestFilterLeavesOtherOutputAlone(t *testing.T) {
	testenv.Need(t, "hex and base encoders", "sh", "xxd", "hexdump", "od", "base64")
	in := run(t, `printf 'ok: [indri] => changed\nzak_short\n'; printf 'not a key at all, not a key at all' | xxd; printf 'not a key at all, not a key at all' | hexdump -C; printf 'not a key at all' | base64; head -c 300 /dev/zero | od -x`, "")
	var out bytes.Buffer
	f := redact.NewFilter(&out, filterKey)
	_, _ = f.Write([]byte(in))
	_ = f.Close()
	if out.String() != in {
		t.Fatalf("changed:\n%s\nto:\n%s", in, out.String())
	}
}

func run(t *testing.T, script, key string) string {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(cmd.Environ(), "K="+key, "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	return string(out)
}

// keyTokens are the whitespace-separated tokens of dump that differ from
// the same place in ref (the same dump of another key).
func keyTokens(dump, ref string) map[string]bool {
	a, b := strings.Fields(dump), strings.Fields(ref)
	set := map[string]bool{}
	for i, tok := range a {
		if i >= len(b) || tok != b[i] {
			set[tok] = true
		}
	}
	return set
}

// BenchmarkFilterLogLines is a verbose sync's log through the filter, a
// line a write (about 1 MB/s of output on a 2-core machine).
func BenchmarkFilterLogLines(b *testing.B) {
	line := "ok: [indri] => (item=forgejo_actions_secrets) changed: 0123456789abcdef TASK [x] ******\n"
	in := []byte(strings.Repeat(line, 1<<20/len(line)))
	b.SetBytes(int64(len(in)))
	for range b.N {
		f := redact.NewFilter(io.Discard, filterKey)
		for i := 0; i+len(line) <= len(in); i += len(line) {
			_, _ = f.Write(in[i : i+len(line)])
		}
		_ = f.Close()
	}
}
