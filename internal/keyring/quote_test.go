package keyring

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eblume/zotkey/internal/store"
)

// Entry names and secrets that broke, or could break, a `security -i` line.
var hostileNames = []string{
	"zot-ci-api",
	"it's",
	`back\slash`,
	`trailing\`,
	`say "hi"`,
	`'"'"'`,
	`a'b"c\d`,
	"two  spaces",
	" leading space",
	"trailing space ",
	"-leading-dash",
	"--",
	"-w",
	"-a x",
	"zöt-ключ-🔑",
	"\xff\xfe not utf-8",
	"tab\there\rcr",
	"",
}

var hostileSecrets = []string{
	"zak_0123456789abcdef0123456789abcdef",
	"it's",
	`trailing\`,
	`"quoted" 'both'`,
	"-w --",
	"ключ 🔑",
	"line\nbreak\x00nul",
}

// parseLine reads line as `security -i` does: one readline (readline.c), then
// split_line (security.c), then add-generic-password's getopt (keychain_add.c).
func parseLine(t *testing.T, line string) (appleAdd, []string) {
	t.Helper()
	r := bufio.NewReader(strings.NewReader(line))
	got, ok := appleReadline(r, appleMaxLineLen)
	if !ok {
		t.Fatalf("no line read from %q", line)
	}
	if rest, _ := r.Peek(1); len(rest) > 0 {
		t.Fatalf("readline left %d bytes for a next command", r.Buffered())
	}
	argv := appleSplitLine(got)
	return appleParseAdd(argv), argv
}

func TestAddCommandRoundTripsThroughApplesParser(t *testing.T) {
	for _, name := range hostileNames {
		for _, secret := range hostileSecrets {
			line, err := addCommand(Service, name, secret)
			if err != nil {
				t.Fatalf("name %q secret %q: %v", name, secret, err)
			}
			a, argv := parseLine(t, line)
			if a.status != 0 || a.keychain != "" || a.service != Service || a.account != name || !a.update {
				t.Fatalf("name %q: parsed as %q (%+v)", name, argv, a)
			}
			if a.password != base64Prefix+base64.StdEncoding.EncodeToString([]byte(secret)) {
				t.Fatalf("name %q secret %q: password parsed wrong", name, secret)
			}
		}
	}
}

func TestQuoteArgIsOneArgument(t *testing.T) {
	// Every byte but NUL and newline, alone and in company.
	for c := 1; c < 256; c++ {
		if c == '\n' {
			continue
		}
		for _, s := range []string{string([]byte{byte(c)}), "a" + string([]byte{byte(c)}), string([]byte{byte(c), byte(c)}) + "z"} {
			argv := appleSplitLine([]byte("x " + quoteArg(s) + " y"))
			if len(argv) != 3 || argv[1] != s {
				t.Fatalf("byte %#x: %q parsed as %q", c, s, argv)
			}
		}
	}
}

func TestAddCommandRefusesNULAndLineBreaksInNames(t *testing.T) {
	for _, name := range []string{"a\nb", "a\x00b", "\n"} {
		line, err := addCommand(Service, name, "zak_0123456789abcdef0123456789abcdef")
		if err == nil || line != "" {
			t.Fatalf("%q: accepted", name)
		}
		if strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "zak_") {
			t.Fatalf("the error quotes the name or the secret: %v", err)
		}
	}
}

// The longest line accepted is read whole by one readline; one byte more is
// refused before security runs.
func TestAddCommandLineLimit(t *testing.T) {
	base, _ := addCommand(Service, "", "")
	room := maxLine - len(base)
	name := strings.Repeat("n", room)
	line, err := addCommand(Service, name, "")
	if err != nil || len(line) != maxLine {
		t.Fatalf("a %d-byte line refused: %v", len(line), err)
	}
	if a, _ := parseLine(t, line); a.account != name || a.status != 0 {
		t.Fatalf("the longest line parsed as account of %d bytes", len(a.account))
	}
	// Apple's readline splits a line one byte longer in two.
	r := bufio.NewReader(strings.NewReader(strings.Repeat("n", maxLine) + "\n"))
	first, _ := appleReadline(r, appleMaxLineLen)
	if len(first) != maxLine || r.Buffered() != 1 {
		t.Fatalf("readline read %d bytes and left %d", len(first), r.Buffered())
	}
	if _, err := addCommand(Service, name+"n", ""); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("a %d-byte line: %v", maxLine+1, err)
	}
	if _, err := addCommand(Service, "u", strings.Repeat("s", 3100)); err == nil {
		t.Fatal("a 3100-byte secret (4136 in base64) accepted")
	}
}

// goKeyringQuote is the quoting zotkey used before (go-keyring v0.2.8's
// shellescape.Quote, always quoting): the shell's, not security's.
func goKeyringQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }

// outcome says where a line lands, as Apple's parser reads it.
func outcome(t *testing.T, line, name, secret string) string {
	a, _ := parseLine(t, line)
	switch {
	case a.status == 2:
		return "usage error (exit 2), nothing stored"
	case a.keychain != "":
		leak := ""
		if strings.Contains(a.keychain, base64.StdEncoding.EncodeToString([]byte(secret))[:8]) {
			leak = ", the encoded secret quoted on stderr"
		}
		return fmt.Sprintf("refused: keychain %q not found%s", trunc(a.keychain), leak)
	case a.account != name:
		return fmt.Sprintf("stored under the wrong name %q", a.account)
	case a.password != base64Prefix+base64.StdEncoding.EncodeToString([]byte(secret)):
		return "stored with the wrong secret"
	}
	return "stored exactly"
}

func trunc(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

// TestHostileNamesBeforeAndAfter logs, for each hostile name, what the old
// quoting and the new one make of it (go test -v shows the table), and
// requires the new one to store exactly.
func TestHostileNamesBeforeAndAfter(t *testing.T) {
	secret := "zak_0123456789abcdef0123456789abcdef"
	enc := base64Prefix + base64.StdEncoding.EncodeToString([]byte(secret))
	t.Log("| name | before (go-keyring quoting) | after |")
	for _, name := range append(hostileNames, "a\nb") {
		// readline ends the first command at the newline; without -w it
		// stores an empty password (keychain_add.c:695-697), and `b' -w …` is
		// an unknown command (security.c:1066).
		before := "two commands: an empty password stored under \"a\", then the unknown command \"b'\""
		if !strings.Contains(name, "\n") {
			before = outcome(t, fmt.Sprintf("add-generic-password -U -s %s -a %s -w %s\n", goKeyringQuote(Service), goKeyringQuote(name), goKeyringQuote(enc)), name, secret)
		}
		after := "refused before security runs"
		line, err := addCommand(Service, name, secret)
		if err == nil {
			after = outcome(t, line, name, secret)
			if after != "stored exactly" {
				t.Errorf("%q: %s", name, after)
			}
		}
		t.Logf("| %q | %s | %s |", name, before, after)
	}
}

