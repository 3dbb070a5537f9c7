package doctor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/schedule"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/synccmd"
	"github.com/eblume/zotkey/internal/zot"
)

// The facts checks pass on.
const (
	FactKey    = "key"    // key.Key: the stored key, parsed
	FactCaller = "caller" // lifecycle.ListedKey: the stored key's entry in the registry's list
	FactSignIn = "signin" // bool: 1Password signed in
	FactWorks  = "works"  // bool: zot accepts the stored key
)

// Settings is the settings file: Err is what loading it said (nil: parsed,
// or absent and not asked for).
type Settings struct {
	Path   string
	Exists bool
	Err    error
}

func (Settings) Name() string { return "settings file" }

func (s Settings) Run(context.Context, Facts) Result {
	switch {
	case s.Err != nil:
		return Failed(s.Err.Error(), "fix the file or move it aside; settings are the long flag names (zotkey --help)")
	case !s.Exists && s.Path == "":
		// No default settings file: HOME and XDG_CONFIG_HOME are not absolute.
		return Failed("zotkey cannot tell where its settings file is, since neither HOME nor XDG_CONFIG_HOME is an absolute path",
			"set HOME to your home folder's absolute path, or pass --config FILE")
	case !s.Exists:
		return Passed("none at %s: the defaults and ZOTKEY_* variables apply", s.Path)
	}
	return Passed("%s parses", s.Path)
}

// KeySource is where the stored key is read (a store.Store, read only).
type KeySource interface {
	String() string
	Get(ctx context.Context) (string, error)
}

// readKey reads and parses the stored key.
func readKey(ctx context.Context, src KeySource) (key.Key, error) {
	v, err := src.Get(ctx)
	if err != nil {
		return key.Key{}, err
	}
	k, err := key.Parse([]byte(v), key.Zot)
	if err != nil {
		return key.Key{}, fmt.Errorf("it holds no zot API key: %v", err)
	}
	return k, nil
}

// KeyringEntry is the key's entry in the OS keyring.
type KeyringEntry struct {
	Entry KeySource
	Fix   string // how to store a key there
	Moved string // when the record has the key elsewhere: the did-you-mean that names it
}

func (KeyringEntry) Name() string { return "store: keyring entry" }

func (c KeyringEntry) Run(ctx context.Context, _ Facts) Result {
	k, err := readKey(ctx, c.Entry)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Failed(c.Entry.String()+" does not exist", cmp.Or(c.Moved, c.Fix))
	case err != nil:
		return Failed(fmt.Sprintf("%s: %v", c.Entry, err), hintOf(err, c.Fix))
	}
	return Passed("%s holds a key (%s)", c.Entry, k.Fingerprint()).With(FactKey, k)
}

// Credential is the 1Password credential zotkey would use: Describe names it
// (never its value), or says why there is none.
type Credential struct {
	Describe func() (string, error)
}

func (Credential) Name() string { return "store: 1Password credential" }

func (c Credential) Run(context.Context, Facts) Result {
	how, err := c.Describe()
	if err != nil {
		return Failed(err.Error(), hintOf(err, "save a service-account token with zotkey token set, or pass --op-account for the desktop app"))
	}
	return Passed("%s", how)
}

// DesktopApp is the 1Password app's library, which the SDK loads for the
// desktop-app sign-in; Account is empty when a token is used instead.
type DesktopApp struct {
	Account string
	Paths   []string // where the SDK looks, in its order
	Exists  func(string) bool
}

func (DesktopApp) Name() string { return "store: 1Password app" }

func (c DesktopApp) Run(context.Context, Facts) Result {
	if c.Account == "" {
		return Skipped("not used (a service-account token signs in)")
	}
	for _, p := range c.Paths {
		if c.Exists(p) {
			return Passed("its SDK library is at %s", p)
		}
	}
	return Failed("no SDK library at "+strings.Join(c.Paths, " or "),
		"install the 1Password app in /Applications (or ~/Applications), and turn on Settings → Developer → Integrate with other apps")
}

