// Package lifecycle owns the life of one zot identity's API key: what zotkey
// records about it (the stored key, a rotation under way, the keys it
// replaced, the sync, the last check and the last daily job), the transitions
// that change the record, each refusing a bad precondition, the invariant
// every save checks, the thresholds the daily job, doctor and status judge by
// (Policy), and the pure decision of what a command should do next.
// docs/lifecycle.md draws it. Nothing here touches the network, a store or a
// file, and nothing is worded for a screen here beyond the reasons a decision
// gives: commands observe (zot's list arrives as ListedKey), call Decide, and
// carry out the effects through internal/driver, one at a time, saving after
// each; internal/driver/view.go words the record for a person.
package lifecycle

import (
	"fmt"
	"strings"
	"time"
)

// Schema is the version of the record's format this package writes.
const Schema = 2

// State is everything zotkey records about one zot identity (registry and
// user). It never holds a secret: keys appear as fingerprints and zot uuids.
type State struct {
	Schema   int    `json:"schema"`
	Registry string `json:"registry"`
	User     string `json:"user"`
	// Store names where the key lives, e.g. "zot-ci-api in blumeops/Forgejo Secrets".
	Store string `json:"store,omitempty"`
	// Current is the stored key; nil before the first key is recorded.
	Current *Current `json:"current,omitempty"`
	// Rotation is a rotation under way: written before the mint, so a run
	// stopped at any point leaves a trail the next run follows.
	Rotation *Rotation `json:"rotation,omitempty"`
	// Replaced are the keys the stored key (or its predecessors) replaced,
	// oldest first, each waiting to be revoked.
	Replaced []Replaced `json:"replaced,omitempty"`
	// Watch are labels of mints zot never answered: such a key may still
	// land, so every run that lists keys revokes any key with the label.
	Watch []Watch `json:"watch,omitempty"`
	// Sync is the sync a process started and has not yet seen end. Whether
	// it is still running is not recorded here but is whether that process
	// holds the sync lock (internal/record).
	Sync *SyncRun `json:"sync,omitempty"`
	// LastCheck is the registry's last judgement of the stored key.
	LastCheck *Check `json:"lastCheck,omitempty"`
	// LastJob is the last run of the daily job.
	LastJob *JobRun `json:"lastJob,omitempty"`
	// OnePassword remembers the IDs the vault and item names resolved to.
	OnePassword *OnePasswordIDs `json:"onePassword,omitempty"`
}

// Current is the stored key.
type Current struct {
	Fingerprint string     `json:"fingerprint"`
	UUID        string     `json:"uuid,omitempty"` // "" until zot's list has shown it
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	// Synced: a sync that carried this key to its users ended well.
	Synced bool `json:"synced,omitempty"`
}

// Phase of a rotation.
type Phase string

const (
	Minting Phase = "minting" // the label is recorded; zot may or may not have minted
	Minted  Phase = "minted"  // zot answered with the new key's uuid; the store may or may not hold it
)

// Rotation is a rotation under way.
type Rotation struct {
	Phase     Phase     `json:"phase"`
	Label     string    `json:"label"`     // unique to this rotation: finds its key in zot's list
	StartedAt time.Time `json:"startedAt"` // local clock, for display only
	// Set once zot answered the mint.
	NewUUID        string     `json:"newUuid,omitempty"`
	NewFingerprint string     `json:"newFingerprint,omitempty"`
	NewCreatedAt   *time.Time `json:"newCreatedAt,omitempty"` // zot's clock
	NewExpiresAt   *time.Time `json:"newExpiresAt,omitempty"`
}

