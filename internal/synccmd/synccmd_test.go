package synccmd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestChoose(t *testing.T) {
	settings, cli := []string{"settings"}, []string{"cli"}
	for _, c := range []struct {
		name              string
		settings, after   []string
		isDefault, noSync bool
		want              []string
		from              string
	}{
		{"after -- wins over the settings", settings, cli, false, false, cli, FromCommandLine},
		{"the settings win over a default", settings, cli, true, false, settings, FromSettings},
		{"a default when the settings name none", nil, cli, true, false, cli, FromDefault},
		{"the settings alone", settings, nil, false, false, settings, FromSettings},
		{"none", nil, nil, false, false, nil, ""},
		{"--no-sync beats everything", settings, cli, false, true, nil, ""},
	} {
		got := Choose(c.settings, c.after, c.isDefault, c.noSync)
		if !slices.Equal(got.Argv, c.want) || got.From != c.from || got.NoSync != c.noSync {
			t.Errorf("%s: got %+v", c.name, got)
		}
	}
	if j := ForJob(nil); !slices.Equal(j.Argv, TaskDefault) || j.From != FromTask {
		t.Errorf("ForJob(nil) = %+v, want the task's default", j)
	}
}

func TestFind(t *testing.T) {
	dir, bin := t.TempDir(), t.TempDir()
	write := func(p string, mode os.FileMode) {
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(bin, "sync"), 0o755)
	write(filepath.Join(dir, "local"), 0o755)
	write(filepath.Join(dir, "plain"), 0o644)
	if p, err := Find("sync", dir, "relative:"+bin); err != nil || p != filepath.Join(bin, "sync") {
		t.Errorf("a bare name on PATH: %q, %v", p, err)
	}
	if _, err := Find("local", dir, "."); err == nil {
		t.Error("a bare name found through a relative PATH entry")
	}
	if p, err := Find("./local", dir, ""); err != nil || p != filepath.Join(dir, "local") {
		t.Errorf("a relative path from dir: %q, %v", p, err)
	}
	for prog, want := range map[string]string{"./plain": "is not executable", "./nope": "does not exist", "./": "is a folder", "nope": "not found on PATH"} {
		if _, err := Find(prog, dir, bin); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", prog, err, want)
		}
	}
	if _, err := Find("zak_0123456789abcdef", dir, bin); err == nil || strings.Contains(err.Error(), "0123") {
		t.Errorf("a secret-shaped program is named: %v", err)
	}
}

func TestCheckAsksMiseForTheTask(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "mise"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var asked []string
	c := Checker{Dir: "/proj", Path: bin, Run: func(_ context.Context, dir, program string, args ...string) error {
		asked = append([]string{dir, filepath.Base(program)}, args...)
		return errors.New("exit status 1")
	}}
	err := c.Check(context.Background(), []string{"mise", "run", "provision-indri", "--", "--tags", "x"})
	if want := []string{"/proj", "mise", "tasks", "info", "provision-indri"}; !slices.Equal(asked, want) {
		t.Errorf("asked %q, want %q", asked, want)
	}
	if err == nil || !strings.Contains(err.Error(), "mise finds no task provision-indri in /proj") {
		t.Errorf("err = %v", err)
	}
	asked = nil
	if err := c.Check(context.Background(), []string{"mise", "--version"}); err != nil || asked != nil {
		t.Errorf("mise without run: %v, asked %q", err, asked)
	}
}
