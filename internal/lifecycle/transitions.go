package lifecycle

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrPrecondition is wrapped by every transition that refuses to run from
// the state it was given: a caller bug or a record changed under it.
var ErrPrecondition = errors.New("lifecycle: precondition failed")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrPrecondition, fmt.Sprintf(format, args...))
}

// Adopt records fp as the stored key. When another key was recorded as
// stored, it becomes a replaced key, awaiting a sync of fp: baseline is its
// lastUsed on zot's clock as of the replacement (nil when unknown, as for a
// key changed outside zotkey). A rotation under way must be settled first.
func (s *State) Adopt(fp string, baseline *time.Time) error {
	if !validFingerprint(fp) {
		return refuse("adopt: %q is not a fingerprint", fp)
	}
	if s.Rotation != nil {
		return refuse("adopt: a rotation is under way; settle it first")
	}
	if s.Current != nil && s.Current.Fingerprint == fp {
		return nil
	}
	next := &Current{Fingerprint: fp}
	// A key stored again after it was replaced (by hand) is no longer one to revoke.
	if i := slices.IndexFunc(s.Replaced, func(r Replaced) bool { return r.Fingerprint == fp }); i >= 0 {
		next.UUID = s.Replaced[i].UUID
		s.Replaced = slices.Delete(s.Replaced, i, i+1)
	}
	old := s.Current
	s.Current = next
	if old != nil && old.UUID != "" {
		s.queue(Replaced{UUID: old.UUID, Fingerprint: old.Fingerprint, ReplacedBy: fp, Baseline: baseline, ExpiresAt: old.ExpiresAt})
	}
	return nil
}

// queue adds r to the replaced keys unless it is the stored key or queued already.
func (s *State) queue(r Replaced) {
	if r.UUID == "" || (s.Current != nil && r.UUID == s.Current.UUID) {
		return
	}
	if _, ok := s.Replacing(r.UUID); ok {
		return
	}
	s.Replaced = append(s.Replaced, r)
}

// Identify records what zot's list shows of the stored key: its uuid and
// its expiry (nil: it never expires). When the record
// named another uuid for it, zot and the store win, and the record is
// repaired: the other key is not zotkey's to judge (it may be one made in the
// web UI), so it is not queued.
func (s *State) Identify(uuid string, expires *time.Time) error {
	if s.Current == nil {
		return refuse("identify: no key is recorded as stored")
	}
	if uuid == "" {
		return refuse("identify: no uuid")
	}
	s.Current.UUID, s.Current.ExpiresAt = uuid, expires
	s.Replaced = slices.DeleteFunc(s.Replaced, func(r Replaced) bool { return r.UUID == uuid })
	return nil
}

// SetExpiry records the stored key's expiry when zot cannot tell it (a
// registry without zot's key list; --expires-in on set).
func (s *State) SetExpiry(expires *time.Time) error {
	if s.Current == nil {
		return refuse("set expiry: no key is recorded as stored")
	}
	s.Current.ExpiresAt = expires
	return nil
}

// BeginRotation records, before anything is minted, that a rotation with
// label is under way.
func (s *State) BeginRotation(label string, now time.Time) error {
	switch {
	case s.Current == nil || s.Current.UUID == "":
		return refuse("begin rotation: the stored key is not identified in zot's list")
	case s.Rotation != nil:
		return refuse("begin rotation: another rotation (%q) is unfinished", s.Rotation.Label)
	case label == "":
		return refuse("begin rotation: no label")
	}
	s.Rotation = &Rotation{Phase: Minting, Label: label, StartedAt: utc(now)}
	return nil
}

