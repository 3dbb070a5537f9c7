// Package synccmd chooses the sync (the command that carries a newly stored
// key to its users) and checks, before anything is minted or stored, that its
// program can be found from the folder it will run in.
//
// One sync wherever zotkey runs: the settings file's sync is the sync of
// set, rotate and auto, and so of the mise task, zot-rotate and the daily job.
// Words after -- on the command line replace it; words after -- with
// --default-sync (how the mise task passes the runbook's sync) are used only
// when the settings name none.
package synccmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/eblume/zotkey/internal/flagvalue"
	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/redact"
)

// TaskDefault is the sync the mise task passes with --default-sync: the
// runbook's. The task's default_sync line is generated from it.
var TaskDefault = []string{"mise", "run", "provision-indri", "--", "--tags", "forgejo_actions_secrets"}

// Where a sync came from, for the lines that name it.
const (
	FromCommandLine = "the command line, after --"
	FromSettings    = "the settings file"
	FromDefault     = "the default given with --default-sync, as the settings file names no sync"
)

// Sync is the sync a run uses: Argv nil when there is none.
type Sync struct {
	Argv []string
	From string
	// NoSync: none because --no-sync asked for none.
	NoSync bool
}

// Choose picks the sync: none with noSync; the words after -- (afterDashes)
// unless they are only a default (isDefault); else the settings file's sync
// (settings); else the default.
func Choose(settings, afterDashes []string, isDefault, noSync bool) Sync {
	switch {
	case noSync:
		return Sync{NoSync: true}
	case len(afterDashes) > 0 && !isDefault:
		return Sync{Argv: afterDashes, From: FromCommandLine}
	case len(settings) > 0:
		return Sync{Argv: settings, From: FromSettings}
	case len(afterDashes) > 0:
		return Sync{Argv: afterDashes, From: FromDefault}
	}
	return Sync{}
}

// Flags are the sync's flags of set, rotate and auto in zotkey's kong model:
// the settings file's sync, --default-sync, the words after --, --no-sync
// and the sync's timeout.
type Flags struct {
	Sync        flagvalue.SyncCommand `hidden:"" placeholder:"ARGV" help:"The sync command, as a list: in the settings file, sync = [\"mise\", \"run\", \"provision-indri\"]; on the command line, after --."`
	DefaultSync bool                  `name:"default-sync" help:"The command after -- is only a default: the settings file's sync, when it names one, runs instead (the mise task passes its own default this way)."`
	Argv        []string              `arg:"" name:"sync-command" optional:"" passthrough:"partial" help:"After --: the command that syncs a new key to its users (instead of the settings file's sync, unless --default-sync)."`
	NoSync      bool                  `help:"Run no sync, not even the settings file's: the replaced key then stays valid until you sync by hand and run zotkey synced (auto: the job then cannot run)."`
	SyncTimeout flagvalue.StepTimeout `name:"sync-timeout" default:"30m" placeholder:"DURATION" help:"Stop the sync (its whole process group) when it runs longer than this, 1s to 24h; the sync then counts as unconfirmed."`
}

// Validate makes the grammar strict (Words); kong calls it after parsing.
func (f *Flags) Validate() error { return Words(f.Argv, f.DefaultSync) }

// Choose is the run's sync (the package's Choose).
func (f Flags) Choose() Sync { return Choose(f.Sync, After(f.Argv), f.DefaultSync, f.NoSync) }

// JobSync is the settings file's sync as doctor and status read it, to check
// and name the sync the mise task and the daily job run (ForJob).
type JobSync struct {
	Sync flagvalue.SyncCommand `hidden:"" placeholder:"ARGV" help:"The sync command, as a list (the settings file's sync)."`
}

// Words makes the grammar of set, rotate and auto strict: the words after
// their flags (argv, as kong's passthrough argument holds them, with the --
// it saw) are a sync command only after an explicit --. Any other word is a
// usage error that names it, unless it may be a secret (redact.Word).
// isDefault (--default-sync) needs a command after --.
func Words(argv []string, isDefault bool) error {
	if len(argv) > 0 && argv[0] != "--" {
		hints := []string{"a sync command goes after --, e.g. -- mise run provision-indri; flags: zotkey COMMAND --help"}
		if redact.LooksSecret(argv[0]) {
			hints = append(hints, redact.NotShownHint)
		}
		return hint.Usage(hint.With(fmt.Errorf("unexpected word %s", redact.Word(argv[0])), hints...))
	}
	if isDefault && len(After(argv)) == 0 {
		return hint.Usage(hint.With(errors.New("--default-sync needs the default sync after --"), "e.g. --default-sync -- mise run provision-indri"))
	}
	return nil
}

// After is the words after -- (Words).
func After(argv []string) []string {
	if len(argv) > 0 && argv[0] == "--" {
		return argv[1:]
	}
	return nil
}