// Replaced is a key that is no longer stored and waits to be revoked.
type Replaced struct {
	UUID        string `json:"uuid"`
	Fingerprint string `json:"fingerprint,omitempty"` // "" when replaced outside zotkey
	ReplacedBy  string `json:"replacedBy,omitempty"`  // the successor's fingerprint
	// Synced: a sync that carried its successor (or a later key) ended well,
	// so its users have the new key. Until then it is kept however idle.
	Synced bool `json:"synced,omitempty"`
	// SyncedAt is when that sync was confirmed, on the local clock. A key
	// in use goes once unused for --unused-for after this moment and after
	// its last use (each counted on the clock that stamped it).
	SyncedAt *time.Time `json:"syncedAt,omitempty"`
	// ExpiresAt is its own expiry: the stored key's when it was replaced,
	// then as zot lists it (nil: never expires, or not known).
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	// Notified is when the daily job told a person that a user still holds
	// it after its successor's sync (local clock): it tells once.
	Notified *time.Time `json:"notified,omitempty"`
	// Baseline is zot's lastUsed of this key when it was replaced, on zot's
	// clock: the mint's own use for a rotation, the value zot listed when the
	// successor was stored by hand. Any later use is a user still holding it.
	// nil: replaced outside zotkey, so it goes once unused for --unused-for.
	Baseline *time.Time `json:"baseline,omitempty"`
	// LastUsed is its lastUsed as zot last listed it, and SeenAt when zotkey
	// first saw that use (local clock).
	LastUsed *time.Time `json:"lastUsed,omitempty"`
	SeenAt   *time.Time `json:"seenAt,omitempty"`
	// MissingSince is when zot's list first left it out (local clock).
	MissingSince *time.Time `json:"missingSince,omitempty"`
	// NeverStored: a rotation minted it and was cut short before storing it,
	// so nobody holds it.
	NeverStored bool `json:"neverStored,omitempty"`
}

// Watch is the label of a mint whose answer never came, or the uuid of a
// replaced key zotkey forgot because zot's list left it out: either may show
// up later, and is then revoked.
type Watch struct {
	Label string    `json:"label,omitempty"`
	UUID  string    `json:"uuid,omitempty"`
	Since time.Time `json:"since"` // local clock, for display only
}

// Matches reports whether k is the watched key.
func (w Watch) Matches(label, uuid string) bool {
	return (w.Label != "" && label == w.Label) || (w.UUID != "" && uuid == w.UUID)
}

// SyncRun is a sync started by a process that holds the sync lock while it runs.
type SyncRun struct {
	Fingerprint string    `json:"fingerprint"` // the key it carries
	StartedAt   time.Time `json:"startedAt"`
	PID         int       `json:"pid"`
}

// Result of a check of the stored key against the registry.
type Result string

const (
	Accepted Result = "ok"       // GET /v2/ answered 200 with the key
	Refused  Result = "rejected" // 401: expired, revoked or not this user's
)

// Check is the registry's judgement of a key.
type Check struct {
	At          time.Time `json:"at"` // local clock
	Fingerprint string    `json:"fingerprint"`
	Result      Result    `json:"result"`
}

// JobOutcome is how a run of the daily job ended.
type JobOutcome string

const (
	NothingDue  JobOutcome = "nothing due"
	Rotated     JobOutcome = "rotated"
	Revoked     JobOutcome = "revoked"
	NeedsYou    JobOutcome = "needs you"
	Failed      JobOutcome = "failed"
	Interrupted JobOutcome = "interrupted"
)

// Outcomes lists every outcome, in the order docs list them.
var Outcomes = []JobOutcome{NothingDue, Rotated, Revoked, NeedsYou, Failed, Interrupted}

// JobRun is one run of the daily job.
type JobRun struct {
	At      time.Time  `json:"at"`
	Outcome JobOutcome `json:"outcome"`
	Message string     `json:"message"`
}

// OnePasswordIDs are the 1Password vault and item IDs the names resolved to.
type OnePasswordIDs struct {
	Vault   string `json:"vault"`
	Item    string `json:"item"`
	VaultID string `json:"vaultId"`
	ItemID  string `json:"itemId"`
}

