package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/eblume/zotkey/internal/cli"
	"github.com/eblume/zotkey/internal/completion"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/synccmd"
)

var update = flag.Bool("update", false, "rewrite the generated files (fish completions, the mise task's #USAGE block)")

// TestGeneratedFiles fails when a committed file generated from the kong model
// differs from what the model gives now; go test -run TestGeneratedFiles -update
// rewrites them.
func TestGeneratedFiles(t *testing.T) {
	gen := func(args ...string) string {
		var out, errb bytes.Buffer
		env := cli.DefaultEnv(context.Background(), "test")
		env.Stdout, env.Stderr = &out, &errb
		env.MiseTask = miseTask
		if code := run(args, env); code != 0 {
			t.Fatalf("zotkey %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}
	check := func(path, want string) {
		t.Helper()
		got, err := os.ReadFile(path)
		if *update {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err != nil || string(got) != want {
			t.Errorf("%s is not what the kong model generates; run: go test . -run TestGeneratedFiles -update", path)
		}
	}
	// gen's env has no embedded files: these are generated from the model.
	check("completions/fish/zotkey.fish", gen("completion", "fish"))
	check("completions/fish/zot-rotate.fish", gen("completion", "fish", "--for", "zot-rotate"))
	// zotkey itself prints the committed files as embedded, for every --for.
	for _, name := range []string{"zotkey", "zot-rotate"} {
		var out bytes.Buffer
		env := cli.DefaultEnv(context.Background(), "test")
		embedFiles(env)
		env.Stdout = &out
		file, err := os.ReadFile("completions/fish/" + name + ".fish")
		if code := run([]string{"completion", "fish", "--for", name}, env); code != 0 || err != nil || out.String() != string(file) {
			t.Errorf("zotkey completion fish --for %s does not print completions/fish/%s.fish (exit %d, %v)", name, name, code, err)
		}
	}

	const task = "mise-tasks/rotate-zot-key"
	src, err := os.ReadFile(task)
	if err != nil {
		t.Fatal(err)
	}
	// What `zotkey init mise` prints is what a project installs: it must be the
	// committed task byte for byte (after -update, the next run checks).
	if got := gen("init", "mise"); !*update && got != string(src) {
		t.Errorf("zotkey init mise does not print %s as committed", task)
	}
	var c cli.CLI
	k, err := cli.NewParser(&c, cli.DefaultEnv(context.Background(), "test"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?m)^(#USAGE.*\n)+`)
	lines := regexp.MustCompile(`(?ms)^# --- generated from zotkey; do not edit ---\n.*?^# --- end of generated lines ---\n`)
	want := block.ReplaceAllLiteralString(string(src), cli.TaskUsage(k.Model))
	if !lines.MatchString(want) {
		t.Fatalf("%s has no generated lines between its markers", task)
	}
	check(task, lines.ReplaceAllLiteralString(want, completion.TaskLines(k.Model, synccmd.TaskDefault, redact.SecretWord)))

	const fn = "functions/zot-rotate.fish"
	fsrc, err := os.ReadFile(fn)
	if err != nil {
		t.Fatal(err)
	}
	secret := regexp.MustCompile(`(?m)^    set -l secret_word .*\n`)
	if !secret.Match(fsrc) {
		t.Fatalf("%s has no secret_word line", fn)
	}
	check(fn, secret.ReplaceAllLiteralString(string(fsrc), completion.FishSecretWord(redact.SecretWord)))
}

// TestTaskChecksChoices: the mise task's #USAGE lists no choices (mise would
// quote a refused value, perhaps a key), so the task checks each flag's
// values itself, with the same list as the kong model.
func TestTaskChecksChoices(t *testing.T) {
	var c cli.CLI
	k, err := cli.NewParser(&c, cli.DefaultEnv(context.Background(), "test"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range cli.TaskFlags(k.Model) {
		if len(f.Choices) == 0 {
			continue
		}
		if want := strings.Join(f.Choices, " | ") + ")"; !strings.Contains(miseTask, want) {
			t.Errorf("mise-tasks/rotate-zot-key does not check --%s against %q", f.Name, want)
		}
	}
	if strings.Contains(miseTask, "#USAGE   choices") || strings.Contains(miseTask, "choices \"") {
		t.Error("mise-tasks/rotate-zot-key's #USAGE lists choices, which mise quotes back when refused")
	}
}
