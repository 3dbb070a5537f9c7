package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/eblume/zotkey/internal/schedule"
	"github.com/eblume/zotkey/internal/testenv"
)

// Commands for the shell wiring and the daily job: mise projects, git
// servers, module proxies, PATH, notifications, launchd and systemd files.

// cmdMkproject [-nosync]: a mise project in $WORK/proj that includes this
// repo's mise-tasks and (unless -nosync) a stub provision-indri that appends
// its arguments to $WORK/sync-args, creates $WORK/sync-started, waits (10 s at
// most) for $WORK/$SYNC_AWAIT if that is set (see zotclockon), sleeps
// $SYNC_SLEEP, authenticates with the key in $SYNC_USE_KEY if set (a consumer
// still holding the old key) and fails while $WORK/sync-fail exists.
func cmdMkproject(ts *testscript.TestScript, neg bool, args []string) {
	repo, err := os.Getwd()
	ts.Check(err)
	proj := ts.MkAbs("proj")
	ts.Check(os.MkdirAll(filepath.Join(proj, "mise-tasks"), 0o755))
	toml := fmt.Sprintf("[task_config]\nincludes = [\"mise-tasks\", %q]\n", filepath.Join(repo, "mise-tasks"))
	ts.Check(os.WriteFile(filepath.Join(proj, "mise.toml"), []byte(toml), 0o644))
	if len(args) == 0 || args[0] != "-nosync" {
		stub := "#!/usr/bin/env bash\n#MISE description=\"test stub of the Forgejo secrets sync\"\n" +
			"printf '%s\\n' \"$*\" >> \"$WORK/sync-args\"\n" +
			": > \"$WORK/sync-started\"\n" +
			"if [ -n \"${SYNC_AWAIT:-}\" ]; then i=0; while [ ! -e \"$WORK/$SYNC_AWAIT\" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done; fi\n" +
			"sleep \"${SYNC_SLEEP:-0}\"\n" +
			"if [ -n \"${SYNC_USE_KEY:-}\" ]; then zotkey verify --from stdin < \"$SYNC_USE_KEY\"; fi\n" +
			"awaitseen provision-indri\n" +
			"if [ -e \"$WORK/sync-fail\" ]; then echo 'stub sync: failed' >&2; exit 1; fi\n"
		ts.Check(os.WriteFile(filepath.Join(proj, "mise-tasks", "provision-indri"), []byte(stub), 0o755))
	}
	ts.Setenv("REPO", repo)
	ts.Setenv("MISE_TRUSTED_CONFIG_PATHS", proj)
	ts.Setenv("MISE_OFFLINE", "1")
	ts.Setenv("MISE_YES", "1")
}

// cmdRepo: set $REPO to this repository's root (the tests' working directory).
func cmdRepo(ts *testscript.TestScript, neg bool, args []string) {
	dir, err := os.Getwd()
	ts.Check(err)
	ts.Setenv("REPO", dir)
}

// cmdGitserve DIR: serve the bare repositories under DIR over git's smart
// HTTP protocol (git http-backend) on loopback; $GITURL is the base URL.
func cmdGitserve(ts *testscript.TestScript, neg bool, args []string) {
	out, err := exec.Command("git", "--exec-path").Output()
	ts.Check(err)
	backend := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv := &http.Server{Handler: &cgi.Handler{
		Path: backend,
		Env:  []string{"GIT_PROJECT_ROOT=" + ts.MkAbs(args[0]), "GIT_HTTP_EXPORT_ALL=1"},
	}}
	go srv.Serve(ln)
	ts.Defer(func() { srv.Close() })
	ts.Setenv("GITURL", "http://"+ln.Addr().String())
}

// cmdClosedport: set $CLOSEDPORT to a loopback port nothing listens on (a
// host that cannot be reached, without leaving the machine).
func cmdClosedport(ts *testscript.TestScript, neg bool, args []string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ts.Check(ln.Close())
	ts.Setenv("CLOSEDPORT", port)
}

