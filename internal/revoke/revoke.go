// Package revoke retires replaced zot API keys safely: it finds which key is
// the stored one, decides from zot's own usage stamps which replaced keys are
// idle, revokes them with proof from the key list, and cleans up after a
// rotation that was cut short.
package revoke

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/zot"
)

// Registry is what revocation needs of zot.
type Registry interface {
	List(ctx context.Context, auth key.Key) ([]zot.APIKey, error)
	Revoke(ctx context.Context, auth key.Key, id string) error
}

// Grace is how long after its replacement a key may still show a use without
// counting as in use: zotkey's own requests during a rotation stamp it too.
const Grace = 10 * time.Second

// Confirmed revokes id and lists the keys to prove it is gone: zot answers 200
// for ids it does not know (routes.go RevokeAPIKey), so only the list is proof.
func Confirmed(ctx context.Context, reg Registry, auth key.Key, id string) error {
	if err := reg.Revoke(ctx, auth, id); err != nil {
		return err
	}
	keys, err := reg.List(ctx, auth)
	if err != nil {
		return fmt.Errorf("could not confirm the revocation: %w", err)
	}
	if _, still := zot.Find(keys, id); still {
		return fmt.Errorf("the registry still lists key %s after revoking it", id)
	}
	return nil
}

// ErrUnidentified means zot's list did not establish which entry is the stored key.
var ErrUnidentified = errors.New("the stored key's entry in zot's list cannot be established")

// Self finds the stored key's entry in a list fetched with it. zot stamps the
// caller's lastUsed while authenticating, before it reads the list
// (pkg/api/authn.go), so the caller is the entry used last. recorded is the
// uuid the record holds for this key ("" when unknown); when it disagrees with
// zot, which key is stored cannot be established and Self says so.
func Self(keys []zot.APIKey, recorded string) (self zot.APIKey, confirmed bool, err error) {
	caller, ok := zot.Caller(keys)
	if !ok {
		return zot.APIKey{}, false, errors.New("zot's key list shows no key in use just now")
	}
	if recorded == "" {
		return caller, false, nil
	}
	if caller.UUID != recorded {
		return zot.APIKey{}, false, fmt.Errorf("%w: the record says it is uuid %s, but zot shows uuid %s as the one in use just now", ErrUnidentified, recorded, caller.UUID)
	}
	return caller, true, nil
}

// unconfirmed says why a key whose successor's sync is unconfirmed is kept.
func unconfirmed(w record.Retired) string {
	const todo = "once the users have the stored key, run zotkey synced, then revoke-previous again, or --force"
	if w.UnsyncedSince == nil {
		return "no sync of the key that replaced it has been confirmed (it was replaced outside zotkey or by an older zotkey); " + todo
	}
	return fmt.Sprintf("the key that replaced it, stored %s, has not been confirmed at its users (its sync is under way, failed or was not run); %s", w.UnsyncedSince.UTC().Format(time.RFC3339), todo)
}

// Action is what to do with a key waiting to be revoked.
type Action int

const (
	Revoke   Action = iota // idle since it was replaced (or --force): revoke it
	Keep                   // used after it was replaced: something still holds it
	Gone                   // zot no longer lists it: nothing to do
	IsStored               // it is the stored key: never revoked
)

// Decision is the plan for one waiting key.
type Decision struct {
	Retired record.Retired
	Key     zot.APIKey // zot's entry, when listed
	Action  Action
	Why     string // for Revoke and Keep: the evidence, in words
}

// Plan decides, for every waiting key, from zot's list fetched with the stored
// key self. A key is idle when its lastUsed is not later than its replacement
// (plus Grace), or, if something used it after that, once it has gone unused
// for quiet since; every time is zot's clock, so local clock skew does not
// matter. The present is the stored key's lastUsed, stamped by the request
// that fetched the list.
func Plan(keys []zot.APIKey, self zot.APIKey, waiting []record.Retired, force bool, quiet time.Duration) []Decision {
	now := self.LastUsed
	var out []Decision
	for _, w := range waiting {
		d := Decision{Retired: w}
		entry, listed := zot.Find(keys, w.UUID)
		d.Key = entry
		replaced := self.CreatedAt
		if w.ReplacedAt != nil {
			replaced = *w.ReplacedAt
		}
		switch {
		case w.UUID == self.UUID:
			d.Action = IsStored
		case !listed:
			d.Action, d.Why = Gone, "zot no longer lists it"
		case force:
			d.Action, d.Why = Revoke, "--force"
		case entry.IsExpired:
			d.Action, d.Why = Revoke, "it has expired"
		case w.SyncedAt == nil:
			// Before "never used": users that have not run since still hold only this key.
			d.Action, d.Why = Keep, unconfirmed(w)
		case !Used(entry.LastUsed):
			d.Action, d.Why = Revoke, "never used"
		case replaced.IsZero() && now.Sub(entry.LastUsed) < quiet:
			d.Action, d.Why = Keep, fmt.Sprintf("last used %s, and zotkey does not know when it was replaced; it goes once unused for %s, or --force", Ago(entry.LastUsed, now), Duration(quiet))
		case !replaced.IsZero() && now.Before(replaced.Add(-Grace)):
			// zot's present is earlier than the replacement: its clock moved
			// back, and uses since then look older than they are.
			d.Action, d.Why = Keep, fmt.Sprintf("zot's clock now reads earlier than when the key was replaced (%s), so whether it is idle cannot be told; run again later, or --force", replaced.UTC().Format(time.RFC3339))
		case !entry.LastUsed.After(replaced.Add(Grace)):
			d.Action, d.Why = Revoke, fmt.Sprintf("idle since it was replaced %s; last used %s", Ago(replaced, now), Ago(entry.LastUsed, now))
		case now.Sub(entry.LastUsed) >= quiet:
			d.Action, d.Why = Revoke, fmt.Sprintf("used after it was replaced %s, but not since %s", Ago(replaced, now), Ago(entry.LastUsed, now))
		default:
			d.Action, d.Why = Keep, fmt.Sprintf("last used %s, after it was replaced %s: something still has the old key, likely a job that started before the sync or a place the sync does not reach; it goes once unused for %s: run again later, or --force", Ago(entry.LastUsed, now), Ago(replaced, now), Duration(quiet))
		}
		out = append(out, d)
	}
	return out
}

