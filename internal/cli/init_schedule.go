package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/schedule"
)

// ScheduleFlags say when and where the daily job runs, and whether to print
// its files or install them.
type ScheduleFlags struct {
	Hour      Hour   `default:"9" placeholder:"H" help:"Hour of the day to run the job (0-23, local time, decimal; default ${default})."`
	Project   string `env:"ZOT_ROTATE_PROJECT" placeholder:"DIR" help:"The project whose rotate-zot-key task the job runs (default: the current directory)."`
	Install   bool   `xor:"mode" help:"Write the files where the service manager reads them and load the job (replacing an older one), instead of printing them."`
	Uninstall bool   `xor:"mode" help:"Unload the job and remove its files."`
	Force     bool   `help:"Print or install even when a check fails (mise finds no rotate-zot-key task, zotkey or mise not executable, the service manager's tool missing)."`
}

// Hour is an hour of the day written in decimal: "08" is 8 and "010" is 10
// (kong's int would read a leading 0 as octal, refusing "08").
type Hour int

func (h *Hour) Decode(ctx *kong.DecodeContext) error {
	token := ctx.Scan.Pop()
	s := fmt.Sprint(token.Value) // a settings file gives an int64
	hint := "give the hour as a whole number from 0 to 23, e.g. --hour 9"
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return withHint(fmt.Errorf("%q is not a whole number", s), hint)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 23 {
		return withHint(fmt.Errorf("%s is not an hour of the day (0-23)", s), hint)
	}
	*h = Hour(n)
	return nil
}

// job resolves the flags into a job: absolute paths to the project and to
// mise, as found now, since launchd and systemd run the job without a shell.
func (f ScheduleFlags) job(e *Env, init string) (schedule.Job, error) {
	project := f.Project
	if project == "" {
		project = "."
	}
	project, err := filepath.Abs(project)
	if err != nil {
		return schedule.Job{}, withHint(err)
	}
	if fi, err := os.Stat(project); err != nil || !fi.IsDir() {
		return schedule.Job{}, withHint(fmt.Errorf("the project %s is not a directory", redact.Text(project)),
			"pass --project with the repository that holds the rotate-zot-key task (or set ZOT_ROTATE_PROJECT)")
	}
	home, err := homeDir(e)
	if err != nil {
		return schedule.Job{}, err
	}
	j, err := schedule.Resolve(schedule.Machine{GOOS: runtime.GOOS, LookPath: exec.LookPath, Executable: os.Executable, Home: home}, project, int(f.Hour))
	if errors.Is(err, schedule.ErrNoMise) {
		return j, withHint(err, "install mise (https://mise.jdx.dev) or put it on PATH, then run "+init+" again")
	}
	if err != nil {
		return j, withHint(fmt.Errorf("%s", redact.Text(err.Error())))
	}
	return j, nil
}

func homeDir(e *Env) (string, error) {
	home := e.Getenv("HOME")
	if !filepath.IsAbs(home) {
		return "", withHint(errors.New("HOME is not set to an absolute path, so the job's files have no place"), "run this as the user the job runs for, in a login shell")
	}
	return home, nil
}

// preflight runs the checks a job must pass before its files are printed or
// installed: a failure ends the run, unless --force makes it a warning.
func (f ScheduleFlags) preflight(e *Env, j schedule.Job, tool string) error {
	failed := schedule.Preflight(e.Ctx, j, schedule.Exec, tool, exec.LookPath)
	if len(failed) == 0 {
		return nil
	}
	if f.Force {
		for _, c := range failed {
			e.say("warning: %v (--force: going ahead)", c.Err)
		}
		return nil
	}
	hints := []string{failed[0].Hint}
	for _, c := range failed[1:] {
		hints = append(hints, "also: "+c.Err.Error())
	}
	hints = append(hints, "--force writes the files anyway")
	return withHint(fmt.Errorf("%s", redact.Text(failed[0].Err.Error())), hints...)
}

