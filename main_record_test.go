package main

import (
	"os"
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