// Duration words d in whole days or hours ("1 day", "6 hours").
func Duration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return strings.TrimSuffix(plural(int(d/(24*time.Hour)), "day"), " ago")
	case d >= time.Hour && d%time.Hour == 0:
		return strings.TrimSuffix(plural(int(d/time.Hour), "hour"), " ago")
	}
	return d.String()
}

// Used reports whether zot shows a use: it writes the zero time for "never".
func Used(t time.Time) bool { return t.Year() > 1 }

// Ago words t relative to now: "3 minutes ago", "just now", "never".
func Ago(t, now time.Time) string {
	if !Used(t) {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0 && d > -time.Minute, d >= 0 && d < 5*time.Second:
		return "just now"
	case d < 0:
		return "in the future (" + t.UTC().Format(time.RFC3339) + ")"
	case d < time.Minute:
		return plural(int(d/time.Second), "second")
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour")
	default:
		return plural(int(d/(24*time.Hour)), "day")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit + " ago"
	}
	return fmt.Sprintf("%d %ss ago", n, unit)
}

// WatchFor is how long a label whose mint was cut short before zot answered
// is looked for: a request already on its way may still be carried out.
const WatchFor = 10 * time.Minute

// FinishPending follows the trail of a rotation that was cut short
// (rec.Pending, rec.Watch), with keys listed by the stored key auth whose entry
// is self: if the minted key was stored, the record is completed; otherwise
// every key carrying the rotation's label is revoked, so none is left orphaned.
// A mint that zot never answered may still land, so its label is watched by
// later runs until WatchFor has passed. It returns what it did, in words.
func FinishPending(ctx context.Context, reg Registry, auth key.Key, keys []zot.APIKey, self zot.APIKey, rec *record.Record, now time.Time) ([]string, error) {
	var notes []string
	if p := rec.Pending; p != nil {
		if p.NewFingerprint != "" && p.NewFingerprint == auth.Fingerprint() {
			was := rec.Fingerprint
			rec.Fingerprint, rec.UUID = p.NewFingerprint, p.NewUUID
			if entry, ok := zot.Find(keys, p.NewUUID); ok && entry.Expires() {
				t := entry.ExpirationDate.UTC()
				rec.ExpiresAt = &t
			}
			rec.Retire(p.Replaces, p.NewCreatedAt)
			rec.AwaitSync(p.Replaces, was, p.NewFingerprint, now) // the run that stored it never reached its sync
			rec.Pending = nil
			notes = append(notes, fmt.Sprintf("completed the record of a rotation that was cut short after storing its key (uuid %s)", p.NewUUID))
		} else {
			found, err := revokeLabelled(ctx, reg, auth, keys, self, p.Label, p.NewUUID, &notes)
			if err != nil {
				return notes, err
			}
			if !found && p.NewUUID == "" {
				rec.Watch = append(rec.Watch, record.Watch{Label: p.Label, Until: p.StartedAt.Add(WatchFor)})
				notes = append(notes, "a rotation was cut short before zot answered its mint; the next runs revoke the key if it appears")
			}
			rec.Pending = nil
		}
	}
	var kept []record.Watch
	for _, w := range rec.Watch {
		if _, err := revokeLabelled(ctx, reg, auth, keys, self, w.Label, "", &notes); err != nil {
			return notes, err
		}
		if now.Before(w.Until) {
			kept = append(kept, w)
		}
	}
	rec.Watch = kept
	return notes, nil
}

// revokeLabelled revokes every listed key with label (or uuid id), except
// the stored key self, and reports whether there was one.
func revokeLabelled(ctx context.Context, reg Registry, auth key.Key, keys []zot.APIKey, self zot.APIKey, label, id string, notes *[]string) (bool, error) {
	found := false
	for _, k := range keys {
		if k.UUID == self.UUID || !(k.Label == label || (id != "" && k.UUID == id)) {
			continue
		}
		found = true
		if err := Confirmed(ctx, reg, auth, k.UUID); err != nil {
			return found, fmt.Errorf("revoking key %s, left by a rotation that was cut short: %w", k.UUID, err)
		}
		*notes = append(*notes, fmt.Sprintf("revoked key %s, minted by a rotation that was cut short before its key was stored", k.UUID))
	}
	return found, nil
}

// AbandonPending is FinishPending for a run that is replacing the stored key
// anyway (zotkey set): every key the cut-short rotation may have left, and
// the key it was replacing, are queued to be revoked once idle.
func AbandonPending(keys []zot.APIKey, rec *record.Record, at *time.Time) {
	for _, w := range rec.Watch {
		for _, k := range keys {
			if k.Label == w.Label {
				rec.Retire(k.UUID, at)
			}
		}
	}
	p := rec.Pending
	if p == nil {
		return
	}
	found := false
	for _, k := range keys {
		if k.Label == p.Label || (p.NewUUID != "" && k.UUID == p.NewUUID) {
			rec.Retire(k.UUID, at)
			found = true
		}
	}
	if !found && p.NewUUID == "" {
		rec.Watch = append(rec.Watch, record.Watch{Label: p.Label, Until: p.StartedAt.Add(WatchFor)})
	}
	rec.Retire(p.Replaces, at)
	rec.Pending = nil
}
