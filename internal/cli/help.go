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
	out, buf := ctx.Stdout, &strings.Builder{}
	ctx.Stdout = buf
	err := kong.DefaultHelpPrinter(opts, ctx)
	ctx.Stdout = out
	if err != nil {
		return err
	}
	text := buf.String()
	for _, p := range sel.Positional {
		if p.Passthrough { // the sync's words come only after --, and after the flags
			text = strings.Replace(text, fmt.Sprintf("[<%s> ...] [flags]", p.Name), fmt.Sprintf("[flags] [-- <%s> ...]", p.Name), 1)
		}
	}
	_, err = fmt.Fprintf(out, "%s\nGlobal flags (%s, …): zotkey --help\n", text, strings.Join(names, ", "))
	return err
}

// helpValue shows every flag's default and variable in --help, so the help
// says what a run without the flag does and how else to set it.
func helpValue(v *kong.Value) string {
	var extra []string
	if v.HasDefault && v.Default != "" && !kong.HasInterpolatedVar(v.OrigHelp, "default") {
		extra = append(extra, "default "+v.Default)
	}
	for _, env := range v.Tag.Envs {
		extra = append(extra, "$"+env)
	}
	if len(extra) == 0 {
		return v.Help
	}
	help, dot := strings.CutSuffix(v.Help, ".")
	help += " (" + strings.Join(extra, ", ") + ")"
	if dot {
		help += "."
	}
	return help
}
