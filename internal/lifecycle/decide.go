package lifecycle

import (
	"fmt"
	"slices"
	"time"
)

// ListedKey is one entry of zot's key list, as the driver observed it. Zero
// times are zot's "never".
type ListedKey struct {
	UUID      string
	Label     string
	CreatedAt time.Time
	LastUsed  time.Time
	ExpiresAt time.Time // zero: never expires
	Expired   bool      // zot's isExpired
}

// Expires reports whether the key has an expiry.
func (k ListedKey) Expires() bool { return k.ExpiresAt.Year() > 1 }

// Used reports whether zot has seen the key in use.
func (k ListedKey) Used() bool { return k.LastUsed.Year() > 1 }

// NewestUse is the key a list was fetched with: zot stamps the caller's
// lastUsed while authenticating, before it reads the list, so it is the
// newest use (false when no key was ever used).
func NewestUse(keys []ListedKey) (ListedKey, bool) {
	var best ListedKey
	found := false
	for _, k := range keys {
		if !found || k.LastUsed.After(best.LastUsed) {
			best, found = k, true
		}
	}
	return best, found && best.Used()
}

// Facts are what a command observed this run. Zero values mean "not observed".
type Facts struct {
	Now time.Time // local clock: display, and how long a key has been missing
	// Stored is the fingerprint of the key the store holds.
	Stored string
	// Check is the registry's judgement of the stored key ("" when it could not judge).
	Check Result
	// Listed says zot's key list was fetched with the stored key: Keys is the
	// list and Self the stored key's own entry (the caller, whose lastUsed
	// this request stamped, so Self.LastUsed is zot's present).
	Listed bool
	Keys   []ListedKey
	Self   ListedKey
	// Again is zot's list fetched once more with the stored key, when the
	// first left it in doubt which key is stored (SelfInDoubt): the stored
	// key is then the key that second request stamped (StoredEntry).
	Again []ListedKey
	// SyncRunning says another process holds the sync lock.
	SyncRunning bool
}

// WatchFor is how long a mint zot never answered is looked for: a request
// already on its way may still be carried out.
const WatchFor = 10 * time.Minute

// Observe brings the record up to date with the facts. It only records what
// is so (which key is stored, zot's view of each key, the check's result, a
// sync that ended without a word); it never decides to change anything
// outside the record. It returns what it recorded, in words.
func Observe(s *State, f Facts) ([]string, error) {
	var notes []string
	if f.Stored != "" && f.Check != "" {
		if err := s.Judged(f.Stored, f.Check, f.Now); err != nil {
			return notes, err
		}
	}
	if s.Sync != nil && !f.SyncRunning {
		// Kept as the record of it until the next sync starts.
		notes = append(notes, fmt.Sprintf("the sync of %s started %s was cut short; it is not confirmed",
			Name("", s.Sync.Fingerprint), s.Sync.StartedAt.Local().Format(time.RFC3339)))
	}
	if f.Stored == "" || (s.Current == nil && f.Check == "") {
		// A first record starts once the registry has judged the stored key:
		// a registry that never answered (a mistyped --registry, no network)
		// gets no record of its own.
		return notes, nil
	}
	more, err := observeStored(s, f)
	notes = append(notes, more...)
	if err != nil || !f.Listed {
		return notes, err
	}
	more, err = observeListed(s, f)
	return append(notes, more...), err
}

// observeStored records which key the store holds: a rotation cut short is
// completed (the store holds its key) or dropped, and a key stored outside
// zotkey is adopted.
func observeStored(s *State, f Facts) ([]string, error) {
	var notes []string
	if r := s.Rotation; r != nil {
		if r.Phase == Minted && r.NewFingerprint == f.Stored {
			notes = append(notes, fmt.Sprintf("completed the record of a rotation cut short after it stored %s", r.Name()))
			if err := s.CompleteRotation(); err != nil {
				return notes, err
			}
		} else {
			notes = append(notes, fmt.Sprintf("a rotation was cut short before it stored %s; that key is revoked by the next rotate, revoke-previous or daily job", r.Name()))
			if err := s.DropRotation(f.Now, ""); err != nil {
				return notes, err
			}
		}
	}
	if s.Current == nil || s.Current.Fingerprint != f.Stored {
		if s.Current != nil {
			notes = append(notes, fmt.Sprintf("the stored key was changed outside zotkey: %s replaced %s", Name("", f.Stored), s.Current.Name()))
		}
		if err := s.Adopt(f.Stored, nil); err != nil {
			return notes, err
		}
	}
	if s.dateConfirmations(f.Now) {
		notes = append(notes, "a sync confirmation was recorded without its time; the keys it released wait from now")
	}
	return notes, nil
}

