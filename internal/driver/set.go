package driver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

// Put is a key obtained by hand, to store.
type Put struct {
	Key    key.Key
	Verify bool // check it against the registry first
	DryRun bool
	// Expires is the expiry to record when zot's list cannot tell it; Explicit
	// says the person gave it (so it replaces a recorded one).
	Expires  time.Time
	Explicit bool
}

// PutResult says what Set did.
type PutResult struct {
	Outcome store.Outcome
	// Replaced names the key the new one replaced ("" when none was recorded).
	Replaced string
	// ExpiryChanged says a new expiry was recorded for the same key.
	ExpiryChanged bool
}

// Set checks a key obtained by hand (unless !Verify), stores it, and records
// it as the stored key: the key it replaces waits for the sync, then for
// revocation, with zot's view of its last use as of now as its baseline (the
// new key's list is read with the new key, so zotkey never uses the old one).
// A rotation cut short is settled first. It does not run the sync.
func (d *Driver) Set(ctx context.Context, p Put) (PutResult, error) {
	var res PutResult
	f, err := d.handFacts(ctx, p)
	if err != nil {
		return res, err
	}
	out, old, err := store.Replace(ctx, d.Store, p.Key.Reveal(), p.DryRun)
	res.Outcome = out
	if err != nil {
		return res, &StoreError{Err: err}
	}
	if p.DryRun {
		return res, nil
	}
	d.cur = p.Key
	if old != "" && old != p.Key.Reveal() {
		if k, err := key.Parse([]byte(old), key.Any); err == nil {
			d.prev = k
		}
	}
	if err := d.stop("stored by hand"); err != nil {
		return res, err
	}
	h, err := d.State.StoredByHand(f, p.Expires, p.Explicit)
	if err != nil {
		return res, err
	}
	if h.Replaced != nil {
		res.Replaced = h.Replaced.Name()
	}
	res.ExpiryChanged = h.ExpiryChanged && out == store.Unchanged
	if h.First && !d.prev.IsZero() && d.Say != nil {
		d.Say("the store held %s, which zotkey's record does not hold, so zotkey never revokes it: once its users have the new key, revoke it in zot's web UI", lifecycle.Name("", d.prev.Fingerprint()))
	}
	if err := d.save(); err != nil {
		return res, &StoredError{Err: err, Fingerprint: p.Key.Fingerprint()}
	}
	return res, d.stop("set saved")
}

// handFacts are the facts about a key obtained by hand: the sync lock, and
// with p.Verify the registry's judgement and the key list read with it.
func (d *Driver) handFacts(ctx context.Context, p Put) (lifecycle.Facts, error) {
	held, err := d.Rec.SyncHeld()
	if err != nil {
		return lifecycle.Facts{}, err
	}
	f := lifecycle.Facts{Now: d.Now(), Stored: p.Key.Fingerprint(), SyncRunning: held}
	if !p.Verify {
		return f, nil
	}
	if err := d.Reg.Check(ctx, p.Key); err != nil {
		return f, &CheckError{Err: err}
	}
	f.Check = lifecycle.Accepted
	if keys, err := d.Reg.List(ctx, p.Key); err == nil {
		if self, ok := lifecycle.NewestUse(Listed(keys)); ok {
			f.Listed, f.Keys, f.Self = true, Listed(keys), self
		}
	}
	return f, nil
}

// CheckError is the registry's refusal of, or failure to judge, a key.
type CheckError struct{ Err error }

func (e *CheckError) Error() string { return e.Err.Error() }
func (e *CheckError) Unwrap() error { return e.Err }

// Rejected reports whether err is the registry refusing a key.
func Rejected(err error) bool { return errors.Is(err, zot.ErrRejected) }

// SyncNow runs the sync of the stored key, when one is configured and it is
// not confirmed yet (a key stored by Set, or one whose sync failed).
func (d *Driver) SyncNow(ctx context.Context) error {
	if d.Sync == nil || d.State.Current == nil {
		return nil
	}
	if d.cur.IsZero() {
		return fmt.Errorf("sync: the stored key was not read")
	}
	return d.sync(ctx)
}
