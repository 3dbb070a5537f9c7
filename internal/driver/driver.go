// Package driver carries out the key's lifecycle against the real world: it
// observes (the store, the registry's check and key list, the sync lock),
// asks internal/lifecycle to decide, and executes the decided effects one at
// a time, saving the record after each step. Commands in internal/cli are
// thin adapters over it. Every step that changes the world is followed by a
// stop point (a hook only the crash tests set), where they end a run to prove that the
// next run recovers from any interruption.
package driver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

// Registry is what the driver needs of zot (zot.Client).
type Registry interface {
	Check(ctx context.Context, k key.Key) error
	List(ctx context.Context, auth key.Key) ([]zot.APIKey, error)
	Create(ctx context.Context, current key.Key, label string, scopes []string, expires time.Time) (zot.Created, error)
	Revoke(ctx context.Context, auth key.Key, id string) error
}

// Record is where the state is kept (record.File): the caller holds its lock.
type Record interface {
	Save(lifecycle.State) error
	LockSync() error
	UnlockSync()
	// SyncHeld reports whether another process holds the sync lock; an
	// error when that cannot be told (the lock cannot be opened).
	SyncHeld() (bool, error)
	// SyncLockFile is the held sync lock, for the sync to inherit.
	SyncLockFile() *os.File
}

// SyncFunc runs the configured sync of the stored key. It is given the
// values of the keys zotkey holds (the stored one, and the one it replaced
// this run) only to filter them out of the sync's output, and the sync lock,
// which the sync must inherit: while the sync or anything it started runs,
// the lock stays held, so a sync that outlives a killed zotkey is still
// under way.
type SyncFunc func(ctx context.Context, secrets []string, lock *os.File) error

// Driver runs one command's steps for one zot identity.
type Driver struct {
	Reg   Registry
	Store store.Store
	Rec   Record
	State lifecycle.State
	Sync  SyncFunc // nil: no sync configured
	// SyncTimeout bounds a sync (sync-timeout): past it the sync is stopped
	// (its ctx is cancelled) and recorded as unconfirmed. 0: no bound.
	SyncTimeout time.Duration
	Now         func() time.Time
	Say         func(format string, args ...any)
	// StoreIDs are the 1Password IDs the store resolved this run (nil: none).
	StoreIDs func() *lifecycle.OnePasswordIDs

	cur   key.Key // the stored key, once read
	prev  key.Key // the key this run replaced, if any (for the sync's filter)
	facts lifecycle.Facts
	next  zot.Created  // a minted key between Mint and Store
	keys  []zot.APIKey // the last list, for the mint's scopes
	// stopHook is called at every stop point; an error ends the run there,
	// as if the process had been killed. Only the crash tests set it
	// (export_test.go); nil: never stop.
	stopHook func(point string) error
}

// stop is a stop point: a step that changed the world has just ended.
func (d *Driver) stop(point string) error {
	if d.stopHook == nil {
		return nil
	}
	if err := d.stopHook(point); err != nil {
		return &stopped{point}
	}
	return nil
}

// stopped ends a run at a stop point.
type stopped struct{ point string }

func (e *stopped) Error() string { return "stopped at a stop point: " + e.point }

func (d *Driver) save() error {
	if !d.cur.IsZero() {
		var ids *lifecycle.OnePasswordIDs
		if d.StoreIDs != nil {
			ids = d.StoreIDs()
		}
		d.State.StoredIn(d.Store.String(), ids)
	}
	if err := d.Rec.Save(d.State); err != nil {
		return &RecordError{err}
	}
	return nil
}

// RecordError is a failed save of the record.
type RecordError struct{ Err error }

func (e *RecordError) Error() string { return "the local record cannot be written: " + e.Err.Error() }
func (e *RecordError) Unwrap() error { return e.Err }

// Stored is the key the store holds, once Observe read it.
func (d *Driver) Stored() key.Key { return d.cur }

// Facts are what Observe saw.
func (d *Driver) Facts() lifecycle.Facts { return d.facts }

// Observation says how far Observe got.
type Observation struct {
	// CheckErr is the registry's failure to judge the stored key, or its refusal (zot.ErrRejected).
	CheckErr error
	// ListErr is the failure to read zot's key list with it.
	ListErr error
	// Notes are what the record learned, in words.
	Notes []string
}

