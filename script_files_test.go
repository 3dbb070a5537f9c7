package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/eblume/zotkey/internal/key"
)

// Commands on the script's files and the X clipboard.

// cmdFp FILE: print the fingerprint of a file's trimmed content.
func cmdFp(ts *testscript.TestScript, neg bool, args []string) {
	fmt.Fprintln(ts.Stdout(), key.Fingerprint(strings.TrimSpace(ts.ReadFile(args[0]))))
}

// cmdBytes FILE GOSTRING: write the Go-quoted string's bytes (NULs, invalid
// UTF-8) to FILE.
func cmdBytes(ts *testscript.TestScript, neg bool, args []string) {
	b, err := strconv.Unquote(`"` + args[1] + `"`)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b), 0o600))
}

// cmdBig FILE N: write N bytes of hex digits to FILE.
func cmdBig(ts *testscript.TestScript, neg bool, args []string) {
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), bytes.Repeat([]byte("a"), n), 0o600))
}

// cmdWritefile FILE LINE...: write the lines to FILE with $VAR expanded
// (quoted arguments and txtar files get no expansion).
func cmdWritefile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: writefile FILE LINE...")
	}
	text := os.Expand(strings.Join(args[1:], "\n")+"\n", ts.Getenv)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(text), 0o644))
}

// cmdClip FILE: put the file's content on the X clipboard (via xclip's stdin).
func cmdClip(ts *testscript.TestScript, neg bool, args []string) {
	content := ts.ReadFile(args[0])
	env := append(os.Environ(), "DISPLAY="+ts.Getenv("DISPLAY"))
	// Until the clipboard answers with the content: xclip forks to serve the
	// selection and may own it a moment after it returns, and an xclip that
	// loses a race for the selection with another client (zotkey clearing it
	// a moment before) exits 1, so it is run again. Bounded by a deadline,
	// never by a count of tries a busy machine could exhaust.
	deadline := time.Now().Add(10 * time.Second)
	var last string
	for {
		in := exec.Command("xclip", "-selection", "clipboard", "-in")
		in.Env, in.Stdin = env, strings.NewReader(content)
		// No captured output: the xclip that stays to serve the selection
		// keeps its stdout and stderr open, and a pipe would wait for it.
		if err := in.Run(); err != nil {
			last = fmt.Sprintf("xclip -in: %v", err)
		} else {
			for wait := time.Now().Add(time.Second); time.Now().Before(wait); time.Sleep(25 * time.Millisecond) {
				o := exec.Command("xclip", "-selection", "clipboard", "-out")
				o.Env = env
				if b, err := o.Output(); err == nil && string(b) == content {
					return
				}
			}
			last = "the clipboard did not answer with the content"
		}
		if time.Now().After(deadline) {
			ts.Fatalf("clip: %s", last)
		}
	}
}

// cmdClipfp: print the fingerprint of the clipboard's content, or "empty".
func cmdClipfp(ts *testscript.TestScript, neg bool, args []string) {
	cmd := exec.Command("xclip", "-selection", "clipboard", "-out")
	cmd.Env = append(os.Environ(), "DISPLAY="+ts.Getenv("DISPLAY"))
	out, err := cmd.Output()
	if err != nil || len(out) == 0 {
		fmt.Fprintln(ts.Stdout(), "empty")
		return
	}
	fmt.Fprintln(ts.Stdout(), key.Fingerprint(strings.TrimSpace(string(out))))
}
