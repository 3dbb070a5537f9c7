package cli

import (
	"errors"
	"slices"
	"time"

	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

// keyFacts is what zot's key list says about one key; zero when the registry
// is not zot or would not list.
type keyFacts struct {
	known   bool
	uuid    string
	expires *time.Time // nil: never expires
}

// checkKey asks the registry whether k works, then what zot knows about it.
func checkKey(e *Env, g *Globals, k key.Key) (keyFacts, error) {
	c := e.registry(g)
	if err := c.Check(e.Ctx, k); err != nil {
		return keyFacts{}, registryFailed(err, g)
	}
	return lookupFacts(e, c, k, ""), nil
}

// lookupFacts finds k's entry in zot's list fetched with k: by uuid when known,
// else as the caller (the entry with the newest lastUsed).
func lookupFacts(e *Env, c *zot.Client, k key.Key, uuid string) keyFacts {
	keys, err := c.List(e.Ctx, k)
	if err != nil {
		return keyFacts{}
	}
	entry, ok := zot.Find(keys, uuid)
	if !ok {
		if entry, ok = zot.Caller(keys); !ok {
			return keyFacts{}
		}
	}
	f := keyFacts{known: true, uuid: entry.UUID}
	if entry.Expires() {
		t := entry.ExpirationDate.UTC()
		f.expires = &t
	}
	return f
}

func registryFailed(err error, g *Globals) error {
	if errors.Is(err, zot.ErrRejected) {
		return withHint(err, "nothing was stored; check that the key is the one just generated and belongs to --user "+g.User)
	}
	return withHint(err, "nothing was stored; check --registry and the network, or pass --no-verify to store without checking")
}

// noteStored writes the local record for the key just stored in s. previous
// names the key it replaced (rotate); for a key set by hand it is the
// recorded key's uuid, so revoke-previous can retire that one too.
func noteStored(e *Env, g *Globals, s store.Store, k key.Key, facts keyFacts, x Expiry, previous string) {
	path, err := e.recordPath(g)
	if err != nil {
		e.say("warning: the local record was not updated: %v", err)
		return
	}
	old, err := record.Load(path)
	if err != nil && !errors.Is(err, record.ErrNone) {
		e.say("warning: %v", err)
	}
	now := e.Now().UTC().Truncate(time.Second)
	r := record.Record{Store: s.String(), Registry: g.Registry, User: g.User, Fingerprint: k.Fingerprint(), UpdatedAt: now, Previous: old.Previous}
	r.OnePassword = opIDs(s)
	if facts.known {
		r.UUID, r.ExpiresAt = facts.uuid, facts.expires
	} else {
		at := x.at(now)
		r.ExpiresAt = &at
	}
	if previous == "" && old.Fingerprint != r.Fingerprint {
		previous = old.UUID
	}
	if previous != "" && previous != r.UUID && !slices.Contains(r.Previous, previous) {
		r.Previous = append(r.Previous, previous)
	}
	if err := record.Save(path, r); err != nil {
		e.say("warning: the local record was not updated (%v); zotkey status --check rebuilds it", err)
	}
}
