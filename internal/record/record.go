// Package record keeps the small local record of non-secret facts about the
// stored key of one zot identity (registry and user): its fingerprint, zot uuid
// and expiry, the keys replaced and still to revoke, and any rotation under way,
// so that `zotkey status` answers without the network or 1Password and an
// interrupted run is finished by the next one.
package record

import (
	"encoding/json"
	"time"
)

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

// Unfinished reports whether a rotation left work for the next run.
func (r Record) Unfinished() bool { return r.Pending != nil || len(r.Watch) > 0 }

// Waiting returns the uuids of the retired keys.
func (r Record) Waiting() []string {
	ids := make([]string, len(r.Previous))
	for i, p := range r.Previous {
		ids[i] = p.UUID
	}
	return ids
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

// AwaitSync notes on uuid's entry (the key of fingerprint was) that zotkey
// replaced it with the key of fingerprint by, at (local clock); its sync is
// then awaited (SyncedAt unset).
func (r *Record) AwaitSync(uuid, was, by string, at time.Time) {
	for i := range r.Previous {
		if p := &r.Previous[i]; p.UUID == uuid && p.UnsyncedSince == nil {
			at := at.UTC().Truncate(time.Second)
			p.Fingerprint, p.ReplacedBy, p.UnsyncedSince = was, by, &at
		}
	}
}

// Synced records, at, that a sync carried the key of fingerprint fp to its
// users: the keys replaced before fp was stored may go once idle; fp itself,
// if it has been replaced since, and the keys after it may not.
// ok is false when fp is neither the stored key nor one zotkey replaced.
func (r *Record) Synced(fp string, at time.Time) (n int, ok bool) {
	// Previous is in the order the keys were replaced: confirm up to fp's
	// own entry, or up to and with the entry fp replaced.
	cut := -1
	for i, p := range r.Previous {
		switch {
		case p.Fingerprint == fp:
			cut = i
		case p.ReplacedBy == fp:
			cut = i + 1
		}
	}
	if fp == r.Fingerprint {
		cut = len(r.Previous)
	}
	if cut < 0 {
		return 0, false
	}
	at = at.UTC().Truncate(time.Second)
	for i := range r.Previous[:cut] {
		if r.Previous[i].SyncedAt == nil {
			r.Previous[i].SyncedAt = &at
			n++
		}
	}
	return n, true
}

// AwaitingSync counts the replaced keys whose successor's sync is not
// confirmed, and returns when the latest of them was replaced by zotkey
// (nil when none was, or the times are unknown).
func (r Record) AwaitingSync() (n int, latest *time.Time) {
	for _, p := range r.Previous {
		if p.SyncedAt != nil {
			continue
		}
		n++
		if p.UnsyncedSince != nil && (latest == nil || p.UnsyncedSince.After(*latest)) {
			latest = p.UnsyncedSince
		}
	}
	return n, latest
}

// Forget drops uuid from the keys to revoke.
func (r *Record) Forget(uuid string) {
	out := r.Previous[:0]
	for _, p := range r.Previous {
		if p.UUID != uuid {
			out = append(out, p)
		}
	}
	r.Previous = out
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

// DaysLeft is the whole days until expiry (negative once expired); ok is false
// when the expiry is unknown.
func (r Record) DaysLeft(now time.Time) (days int, ok bool) {
	if r.ExpiresAt == nil {
		return 0, false
	}
	d := r.ExpiresAt.Sub(now)
	days = int(d / (24 * time.Hour))
	if d < 0 {
		days = -int((-d + 24*time.Hour - 1) / (24 * time.Hour))
	}
	return days, true
}
