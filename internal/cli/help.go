package cli

import (
	"fmt"
	"strings"

	"github.com/alecthomas/kong"
)

// helpPrinter is kong's help with each command first: `zotkey --help` lists
// the global flags; a command's help lists only its own flags and
// subcommands, then points to the globals in one line, instead of repeating
// them under every command.
func helpPrinter(opts kong.HelpOptions, ctx *kong.Context) error {
	sel := ctx.Selected()
	if sel == nil || sel == ctx.Model.Node {
		return kong.DefaultHelpPrinter(opts, ctx)
	}
	var names []string
	for _, f := range ctx.Model.Node.Flags {
		if f.Group == nil || f.Group.Key != "global" || f.Hidden {
			continue
		}
		f.Hidden = true // for this printing only; the grammar is unchanged
		defer func() { f.Hidden = false }()
		if len(names) < 3 {
			names = append(names, "--"+f.Name)
		}
	}
	if err := kong.DefaultHelpPrinter(opts, ctx); err != nil {
		return err
	}
	_, err := fmt.Fprintf(ctx.Stdout, "\nGlobal flags (%s, …): zotkey --help\n", strings.Join(names, ", "))
	return err
}
