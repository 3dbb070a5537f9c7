package driver_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
	"github.com/eblume/zotkey/internal/zot/zottest"
)

const user = "zot-ci"

// memStore is the key's store held in memory, with a write that can fail.
// It follows store.Store's contract: Get wraps store.ErrNotFound when empty.
type memStore struct {
	mu      sync.Mutex
	value   string
	failSet bool
}

func (m *memStore) String() string { return "the test's store" }
func (m *memStore) Get(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.value == "" {
		return "", store.ErrNotFound
	}
	return m.value, nil
}
func (m *memStore) Set(_ context.Context, v string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failSet {
		return errors.New("the store refused the write")
	}
	m.value = v
	return nil
}

// world is one zot identity: a zot-semantics server, the store, the record
// folder, and the sync (which succeeds, or fails while failSync is set).
type world struct {
	t        *testing.T
	srv      *zottest.Server
	reg      *zot.Client
	store    *memStore
	dir      string
	syncs    int
	failSync bool
	offset   time.Duration // the virtual local clock is time.Now()+offset
}

// now is the virtual local clock the runs see.
func (w *world) now() time.Time { return time.Now().Add(w.offset) }

// wait moves the local clock and zot's by d: the time a replaced key must
// go unused after its successor's sync passes in an instant.
func (w *world) wait(d time.Duration) {
	w.offset += d
	w.srv.Advance(d)
}

// quiet is the runs' --unused-for.
const quiet = time.Hour

func newWorld(t *testing.T) *world {
	srv := zottest.New()
	t.Cleanup(srv.Close)
	srv.AddUser(user, "pw")
	secret, _ := srv.AddKey(user, time.Now().Add(10*24*time.Hour))
	reg, err := zot.New(srv.URL, user, 5*time.Second, false)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, srv: srv, reg: reg, store: &memStore{value: secret}, dir: t.TempDir()}
	// The first run records the stored key.
	d, f := w.driver(nil)
	defer f.Unlock()
	if _, err := d.Observe(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if err := d.SyncNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	return w
}

// driver is a fresh run: it loads the record as a new process would.
func (w *world) driver(stop func(string) error) (*driver.Driver, *record.File) {
	f := record.Open(w.dir, w.srv.URL, user)
	if err := f.Lock(); err != nil {
		w.t.Fatal(err)
	}
	st, err := f.Load()
	if err != nil && !errors.Is(err, record.ErrNone) {
		w.t.Fatal(err)
	}
	d := &driver.Driver{
		Reg: w.reg, Store: w.store, Rec: f, State: st, Now: w.now, Say: func(string, ...any) {},
		Sync: func(context.Context, []string, *os.File) error {
			w.syncs++
			if w.failSync {
				return errors.New("the sync failed")
			}
			return nil
		},
	}
	driver.StopAt(d, stop)
	return d, f
}

// round is one command's observe, decide, execute.
func round(d *driver.Driver, ask lifecycle.Ask) error {
	if _, err := d.Observe(context.Background(), false); err != nil {
		return err
	}
	dec := d.Decide(ask)
	if dec.Blocked != "" {
		return errors.New(dec.Blocked)
	}
	return d.Execute(context.Background(), dec.Effects, driver.Mint{Expires: time.Now().Add(90 * 24 * time.Hour)})
}

// rotateAndRevoke is `zotkey rotate` with a sync configured, then, once the
// old key has gone unused for --unused-for after the sync, the daily job's
// revocation, in one process.
func rotateAndRevoke(w *world, d *driver.Driver) error {
	if err := round(d, lifecycle.Ask{Rotate: true, Revoke: true, Policy: lifecycle.Policy{UnusedFor: quiet, Sync: true}}); err != nil {
		return err
	}
	w.wait(2 * quiet)
	return round(d, lifecycle.Ask{Revoke: true, Policy: lifecycle.Policy{UnusedFor: quiet}})
}

// setAndRevoke is `zotkey set -- sync` with a key made in the web UI, then
// `zotkey revoke-previous`.
func setAndRevoke(w *world, d *driver.Driver) error {
	secret, _ := w.srv.AddKey(user, time.Now().Add(90*24*time.Hour))
	k, err := key.Parse([]byte(secret), key.Zot)
	if err != nil {
		return err
	}
	if _, err := d.Set(context.Background(), driver.Put{Key: k, Verify: true}); err != nil {
		return err
	}
	if err := d.SyncNow(context.Background()); err != nil {
		return err
	}
	w.wait(2 * quiet)
	return round(d, lifecycle.Ask{Revoke: true, Policy: lifecycle.Policy{UnusedFor: quiet}})
}

// accounted is the invariant after any stop: every key zot holds for the
// user is the stored key, a replaced key, or a recorded unfinished mint (the
// rotation's label or uuid, or a watched label); and the stored key works.
func (w *world) accounted(when string) lifecycle.State {
	w.t.Helper()
	st, err := record.Open(w.dir, w.srv.URL, user).Load()
	if err != nil {
		w.t.Fatalf("%s: the record: %v", when, err)
	}
	if err := st.Validate(); err != nil {
		w.t.Fatalf("%s: %v", when, err)
	}
	storedUUID := w.srv.UUIDOf(w.store.value)
	valid := w.srv.ValidKeys(user)
	if !slices.Contains(valid, storedUUID) {
		w.t.Fatalf("%s: the stored key is not valid at zot: lost", when)
	}
	for _, id := range valid {
		label := w.srv.LabelOf(id)
		switch {
		case id == storedUUID, st.Current != nil && id == st.Current.UUID:
		case slices.ContainsFunc(st.Replaced, func(r lifecycle.Replaced) bool { return r.UUID == id }):
		case st.Rotation != nil && (id == st.Rotation.NewUUID || label == st.Rotation.Label):
		case slices.ContainsFunc(st.Watch, func(x lifecycle.Watch) bool { return x.Matches(label, id) }):
		default:
			w.t.Fatalf("%s: key %s is valid at zot but neither stored nor recorded: orphaned", when, id)
		}
	}
	return st
}

