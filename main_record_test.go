package main

import (
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	// zotmint FILE: give zot-ci another valid key (90 days) and write it to FILE.
	scriptCmds["zotmint"] = func(ts *testscript.TestScript, neg bool, args []string) {
		secret, _ := state(ts).zot.AddKey(testUser, time.Now().Add(90*24*time.Hour))
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(secret+"\n"), 0o600))
	}
}

func init() {
	// keyringsave USER FILE: write the keyring entry's value to FILE (to use
	// a replaced key later, as a CI job that still holds it would).
	scriptCmds["keyringsave"] = func(ts *testscript.TestScript, neg bool, args []string) {
		v, err := keyringGet(ts, args[0])
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(v), 0o600))
	}
	// zotclocklater DELAY DURATION: after DELAY of real time, move the fake
	// zot's clock by DURATION (while a command runs).
	scriptCmds["zotclocklater"] = func(ts *testscript.TestScript, neg bool, args []string) {
		delay, err := time.ParseDuration(args[0])
		ts.Check(err)
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		srv := state(ts).zot
		t := time.AfterFunc(delay, func() { srv.Advance(d) })
		ts.Defer(func() { t.Stop() })
	}
}

func init() {
	// zotany: $ZOT_ANY is the fake zot's URL with 0.0.0.0 for 127.0.0.1: a
	// host that is no loopback name to zotkey, yet Linux delivers a
	// connection to it to this machine, so an http test of a "remote"
	// registry sends nothing off the machine.
	scriptCmds["zotany"] = func(ts *testscript.TestScript, neg bool, args []string) {
		ts.Setenv("ZOT_ANY", strings.Replace(ts.Getenv("ZOT"), "127.0.0.1", "0.0.0.0", 1))
	}
}
