package cli

import (
	"io"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/completion"
)

// CompletionCmd prints completions generated from the kong model, so they
// cannot drift from the commands and flags they complete.
type CompletionCmd struct {
	Shell string `arg:"" enum:"fish" help:"Shell to print completions for: ${enum}."`
	For   string `enum:"zotkey,zot-rotate" default:"zotkey" placeholder:"COMMAND" help:"Command to complete: zotkey, or zot-rotate (the fish function and mise task)."`
}

func (c *CompletionCmd) Run(k *kong.Kong, e *Env) error {
	if s, ok := e.FishCompletions[c.For]; ok {
		_, err := io.WriteString(e.Stdout, s)
		return err
	}
	if c.For == "zot-rotate" {
		return completion.ZotRotateFish(e.Stdout, k.Model)
	}
	return completion.Fish(e.Stdout, k.Model)
}

// TaskFlag is a flag of the rotate-zot-key mise task and the zot-rotate function.
type TaskFlag = completion.TaskFlag

// TaskFlags are the task's flags (completion.TaskFlags).
func TaskFlags(app *kong.Application) []TaskFlag { return completion.TaskFlags(app) }

// TaskUsage is the #USAGE block the mise task must carry (completion.TaskUsage).
func TaskUsage(app *kong.Application) string { return completion.TaskUsage(app) }
