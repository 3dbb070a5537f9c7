package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/lifecycle"
)

// RevokePreviousCmd retires the keys the stored key replaced, once zot shows
// them idle.
type RevokePreviousCmd struct {
	Force  bool `help:"Revoke every replaced key, even one zot shows in use since it was replaced."`
	DryRun bool `help:"Say which keys would be revoked or kept, and why; revoke nothing."`
	QuietPeriod
}

// QuietPeriod is the one --unused-for of every command that revokes or says
// what would be revoked (revoke-previous, auto, status --check), so a single
// top-level `unused-for` in the settings file reaches them all. The default is
// long enough for a job that started before the sync to end, short enough that
// a forgotten consumer does not keep a key alive.
type QuietPeriod struct {
	UnusedFor Quiet `default:"24h" env:"ZOTKEY_UNUSED_FOR" placeholder:"DURATION" help:"A replaced key that was used after its replacement goes once it has gone unused this long: hours and minutes (36h, 90m) or whole days (2d), 1m to 365d."`
}

// Quiet is --unused-for. A bare number is refused rather than read as
// nanoseconds (a settings file's 86400 meant seconds), and a zero or negative
// period would revoke a key in use: --force says that on purpose.
type Quiet time.Duration

func (q *Quiet) Decode(ctx *kong.DecodeContext) error { return decodeText(ctx, q, "24h") }

func (q *Quiet) UnmarshalText(b []byte) error {
	s := string(b)
	hint := "give a duration with its unit, e.g. 24h, 90m or 2d (1m to 365d); to revoke a key in use, use --force"
	var d time.Duration
	if days, ok := wholeDays(s); ok {
		d = time.Duration(min(days, MaxLifetimeDays+1)) * 24 * time.Hour
	} else if parsed, err := time.ParseDuration(s); err == nil && strings.Trim(s, "0123456789") != "" {
		d = parsed
	} else {
		return withHint(fmt.Errorf("%q is not a duration with a unit", s), hint)
	}
	if d < time.Minute || d > MaxLifetimeDays*24*time.Hour {
		return withHint(fmt.Errorf("%s is outside 1m to %dd", s, MaxLifetimeDays), hint)
	}
	*q = Quiet(d)
	return nil
}

func (q Quiet) Duration() time.Duration { return time.Duration(q) }

func (c *RevokePreviousCmd) Run(g *Globals, e *Env) error {
	reg, err := e.registry(g)
	if err != nil {
		return err
	}
	f, st, err := e.lockRecord(g)
	if err != nil {
		return err
	}
	defer f.Unlock()
	if len(st.Replaced) == 0 && !st.Unfinished() && st.Current != nil {
		e.say("no replaced key is recorded; nothing to revoke")
		return nil
	}
	d := e.newDriver(reg, e.keyStore(g, false), f, st, nil)
	o, err := e.observe(g, d, c.DryRun)
	if err != nil {
		return err
	}
	if err := o.Judged("no other key is revoked", g.target()); err != nil {
		return err
	}
	if o.ListErr != nil {
		return withHint(fmt.Errorf("revoked nothing: zot's key list could not be read: %w", o.ListErr), "run zotkey status --check, then revoke-previous again")
	}
	dec := d.Decide(lifecycle.Ask{Revoke: true, Force: c.Force, Quiet: c.UnusedFor.Duration()})
	if dec.Blocked != "" {
		return withHint(fmt.Errorf("revoked nothing: %s", dec.Blocked), "run the command again")
	}
	e.printDecision(dec, c.DryRun)
	if c.DryRun {
		return nil
	}
	if len(dec.Effects) == 0 && len(dec.Kept) == 0 {
		e.say("no replaced key is recorded; nothing to revoke")
	}
	if err := d.Execute(e.Ctx, dec.Effects, driver.Mint{}); err != nil {
		return driver.Executed(err)
	}
	return e.Ctx.Err()
}
