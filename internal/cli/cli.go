// Package cli is zotkey's command model (one kong grammar, from which help,
// completions and the mise task's flags all come) and the commands' Run methods.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"reflect"
	"time"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/config"
	"github.com/eblume/zotkey/internal/driver"
)

// CLI is the whole grammar.
type CLI struct {
	Globals

	Set            SetCmd            `cmd:"" help:"Store a new key, read from stdin, the clipboard or a hidden prompt."`
	Verify         VerifyCmd         `cmd:"" help:"Check a key against the registry without storing it."`
	Status         StatusCmd         `cmd:"" help:"Show the stored key's fingerprint, expiry and days left."`
	Rotate         RotateCmd         `cmd:"" help:"Mint a new key with the current one, check it, store it and run the sync."`
	RevokePrevious RevokePreviousCmd `cmd:"" name:"revoke-previous" help:"Revoke the replaced keys that zot shows idle since their replacement."`
	Synced         SyncedCmd         `cmd:"" help:"Record that the stored key has reached its users (after a successful sync), so revoke-previous may retire the keys it replaced."`
	Auto           AutoCmd           `cmd:"" help:"Run the daily job once: refresh the record, revoke idle replaced keys, mint when the key nears expiry (mise run rotate-zot-key --auto runs it)."`
	Token          TokenCmd          `cmd:"" help:"Manage the 1Password service-account token kept in the OS keyring."`
	Completion     CompletionCmd     `cmd:"" help:"Print a shell completion script."`
	Init           InitCmd           `cmd:"" help:"Print what goes beside zotkey: the fish integration, the mise task; print or install the daily job's LaunchAgent or systemd units."`
	Doctor         DoctorCmd         `cmd:"" help:"Check everything the daily job needs, one line each, with the fix for what fails (changes nothing, prints no key)."`
}

// Globals apply to every command; each is also read from ZOTKEY_<NAME> and
// from the settings file under its long name (internal/config).
type Globals struct {
	Store     string        `group:"global" enum:"onepassword,keyring" default:"onepassword" env:"ZOTKEY_STORE" placeholder:"STORE" help:"Where the key is kept: ${enum}."`
	Vault     string        `group:"global" default:"blumeops" env:"ZOTKEY_VAULT" placeholder:"VAULT" help:"1Password vault, by title or ID."`
	Item      string        `group:"global" default:"Forgejo Secrets" env:"ZOTKEY_ITEM" placeholder:"ITEM" help:"1Password item, by title or ID."`
	Field     string        `group:"global" default:"zot-ci-api" env:"ZOTKEY_FIELD" placeholder:"FIELD" help:"Field that holds the key (also the keyring entry's name)."`
	Ref       string        `group:"global" env:"ZOTKEY_REF" placeholder:"REF" help:"The vault, item and field as one 1Password secret reference, op://vault/item/field (instead of --vault, --item and --field)."`
	Registry  string        `group:"global" env:"ZOTKEY_REGISTRY" placeholder:"URL" help:"Registry base URL, the only place the key is sent (no default: name it here or in the settings file)."`
	User      string        `group:"global" default:"zot-ci" env:"ZOTKEY_USER" placeholder:"USER" help:"Registry user the key belongs to."`
	OpAccount string        `group:"global" env:"ZOTKEY_OP_ACCOUNT" placeholder:"NAME" help:"1Password account for the desktop-app integration, as the app's sidebar names it, or its UUID (needs a cgo build); unset: use a service-account token."`
	OpTimeout time.Duration `group:"global" default:"60s" env:"ZOTKEY_OP_TIMEOUT" placeholder:"DURATION" help:"How long to wait for the 1Password app to answer each call, a sign-in, read or write (--op-account), at most 10m."`
	AllowHTTP bool          `group:"global" name:"allow-http" env:"ZOTKEY_ALLOW_HTTP" help:"Allow a plain http:// registry URL for a host other than loopback (the key then travels unencrypted)."`
	Timeout   time.Duration `group:"global" default:"10s" env:"ZOTKEY_TIMEOUT" placeholder:"DURATION" help:"Timeout of each registry request, at most 5m."`
	Config    string        `group:"global" env:"ZOTKEY_CONFIG" placeholder:"FILE" help:"Settings file, TOML; unset: $XDG_CONFIG_HOME/zotkey/config.toml or ~/.config/zotkey/config.toml."`
	Version   VersionFlag   `group:"global" help:"Print the version and exit."`
}

