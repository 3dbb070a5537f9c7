package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/eblume/zotkey/internal/config"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/testenv"
	"github.com/eblume/zotkey/internal/zot/zottest"
)

// Commands on the registry's side: the fake zot's faults, clock and key facts,
// a trap, a TLS server, a real OCI registry, and the invariant check.

// cmdZotfault NAME...: inject faults into the fake zot (none: clear them);
// hold-mint=FILE mints, creates FILE, and never answers; arrive=FILE creates
// FILE when any request arrives.
func cmdZotfault(ts *testscript.TestScript, neg bool, args []string) {
	var f zottest.Faults
	for _, a := range args {
		switch a {
		case "slow":
			f.Latency = 1500 * time.Millisecond
		case "hang":
			f.Latency = time.Minute
		case "drop-create":
			f.DropCreate = true
		case "create-fail":
			f.CreateFail = true
		case "list-lies":
			f.ListLies = true
		case "list-fail":
			f.ListFail = true
		case "delete-fail":
			f.DeleteFail = true
		case "delete-noop":
			f.DeleteNoop = true
		case "v2-fail":
			f.V2Fail = true
		case "reject-new":
			f.RejectNew = true
		case "none":
		default:
			if path, ok := strings.CutPrefix(a, "arrive="); ok {
				f.Arrived = path
				continue
			}
			if file, ok := strings.CutPrefix(a, "use-during-list="); ok {
				f.UseDuringList = state(ts).zot.UUIDOf(strings.TrimSpace(ts.ReadFile(file)))
				continue
			}
			if path, ok := strings.CutPrefix(a, "hold-mint="); ok {
				f.HoldMint = path
				continue
			}
			if d, ok := strings.CutPrefix(a, "latency="); ok {
				var err error
				f.Latency, err = time.ParseDuration(d)
				ts.Check(err)
				continue
			}
			ts.Fatalf("unknown fault %q", a)
		}
	}
	state(ts).zot.SetFaults(f)
}

// cmdZotexpire: the seeded key (key.txt) expires now.
func cmdZotexpire(ts *testscript.TestScript, neg bool, args []string) {
	s := state(ts)
	s.zot.Expire(s.zot.UUIDOf(s.key))
}

// cmdZotmint FILE: give zot-ci another valid key (90 days) and write it to FILE.
func cmdZotmint(ts *testscript.TestScript, neg bool, args []string) {
	secret, _ := state(ts).zot.AddKey(testUser, time.Now().Add(90*24*time.Hour))
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(secret+"\n"), 0o600))
}

// cmdZotuse FILE: one request authenticated with the key in FILE at the fake
// zot's current time (a CI job using it), which stamps its lastUsed.
func cmdZotuse(ts *testscript.TestScript, neg bool, args []string) {
	if ok := state(ts).zot.Use(testUser, strings.TrimSpace(ts.ReadFile(args[0]))); ok == neg {
		ts.Fatalf("the key in %s authenticated: %v", args[0], ok)
	}
}

// cmdZotclock DURATION: move the fake zot's clock (createdAt, lastUsed, expiry).
func cmdZotclock(ts *testscript.TestScript, neg bool, args []string) {
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	state(ts).zot.Advance(d)
}

// cmdZotclockon FILE DURATION: once $WORK/FILE appears (10 s at most; the
// stub sync of mkproject creates sync-started), move the fake zot's clock by
// DURATION and create $WORK/FILE.done, which a command can wait for
// (SYNC_AWAIT=sync-started.done).
func cmdZotclockon(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: zotclockon FILE DURATION")
	}
	d, err := time.ParseDuration(args[1])
	ts.Check(err)
	file, srv := filepath.Join(ts.Getenv("WORK"), args[0]), state(ts).zot
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
			if _, err := os.Stat(file); err == nil {
				srv.Advance(d)
				_ = os.WriteFile(file+".done", nil, 0o600)
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	ts.Defer(func() { close(stop); <-done })
}

// cmdZotscopes FILE [SCOPE...]: with scopes, set those of the key in FILE;
// without, print them (comma-separated, "none" when empty).
func cmdZotscopes(ts *testscript.TestScript, neg bool, args []string) {
	srv := state(ts).zot
	uuid := srv.UUIDOf(strings.TrimSpace(ts.ReadFile(args[0])))
	if uuid == "" {
		ts.Fatalf("the fake zot does not know the key in %s", args[0])
	}
	if len(args) > 1 {
		srv.SetScopes(uuid, args[1:])
		return
	}
	s := strings.Join(srv.Scopes(uuid), ",")
	if s == "" {
		s = "none"
	}
	fmt.Fprintln(ts.Stdout(), s)
}

