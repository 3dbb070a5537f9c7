package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/config"
	"github.com/eblume/zotkey/internal/doctor"
	"github.com/eblume/zotkey/internal/flagvalue"
	"github.com/eblume/zotkey/internal/synccmd"
)

// DoctorCmd checks the setup the daily job needs. The checks live in
// internal/doctor; this wires them to the run's settings, store, registry,
// record, mise and service manager, all read only.
type DoctorCmd struct {
	Project      string        `env:"ZOT_ROTATE_PROJECT" placeholder:"DIR" help:"The project whose mise tasks to look for (default: the installed job's, else the current directory)."`
	Within       int           `default:"14" env:"ZOTKEY_WITHIN" placeholder:"DAYS" help:"Days before expiry at which the daily job rotates (as for zotkey auto)."`
	CheckTimeout time.Duration `default:"30s" placeholder:"DURATION" help:"Time each check may take before it counts as failed."`
	synccmd.JobSync
}

func (c *DoctorCmd) Run(g *Globals, e *Env) error {
	if c.CheckTimeout <= 0 {
		return UsageError(fmt.Errorf("--check-timeout %s must be positive", c.CheckTimeout))
	}
	// auto refuses a --within not below the lifetime it mints; doctor knows no
	// lifetime, so it refuses what no lifetime (at most a year) allows.
	if c.Within < 0 || c.Within >= flagvalue.MaxLifetimeDays {
		err := fmt.Errorf("--within %d must be at least 0 and less than %d days, the longest a key lives", c.Within, flagvalue.MaxLifetimeDays)
		return exitCode(ExitUsage, withHint(err, "pass a smaller --within (the default is 14), or fix ZOTKEY_WITHIN or within in the settings file"))
	}
	fmt.Fprint(e.Stdout, e.settings.DoctorHeader(config.Where{Registry: g.Registry, User: g.User, Store: g.Store, Vault: g.Vault, Item: g.Item, Field: g.Field}))
	s := e.session(g)
	setup := doctor.Setup{
		Settings:  doctor.Settings{Path: e.settings.Path, Exists: e.settings.Exists, Err: e.settings.Err},
		OpAccount: g.OpAccount,
		User:      g.User, Now: e.Now, Within: c.Within, Getenv: e.Getenv, Project: c.Project, Sync: synccmd.ForJob(c.Sync),
		NoRegistry: g.Registry == "",
		Record:     s.Load, // an older format is read, not rewritten
	}
	if g.Store == "keyring" {
		setup.Keyring = s.KeyringEntry()
	} else {
		setup.Credential = s.Credential()
		setup.Credential.Timeout = 0
		lazy := s.OnePassword()
		setup.SignIn = func(ctx context.Context) error { _, err := lazy.Get(ctx); return err }
		setup.Field = s.StoreField()
	}
	setup.Moved = s.Moved("")
	if setup.Registry, setup.RegistryErr = s.Registry(); g.Registry == "" {
		setup.RegistryFix, setup.RegistryErr = e.settings.RegistryCheck()
	}
	checks := setup.Checks()
	failed := doctor.Runner{Out: e.Stdout, Timeout: c.CheckTimeout}.Run(e.Ctx, checks)
	if err := e.Ctx.Err(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d checks failed", failed, len(checks))
	}
	fmt.Fprintln(e.Stdout, "all checks passed")
	return nil
}
