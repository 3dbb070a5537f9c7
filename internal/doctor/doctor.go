// Package doctor looks at everything the daily job needs and says, one line per check, what works and how to fix
// what does not. A check only reads: it changes no store, record, registry key or job. Each check runs under its own
// timeout (a hung keyring, 1Password prompt or registry cannot hold the rest), and a failed check does not stop the
// others; a check that needs what an earlier one failed to find is skipped, naming it. No line holds a key: checks
// see keys as key.Key, which prints as its fingerprint.
package doctor

import (
	"context"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"

	"github.com/eblume/zotkey/internal/redact"
)

// Status is a check's outcome.
type Status int

const (
	Pass Status = iota
	Fail
	Skip // not run: what it needs is missing, or it does not apply here
)

func (s Status) String() string { return [...]string{"ok", "FAIL", "skip"}[s] }

// Result is what one check found.
type Result struct {
	Status Status
	Detail string // what was found, one line
	Fix    string // for Fail: what to do
	// Facts are what later checks may use (the key, the registry's list);
	// they are kept only when the check finished within its timeout.
	Facts Facts
}

// Passed is a passed check.
func Passed(format string, args ...any) Result {
	return Result{Status: Pass, Detail: fmt.Sprintf(format, args...)}
}

// Failed is a failed check with its fix.
func Failed(detail, fix string) Result { return Result{Status: Fail, Detail: detail, Fix: fix} }

// Skipped is a check that did not run, and why.
func Skipped(format string, args ...any) Result {
	return Result{Status: Skip, Detail: fmt.Sprintf(format, args...)}
}

// With adds a fact for later checks.
func (r Result) With(name string, v any) Result {
	if r.Facts == nil {
		r.Facts = Facts{}
	}
	r.Facts[name] = v
	return r
}

// Facts are what earlier checks found, by name. Each check gets its own copy.
type Facts map[string]any

// Check is one look at the setup.
type Check interface {
	// Name is the check's short name, e.g. "store: 1Password sign-in".
	Name() string
	// Run looks, within ctx, and says what it found.
	Run(ctx context.Context, facts Facts) Result
}

// Func is a Check made of a name and a function.
type Func struct {
	N string
	F func(ctx context.Context, facts Facts) Result
}

func (f Func) Name() string                                { return f.N }
func (f Func) Run(ctx context.Context, facts Facts) Result { return f.F(ctx, facts) }

// Runner runs checks in order and prints one line per check.
type Runner struct {
	Out     io.Writer
	Timeout time.Duration // each check's
}

// Run runs every check, each under r.Timeout, and returns how many failed.
// A check that does not return in time fails (its goroutine is left behind:
// some calls, such as the 1Password app's, take no context).
func (r Runner) Run(ctx context.Context, checks []Check) (failed int) {
	facts := Facts{}
	for _, c := range checks {
		res := r.one(ctx, c, maps.Clone(facts))
		maps.Copy(facts, res.Facts)
		if res.Status == Fail {
			failed++
		}
		fmt.Fprintln(r.Out, Line(c.Name(), res))
	}
	return failed
}

func (r Runner) one(ctx context.Context, c Check, facts Facts) (res Result) {
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	done := make(chan Result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- Failed(fmt.Sprintf("the check itself failed: %v", p), "report it as a zotkey bug")
			}
		}()
		done <- c.Run(ctx, facts)
	}()
	select {
	case res = <-done:
		return res
	case <-ctx.Done():
		if ctx.Err() == context.DeadlineExceeded {
			return Failed(fmt.Sprintf("no answer within %s", r.Timeout), "find what hangs (a locked keyring, a 1Password prompt nobody answers, an unreachable registry) and run zotkey doctor again")
		}
		return Failed("interrupted", "run zotkey doctor again")
	}
}

// Line is a check's line: "ok   name: detail", "FAIL name: detail; fix: …",
// "skip name: why". Every part goes through redact.Text.
func Line(name string, r Result) string {
	l := fmt.Sprintf("%-4s %s: %s", r.Status, name, oneLine(r.Detail))
	if r.Status == Fail && r.Fix != "" {
		l += "; fix: " + oneLine(r.Fix)
	}
	return l
}

func oneLine(s string) string { return redact.Text(strings.TrimSpace(s)) }