// Minted records zot's answer to the mint.
func (s *State) Minted(uuid, fp string, createdAt time.Time, expires *time.Time) error {
	switch {
	case s.Rotation == nil || s.Rotation.Phase != Minting:
		return refuse("minted: no mint is under way")
	case uuid == "" || !validFingerprint(fp):
		return refuse("minted: the new key's uuid and fingerprint are needed")
	case uuid == s.Current.UUID || fp == s.Current.Fingerprint:
		return refuse("minted: zot named the stored key as the new one")
	}
	if _, ok := s.Replacing(uuid); ok {
		return refuse("minted: zot named a replaced key as the new one")
	}
	r := s.Rotation
	r.Phase, r.NewUUID, r.NewFingerprint, r.NewExpiresAt = Minted, uuid, fp, expires
	if !createdAt.IsZero() {
		r.NewCreatedAt = ptr(createdAt.UTC())
	}
	return nil
}

// CompleteRotation records that the store holds the minted key: it becomes
// the stored key, and the key it replaced waits for its sync, then for
// revocation. The mint was the old key's last use by zotkey, so any use of it
// after the new key's creation is a user still holding it.
func (s *State) CompleteRotation() error {
	r := s.Rotation
	if r == nil || r.Phase != Minted {
		return refuse("complete rotation: no minted key is recorded")
	}
	old := *s.Current
	s.Rotation = nil
	s.Current = &Current{Fingerprint: r.NewFingerprint, UUID: r.NewUUID, ExpiresAt: r.NewExpiresAt}
	s.queue(Replaced{UUID: old.UUID, Fingerprint: old.Fingerprint, ReplacedBy: r.NewFingerprint, Baseline: r.NewCreatedAt, ExpiresAt: old.ExpiresAt})
	return nil
}

// DropRotation ends a rotation whose key the store does not hold. A key zot
// minted for it was never stored, so nobody holds it: it is queued to be
// revoked at once. A mint zot never answered may still land: its label is
// watched, and any key that carries it is revoked when it appears; stray is
// the uuid zot's answer gave when it could not be used ("" for none), queued
// likewise.
func (s *State) DropRotation(now time.Time, stray string) error {
	r := s.Rotation
	if r == nil {
		return refuse("drop rotation: none is under way")
	}
	s.Rotation = nil
	if stray != "" && stray != r.NewUUID {
		s.queue(Replaced{UUID: stray, Synced: true, NeverStored: true})
	}
	if r.Phase == Minted {
		s.queue(Replaced{UUID: r.NewUUID, Fingerprint: r.NewFingerprint, Synced: true, NeverStored: true, Baseline: r.NewCreatedAt})
		return nil
	}
	if !slices.ContainsFunc(s.Watch, func(w Watch) bool { return w.Label == r.Label }) {
		s.Watch = append(s.Watch, Watch{Label: r.Label, Since: utc(now)})
	}
	return nil
}

// Unanswered turns a rotation whose mint was refused with an answer (so
// nothing was minted, or what was minted was revoked) into nothing at all.
func (s *State) Unanswered() error {
	if s.Rotation == nil || s.Rotation.Phase != Minting {
		return refuse("unanswered: no mint is under way")
	}
	s.Rotation = nil
	return nil
}

// Unwatch stops looking for a watched key (by its label or uuid): zot's list
// showed it and it was revoked, or zot answered for it.
func (s *State) Unwatch(label, uuid string) error {
	i := slices.IndexFunc(s.Watch, func(w Watch) bool { return w.Matches(label, uuid) })
	if i < 0 {
		return refuse("unwatch: %q is not watched", label+uuid)
	}
	s.Watch = slices.Delete(s.Watch, i, i+1)
	return nil
}

// SyncStarted records that this process (pid) is syncing the stored key. The
// caller holds the sync lock for as long as the sync runs. It replaces the
// record of an earlier sync that was cut short.
func (s *State) SyncStarted(pid int, now time.Time) error {
	if s.Current == nil {
		return refuse("sync started: no key is stored")
	}
	if s.Rotation != nil {
		return refuse("sync started: a rotation is unfinished")
	}
	s.Sync = &SyncRun{Fingerprint: s.Current.Fingerprint, StartedAt: utc(now), PID: pid}
	return nil
}