// Observe reads the stored key, asks the registry to judge it and to list
// the keys with it, looks at the sync lock, and brings the record up to date
// (saved unless dryRun). A store that cannot be read is an error; the
// registry's failures are in the Observation, so a command can still say
// what it knows.
func (d *Driver) Observe(ctx context.Context, dryRun bool) (Observation, error) {
	var o Observation
	v, err := d.Store.Get(ctx)
	if err != nil {
		return o, err
	}
	k, err := key.Parse([]byte(v), key.Any)
	if err != nil {
		return o, &NotAKeyError{Store: d.Store.String(), Reason: err.Error()}
	}
	d.cur = k
	held, err := d.Rec.SyncHeld()
	if err != nil {
		return o, err
	}
	f := lifecycle.Facts{Now: d.Now(), Stored: k.Fingerprint(), SyncRunning: held}
	switch err := d.Reg.Check(ctx, k); {
	case err == nil:
		f.Check = lifecycle.Accepted
		keys, err := d.Reg.List(ctx, k)
		if err == nil {
			if self, ok := lifecycle.NewestUse(Listed(keys)); ok {
				f.Listed, f.Keys, f.Self, d.keys = true, Listed(keys), self, keys
				if lifecycle.SelfInDoubt(d.State, f) {
					// Which key is stored? The one this second request stamps.
					if again, err := d.Reg.List(ctx, k); err == nil {
						f.Again = Listed(again)
					}
				}
			} else {
				err = errors.New("zot's key list shows no key in use just now")
			}
		}
		o.ListErr = err
	case errors.Is(err, zot.ErrRejected):
		f.Check = lifecycle.Refused
		o.CheckErr = err
	default:
		o.CheckErr = err
	}
	d.facts = f
	notes, err := lifecycle.Observe(&d.State, f)
	o.Notes = notes
	if err != nil {
		return o, err
	}
	if !dryRun && !d.State.Blank() {
		if err := d.save(); err != nil {
			return o, err
		}
	}
	return o, nil
}

// NotAKeyError is a stored value that is not a key.
type NotAKeyError struct{ Store, Reason string }

func (e *NotAKeyError) Error() string {
	return "the value stored in " + e.Store + " is not a key: " + e.Reason
}

// Decide is lifecycle.Decide on what Observe saw.
func (d *Driver) Decide(ask lifecycle.Ask) lifecycle.Decision {
	return lifecycle.Decide(d.State, d.facts, ask)
}

// Mint holds what a mint needs besides the stored key.
type Mint struct {
	Expires time.Time
}

// Execute carries out the effects in order, saving after each; it stops at
// the first that fails. A Revoke that fails is reported and the others go
// on: each is its own step, and what is not revoked stays recorded.
func (d *Driver) Execute(ctx context.Context, effects []lifecycle.Effect, m Mint) error {
	var revokeErrs []error
	for _, e := range effects {
		var err error
		switch e.Kind {
		case lifecycle.Revoke, lifecycle.Forget:
			err = d.revoke(ctx, e)
			if err != nil && !errors.As(err, new(*stopped)) {
				var rerr *RecordError
				if !errors.As(err, &rerr) {
					revokeErrs = append(revokeErrs, err)
					continue
				}
			}
		case lifecycle.Mint:
			err = d.mint(ctx, m)
		case lifecycle.Store:
			err = d.store(ctx)
		case lifecycle.Sync:
			err = d.sync(ctx)
		default:
			err = fmt.Errorf("unknown effect %q", e.Kind)
		}
		if err != nil {
			return err
		}
	}
	if len(revokeErrs) > 0 {
		return &RevokeError{Errs: revokeErrs}
	}
	return nil
}

// RevokeError lists revocations that failed; the keys stay recorded.
type RevokeError struct{ Errs []error }

func (e *RevokeError) Error() string {
	if len(e.Errs) == 1 {
		return e.Errs[0].Error()
	}
	return fmt.Sprintf("%v; %d more revocations failed", e.Errs[0], len(e.Errs)-1)
}

func (e *RevokeError) Unwrap() []error { return e.Errs }

