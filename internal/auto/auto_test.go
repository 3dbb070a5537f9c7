package auto

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var (
	now       = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	errDead   = errors.New("rejected")
	errSignIn = errors.New("could not sign in to 1Password")
	errDown   = errors.New("cannot reach the registry")
	errNoKey  = errors.New("not found")
)

func ago(d time.Duration) *time.Time { t := now.Add(-d); return &t }

func at(days int) *time.Time { t := now.Add(time.Duration(days)*24*time.Hour + time.Hour); return &t }

// fake records the steps run and answers from its fields.
type fake struct {
	st                                     State
	refreshed                              State // the record after a refresh
	refreshErr, revokeErr, rotateErr, sync error
	syncedErr                              error
	calls                                  []string
	notes                                  []string
}

func (f *fake) job(within int) (*Job, *bytes.Buffer, *bytes.Buffer) {
	out, log := &bytes.Buffer{}, &bytes.Buffer{}
	j := &Job{
		Steps: Steps{
			Load: func() (State, error) { return f.st, nil },
			Refresh: func() error {
				f.calls = append(f.calls, "refresh")
				if f.refreshErr == nil {
					f.st = f.refreshed
				}
				return f.refreshErr
			},
			Revoke: func() error {
				f.calls = append(f.calls, "revoke")
				if f.revokeErr == nil {
					f.st.Waiting = 0
				}
				return f.revokeErr
			},
			Rotate: func() error {
				f.calls = append(f.calls, "rotate")
				if f.rotateErr == nil {
					f.st = State{Recorded: true, ExpiresAt: at(90), Waiting: 1, Written: now, AwaitingSync: 1, LatestReplaced: &now}
				}
				return f.rotateErr
			},
			Sync: func() error { f.calls = append(f.calls, "sync"); return f.sync },
			Synced: func(fp string) error {
				f.calls = append(f.calls, "synced")
				if f.syncedErr != nil {
					return f.syncedErr
				}
				f.st.AwaitingSync, f.st.LatestReplaced = 0, nil
				return nil
			},
			Classify: func(err error) Kind {
				switch {
				case errors.Is(err, errDead):
					return KeyDead
				case errors.Is(err, errSignIn):
					return SignIn
				case errors.Is(err, errNoKey):
					return NoKey
				}
				return Failed
			},
		},
		Commands: Commands{Retry: "RETRY", Manual: "MANUAL", SyncLine: "SYNC"},
		Within:   within,
		Now:      func() time.Time { return now },
		Out:      out,
		Say:      func(f string, a ...any) { fmt.Fprintf(log, f+"\n", a...) },
		Notify:   func(title, msg string) { f.notes = append(f.notes, title+" | "+msg) },
	}
	return j, out, log
}

