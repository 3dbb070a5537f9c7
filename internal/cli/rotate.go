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
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/revoke"
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

// cleanupTimeout bounds the clean-up after a failure or an interruption, which
// runs even when the run's context was cancelled.
const cleanupTimeout = 30 * time.Second

func (c *RotateCmd) Run(g *Globals, e *Env) error {
	reg, err := e.registry(g)
	if err != nil {
		return err
	}
	s := e.keyStore(g, false)
	f, rec, err := e.lockRecord(g)
	if err != nil {
		return err
	}
	defer f.Unlock()
	cur, err := readStored(e, g, s)
	if err != nil {
		return err
	}
	if err := reg.Check(e.Ctx, cur); err != nil {
		if errors.Is(err, zot.ErrRejected) {
			return withHint(fmt.Errorf("the stored key %s no longer works, so it cannot mint its successor: %w", cur.Fingerprint(), err), manualPath)
		}
		return withHint(err, append([]string{"nothing was changed"}, notJudged(err, g)...)...)
	}
	facts, err := lookupFacts(e, reg, cur, recordedUUID(rec, cur.Fingerprint()))
	if ctxErr := e.Ctx.Err(); ctxErr != nil {
		return withHint(fmt.Errorf("interrupted while looking up the current key: %w", ctxErr), "nothing was changed")
	}
	if errors.Is(err, revoke.ErrUnidentified) {
		return withHint(fmt.Errorf("no key was minted: %w", err), "nothing was changed; run zotkey rotate again in a moment (another client may have used a key at the same instant)")
	}
	if err != nil {
		return withHint(fmt.Errorf("the registry at %s did not list the current key (is it zot, with API keys enabled?): %w", redact.Text(g.Registry), err), manualPath)
	}
	if err := finishPending(e, f, &rec, reg, cur, facts); err != nil {
		return err
	}
	expires := e.Now().Add(time.Duration(c.ExpiresIn)).UTC().Truncate(time.Second)
	if c.DryRun {
		e.say("dry run: the current key %s (uuid %s) works; would mint a key expiring %s and store it in %s; nothing created",
			cur.Fingerprint(), facts.self.UUID, expires.Format(time.RFC3339), s)
		return nil
	}

	// Write ahead: the record names the rotation before the key exists, so a
	// run killed after the mint leaves a label the next run finds and revokes.
	label := "zotkey " + e.Now().UTC().Format("2006-01-02") + " " + nonce()
	rec.Fingerprint, rec.UUID = cur.Fingerprint(), facts.self.UUID
	rec.Pending = &record.Pending{Label: label, Replaces: facts.self.UUID, StartedAt: e.Now().UTC().Truncate(time.Second)}
	if err := f.Save(rec); err != nil {
		return withHint(fmt.Errorf("the local record cannot be written, so no key was minted: %w", err), "nothing was changed; make the record's folder writable and run again")
	}
	created, err := reg.Create(e.Ctx, cur, label, facts.self.Scopes, expires)
	if err != nil {
		// The key may exist even though the answer was lost: find it by its
		// unique label and revoke it, so nothing is orphaned.
		if undoErr := undoMint(e, f, &rec, reg, cur, facts.self, label, err); undoErr != nil {
			return withHint(fmt.Errorf("minting a new key failed (%v), and cleaning up failed too: %v", err, undoErr),
				fmt.Sprintf("the next zotkey rotate, revoke-previous or status --check revokes any key labelled %q", label))
		}
		return withHint(fmt.Errorf("minting a new key failed: %w", err), "nothing was changed; the current key is still stored and valid")
	}
	if _, exists := zot.Find(facts.keys, created.UUID); exists {
		// An answer naming a key that existed before the mint is not the new
		// key's: believing it would record the wrong key. Revoke by label.
		cause := fmt.Errorf("the registry's answer to the mint names an existing key (uuid %s) as the new one", created.UUID)
		if undoErr := undoMint(e, f, &rec, reg, cur, facts.self, label, nil); undoErr != nil {
			return withHint(fmt.Errorf("%v, and cleaning up failed too: %v", cause, undoErr),
				fmt.Sprintf("the next zotkey rotate, revoke-previous or status --check revokes any key labelled %q", label))
		}
		return withHint(fmt.Errorf("%w; the key it minted was revoked", cause), "nothing was changed; the current key is still stored and valid")
	}
	next := created.Key
	rec.Pending.NewUUID, rec.Pending.NewFingerprint = created.UUID, next.Fingerprint()
	if revoke.Used(created.CreatedAt) {
		t := created.CreatedAt.UTC()
		rec.Pending.NewCreatedAt = &t
	}
	if err := f.Save(rec); err != nil {
		return rollback(e, f, &rec, reg, cur, created, fmt.Errorf("the local record cannot be written: %w", err))
	}
	if err := reg.Check(e.Ctx, next); err != nil {
		return rollback(e, f, &rec, reg, cur, created, fmt.Errorf("the new key does not work: %w", err))
	}
	// The write starts from the read of the current key above (a stale one is re-read).
	if err := store.Write(e.Ctx, s, next.Reveal()); err != nil {
		// An interrupted or failed write may still have landed: only a store
		// that does not hold the new key gets it revoked.
		if v, getErr := s.Get(context.WithoutCancel(e.Ctx)); getErr != nil || v != next.Reveal() {
			return rollback(e, f, &rec, reg, cur, created, storeFailed(err, s))
		}
	}
	rec.Store, rec.Fingerprint, rec.UUID = s.String(), next.Fingerprint(), created.UUID
	if ids := opIDs(s); ids != nil {
		rec.OnePassword = ids
	}
	rec.ExpiresAt, rec.UpdatedAt = nil, e.Now().UTC().Truncate(time.Second)
	if created.Expires() {
		t := created.ExpirationDate.UTC()
		rec.ExpiresAt = &t
	}
	rec.Retire(facts.self.UUID, rec.Pending.NewCreatedAt)
	rec.AwaitSync(facts.self.UUID, cur.Fingerprint(), next.Fingerprint(), e.Now())
	rec.Pending = nil
	if err := f.Save(rec); err != nil {
		return withHint(fmt.Errorf("the new key %s is stored, but the local record was not updated: %w", next.Fingerprint(), err),
			"run zotkey status --check once the record's folder is writable: it completes the record and queues the old key for revocation")
	}
	e.say("rotated: stored %s (%s, %s)", s, next.Fingerprint(), describeExpiry(rec, e.Now()))
	e.say("the previous key %s stays valid until the new key is synced (then: zotkey synced) and zotkey revoke-previous finds it idle", cur.Fingerprint())
	return e.Ctx.Err()
}

