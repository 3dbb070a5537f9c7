package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/completion"
)

// InitCmd prints what to install beside zotkey: the shell integration, the
// mise task, and the daily job's definitions.
type InitCmd struct {
	Fish    InitFishCmd    `cmd:"" help:"Print the fish integration (zot-rotate, completions, reminder) to source from config.fish."`
	Mise    InitMiseCmd    `cmd:"" help:"Print the rotate-zot-key mise task, to save into a project's mise-tasks/."`
	Launchd InitLaunchdCmd `cmd:"" help:"Print (or --install) a LaunchAgent that runs the daily rotation job (macOS)."`
	Systemd InitSystemdCmd `cmd:"" help:"Print (or --install) a systemd user service and timer that run the daily rotation job (Linux)."`
}

// InitFishCmd prints the fish integration.
type InitFishCmd struct{}

func (c *InitFishCmd) Run(k *kong.Kong, e *Env) error {
	fmt.Fprintln(e.Stdout, "# zotkey shell integration: add `zotkey init fish | source` to ~/.config/fish/config.fish")
	fmt.Fprintln(e.Stdout, strings.TrimRight(e.FishFunction, "\n"))
	fmt.Fprintln(e.Stdout)
	if err := completion.Fish(e.Stdout, k.Model); err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout)
	if err := completion.ZotRotateFish(e.Stdout, k.Model); err != nil {
		return err
	}
	// Opt-in reminder: set ZOTKEY_REMIND_DAYS (universal) to be told at shell
	// start when the key is that close to expiry. It reads only the local record.
	fmt.Fprint(e.Stdout, `
if status is-interactive; and set -q ZOTKEY_REMIND_DAYS
    zotkey status --quiet --warn-days $ZOTKEY_REMIND_DAYS 2>/dev/null
end
`)
	return nil
}

// InitMiseCmd prints the mise task (embedded in the binary, so a project can
// take it from the installed zotkey, offline and always matching it). The
// output is the committed file byte for byte; its own header says how to update.
type InitMiseCmd struct{}

func (c *InitMiseCmd) Run(e *Env) error {
	if e.MiseTask == "" {
		return errors.New("this zotkey was built without the mise task")
	}
	_, err := io.WriteString(e.Stdout, e.MiseTask)
	return err
}
