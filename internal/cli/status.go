package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/revoke"
	"github.com/eblume/zotkey/internal/zot"
)

// StatusCmd reports on the stored key. Without --check it reads only the
// local record: no network, no 1Password, fast enough for every shell start.
type StatusCmd struct {
	Check    bool `help:"Read the stored key and ask the registry whether it still works (refreshes the record)."`
	WarnDays *int `placeholder:"N" help:"Exit 3 when at most N days are left or the key has expired."`
	JSON     bool `name:"json" help:"Print the status as JSON."`
	Quiet    bool `short:"q" help:"Print nothing unless --warn-days finds the key expiring."`
	QuietPeriod
}

// statusJSON is the --json shape; its fields are documented in the README.
type statusJSON struct {
	record.Record
	DaysLeft *int   `json:"daysLeft,omitempty"`
	State    string `json:"state"` // ok, expiring, expired, unknown, rejected
}

func (c *StatusCmd) Run(g *Globals, e *Env) error {
	var (
		r   record.Record
		err error
	)
	if c.Check {
		r, err = c.check(g, e)
	} else {
		r, err = c.load(g, e)
	}
	if c.JSON && errors.Is(err, record.ErrNone) {
		return c.printUnknown(g, e)
	}
	if err != nil {
		return err
	}
	now := e.Now()
	out := statusJSON{Record: r, State: "unknown"}
	days, known := r.DaysLeft(now)
	if known {
		out.DaysLeft = &days
		out.State = "ok"
		if r.ExpiresAt.Before(now) {
			out.State = "expired"
		} else if c.WarnDays != nil && days <= *c.WarnDays {
			out.State = "expiring"
		}
	}
	warn := c.WarnDays != nil && (out.State == "expired" || out.State == "expiring")
	switch {
	case c.JSON:
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(e.Stdout, string(b))
	case c.Quiet && !warn:
	case c.Quiet:
		fmt.Fprintf(e.Stdout, "zotkey: the zot key %s %s: rotate it with zot-rotate or mise run rotate-zot-key\n", r.Fingerprint, describeExpiry(r, now))
	default:
		printStatus(e, r, now)
	}
	if warn {
		return warning(ExitExpiring, fmt.Errorf("the key %s", describeExpiry(r, now)), "rotate it: zot-rotate, mise run rotate-zot-key or zotkey rotate")
	}
	return nil
}

// printUnknown is --json without a record: still JSON, so a script always
// has something to parse, with state "unknown" and what the flags name.
func (c *StatusCmd) printUnknown(g *Globals, e *Env) error {
	b, _ := json.MarshalIndent(struct {
		Store    string `json:"store"`
		Registry string `json:"registry"`
		User     string `json:"user"`
		State    string `json:"state"`
	}{storeName(g), g.Registry, g.User, "unknown"}, "", "  ")
	fmt.Fprintln(e.Stdout, string(b))
	return nil
}

func (c *StatusCmd) load(g *Globals, e *Env) (record.Record, error) {
	f, err := e.recordFile(g)
	if err != nil {
		return record.Record{}, err
	}
	r, err := f.Load()
	if errors.Is(err, record.ErrNone) {
		// %.0w wraps ErrNone (for --json) without adding to the text.
		return r, withHint(fmt.Errorf("no record of a key for %s (user %s) yet%.0w", redact.Text(g.Registry), redact.Text(g.User), err), "zotkey status --check reads the stored key and records it; zotkey set stores a new one")
	}
	return r, err
}

// check reads the stored key, asks the registry about it and every key waiting
// to be revoked, and refreshes the record.
func (c *StatusCmd) check(g *Globals, e *Env) (record.Record, error) {
	reg, err := e.registry(g)
	if err != nil {
		return record.Record{}, err
	}
	s := e.keyStore(g, false)
	f, old, err := e.lockRecord(g)
	if err != nil {
		return record.Record{}, err
	}
	defer f.Unlock()
	k, err := readStored(e, g, s)
	if err != nil {
		return record.Record{}, err
	}
	if err := reg.Check(e.Ctx, k); err != nil {
		if errors.Is(err, zot.ErrRejected) {
			return record.Record{}, withHint(fmt.Errorf("the stored key %s does not work: %w", k.Fingerprint(), err),
				"get a new key by hand and store it: zotkey set (or mise run rotate-zot-key --manual)")
		}
		return record.Record{}, withHint(err, append([]string{"the stored key " + k.Fingerprint() + " may well still work; nothing was changed"}, notJudged(err, g)...)...)
	}
	facts, listErr := lookupFacts(e, reg, k, recordedUUID(old, k.Fingerprint()))
	r := old
	if listErr == nil {
		if err := finishPending(e, f, &r, reg, k, facts); err != nil {
			return record.Record{}, err
		}
	}
	r.Store, r.Registry, r.User = s.String(), record.Registry(g.Registry), g.User
	now := e.Now().UTC().Truncate(time.Second)
	if ids := opIDs(s); ids != nil {
		r.OnePassword = ids
	}
	if r.Fingerprint != k.Fingerprint() {
		// The key was changed outside zotkey: the one recorded is replaced.
		r.Fingerprint, r.UUID, r.ExpiresAt, r.UpdatedAt = k.Fingerprint(), "", nil, now
		r.Retire(old.UUID, nil) // replaced at an unknown time
	}
	if facts.known {
		r.UUID, r.ExpiresAt = facts.self.UUID, facts.expires()
		r.Forget(r.UUID) // the stored key is never one to revoke
		for i, p := range r.Previous {
			if entry, ok := zot.Find(facts.keys, p.UUID); ok {
				lu := entry.LastUsed.UTC()
				r.Previous[i].LastUsed, r.Previous[i].SeenAt, r.Previous[i].MissingSince = &lu, &now, nil
			}
		}
	}
	if err := f.Save(r); err != nil {
		e.say("warning: the local record was not updated: %v", err)
	}
	e.say("the registry at %s accepts the stored key for %s", redact.Text(g.Registry), redact.Text(g.User))
	if facts.known {
		printKeys(e, r, facts, c.UnusedFor.Duration())
	} else if listErr != nil {
		e.say("zot's key list could not be read (%v); created and last-used times are unknown", listErr)
	}
	return r, nil
}