// SyncEnded records the end of the sync this process started; ok confirms it
// carried its key, at now.
func (s *State) SyncEnded(ok bool, now time.Time) error {
	if s.Sync == nil {
		return refuse("sync ended: no sync was started")
	}
	fp := s.Sync.Fingerprint
	s.Sync = nil
	if !ok {
		return nil
	}
	_, err := s.Confirm(fp, now)
	return err
}

// Confirm records that the key of fingerprint fp has reached its users, at
// now (local clock): the keys replaced before it may go once unused for
// --unused-for after now; fp itself, if replaced since, and the keys after it
// may not. It returns how many replaced keys it released.
func (s *State) Confirm(fp string, now time.Time) (int, error) {
	cut := -1
	for i, r := range s.Replaced {
		switch {
		case r.Fingerprint == fp && fp != "":
			cut = i
		case r.ReplacedBy == fp && fp != "":
			cut = i + 1
		}
	}
	if s.Current != nil && fp == s.Current.Fingerprint {
		cut = len(s.Replaced)
		s.Current.Synced = true
	}
	if cut < 0 {
		return 0, refuse("confirm: %s is neither the stored key nor one it replaced", fp)
	}
	n := 0
	for i := range s.Replaced[:cut] {
		if !s.Replaced[i].Synced {
			s.Replaced[i].Synced, s.Replaced[i].SyncedAt = true, ptr(utc(now))
			n++
		}
	}
	return n, nil
}

// Seen records zot's view of a replaced key: its lastUsed and expiry
// (listed), or that the list left it out.
func (s *State) Seen(uuid string, listed bool, lastUsed time.Time, expires *time.Time, now time.Time) error {
	r, ok := s.Replacing(uuid)
	if !ok {
		return refuse("seen: %s is not a replaced key", uuid)
	}
	now = utc(now)
	if !listed {
		if r.MissingSince == nil {
			r.MissingSince = &now
		}
		return nil
	}
	// SeenAt dates this use on the local clock: when zotkey first saw it.
	// A forward step of zot's clock can make a use look old on zot's
	// clock; it cannot make it look old on this one.
	if r.LastUsed == nil || r.SeenAt == nil || !r.LastUsed.Equal(lastUsed) {
		r.SeenAt = &now
	}
	r.LastUsed, r.MissingSince = ptr(lastUsed.UTC()), nil
	if expires != nil {
		r.ExpiresAt = ptr(expires.UTC())
	}
	return nil
}

// Warned records that a person was told that a user still holds the
// replaced key uuid after its successor's sync (the daily job's notification).
func (s *State) Warned(uuid string, now time.Time) error {
	r, ok := s.Replacing(uuid)
	if !ok {
		return refuse("warned: %s is not a replaced key", uuid)
	}
	r.Notified = ptr(utc(now))
	return nil
}

// dateConfirmations gives a confirmation recorded without its time (by a
// zotkey before SyncedAt existed) the time now: its wait starts afresh,
// never sooner than it should.
func (s *State) dateConfirmations(now time.Time) bool {
	changed := false
	for i := range s.Replaced {
		if r := &s.Replaced[i]; r.Synced && r.SyncedAt == nil && !r.NeverStored {
			r.SyncedAt, changed = ptr(utc(now)), true
		}
	}
	return changed
}

// Forgot drops a replaced key zot's list has left out for long (a
// revocation was sent all the same), and watches its uuid: a list that was
// only incomplete may show it again, and it is then revoked.
func (s *State) Forgot(uuid string, now time.Time) error {
	if err := s.Revoked(uuid); err != nil {
		return err
	}
	s.Watch = append(s.Watch, Watch{UUID: uuid, Since: utc(now)})
	return nil
}

