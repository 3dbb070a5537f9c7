package cli

import (
	"time"
)

// TokenCmd manages the 1Password service-account token in the OS keyring.
type TokenCmd struct {
	Set    TokenSetCmd    `cmd:"" help:"Save a service-account token, read from a stdin pipe or a hidden prompt (never an argument)."`
	Status TokenStatusCmd `cmd:"" help:"Name the credential zotkey would use: the 1Password app (op-account), else the token in OP_SERVICE_ACCOUNT_TOKEN or the OS keyring, with its fingerprint."`
	Delete TokenDeleteCmd `cmd:"" help:"Remove the saved token."`
}

type TokenSetCmd struct{}

func (TokenSetCmd) Run(e *Env) error { return e.tokens().Set() }

type TokenStatusCmd struct{}

// Run names the credential a 1Password command would use (token.Keeper.Status).
func (TokenStatusCmd) Run(g *Globals, e *Env) error {
	return e.tokens().Status(g.OpAccount, g.OpTimeout)
}

type TokenDeleteCmd struct{}

func (TokenDeleteCmd) Run(e *Env) error { return e.tokens().Delete() }

// tokens is the token keeper of this run (driver.Terminal.Tokens).
func (e *Env) tokens() tokenKeeper {
	return e.terminal().Tokens(e.Stdout, e.say, e.Getenv)
}

// tokenKeeper is what the token commands ask of token.Keeper.
type tokenKeeper interface {
	Set() error
	Status(account string, timeout time.Duration) error
	Delete() error
}