// observeListed records zot's list: the stored key's uuid and expiry, each
// replaced key's last use, and the watched labels no longer worth watching.
func observeListed(s *State, f Facts) ([]string, error) {
	self, doubt := StoredEntry(*s, f)
	if doubt != "" {
		return []string{doubt}, nil
	}
	var exp *time.Time
	if self.Expires() {
		exp = ptr(self.ExpiresAt.UTC())
	}
	if err := s.Identify(self.UUID, exp); err != nil {
		return nil, err
	}
	for _, r := range s.Replaced {
		e, listed, _ := find(f.Keys, r.UUID)
		var exp *time.Time
		if listed && e.Expires() {
			exp = &e.ExpiresAt
		}
		if err := s.Seen(r.UUID, listed, e.LastUsed, exp, f.Now); err != nil {
			return nil, err
		}
	}
	for _, w := range slices.Clone(s.Watch) {
		if w.Label == "" {
			continue // a forgotten key's uuid is watched for good
		}
		labelled := slices.ContainsFunc(f.Keys, func(k ListedKey) bool { return k.Label == w.Label })
		if !labelled && f.Now.Sub(w.Since) >= WatchFor {
			if err := s.Unwatch(w.Label, ""); err != nil {
				return nil, err
			}
		}
	}
	return nil, nil
}

// notStored says the record holds uuid for a replaced key that may not be
// the stored key: one never stored, or one whose fingerprint is not the
// store's, or unknown (a record of the first format kept replaced keys as
// bare uuids): a CI job using it while zot serves the list must not make it
// the stored key.
func notStored(s State, f Facts, uuid string) bool {
	r, ok := s.Replacing(uuid)
	return ok && (r.NeverStored || r.Fingerprint != f.Stored)
}

// SelfInDoubt says the list's newest use is a key the record says cannot be
// the stored key: a user of an old key made a request at that very moment,
// or the record is wrong. The driver then lists once more (Facts.Again).
func SelfInDoubt(s State, f Facts) bool { return f.Listed && notStored(s, f, f.Self.UUID) }