// SignIn signs in to 1Password.
type SignIn struct {
	SignIn func(ctx context.Context) error
	Via    string // how, for the line
}

func (SignIn) Name() string { return "store: 1Password sign-in" }

func (c SignIn) Run(ctx context.Context, _ Facts) Result {
	if err := c.SignIn(ctx); err != nil {
		return Failed(err.Error(), hintOf(err, "check the credential (zotkey token status), or approve zotkey in the 1Password app"))
	}
	return Passed("signed in with %s", c.Via).With(FactSignIn, true)
}

// ConcealedField is a key source that also says whether its field is concealed.
type ConcealedField interface {
	KeySource
	Concealed() (bool, error)
}

// OnePasswordField is the key's field in 1Password: the vault, item and field
// found, the field concealed, a key in it.
type OnePasswordField struct {
	Field ConcealedField
	Fix   string // how to store a key there
	Moved string // when the record has the key elsewhere: the did-you-mean that names it
}

func (OnePasswordField) Name() string { return "store: 1Password field" }

func (c OnePasswordField) Run(ctx context.Context, facts Facts) Result {
	if facts[FactSignIn] != true {
		return Skipped("needs the 1Password sign-in")
	}
	k, err := readKey(ctx, c.Field)
	if errors.Is(err, store.ErrNotFound) && c.Moved != "" {
		return Failed(fmt.Sprintf("%s: %v", c.Field, err), c.Moved)
	}
	if err != nil {
		return Failed(fmt.Sprintf("%s: %v", c.Field, err), hintOf(err, c.Fix))
	}
	res := Passed("%s found, concealed, holds a key (%s)", c.Field, k.Fingerprint()).With(FactKey, k)
	switch concealed, err := c.Field.Concealed(); {
	case err != nil:
		return Failed(err.Error(), c.Fix).With(FactKey, k)
	case !concealed:
		res = Failed(fmt.Sprintf("%s holds a key (%s) but is not concealed: 1Password shows it in the clear", c.Field, k.Fingerprint()),
			"in 1Password, edit the item and make the field a password (concealed) field").With(FactKey, k)
	}
	return res
}

// Registry is what the registry checks ask zot.
type Registry interface {
	Ping(ctx context.Context) (int, error)
	Check(ctx context.Context, k key.Key) error
	List(ctx context.Context, auth key.Key) ([]zot.APIKey, error)
}

// RegistryAnswers: something answers GET /v2/ at the URL (no key sent).
type RegistryAnswers struct {
	Registry Registry
	URL      string
}

func (RegistryAnswers) Name() string { return "registry: answers" }

func (c RegistryAnswers) Run(ctx context.Context, _ Facts) Result {
	code, err := c.Registry.Ping(ctx)
	if err != nil {
		return Failed(err.Error(), "check --registry (or ZOTKEY_REGISTRY, registry in the settings file) and the network")
	}
	if code != http.StatusOK && code != http.StatusUnauthorized {
		return Failed(fmt.Sprintf("%s answers GET /v2/ with HTTP %d, not as a registry does (200 or 401)", c.URL, code), "check --registry: it is the registry's base URL")
	}
	return Passed("%s answers GET /v2/ (HTTP %d)", c.URL, code)
}

// KeyWorks: the stored key authenticates (GET /v2/ with it answers 200).
type KeyWorks struct {
	Registry Registry
	User     string
}

func (KeyWorks) Name() string { return "registry: stored key works" }

func (c KeyWorks) Run(ctx context.Context, facts Facts) Result {
	k, ok := facts[FactKey].(key.Key)
	if !ok {
		return Skipped("needs the stored key")
	}
	if err := c.Registry.Check(ctx, k); err != nil {
		fix := "check the network and --registry"
		if errors.Is(err, zot.ErrRejected) {
			fix = "the key is expired, revoked or not " + c.User + "'s: mint one in the zot web UI and store it with zotkey set"
		}
		return Failed(err.Error(), fix)
	}
	return Passed("zot accepts %s for %s", k.Fingerprint(), c.User).With(FactWorks, true)
}

