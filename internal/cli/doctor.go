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

	"github.com/eblume/zotkey/internal/doctor"
	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/keyring"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/schedule"
)

// DoctorCmd checks the setup the daily job needs. The checks live in
// internal/doctor; this wires them to the run's settings, store, registry,
// record, mise and service manager, all read only.
type DoctorCmd struct {
	Project      string        `env:"ZOT_ROTATE_PROJECT" placeholder:"DIR" help:"The project whose mise tasks to look for (default: the installed job's, else the current directory)."`
	Within       int           `default:"14" env:"ZOTKEY_WITHIN" placeholder:"DAYS" help:"Days before expiry at which the daily job rotates (as for zotkey auto)."`
	CheckTimeout time.Duration `default:"30s" placeholder:"DURATION" help:"Time each check may take before it counts as failed."`
}

func (c *DoctorCmd) Run(g *Globals, e *Env) error {
	if c.CheckTimeout <= 0 {
		return UsageError(fmt.Errorf("--check-timeout %s must be positive", c.CheckTimeout))
	}
	fmt.Fprintf(e.Stdout, "zotkey doctor: %s, user %s, store %s\n", redact.Text(g.Registry), redact.Text(g.User), redact.Text(g.Store))
	run := doctor.Runner{Out: e.Stdout, Timeout: c.CheckTimeout}
	checks := []doctor.Check{doctor.Settings{Path: e.settings.path, Exists: e.settings.exists, Err: e.settings.err}}
	checks = append(checks, c.storeChecks(g, e)...)
	checks = append(checks, c.registryChecks(g, e)...)
	checks = append(checks, doctor.RecordAgrees{Fingerprint: func() (string, bool, error) { return recordFingerprint(g, e) }})
	checks = append(checks, c.jobChecks(g, e)...)
	failed := run.Run(e.Ctx, checks)
	if err := e.Ctx.Err(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d checks failed", failed, len(checks))
	}
	fmt.Fprintln(e.Stdout, "all checks passed")
	return nil
}

func (c *DoctorCmd) storeChecks(g *Globals, e *Env) []doctor.Check {
	if g.Store == "keyring" {
		return []doctor.Check{doctor.KeyringEntry{Entry: keyring.Entry{User: g.Field},
			Fix: "store the key: zotkey --store keyring set (or mise run rotate-zot-key --manual)"}}
	}
	source := onepassword.CredentialSource{
		Account:      g.OpAccount,
		KeyringToken: func() (string, error) { return keyring.Entry{User: keyring.TokenUser}.Get(e.Ctx) },
		EnvToken:     e.Getenv("OP_SERVICE_ACCOUNT_TOKEN"),
	}
	describe := func() (string, error) {
		auth, err := onepassword.ResolveAuth(source)
		if err != nil {
			return "", err
		}
		if auth.Account != "" {
			return "the 1Password app, account " + auth.Account, nil
		}
		return "a service-account token from " + auth.Source, nil
	}
	home := e.Getenv("HOME")
	lazy := e.onePassword(g)
	field := &onepassword.Field{Client: lazy.Get, Vault: g.Vault, Item: g.Item, Field: g.Field}
	return []doctor.Check{
		doctor.Credential{Describe: describe},
		doctor.DesktopApp{Account: g.OpAccount, Paths: onepassword.DesktopLibraryPaths(runtime.GOOS, home), Exists: exists},
		doctor.Func{N: "store: 1Password sign-in", F: func(ctx context.Context, f doctor.Facts) doctor.Result {
			via, err := describe()
			if err != nil {
				return doctor.Skipped("needs a credential")
			}
			return doctor.SignIn{Via: via, SignIn: func(ctx context.Context) error { _, err := lazy.Get(ctx); return err }}.Run(ctx, f)
		}},
		doctor.OnePasswordField{Field: field, Fix: "check --vault, --item and --field, or store the key: zotkey set"},
	}
}

