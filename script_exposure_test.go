package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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
	once    sync.Once
	mu      sync.Mutex
	samples int
	procs   map[string]bool // command names seen, to prove the scan overlapped the run
	signal  map[string]bool // names whose processes must be scanned: each is told so (seenDir/PID, for awaitseen)
	seenPID map[string]bool
	seenDir string
	hits    map[string]bool
	blind   []string // processes of those names whose environment could not be read
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

// cmdExposure: "exposure start [NAME...]" begins sampling /proc; each process
// named NAME is told once its argv and environment have been read, through
// $WORK/.exposure-seen/PID, so that it can wait for that (awaitseen).
// "exposure stop [NAME...]" ends it, scans HOME, TMPDIR and the last command's
// output, fails on any hit, fails when the environment of a NAME process
// could not be read, and fails unless a process named each NAME was seen
// while sampling.
func cmdExposure(ts *testscript.TestScript, neg bool, args []string) {
	switch args[0] {
	case "start":
		exposureStart(ts, args[1:])
	case "stop":
		exposureStop(ts, neg, args[1:])
	default:
		ts.Fatalf("usage: exposure start|stop [NAME...]")
	}
}

func exposureStart(ts *testscript.TestScript, names []string) {
	sc := &exposureScan{stop: make(chan struct{}), procs: map[string]bool{}, signal: map[string]bool{}, seenPID: map[string]bool{},
		hits: map[string]bool{}, seenDir: filepath.Join(ts.Getenv("WORK"), ".exposure-seen")}
	ts.Check(os.RemoveAll(sc.seenDir))
	ts.Check(os.MkdirAll(sc.seenDir, 0o700))
	for _, name := range names {
		sc.signal[name] = true
	}
	ts.Setenv("EXPOSURE_AWAIT", strings.Join(names, " "))
	state(ts).scan = sc
	secrets := scriptSecrets(ts)
	sc.done.Add(1)
	ts.Defer(sc.end) // a script that fails before "exposure stop"
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
}

func exposureStop(ts *testscript.TestScript, neg bool, names []string) {
	sc := state(ts).scan
	sc.end()
	ts.Setenv("EXPOSURE_AWAIT", "")
	secrets := scriptSecrets(ts)
	sc.scanFiles(secrets, ts.Getenv("HOME"), ts.Getenv("TMPDIR"))
	for _, stream := range []string{"stdout", "stderr"} {
		if contains([]byte(ts.ReadFile(stream)), secrets) {
			sc.hits["the last command's "+stream] = true
		}
	}
	if len(sc.blind) > 0 {
		ts.Fatalf("the environment of %s could not be read, so the scan cannot vouch for it", strings.Join(sc.blind, ", "))
	}
	for _, name := range names {
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
		hits := slices.Sorted(maps.Keys(sc.hits))
		ts.Fatalf("a key was exposed in: %s", strings.Join(hits, "; "))
	}
}

// scanFiles records a hit for every regular file under dirs holding a secret.
func (sc *exposureScan) scanFiles(secrets [][]byte, dirs ...string) {
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			if b, err := os.ReadFile(path); err == nil && contains(b, secrets) {
				sc.hits["file "+path] = true
			}
			return nil
		})
	}
}

// end stops the sampling; a second call does nothing.
func (sc *exposureScan) end() {
	sc.once.Do(func() { close(sc.stop) })
	sc.done.Wait()
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
		environ, envErr := os.ReadFile("/proc/" + pid + "/environ")
		if len(cmdline) > 0 && filepath.Base(firstArg(cmdline)) != "awaitseen" { // its argument names what it waits for
			wanted := false
			for _, a := range bytes.Split(cmdline, []byte{0}) { // argv[1:] too, for interpreters: bash script, fish -c …
				name := filepath.Base(string(a))
				sc.procs[name] = true
				wanted = wanted || sc.signal[name]
			}
			switch {
			case wanted && errors.Is(envErr, fs.ErrPermission):
				sc.blind = append(sc.blind, fmt.Sprintf("pid %s (%s)", pid, firstArg(cmdline)))
			case wanted && envErr == nil && !sc.seenPID[pid]:
				// Its argv and environment were just read: tell it (awaitseen).
				sc.seenPID[pid] = true
				_ = os.WriteFile(filepath.Join(sc.seenDir, pid), nil, 0o600)
			}
		}
		if contains(cmdline, secrets) {
			sc.hits[fmt.Sprintf("argv of pid %s (%s)", pid, firstArg(cmdline))] = true
		}
		if contains(environ, secrets) {
			sc.hits[fmt.Sprintf("environment of pid %s (%s)", pid, firstArg(cmdline))] = true
		}
	}
}

// awaitSeen is the program "awaitseen NAME", run by a process named NAME at
// its end: when the running scan was started with NAME, it waits (10 s at
// most) until the scan has read its parent's argv and environment. So the
// short-lived parts of a scanned chain (fish after refusing, the stub sync,
// the stub notifier) cannot end unscanned on a loaded machine; zotkey itself
// waits in the test binary (testZotkey).
func awaitSeen() int {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: awaitseen NAME")
		return 2
	}
	if !awaitScanned(os.Args[1], os.Getppid()) {
		fmt.Fprintf(os.Stderr, "awaitseen: the scan did not read %s (pid %d) within 10s\n", os.Args[1], os.Getppid())
		return 1
	}
	return 0
}

// awaitScanned waits until the scan has read process pid, named name, or
// returns at once when no scan wants that name.
func awaitScanned(name string, pid int) bool {
	if !slices.Contains(strings.Fields(os.Getenv("EXPOSURE_AWAIT")), name) {
		return true
	}
	mark := filepath.Join(os.Getenv("WORK"), ".exposure-seen", strconv.Itoa(pid))
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

// cmdNokey FILE: neither the last stdout nor stderr holds the 32 hex digits of
// the key in FILE, in any case.
func cmdNokey(ts *testscript.TestScript, neg bool, args []string) {
	hex := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(ts.ReadFile(args[0])), "zak_"))
	for _, f := range []string{"stdout", "stderr"} {
		if strings.Contains(strings.ToLower(ts.ReadFile(f)), hex) {
			ts.Fatalf("the key's hex digits are in %s", f)
		}
	}
}