// APIKeysEnabled: zot's API keys are on, so the job can mint and revoke
// (GET /zot/auth/apikey with the key answers 200).
type APIKeysEnabled struct{ Registry Registry }

func (APIKeysEnabled) Name() string { return "registry: API keys enabled" }

func (c APIKeysEnabled) Run(ctx context.Context, facts Facts) Result {
	k, ok := facts[FactKey].(key.Key)
	if !ok || facts[FactWorks] != true {
		// Without a key zot accepts, its answer says nothing about API keys.
		return Skipped("needs a stored key that zot accepts")
	}
	keys, err := c.Registry.List(ctx, k)
	if err != nil {
		fix := "check the network and --registry"
		if errors.Is(err, zot.ErrStatus) {
			fix = `turn API keys on in zot's config ("http": {"auth": {"apikey": true}}) and restart it`
		}
		return Failed("GET /zot/auth/apikey: "+err.Error(), fix)
	}
	res := Passed("GET /zot/auth/apikey answers 200 (%d key(s) listed)", len(keys))
	if caller, ok := lifecycle.NewestUse(driver.Listed(keys)); ok {
		res = res.With(FactCaller, caller)
	}
	return res
}

// DaysLeft: when the stored key expires, from the registry's list.
type DaysLeft struct {
	Now    func() time.Time
	Policy lifecycle.Policy // the daily job's: it rotates Within ahead
}

func (DaysLeft) Name() string { return "registry: days left" }

func (c DaysLeft) Run(_ context.Context, facts Facts) Result {
	caller, ok := facts[FactCaller].(lifecycle.ListedKey)
	if !ok {
		return Skipped("needs the registry's list of keys")
	}
	if !caller.Expires() {
		return Passed("the stored key never expires")
	}
	left := caller.ExpiresAt.Sub(c.Now())
	days := lifecycle.DaysUntil(caller.ExpiresAt, c.Now())
	at := caller.ExpiresAt.UTC().Format(time.RFC3339)
	switch {
	case left <= 0:
		return Failed("the stored key expired at "+at, "mint a key in the zot web UI and store it with zotkey set")
	case c.Policy.ExpiresSoon(caller.ExpiresAt, c.Now()):
		return Passed("%d day(s), until %s: the daily job rotates it on its next run", days, at)
	}
	return Passed("%d day(s), until %s", days, at)
}

// RecordAgrees: the local record names the stored key.
type RecordAgrees struct {
	// Fingerprint is the record's fingerprint of the stored key; found is
	// false when there is no record yet.
	Fingerprint func() (fp string, found bool, err error)
}

func (RecordAgrees) Name() string { return "record agrees with the store" }

func (c RecordAgrees) Run(_ context.Context, facts Facts) Result {
	k, ok := facts[FactKey].(key.Key)
	if !ok {
		return Skipped("needs the stored key")
	}
	fp, found, err := c.Fingerprint()
	switch {
	case err != nil:
		return Failed(err.Error(), hintOf(err, "run zotkey status --check, which rewrites the record from the store and the registry"))
	case !found:
		return Failed("there is no record yet", "run zotkey status --check, which records the stored key")
	case fp != k.Fingerprint():
		return Failed(fmt.Sprintf("the record names %s, the store holds %s", fp, k.Fingerprint()),
			"run zotkey status --check, which records the key in the store (if the stored key was replaced by hand, zotkey set records it)")
	}
	return Passed("both name %s", fp)
}

// Exec runs argv and returns its combined output.
type Exec func(ctx context.Context, argv ...string) (string, error)

// MiseTask: mise finds a task in the project.
type MiseTask struct {
	Task    string
	Project string
	Mise    string // mise's path, "" when not on PATH
	Fix     string
	Exec    Exec
}

func (c MiseTask) Name() string { return "mise task " + c.Task }

