package lifecycle

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
)

// transitions are the exported methods of *State in transitions.go, each
// written as docs/lifecycle.md writes it: Name(param, param).
func transitions(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "transitions.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || !fn.Name.IsExported() {
			continue
		}
		if star, ok := fn.Recv.List[0].Type.(*ast.StarExpr); !ok || star.X.(*ast.Ident).Name != "State" {
			continue
		}
		var params []string
		for _, p := range fn.Type.Params.List {
			for _, n := range p.Names {
				params = append(params, n.Name)
			}
		}
		out[fn.Name.Name] = fn.Name.Name + "(" + strings.Join(params, ", ") + ")"
	}
	if len(out) < 10 {
		t.Fatalf("found only %d transitions in transitions.go: %v", len(out), out)
	}
	return out
}

// section is the text of docs/lifecycle.md from the line starting with from
// up to the next line starting with to.
func section(t *testing.T, doc, from, to string) string {
	t.Helper()
	i := strings.Index(doc, "\n"+from)
	if i < 0 {
		t.Fatalf("docs/lifecycle.md has no %q", from)
	}
	rest := doc[i+1:]
	if j := strings.Index(rest[len(from):], "\n"+to); j >= 0 {
		rest = rest[:len(from)+j]
	}
	return rest
}

// docs/lifecycle.md says what the code does: every transition appears in the
// diagram and, with its parameters as the code names them, in the table, and
// the table names no transition the code lacks; the invariant list is the
// rules Validate checks; the days the daily job reads the store are the
// reasons MustObserve gives.
func TestDocsMatchTheCode(t *testing.T) {
	b, err := os.ReadFile("../../docs/lifecycle.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	states := section(t, doc, "## States and transitions", "## ")
	diagram := section(t, states, "```", "```")
	table := section(t, states, "| transition |", "\n")
	for name, sig := range transitions(t) {
		if !regexp.MustCompile(`\b` + name + `\b`).MatchString(diagram) {
			t.Errorf("the diagram does not show %s", name)
		}
		if !strings.Contains(table, "`"+sig+"`") {
			t.Errorf("the transitions table does not list `%s`", sig)
		}
	}
	known := transitions(t)
	for _, m := range regexp.MustCompile("`([A-Z][A-Za-z]*)\\(").FindAllStringSubmatch(table, -1) {
		if _, ok := known[m[1]]; !ok && strings.Contains(table, "| `"+m[1]+"(") {
			t.Errorf("the transitions table lists %s, which transitions.go does not define", m[1])
		}
	}

	listed := map[string]bool{}
	for _, line := range strings.Split(section(t, doc, "## The invariant", "## "), "\n") {
		if rule, ok := strings.CutPrefix(line, "- "); ok {
			listed[strings.TrimRight(rule, ";.")] = true
		}
	}
	for _, r := range invariant {
		if !listed[r.Rule] {
			t.Errorf("the invariant list omits %q", r.Rule)
		}
		delete(listed, r.Rule)
	}
	for rule := range listed {
		t.Errorf("the invariant list names %q, which Validate does not check", rule)
	}

	days := strings.Join(strings.Fields(section(t, doc, "The daily job reads the store", "\n")), " ")
	for _, r := range observeReasons {
		if !strings.Contains(days, r.Doc) {
			t.Errorf("the days the daily job reads the store omit %q:\n%s", r.Doc, days)
		}
	}
}
