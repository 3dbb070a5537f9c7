package main

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/eblume/zotkey/internal/cli"
)

// kebab is kong's name for a field: DryRun is dry-run.
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// flags lists the long flag names of a command's struct, embedded ones too.
func flags(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for n := range flags(f.Type) {
				out[n] = true
			}
			continue
		}
		name := f.Tag.Get("name")
		if name == "" {
			name = kebab(f.Name)
		}
		out[name] = true
	}
	return out
}

// docs/lifecycle.md's command table accounts for every command of the
// grammar: each is named in "What each command may do" (a row when it may
// write the record, the list of those that never do otherwise), and each
// row's flag (status --check, verify --stored) is one the command has.
func TestLifecycleDocNamesEveryCommand(t *testing.T) {
	b, err := os.ReadFile("docs/lifecycle.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "## What each command may do")
	if i < 0 {
		t.Fatal("docs/lifecycle.md has no command table")
	}
	sec := doc[i:]
	if j := strings.Index(sec[3:], "\n## "); j >= 0 {
		sec = sec[:3+j]
	}
	commands := map[string]reflect.Type{}
	ct := reflect.TypeOf(cli.CLI{})
	for i := range ct.NumField() {
		f := ct.Field(i)
		if _, ok := f.Tag.Lookup("cmd"); !ok {
			continue
		}
		name := f.Tag.Get("name")
		if name == "" {
			name = kebab(f.Name)
		}
		commands[name] = f.Type
		if !regexp.MustCompile("`" + name + "[` ]").MatchString(sec) {
			t.Errorf("docs/lifecycle.md's command table does not account for %s", name)
		}
	}
	rows := regexp.MustCompile("(?m)^\\| `([a-z-]+) --([a-z-]+)` \\|").FindAllStringSubmatch(sec, -1)
	for _, m := range rows {
		cmd, ok := commands[m[1]]
		if !ok {
			t.Errorf("the command table names %s, which is no command", m[1])
			continue
		}
		if !flags(cmd)[m[2]] {
			t.Errorf("the command table names %s --%s, which it has no flag for", m[1], m[2])
		}
	}
	if len(commands) < 8 || len(rows) < 2 {
		t.Fatalf("found %d commands and %d rows with a flag: the table or the grammar was not read", len(commands), len(rows))
	}
}