// cmdZotredirect CODE LOCATION [METHOD [PATH]]: the fake zot answers matching
// requests with a redirect (zotfault none clears it).
func cmdZotredirect(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: zotredirect CODE LOCATION [METHOD [PATH]]")
	}
	code, err := strconv.Atoi(args[0])
	ts.Check(err)
	rd := &zottest.Redirect{Code: code, Location: args[1]}
	if len(args) > 2 {
		rd.Method = args[2]
	}
	if len(args) > 3 {
		rd.Path = args[3]
	}
	srv := state(ts).zot
	f := srv.Faults()
	f.Redirect = rd
	srv.SetFaults(f)
}

// cmdZothostile KIND...: the fake zot's answers carry zottest.Forged (terminal
// escapes, a newline, a fake hint, the word "owned"): list-uuid, create-uuid,
// label.
func cmdZothostile(ts *testscript.TestScript, neg bool, args []string) {
	srv := state(ts).zot
	f := srv.Faults()
	for _, a := range args {
		switch a {
		case "list-uuid":
			f.HostileListUUID = true
		case "create-uuid":
			f.HostileCreateUUID = true
		case "label":
			f.HostileLabel = true
		default:
			ts.Fatalf("unknown hostile answer %q", a)
		}
	}
	srv.SetFaults(f)
}

// cmdZotany: $ZOT_ANY is the fake zot's URL with 0.0.0.0 for 127.0.0.1: a
// host that is no loopback name to zotkey, yet Linux delivers a connection to
// it to this machine, so an http test of a "remote" registry sends nothing off
// the machine.
func cmdZotany(ts *testscript.TestScript, neg bool, args []string) {
	ts.Setenv("ZOT_ANY", strings.Replace(ts.Getenv("ZOT"), "127.0.0.1", "0.0.0.0", 1))
}

// traps holds each script's zottrap (a script's Values are fixed at setup).
var traps sync.Map // *testscript.TestScript → *zottest.Trap

// cmdZottrap: start an anonymous registry that answers 200 to anything and
// counts what reaches it: $TRAP (http://127.0.0.1:PORT) and $TRAPHOST
// (http://localhost:PORT, another host for Go's redirect rules).
func cmdZottrap(ts *testscript.TestScript, neg bool, args []string) {
	trap := zottest.NewTrap()
	ts.Defer(trap.Close)
	traps.Store(ts, trap)
	ts.Defer(func() { traps.Delete(ts) })
	ts.Setenv("TRAP", trap.URL)
	ts.Setenv("TRAPHOST", strings.Replace(trap.URL, "127.0.0.1", "localhost", 1))
}

// cmdTrapped N: exactly N requests reached the trap.
func cmdTrapped(ts *testscript.TestScript, neg bool, args []string) {
	v, ok := traps.Load(ts)
	if !ok {
		ts.Fatalf("trapped: run zottrap first")
	}
	if all, creds := v.(*zottest.Trap).Requests(); fmt.Sprint(all) != args[0] {
		ts.Fatalf("%d request(s) reached the trap (%d with credentials), want %s", all, creds, args[0])
	}
}

// cmdTLSServer: start an HTTPS server with a certificate nobody trusts; $TLSURL.
func cmdTLSServer(ts *testscript.TestScript, neg bool, args []string) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.Defer(srv.Close)
	ts.Setenv("TLSURL", srv.URL)
}

// cmdRegistry: start a real OCI registry (docker-registry, htpasswd) that
// accepts zot-ci with key.txt, and point ZOTKEY_REGISTRY at it.
func cmdRegistry(ts *testscript.TestScript, neg bool, args []string) {
	url, stop, err := testenv.StartRegistry(ts.MkAbs("."), testUser, state(ts).key)
	ts.Check(err)
	ts.Defer(stop)
	ts.Setenv("REGISTRY", url)
	ts.Setenv("ZOTKEY_REGISTRY", url)
}

// cmdZotkeys STORE N [expired]: the fake zot holds exactly N valid keys for
// zot-ci; each is the stored key or one the record still has to revoke
// (nothing orphaned), and the stored key is valid unless "expired" (nothing
// lost). STORE is keyring or onepassword.
func cmdZotkeys(ts *testscript.TestScript, neg bool, args []string) {
	s := state(ts)
	valid := s.zot.ValidKeys(testUser)
	storedUUID := s.zot.UUIDOf(storedKey(ts, args[0]))
	accounted := []string{storedUUID}
	dir, _ := config.StateDir(ts.Getenv)
	r, err := record.Open(dir, ts.Getenv("ZOTKEY_REGISTRY"), testUser).Load()
	if err != nil && !errors.Is(err, record.ErrNone) && !errors.Is(err, syscall.ENOTDIR) {
		ts.Fatalf("record: %v", err)
	}
	for _, p := range r.Replaced {
		accounted = append(accounted, p.UUID)
	}
	for _, id := range valid {
		if !recordAccounts(s.zot, r, id) && !slices.Contains(accounted, id) {
			ts.Fatalf("orphaned key %s: valid on the server, but neither stored nor recorded (valid %v, accounted %v)", id, valid, accounted)
		}
	}
	if len(args) < 3 || args[2] != "expired" {
		if !slices.Contains(valid, storedUUID) {
			ts.Fatalf("the stored key (uuid %q) is not valid on the server: lost (valid %v)", storedUUID, valid)
		}
	}
	if fmt.Sprint(len(valid)) != args[1] {
		ts.Fatalf("%d valid keys, want %s", len(valid), args[1])
	}
}