// stampedAgain is the one key whose lastUsed the second list shows changed
// since the first: only the stored key's own request stamped it, unless a
// user of another key made one meanwhile (then none is named). A change, not
// a later time: a use zot dates after its present (its clock stepped back)
// stays the newest, and the stored key's new stamp is earlier than it.
func stampedAgain(f Facts) (ListedKey, bool) {
	var found []ListedKey
	for _, k := range f.Again {
		before, listed, _ := find(f.Keys, k.UUID)
		if k.Used() && (!listed || !k.LastUsed.Equal(before.LastUsed)) {
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		return ListedKey{}, false
	}
	return found[0], true
}

// stampedOther says the second list proves the newest use of the first
// another key's than the stored key's (stampedAgain names a different one).
func stampedOther(f Facts) bool {
	e, ok := stampedAgain(f)
	return ok && e.UUID != f.Self.UUID
}

// StoredEntry is zot's entry of the stored key. The store says which key is
// stored; zot's list says only which key was used last. The list's newest use
// is the request that fetched it, made with the stored key, unless a user of
// an old key made one at that very moment: a replaced key whose fingerprint
// the record knows and the store does not hold (or one never stored) cannot
// be the stored key. Then the stored key is the one the record names, when
// zot lists it, or else the newest use among the keys that may be stored. doubt
// says why no entry can be named.
func StoredEntry(s State, f Facts) (self ListedKey, doubt string) {
	if !f.Listed {
		return ListedKey{}, "zot's key list was not read"
	}
	notStored := func(uuid string) bool { return notStored(s, f, uuid) }
	if !notStored(f.Self.UUID) {
		return f.Self, ""
	}
	if e, ok := stampedAgain(f); ok {
		return e, ""
	}
	if s.Current != nil && s.Current.UUID != "" {
		if e, ok, _ := find(f.Keys, s.Current.UUID); ok {
			return e, ""
		}
	}
	var rest []ListedKey
	for _, k := range f.Keys {
		if !notStored(k.UUID) {
			rest = append(rest, k)
		}
	}
	if e, ok := NewestUse(rest); ok {
		return e, ""
	}
	if f.Self.Used() {
		// No key the record allows is in use, yet the list was fetched with
		// the stored key, whose request stamped it: the record contradicts
		// zot (it names a replaced key's fingerprint wrongly, or a stored
		// uuid zot no longer lists). zot and the store win: the newest use
		// is the stored key, and Identify repairs the record.
		return f.Self, ""
	}
	return ListedKey{}, fmt.Sprintf("zot's list shows %s, a replaced key, as the newest use, and no key the store may hold in use, so it does not tell which key is stored; nothing is concluded from it: run the command again", Name(f.Self.UUID, ""))
}

// DefaultUnusedFor is --unused-for's default, and the wait of an Ask that names none.
const DefaultUnusedFor = 24 * time.Hour

// Ask is what a command wants done, judged by its policy's thresholds:
// UnusedFor (--unused-for; DefaultUnusedFor when 0), Sync (a sync is
// configured: run it for a stored key not yet confirmed), and for the daily
// job StaleAfter (0: not asked) and Within, which say when a replaced key
// still in use after its successor's sync is worth telling a person about
// (see Stale).
type Ask struct {
	Revoke bool // revoke replaced keys that zot shows idle
	Force  bool // revoke them even when in use
	Rotate bool // mint and store a new key
	Policy
}

// EffectKind is what an effect does.
type EffectKind string

const (
	Revoke EffectKind = "revoke" // revoke a replaced or stray key and prove it gone
	Forget EffectKind = "forget" // drop a replaced key zot no longer lists (a revocation is sent all the same)
	Mint   EffectKind = "mint"   // mint a new key with the stored one, and check it
	Store  EffectKind = "store"  // store the minted key and complete the rotation
	Sync   EffectKind = "sync"   // run the sync of the stored key, under the sync lock, and record its end
)

// Effect is one step a command carries out, with its reason.
type Effect struct {
	Kind   EffectKind
	UUID   string // Revoke, Forget: the key
	Name   string // the key, as a person reads it
	Label  string // Revoke of a watched label's key: the label, no longer watched after
	Reason string
}

func (e Effect) String() string {
	switch e.Kind {
	case Revoke:
		return fmt.Sprintf("revoke %s (%s)", e.Name, e.Reason)
	case Forget:
		return fmt.Sprintf("forget %s (%s)", e.Name, e.Reason)
	case Mint:
		return "mint a new key with the stored one (" + e.Reason + ")"
	case Store:
		return "store the new key (" + e.Reason + ")"
	case Sync:
		return "run the sync (" + e.Reason + ")"
	}
	return string(e.Kind)
}

// Decision is what to do, and what is left alone and why.
type Decision struct {
	Effects []Effect
	Kept    []string // keys kept on purpose, each with why
	Due     []string // clean-ups this ask did not include, each naming the command that does them
	// Blocked says why nothing can be done (the stored key is refused, ...).
	Blocked string
	// Notify are replaced keys a user still holds after their successor's
	// sync, not yet told to a person (Ask.StaleAfter).
	Notify []Notice
}

// Decide is the pure decision: from the record (brought up to date by
// Observe) and the facts, the effects that carry out ask, in order.
func Decide(s State, f Facts, ask Ask) Decision {
	var d Decision
	if ask.UnusedFor <= 0 {
		ask.UnusedFor = DefaultUnusedFor // no command judges a key in use on a wait of nothing
	}
	if s.Current == nil {
		d.Blocked = "no key is stored"
		return d
	}
	if s.Dead() {
		d.Blocked = fmt.Sprintf("the registry refuses the stored %s (expired, revoked, or not this user's), so it can neither mint its successor nor revoke other keys", s.Current.Name())
		return d
	}
	if !f.Listed {
		if len(s.Replaced) > 0 || len(s.Watch) > 0 {
			d.Due = append(d.Due, "zot's key list was not read, so no replaced key is judged")
		}
	} else if self, doubt := StoredEntry(s, f); doubt != "" {
		d.Blocked = doubt
		return d
	} else {
		decideWatch(s, f, self.UUID, ask, &d)
		decideReplaced(s, f, ask, &d)
		if ask.StaleAfter > 0 {
			d.Notify = Stale(s, f, ask)
		}
	}
	decideKey(s, f, ask, &d)
	return d
}

// decideKey decides for the stored key itself: mint its successor when ask
// says so and the facts allow it, or sync it while its sync is unconfirmed.
func decideKey(s State, f Facts, ask Ask, d *Decision) {
	switch {
	case ask.Rotate && !f.Listed:
		d.Blocked = "zot's key list could not be read with the stored key, so it cannot mint (is it zot, with API keys enabled?)"
	case ask.Rotate && f.Check != Accepted:
		d.Blocked = "the registry did not judge the stored key, so it cannot mint"
	case ask.Rotate && f.SyncRunning:
		d.Blocked = "a sync of the stored key is under way (another process holds the sync lock), so no new key is minted beside it: run the command again once it has ended"
	case ask.Rotate:
		d.Effects = append(d.Effects, Effect{Kind: Mint, Reason: "asked"}, Effect{Kind: Store, Reason: "the minted key works"})
		if ask.Sync {
			d.Effects = append(d.Effects, Effect{Kind: Sync, Reason: "carry the new key to its users"})
		}
	case s.Current.Synced:
		// Nothing waits on a sync.
	case f.SyncRunning:
		d.Kept = append(d.Kept, "a sync of the stored key is under way (another zotkey holds the sync lock); the keys it replaced wait for it")
	case ask.Sync:
		// Not synced: whether or not a replaced key still waits on it (the
		// old key may have expired and gone), its users may lack it.
		d.Effects = append(d.Effects, Effect{Kind: Sync, Reason: fmt.Sprintf("no sync of the stored %s has been confirmed", s.Current.Name())})
	case s.AwaitingSync() > 0:
		d.Due = append(d.Due, fmt.Sprintf("no sync of the stored %s has been confirmed, so the %d key(s) it replaced are kept: configure the sync (settings key sync) and run zotkey rotate or auto, or after syncing by hand run zotkey synced", s.Current.Name(), s.AwaitingSync()))
	}
}

func decideWatch(s State, f Facts, self string, ask Ask, d *Decision) {
	for _, w := range s.Watch {
		for _, k := range f.Keys {
			if !w.Matches(k.Label, k.UUID) || k.UUID == self {
				continue
			}
			e := Effect{Kind: Revoke, UUID: k.UUID, Name: Name(k.UUID, ""), Label: w.Label, Reason: "minted by a rotation cut short before zot answered; never stored"}
			if w.UUID != "" {
				e.Reason = "forgotten when zot's list left it out, and listed again"
			}
			if ask.Revoke || ask.Rotate {
				d.Effects = append(d.Effects, e)
			} else {
				d.Due = append(d.Due, e.Name+" can be revoked ("+e.Reason+"): zotkey revoke-previous")
			}
		}
	}
}

func decideReplaced(s State, f Facts, ask Ask, d *Decision) {
	for _, r := range s.Replaced {
		e, why, keep := verdict(r, f, ask)
		switch {
		case keep:
			d.Kept = append(d.Kept, fmt.Sprintf("kept %s: %s", r.Name(), why))
		case ask.Revoke || (ask.Rotate && r.NeverStored):
			e.Reason = why
			d.Effects = append(d.Effects, e)
		default:
			verb := "revoked"
			if e.Kind == Forget {
				verb = "forgotten"
			}
			d.Due = append(d.Due, fmt.Sprintf("%s can be %s (%s): zotkey revoke-previous", r.Name(), verb, why))
		}
	}
}

// verdict judges one replaced key from zot's list. A key still in use goes
// only once its successor's sync is confirmed and it has gone unused for
// ask.UnusedFor after both that confirmation and its last use. The two are
// stamped by different clocks (the confirmation by this machine's, the use by
// zot's), so neither is compared with the other: the time since the
// confirmation is counted on the local clock, the time since the last use on
// zot's (its present is the stored key's lastUsed, which the list request
// stamped), and both must reach ask.UnusedFor. A skew between the clocks changes
// neither count.
func verdict(r Replaced, f Facts, ask Ask) (e Effect, why string, keep bool) {
	e = Effect{Kind: Revoke, UUID: r.UUID, Name: r.Name()}
	entry, listed, twice := find(f.Keys, r.UUID)
	switch {
	case !listed && !r.Synced && !r.NeverStored:
		return e, "zot's list leaves it out, but no sync of the key that replaced it has been confirmed, so it is neither revoked nor forgotten until one is", true
	case !listed && r.MissingSince != nil && f.Now.Sub(*r.MissingSince) >= ask.UnusedFor:
		e.Kind = Forget
		return e, "zot's list has left it out for over " + Duration(ask.UnusedFor), false
	case !listed:
		return e, "zot's list leaves it out (revoked elsewhere, or the list is incomplete); it is forgotten once missing for " + Duration(ask.UnusedFor), true
	}
	if why, keep, judged := judgeListed(r, entry, twice, f, ask); judged {
		return e, why, keep
	}
	why, keep = judgeWait(r, entry, f, ask)
	return e, why, keep
}

// judgeListed judges a listed replaced key by what needs no wait: it goes at
// once (forced, never stored, expired, never used), or it is kept because
// its successor's sync is unconfirmed or the facts contradict themselves.
// judged is false when only its wait decides.
func judgeListed(r Replaced, entry ListedKey, twice bool, f Facts, ask Ask) (why string, keep, judged bool) {
	present := f.Self.LastUsed
	switch {
	case twice:
		return "zot lists it twice, with different facts, so whether it is in use cannot be told", true, true
	case entry.UUID == f.Self.UUID && !stampedOther(f):
		// Not even forced: the record may be wrong about which key is stored.
		return "it made zot's newest use, which the request made with the stored key just stamped, so it may be the stored key itself; it is kept", true, true
	case ask.Force:
		return forceRisk(r, entry, present), false, true
	case r.NeverStored:
		return "never stored: minted by a rotation cut short", false, true
	case entry.Expired:
		return "it has expired", false, true
	case !r.Synced:
		return "no sync of the key that replaced it has been confirmed, so its users may hold only this key", true, true
	case entry.LastUsed.After(present) || entry.CreatedAt.After(present):
		return fmt.Sprintf("zot's list shows it created or used after zot's present (%s), which cannot be, so whether it is idle cannot be told", present.UTC().Format(time.RFC3339)), true, true
	case !entry.Used():
		return "never used", false, true
	case r.Baseline != nil && present.Before(*r.Baseline):
		return fmt.Sprintf("zot's clock now reads earlier than when the key was replaced (%s), so whether it is idle cannot be told", r.Baseline.UTC().Format(time.RFC3339)), true, true
	case r.SyncedAt == nil:
		return "when its successor's sync was confirmed is not recorded; its wait starts at the next check", true, true
	case f.Now.Before(*r.SyncedAt):
		return fmt.Sprintf("this machine's clock now reads earlier than when its successor's sync was confirmed (%s), so how long it has waited cannot be told", r.SyncedAt.Local().Format(time.RFC3339)), true, true
	}
	return "", false, false
}

// judgeWait judges a replaced key in use, its successor's sync confirmed:
// it goes once unused for ask.UnusedFor since that confirmation (local clock)
// and since its last use (zot's clock, and the local clock from when zotkey
// first saw that use).
func judgeWait(r Replaced, entry ListedKey, f Facts, ask Ask) (why string, keep bool) {
	present := f.Self.LastUsed
	sinceSync, sinceUse := f.Now.Sub(*r.SyncedAt), present.Sub(entry.LastUsed)
	if r.Baseline == nil || entry.LastUsed.After(*r.Baseline) {
		// A use after the replacement is aged on both clocks: on zot's, and
		// on this one from when zotkey first saw it, so a forward step of
		// zot's clock cannot make a use a job still makes look old. (A use
		// before the replacement is older than the sync, which this clock
		// already counts.)
		seen := time.Duration(0)
		if r.SeenAt != nil && r.LastUsed != nil && r.LastUsed.Equal(entry.LastUsed) && !f.Now.Before(*r.SeenAt) {
			seen = f.Now.Sub(*r.SeenAt)
		}
		sinceUse = min(sinceUse, seen)
	}
	if sinceSync >= ask.UnusedFor && sinceUse >= ask.UnusedFor {
		return fmt.Sprintf("unused for %s since its successor's sync was confirmed %s and since its last use %s", Duration(ask.UnusedFor), Ago(*r.SyncedAt, f.Now), Ago(entry.LastUsed, present)), false
	}
	at := f.Now.Add(ask.UnusedFor - min(sinceSync, sinceUse))
	return fmt.Sprintf("a job that read it before its successor's sync (confirmed %s) may still hold it; last used %s; it goes once unused for %s after both, at %s at the earliest: the daily job revokes it (revoke-previous --force revokes it now)", Ago(*r.SyncedAt, f.Now), Ago(entry.LastUsed, present), Duration(ask.UnusedFor), at.Local().Format("2006-01-02 15:04 MST")), true
}

// forceRisk says what revoking r at once risks.
func forceRisk(r Replaced, entry ListedKey, present time.Time) string {
	switch {
	case !r.Synced && !r.NeverStored:
		return "--force: no sync of its successor is confirmed, so its users may hold only this key and are refused from now on"
	case entry.Used() && !entry.LastUsed.After(present):
		return "--force: last used " + Ago(entry.LastUsed, present) + "; a job still holding it is refused from now on"
	}
	return "--force"
}

// Notice is a replaced key a user still holds after its successor's sync:
// what to tell a person, once.
type Notice struct {
	UUID    string
	Message string
}

// Stale lists the replaced keys a user still holds after their successor's
// sync, not yet told: one whose last use came at least ask.StaleAfter after
// the sync's confirmation, or at least ask.UnusedFor after it (longer than a job
// that read the old secret before the sync runs) while the key expires within
// ask.Within. As in verdict, the time from the confirmation to the use is
// counted without comparing the two clocks: the confirmation's age on the
// local clock less the use's age on zot's.
func Stale(s State, f Facts, ask Ask) []Notice {
	var out []Notice
	present := f.Self.LastUsed
	for _, r := range s.Replaced {
		entry, listed, twice := find(f.Keys, r.UUID)
		if !listed || twice || !r.Synced || r.NeverStored || r.SyncedAt == nil || r.Notified != nil || entry.Expired || !entry.Used() ||
			entry.LastUsed.After(present) || f.Now.Before(*r.SyncedAt) {
			continue
		}
		useAfterSync := f.Now.Sub(*r.SyncedAt) - present.Sub(entry.LastUsed)
		exp := r.ExpiresAt
		if entry.Expires() {
			exp = &entry.ExpiresAt
		}
		nearEnd := exp != nil && exp.Sub(f.Now) <= ask.Within
		if useAfterSync < ask.StaleAfter && !(nearEnd && useAfterSync >= ask.UnusedFor) {
			continue
		}
		expiry := "it never expires"
		if exp != nil {
			expiry = "it expires on " + exp.Local().Format("2006-01-02")
		}
		out = append(out, Notice{UUID: r.UUID, Message: fmt.Sprintf("the sync did not reach one of its users: the old %s was last used %s, %s after the new key's sync, and %s", r.Name(), Ago(entry.LastUsed, present), roughly(useAfterSync), expiry)})
	}
	return out
}

// roughly words d in whole days, or hours below two days.
func roughly(d time.Duration) string {
	if d >= 48*time.Hour {
		return count(int(d/(24*time.Hour)), "day")
	}
	return count(int(d/time.Hour), "hour")
}

// Revocable is when r may go at the earliest, on the local clock: once
// unused for quiet after its successor's sync (not known before one is
// confirmed).
func (r Replaced) Revocable(quiet time.Duration) (time.Time, bool) {
	if !r.Synced || r.SyncedAt == nil {
		return time.Time{}, false
	}
	return r.SyncedAt.Add(quiet), true
}

// Entry is zot's entry of the key uuid, when its list was read and shows it.
func (f Facts) Entry(uuid string) (ListedKey, bool) {
	e, ok, _ := find(f.Keys, uuid)
	return e, ok
}

// find returns uuid's entry; twice is true when zot lists it more than once
// with different facts.
func find(keys []ListedKey, uuid string) (entry ListedKey, listed, twice bool) {
	for _, k := range keys {
		if k.UUID != uuid {
			continue
		}
		if listed && !(k.LastUsed.Equal(entry.LastUsed) && k.CreatedAt.Equal(entry.CreatedAt) && k.Expired == entry.Expired) {
			twice = true
		}
		if !listed {
			entry, listed = k, true
		}
	}
	return entry, listed, twice
}

// Duration words d in whole days or hours ("1 day", "6 hours").
func Duration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return count(int(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return count(int(d/time.Hour), "hour")
	}
	return d.String()
}

// Ago words t relative to now: "3 minutes ago", "just now", "never".
func Ago(t, now time.Time) string {
	if t.Year() <= 1 {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0 && d > -time.Minute, d >= 0 && d < 5*time.Second:
		return "just now"
	case d < 0:
		return "in the future (" + t.UTC().Format(time.RFC3339) + ")"
	case d < time.Minute:
		return count(int(d/time.Second), "second") + " ago"
	case d < time.Hour:
		return count(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return count(int(d/time.Hour), "hour") + " ago"
	}
	return count(int(d/(24*time.Hour)), "day") + " ago"
}

func count(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Words lists effects for a dry run or a log, one per line.
func (d Decision) Words() []string {
	var out []string
	for _, e := range d.Effects {
		out = append(out, "would "+e.String())
	}
	out = append(out, d.Kept...)
	out = append(out, d.Due...)
	if len(out) == 0 && d.Blocked == "" {
		out = append(out, "nothing to do")
	}
	return out
}