// Refuse checks the run's sync from the folder zotkey runs in, where the sync
// will run (Checker), before anything is minted or stored: the error says so,
// and where the sync came from.
func Refuse(ctx context.Context, s Sync, path string) error {
	if len(s.Argv) == 0 {
		return nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return hint.With(fmt.Errorf("nothing was minted or stored: the sync cannot run: the current folder is unknown: %v", err), "cd into the project, then run the command again")
	}
	if err := (Checker{Dir: dir, Path: path}).Check(ctx, s.Argv); err != nil {
		fix := map[string]string{
			FromCommandLine: "fix the words after --, or run from the folder the sync needs",
			FromSettings:    "fix the settings file's sync, or run from the folder it needs; zotkey doctor checks it",
		}[s.From]
		if fix == "" {
			fix = "run from the project that defines it (zot-rotate: ZOT_ROTATE_PROJECT), or set sync in the settings file; zotkey doctor checks it"
		}
		return hint.With(fmt.Errorf("nothing was minted or stored: %w", err), "this sync comes from "+s.From+": "+fix)
	}
	return nil
}

// String names the sync for a status or doctor line; a word that may be a
// secret is not shown (redact.Words).
func (s Sync) String() string {
	switch {
	case s.NoSync:
		return "none (--no-sync)"
	case len(s.Argv) == 0:
		return "none: the settings file names no sync"
	}
	return fmt.Sprintf("%s (from %s)", redact.Words(s.Argv), s.From)
}

// FromTask is where the daily job's sync comes from when the settings file
// names none: the mise task passes TaskDefault.
const FromTask = "the mise task's default, as the settings file names no sync"

// ForJob is the sync the mise task, zot-rotate and the daily job run: the
// settings file's sync, else the task's default. doctor checks it and status
// names it.
func ForJob(settings []string) Sync {
	s := Choose(settings, TaskDefault, true, false)
	if s.From == FromDefault {
		s.From = FromTask
	}
	return s
}

// Find is the path of program as the sync will run it from dir, with the
// search path PATH (path): a name with a slash is taken from dir, a bare name
// from an absolute PATH entry (never a relative one, which would depend on the
// folder, and which os/exec refuses too).
func Find(program, dir, path string) (string, error) {
	if strings.Contains(program, "/") {
		p := program
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if err := executable(p); err != nil {
			return "", fmt.Errorf("the sync's program %s, run from %s, %s", redact.Word(program), redact.Text(dir), err)
		}
		return p, nil
	}
	for _, d := range filepath.SplitList(path) {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		p := filepath.Join(d, program)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("the sync's program %s is not found on PATH", redact.Word(program))
}

func executable(p string) error {
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("does not exist")
	case err != nil:
		return errors.New("cannot be read")
	case fi.IsDir():
		return errors.New("is a folder")
	case fi.Mode()&0o111 == 0:
		return errors.New("is not executable")
	}
	return nil
}

// TaskTimeout bounds the look-up of a mise task (mise may read includes).
const TaskTimeout = 30 * time.Second

// Checker checks a sync before a run uses it.
type Checker struct {
	Dir  string // the folder the sync runs in
	Path string // its PATH
	// Run runs a program in Dir and returns its error (mise tasks info);
	// nil: exec.CommandContext.
	Run func(ctx context.Context, dir, program string, args ...string) error
}

// Check finds the sync's program (Find) and, for `mise run TASK …`, asks
// mise whether TASK exists in Dir, so a sync that cannot start is refused
// before a key is minted or stored.
func (c Checker) Check(ctx context.Context, argv []string) error {
	if len(argv) == 0 {
		return nil
	}
	prog, err := Find(argv[0], c.Dir, c.Path)
	if err != nil {
		return err
	}
	task, ok := MiseTask(argv)
	if !ok {
		return nil
	}
	run := c.Run
	if run == nil {
		run = runQuiet
	}
	ctx, cancel := context.WithTimeout(ctx, TaskTimeout)
	defer cancel()
	if err := run(ctx, c.Dir, prog, "tasks", "info", task); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("mise did not say within %s whether it finds the sync's task %s in %s", TaskTimeout, redact.Word(task), redact.Text(c.Dir))
		}
		return fmt.Errorf("mise finds no task %s in %s (mise tasks info %s failed), so the sync cannot run from there", redact.Word(task), redact.Text(c.Dir), redact.Word(task))
	}
	return nil
}

// MiseTask is TASK when argv is `mise run TASK …`.
func MiseTask(argv []string) (string, bool) {
	if len(argv) < 3 || filepath.Base(argv[0]) != "mise" || argv[1] != "run" || strings.HasPrefix(argv[2], "-") {
		return "", false
	}
	return argv[2], true
}

func runQuiet(ctx context.Context, dir, program string, args ...string) error {
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Dir = dir
	cmd.WaitDelay = time.Second
	return cmd.Run()
}