func (c MiseTask) Run(ctx context.Context, _ Facts) Result {
	if c.Mise == "" {
		return Failed("mise is not on PATH", "install mise (https://mise.jdx.dev) and put it on PATH")
	}
	if _, err := c.Exec(ctx, c.Mise, "--cd", c.Project, "tasks", "info", c.Task); err != nil {
		return Failed(fmt.Sprintf("mise finds no %s task in %s", c.Task, c.Project), c.Fix)
	}
	return Passed("mise finds it in %s", c.Project)
}

// SyncFound: the sync the daily job runs (the settings file's, else the mise
// task's default) can start from the project it runs in: its program is
// found, and for `mise run TASK` mise finds TASK there (synccmd.Checker).
type SyncFound struct {
	Sync    synccmd.Sync
	Checker synccmd.Checker
}

func (c SyncFound) Name() string { return "sync: " + c.Sync.String() }

func (c SyncFound) Run(ctx context.Context, _ Facts) Result {
	if len(c.Sync.Argv) == 0 {
		return Failed("no sync", `set one in the settings file, e.g. sync = ["mise", "run", "provision-indri"]`)
	}
	if err := c.Checker.Check(ctx, c.Sync.Argv); err != nil {
		return Failed(err.Error(), "fix the settings file's sync, or make it work from that folder (doctor checks the installed job's project, or --project)")
	}
	return Passed("found from %s", redact.Text(c.Checker.Dir))
}

// Job is one way the daily job can be installed (a LaunchAgent, systemd units).
type Job struct {
	Kind      string   // "LaunchAgent", "systemd timer"
	Files     []string // its files
	Exists    func(string) bool
	Loaded    func(ctx context.Context) error
	LoadedBy  string // the call that proves it loaded, for the line
	InstallBy string // the command that installs it
}

// JobLoaded: the daily job is installed (its files exist) and loaded.
type JobLoaded struct {
	Jobs    []Job // the ways in order; the first with files is checked
	Install string
	Unknown error // why the first way's files cannot be looked for (nil: they can)
}

func (JobLoaded) Name() string { return "daily job" }

func (c JobLoaded) Run(ctx context.Context, _ Facts) Result {
	for _, j := range c.Jobs {
		present := false
		for _, f := range j.Files {
			present = present || j.Exists(f)
		}
		if !present {
			continue
		}
		err := j.Loaded(ctx)
		var nm *schedule.NoUserManagerError
		if errors.As(err, &nm) {
			return Failed(fmt.Sprintf("the %s is installed (%s), but no systemd user manager runs for you here", j.Kind, j.Files[0]),
				"run loginctl enable-linger $USER (or log in to a desktop session), then "+j.InstallBy)
		}
		if err != nil {
			return Failed(fmt.Sprintf("the %s is installed (%s) but not loaded: %v", j.Kind, j.Files[0], err), j.InstallBy+" (loads it again)")
		}
		return Passed("the %s is installed and loaded (%s)", j.Kind, j.LoadedBy)
	}
	if c.Unknown != nil {
		return Failed("cannot tell whether it is installed: "+c.Unknown.Error(), "run zotkey doctor as the user the job runs for, in a login shell")
	}
	return Failed("not installed", c.Install)
}

// LastRun is the daily job's last run, as the record keeps it.
// HOOK(lifecycle record): Last is nil until the record keeps the job's runs;
// the lead fills it from the record (when, outcome, message).
type LastRun struct {
	Last func(ctx context.Context) Result
}

func (LastRun) Name() string { return "daily job's last run" }

func (c LastRun) Run(ctx context.Context, _ Facts) Result {
	if c.Last == nil {
		return Skipped("this zotkey does not record the job's runs yet")
	}
	return c.Last(ctx)
}

// hintOf is err's own hint (1Password's, the keyring's errors carry one), else fallback.
func hintOf(err error, fallback string) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) && h.Hint() != "" {
		return h.Hint()
	}
	return fallback
}