// printKeys lists the stored key and every key waiting to be revoked with
// zot's created, last-used and expiry times (stderr: stdout stays the status).
func printKeys(e *Env, r record.Record, facts keyFacts, quiet time.Duration) {
	now := facts.self.LastUsed // the registry's present: this check stamped it
	line := func(role string, k zot.APIKey) {
		exp := "never expires"
		if k.Expires() {
			exp = "expires " + k.ExpirationDate.UTC().Format("2006-01-02")
		}
		e.say("  %-8s %s  created %s, last used %s, %s", role, k.UUID, revoke.Ago(k.CreatedAt, now), revoke.Ago(k.LastUsed, now), exp)
	}
	e.say("keys of %s at the registry:", redact.Text(r.User))
	e.say("  %-8s %s  created %s, %s", "stored", facts.self.UUID, revoke.Ago(facts.self.CreatedAt, now), describeKeyUse(r, facts, quiet))
	for _, p := range r.Previous {
		if k, ok := zot.Find(facts.keys, p.UUID); ok {
			line("waiting", k)
		} else {
			e.say("  %-8s %s  no longer listed by zot", "waiting", p.UUID)
		}
	}
	for _, d := range revoke.Plan(facts.keys, facts.self, r.Previous, false, quiet) {
		switch d.Action {
		case revoke.Revoke:
			e.say("key %s can be revoked (%s): zotkey revoke-previous", d.Retired.UUID, d.Why)
		case revoke.Keep:
			e.say("key %s is kept: %s", d.Retired.UUID, d.Why)
		}
	}
}

// describeKeyUse says what zot can tell of the stored key's use. zot keeps
// only each key's latest use, and this check just made one, so use by others
// shows only through the keys it replaced.
func describeKeyUse(r record.Record, facts keyFacts, quiet time.Duration) string {
	if len(r.Previous) == 0 {
		return "last used just now (by this check; zot keeps only each key's latest use)"
	}
	if n, _ := r.AwaitingSync(); n > 0 {
		return "no sync has been confirmed to carry it to the users of the keys it replaced (zotkey synced)"
	}
	for _, d := range revoke.Plan(facts.keys, facts.self, r.Previous, false, quiet) {
		if d.Action == revoke.Keep {
			return "a key it replaced is still in use, so not everything has moved to it yet"
		}
	}
	return "the keys it replaced are idle since, so their users have moved to it (or have not run since)"
}

func describeExpiry(r record.Record, now time.Time) string {
	days, ok := r.DaysLeft(now)
	switch {
	case !ok:
		return "has no known expiry"
	case r.ExpiresAt.Before(now):
		return fmt.Sprintf("expired on %s", r.ExpiresAt.Format("2006-01-02"))
	case days == 1:
		return fmt.Sprintf("expires on %s (1 day left)", r.ExpiresAt.Format("2006-01-02"))
	default:
		return fmt.Sprintf("expires on %s (%d days left)", r.ExpiresAt.Format("2006-01-02"), days)
	}
}

func printStatus(e *Env, r record.Record, now time.Time) {
	w := e.Stdout
	fmt.Fprintf(w, "store:        %s\n", redact.Text(r.Store))
	fmt.Fprintf(w, "registry:     %s (user %s)\n", redact.Text(r.Registry), redact.Text(r.User))
	fmt.Fprintf(w, "fingerprint:  %s\n", r.Fingerprint)
	fmt.Fprintf(w, "expiry:       %s\n", describeExpiry(r, now))
	if r.UUID != "" {
		fmt.Fprintf(w, "zot key uuid: %s\n", redact.Text(r.UUID))
	}
	fmt.Fprintf(w, "updated:      %s\n", r.UpdatedAt.Format(time.RFC3339))
	if len(r.Previous) > 0 {
		fmt.Fprintf(w, "to revoke:    %d previous key(s)%s; run zotkey revoke-previous\n", len(r.Previous), lastSeenInUse(r, now))
	}
	if n, _ := r.AwaitingSync(); n > 0 {
		fmt.Fprintf(w, "sync:         not confirmed for %d replaced key(s), which are kept; after a good sync run zotkey synced\n", n)
	}
	if r.Pending != nil {
		fmt.Fprintf(w, "unfinished:   a rotation (label %q) was cut short; the next zotkey rotate, revoke-previous or status --check cleans it up\n", redact.Text(r.Pending.Label))
	}
	for _, wl := range r.Watch {
		fmt.Fprintf(w, "unfinished:   a rotation (label %q) was cut short before zot answered; zotkey looks for its key until %s\n", redact.Text(wl.Label), wl.Until.Local().Format("15:04"))
	}
}

// lastSeenInUse words when the waiting keys were last seen in use, as of the
// last status --check or revoke-previous.
func lastSeenInUse(r record.Record, now time.Time) string {
	var last *time.Time
	for _, p := range r.Previous {
		if p.LastUsed != nil && revoke.Used(*p.LastUsed) && (last == nil || p.LastUsed.After(*last)) {
			last = p.LastUsed
		}
	}
	if last == nil {
		return ""
	}
	return ", last seen in use " + revoke.Ago(*last, now)
}
