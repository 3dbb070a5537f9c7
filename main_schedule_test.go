package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/schedule"
)

// Commands and parts of the daily job's scripts (issue 13).
func init() {
	parts["systemd"] = []string{"systemd-analyze"}
	parts["plist"] = []string{"python3"}

	// fakenotify: put a notify-send first on PATH that appends its arguments,
	// one per line, to $WORK/notified (and lingers until an exposure scan has
	// seen its argv).
	scriptCmds["fakenotify"] = func(ts *testscript.TestScript, neg bool, args []string) {
		bin := ts.MkAbs("notifybin")
		ts.Check(os.MkdirAll(bin, 0o755))
		script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> \"$WORK/notified\"\nawaitseen notify-send\n"
		ts.Check(os.WriteFile(filepath.Join(bin, "notify-send"), []byte(script), 0o755))
		ts.Setenv("PATH", bin+string(os.PathListSeparator)+ts.Getenv("PATH"))
	}

	// standins: put the stand-in launchctl and systemctl
	// (internal/schedule/testdata/standin, which cite the behaviour they
	// mirror) first on PATH; they log their argv to $STANDIN_DIR/<name>.log
	// and keep what is loaded under $STANDIN_DIR.
	scriptCmds["standins"] = func(ts *testscript.TestScript, neg bool, args []string) {
		repo, err := os.Getwd()
		ts.Check(err)
		bin := ts.MkAbs("standin-bin")
		ts.Check(os.MkdirAll(bin, 0o755))
		for _, name := range []string{"launchctl", "systemctl"} {
			b, err := os.ReadFile(filepath.Join(repo, "internal", "schedule", "testdata", "standin", name))
			ts.Check(err)
			ts.Check(os.WriteFile(filepath.Join(bin, name), b, 0o755))
		}
		ts.Setenv("STANDIN_DIR", ts.MkAbs("standin"))
		ts.Setenv("UID", strconv.Itoa(os.Getuid()))
		ts.Setenv("PATH", bin+string(os.PathListSeparator)+ts.Getenv("PATH"))
	}

	// mkbadpaths: make directories whose names the job's files cannot carry,
	// $BADUTF8 (a byte that is not UTF-8) and $NOTXML (U+FFFE, outside XML 1.0's Char).
	scriptCmds["mkbadpaths"] = func(ts *testscript.TestScript, neg bool, args []string) {
		for name, dir := range map[string]string{"BADUTF8": "bad\xff", "NOTXML": "bad\uFFFE"} {
			p := ts.MkAbs(dir)
			ts.Check(os.MkdirAll(p, 0o755))
			ts.Setenv(name, p)
		}
	}

	// plist FILE: parse the property list with Python's plistlib, print it as
	// indented JSON, and fail unless every path in it is absolute.
	scriptCmds["plist"] = func(ts *testscript.TestScript, neg bool, args []string) {
		cmd := exec.Command("python3", "-c", "import json, plistlib, sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read()), indent=2, sort_keys=True))")
		cmd.Stdin = strings.NewReader(ts.ReadFile(args[0]))
		out, err := cmd.CombinedOutput()
		if err != nil {
			ts.Fatalf("plistlib: %v\n%s", err, out)
		}
		var p struct {
			ProgramArguments                                                     []string
			WorkingDirectory, StandardInPath, StandardOutPath, StandardErrorPath string
			EnvironmentVariables                                                 map[string]string
		}
		ts.Check(json.Unmarshal(out, &p))
		paths := []string{p.ProgramArguments[0], p.WorkingDirectory, p.StandardInPath, p.StandardOutPath, p.StandardErrorPath}
		paths = append(paths, strings.Split(p.EnvironmentVariables["PATH"], ":")...)
		for _, path := range paths {
			if !filepath.IsAbs(path) {
				ts.Fatalf("the plist holds a path that is not absolute: %q", path)
			}
		}
		fmt.Fprint(ts.Stdout(), string(out))
	}

	// sdverify DIR: systemd-analyze verify --user the units in DIR; any
	// finding, warnings included, fails.
	scriptCmds["sdverify"] = func(ts *testscript.TestScript, neg bool, args []string) {
		out, err := schedule.Verify(ts.MkAbs(args[0]))
		if err != nil {
			ts.Fatalf("systemd-analyze verify: %v\n%s", err, out)
		}
	}

	// recordage DURATION: make the local records look last written DURATION
	// ago, and move the local times they hold (a replacement awaiting its
	// sync) back as far.
	scriptCmds["recordage"] = func(ts *testscript.TestScript, neg bool, args []string) {
		d, err := time.ParseDuration(args[0])
		ts.Check(err)
		dir, err := record.Dir(ts.Getenv)
		ts.Check(err)
		matches, _ := filepath.Glob(filepath.Join(dir, "zotkey-*.json"))
		if len(matches) == 0 {
			ts.Fatalf("no record in %s", dir)
		}
		for _, m := range matches {
			var r record.Record
			ts.Check(json.Unmarshal([]byte(ts.ReadFile(m)), &r))
			for i := range r.Previous {
				if at := r.Previous[i].UnsyncedSince; at != nil {
					moved := at.Add(-d)
					r.Previous[i].UnsyncedSince = &moved
				}
			}
			b, err := json.MarshalIndent(r, "", "  ")
			ts.Check(err)
			ts.Check(os.WriteFile(m, b, 0o600))
			t := time.Now().Add(-d)
			ts.Check(os.Chtimes(m, t, t))
		}
	}
}