// cmdGoproxy MODULE VERSION=AGE...: serve MODULE's versions, each released AGE
// ago (a Go duration), from a module proxy in $WORK/goproxy (file://, so
// nothing leaves the machine), and point GOPROXY at it.
func cmdGoproxy(ts *testscript.TestScript, neg bool, args []string) {
	root := ts.MkAbs("goproxy")
	dir := filepath.Join(root, args[0], "@v")
	ts.Check(os.MkdirAll(dir, 0o755))
	var list []string
	for _, va := range args[1:] {
		v, age, _ := strings.Cut(va, "=")
		d, err := time.ParseDuration(age)
		ts.Check(err)
		info := fmt.Sprintf(`{"Version":%q,"Time":%q}`, v, time.Now().Add(-d).UTC().Format(time.RFC3339))
		ts.Check(os.WriteFile(filepath.Join(dir, v+".info"), []byte(info), 0o644))
		ts.Check(os.WriteFile(filepath.Join(dir, v+".mod"), []byte("module "+args[0]+"\n"), 0o644))
		list = append(list, v)
	}
	ts.Check(os.WriteFile(filepath.Join(dir, "list"), []byte(strings.Join(list, "\n")+"\n"), 0o644))
	ts.Setenv("GOPROXY", "file://"+filepath.ToSlash(root))
	ts.Setenv("GOSUMDB", "off")
	ts.Setenv("GOFLAGS", "-modcacherw")
}

// cmdPathwithout DIR: drop DIR from $PATH (e.g. $ZOTKEY_BINDIR, so zotkey is
// found only where mise puts it).
func cmdPathwithout(ts *testscript.TestScript, neg bool, args []string) {
	var keep []string
	for _, d := range filepath.SplitList(ts.Getenv("PATH")) {
		if filepath.Clean(d) != filepath.Clean(args[0]) {
			keep = append(keep, d)
		}
	}
	ts.Setenv("PATH", strings.Join(keep, string(filepath.ListSeparator)))
}

// cmdFakenotify: put a notify-send first on PATH that appends its arguments,
// one per line, to $WORK/notified (and lingers until an exposure scan has
// seen its argv).
func cmdFakenotify(ts *testscript.TestScript, neg bool, args []string) {
	bin := ts.MkAbs("notifybin")
	ts.Check(os.MkdirAll(bin, 0o755))
	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> \"$WORK/notified\"\nawaitseen notify-send\n"
	ts.Check(os.WriteFile(filepath.Join(bin, "notify-send"), []byte(script), 0o755))
	ts.Setenv("PATH", bin+string(os.PathListSeparator)+ts.Getenv("PATH"))
}

// cmdPlist FILE: parse the property list with Python's plistlib, print it as
// indented JSON, and fail unless every path in it is absolute.
func cmdPlist(ts *testscript.TestScript, neg bool, args []string) {
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

// cmdSdverify DIR: systemd-analyze verify --user the units in DIR; any
// finding, warnings included, fails.
func cmdSdverify(ts *testscript.TestScript, neg bool, args []string) {
	out, err := testenv.VerifyUnits(ts.MkAbs(args[0]), schedule.Unit)
	if err != nil {
		ts.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// cmdStandins: put the stand-in launchctl and systemctl
// (internal/schedule/testdata/standin, which cite the behaviour they mirror)
// first on PATH; they log their argv to $STANDIN_DIR/<name>.log and keep what
// is loaded under $STANDIN_DIR.
func cmdStandins(ts *testscript.TestScript, neg bool, args []string) {
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

// cmdMkbadpaths: make directories whose names the job's files cannot carry,
// $BADUTF8 (a byte that is not UTF-8) and $NOTXML (U+FFFE, outside XML 1.0's Char).
func cmdMkbadpaths(ts *testscript.TestScript, neg bool, args []string) {
	for name, dir := range map[string]string{"BADUTF8": "bad\xff", "NOTXML": "bad\uFFFE"} {
		p := ts.MkAbs(dir)
		ts.Check(os.MkdirAll(p, 0o755))
		ts.Setenv(name, p)
	}
}