// Env is everything// Env is everything a command touches outside its flags; main fills it with the
// real thing, tests with fakes where the real thing cannot run.
type Env struct {
	Ctx       context.Context
	Stdin     *os.File
	Stdout    io.Writer
	Stderr    io.Writer
	Getenv    func(string) string
	Clipboard driver.Clipboard
	OpenTTY   func() (*os.File, error) // nil: /dev/tty
	Now       func() time.Time
	Version   string
	// VersionText makes what --version prints (Version when nil); it is
	// called only then, since reading the build's settings costs every run.
	VersionText func() string
	// Connect creates the 1Password client; it is called at most once a run.
	Connect driver.Connect
	// FishFunction is the zot-rotate function's source, for `zotkey init fish`.
	FishFunction string
	// MiseTask is mise-tasks/rotate-zot-key, for `zotkey init mise`.
	MiseTask string
	// FishCompletions are the committed completions by --for, which
	// `zotkey completion fish` prints as they are; without them it generates
	// them from the model (TestGeneratedFiles keeps the two equal).
	FishCompletions map[string]string

	sess     *driver.Session
	settings config.Found // the settings file, for zotkey doctor
}

// Options are the kong options every parser of CLI uses.
func Options(env *Env) []kong.Option {
	return []kong.Option{
		kong.Name("zotkey"),
		kong.Description("Store, check and rotate a zot registry API key without ever exposing it."),
		kong.Bind(env), // for VersionFlag, before Run binds it again
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Help(helpPrinter),
		kong.ValueFormatter(helpValue),
		kong.ExplicitGroups([]kong.Group{{Key: "global", Title: "Global flags (also ZOTKEY_* variables and settings-file keys):"}}),
		kong.Writers(env.Stdout, env.Stderr),
		kong.Configuration(config.Loader(os.LookupEnv)),
	}
}

// NewParser builds the kong parser for cli; main and the completion generator share it.
func NewParser(cli *CLI, env *Env, extra ...kong.Option) (*kong.Kong, error) {
	return newParser(cli, &cli.Globals, env, extra)
}

func newParser(grammar any, g *Globals, env *Env, extra []kong.Option) (*kong.Kong, error) {
	opts := append(Options(env), config.Hooks(&env.settings, env.Getenv, &g.Config, &g.Ref, &g.Store, &g.Vault, &g.Item, &g.Field)...)
	return kong.New(grammar, append(opts, extra...)...)
}

// NewParserFor is NewParser for a run with args. `zotkey --help` alone gets
// the root help's grammar (rootHelp): the same help as the whole grammar's,
// for half the memory (kong.New's work grows with the struct tags it reads).
// The help exits during parsing, before any hook, resolver or Validate runs,
// so nothing else of the grammar is missed.
func NewParserFor(args []string, cli *CLI, env *Env, extra ...kong.Option) (*kong.Kong, error) {
	if len(args) != 1 || (args[0] != "--help" && args[0] != "-h") {
		return NewParser(cli, env, extra...)
	}
	grammar := reflect.New(rootHelp(reflect.TypeFor[CLI](), true))
	return newParser(grammar.Interface(), grammar.Elem().Field(0).Addr().Interface().(*Globals), env, extra)
}

// rootHelp is t (CLI) as the root help sees it: the same fields, tags and
// order, but with each command's own flags and arguments left out (they are
// not listed there; TestRootHelpGrammar compares the two helps).
func rootHelp(t reflect.Type, root bool) reflect.Type {
	var fields []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		if _, cmd := f.Tag.Lookup("cmd"); cmd {
			f.Type = rootHelp(f.Type, false)
		} else if !root || !f.Anonymous { // the root keeps Globals, its first field
			continue
		}
		f.Offset, f.Index = 0, nil
		fields = append(fields, f)
	}
	return reflect.StructOf(fields)
}

// VersionFlag is kong.VersionFlag with the text made only when asked for
// (kong.VersionFlag takes it from kong.Vars, which kong.New interpolates into
// every flag: ~60 KB allocated at every start).
type VersionFlag bool

// BeforeReset prints the version and exits 0, as kong.VersionFlag does.
func (VersionFlag) BeforeReset(app *kong.Kong, e *Env) error {
	text := e.Version
	if e.VersionText != nil {
		text = e.VersionText()
	}
	fmt.Fprintln(app.Stdout, text)
	app.Exit(0)
	return nil
}

// Validate checks the globals that kong's types cannot (config.CheckGlobals).
func (g *Globals) Validate() error {
	return config.CheckGlobals(g.Timeout, g.OpTimeout, g.Store, g.Field)
}
