//go:build !linux

package main

import "github.com/rogpeppe/go-internal/testscript"

// cmdOpenwatch and cmdOpened need inotify (script_watch_linux_test.go);
// scripts that use them skip elsewhere.
func cmdOpenwatch(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("openwatch needs Linux (inotify)")
}

func cmdOpened(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("opened needs Linux (inotify)")
}
