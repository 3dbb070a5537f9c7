package main

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/eblume/zotkey/internal/onepassword/optest/opapp"
)

// The stand-in 1Password app (internal/onepassword/optest): the real SDK's
// desktop-app code, built with cgo, loads the stand-in library at the app's
// path inside zotkey's own mount namespace, and the library talks to the app
// served here.

// opappAccount is the account the stand-in app knows.
const opappAccount = "Zotkey Test"

var opappLib = sync.OnceValues(func() ([2]string, error) {
	dir, err := os.MkdirTemp("", "zotkey-opapp-lib")
	if err != nil {
		return [2]string{}, err
	}
	lib, err := opapp.BuildLibrary(dir, false)
	if err != nil {
		return [2]string{}, err
	}
	old, err := opapp.BuildLibrary(dir, true)
	return [2]string{lib, old}, err
})

var opappPlace = sync.OnceValue(func() error {
	if !cgoBuild {
		return errNoCgo
	}
	if err := opapp.CanPlace(); err != nil {
		return err
	}
	_, err := opappLib()
	return err
})

// cmdOpapp: opapp start [old|missing|app-only] | answer ANSWER | unlock | expire | latency D | hang [METHOD] | stall METHOD.
// start serves the app on a socket and makes every later zotkey run with the
// library at /opt/1Password (old: a library without op_sdk_ipc_send_message;
// missing: no library at any of the app's paths). Its log is $WORK/opapp.log.
func cmdOpapp(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: opapp start|answer|unlock|latency|hang ...")
	}
	st := state(ts)
	if args[0] != "start" && st.opapp == nil {
		ts.Fatalf("opapp start first")
	}
	switch args[0] {
	case "start":
		libs, err := opappLib()
		ts.Check(err)
		lib := libs[0]
		if len(args) > 1 {
			switch args[1] {
			case "old":
				lib = libs[1]
			case "missing":
				lib = ""
			case "app-only":
				lib = "app-only"
			default:
				ts.Fatalf("opapp start [old|missing|app-only]")
			}
		}
		// A Unix socket's path is short (108 bytes): not under $WORK.
		dir, err := os.MkdirTemp("", "opapp")
		ts.Check(err)
		sock := filepath.Join(dir, "s")
		app, err := opapp.StartApp(sock, ts.MkAbs("op.json"), ts.MkAbs("opapp.log"), opappAccount)
		ts.Check(err)
		st.opapp = app
		ts.Defer(func() { app.Close(); os.RemoveAll(dir) })
		ts.Setenv("ZOTKEY_TEST_OPAPP", sock)
		if lib == "" {
			lib = "none"
		}
		ts.Setenv("ZOTKEY_TEST_OPAPP_LIB", lib)
		ts.Setenv("OPAPP_ACCOUNT", opappAccount)
	case "answer":
		st.opapp.SetAnswer(opapp.Answer(args[1]))
	case "unlock":
		st.opapp.Unlock()
	case "expire":
		st.opapp.Expire()
	case "latency":
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		st.opapp.SetLatency(d)
	case "hang", "stall":
		m := ""
		if len(args) > 1 {
			m = args[1]
		}
		if args[0] == "stall" {
			st.opapp.Stall(m)
		} else {
			st.opapp.HangOn(m)
		}
	default:
		ts.Fatalf("unknown opapp command %q", args[0])
	}
}

var errNoCgo = errors.New("the stand-in 1Password app needs a cgo build: the SDK loads the app's library only with cgo (CGO_ENABLED=1 and a C compiler)")
