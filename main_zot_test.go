package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/zot/zottest"
)

// traps holds each script's zottrap (a script's Values are fixed at setup).
var traps sync.Map // *testscript.TestScript → *zottest.Trap

// Testscript commands for the registry's side: redirects, hostile answers,
// the fake zot's clock and key facts.
func init() {
	// zottrap: start an anonymous registry that answers 200 to anything and
	// counts what reaches it: $TRAP (http://127.0.0.1:PORT) and $TRAPHOST
	// (http://localhost:PORT, another host for Go's redirect rules).
	scriptCmds["zottrap"] = func(ts *testscript.TestScript, neg bool, args []string) {
		trap := zottest.NewTrap()
		ts.Defer(trap.Close)
		traps.Store(ts, trap)
		ts.Defer(func() { traps.Delete(ts) })
		ts.Setenv("TRAP", trap.URL)
		ts.Setenv("TRAPHOST", strings.Replace(trap.URL, "127.0.0.1", "localhost", 1))
	}
	// trapped N: exactly N requests reached the trap.
	scriptCmds["trapped"] = func(ts *testscript.TestScript, neg bool, args []string) {
		v, ok := traps.Load(ts)
		if !ok {
			ts.Fatalf("trapped: run zottrap first")
		}
		if all, creds := v.(*zottest.Trap).Requests(); fmt.Sprint(all) != args[0] {
			ts.Fatalf("%d request(s) reached the trap (%d with credentials), want %s", all, creds, args[0])
		}
	}
	// zotredirect CODE LOCATION [METHOD [PATH]]: the fake zot answers matching
	// requests with a redirect (zotfault none clears it).
	scriptCmds["zotredirect"] = func(ts *testscript.TestScript, neg bool, args []string) {
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
	// zothostile KIND...: the fake zot's answers carry zottest.Forged (terminal
	// escapes, a newline, a fake hint, the word "owned"): list-uuid,
	// create-uuid, label.
	scriptCmds["zothostile"] = func(ts *testscript.TestScript, neg bool, args []string) {
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
	// zotuse FILE: one request authenticated with the key in FILE at the fake
	// zot's current time (a CI job using it), which stamps its lastUsed.
	scriptCmds["zotuse"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if ok := state(ts).zot.Use(testUser, strings.TrimSpace(ts.ReadFile(args[0]))); ok == neg {
			ts.Fatalf("the key in %s authenticated: %v", args[0], ok)
		}
	}
	// zotclock DURATION: move the fake zot's clock (createdAt, lastUsed, expiry).
	scriptCmds["zotclock"] = func(ts *testscript.TestScript, neg bool, args []string) {
		d, err := time.ParseDuration(args[0])
		ts.Check(err)
		state(ts).zot.Advance(d)
	}
	// zotscopes FILE [SCOPE...]: with scopes, set those of the key in FILE;
	// without, print them (comma-separated, "none" when empty).
	scriptCmds["zotscopes"] = func(ts *testscript.TestScript, neg bool, args []string) {
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
	// zotrecords: print every local record file, for greps.
	scriptCmds["zotrecords"] = func(ts *testscript.TestScript, neg bool, args []string) {
		dir, err := record.Dir(ts.Getenv)
		ts.Check(err)
		matches, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, p := range matches {
			b, err := os.ReadFile(p)
			ts.Check(err)
			fmt.Fprintf(ts.Stdout(), "%s\n", b)
		}
	}
}
