package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/eblume/zotkey/internal/auto"
	"github.com/eblume/zotkey/internal/notify"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

// AutoCmd is the daily job: `mise run rotate-zot-key --auto` runs it with the
// project's sync command. The decisions live in internal/auto; this wires
// them to the commands in this process, so 1Password loads at most once.
type AutoCmd struct {
	Within    int      `default:"14" env:"ZOTKEY_WITHIN" placeholder:"DAYS" help:"Mint a new key when the stored one expires within this many days."`
	ExpiresIn Lifetime `default:"90d" placeholder:"DAYS" help:"Lifetime of a key the job mints."`
	QuietPeriod
	DryRun bool     `help:"Refresh the record and say what is due; revoke and mint nothing."`
	Sync   []string `arg:"" optional:"" passthrough:"" placeholder:"SYNC" help:"After --: the command that syncs a new key to its consumers (the mise task passes its own)."`
}

func (c *AutoCmd) Run(g *Globals, e *Env) error {
	sync := c.Sync
	if len(sync) > 0 && sync[0] == "--" {
		sync = sync[1:]
	}
	lifetime := int(time.Duration(c.ExpiresIn) / (24 * time.Hour))
	if c.Within < 0 || c.Within >= lifetime {
		// A misconfigured job fails every day: a person needs to know.
		err := fmt.Errorf("--within %d must be at least 0 and less than the %d days a new key lives (--expires-in), or every run would mint", c.Within, lifetime)
		postNotification(e, auto.NotifyTitle, "The daily zot key job is misconfigured: "+err.Error()+". Fix --within, ZOTKEY_WITHIN or within in the settings file.")
		return exitCode(ExitUsage, withHint(err, "pass a smaller --within (the default is 14), or fix ZOTKEY_WITHIN or within in the settings file"))
	}
	if len(sync) == 0 && !c.DryRun {
		return exitCode(ExitUsage, withHint(errors.New("zotkey auto needs the command that syncs a new key, after --"), "run the daily job as: mise run rotate-zot-key --auto"))
	}
	e.say("daily job at %s", e.Now().Format(time.RFC3339))
	if !c.DryRun {
		// One job at a time: a second one (the timer firing during a manual
		// zot-rotate --auto) would rotate again beside the first one's sync.
		f, err := e.recordFile(g)
		if err != nil {
			return err
		}
		switch err := f.LockJob(); {
		case errors.Is(err, record.ErrBusy):
			e.say("another daily job is running for %s (user %s); this run leaves the work to it", redact.Text(g.Registry), redact.Text(g.User))
			fmt.Fprintln(e.Stdout, "nothing done: another daily job is running")
			return nil
		case err == nil:
			defer f.UnlockJob()
		} // else the steps report the unwritable record themselves
	}
	if g.Store == "onepassword" && g.OpAccount != "" {
		e.say("warning: 1Password sign-in goes through the desktop app (--op-account), which may show a prompt that nobody answers in an unattended run; a service-account token avoids it (zotkey token set)")
	}
	e.watchSignIn(g)
	syncLine := redact.Text(shellLine(sync))
	job := &auto.Job{
		Steps: auto.Steps{
			Load:     func() (auto.State, error) { return loadState(g, e) },
			Refresh:  func() error { return (&StatusCmd{Check: true, Quiet: true, QuietPeriod: c.QuietPeriod}).Run(g, e) },
			Revoke:   func() error { return (&RevokePreviousCmd{QuietPeriod: c.QuietPeriod}).Run(g, e) },
			Rotate:   func() error { return (&RotateCmd{ExpiresIn: c.ExpiresIn}).Run(g, e) },
			Sync:     func() error { return runSync(e, sync) },
			Synced:   func(fp string) error { return (&SyncedCmd{Fingerprint: fp}).Run(g, e) },
			Classify: classify,
		},
		Commands: auto.Commands{
			Retry:    "mise run rotate-zot-key --auto (zot-rotate --auto)",
			Manual:   "mise run rotate-zot-key --manual (zot-rotate --manual)",
			SyncLine: syncLine,
		},
		Within: c.Within,
		DryRun: c.DryRun,
		Now:    e.Now,
		Out:    e.Stdout,
		Say:    e.say,
		Notify: func(title, msg string) { postNotification(e, title, msg) },
	}
	err := job.Run()
	var p *auto.Problem
	if errors.As(err, &p) {
		return withHint(p, p.Todo)
	}
	return err
}

func postNotification(e *Env, title, msg string) {
	if err := notify.System.Post(context.WithoutCancel(e.Ctx), title, msg); err != nil {
		e.say("warning: could not post a desktop notification: %v", err)
	}
}

// loadState is what the local record says, and when it was last written.
func loadState(g *Globals, e *Env) (auto.State, error) {
	f, err := e.recordFile(g)
	if err != nil {
		return auto.State{}, err
	}
	r, err := f.Load()
	if errors.Is(err, record.ErrNone) {
		return auto.State{}, nil
	}
	if err != nil {
		return auto.State{}, err
	}
	st := auto.State{Recorded: true, ExpiresAt: r.ExpiresAt, Waiting: len(r.Previous), Fingerprint: r.Fingerprint}
	st.AwaitingSync, st.LatestReplaced = r.AwaitingSync()
	// Every write of the record follows what zotkey just learned from the
	// registry or stored, so the file's time is when it was last known true.
	if fi, err := os.Stat(f.Path); err == nil {
		st.Written = fi.ModTime()
	}
	return st, nil
}

// runSync runs the project's sync with no stdin (nobody is there to answer)
// and its output in the job's log; SIGINT or SIGTERM reach it as an interrupt.
func runSync(e *Env, argv []string) error {
	e.say("syncing the new key: %s", redact.Text(shellLine(argv)))
	cmd := exec.CommandContext(e.Ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = e.Stderr, e.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Run(); err != nil {
		if ctxErr := e.Ctx.Err(); ctxErr != nil {
			// A stop asked for is not a failed sync: exit 130, no notification.
			return fmt.Errorf("interrupted during the sync: %w", ctxErr)
		}
		return fmt.Errorf("the sync failed: %w", err)
	}
	return nil
}

// shellLine is argv as a line to paste into a shell: words that need it are
// single-quoted.
func shellLine(argv []string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+,@%") == "" {
			words[i] = a
		} else {
			words[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(words, " ")
}

// signInError marks a failure to sign in to 1Password, so the job can tell
// it from the store's other errors; its text is the failure's own.
type signInError struct{ err error }

func (s *signInError) Error() string { return s.err.Error() }
func (s *signInError) Unwrap() error { return s.err }

// watchSignIn wraps the run's 1Password client so that a failed sign-in is a
// signInError wherever it surfaces.
func (e *Env) watchSignIn(g *Globals) {
	inner := e.onePassword(g)
	e.op = onepassword.NewLazy(func(ctx context.Context) (onepassword.API, error) {
		api, err := inner.Get(ctx)
		if err != nil {
			return nil, &signInError{err}
		}
		return api, nil
	})
}

func classify(err error) auto.Kind {
	var s *signInError
	switch {
	case errors.Is(err, zot.ErrRejected):
		return auto.KeyDead
	case errors.As(err, &s):
		return auto.SignIn
	case errors.Is(err, store.ErrNotFound):
		return auto.NoKey
	}
	return auto.Failed
}
