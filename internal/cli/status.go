package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/record"
)

// StatusCmd reports on the stored key. Without --check it reads only the
// local record: no network, no 1Password, fast enough for every shell start.
type StatusCmd struct {
	Check    bool `help:"Read the stored key and ask the registry whether it still works (refreshes the record)."`
	WarnDays *int `placeholder:"N" help:"Exit 3 when at most N days are left or the key has expired."`
	JSON     bool `name:"json" help:"Print the status as JSON."`
	Quiet    bool `short:"q" help:"Print nothing unless --warn-days finds the key expiring."`
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
		return exitCode(ExitExpiring, fmt.Errorf("the key %s", describeExpiry(r, now)))
	}
	return nil
}

func (c *StatusCmd) load(g *Globals, e *Env) (record.Record, error) {
	path, err := e.recordPath(g)
	if err != nil {
		return record.Record{}, withHint(err)
	}
	r, err := record.Load(path)
	if errors.Is(err, record.ErrNone) {
		return r, withHint(fmt.Errorf("no record of a key in %s yet", storeName(g)), "zotkey status --check reads the stored key and records it; zotkey set stores a new one")
	}
	return r, err
}

// check reads the stored key, asks the registry about it and refreshes the record.
func (c *StatusCmd) check(g *Globals, e *Env) (record.Record, error) {
	s := e.keyStore(g, false)
	k, err := readStored(e, g, s)
	if err != nil {
		return record.Record{}, err
	}
	path, err := e.recordPath(g)
	if err != nil {
		return record.Record{}, withHint(err)
	}
	old, _ := record.Load(path)
	reg := e.registry(g)
	if err := reg.Check(e.Ctx, k); err != nil {
		return record.Record{}, withHint(fmt.Errorf("the stored key %s does not work: %w", k.Fingerprint(), err),
			"get a new key by hand and store it: zotkey set (or mise run rotate-zot-key --manual)")
	}
	uuid := ""
	if old.Fingerprint == k.Fingerprint() {
		uuid = old.UUID
	}
	facts := lookupFacts(e, reg, k, uuid)
	r := old
	r.Store, r.Registry, r.User = s.String(), g.Registry, g.User
	r.OnePassword = opIDs(s)
	if r.Fingerprint != k.Fingerprint() {
		r.Fingerprint, r.UUID, r.ExpiresAt = k.Fingerprint(), "", nil
		r.UpdatedAt = e.Now().UTC().Truncate(time.Second)
	}
	if facts.known {
		r.UUID, r.ExpiresAt = facts.uuid, facts.expires
	}
	if err := record.Save(path, r); err != nil {
		e.say("warning: the local record was not updated: %v", err)
	}
	e.say("the registry at %s accepts the stored key for %s", g.Registry, g.User)
	return r, nil
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
	fmt.Fprintf(w, "store:        %s\n", r.Store)
	fmt.Fprintf(w, "registry:     %s (user %s)\n", r.Registry, r.User)
	fmt.Fprintf(w, "fingerprint:  %s\n", r.Fingerprint)
	fmt.Fprintf(w, "expiry:       %s\n", describeExpiry(r, now))
	if r.UUID != "" {
		fmt.Fprintf(w, "zot key uuid: %s\n", r.UUID)
	}
	fmt.Fprintf(w, "updated:      %s\n", r.UpdatedAt.Format(time.RFC3339))
	if len(r.Previous) > 0 {
		fmt.Fprintf(w, "to revoke:    %d previous key(s); run zotkey revoke-previous\n", len(r.Previous))
	}
}
