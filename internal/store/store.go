// Package store is where the key lives: a Store holds one secret value, and Put
// writes it the one careful way every backend shares (skip when current, read back).
// A Store may remember what its last Get read and start the next Set from it,
// so a read-then-write costs no extra round trip (1Password does).
package store

import (
	"context"
	"errors"
	"fmt"
)

// Store holds one secret.
type Store interface {
	// String names the place, e.g. "blumeops/Forgejo Secrets/zot-ci-api".
	String() string
	// Get returns the stored value, or an error wrapping ErrNotFound when the
	// place exists but holds nothing yet (and may be created by Set).
	Get(ctx context.Context) (string, error)
	// Set writes value, starting from what the last Get read when the store
	// keeps that (a write that finds it stale re-reads).
	Set(ctx context.Context, value string) error
}

// ErrNotFound means nothing is stored yet.
var ErrNotFound = errors.New("nothing stored")

// ErrUnknownOutcome means a write was abandoned unanswered: it may still land.
// Whoever wrote must not undo what depends on it, but read the store later.
var ErrUnknownOutcome = errors.New("the write's outcome is unknown")

// ErrReadBack means the value read after a write is not the value written.
var ErrReadBack = errors.New("read-back mismatch")

// Outcome of Put.
type Outcome int

const (
	Unchanged   Outcome = iota // the value was already current; nothing written
	Written                    // written and read back
	WouldWrite                 // dry run: a write was due
	WouldCreate                // dry run: a write was due and would create the entry
)

// Put stores value in s unless it is already there, then reads it back. With
// dryRun it finds everything a write needs and stops short of writing.
func Put(ctx context.Context, s Store, value string, dryRun bool) (Outcome, error) {
	out, _, err := Replace(ctx, s, value, dryRun)
	return out, err
}

// Replace is Put that also returns the value it replaced ("" when none), for
// a caller that must keep it out of what it prints.
func Replace(ctx context.Context, s Store, value string, dryRun bool) (Outcome, string, error) {
	cur, err := s.Get(ctx)
	missing := errors.Is(err, ErrNotFound)
	if err != nil && !missing {
		return 0, "", err
	}
	if !missing && cur == value {
		return Unchanged, cur, nil
	}
	if dryRun {
		if missing {
			return WouldCreate, cur, nil
		}
		return WouldWrite, cur, nil
	}
	if err := Write(ctx, s, value); err != nil {
		return 0, cur, err
	}
	return Written, cur, nil
}

// Write sets value in s, starting from the caller's last Get, then reads it
// back with a separate Get as proof.
func Write(ctx context.Context, s Store, value string) error {
	if err := s.Set(ctx, value); err != nil {
		return fmt.Errorf("writing %s failed: %w", s, err)
	}
	back, err := s.Get(ctx)
	if err != nil {
		return fmt.Errorf("reading %s back after the write failed: %w", s, err)
	}
	if back != value {
		return fmt.Errorf("%s: %w: the value read back is not the value written; check it before relying on it", s, ErrReadBack)
	}
	return nil
}