func (c *DoctorCmd) registryChecks(g *Globals, e *Env) []doctor.Check {
	reg, err := e.registry(g)
	if err != nil {
		fix := "check --registry"
		if hs := hint.Hints(err); len(hs) > 0 {
			fix = hs[0]
		}
		return []doctor.Check{doctor.Func{N: "registry: answers", F: func(context.Context, doctor.Facts) doctor.Result {
			return doctor.Failed(err.Error(), fix)
		}}}
	}
	return []doctor.Check{
		doctor.RegistryAnswers{Registry: reg, URL: reg.BaseURL},
		doctor.KeyWorks{Registry: reg, User: g.User},
		doctor.APIKeysEnabled{Registry: reg},
		doctor.DaysLeft{Now: e.Now, Within: c.Within},
	}
}

// recordFingerprint reads the record's stored key without changing anything.
func recordFingerprint(g *Globals, e *Env) (string, bool, error) {
	st, err := loadRecord(g, e)
	if errors.Is(err, record.ErrNone) || err == nil && st.Current == nil {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return st.Current.Fingerprint, true, nil
}

// loadRecord reads the record (an older format is read, not rewritten).
func loadRecord(g *Globals, e *Env) (lifecycle.State, error) {
	f, err := e.recordFile(g)
	if err != nil {
		return lifecycle.State{}, err
	}
	return f.Load()
}

// lastRun judges the daily job's last recorded run.
func lastRun(g *Globals, e *Env) func(context.Context) doctor.Result {
	return func(context.Context) doctor.Result {
		st, err := loadRecord(g, e)
		switch {
		case err != nil && !errors.Is(err, record.ErrNone):
			return doctor.Failed(err.Error(), "see the record's error above")
		case st.LastJob == nil:
			return doctor.Skipped("the daily job has not run yet (it runs daily; to run it now: zotkey auto)")
		}
		j := *st.LastJob
		line := j.Describe(e.Now())
		switch {
		case e.Now().Sub(j.At) > 48*time.Hour:
			return doctor.Failed(line, "check that the job is loaded (above) and that the machine was awake at its hour")
		case j.Outcome == lifecycle.NeedsYou || j.Outcome == lifecycle.Failed:
			return doctor.Failed(line, "see the job's log, fix the cause, then run: zotkey auto")
		}
		return doctor.Passed("%s", line)
	}
}

func (c *DoctorCmd) jobChecks(g *Globals, e *Env) []doctor.Check {
	home := e.Getenv("HOME")
	agent := schedule.LaunchAgent{Home: home, UID: os.Getuid(), Run: schedule.Exec}
	unitDir, _ := schedule.UserUnitDir(e.Getenv)
	timer := schedule.UserTimer{Dir: unitDir, Run: schedule.Exec}
	launchd := doctor.Job{Kind: "LaunchAgent", Files: agent.Paths(), Exists: exists, Loaded: agent.Loaded,
		LoadedBy: "launchctl print " + agent.Target(), InstallBy: "zotkey init launchd --install"}
	systemd := doctor.Job{Kind: "systemd timer", Files: timer.Paths(), Exists: exists, Loaded: timer.Loaded,
		LoadedBy: "systemctl --user is-enabled " + schedule.Unit + ".timer", InstallBy: "zotkey init systemd --install"}
	jobs, install := []doctor.Job{systemd, launchd}, "from the project: zotkey init systemd --install"
	if runtime.GOOS == "darwin" {
		jobs, install = []doctor.Job{launchd, systemd}, "from the project: zotkey init launchd --install"
	}
	project := c.Project
	if project == "" {
		// The installed job's project is the one that matters.
		if p, err := agent.Project(); err == nil && exists(agent.Plist()) {
			project = p
		} else if p, err := timer.Project(); err == nil {
			project = p
		} else {
			project = "."
		}
	}
	if abs, err := filepath.Abs(project); err == nil {
		project = abs
	}
	mise, _ := exec.LookPath("mise")
	taskFix := "add it: zotkey init mise > mise-tasks/rotate-zot-key && chmod +x mise-tasks/rotate-zot-key (mise trust the project)"
	return []doctor.Check{
		doctor.MiseTask{Task: "rotate-zot-key", Project: project, Mise: mise, Exec: doctor.Exec(schedule.Exec), Fix: taskFix},
		doctor.MiseTask{Task: "provision-indri", Project: project, Mise: mise, Exec: doctor.Exec(schedule.Exec),
			Fix: "the sync task comes from the project (its mise.toml includes); run doctor from it or pass --project"},
		doctor.JobLoaded{Jobs: jobs, Install: install},
		doctor.LastRun{Last: lastRun(g, e)},
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
