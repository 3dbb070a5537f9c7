package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/revoke"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

// keyFacts is what zot's key list, fetched with a key, says about it; zero
// when the registry is not zot or would not list.
type keyFacts struct {
	known bool
	self  zot.APIKey   // the key's own entry
	keys  []zot.APIKey // the whole list
}

// expires is the key's expiry (nil: never, or unknown).
func (f keyFacts) expires() *time.Time {
	if !f.known || !f.self.Expires() {
		return nil
	}
	t := f.self.ExpirationDate.UTC()
	return &t
}

// serverNow is the registry's clock at the list request: the key's own
// lastUsed, which that request stamped.
func (f keyFacts) serverNow() *time.Time {
	if !f.known || !revoke.Used(f.self.LastUsed) {
		return nil
	}
	t := f.self.LastUsed.UTC()
	return &t
}

// checkKey asks the registry whether k works, then what zot knows about it.
func checkKey(e *Env, g *Globals, k key.Key) (keyFacts, error) {
	c, err := e.registry(g)
	if err != nil {
		return keyFacts{}, err
	}
	if err := c.Check(e.Ctx, k); err != nil {
		return keyFacts{}, registryFailed(err, g)
	}
	facts, _ := lookupFacts(e, c, k, "")
	return facts, nil
}

// lookupFacts lists the keys with k and finds k's own entry; recorded is the
// uuid the record holds for k, "" when unknown.
func lookupFacts(e *Env, c *zot.Client, k key.Key, recorded string) (keyFacts, error) {
	keys, err := c.List(e.Ctx, k)
	if err != nil {
		return keyFacts{}, err
	}
	self, _, err := revoke.Self(keys, recorded)
	if err != nil {
		return keyFacts{keys: keys}, err
	}
	return keyFacts{known: true, self: self, keys: keys}, nil
}

// recordedUUID is the record's uuid for the key with fingerprint fp, if the
// record is about that key.
func recordedUUID(r record.Record, fp string) string {
	if r.Fingerprint == fp {
		return r.UUID
	}
	return ""
}

// registryFailed words a failed check of a key about to be stored.
func registryFailed(err error, g *Globals) error {
	if errors.Is(err, zot.ErrRejected) {
		return withHint(err, "nothing was stored; check that the key is the one just generated and belongs to --user "+redact.Text(g.User))
	}
	hints := append([]string{"nothing was stored"}, notJudged(err, g)...)
	if errors.Is(err, zot.ErrUnreachable) {
		hints = append(hints, "to store the key without checking it, pass --no-verify")
	}
	return withHint(err, hints...)
}

// notJudged says what to do when the registry did not judge the key (any
// failure but a 401): the key may well be fine.
func notJudged(err error, g *Globals) []string {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, zot.ErrRejected):
		return nil
	case errors.Is(err, zot.ErrUnreachable):
		return []string{fmt.Sprintf("the key was not judged: check the network, --registry (%s) and --timeout (%s), then run the command again",
			redact.Text(g.Registry), g.Timeout)}
	case errors.Is(err, zot.ErrRedirected):
		return []string{"the key was not judged and was sent nowhere else: set --registry to the final URL"}
	case errors.Is(err, zot.ErrStatus), errors.Is(err, zot.ErrAnswer):
		return []string{"the key was not judged: check that --registry is the zot registry's base URL, or try again later"}
	}
	return []string{"the key was not judged"}
}

// storedRecord is rec updated for key k, now stored in s: a key that replaces
// another queues the other for revocation, replaced at the registry's present
// (local time when the registry gave none).
func storedRecord(e *Env, rec record.Record, s store.Store, k key.Key, facts keyFacts, x Expiry) record.Record {
	now := e.Now().UTC().Truncate(time.Second)
	at := facts.serverNow()
	if at == nil {
		at = &now
	}
	r := rec
	r.Store, r.UpdatedAt = s.String(), now
	if ids := opIDs(s); ids != nil {
		r.OnePassword = ids
	}
	if r.Fingerprint != k.Fingerprint() {
		r.Fingerprint, r.UUID, r.ExpiresAt = k.Fingerprint(), "", nil
		r.Retire(rec.UUID, at)
		r.AwaitSync(rec.UUID, rec.Fingerprint, k.Fingerprint(), now)
	}
	if facts.known {
		r.UUID, r.ExpiresAt = facts.self.UUID, facts.expires()
		revoke.AbandonPending(facts.keys, &r, at)
	} else if r.ExpiresAt == nil {
		t := x.at(now)
		r.ExpiresAt = &t
	}
	return r
}