func TestRun(t *testing.T) {
	fresh := State{Recorded: true, ExpiresAt: at(89), Written: now.Add(-8 * time.Hour)} // today, 01:00
	cases := []struct {
		name   string
		f      fake
		within int
		calls  string
		out    string // the outcome line, or the problem's text
		kind   Kind   // when a problem is expected
		fails  bool
	}{
		{name: "fresh record, nothing due: no step runs", f: fake{st: fresh}, within: 14,
			calls: "", out: "nothing due: the key expires on 2027-02-24 (89 days left)\n"},
		{name: "no record: refreshed first", f: fake{refreshed: fresh}, within: 14,
			calls: "refresh", out: "nothing due"},
		{name: "record from yesterday: refreshed first", f: fake{st: State{Recorded: true, ExpiresAt: at(90), Written: now.Add(-10 * time.Hour)}, refreshed: fresh}, within: 14,
			calls: "refresh", out: "nothing due"},
		{name: "keys waiting: revoked, nothing else", f: fake{st: State{Recorded: true, ExpiresAt: at(89), Waiting: 1, Written: now}}, within: 14,
			calls: "revoke", out: "nothing due"},
		{name: "due: rotate, sync, revoke", f: fake{st: State{Recorded: true, ExpiresAt: at(10), Written: now}}, within: 14,
			calls: "rotate sync synced revoke", out: "rotated and synced: the key expires on 2027-02-25 (90 days left)\n"},
		{name: "due with keys waiting: revoked first", f: fake{st: State{Recorded: true, ExpiresAt: at(14), Waiting: 1, Written: now}}, within: 14,
			calls: "revoke rotate sync synced revoke", out: "rotated and synced"},
		{name: "dead key at the refresh", f: fake{refreshErr: errDead}, within: 14,
			calls: "refresh", kind: KeyDead, fails: true, out: "MANUAL"},
		{name: "expired per the record", f: fake{st: State{Recorded: true, ExpiresAt: at(-2), Written: now}}, within: 14,
			kind: KeyDead, fails: true, out: "expired on 2026-11-25"},
		{name: "sign-in failed", f: fake{st: State{Recorded: true, ExpiresAt: at(3), Written: now}, rotateErr: errSignIn}, within: 14,
			calls: "rotate", kind: SignIn, fails: true, out: "zotkey token status"},
		{name: "sync failed: nothing revoked", f: fake{st: State{Recorded: true, ExpiresAt: at(3), Written: now}, sync: errors.New("exit status 1")}, within: 14,
			calls: "rotate sync", kind: SyncFailed, fails: true, out: "SYNC, then: zotkey synced, then: zotkey revoke-previous"},
		{name: "registry down, record known, nothing due: a warning", f: fake{st: State{Recorded: true, ExpiresAt: at(60), Written: now.Add(-48 * time.Hour)}, refreshErr: errDown}, within: 14,
			calls: "refresh", out: "nothing due"},
		{name: "no key stored", f: fake{refreshErr: errNoKey}, within: 14,
			calls: "refresh", kind: NoKey, fails: true, out: "MANUAL"},
		{name: "registry down and no record", f: fake{refreshErr: errDown}, within: 14,
			calls: "refresh", kind: Failed, fails: true, out: "RETRY"},
		{name: "due, rotation fails", f: fake{st: State{Recorded: true, ExpiresAt: at(3), Written: now}, rotateErr: errDown}, within: 14,
			calls: "rotate", kind: Failed, fails: true, out: "RETRY"},
		{name: "revocation fails: a warning, tomorrow retries", f: fake{st: State{Recorded: true, ExpiresAt: at(80), Waiting: 2, Written: now}, revokeErr: errDown}, within: 14,
			calls: "revoke", out: "nothing due"},
		{name: "revocation with a dead key", f: fake{st: State{Recorded: true, ExpiresAt: at(80), Waiting: 2, Written: now}, revokeErr: errDead}, within: 14,
			calls: "revoke", kind: KeyDead, fails: true, out: "MANUAL"},
		{name: "an earlier sync unconfirmed: synced again, then revoked", f: fake{st: State{Recorded: true, ExpiresAt: at(80), Waiting: 1, Written: now, AwaitingSync: 1, LatestReplaced: ago(2 * time.Hour)}}, within: 14,
			calls: "sync synced revoke", out: "nothing due"},
		{name: "a sync that may still be running: left alone", f: fake{st: State{Recorded: true, ExpiresAt: at(80), Waiting: 1, Written: now, AwaitingSync: 1, LatestReplaced: ago(10 * time.Minute)}}, within: 14,
			calls: "revoke", out: "nothing due"},
		{name: "an earlier sync unconfirmed, and it fails again", f: fake{st: State{Recorded: true, ExpiresAt: at(80), Waiting: 1, Written: now, AwaitingSync: 1, LatestReplaced: ago(25 * time.Hour)}, sync: errors.New("exit status 1")}, within: 14,
			calls: "sync", kind: SyncFailed, fails: true, out: "the sync failed; the previous key stays valid"},
		{name: "due while a sync may still be running: nothing minted beside it", f: fake{st: State{Recorded: true, ExpiresAt: at(3), Waiting: 1, Written: now, AwaitingSync: 1, LatestReplaced: ago(10 * time.Minute)}}, within: 14,
			calls: "revoke", out: "due, but waiting for a sync to be confirmed: the key expires on 2026-11-30 (3 days left); a later run rotates\n"},
		{name: "replaced at an unknown time (outside zotkey): synced again", f: fake{st: State{Recorded: true, ExpiresAt: at(80), Waiting: 1, Written: now, AwaitingSync: 1}}, within: 14,
			calls: "sync synced revoke", out: "nothing due"},
		{name: "a replacement time ahead of the clock: synced again", f: fake{st: State{Recorded: true, ExpiresAt: at(80), Waiting: 1, Written: now, AwaitingSync: 1, LatestReplaced: ago(-48 * time.Hour)}}, within: 14,
			calls: "sync synced revoke", out: "nothing due"},
		{name: "synced but not recorded: the fingerprint to confirm is named", f: fake{st: State{Recorded: true, ExpiresAt: at(3), Written: now}, syncedErr: errors.New("disk full")}, within: 14,
			calls: "rotate sync synced", kind: Unrecorded, fails: true, out: "zotkey synced --fingerprint"},
		{name: "unknown expiry after refresh: never mints", f: fake{refreshed: State{Recorded: true, Written: now}}, within: 14,
			calls: "refresh", out: "nothing due: the stored key has no known expiry\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := c.f
			j, out, log := f.job(c.within)
			err := j.Run()
			if got := strings.Join(f.calls, " "); got != c.calls {
				t.Errorf("steps %q, want %q", got, c.calls)
			}
			if !c.fails {
				if err != nil {
					t.Fatalf("error %v; log:\n%s", err, log)
				}
				if !strings.Contains(out.String(), c.out) || strings.Count(out.String(), "\n") != 1 {
					t.Errorf("out %q, want one line with %q", out, c.out)
				}
				if len(f.notes) != 0 {
					t.Errorf("notified %q", f.notes)
				}
				return
			}
			var p *Problem
			if !errors.As(err, &p) || p.Kind != c.kind {
				t.Fatalf("error %#v, want a problem of kind %d", err, c.kind)
			}
			if out.Len() != 0 {
				t.Errorf("out %q on a problem", out)
			}
			if len(f.notes) != 1 || !strings.Contains(f.notes[0], c.out) && !strings.Contains(p.Error(), c.out) {
				t.Errorf("notes %q, problem %q, want one naming %q", f.notes, p.Error(), c.out)
			}
		})
	}
}

// A dry run refreshes the record (reading only) but revokes and mints nothing.
func TestDryRun(t *testing.T) {
	f := fake{st: State{Recorded: true, ExpiresAt: at(5), Waiting: 1, Written: now}}
	j, out, log := f.job(14)
	j.DryRun = true
	if err := j.Run(); err != nil {
		t.Fatal(err)
	}
	if len(f.calls) != 0 {
		t.Errorf("steps %q in a dry run", f.calls)
	}
	if !strings.HasPrefix(out.String(), "due: the key expires on 2026-12-02 (5 days left)") || !strings.Contains(log.String(), "would revoke the 1 replaced") {
		t.Errorf("out %q log %q", out, log)
	}
}

// An interrupted job (SIGTERM at shutdown) posts no notification.
func TestInterruptedQuiet(t *testing.T) {
	f := fake{st: State{Recorded: true, ExpiresAt: at(3), Written: now}, rotateErr: fmt.Errorf("interrupted: %w", context.Canceled)}
	j, _, _ := f.job(14)
	if err := j.Run(); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want the interruption", err)
	}
	if len(f.notes) != 0 {
		t.Errorf("notified %q", f.notes)
	}
}
