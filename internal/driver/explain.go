package driver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

// This file words the driver's failures for a person: each error gets the
// hints that say what happened to the key and what to do next.

// Target is the registry and user the run talks to, for the hints.
type Target struct {
	Registry string
	User     string
	Timeout  time.Duration
}

// ReadFailed words a failure to read the stored key; notFound is the hint
// for a store that holds no key.
func ReadFailed(err error, notFound func() string) error {
	var notKey *NotAKeyError
	var rerr *RecordError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return hint.With(err, notFound())
	case errors.As(err, &notKey):
		return hint.With(err, "store a key: zotkey set")
	case errors.As(err, &rerr):
		return hint.With(err, "nothing else was changed; make the record's folder writable and run again")
	case errors.As(err, new(*record.LockError)):
		return hint.With(err, "nothing was changed; remove what stands at that path, or make it writable, and run again")
	}
	return hint.With(err)
}

// Judged words the registry's failure to judge the stored key, or its
// refusal and what it prevents (what).
func (o Observation) Judged(what string, t Target) error {
	if o.CheckErr == nil {
		return nil
	}
	if errors.Is(o.CheckErr, zot.ErrRejected) {
		return hint.With(fmt.Errorf("the stored key no longer works, so %s: %w", what, o.CheckErr), ManualPath)
	}
	// Not judged: the failure itself is the error (what would follow from a
	// refusal does not), so the line opens with what went wrong.
	return hint.With(o.CheckErr, append([]string{"nothing was changed"}, NotJudged(o.CheckErr, t)...)...)
}

// Executed words a failed execution.
func Executed(err error) error {
	var (
		mint     *MintError
		rollback *RollbackError
		stored   *StoredError
		serr     *SyncError
		rerr     *RevokeError
		recErr   *RecordError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mint) && mint.Undone:
		return hint.With(fmt.Errorf("minting a new key failed: %w", err), "nothing was changed; the stored key is still stored and valid")
	case errors.As(err, &mint):
		return hint.With(fmt.Errorf("minting a new key failed: %w", err), fmt.Sprintf("the next zotkey rotate, revoke-previous or daily job revokes any key labelled %q", mint.Label))
	case errors.As(err, &rollback) && rollback.RevokeErr != nil:
		return hint.With(err, "the stored key is still stored and valid; the next zotkey rotate, revoke-previous or daily job revokes the new key")
	case errors.As(err, &rollback):
		return hint.With(err, "the stored key is still stored and valid; nothing else changed")
	case errors.Is(err, store.ErrUnknownOutcome):
		return hint.With(fmt.Errorf("the new key was minted, but %w", err), "nothing was undone: the next zotkey rotate, zot-rotate or daily job reads the store and stores, keeps or revokes the new key from what it finds")
	case errors.As(err, &stored):
		return hint.With(err, "run zotkey status --check once the record's folder is writable: it completes the record")
	case errors.As(err, &serr) && serr.Unrecorded:
		return hint.With(fmt.Errorf("the new key is stored and synced, but the sync could not be recorded, so the previous key is kept: %w", err), "once the cause is fixed, run: zotkey synced (the daily job then revokes the old key once it has waited its time)")
	case errors.As(err, &serr) && serr.Busy:
		return hint.With(err, "the stored key is synced by the run that holds the sync lock; run zotkey revoke-previous after it ends")
	case errors.As(err, &serr):
		return hint.With(fmt.Errorf("the new key is stored, but %w", err), "the previous key stays valid; fix the sync and run the command again, or after syncing by hand: zotkey synced")
	case errors.As(err, &rerr):
		return hint.With(err, "run zotkey revoke-previous again; the keys not yet revoked stay recorded")
	case errors.As(err, &recErr):
		return hint.With(err, "make the record's folder writable and run again")
	case errors.Is(err, context.Canceled):
		return hint.With(fmt.Errorf("interrupted: %w", err), "run the command again: it carries on where this run stopped")
	}
	return hint.With(err)
}

// CheckFailed words a failed check of a key about to be stored.
func CheckFailed(err error, t Target) error {
	if errors.Is(err, zot.ErrRejected) {
		return hint.With(err, "nothing was stored; check that the key is the one just generated and belongs to --user "+redact.Text(t.User))
	}
	hints := append([]string{"nothing was stored"}, NotJudged(err, t)...)
	if errors.Is(err, zot.ErrUnreachable) {
		hints = append(hints, "to store the key without checking it, pass --no-verify")
	}
	return hint.With(err, hints...)
}