// revoke revokes a replaced or watched key and proves it gone from zot's
// list (zot answers 200 for unknown ids, routes.go RevokeAPIKey); Forget
// sends the revocation and drops the key whatever the answer.
func (d *Driver) revoke(ctx context.Context, e lifecycle.Effect) error {
	err := confirmed(ctx, d.Reg, d.cur, e.UUID)
	if err != nil && e.Kind == lifecycle.Revoke {
		return fmt.Errorf("revoking %s: %w", e.Name, err)
	}
	if err := d.stop("revoked " + e.UUID); err != nil {
		return err
	}
	if _, queued := d.State.Replacing(e.UUID); queued {
		forget := d.State.Revoked
		if e.Kind == lifecycle.Forget {
			forget = func(uuid string) error { return d.State.Forgot(uuid, d.Now()) }
		}
		if err := forget(e.UUID); err != nil {
			return err
		}
	} else if slices.ContainsFunc(d.State.Watch, func(w lifecycle.Watch) bool { return w.Matches(e.Label, e.UUID) }) {
		if err := d.State.Unwatch(e.Label, e.UUID); err != nil {
			return err
		}
	}
	if err := d.save(); err != nil {
		return err
	}
	verb := "revoked"
	if e.Kind == lifecycle.Forget {
		verb = "forgot"
	}
	d.Say("%s %s (%s)", verb, e.Name, e.Reason)
	return d.stop("saved revocation of " + e.UUID)
}

// confirmed revokes id and lists the keys to prove it is gone.
func confirmed(ctx context.Context, reg Registry, auth key.Key, id string) error {
	if err := reg.Revoke(ctx, auth, id); err != nil {
		return err
	}
	keys, err := reg.List(ctx, auth)
	if err != nil {
		return fmt.Errorf("could not confirm the revocation: %w", err)
	}
	if _, still := zot.Find(keys, id); still {
		return fmt.Errorf("the registry still lists %s after revoking it", lifecycle.Name(id, ""))
	}
	return nil
}

// cleanupTimeout bounds the clean-up after a failure or an interruption,
// which runs even when the run's context was cancelled.
const cleanupTimeout = 30 * time.Second

func label(now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "zotkey " + now.UTC().Format("2006-01-02") + " " + hex.EncodeToString(b)
}

// mint records the rotation ahead, mints a key with the stored one, records
// zot's answer, and proves the new key works. A failure revokes whatever the
// mint made, by the uuid zot's answer gave and by the rotation's label.
func (d *Driver) mint(ctx context.Context, m Mint) error {
	// A store that can tell it will refuse the write (a 1Password item with a
	// field the SDK cannot edit) says so before a key is minted for nothing.
	if w, ok := d.Store.(interface{ Writable(context.Context) error }); ok {
		if err := w.Writable(ctx); err != nil {
			return &StoreError{Err: fmt.Errorf("nothing was minted: %w", err)}
		}
	}
	if err := d.State.BeginRotation(label(d.Now()), d.Now()); err != nil {
		return err
	}
	if err := d.save(); err != nil {
		return err
	}
	if err := d.stop("rotation begun"); err != nil {
		return err
	}
	self, _ := lifecycle.StoredEntry(d.State, d.facts)
	entry, _ := zot.Find(d.keys, self.UUID)
	scopes := entry.Scopes
	created, err := d.Reg.Create(ctx, d.cur, d.State.Rotation.Label, scopes, m.Expires)
	if serr := d.stop("minted"); serr != nil {
		return serr
	}
	if err == nil {
		if _, exists := zot.Find(d.keys, created.UUID); exists {
			err = &zot.AnswerError{Reason: fmt.Sprintf("the registry's answer to the mint names an existing key (%s) as the new one", lifecycle.Name(created.UUID, ""))}
			created.UUID = "" // not the new key's: find that one by its label
		}
	}
	if err != nil {
		return d.undoMint(ctx, created.UUID, err)
	}
	var exp *time.Time
	if created.Expires() {
		exp = ptrTime(created.ExpirationDate.UTC())
	}
	if err := d.State.Minted(created.UUID, created.Key.Fingerprint(), created.CreatedAt, exp); err != nil {
		return d.undoMint(ctx, created.UUID, err)
	}
	d.next = created
	if err := d.save(); err != nil {
		return d.rollback(ctx, err)
	}
	if err := d.stop("minted and saved"); err != nil {
		return err
	}
	if err := d.Reg.Check(ctx, created.Key); err != nil {
		return d.rollback(ctx, fmt.Errorf("the new key does not work: %w", err))
	}
	return d.stop("new key checked")
}

// MintError is a mint that failed; Undone says the clean-up left nothing behind.
type MintError struct {
	Err    error
	Undone bool
	Label  string
}

