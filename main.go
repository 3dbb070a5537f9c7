// Command zotkey stores, checks and rotates a zot registry API key without
// ever putting it in argv, the environment, a file or a log line.
package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/cli"
	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/redact"
)

//go:embed functions/zot-rotate.fish
var fishFunction string

//go:embed mise-tasks/rotate-zot-key
var miseTask string

// The committed completions, generated from the kong model and kept equal to
// it by TestGeneratedFiles: printed as they are, since generating them costs
// every `zotkey completion fish` (a shell start) about 0.1 MB and 0.5 ms.
var (
	//go:embed completions/fish/zotkey.fish
	fishCompletions string
	//go:embed completions/fish/zot-rotate.fish
	zotRotateCompletions string
)

func main() {
	// Before anything else, and so before any secret is read: no core dumps.
	if err := hardenProcess(); err != nil {
		os.Exit(cli.Report(os.Stderr, err))
	}
	env := cli.DefaultEnv(context.Background(), version())
	env.VersionText = func() string { return versionText(version(), buildSettings()) }
	embedFiles(env)
	os.Exit(run(os.Args[1:], env))
}

// embedFiles gives env the files embedded in the binary.
func embedFiles(env *cli.Env) {
	env.FishFunction = fishFunction
	env.MiseTask = miseTask
	env.FishCompletions = map[string]string{"zotkey": fishCompletions, "zot-rotate": zotRotateCompletions}
}

// signalContext is cancelled by SIGINT, SIGTERM or SIGHUP (the terminal
// closed), so a step in flight stops (a sync as a whole process group) and
// rollbacks run before the process exits.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
}

// exit carries kong's exit request (after --help or --version) out of the
// parser, so run returns instead of the process dying mid-call.
type exit struct{ code int }

// run parses args, runs the chosen command and returns the exit code; errors
// are printed once, as "zotkey: error:" and "zotkey: hint:" lines.
func run(args []string, env *cli.Env) (code int) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(exit)
			if !ok {
				panic(r)
			}
			code = e.code
		}
	}()
	if len(args) == 0 {
		args = []string{"--help"} // bare zotkey: the help, not a usage error
	}
	command, err := parseAndRun(args, env)
	// The daily job asks for a person whenever it cannot run at all.
	cli.NotifyJobFailure(env, args, command, err)
	return cli.Report(env.Stderr, err)
}

// parseAndRun parses args and runs the chosen command; it returns the
// command's name ("" when parsing failed) and the error to report.
func parseAndRun(args []string, env *cli.Env) (string, error) {
	if err := refuseKeyArgs(args); err != nil {
		return "", err
	}
	var c cli.CLI
	parser, err := cli.NewParserFor(args, &c, env, kong.Exit(func(code int) { panic(exit{code}) }))
	if err != nil {
		return "", err
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		var perr *kong.ParseError
		if errors.As(err, &perr) {
			if hidden := redact.HideError(err, args); hidden.Error() != err.Error() {
				return "", cli.UsageError(hint.With(hidden, redact.NotShownHint))
			}
			return "", cli.UsageError(err)
		}
		return "", err
	}
	if interruptible(&c, kctx.Command()) {
		ctx, stop := signalContext(env.Ctx)
		defer stop()
		env.Ctx = ctx
	}
	return kctx.Command(), kctx.Run(&c.Globals, env, parser)
}

// refuseKeyArgs stops a run with a key-shaped argument (zotkey set zak_…,
// --from zak_…) before kong quotes it back: the key is already in the shell's
// history and the process list, so the user is told to replace it.
func refuseKeyArgs(args []string) error {
	for _, a := range args {
		if redact.HasKey(a) {
			return cli.UsageError(cli.KeyArgument())
		}
	}
	for i, a := range args {
		if !utf8.ValidString(a) {
			// kong would read the bytes as U+FFFD and go on with another value.
			return cli.UsageError(fmt.Errorf("argument %d is not valid UTF-8 text", i+1))
		}
	}
	return nil
}

// interruptible says whether command gets SIGINT/SIGTERM/SIGHUP handling. Commands
// that only read local files and print keep the default (exit at once): they
// have nothing to roll back, and handling signals costs every run its start-up
// (the runtime's signal goroutine and threads, ~0.4 ms, BenchmarkStartup).
// --help and --version end during parsing, before this.
func interruptible(c *cli.CLI, command string) bool {
	switch {
	case command == "status" && !c.Status.Check:
		return false
	case strings.HasPrefix(command, "completion"), strings.HasPrefix(command, "init"):
		return false
	}
	return true
}

// buildSettings are the build's settings (debug.ReadBuildInfo): vcs.revision,
// vcs.modified, CGO_ENABLED and the like.
func buildSettings() map[string]string {
	m := map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			m[s.Key] = s.Value
		}
	}
	return m
}

// versionText is what zotkey --version prints: the version, the commit it
// was built from (when the build stamped one), and whether this build can
// sign in through the 1Password desktop app, which needs cgo.
func versionText(v string, settings map[string]string) string {
	commit := "unknown (built without VCS information, e.g. -buildvcs=false or go install …@version)"
	if rev := settings["vcs.revision"]; rev != "" {
		commit = rev
		if settings["vcs.modified"] == "true" {
			commit += " (with uncommitted changes)"
		}
		if t := settings["vcs.time"]; t != "" {
			commit += ", " + t
		}
	}
	desktop := "yes (built with cgo)"
	if !onepassword.DesktopSupported() {
		desktop = "no: built without cgo; rebuild with CGO_ENABLED=1 and a C compiler, or use a service-account token"
	}
	return fmt.Sprintf("zotkey %s\ncommit: %s\n1Password desktop app: %s", v, commit, desktop)
}

// buildVersion, when set with -ldflags "-X main.buildVersion=…", wins over
// the module version; tests use it to build zotkey with a version as long as
// the pseudo-versions `go install …@latest` stamps.
var buildVersion string

// version is the version --version prints: buildVersion, else the module
// version `go install …@vX` stamps, else "devel". 1Password gets its semver
// core only (onepassword.IntegrationVersion).
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