// StoreFailed words a failed store step: nothing about the key changed unless
// the read-back disagreed, which needs a human look.
func StoreFailed(err error) error {
	if errors.Is(err, store.ErrUnknownOutcome) {
		return hint.With(err, "the stored key may or may not have changed: run zotkey status --check once 1Password answers, then run the command again if needed")
	}
	if errors.Is(err, store.ErrReadBack) {
		return hint.With(err, "the write went through but reads back differently; run zotkey status --check before relying on it")
	}
	return hint.With(err, "the stored key was not changed; fix the cause and run the command again")
}

// NotJudged says what to do when the registry did not judge the key (any
// failure but a 401): the key may well be fine.
func NotJudged(err error, t Target) []string {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, zot.ErrRejected):
		return nil
	case errors.Is(err, zot.ErrUnreachable):
		return []string{fmt.Sprintf("the key was not judged: check the network, --registry (%s) and --timeout (%s), then run the command again",
			redact.Text(t.Registry), t.Timeout)}
	case errors.Is(err, zot.ErrRedirected):
		return []string{"the key was not judged and was sent nowhere else: set --registry to the final URL"}
	case errors.Is(err, zot.ErrStatus), errors.Is(err, zot.ErrAnswer):
		return []string{"the key was not judged: check that --registry is the zot registry's base URL, or try again later"}
	}
	return []string{"the key was not judged"}
}

// RegistryRefused words a registry URL zotkey will not send a key to.
func RegistryRefused(err error) error {
	switch {
	case errors.Is(err, zot.ErrCleartext):
		return hint.With(err, "use the registry's https:// URL; to send the key unencrypted anyway pass --allow-http (or set ZOTKEY_ALLOW_HTTP=1)")
	case errors.Is(err, zot.ErrUserInfo):
		return hint.With(err, "give the registry's URL alone in --registry, the user in --user; the key comes from the store, never the URL")
	case errors.Is(err, zot.ErrBadURL):
		return hint.With(err, "--registry takes the registry's base URL, e.g. https://registry.example.com")
	}
	return hint.With(err)
}

// Checked words status --check's failure to have the stored key (cur, read
// with fingerprint) judged, or its refusal.
func (o Observation) Checked(cur *lifecycle.Current, fingerprint string, t Target) error {
	if o.CheckErr == nil {
		return nil
	}
	if errors.Is(o.CheckErr, zot.ErrRejected) {
		return hint.With(fmt.Errorf("the stored %s does not work: %w", cur.Name(), o.CheckErr), ManualPath)
	}
	return hint.With(o.CheckErr, append([]string{"the stored key " + fingerprint + " may well still work; nothing was changed"}, NotJudged(o.CheckErr, t)...)...)
}

// lockFailed words a failure to open a run: the registry's (already
// worded), the lock's, or the record's. A record that cannot be written
// stops the run there, before anything changes.
func (s *Session) lockFailed(err error) error {
	var h interface{ Hint() string }
	var lerr *LockFailed
	switch {
	case errors.As(err, &h):
		return err
	case errors.Is(err, record.ErrBusy):
		return hint.With(fmt.Errorf("another zotkey run is in progress for %s (user %s)%.0w", redact.Text(s.Where.Registry), redact.Text(s.User), err),
			"nothing was changed; wait for it to finish, then run the command again")
	case errors.As(err, &lerr):
		return hint.With(err, "nothing was changed; zotkey keeps its record in $XDG_STATE_HOME/zotkey (default ~/.local/state/zotkey): make it writable")
	}
	return hint.With(err, "nothing was changed")
}

// noSyncToConfirm words synced without a recorded key.
func noSyncToConfirm(w Where) error {
	return hint.With(fmt.Errorf("no key is recorded for %s (user %s), so there is no sync to confirm", redact.Text(w.Registry), redact.Text(w.User)),
		"store a key first: zotkey set, or zotkey status --check for a key stored without zotkey")
}

// notConfirmable words synced --fingerprint naming a key the record does not know.
func notConfirmable(fp, stored string) error {
	return hint.With(fmt.Errorf("%s is neither the stored key (%s) nor a key zotkey replaced, so nothing was recorded", redact.Text(fp), stored),
		"pass the fingerprint zotkey status printed before the sync, or none for the stored key")
}

// confirmUnsaved words a confirmed sync whose record could not be saved.
func confirmUnsaved(err error) error {
	return hint.With(fmt.Errorf("the sync was not recorded: %w", err), "fix the cause, then run zotkey synced again")
}
