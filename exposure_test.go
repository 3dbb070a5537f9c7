package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// exposureScan watches every process's argv and environment for the script's
// secrets while commands run, then searches files and output.
type exposureScan struct {
	stop    chan struct{}
	done    sync.WaitGroup
	mu      sync.Mutex
	samples int
	procs   map[string]bool // command names seen, to prove the scan overlapped the run
	signal  map[string]bool // names to announce in seenDir when first seen
	seenDir string
	hits    []string
}

// secrets are every key the script's registry minted or was seeded with,
// plus the well-formed keys among the script's files.
func scriptSecrets(ts *testscript.TestScript) [][]byte {
	var out [][]byte
	for _, s := range state(ts).zot.Secrets() {
		out = append(out, []byte(s))
	}
	for _, f := range []string{"other.txt"} {
		out = append(out, []byte(strings.TrimSpace(ts.ReadFile(filepath.Join(ts.Getenv("WORK"), f)))))
	}
	return out
}

// cmdExposure: "exposure start [NAME...]" begins sampling /proc, and creates
// $WORK/.exposure-seen/NAME once a process named NAME is seen, for awaitseen;
// "exposure stop [NAME...]" ends it, scans HOME, TMPDIR and the last command's
// output, fails on any hit, and fails unless a process named each NAME was seen
// while sampling.
func cmdExposure(ts *testscript.TestScript, neg bool, args []string) {
	switch args[0] {
	case "start":
		sc := &exposureScan{stop: make(chan struct{}), procs: map[string]bool{}, signal: map[string]bool{},
			seenDir: filepath.Join(ts.Getenv("WORK"), ".exposure-seen")}
		ts.Check(os.RemoveAll(sc.seenDir))
		ts.Check(os.MkdirAll(sc.seenDir, 0o700))
		for _, name := range args[1:] {
			sc.signal[name] = true
		}
		ts.Setenv("EXPOSURE_AWAIT", strings.Join(args[1:], " "))
		state(ts).scan = sc
		secrets := scriptSecrets(ts)
		sc.done.Add(1)
		go func() {
			defer sc.done.Done()
			for {
				sc.sample(secrets)
				select {
				case <-sc.stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
	case "stop":
		sc := state(ts).scan
		close(sc.stop)
		sc.done.Wait()
		ts.Setenv("EXPOSURE_AWAIT", "")
		secrets := scriptSecrets(ts)
		for _, dir := range []string{ts.Getenv("HOME"), ts.Getenv("TMPDIR")} {
			_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || !d.Type().IsRegular() {
					return nil
				}
				if b, err := os.ReadFile(path); err == nil && contains(b, secrets) {
					sc.hits = append(sc.hits, "file "+path)
				}
				return nil
			})
		}
		for _, stream := range []string{"stdout", "stderr"} {
			if contains([]byte(ts.ReadFile(stream)), secrets) {
				sc.hits = append(sc.hits, "the last command's "+stream)
			}
		}
		for _, name := range args[1:] {
			if !sc.procs[name] {
				ts.Fatalf("no %s process was seen while scanning: the scan did not overlap the run (saw %d samples)", name, sc.samples)
			}
		}
		fmt.Fprintf(ts.Stdout(), "exposure: %d samples of /proc, %d secrets, %d hits\n", sc.samples, len(secrets), len(sc.hits))
		if neg {
			if len(sc.hits) == 0 {
				ts.Fatalf("the scan found nothing, but a leak was expected")
			}
			return
		}
		if len(sc.hits) > 0 {
			ts.Fatalf("a key was exposed in: %s", strings.Join(sc.hits, "; "))
		}
	default:
		ts.Fatalf("usage: exposure start|stop [NAME...]")
	}
}

func (sc *exposureScan) sample(secrets [][]byte) {
	entries, _ := os.ReadDir("/proc")
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.samples++
	for _, e := range entries {
		pid := e.Name()
		if pid[0] < '0' || pid[0] > '9' {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		environ, _ := os.ReadFile("/proc/" + pid + "/environ")
		if len(cmdline) > 0 && filepath.Base(firstArg(cmdline)) != "awaitseen" { // its argument names what it waits for
			for _, a := range bytes.Split(cmdline, []byte{0}) { // argv[1:] too, for interpreters: bash script, fish -c …
				sc.saw(filepath.Base(string(a)))
			}
		}
		if contains(cmdline, secrets) {
			sc.hits = append(sc.hits, fmt.Sprintf("argv of pid %s (%s)", pid, firstArg(cmdline)))
		}
		if contains(environ, secrets) {
			sc.hits = append(sc.hits, fmt.Sprintf("environment of pid %s (%s)", pid, firstArg(cmdline)))
		}
	}
}

func (sc *exposureScan) saw(name string) {
	if !sc.procs[name] && sc.signal[name] {
		_ = os.WriteFile(filepath.Join(sc.seenDir, name), nil, 0o600)
	}
	sc.procs[name] = true
}

// awaitSeen is the program "awaitseen NAME": it returns once the running scan
// has seen a process named NAME (10 s at most), or at once when the scan was
// not started with that name. The short-lived parts of a scanned chain (fish
// after refusing, zotkey, the stub sync) end with it, so that on a loaded
// machine the scan cannot miss one of them entirely. Its own argv is ignored
// by the scan.
func awaitSeen() int {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: awaitseen NAME")
		return 2
	}
	if !awaitSeenName(os.Args[1]) {
		fmt.Fprintf(os.Stderr, "awaitseen: the scan did not see %s within 10s\n", os.Args[1])
		return 1
	}
	return 0
}

func awaitSeenName(name string) bool {
	if !slices.Contains(strings.Fields(os.Getenv("EXPOSURE_AWAIT")), name) {
		return true
	}
	mark := filepath.Join(os.Getenv("WORK"), ".exposure-seen", name)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(mark); err == nil {
			return true
		}
	}
	return false
}

func firstArg(cmdline []byte) string {
	a, _, _ := bytes.Cut(cmdline, []byte{0})
	return string(a)
}

func contains(b []byte, secrets [][]byte) bool {
	for _, s := range secrets {
		if len(s) > 0 && bytes.Contains(b, s) {
			return true
		}
	}
	return false
}

// cmdLeak FILE: run a short-lived process with the file's key in its argv and
// environment, to prove that the scan finds what it looks for.
func cmdLeak(ts *testscript.TestScript, neg bool, args []string) {
	secret := strings.TrimSpace(ts.ReadFile(args[0]))
	cmd := exec.Command("sh", "-c", "sleep 0.3", secret)
	cmd.Env = append(os.Environ(), "LEAKED="+secret)
	ts.Check(cmd.Run())
}