// storedKey is the key the store (keyring or onepassword) holds.
func storedKey(ts *testscript.TestScript, store string) string {
	switch store {
	case "keyring":
		v, err := keyringGet(ts, "zot-ci-api")
		ts.Check(err)
		return v
	case "onepassword":
		var stored string
		for _, it := range loadOP(ts).Items {
			for _, f := range it.Fields {
				if it.ID == opItemID && f.Title == "zot-ci-api" {
					stored = f.Value
				}
			}
		}
		return stored
	}
	return ""
}

// recordAccounts says whether the record accounts for key id beyond its
// replaced keys. A key minted by a rotation that was cut short is accounted
// for by the rotation's record (its label, or its uuid once zot answered) or
// a watched label: the next run revokes it, or, when the store already holds
// it, completes the record. The recorded stored key is too: a store changed by
// hand is adopted by the next run.
func recordAccounts(zot *zottest.Server, r lifecycle.State, id string) bool {
	if p := r.Rotation; p != nil && (id == p.NewUUID || zot.LabelOf(id) == p.Label) {
		return true
	}
	if slices.ContainsFunc(r.Watch, func(w lifecycle.Watch) bool { return w.Matches(zot.LabelOf(id), id) }) {
		return true
	}
	return r.Current != nil && id == r.Current.UUID
}

// cmdNoorphan STORE: zotkeys STORE with whatever count of valid keys there
// is: nothing orphaned, nothing lost.
func cmdNoorphan(ts *testscript.TestScript, neg bool, args []string) {
	n := len(state(ts).zot.ValidKeys(testUser))
	cmdZotkeys(ts, neg, []string{args[0], strconv.Itoa(n)})
}

// zotRequests are the requests zotwait counts.
var zotRequests = []struct{ method, path string }{
	{http.MethodGet, "/v2/"}, {http.MethodGet, "/zot/auth/apikey"},
	{http.MethodPost, "/zot/auth/apikey"}, {http.MethodDelete, "/zot/auth/apikey"},
}

// cmdZotwait waits (10 s at most) on the registry instead of on the clock.
// It counts the requests that reach the registry zotkey talks to: the
// zotproxy when one runs, else the fake zot. "zotwait mark" remembers the
// counts so far; "zotwait N METHOD PATH" waits until N such requests have
// arrived since the mark (counted on arrival, so a command in the background
// is then waiting for that answer), and "zotwait N any" until N requests of
// any kind have; "zotwait idle" waits until neither the proxy nor the fake
// zot has a request in flight, so a request that a killed client left behind
// has been carried out or dropped.
func cmdZotwait(ts *testscript.TestScript, neg bool, args []string) {
	s := state(ts)
	v, _ := rewritingProxies.Load(ts)
	proxy, _ := v.(*rewritingProxy)
	received := func(method, path string) int {
		if proxy != nil {
			n, _ := proxy.counts(method, path)
			return n
		}
		return s.zot.Received(method, path)
	}
	count := func(what string) int {
		n := 0
		for _, r := range zotRequests {
			if what == "any" || what == r.method+" "+r.path {
				n += received(r.method, r.path) - s.mark[r.method+" "+r.path]
			}
		}
		return n
	}
	var done func() bool
	switch {
	case len(args) == 1 && args[0] == "mark":
		s.mark = map[string]int{}
		for _, r := range zotRequests {
			s.mark[r.method+" "+r.path] = received(r.method, r.path)
		}
		return
	case len(args) == 1 && args[0] == "idle":
		done = func() bool {
			if proxy != nil {
				if _, n := proxy.counts("", ""); n > 0 {
					return false
				}
			}
			return s.zot.InFlight() == 0
		}
	case len(args) == 2 && args[1] == "any", len(args) == 3:
		n, err := strconv.Atoi(args[0])
		ts.Check(err)
		what := strings.Join(args[1:], " ")
		if what != "any" && !slices.ContainsFunc(zotRequests, func(r struct{ method, path string }) bool { return r.method+" "+r.path == what }) {
			ts.Fatalf("zotwait: %s is not a request zotwait counts", what)
		}
		done = func() bool { return count(what) >= n }
	default:
		ts.Fatalf("usage: zotwait mark | zotwait idle | zotwait N METHOD PATH | zotwait N any")
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if done() {
			return
		}
	}
	ts.Fatalf("zotwait %s: not within 10s", strings.Join(args, " "))
}
