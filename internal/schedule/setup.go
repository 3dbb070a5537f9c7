package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/redact"
)

// Setup is one `zotkey init launchd|systemd` run: print the job's files, or
// install or uninstall the job with Manager, and say what was done.
type Setup struct {
	Project   string // "": the current directory
	Hour      int
	Install   bool
	Uninstall bool
	Force     bool                // a failed check is a warning
	Init      string              // the command, for hints: "zotkey init launchd"
	Getenv    func(string) string // HOME, for the job (HomeDir)
	Manager   Manager
	Print     func(Job) error // prints the files (without --install)
	LogDir    bool            // the job logs to Job.LogDir, which must exist (launchd)
	Out       io.Writer
	Say       func(format string, args ...any)
}

// HomeDir is $HOME, which must be absolute: the job's files go under it.
func HomeDir(getenv func(string) string) (string, error) {
	home := getenv("HOME")
	if !filepath.IsAbs(home) {
		return "", hint.With(errors.New("HOME is not set to an absolute path, so the job's files have no place"), "run this as the user the job runs for, in a login shell")
	}
	return home, nil
}

// job resolves s into a job: absolute paths to the project and to
// mise, as found now, since launchd and systemd run the job without a shell.
func (s Setup) job() (Job, error) {
	project := s.Project
	if project == "" {
		project = "."
	}
	project, err := filepath.Abs(project)
	if err != nil {
		return Job{}, hint.With(err)
	}
	if fi, err := os.Stat(project); err != nil || !fi.IsDir() {
		return Job{}, hint.With(fmt.Errorf("the project %s is not a directory", redact.Text(project)),
			"pass --project with the repository that holds the rotate-zot-key task (or set ZOT_ROTATE_PROJECT)")
	}
	home, err := HomeDir(s.Getenv)
	if err != nil {
		return Job{}, err
	}
	j, err := Resolve(Machine{GOOS: runtime.GOOS, LookPath: exec.LookPath, Executable: os.Executable, Home: home,
		Path: s.Getenv("PATH"), Lang: s.Getenv("LANG")}, project, s.Hour)
	if errors.Is(err, ErrNoMise) {
		return j, hint.With(err, "install mise (https://mise.jdx.dev) or put it on PATH, then run "+s.Init+" again")
	}
	if err != nil {
		return j, hint.With(fmt.Errorf("%s", redact.Text(err.Error())))
	}
	return j, nil
}

// preflight runs the checks a job must pass before its files are printed or
// installed: a failure ends the run, unless Force makes it a warning.
func (s Setup) preflight(ctx context.Context, j Job, tool string) error {
	failed := Preflight(ctx, j, Exec, tool, exec.LookPath)
	if len(failed) == 0 {
		return nil
	}
	if s.Force {
		for _, c := range failed {
			s.Say("warning: %v (--force: going ahead)", c.Err)
		}
		return nil
	}
	hints := []string{failed[0].Hint}
	for _, c := range failed[1:] {
		hints = append(hints, "also: "+c.Err.Error())
	}
	hints = append(hints, "--force writes the files anyway")
	return hint.With(fmt.Errorf("%s", redact.Text(failed[0].Err.Error())), hints...)
}

// Run installs or uninstalls the job with s.Manager, or prints its files.
func (s Setup) Run(ctx context.Context) error {
	m := s.Manager
	if s.Uninstall {
		if _, err := exec.LookPath(m.Tool()); err != nil {
			return hint.With(fmt.Errorf("%s is not on PATH, so the job cannot be unloaded", m.Tool()), "run this on the machine whose service manager runs the job")
		}
		removed, err := Uninstall(ctx, m)
		if err != nil {
			return hint.With(fmt.Errorf("%s", redact.Text(err.Error())), "nothing was removed while the job may still be loaded; fix the cause and run "+s.Init+" --uninstall again")
		}
		if len(removed) == 0 {
			fmt.Fprintln(s.Out, "the daily job was not installed: nothing to remove")
			return nil
		}
		for _, p := range removed {
			fmt.Fprintf(s.Out, "removed %s\n", redact.Text(p))
		}
		fmt.Fprintln(s.Out, "the daily job is uninstalled")
		return nil
	}
	j, err := s.job()
	if err != nil {
		return err
	}
	for _, w := range j.Versioned() {
		s.Say("warning: %s", redact.Text(w))
	}
	// A value the files cannot carry is refused before any check or write.
	if _, err := m.Files(j); err != nil {
		return hint.With(fmt.Errorf("%s", redact.Text(err.Error())), "choose paths without it (--project, and where mise and zotkey are installed)")
	}
	tool := ""
	if s.Install {
		tool = m.Tool()
	}
	if err := s.preflight(ctx, j, tool); err != nil {
		return err
	}
	if !s.Install {
		if s.LogDir {
			if _, err := os.Stat(j.LogDir()); err != nil {
				s.Say("warning: the log directory %s does not exist, and launchd does not create it: mkdir -p %s", redact.Text(j.LogDir()), redact.Text(j.LogDir()))
			}
		}
		return s.Print(j)
	}
	if s.LogDir {
		// launchd opens the log before it starts the job, and does not create its directory.
		if err := os.MkdirAll(j.LogDir(), 0o755); err != nil {
			return hint.With(fmt.Errorf("cannot create the log directory: %s", redact.Text(err.Error())))
		}
	}
	files, err := Install(context.WithoutCancel(ctx), m, j)
	for _, file := range files {
		fmt.Fprintf(s.Out, "wrote %s\n", redact.Text(file.Path))
	}
	var nm *NoUserManagerError
	if errors.As(err, &nm) {
		return hint.With(fmt.Errorf("%s", redact.Text(nm.Error())), "loginctl enable-linger may need sudo; "+s.Init+" --uninstall removes the files")
	}
	if err != nil {
		return hint.With(fmt.Errorf("%s", redact.Text(err.Error())), "zotkey doctor says what else is wrong; "+s.Init+" --uninstall removes the files")
	}
	fmt.Fprintf(s.Out, "the daily job is loaded: it runs `mise run rotate-zot-key --auto` in %s every day at %02d:00\n", redact.Text(j.Project), j.Hour)
	fmt.Fprintln(s.Out, "see it work: zotkey status; zotkey doctor")
	return nil
}

// Units renders the systemd units unit names ("all", "service" or "timer"),
// a blank line between them.
func Units(j Job, unit string) (string, error) {
	var out string
	for _, u := range []struct {
		name string
		gen  func(Job) (string, error)
	}{{"service", Service}, {"timer", Timer}} {
		if unit != "all" && unit != u.name {
			continue
		}
		src, err := u.gen(j)
		if err != nil {
			return "", hint.With(fmt.Errorf("%s", redact.Text(err.Error())))
		}
		if out != "" {
			out += "\n"
		}
		out += src
	}
	return out, nil
}

// Installed reports whether a daily job's files are in place (launchd's
// plist or systemd's timer); two stats, no launchctl or systemctl.
func Installed(getenv func(string) string) bool {
	var paths []string // only where they are: none relative to the current directory
	if home, err := HomeDir(getenv); err == nil {
		paths = LaunchAgent{Home: home}.Paths()
	}
	if dir, err := UserUnitDir(getenv); err == nil {
		paths = append(paths, UserTimer{Dir: dir}.Paths()...)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}
