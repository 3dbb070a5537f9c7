package doctor

import (
	"cmp"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/schedule"
	"github.com/eblume/zotkey/internal/synccmd"
	"github.com/eblume/zotkey/internal/zot"
)

// Setup is what zotkey doctor looks at, all read only: the settings file,
// the store, the registry, the local record, mise and the service manager.
type Setup struct {
	Settings Settings
	// The store: the keyring entry Keyring when set, else 1Password.
	Keyring    KeySource
	OpAccount  string
	Credential onepassword.CredentialSource
	SignIn     func(context.Context) error // signs in to 1Password
	Field      ConcealedField
	// Moved is the did-you-mean for a key not found where the flags say,
	// when the record has it elsewhere ("" otherwise).
	Moved string
	// The registry, or the error (and its fix) that stopped zotkey using it.
	Registry    *zot.Client
	RegistryErr error
	RegistryFix string // "": the error's own hint
	User        string
	Now         func() time.Time
	Within      int                             // days before expiry at which the job rotates
	Record      func() (lifecycle.State, error) // loads the record without changing it
	NoRegistry  bool                            // none is named, so there is no identity and no record
	Getenv      func(string) string
	Project     string       // "": the installed job's, else the current directory
	Sync        synccmd.Sync // the sync the daily job runs (synccmd.ForJob)
}

// Checks are every check, in the order they run.
func (s Setup) Checks() []Check {
	checks := []Check{s.Settings}
	checks = append(checks, s.storeChecks()...)
	checks = append(checks, s.registryChecks()...)
	checks = append(checks, RecordAgrees{Fingerprint: s.recordFingerprint})
	return append(checks, s.jobChecks()...)
}

func (s Setup) storeChecks() []Check {
	if s.Keyring != nil {
		return []Check{KeyringEntry{Entry: s.Keyring, Moved: s.Moved,
			Fix: "store the key: zotkey --store keyring set (or mise run rotate-zot-key --manual)"}}
	}
	describe := func() (string, error) {
		auth, err := onepassword.ResolveAuth(s.Credential)
		if err != nil {
			return "", err
		}
		if auth.Account != "" {
			return "the 1Password app, account " + auth.Account, nil
		}
		return "a service-account token from " + auth.Source, nil
	}
	return []Check{
		Credential{Describe: describe},
		DesktopApp{Account: s.OpAccount, Paths: onepassword.DesktopLibraryPaths(runtime.GOOS, s.Getenv("HOME")), Exists: exists},
		Func{N: "store: 1Password sign-in", F: func(ctx context.Context, f Facts) Result {
			via, err := describe()
			if err != nil {
				return Skipped("needs a credential")
			}
			return SignIn{Via: via, SignIn: s.SignIn}.Run(ctx, f)
		}},
		OnePasswordField{Field: s.Field, Moved: s.Moved, Fix: "check --vault, --item and --field, or store the key: zotkey set"},
	}
}

func (s Setup) registryChecks() []Check {
	if s.RegistryErr != nil {
		fix := s.RegistryFix // else the error's own hint
		if hs := hint.Hints(s.RegistryErr); fix == "" && len(hs) > 0 {
			fix = hs[0]
		}
		return []Check{Func{N: "registry: answers", F: func(context.Context, Facts) Result {
			return Failed(s.RegistryErr.Error(), cmp.Or(fix, "check --registry"))
		}}}
	}
	return []Check{
		RegistryAnswers{Registry: s.Registry, URL: s.Registry.BaseURL},
		KeyWorks{Registry: s.Registry, User: s.User},
		APIKeysEnabled{Registry: s.Registry},
		DaysLeft{Now: s.Now, Policy: lifecycle.Policy{Within: time.Duration(s.Within) * 24 * time.Hour}},
	}
}

// record loads the record; with no registry named there is none.
func (s Setup) record() (lifecycle.State, error) {
	if s.NoRegistry {
		return lifecycle.State{}, record.ErrNone
	}
	return s.Record()
}

// recordFingerprint reads the record's stored key without changing anything.
func (s Setup) recordFingerprint() (string, bool, error) {
	st, err := s.record()
	if errors.Is(err, record.ErrNone) || err == nil && st.Current == nil {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return st.Current.Fingerprint, true, nil
}

// lastRun judges the daily job's last recorded run.
func (s Setup) lastRun(context.Context) Result {
	st, err := s.record()
	switch {
	case err != nil && !errors.Is(err, record.ErrNone):
		return Failed(err.Error(), "see the record's error above")
	case st.LastJob == nil:
		return Skipped("the daily job has not run yet (it runs daily; to run it now: zotkey auto)")
	}
	j := *st.LastJob
	line := driver.DescribeJob(j, s.Now())
	switch {
	case j.Late(s.Now()):
		return Failed(line, "check that the job is loaded (above) and that the machine was awake at its hour")
	case j.Outcome == lifecycle.NeedsYou || j.Outcome == lifecycle.Failed:
		return Failed(line, "see the job's log, fix the cause, then run: zotkey auto")
	}
	return Passed("%s", line)
}

func (s Setup) jobChecks() []Check {
	// A job whose place is unknown (HOME or XDG_CONFIG_HOME not absolute)
	// has no files: a path relative to the current directory is not its.
	home, homeErr := schedule.HomeDir(s.Getenv)
	unitDir, unitErr := schedule.UserUnitDir(s.Getenv)
	agent := schedule.LaunchAgent{Home: home, UID: os.Getuid(), Run: schedule.Exec}
	timer := schedule.UserTimer{Dir: unitDir, Run: schedule.Exec}
	launchd := Job{Kind: "LaunchAgent", Files: agent.Paths(), Exists: exists, Loaded: agent.Loaded,
		LoadedBy: "launchctl print " + agent.Target(), InstallBy: "zotkey init launchd --install"}
	systemd := Job{Kind: "systemd timer", Files: timer.Paths(), Exists: exists, Loaded: timer.Loaded,
		LoadedBy: "systemctl --user is-enabled " + schedule.Unit + ".timer", InstallBy: "zotkey init systemd --install"}
	if homeErr != nil {
		launchd.Files = nil
	}
	if unitErr != nil {
		systemd.Files = nil
	}
	jobs, install, unknown := []Job{systemd, launchd}, "from the project: zotkey init systemd --install", unitErr
	if runtime.GOOS == "darwin" {
		jobs, install, unknown = []Job{launchd, systemd}, "from the project: zotkey init launchd --install", homeErr
	}
	project := s.Project
	if project == "" {
		// The installed job's project is the one that matters.
		if p, err := agent.Project(); homeErr == nil && err == nil && exists(agent.Plist()) {
			project = p
		} else if p, err := timer.Project(); unitErr == nil && err == nil {
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
	return []Check{
		MiseTask{Task: "rotate-zot-key", Project: project, Mise: mise, Exec: Exec(schedule.Exec), Fix: taskFix},
		SyncFound{Sync: s.Sync, Checker: synccmd.Checker{Dir: project, Path: s.Getenv("PATH")}},
		JobLoaded{Jobs: jobs, Install: install, Unknown: unknown},
		LastRun{Last: s.lastRun},
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
