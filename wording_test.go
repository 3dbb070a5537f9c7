package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// doubledWord finds a word written twice with only spaces between
// ("nothing due nothing due" has none; "can be be" has one), ignoring case.
func doubledWord(s string) string {
	words := regexp.MustCompile(`[A-Za-z]+|[^A-Za-z ]+| +`).FindAllString(s, -1)
	letters := regexp.MustCompile(`^[A-Za-z]{2,}$`)
	for i := 0; i+2 < len(words); i++ {
		if strings.Trim(words[i+1], " ") == "" && letters.MatchString(words[i]) && strings.EqualFold(words[i], words[i+2]) {
			return words[i] + words[i+1] + words[i+2]
		}
	}
	return ""
}

// brokenInflection is a verb form built by gluing a suffix to a verb
// argument ("can be %sd" made "forgetd"): a template must word each form.
var brokenInflection = regexp.MustCompile(`%[sv](d|ed|ing)\b`)

// TestMessageTemplatesHaveNoDoubledWords reads every string literal of
// zotkey's own (non-test) Go source and refuses a doubled word or a glued
// inflection; the rendered texts (job lines, notifications) are checked where
// they are put together (internal/auto, internal/lifecycle).
func TestMessageTemplatesHaveNoDoubledWords(t *testing.T) {
	literals := 0
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		n, err := checkWording(t, p)
		literals += n
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if literals < 500 {
		t.Fatalf("read only %d string literals: the walk missed the source", literals)
	}
	// The checks catch what they are for.
	if doubledWord("can be be revoked") == "" || doubledWord("not a pipe: pipe it in") != "" {
		t.Error("doubledWord misjudges its examples")
	}
	if !brokenInflection.MatchString("%s can be %sd (%s)") || brokenInflection.MatchString("%d %ss") {
		t.Error("brokenInflection misjudges its examples")
	}
}

// checkWording checks every string literal of the Go file at p and returns
// how many it read.
func checkWording(t *testing.T, p string) (int, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, p, nil, 0)
	if err != nil {
		return 0, err
	}
	literals := 0
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		literals++
		if w := doubledWord(s); w != "" {
			t.Errorf("%s: doubled word %q in %q", fset.Position(lit.Pos()), w, s)
		}
		if m := brokenInflection.FindString(s); m != "" {
			t.Errorf("%s: %q glues an inflection to an argument in %q; word each form", fset.Position(lit.Pos()), m, s)
		}
		return true
	})
	return literals, nil
}