// useStandIn makes the keyring's provider the test binary acting as Apple's
// security tool, with its keychain in a file; it returns that file.
func useStandIn(t *testing.T) string {
	t.Helper()
	state := filepath.Join(t.TempDir(), "keychain.json")
	t.Setenv(standInEnv, state)
	old := provider
	provider = security{path: os.Args[0]}
	t.Cleanup(func() { provider = old })
	return state
}

func keychainItems(t *testing.T, state string) []standInItem {
	t.Helper()
	var items []standInItem
	b, err := os.ReadFile(state)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &items); err != nil {
			t.Fatal(err)
		}
	}
	return items
}

// End to end through Entry and a stand-in security built on Apple's parser:
// each hostile name gets its own entry, holding exactly its secret, and
// nothing lands under another name or keychain.
func TestEntryStoresHostileNamesUnderTheirOwnName(t *testing.T) {
	state := useStandIn(t)
	ctx := context.Background()
	for i, name := range hostileNames {
		secret := hostileSecrets[i%len(hostileSecrets)]
		e := Entry{User: name}
		if out, err := store.Put(ctx, e, secret, false); err != nil || out != store.Written {
			t.Fatalf("%q: put %v %v", name, out, err)
		}
		items := keychainItems(t, state)
		if len(items) != i+1 {
			t.Fatalf("%q: %d items after %d writes: %+v", name, len(items), i+1, items)
		}
		last := items[len(items)-1]
		if len(last.Keychain) != 0 || string(last.Service) != Service || string(last.Account) != name {
			t.Fatalf("%q: stored as %+v", name, last)
		}
		if got, err := e.Get(ctx); err != nil || got != secret {
			t.Fatalf("%q: read back %q %v", name, got, err)
		}
	}
	// An update replaces in place (-U), under the same name.
	e := Entry{User: `trailing\`}
	if err := e.Set(ctx, "new value"); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Get(ctx); got != "new value" || len(keychainItems(t, state)) != len(hostileNames) {
		t.Fatalf("update: %q, %d items", got, len(keychainItems(t, state)))
	}
	for _, name := range hostileNames {
		if deleted, err := (Entry{User: name}).Delete(ctx); !deleted || err != nil {
			t.Fatalf("%q: delete %v %v", name, deleted, err)
		}
	}
	if items := keychainItems(t, state); len(items) != 0 {
		t.Fatalf("left behind: %+v", items)
	}
}

// A name the line cannot carry is refused in one line that quotes neither the
// name nor the secret, and security never runs.
func TestEntryRefusesALineBreakInTheName(t *testing.T) {
	state := useStandIn(t)
	secret := "zak_0123456789abcdef0123456789abcdef"
	err := Entry{User: "a\nb"}.Set(context.Background(), secret)
	if err == nil || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), base64.StdEncoding.EncodeToString([]byte(secret))[:12]) {
		t.Fatalf("err %v", err)
	}
	if _, statErr := os.Stat(state); !errors.Is(statErr, os.ErrNotExist) {
		t.Fatal("security ran")
	}
}

// The longest secret the default entry takes: 3012 bytes (4016 in base64).
func TestLongestSecretForTheDefaultEntry(t *testing.T) {
	if _, err := addCommand(Service, "zot-ci-api", strings.Repeat("s", 3012)); err != nil {
		t.Fatal(err)
	}
	if _, err := addCommand(Service, "zot-ci-api", strings.Repeat("s", 3013)); err == nil {
		t.Fatal("3013 bytes accepted")
	}
}