func (e *MintError) Error() string { return e.Err.Error() }
func (e *MintError) Unwrap() error { return e.Err }

// undoMint revokes what a failed mint may have made: the key with uuid (when
// zot's answer named one) and any key with the rotation's label. When zot
// never answered, the label stays watched by later runs.
func (d *Driver) undoMint(ctx context.Context, uuid string, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	lbl := d.State.Rotation.Label
	unanswered := errors.Is(cause, zot.ErrUnreachable) || errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded)
	cleanErr := d.revokeMinted(ctx, lbl, uuid)
	undone, err := d.State.MintFailed(!unanswered, cleanErr == nil, uuid, d.Now())
	if err == nil {
		err = d.save()
	}
	if err != nil {
		return err
	}
	if cleanErr != nil {
		cause = fmt.Errorf("%w, and cleaning up failed too: %v", cause, cleanErr)
	}
	return &MintError{Err: cause, Undone: undone, Label: lbl}
}

// revokeMinted revokes every listed key with the label, or with uuid, but
// the stored key.
func (d *Driver) revokeMinted(ctx context.Context, lbl, uuid string) error {
	keys, err := d.Reg.List(ctx, d.cur)
	if err != nil {
		return err
	}
	self, _ := lifecycle.StoredEntry(d.State, d.facts)
	for _, k := range keys {
		if k.UUID == self.UUID || k.UUID == d.State.Current.UUID || !(k.Label == lbl || (uuid != "" && k.UUID == uuid)) {
			continue
		}
		if err := confirmed(ctx, d.Reg, d.cur, k.UUID); err != nil {
			return err
		}
		d.Say("revoked %s, minted by this rotation, which cannot store it", lifecycle.Name(k.UUID, ""))
	}
	return nil
}

// rollback revokes the minted key with the stored one, proves it gone, and
// ends the rotation: the stored key is unchanged.
func (d *Driver) rollback(ctx context.Context, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	uuid := d.State.Rotation.NewUUID
	name := d.State.Rotation.Name()
	if err := d.State.DropRotation(d.Now(), ""); err != nil {
		return err
	}
	if err := confirmed(ctx, d.Reg, d.cur, uuid); err != nil {
		if serr := d.save(); serr != nil {
			return serr
		}
		return &RollbackError{Err: cause, Name: name, RevokeErr: err}
	}
	if err := d.State.Revoked(uuid); err != nil {
		return err
	}
	if err := d.save(); err != nil {
		return err
	}
	return &RollbackError{Err: cause, Name: name}
}

// RollbackError is a rotation undone after its mint: the new key was
// revoked (unless RevokeErr says why not; it then stays recorded to revoke).
type RollbackError struct {
	Err       error
	Name      string
	RevokeErr error
}

func (e *RollbackError) Error() string {
	if e.RevokeErr != nil {
		return fmt.Sprintf("%v; revoking the new %s failed too: %v", e.Err, e.Name, e.RevokeErr)
	}
	return fmt.Sprintf("%v; the new %s was revoked", e.Err, e.Name)
}
func (e *RollbackError) Unwrap() error { return e.Err }

// store writes the minted key and completes the rotation. An interrupted or
// failed write may still have landed: only a store read to hold another
// value gets the new key revoked.
func (d *Driver) store(ctx context.Context) error {
	next := d.next.Key
	if next.IsZero() || d.State.Rotation == nil {
		return errors.New("store: no minted key in hand")
	}
	if err := store.Write(ctx, d.Store, next.Reveal()); err != nil {
		if errors.Is(err, store.ErrUnknownOutcome) {
			// Abandoned unanswered: the write may still land, and reading
			// the store now would ask the same stuck store. The rotation
			// stays minted (saved before the write); the next run observes
			// the store and finishes or undoes it from what it holds.
			return &StoreError{Err: err}
		}
		v, getErr := d.Store.Get(context.WithoutCancel(ctx))
		if getErr != nil {
			// The store cannot say what it holds, so the write may have
			// landed: revoking the new key could revoke the stored key.
			// As above, the next run settles it from what the store holds.
			return &StoreError{Err: fmt.Errorf("%w, and reading it again failed (%v): %w", err, getErr, store.ErrUnknownOutcome)}
		}
		if v != next.Reveal() {
			return d.rollback(ctx, &StoreError{Err: err})
		}
	}
	if err := d.stop("stored"); err != nil {
		return err
	}
	if err := d.State.CompleteRotation(); err != nil {
		return err
	}
	if err := d.State.Judged(next.Fingerprint(), lifecycle.Accepted, d.Now()); err != nil {
		return err
	}
	d.prev, d.cur, d.next = d.cur, next, zot.Created{}
	if err := d.save(); err != nil {
		return &StoredError{Err: err, Fingerprint: next.Fingerprint()}
	}
	replaced := d.State.Replaced[len(d.State.Replaced)-1]
	d.Say("rotated: stored %s in %s; it %s, and replaced %s", d.State.Current.Name(), d.Store, d.State.Expiry(d.Now()), replaced.Name())
	return d.stop("rotation saved")
}

