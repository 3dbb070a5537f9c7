package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Script commands for the shell wiring: mise projects, git includes, PATH.
func init() {
	// repo: set $REPO to this repository's root (the tests' working directory).
	scriptCmds["repo"] = func(ts *testscript.TestScript, neg bool, args []string) {
		dir, err := os.Getwd()
		ts.Check(err)
		ts.Setenv("REPO", dir)
	}
	// writefile FILE LINE...: write the lines to FILE with $VAR expanded
	// (quoted arguments and txtar files get no expansion).
	scriptCmds["writefile"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 1 {
			ts.Fatalf("usage: writefile FILE LINE...")
		}
		text := os.Expand(strings.Join(args[1:], "\n")+"\n", ts.Getenv)
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(text), 0o644))
	}
	// gitserve DIR: serve the bare repositories under DIR over git's smart
	// HTTP protocol (git http-backend) on loopback; $GITURL is the base URL.
	scriptCmds["gitserve"] = func(ts *testscript.TestScript, neg bool, args []string) {
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
	// closedport: set $CLOSEDPORT to a loopback port nothing listens on (a
	// host that cannot be reached, without leaving the machine).
	scriptCmds["closedport"] = func(ts *testscript.TestScript, neg bool, args []string) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		ts.Check(ln.Close())
		ts.Setenv("CLOSEDPORT", port)
	}
	// goproxy MODULE VERSION=AGE...: serve MODULE's versions, each released AGE
	// ago (a Go duration), from a module proxy in $WORK/goproxy (file://, so
	// nothing leaves the machine), and point GOPROXY at it.
	scriptCmds["goproxy"] = func(ts *testscript.TestScript, neg bool, args []string) {
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
	// pathwithout DIR: drop DIR from $PATH (e.g. $ZOTKEY_BINDIR, so zotkey is
	// found only where mise puts it).
	scriptCmds["pathwithout"] = func(ts *testscript.TestScript, neg bool, args []string) {
		var keep []string
		for _, d := range filepath.SplitList(ts.Getenv("PATH")) {
			if filepath.Clean(d) != filepath.Clean(args[0]) {
				keep = append(keep, d)
			}
		}
		ts.Setenv("PATH", strings.Join(keep, string(filepath.ListSeparator)))
	}
}