func nonce() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// finishPending follows the trail of a rotation cut short earlier (see
// revoke.FinishPending) and saves the record it leaves.
func finishPending(e *Env, f *record.File, rec *record.Record, reg *zot.Client, cur key.Key, facts keyFacts) error {
	if !rec.Unfinished() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.Ctx), cleanupTimeout)
	defer cancel()
	notes, err := revoke.FinishPending(ctx, reg, cur, facts.keys, facts.self, rec, e.Now())
	for _, n := range notes {
		e.say("%s", n)
	}
	if err != nil {
		return withHint(err, "nothing else was changed; run the command again")
	}
	if err := f.Save(*rec); err != nil {
		return withHint(fmt.Errorf("updating the record: %w", err), "nothing else was changed; make the record's folder writable and run again")
	}
	return nil
}

// undoMint revokes whatever a failed mint may have created, by its label, and
// clears the write-ahead entry. When zot answered the mint (mintErr is an
// HTTP answer, or nil), nothing more can land; when the answer never came, the
// label stays watched by later runs.
func undoMint(e *Env, f *record.File, rec *record.Record, reg *zot.Client, cur key.Key, self zot.APIKey, label string, mintErr error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.Ctx), cleanupTimeout)
	defer cancel()
	keys, err := reg.List(ctx, cur)
	if err != nil {
		return err
	}
	if _, err := revoke.FinishPending(ctx, reg, cur, keys, self, rec, e.Now()); err != nil {
		return err
	}
	unanswered := errors.Is(mintErr, zot.ErrUnreachable) || errors.Is(mintErr, context.Canceled) || errors.Is(mintErr, context.DeadlineExceeded)
	if !unanswered {
		rec.Watch = slices.DeleteFunc(rec.Watch, func(w record.Watch) bool { return w.Label == label })
	}
	return f.Save(*rec)
}

// rollback revokes the new key with the current one, proves it is gone and
// clears the write-ahead entry.
func rollback(e *Env, f *record.File, rec *record.Record, reg *zot.Client, cur key.Key, created zot.Created, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.Ctx), cleanupTimeout)
	defer cancel()
	if err := revoke.Confirmed(ctx, reg, cur, created.UUID); err != nil {
		return withHint(fmt.Errorf("%w; revoking the new key (uuid %s) failed too: %v", cause, created.UUID, err),
			"the current key is still stored and valid; the next zotkey rotate, revoke-previous or status --check revokes uuid "+created.UUID)
	}
	rec.Pending = nil
	if err := f.Save(*rec); err != nil {
		e.say("warning: the record still names the revoked key (%v); the next run clears it", err)
	}
	return withHint(fmt.Errorf("%w; the new key was revoked", cause), "the current key is still stored and valid; nothing else changed")
}
