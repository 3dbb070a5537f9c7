package driver

import (
	"context"
	"errors"
	"time"

	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/zot"
)

// Opts are what one command's run needs besides the session.
type Opts struct {
	Sync        []string      // the sync's argv (none: no sync)
	SyncTimeout time.Duration // 0: no bound
	CreateField bool          // a 1Password field may be created (set --create-field)
	// LazyStore leaves the store unopened until Run.WithStore (the daily job
	// reads it only on the days it must: 1Password may prompt).
	LazyStore bool
	// ReadOnly is a run that writes nothing (a dry run): it takes the lock
	// only if the lock file exists (record.File.LockRead), creating no file
	// or folder, and the record refuses a save.
	ReadOnly bool
}

// Locked is a record a run holds the lock of (record.File).
type Locked interface {
	Record
	Lock() error
	// LockRead is Lock for a run that writes nothing: it creates no file.
	LockRead() error
	Unlock()
	// Load reads the record (record.ErrNone: none yet); an old-format one is
	// migrated in memory, and the first Save writes it anew.
	Load() (lifecycle.State, error)
	// Old says whether the record loaded is in the first format.
	Old() bool
}

// Run is one command's run over the record, locked from Open (or Lock) to
// Close: the registry, the store and the record are opened once, and every
// change of the record goes through it.
type Run struct {
	*Driver
	rec  Locked
	sess *Session // nil for a Run made by Lock
	opts Opts
}

// Lock takes rec's lock and loads the record into d, which then runs over
// it; errors are the lock's and the record's own (ErrBusy: another run holds
// the lock). The caller closes the run.
func Lock(rec Locked, d *Driver) (*Run, error) { return lock(rec, d, false) }

func lock(rec Locked, d *Driver, readOnly bool) (*Run, error) {
	take := rec.Lock
	if readOnly {
		take = rec.LockRead
	}
	if err := take(); err != nil {
		return nil, &LockFailed{err}
	}
	st, err := rec.Load()
	if err != nil && !errors.Is(err, record.ErrNone) {
		rec.Unlock()
		return nil, err
	}
	d.Rec, d.State = rec, st
	return &Run{Driver: d, rec: rec}, nil
}

// LockFailed is a lock that could not be taken (ErrBusy: another run holds it).
type LockFailed struct{ Err error }

func (e *LockFailed) Error() string { return e.Err.Error() }
func (e *LockFailed) Unwrap() error { return e.Err }

// Open opens the registry, the record under its lock and (unless
// o.LazyStore) the store, for a command that may change the record; its
// errors are worded for a person. The caller closes the run.
func (s *Session) Open(o Opts) (*Run, error) {
	r, err := s.OpenJob(o)
	if err != nil {
		return nil, s.lockFailed(err)
	}
	return r, nil
}

// OpenJob is Open with the errors as they are (the daily job words its own).
func (s *Session) OpenJob(o Opts) (*Run, error) {
	reg, err := s.Registry()
	if err != nil {
		return nil, err
	}
	f, err := s.Record()
	if err != nil {
		return nil, err
	}
	d := &Driver{Reg: reg, Now: s.Now, Say: s.Say, SyncTimeout: o.SyncTimeout}
	if len(o.Sync) > 0 {
		d.Sync = Command(o.Sync, s.Stderr, s.Say)
	}
	if !o.LazyStore {
		// Before the lock, as 1Password loads in the background meanwhile.
		openStore(d, s, o)
	}
	r, err := lock(f, d, o.ReadOnly)
	if err != nil {
		return nil, err
	}
	r.sess, r.opts = s, o
	return r, nil
}

func openStore(d *Driver, s *Session, o Opts) {
	st := s.KeyStore(o.CreateField)
	d.Store = st
	d.StoreIDs = func() *lifecycle.OnePasswordIDs { return opIDs(st) }
}

// WithStore is the run's driver, with the store opened (1Password starts
// loading the first time).
func (r *Run) WithStore() *Driver {
	if r.Driver.Store == nil && r.sess != nil {
		openStore(r.Driver, r.sess, r.opts)
	}
	return r.Driver
}

// Close releases the record's lock.
func (r *Run) Close() { r.rec.Unlock() }

// ReadOnly says whether the run writes nothing (Opts.ReadOnly).
func (r *Run) ReadOnly() bool { return r.opts.ReadOnly }

// Old says whether the record is still in the first format: the run's first
// save migrates it (under the lock).
func (r *Run) Old() bool { return r.rec.Old() }

// moved is the session's did-you-mean for a store with no key.
func (r *Run) moved(fallback string) string {
	if r.sess == nil {
		return fallback
	}
	return r.sess.Moved(fallback)
}

// Look runs the driver's observation, says what the record learned, and
// words a failure to read the store; dryRun saves nothing.
func (r *Run) Look(ctx context.Context, dryRun bool) (Observation, error) {
	o, err := r.WithStore().Observe(ctx, dryRun)
	for _, n := range o.Notes {
		r.Say("%s", n)
	}
	if err != nil {
		return o, ReadFailed(err, func() string { return r.moved("store a key first: zotkey set") })
	}
	return o, nil
}

// Confirm records that a sync carried the key with fingerprint fp (the
// stored key's when "") to its users, and saves; it returns the number of
// replaced keys that now wait to be revoked, and the fingerprint.
func (r *Run) Confirm(fp string) (int, string, error) {
	st := &r.State
	if st.Current == nil {
		return 0, "", noSyncToConfirm(r.sess.Where)
	}
	if fp == "" {
		fp = st.Current.Fingerprint
	}
	n, err := st.Confirm(fp, r.Now())
	if err != nil {
		return 0, fp, notConfirmable(fp, st.Current.Fingerprint)
	}
	if err := r.rec.Save(*st); err != nil {
		return 0, fp, confirmUnsaved(err)
	}
	return n, fp, nil
}

// JobRan records the daily job's outcome (not without a key to add it to);
// a failure to save is said, not returned.
func (r *Run) JobRan(outcome lifecycle.JobOutcome, msg string) {
	st := &r.State
	if st.Current == nil {
		return
	}
	if err := st.JobRan(outcome, msg, r.Now()); err != nil {
		return
	}
	if err := r.rec.Save(*st); err != nil {
		r.Say("warning: the run was not recorded: %v", err)
	}
}

// RecordCheck records the registry's judgement of the key fp (checkErr nil:
// accepted; zot.ErrRejected: refused; any other: not judged, nothing to
// record) when the record is about that key: a dead key is a recorded fact,
// whichever command checked it. A failure to record is said, not returned.
func (s *Session) RecordCheck(fp string, checkErr error) {
	result := lifecycle.Accepted
	switch {
	case errors.Is(checkErr, zot.ErrRejected):
		result = lifecycle.Refused
	case checkErr != nil:
		return // not judged
	}
	f, err := s.Record()
	if err != nil {
		return
	}
	r, err := Lock(f, &Driver{})
	if err != nil {
		s.Say("warning: the check was not recorded: %v", err)
		return
	}
	defer r.Close()
	st := r.State
	if st.Current == nil || st.Current.Fingerprint != fp {
		return
	}
	if err := st.Judged(fp, result, s.Now()); err != nil {
		return
	}
	if err := f.Save(st); err != nil {
		s.Say("warning: the check was not recorded: %v", err)
	}
}
