package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

// RotateCmd replaces the stored key with one it mints itself.
type RotateCmd struct {
	ExpiresIn Lifetime `default:"90d" placeholder:"DAYS" help:"Lifetime of the new key, e.g. 90d."`
	DryRun    bool     `help:"Check the current key and stop before creating anything."`
}

// manualPath is where every refusal to rotate points.
const manualPath = "get a new key by hand (the zot web UI) and store it: zotkey set, or mise run rotate-zot-key --manual"

func (c *RotateCmd) Run(g *Globals, e *Env) error {
	s := e.keyStore(g, false)
	reg := e.registry(g)
	cur, err := readStored(e, g, s)
	if err != nil {
		return err
	}
	if err := reg.Check(e.Ctx, cur); err != nil {
		if errors.Is(err, zot.ErrRejected) {
			return withHint(fmt.Errorf("the stored key %s no longer works, so it cannot mint its successor: %w", cur.Fingerprint(), err), manualPath)
		}
		return withHint(err, "nothing was changed")
	}
	path, err := e.recordPath(g)
	if err != nil {
		return withHint(err, "nothing was changed")
	}
	rec, _ := record.Load(path)
	uuid := ""
	if rec.Fingerprint == cur.Fingerprint() {
		uuid = rec.UUID
	}
	curFacts := lookupFacts(e, reg, cur, uuid)
	if err := e.Ctx.Err(); err != nil {
		return withHint(fmt.Errorf("interrupted while looking up the current key: %w", err), "nothing was changed")
	}
	if !curFacts.known {
		return withHint(fmt.Errorf("the registry at %s did not list the current key (is it zot, with API keys enabled?)", g.Registry), manualPath)
	}
	expires := e.Now().Add(time.Duration(c.ExpiresIn)).UTC().Truncate(time.Second)
	if c.DryRun {
		e.say("dry run: the current key %s (uuid %s) works; would mint a key expiring %s and store it in %s; nothing created",
			cur.Fingerprint(), curFacts.uuid, expires.Format(time.RFC3339), s)
		return nil
	}

	label := "zotkey " + e.Now().UTC().Format("2006-01-02") + " " + nonce()
	created, err := reg.Create(e.Ctx, cur, label, expires)
	if err != nil {
		// The key may exist even though the answer was lost: find it by its
		// unique label and revoke it, so nothing is orphaned.
		if undoErr := revokeByLabel(e, reg, cur, label, created.UUID); undoErr != nil {
			return withHint(fmt.Errorf("minting a new key failed (%v), and cleaning up failed too: %v", err, undoErr),
				fmt.Sprintf("list the keys of %s in the zot web UI and revoke any labelled %q", g.User, label))
		}
		return withHint(fmt.Errorf("minting a new key failed: %w", err), "nothing was changed; the current key is still stored and valid")
	}
	next := created.Key
	if err := reg.Check(e.Ctx, next); err != nil {
		return rollback(e, reg, cur, created, fmt.Errorf("the new key does not work: %w", err))
	}
	// The write starts from the read of the current key above (a stale one is re-read).
	if err := store.Write(e.Ctx, s, next.Reveal()); err != nil {
		// An interrupted or failed write may still have landed: only a store
		// that does not hold the new key gets it revoked.
		if v, getErr := s.Get(context.WithoutCancel(e.Ctx)); getErr != nil || v != next.Reveal() {
			return rollback(e, reg, cur, created, storeFailed(err, s))
		}
	}
	facts := keyFacts{known: true, uuid: created.UUID}
	if created.Expires() {
		t := created.ExpirationDate.UTC()
		facts.expires = &t
	}
	noteStored(e, g, s, next, facts, Expiry{}, curFacts.uuid)
	e.say("rotated: stored %s (%s, %s)", s, next.Fingerprint(), describeExpiry(record.Record{ExpiresAt: facts.expires}, e.Now()))
	e.say("the previous key %s stays valid until zotkey revoke-previous", cur.Fingerprint())
	return e.Ctx.Err()
}

func nonce() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// rollback revokes the new key with the current one and proves it is gone.
func rollback(e *Env, reg *zot.Client, cur key.Key, created zot.Created, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.Ctx), 30*time.Second)
	defer cancel()
	if err := revokeConfirmed(ctx, reg, cur, created.UUID); err != nil {
		return withHint(fmt.Errorf("%w; revoking the new key (uuid %s) failed too: %v", cause, created.UUID, err),
			"the current key is still stored and valid; revoke uuid "+created.UUID+" in the zot web UI")
	}
	return withHint(fmt.Errorf("%w; the new key was revoked", cause), "the current key is still stored and valid; nothing else changed")
}

func revokeByLabel(e *Env, reg *zot.Client, cur key.Key, label, uuid string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.Ctx), 30*time.Second)
	defer cancel()
	keys, err := reg.List(ctx, cur)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.Label == label || (uuid != "" && k.UUID == uuid) {
			if err := revokeConfirmed(ctx, reg, cur, k.UUID); err != nil {
				return err
			}
		}
	}
	return nil
}

// revokeConfirmed revokes id and lists the keys to prove it is gone: zot
// answers 200 for ids it does not know, so only the list is proof.
func revokeConfirmed(ctx context.Context, reg *zot.Client, auth key.Key, id string) error {
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

// RevokePreviousCmd retires the keys rotate replaced.
type RevokePreviousCmd struct{}

func (RevokePreviousCmd) Run(g *Globals, e *Env) error {
	path, err := e.recordPath(g)
	if err != nil {
		return withHint(err)
	}
	rec, err := record.Load(path)
	if errors.Is(err, record.ErrNone) || (err == nil && len(rec.Previous) == 0) {
		e.say("no previous key is recorded; nothing to revoke")
		return nil
	}
	if err != nil {
		return withHint(err)
	}
	s := e.keyStore(g, false)
	reg := e.registry(g)
	cur, err := readStored(e, g, s)
	if err != nil {
		return err
	}
	if err := reg.Check(e.Ctx, cur); err != nil {
		return withHint(fmt.Errorf("the stored key %s does not work, so no other key is revoked: %w", cur.Fingerprint(), err), "fix the stored key first (zotkey status --check)")
	}
	self := lookupFacts(e, reg, cur, rec.UUID)
	for _, id := range slices.Clone(rec.Previous) {
		if self.known && id == self.uuid {
			e.say("skipping uuid %s: it is the stored key", id)
		} else if err := revokeConfirmed(e.Ctx, reg, cur, id); err != nil {
			return withHint(fmt.Errorf("revoking the previous key %s: %w", id, err), "run zotkey revoke-previous again; the keys not yet revoked stay recorded")
		} else {
			e.say("revoked the previous key (uuid %s)", id)
		}
		rec.Previous = slices.DeleteFunc(rec.Previous, func(p string) bool { return p == id })
		if err := record.Save(path, rec); err != nil {
			return withHint(fmt.Errorf("updating the record: %w", err))
		}
	}
	return nil
}
