package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// TestRootHelpGrammar: `zotkey --help` (and -h) built from the root help's
// grammar (NewParserFor) prints what the whole grammar prints, at any width,
// and that grammar really leaves the commands' flags out.
func TestRootHelpGrammar(t *testing.T) {
	type exited struct{}
	help := func(args []string, build func(*CLI, *Env, ...kong.Option) (*kong.Kong, error)) (string, *kong.Kong) {
		var out bytes.Buffer
		env := DefaultEnv(context.Background(), "test")
		env.Stdout, env.Stderr = &out, &out
		var c CLI
		k, err := build(&c, env, kong.Exit(func(int) { panic(exited{}) }))
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					if _, ok := r.(exited); !ok {
						panic(r)
					}
				}
			}()
			_, err = k.Parse(args)
		}()
		if err != nil {
			t.Fatalf("zotkey %v: %v", args, err)
		}
		return out.String(), k
	}
	for _, cols := range []string{"", "40", "100", "300"} {
		t.Setenv("COLUMNS", cols) // kong's width; "" is 80 for a buffer
		for _, arg := range []string{"--help", "-h"} {
			args := []string{arg}
			full, whole := help(args, NewParser)
			root, k := help(args, func(c *CLI, e *Env, o ...kong.Option) (*kong.Kong, error) { return NewParserFor(args, c, e, o...) })
			if !strings.Contains(full, "--op-timeout=DURATION") || !strings.Contains(full, "token status ") {
				t.Fatalf("COLUMNS=%q zotkey %s printed no global flags or commands:\n%s", cols, arg, full)
			}
			if root != full {
				t.Errorf("COLUMNS=%q zotkey %s: the root help's grammar prints\n%s\nthe whole grammar\n%s", cols, arg, root, full)
			}
			if len(k.Model.Leaves(true)) != len(whole.Model.Leaves(true)) {
				t.Errorf("the root help's grammar has %d commands, the whole grammar %d", len(k.Model.Leaves(true)), len(whole.Model.Leaves(true)))
			}
			for _, n := range k.Model.Leaves(true) {
				if len(n.Flags) > 0 || len(n.Positional) > 0 {
					t.Errorf("the root help's grammar has %s's flags or arguments", n.Path())
				}
			}
		}
	}
}
