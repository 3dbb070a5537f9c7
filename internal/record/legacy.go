package record

import (
	"encoding/json"
	"time"

	"github.com/eblume/zotkey/internal/lifecycle"
)

// The record's earlier formats (no schema field): the first kept a record per
// store spelling (record-*.json) and retired keys as bare uuids; the second
// one record per identity. Both are read once and migrated (Migrate).

// Record describes the stored key of one zot identity. It never holds a secret.
type Record struct {
	Registry    string     `json:"registry"`    // the registry, normalised (see Identity)
	User        string     `json:"user"`        // the registry user
	Store       string     `json:"store"`       // where the key lives, e.g. "zot-ci-api in blumeops/Forgejo Secrets"
	Fingerprint string     `json:"fingerprint"` // sha256:… of the stored key
	UUID        string     `json:"uuid,omitempty"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	// Previous are keys the stored key replaced, to revoke once nothing uses them.
	Previous []Retired `json:"previous,omitempty"`
	// Pending is a rotation under way, written before the new key is minted, so
	// that a run killed at any moment leaves a trail the next run follows.
	Pending *Pending `json:"pending,omitempty"`
	// Watch are labels of mints cut short before zot answered: the key may
	// still land later, so every run that lists keys looks for them until then.
	Watch []Watch `json:"watch,omitempty"`
	// OnePassword remembers where the 1Password item was found.
	OnePassword *OnePasswordIDs `json:"onePassword,omitempty"`
}

// Retired is a replaced key waiting to be revoked.
type Retired struct {
	UUID string `json:"uuid"`
	// ReplacedAt is when the key stopped being the stored one, by the
	// registry's clock where it gave one (the successor's createdAt, or its
	// lastUsed when zotkey checked it); a use after it means something still
	// holds this key.
	ReplacedAt *time.Time `json:"replacedAt,omitempty"`
	// LastUsed is the key's lastUsed as zot last showed it (nil: never used).
	LastUsed *time.Time `json:"lastUsed,omitempty"`
	// SeenAt is when zotkey last read LastUsed.
	SeenAt *time.Time `json:"seenAt,omitempty"`
	// MissingSince is when zot's list first left the key out (local clock):
	// revoked elsewhere, or a list that is incomplete, so it is kept a while.
	MissingSince *time.Time `json:"missingSince,omitempty"`
	// Fingerprint is its own, ReplacedBy that of the key that replaced it,
	// and UnsyncedSince when zotkey stored that key (local clock); all are
	// unset when the replacement happened outside zotkey or before zotkey
	// kept them.
	Fingerprint   string     `json:"fingerprint,omitempty"`
	ReplacedBy    string     `json:"replacedBy,omitempty"`
	UnsyncedSince *time.Time `json:"unsyncedSince,omitempty"`
	// SyncedAt is when a sync was confirmed (zotkey synced) that carried its
	// successor, or a later key, to the users. Until then the users may hold
	// only this key, however idle it looks, so it is not revoked.
	SyncedAt *time.Time `json:"syncedAt,omitempty"`
}

// UnmarshalJSON also reads the first record format, where a retired key was a bare uuid.
func (r *Retired) UnmarshalJSON(b []byte) error {
	var id string
	if json.Unmarshal(b, &id) == nil {
		*r = Retired{UUID: id}
		return nil
	}
	type plain Retired
	return json.Unmarshal(b, (*plain)(r))
}

// Pending is a rotation that has begun. Label is unique to it, so the key it
// mints can be found in zot's list even if the answer to the mint was lost.
type Pending struct {
	Label          string     `json:"label"`
	Replaces       string     `json:"replaces,omitempty"`       // uuid of the key being replaced
	StartedAt      time.Time  `json:"startedAt"`                // local clock
	NewUUID        string     `json:"newUuid,omitempty"`        // set once the mint answered
	NewFingerprint string     `json:"newFingerprint,omitempty"` // of the minted key
	NewCreatedAt   *time.Time `json:"newCreatedAt,omitempty"`   // the minted key's createdAt (registry clock)
}

// Watch is the label of a mint whose key may still appear, until Until (local clock).
type Watch struct {
	Label string    `json:"label"`
	Until time.Time `json:"until"`
}

// Retire queues uuid for revocation, replaced at the given time; the stored
// key itself, an empty uuid and one already queued are left out.
func (r *Record) Retire(uuid string, replacedAt *time.Time) {
	if uuid == "" || uuid == r.UUID {
		return
	}
	for _, p := range r.Previous {
		if p.UUID == uuid {
			return
		}
	}
	r.Previous = append(r.Previous, Retired{UUID: uuid, ReplacedAt: replacedAt})
}

// OnePasswordIDs are the 1Password vault and item IDs the vault and item
// names resolved to (not secret), so the next run with the same names skips
// the lookup.
type OnePasswordIDs struct {
	Vault   string `json:"vault"` // as named by --vault
	Item    string `json:"item"`  // as named by --item
	VaultID string `json:"vaultId"`
	ItemID  string `json:"itemId"`
}

// Migrate turns a record of the earlier formats into the lifecycle's state.
// Facts it did not keep are left unknown: the stored key's last check (so
// the next daily job checks it), and a sync (none is running).
func Migrate(r Record) lifecycle.State {
	s := lifecycle.State{Schema: lifecycle.Schema, Registry: r.Registry, User: r.User, Store: r.Store}
	if r.OnePassword != nil {
		ids := lifecycle.OnePasswordIDs(*r.OnePassword)
		s.OnePassword = &ids
	}
	if r.Fingerprint == "" {
		return s
	}
	cur := &lifecycle.Current{Fingerprint: r.Fingerprint, UUID: r.UUID, ExpiresAt: r.ExpiresAt, Synced: true}
	if cur.UUID == "" && r.Pending != nil {
		cur.UUID = r.Pending.Replaces
	}
	s.Current = cur
	for _, p := range r.Previous {
		if p.UUID == "" || p.UUID == cur.UUID || p.Fingerprint == cur.Fingerprint {
			continue // the stored key itself (under another uuid): never queued
		}
		if _, dup := s.Replacing(p.UUID); dup {
			continue
		}
		if p.SyncedAt == nil {
			cur.Synced = false
		}
		s.Replaced = append(s.Replaced, lifecycle.Replaced{
			UUID: p.UUID, Fingerprint: p.Fingerprint, ReplacedBy: p.ReplacedBy, Synced: p.SyncedAt != nil,
			Baseline: p.ReplacedAt, LastUsed: p.LastUsed, SeenAt: p.SeenAt, MissingSince: p.MissingSince,
		})
	}
	if p := r.Pending; p != nil && cur.UUID != "" && !pendingDone(p, s) {
		rot := &lifecycle.Rotation{Phase: lifecycle.Minting, Label: p.Label, StartedAt: p.StartedAt}
		if p.NewUUID != "" && p.NewFingerprint != "" {
			rot.Phase, rot.NewUUID, rot.NewFingerprint, rot.NewCreatedAt = lifecycle.Minted, p.NewUUID, p.NewFingerprint, p.NewCreatedAt
		}
		s.Rotation = rot
	}
	for _, w := range r.Watch {
		s.Watch = append(s.Watch, lifecycle.Watch{Label: w.Label, Since: w.Until.Add(-lifecycle.WatchFor)})
	}
	return s
}

// pendingDone says the pending rotation's key is the stored key or one
// queued already (an older zotkey stopped before clearing it): nothing is
// left for the rotation to follow, and carried over it would break the
// invariant ("a rotation's new key is neither the stored key nor a replaced
// one") at every save.
func pendingDone(p *Pending, s lifecycle.State) bool {
	if p.NewUUID == "" {
		return false
	}
	_, queued := s.Replacing(p.NewUUID)
	return queued || p.NewUUID == s.Current.UUID || p.NewFingerprint == s.Current.Fingerprint
}
