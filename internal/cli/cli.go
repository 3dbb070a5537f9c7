// Package cli is zotkey's command model (one kong grammar, from which help,
// completions and the mise task's flags all come) and the commands' Run methods.
package cli

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/clipboard"
	"github.com/eblume/zotkey/internal/onepassword"
)

// CLI is the whole grammar.
type CLI struct {
	Globals

	Set            SetCmd            `cmd:"" help:"Store a new key, read from stdin, the clipboard or a hidden prompt."`
	Verify         VerifyCmd         `cmd:"" help:"Check a key against the registry without storing it."`
	Status         StatusCmd         `cmd:"" help:"Show the stored key's fingerprint, expiry and days left."`
	Rotate         RotateCmd         `cmd:"" help:"Mint a new key with the current one, check it and store it."`
	RevokePrevious RevokePreviousCmd `cmd:"" name:"revoke-previous" help:"Revoke the keys rotate replaced, once the stored key works."`
	Auto           AutoCmd           `cmd:"" help:"Run the daily job once: refresh the record, revoke idle replaced keys, mint when the key nears expiry (mise run rotate-zot-key --auto runs it)."`
	Token          TokenCmd          `cmd:"" help:"Manage the 1Password service-account token kept in the OS keyring."`
	Completion     CompletionCmd     `cmd:"" help:"Print a shell completion script."`
	Init           InitCmd           `cmd:"" help:"Print the shell integration to source from your shell's config."`
}

// Globals apply to every command; each is also read from ZOTKEY_<NAME>.
type Globals struct {
	Store     string           `enum:"onepassword,keyring" default:"onepassword" env:"ZOTKEY_STORE" help:"Where the key is kept: ${enum}."`
	Vault     string           `default:"blumeops" env:"ZOTKEY_VAULT" help:"1Password vault, by title or ID."`
	Item      string           `default:"Forgejo Secrets" env:"ZOTKEY_ITEM" help:"1Password item, by title or ID."`
	Field     string           `default:"zot-ci-api" env:"ZOTKEY_FIELD" help:"Field that holds the key (also the keyring entry's name)."`
	Registry  string           `default:"https://registry.ops.eblu.me" env:"ZOTKEY_REGISTRY" help:"Registry base URL."`
	User      string           `default:"zot-ci" env:"ZOTKEY_USER" help:"Registry user the key belongs to."`
	OpAccount string           `env:"ZOTKEY_OP_ACCOUNT" placeholder:"NAME" help:"1Password account for the desktop-app integration (needs a cgo build); unset: use a service-account token."`
	AllowHTTP bool             `name:"allow-http" env:"ZOTKEY_ALLOW_HTTP" help:"Allow a plain http:// registry URL for a host other than loopback (the key then travels unencrypted)."`
	Timeout   time.Duration    `default:"10s" env:"ZOTKEY_TIMEOUT" placeholder:"DURATION" help:"Timeout of each registry request."`
	Version   kong.VersionFlag `help:"Print the version and exit."`
}

// Env is everything a command touches outside its flags; main fills it with the
// real thing, tests with fakes where the real thing cannot run.
type Env struct {
	Ctx       context.Context
	Stdin     *os.File
	Stdout    io.Writer
	Stderr    io.Writer
	Getenv    func(string) string
	Clipboard clipboard.Clipboard
	OpenTTY   func() (*os.File, error) // nil: /dev/tty
	Now       func() time.Time
	Version   string
	// Connect creates the 1Password client; it is called at most once a run.
	Connect func(context.Context, onepassword.Auth) (onepassword.API, error)
	// FishFunction is the zot-rotate function's source, for `zotkey init fish`.
	FishFunction string

	op *onepassword.Lazy
}

// Options are the kong options every parser of CLI uses.
func Options(env *Env) []kong.Option {
	return []kong.Option{
		kong.Name("zotkey"),
		kong.Description("Store, check and rotate a zot registry API key without ever exposing it."),
		kong.Vars{"version": env.Version},
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Writers(env.Stdout, env.Stderr),
	}
}

// NewParser builds the kong parser for cli; main and the completion generator share it.
func NewParser(cli *CLI, env *Env, extra ...kong.Option) (*kong.Kong, error) {
	return kong.New(cli, append(Options(env), extra...)...)
}
