package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/auto"
	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/flagvalue"
	"github.com/eblume/zotkey/internal/synccmd"
)

// AutoCmd is the daily job: `zotkey init launchd|systemd --install` runs it
// daily. The decisions live in internal/auto and internal/lifecycle; this
// wires them to this process's store, registry and record, so 1Password
// loads at most once, and only when the store must be read.
type AutoCmd struct {
	Within    int                `default:"14" env:"ZOTKEY_WITHIN" placeholder:"DAYS" help:"Mint a new key when the stored one expires within this many days."`
	ExpiresIn flagvalue.Lifetime `default:"90d" placeholder:"DAYS" help:"Lifetime of a key the job mints."`
	QuietPeriod
	StaleAfter flagvalue.Quiet       `default:"2d" env:"ZOTKEY_STALE_AFTER" placeholder:"DURATION" help:"Notify once when a replaced key is still used this long after its successor's sync: the sync missed one of its users."`
	CheckEvery flagvalue.Quiet       `placeholder:"DURATION" help:"Read the stored key and ask the registry about it at least this often, even with nothing due (default 1d; 7d with the 1Password desktop app, whose sign-in may prompt)."`
	Check      bool                  `help:"Read the stored key and ask the registry about it on this run."`
	DryRun     bool                  `help:"Say what is due and what would be done; record, revoke, mint and sync nothing."`
	JobTimeout flagvalue.StepTimeout `name:"job-timeout" default:"1h" placeholder:"DURATION" help:"Stop the job when it runs longer than this, 1s to 24h (it then notifies, and the next run starts afresh)."`
	synccmd.Flags
}

func (c *AutoCmd) Run(g *Globals, e *Env) error {
	lifetime := int(time.Duration(c.ExpiresIn) / (24 * time.Hour))
	if c.Within < 0 || c.Within >= lifetime {
		// A misconfigured job fails every day: a person needs to know.
		err := fmt.Errorf("--within %d must be at least 0 and less than the %d days a new key lives (--expires-in), or every run would mint", c.Within, lifetime)
		if !c.DryRun { // a dry run is a person at the terminal
			postNotification(e, auto.NotifyTitle, "The daily zot key job is misconfigured: "+err.Error()+". Fix --within, ZOTKEY_WITHIN or within in the settings file.")
		}
		return exitCode(ExitUsage, withHint(err, "pass a smaller --within (the default is 14), or fix ZOTKEY_WITHIN or within in the settings file"))
	}
	chosen := c.Choose()
	if len(chosen.Argv) == 0 && !c.DryRun {
		err := errors.New("zotkey auto needs the command that syncs a new key: the settings file's sync, or after --")
		postNotification(e, auto.NotifyTitle, "The daily zot key job is misconfigured: it has no sync. Set sync in zotkey's settings file.")
		return exitCode(ExitUsage, withHint(err, `set it in the settings file, e.g. sync = ["mise", "run", "provision-indri"], or run the daily job as: mise run rotate-zot-key --auto`))
	}
	if err := synccmd.Refuse(e.Ctx, chosen, e.Getenv("PATH")); err != nil {
		return err // main posts the notification (auto.CannotRun)
	}
	e.say("daily job at %s", e.Now().Format(time.RFC3339))
	defer auto.Deadline(&e.Ctx, c.JobTimeout.Duration(), !c.DryRun, func(msg string) { postNotification(e, auto.NotifyTitle, msg) }, e.Stderr)()
	s := e.session(g)
	if _, err := s.Registry(); err != nil {
		return err
	}
	f, err := s.Record()
	if err != nil {
		return err
	}
	if !c.DryRun {
		// One job at a time: a second one (the timer firing during a manual
		// run) leaves the work to the first.
		switch err := f.LockJob(); {
		case errors.Is(err, driver.ErrBusy):
			e.say("another daily job is running for %s (user %s); this run leaves the work to it", g.Registry, g.User)
			fmt.Fprintln(e.Stdout, "nothing done: another daily job is running")
			return nil
		case err != nil:
			return withHint(err, "nothing was changed; remove what stands at that path, or make zotkey's state folder writable")
		}
		defer f.UnlockJob()
	}
	desktop := g.Store == "onepassword" && g.OpAccount != "" // the 1Password app, whose sign-in may prompt
	s.WatchSignIn(func(err error) error { return &auto.SignInError{Err: err} })
	job := &auto.Job{
		Open: func() (*driver.Run, error) {
			return s.OpenJob(driver.Opts{Sync: chosen.Argv, SyncTimeout: c.SyncTimeout.Duration(), LazyStore: true, ReadOnly: c.DryRun})
		},
		Load: s.Load, LockPath: f.LockPath(),
		Within: c.Within, Lifetime: time.Duration(c.ExpiresIn), Quiet: c.UnusedFor.Duration(), StaleAfter: c.StaleAfter.Duration(),
		CheckEvery: auto.CheckEvery(c.CheckEvery.Duration(), desktop), Check: c.Check, HasSync: len(chosen.Argv) > 0, DryRun: c.DryRun, Store: s.StoreName(),
		Commands: auto.Commands{
			Retry:  "zotkey auto (or zot-rotate --auto)",
			Manual: "mise run rotate-zot-key --manual (zot-rotate --manual)",
			SignIn: auto.SignInTodo(desktop),
		},
		Now:      e.Now,
		Out:      e.Stdout,
		Say:      e.say,
		Notify:   func(title, msg string) { postNotification(e, title, msg) },
		Classify: auto.Classify,
	}
	err = job.Run(e.Ctx)
	var p *auto.Problem
	if errors.As(err, &p) {
		return withHint(p, p.Steps...)
	}
	return err
}

func postNotification(e *Env, title, msg string) { auto.Post(e.Ctx, title, msg, e.say) }