// StoreError is a failed write of the store.
type StoreError struct{ Err error }

func (e *StoreError) Error() string { return e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// StoredError is a key stored whose record could not be saved.
type StoredError struct {
	Err         error
	Fingerprint string
}

func (e *StoredError) Error() string {
	return fmt.Sprintf("%s is stored, but the local record was not updated: %v", lifecycle.Name("", e.Fingerprint), e.Err)
}
func (e *StoredError) Unwrap() error { return e.Err }

// sync runs the configured sync of the stored key under the sync lock,
// recording its start and end: an end that is never recorded (the process
// was killed) leaves the lock free, and the next run syncs again.
func (d *Driver) sync(ctx context.Context) error {
	if d.Sync == nil {
		return errors.New("no sync is configured")
	}
	if err := d.Rec.LockSync(); errors.Is(err, record.ErrBusy) {
		return &SyncError{Err: fmt.Errorf("another zotkey is syncing: %w", err), Busy: true}
	} else if err != nil {
		return &SyncError{Err: fmt.Errorf("the sync cannot run: %w", err)}
	}
	defer d.Rec.UnlockSync()
	if err := d.State.SyncStarted(os.Getpid(), d.Now()); err != nil {
		return err
	}
	if err := d.save(); err != nil {
		return err
	}
	if err := d.stop("sync started"); err != nil {
		return err
	}
	fp := d.State.Current.Name()
	d.Say("syncing %s to its users", fp)
	secrets := []string{d.cur.Reveal()}
	if !d.prev.IsZero() {
		secrets = append(secrets, d.prev.Reveal())
	}
	sctx, cancel := ctx, context.CancelFunc(func() {})
	if d.SyncTimeout > 0 {
		sctx, cancel = context.WithTimeoutCause(ctx, d.SyncTimeout, &SyncTimeoutError{Timeout: d.SyncTimeout})
	}
	runErr := d.Sync(sctx, secrets, d.Rec.SyncLockFile())
	// A SyncFunc may also report its own timeout (a simulation on a virtual
	// clock returns a *SyncTimeoutError at once instead of waiting).
	var ste *SyncTimeoutError
	timedOut := ctx.Err() == nil && (sctx.Err() != nil || errors.As(runErr, &ste))
	cancel()
	if err := d.stop("sync ran"); err != nil {
		return err
	}
	if timedOut && ste == nil {
		// Stopped by its bound: it did not confirm, so it is recorded as
		// ended unconfirmed and the keys it would release stay.
		runErr = context.Cause(sctx)
	}
	if ctx.Err() != nil && runErr != nil {
		// A stop that was asked for: the sync's end is not known; leave the
		// record saying it started, and the next run syncs again.
		return &SyncError{Err: fmt.Errorf("interrupted during the sync: %w", ctx.Err())}
	}
	if err := d.State.SyncEnded(runErr == nil, d.Now()); err != nil {
		return err
	}
	if err := d.save(); err != nil {
		return &SyncError{Err: err, Unrecorded: runErr == nil}
	}
	if runErr != nil {
		return &SyncError{Err: runErr, Timeout: timedOut}
	}
	d.Say("the sync of %s succeeded", fp)
	return d.stop("sync saved")
}

// SyncError is a sync that failed, was busy, or could not be recorded.
type SyncError struct {
	Err        error
	Busy       bool
	Unrecorded bool
	Timeout    bool // stopped by sync-timeout
}

func (e *SyncError) Error() string { return e.Err.Error() }
func (e *SyncError) Unwrap() error { return e.Err }

func ptrTime(t time.Time) *time.Time { return &t }