// manage installs or uninstalls the job with m; print prints its files.
func (f ScheduleFlags) manage(e *Env, init string, m schedule.Manager, print func(schedule.Job) error, logDir bool) error {
	if f.Uninstall {
		if _, err := exec.LookPath(m.Tool()); err != nil {
			return withHint(fmt.Errorf("%s is not on PATH, so the job cannot be unloaded", m.Tool()), "run this on the machine whose service manager runs the job")
		}
		removed, err := schedule.Uninstall(e.Ctx, m)
		if err != nil {
			return withHint(fmt.Errorf("%s", redact.Text(err.Error())))
		}
		if len(removed) == 0 {
			fmt.Fprintln(e.Stdout, "the daily job was not installed: nothing to remove")
			return nil
		}
		for _, p := range removed {
			fmt.Fprintf(e.Stdout, "removed %s\n", redact.Text(p))
		}
		fmt.Fprintln(e.Stdout, "the daily job is uninstalled")
		return nil
	}
	j, err := f.job(e, init)
	if err != nil {
		return err
	}
	// A value the files cannot carry is refused before any check or write.
	if _, err := m.Files(j); err != nil {
		return withHint(fmt.Errorf("%s", redact.Text(err.Error())), "choose paths without it (--project, and where mise and zotkey are installed)")
	}
	tool := ""
	if f.Install {
		tool = m.Tool()
	}
	if err := f.preflight(e, j, tool); err != nil {
		return err
	}
	if !f.Install {
		if logDir {
			if _, err := os.Stat(j.LogDir()); err != nil {
				e.say("warning: the log directory %s does not exist, and launchd does not create it: mkdir -p %s", redact.Text(j.LogDir()), redact.Text(j.LogDir()))
			}
		}
		return print(j)
	}
	if logDir {
		// launchd opens the log before it starts the job, and does not create its directory.
		if err := os.MkdirAll(j.LogDir(), 0o755); err != nil {
			return withHint(fmt.Errorf("cannot create the log directory: %s", redact.Text(err.Error())))
		}
	}
	files, err := schedule.Install(context.WithoutCancel(e.Ctx), m, j)
	for _, file := range files {
		fmt.Fprintf(e.Stdout, "wrote %s\n", redact.Text(file.Path))
	}
	if err != nil {
		return withHint(fmt.Errorf("%s", redact.Text(err.Error())), "zotkey doctor says what else is wrong; "+init+" --uninstall removes the files")
	}
	fmt.Fprintf(e.Stdout, "the daily job is loaded: it runs `mise run rotate-zot-key --auto` in %s every day at %02d:00\n", redact.Text(j.Project), j.Hour)
	fmt.Fprintln(e.Stdout, "see it work: zotkey status; zotkey doctor")
	return nil
}

// InitLaunchdCmd prints or installs a LaunchAgent for the daily job.
type InitLaunchdCmd struct {
	ScheduleFlags
}

func (c *InitLaunchdCmd) Run(e *Env) error {
	home, err := homeDir(e)
	if err != nil {
		return err
	}
	m := schedule.LaunchAgent{Home: home, UID: os.Getuid(), Run: schedule.Exec}
	return c.manage(e, "zotkey init launchd", m, func(j schedule.Job) error {
		src, err := schedule.Launchd(j)
		if err != nil {
			return withHint(fmt.Errorf("%s", redact.Text(err.Error())))
		}
		_, err = fmt.Fprint(e.Stdout, src)
		return err
	}, true)
}

// InitSystemdCmd prints or installs a systemd user service and timer for the daily job.
type InitSystemdCmd struct {
	ScheduleFlags
	Unit string `enum:"all,service,timer" default:"all" help:"Which unit to print: ${enum} (to save each in its file, print them one at a time)."`
}

func (c *InitSystemdCmd) Run(e *Env) error {
	if c.Unit != "all" && (c.Install || c.Uninstall) {
		return UsageError(errors.New("--unit selects what to print; --install and --uninstall handle both units"))
	}
	dir, err := schedule.UserUnitDir(e.Getenv)
	if err != nil {
		return withHint(err, "run this as the user the job runs for, in a login shell")
	}
	m := schedule.UserTimer{Dir: dir, Run: schedule.Exec}
	return c.manage(e, "zotkey init systemd", m, func(j schedule.Job) error {
		var out string
		for _, u := range []struct {
			name string
			gen  func(schedule.Job) (string, error)
		}{{"service", schedule.Service}, {"timer", schedule.Timer}} {
			if c.Unit != "all" && c.Unit != u.name {
				continue
			}
			src, err := u.gen(j)
			if err != nil {
				return withHint(fmt.Errorf("%s", redact.Text(err.Error())))
			}
			if out != "" {
				out += "\n"
			}
			out += src
		}
		_, err := fmt.Fprint(e.Stdout, out)
		return err
	}, false)
}