// Name is how a person reads a key everywhere: the first 8 hex digits of
// zot's uuid, with the fingerprint beside it where both are known.
func Name(uuid, fingerprint string) string {
	short := uuid
	if len(short) > 8 {
		short = short[:8]
	}
	switch {
	case short != "" && fingerprint != "":
		return fmt.Sprintf("key %s (%s)", short, fingerprint)
	case short != "":
		return "key " + short
	case fingerprint != "":
		return "key " + fingerprint
	}
	return "a key of unknown identity"
}

// Name of the stored key.
func (c Current) Name() string { return Name(c.UUID, c.Fingerprint) }

// Name of a replaced key.
func (r Replaced) Name() string { return Name(r.UUID, r.Fingerprint) }

// Name of the key a rotation minted.
func (r Rotation) Name() string {
	if r.NewUUID == "" && r.NewFingerprint == "" {
		return fmt.Sprintf("the key labelled %q", r.Label)
	}
	return Name(r.NewUUID, r.NewFingerprint)
}

// Replacing returns the replaced key with uuid, if any.
func (s *State) Replacing(uuid string) (*Replaced, bool) {
	for i := range s.Replaced {
		if s.Replaced[i].UUID == uuid {
			return &s.Replaced[i], true
		}
	}
	return nil, false
}

// AwaitingSync counts the replaced keys whose successor's sync is unconfirmed.
func (s State) AwaitingSync() int {
	n := 0
	for _, r := range s.Replaced {
		if !r.Synced {
			n++
		}
	}
	return n
}

// Blank reports whether the record holds nothing about a key yet: no stored
// key, no rotation, no replaced key, no watched label, no sync, no job run.
// A blank record is not worth a file.
func (s State) Blank() bool {
	return s.Current == nil && s.Rotation == nil && len(s.Replaced) == 0 && len(s.Watch) == 0 && s.Sync == nil && s.LastJob == nil
}

// Unfinished reports whether a rotation left work for the next run.
func (s State) Unfinished() bool { return s.Rotation != nil || len(s.Watch) > 0 }

// Dead reports whether the registry's last judgement of the stored key was a refusal.
func (s State) Dead() bool {
	return s.Current != nil && s.LastCheck != nil && s.LastCheck.Result == Refused && s.LastCheck.Fingerprint == s.Current.Fingerprint
}

// DaysLeft is the whole days until the stored key expires, counted up, so a
// key minted for 90 days shows 90 on its first day (0 on its last, negative
// once expired); ok is false when the expiry is unknown.
func (s State) DaysLeft(now time.Time) (days int, ok bool) {
	if s.Current == nil || s.Current.ExpiresAt == nil {
		return 0, false
	}
	return DaysUntil(*s.Current.ExpiresAt, now), true
}

// DaysUntil is the whole days from now to t, rounded up while t is ahead
// (t minus an hour is "1 day left") and down once it is past.
func DaysUntil(t, now time.Time) int {
	const day = 24 * time.Hour
	d := t.Sub(now)
	if d <= 0 {
		return -int(-d / day)
	}
	return int((d + day - 1) / day)
}

func ptr[T any](v T) *T { return &v }

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// validFingerprint is key.Fingerprint's shape: "sha256:" and 12 hex digits.
func validFingerprint(s string) bool {
	rest, ok := strings.CutPrefix(s, "sha256:")
	return ok && len(rest) == 12 && strings.Trim(rest, "0123456789abcdef") == ""
}

// Expiry words the stored key's expiry: "expires on 2027-02-28, 90 days
// left", "expired on …", or "has no known expiry".
func (s State) Expiry(now time.Time) string {
	days, ok := s.DaysLeft(now)
	switch {
	case !ok:
		return "has no known expiry"
	case !s.Current.ExpiresAt.After(now):
		return "expired on " + s.Current.ExpiresAt.Format("2006-01-02")
	case days == 1:
		return "expires on " + s.Current.ExpiresAt.Format("2006-01-02") + ", 1 day left"
	}
	return fmt.Sprintf("expires on %s, %d days left", s.Current.ExpiresAt.Format("2006-01-02"), days)
}