// Every interruption point of a rotation with its sync and revocation, and
// of its failure paths, is followed by a run that recovers: nothing is
// orphaned and nothing lost at the stop, and after the next runs (the daily
// job's observe, decide, execute, twice) the stored key is the only key zot
// holds, and it is confirmed synced. Each scenario's uninterrupted run ends
// as it should (ends: the error it ends with, "" for none), after the number
// of stop points it declares, 35 in all as docs/lifecycle.md says: a run cut
// short by an unexpected error, or a stop point added or lost, fails.
func TestEveryInterruptionPointIsRecovered(t *testing.T) {
	const documented = 35 // docs/lifecycle.md, on the crash test
	scenarios := []struct {
		name   string
		fault  func(*world)
		run    func(*world, *driver.Driver) error
		points int
		ends   string
	}{
		{"rotation", func(*world) {}, nil, 11, ""},
		{"the store refuses the write", func(w *world) { w.store.failSet = true }, nil, 4, "the store refused the write; the new key"},
		{"the sync fails", func(w *world) { w.failSync = true }, nil, 8, "the sync failed"},
		{"zot drops the answer to the mint", func(w *world) { w.srv.SetFaults(zottest.Faults{DropCreate: true}) }, nil, 2, "the connection was dropped before the answer was complete"},
		{"zot refuses the new key", func(w *world) { w.srv.SetFaults(zottest.Faults{RejectNew: true}) }, nil, 3, "the new key does not work"},
		{"a key set by hand, synced, then the old one revoked", func(*world) {}, setAndRevoke, 7, ""},
	}
	sum := 0
	for _, sc := range scenarios {
		sum += sc.points
	}
	if sum != documented {
		t.Fatalf("the scenarios declare %d stop points, docs/lifecycle.md %d", sum, documented)
	}
	total := 0
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			run := sc.run
			if run == nil {
				run = rotateAndRevoke
			}
			points := 0
			for stopAt := 1; ; stopAt++ {
				if !interruptAndRecover(t, sc.fault, run, sc.ends, stopAt, sc.run != nil) {
					points = stopAt - 1
					break
				}
			}
			if points != sc.points {
				t.Fatalf("%d interruption points, want %d", points, sc.points)
			}
			total += points
			t.Logf("%d interruption points, each recovered", points)
		})
	}
	t.Logf("%d interruption points in all", total)
}

// interruptAndRecover runs the scenario (fault, then run) stopped at its
// stopAt-th stop point, and proves the runs that follow recover. It reports
// false when the run ended without reaching that point: then it must have
// ended as it should (ends: the error it ends with, "" for none).
func interruptAndRecover(t *testing.T, fault func(*world), run func(*world, *driver.Driver) error, ends string, stopAt int, byHand bool) bool {
	t.Helper()
	w := newWorld(t)
	fault(w)
	n := 0
	var where string
	d, f := w.driver(func(p string) error {
		n++
		if n == stopAt {
			where = p
			return errors.New("stop")
		}
		return nil
	})
	err := run(w, d)
	f.Unlock()
	f.UnlockSync()
	if !driver.IsStopped(err) {
		// Ran to its end without reaching stop point stopAt.
		if ends == "" && err != nil || ends != "" && (err == nil || !strings.Contains(err.Error(), ends)) {
			t.Fatalf("the run that reached no stop point ended with %v, want %q", err, ends)
		}
		return false
	}
	when := fmt.Sprintf("stopped at point %d (%s)", stopAt, where)
	w.accounted(when)
	// The faults clear (a person fixed them); the next runs (a day apart, as
	// the daily job's) recover.
	w.store.failSet, w.failSync = false, false
	w.srv.SetFaults(zottest.Faults{})
	for i := range 2 {
		d, f := w.driver(nil)
		if err := round(d, lifecycle.Ask{Revoke: true, Policy: lifecycle.Policy{Sync: true, UnusedFor: quiet}}); err != nil {
			t.Fatalf("%s: recovery run %d: %v", when, i+1, err)
		}
		f.Unlock()
		w.wait(2 * quiet)
	}
	st := w.accounted(when + ", after recovery")
	// A set cut short before its record was saved looks, to the next run,
	// like a store changed by hand: the old key's replacement time is
	// unknown, so it is kept until unused for --unused-for, recorded
	// (accounted above), not revoked at once.
	if valid := w.srv.ValidKeys(user); len(valid) != 1 && !(byHand && len(valid) == 1+len(st.Replaced)) {
		t.Fatalf("%s, after recovery: %d valid keys at zot, want only the stored one (%+v)", when, len(valid), st)
	}
	if !st.Current.Synced || st.Rotation != nil {
		t.Fatalf("%s, after recovery: %+v", when, st)
	}
	return true
}