// Revoked removes a replaced key zot no longer lists after its revocation.
func (s *State) Revoked(uuid string) error {
	if s.Current != nil && uuid == s.Current.UUID {
		return refuse("revoked: %s is the stored key", uuid)
	}
	if _, ok := s.Replacing(uuid); !ok {
		return refuse("revoked: %s is not a replaced key", uuid)
	}
	s.Replaced = slices.DeleteFunc(s.Replaced, func(r Replaced) bool { return r.UUID == uuid })
	return nil
}

// Judged records the registry's judgement of the key of fingerprint fp.
func (s *State) Judged(fp string, result Result, now time.Time) error {
	if result != Accepted && result != Refused {
		return refuse("judged: unknown result %q", result)
	}
	s.LastCheck = &Check{At: utc(now), Fingerprint: fp, Result: result}
	return nil
}

// JobRan records a run of the daily job.
func (s *State) JobRan(outcome JobOutcome, message string, now time.Time) error {
	if !slices.Contains(Outcomes, outcome) {
		return refuse("job ran: unknown outcome %q", outcome)
	}
	s.LastJob = &JobRun{At: utc(now), Outcome: outcome, Message: message}
	return nil
}

// StoredIn records where the key lives, and the 1Password IDs its names
// resolved to when the store found them (nil keeps the ones recorded).
func (s *State) StoredIn(name string, ids *OnePasswordIDs) {
	s.Store = name
	if ids != nil {
		s.OnePassword = ids
	}
}

// ByHand is what StoredByHand recorded.
type ByHand struct {
	// Replaced is the key recorded as stored before, when it was another
	// (nil otherwise): it now waits for the new key's sync.
	Replaced *Current
	// First: no key was recorded as stored before.
	First bool
	// ExpiryChanged: a new expiry was recorded for the key already stored.
	ExpiryChanged bool
}

// StoredByHand records that the key of fingerprint f.Stored was stored by
// hand (zotkey set), then observes f. A rotation cut short is dropped (the
// store no longer holds its key); the key recorded as stored before becomes a
// replaced one whose baseline is its lastUsed in zot's list (f, read with the
// new key). When zot's list was not read, expires is recorded as the key's
// expiry, unless one is recorded and explicit (the person gave it) is false.
func (s *State) StoredByHand(facts Facts, expires time.Time, explicit bool) (ByHand, error) {
	var h ByHand
	if s.Rotation != nil {
		if err := s.DropRotation(facts.Now, ""); err != nil {
			return h, err
		}
	}
	old := s.Current
	h.First = old == nil
	if old == nil || old.Fingerprint != facts.Stored {
		var baseline *time.Time
		if old != nil {
			h.Replaced = old
			if e, ok, _ := find(facts.Keys, old.UUID); ok && facts.Listed {
				baseline = ptr(e.LastUsed)
			}
		}
		if err := s.Adopt(facts.Stored, baseline); err != nil {
			return h, err
		}
	}
	if _, err := Observe(s, facts); err != nil {
		return h, err
	}
	if facts.Listed || (s.Current.ExpiresAt != nil && !explicit) {
		return h, nil
	}
	was, t := s.Current.ExpiresAt, utc(expires)
	h.ExpiryChanged = was != nil && !was.Equal(t) && h.Replaced == nil
	return h, s.SetExpiry(&t)
}

// MintFailed settles a rotation whose mint failed, once the driver tried to
// revoke what it may have made. A mint zot answered (with a refusal, or a key
// that was then revoked: cleaned) leaves nothing: the rotation is cleared and
// undone is true. Otherwise the rotation is dropped: an unanswered mint's
// label is watched, and the uuid zot's answer named, when it could not be
// revoked, is queued as never stored.
func (s *State) MintFailed(answered, cleaned bool, uuid string, now time.Time) (undone bool, err error) {
	if answered && cleaned {
		return true, s.Unanswered()
	}
	stray := ""
	if !cleaned {
		stray = uuid
	}
	return false, s.DropRotation(now, stray)
}
