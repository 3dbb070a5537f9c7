package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/revoke"
	"github.com/eblume/zotkey/internal/zot"
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

// forgetMissing handles a waiting key zot's list leaves out: revoked
// elsewhere, or a list that is incomplete (which would hide its use too). It
// stays recorded until it has been missing for quiet, then zotkey sends the
// revocation anyway (zot answers 200 for unknown ids) and forgets it.
func forgetMissing(e *Env, reg *zot.Client, cur key.Key, rec *record.Record, id string, quiet time.Duration) {
	now := e.Now().UTC().Truncate(time.Second)
	for i := range rec.Previous {
		p := &rec.Previous[i]
		if p.UUID != id {
			continue
		}
		if p.MissingSince == nil {
			p.MissingSince = &now
		}
		if now.Sub(*p.MissingSince) < quiet {
			e.say("key %s is not in zot's key list (revoked elsewhere, or the list is incomplete); kept recorded until it has been missing for %s", id, revoke.Duration(quiet))
			return
		}
	}
	_ = reg.Revoke(e.Ctx, cur, id)
	e.say("forgot key %s: missing from zot's key list for over %s (a revocation was sent all the same)", id, revoke.Duration(quiet))
	rec.Forget(id)
}

func (c *RevokePreviousCmd) Run(g *Globals, e *Env) error {
	reg, err := e.registry(g)
	if err != nil {
		return err
	}
	f, rec, err := e.lockRecord(g)
	if err != nil {
		return err
	}
	defer f.Unlock()
	if len(rec.Previous) == 0 && !rec.Unfinished() {
		e.say("no previous key is recorded; nothing to revoke")
		return nil
	}
	s := e.keyStore(g, false)
	cur, err := readStored(e, g, s)
	if err != nil {
		return err
	}
	if err := reg.Check(e.Ctx, cur); err != nil {
		if !errors.Is(err, zot.ErrRejected) {
			return withHint(fmt.Errorf("no key was revoked: %w", err), notJudged(err, g)...)
		}
		return withHint(fmt.Errorf("the stored key %s does not work, so no other key is revoked: %w", cur.Fingerprint(), err), "fix the stored key first (zotkey status --check)")
	}
	facts, err := lookupFacts(e, reg, cur, recordedUUID(rec, cur.Fingerprint()))
	if err != nil {
		return withHint(fmt.Errorf("revoked nothing: %w", err), "run zotkey status --check, then revoke-previous again")
	}
	if err := finishPending(e, f, &rec, reg, cur, facts); err != nil {
		return err
	}
	switch {
	case rec.Fingerprint != cur.Fingerprint():
		// The store was changed outside zotkey: record the key it holds, and
		// queue the one it replaced, at an unknown time (so it goes only once
		// zot shows it unused for --unused-for).
		replaced := rec.UUID
		rec.Fingerprint, rec.UUID, rec.ExpiresAt = cur.Fingerprint(), facts.self.UUID, facts.expires()
		rec.Retire(replaced, nil)
		if replaced != "" && replaced != rec.UUID {
			e.say("the stored key was changed outside zotkey; queued the key it replaced (uuid %s)", replaced)
		}
	case rec.UUID == "":
		rec.UUID = facts.self.UUID // established from zot's list; Save drops it from the queue
	}
	var failures []error
	for _, d := range revoke.Plan(facts.keys, facts.self, rec.Previous, c.Force, c.UnusedFor.Duration()) {
		id := d.Retired.UUID
		switch d.Action {
		case revoke.IsStored:
			e.say("not revoking key %s: it is the stored key", id)
			if rec.UUID == id {
				rec.Forget(id)
			}
		case revoke.Gone:
			if c.DryRun {
				e.say("dry run: key %s is not in zot's key list; nothing would be revoked now", id)
				continue
			}
			forgetMissing(e, reg, cur, &rec, id, c.UnusedFor.Duration())
		case revoke.Keep:
			e.say("kept the previous key %s: %s", id, d.Why)
			seen := e.Now().UTC().Truncate(time.Second)
			for i := range rec.Previous {
				if rec.Previous[i].UUID == id {
					lu := d.Key.LastUsed.UTC()
					rec.Previous[i].LastUsed, rec.Previous[i].SeenAt, rec.Previous[i].MissingSince = &lu, &seen, nil
				}
			}
		case revoke.Revoke:
			if c.DryRun {
				e.say("dry run: would revoke the previous key %s (%s)", id, d.Why)
				continue
			}
			if err := revoke.Confirmed(e.Ctx, reg, cur, id); err != nil {
				failures = append(failures, fmt.Errorf("revoking the previous key %s: %w", id, err))
				continue
			}
			e.say("revoked the previous key %s (%s)", id, d.Why)
			rec.Forget(id)
		}
		if !c.DryRun {
			if err := f.Save(rec); err != nil {
				return withHint(fmt.Errorf("updating the record: %w", err))
			}
		}
	}
	if len(failures) > 0 {
		err := failures[0]
		if len(failures) > 1 {
			err = fmt.Errorf("%w; %d more revocations failed", err, len(failures)-1)
		}
		return withHint(err, "run zotkey revoke-previous again; the keys not yet revoked stay recorded")
	}
	return e.Ctx.Err()
}
