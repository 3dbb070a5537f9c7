package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/eblume/zotkey/internal/flagvalue"
	"github.com/eblume/zotkey/internal/schedule"
)

// ScheduleFlags say when and where the daily job runs, and whether to print
// its files or install them.
type ScheduleFlags struct {
	Hour      flagvalue.Hour `default:"9" placeholder:"H" help:"Hour of the day to run the job (0-23, local time, decimal; default ${default})."`
	Project   string         `env:"ZOT_ROTATE_PROJECT" placeholder:"DIR" help:"The project whose rotate-zot-key task the job runs (default: the current directory)."`
	Install   bool           `xor:"mode" help:"Write the files where the service manager reads them and load the job (replacing an older one), instead of printing them."`
	Uninstall bool           `xor:"mode" help:"Unload the job and remove its files."`
	Force     bool           `help:"Print or install even when a check fails (mise finds no rotate-zot-key task, zotkey or mise not executable, the service manager's tool missing)."`
}

// setup is the run the flags ask for, printing with print.
func (f ScheduleFlags) setup(e *Env, init string, m schedule.Manager, print func(schedule.Job) error, logDir bool) schedule.Setup {
	return schedule.Setup{Project: f.Project, Hour: int(f.Hour), Install: f.Install, Uninstall: f.Uninstall, Force: f.Force,
		Init: init, Getenv: e.Getenv, Manager: m, Print: print, LogDir: logDir, Out: e.Stdout, Say: e.say}
}

// InitLaunchdCmd prints or installs a LaunchAgent for the daily job.
type InitLaunchdCmd struct {
	ScheduleFlags
}

func (c *InitLaunchdCmd) Run(e *Env) error {
	home, err := schedule.HomeDir(e.Getenv)
	if err != nil {
		return err
	}
	m := schedule.LaunchAgent{Home: home, UID: os.Getuid(), Run: schedule.Exec}
	return c.setup(e, "zotkey init launchd", m, func(j schedule.Job) error {
		src, err := schedule.Launchd(j)
		if err != nil {
			return withHint(errors.New(err.Error())) // the text alone (Report redacts it)
		}
		_, err = fmt.Fprint(e.Stdout, src)
		return err
	}, true).Run(e.Ctx)
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
	return c.setup(e, "zotkey init systemd", m, func(j schedule.Job) error {
		out, err := schedule.Units(j, c.Unit)
		if err != nil {
			return err
		}
		_, err = fmt.Fprint(e.Stdout, out)
		return err
	}, false).Run(e.Ctx)
}
