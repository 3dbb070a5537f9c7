package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/schedule"
)

// ScheduleFlags say when and where the daily job runs.
type ScheduleFlags struct {
	Hour    int    `default:"9" placeholder:"H" help:"Hour of the day to run the job (0-23, local time; default ${default})."`
	Project string `env:"ZOT_ROTATE_PROJECT" placeholder:"DIR" help:"The project whose rotate-zot-key task the job runs (default: the current directory)."`
}

// job resolves the flags into a job: absolute paths to the project and to
// mise, as found now, since launchd and systemd run the job without a shell.
func (f ScheduleFlags) job(e *Env, init string) (schedule.Job, error) {
	if f.Hour < 0 || f.Hour > 23 {
		return schedule.Job{}, UsageError(fmt.Errorf("--hour %d is not an hour of the day (0-23)", f.Hour))
	}
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
	home := e.Getenv("HOME")
	j, err := schedule.Resolve(schedule.Machine{GOOS: runtime.GOOS, LookPath: exec.LookPath, Executable: os.Executable, Home: home}, project, f.Hour)
	if errors.Is(err, schedule.ErrNoMise) {
		return j, withHint(err, "install mise (https://mise.jdx.dev) or put it on PATH, then run "+init+" again")
	}
	if err != nil {
		return j, withHint(fmt.Errorf("%s", redact.Text(err.Error())))
	}
	// A project without the task is worth a word now rather than a failed
	// job tomorrow; mise decides, with the trust and includes it would use.
	ctx, cancel := context.WithTimeout(e.Ctx, 20*time.Second)
	defer cancel()
	check := exec.CommandContext(ctx, j.Mise, "--cd", project, "tasks", "info", "rotate-zot-key")
	if check.Run() != nil {
		e.say("warning: mise finds no rotate-zot-key task in %s (yet); the job runs `mise run rotate-zot-key --auto` there", redact.Text(project))
	}
	return j, nil
}

// InitLaunchdCmd prints a LaunchAgent plist for the daily job.
type InitLaunchdCmd struct {
	ScheduleFlags
}

func (c *InitLaunchdCmd) Run(e *Env) error {
	j, err := c.job(e, "zotkey init launchd")
	if err != nil {
		return err
	}
	src, err := schedule.Launchd(j)
	if err != nil {
		return withHint(fmt.Errorf("%s", redact.Text(err.Error())))
	}
	if _, err := os.Stat(j.LogDir()); err != nil {
		e.say("warning: the log directory %s does not exist, and launchd does not create it: mkdir -p %s", redact.Text(j.LogDir()), redact.Text(j.LogDir()))
	}
	_, err = fmt.Fprint(e.Stdout, src)
	return err
}

// InitSystemdCmd prints a systemd user service and timer for the daily job.
type InitSystemdCmd struct {
	ScheduleFlags
	Unit string `enum:"all,service,timer" default:"all" help:"Which unit to print: ${enum} (to save each in its file, print them one at a time)."`
}

func (c *InitSystemdCmd) Run(e *Env) error {
	j, err := c.job(e, "zotkey init systemd")
	if err != nil {
		return err
	}
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
	_, err = fmt.Fprint(e.Stdout, out)
	return err
}
