package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/creack/pty"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// Commands that run zotkey as a process of their own, signal it or inspect
// it, and waits on conditions (never on a time that races a process).

// scriptEnv is the environment a script's exec would give zotkey: the test
// process's, with the variables the scripts set or change taken from the script.
func scriptEnv(ts *testscript.TestScript, extra ...string) []string {
	keys := []string{"HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "PATH", "DISPLAY", "WAYLAND_DISPLAY",
		"DBUS_SESSION_BUS_ADDRESS", "OP_SERVICE_ACCOUNT_TOKEN", "ZOTKEY_TEST_OP_STATE", "ZOTKEY_TEST_OP_CONNECTS",
		"ZOTKEY_USER", "ZOTKEY_REGISTRY", "ZOTKEY_STORE", "ZOTKEY_CONFIG"}
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !slices.Contains(keys, k) {
			env = append(env, kv)
		}
	}
	for _, k := range keys {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}

// sigread MODE SIGNAL ARGS...: run zotkey ARGS with its input stalled, wait
// until it blocks reading, send SIGNAL (INT, TERM, or ctrl-c: ^C typed on the
// terminal) and require it to exit within a second. MODE is stdin (a pipe
// held open, nothing written), tty (a pseudo-terminal as the controlling
// terminal and stdin; the prompt must have turned echo off) or null (stdin
// /dev/null, for a stalled clipboard tool). Prints "exit CODE" and, for tty,
// "echo on" or "echo off" after the exit; zotkey's stderr is the command's.
func cmdSigread(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: sigread stdin|tty|null INT|TERM|ctrl-c ARGS...")
	}
	mode, sig := args[0], args[1]
	cmd := exec.Command(filepath.Join(ts.Getenv("ZOTKEY_BINDIR"), "zotkey"), args[2:]...)
	cmd.Env = scriptEnv(ts)
	cmd.Dir = ts.MkAbs(".")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var master, slave *os.File
	switch mode {
	case "stdin":
		r, w, err := os.Pipe()
		ts.Check(err)
		defer w.Close() // held open: zotkey's read never sees EOF
		defer r.Close()
		cmd.Stdin = r
	case "tty":
		var err error
		master, slave, err = pty.Open()
		ts.Check(err)
		defer master.Close()
		defer slave.Close()
		cmd.Stdin = slave
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	case "null":
		cmd.Stdin = nil
	default:
		ts.Fatalf("unknown mode %q", mode)
	}
	ts.Check(cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()

	if mode == "tty" {
		waitPrompt(ts, cmd.Process.Pid, master, slave, exited)
	} else {
		waitBlocked(ts, cmd.Process.Pid, mode, exited)
	}
	start := time.Now()
	switch sig {
	case "INT":
		ts.Check(cmd.Process.Signal(os.Interrupt))
	case "TERM":
		ts.Check(cmd.Process.Signal(syscall.SIGTERM))
	case "ctrl-c":
		_, err := master.Write([]byte{3})
		ts.Check(err)
	default:
		ts.Fatalf("unknown signal %q", sig)
	}
	select {
	case <-exited:
	case <-time.After(time.Second):
		ts.Fatalf("zotkey still running 1s after %s", sig)
	}
	ts.Logf("exited %v after the signal", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(ts.Stdout(), "exit %d\n", cmd.ProcessState.ExitCode())
	if mode == "tty" {
		fmt.Fprintf(ts.Stdout(), "echo %s\n", echoState(ts, slave))
	}
	io.Copy(ts.Stderr(), &stderr)
	if stdout.Len() > 0 {
		ts.Fatalf("zotkey wrote to stdout: %q", stdout.String())
	}
}

// waitBlocked waits (10 s at most) until zotkey blocks on its input: for
// stdin, one of its threads sleeps in a pipe read (its wchan, readable by
// root; zotkey is not dumpable); for null, it has started its clipboard tool
// (a child process). Where wchan cannot be read, it waits until zotkey sleeps
// with every thread, which it does only once blocked.
func waitBlocked(ts *testscript.TestScript, pid int, mode string, exited chan error) {
	blocked := func() bool {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
		if mode == "null" {
			entries, _ := os.ReadDir("/proc")
			for _, e := range entries {
				st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
				// stat: PID (COMM) STATE PPID …; COMM may hold spaces and parentheses.
				if i := bytes.LastIndexByte(st, ')'); err == nil && i > 0 {
					if f := strings.Fields(string(st[i+1:])); len(f) > 1 && f[1] == strconv.Itoa(pid) {
						return true
					}
				}
			}
			return false
		}
		readable, sleeping := false, len(tasks) > 0
		for _, t := range tasks {
			if w, err := os.ReadFile(filepath.Join(t, "wchan")); err == nil && len(w) > 0 && string(w) != "0" {
				readable = true
				if strings.Contains(string(w), "pipe_read") {
					return true
				}
			}
			st, _ := os.ReadFile(filepath.Join(t, "status"))
			sleeping = sleeping && bytes.Contains(st, []byte("State:\tS"))
		}
		return !readable && sleeping
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		select {
		case err := <-exited:
			ts.Fatalf("zotkey exited before the signal (%v)", err)
		default:
		}
		if blocked() {
			return
		}
	}
	ts.Fatalf("zotkey did not block on its input (%s) within 10s", mode)
}

// waitPrompt waits until zotkey has printed its prompt on the terminal and
// turned echo off, i.e. it is blocked in the hidden read.
func waitPrompt(ts *testscript.TestScript, pid int, master, slave *os.File, exited chan error) {
	seen := make(chan struct{})
	go func() {
		var got []byte
		buf := make([]byte, 256)
		for {
			n, err := master.Read(buf)
			got = append(got, buf[:n]...)
			if bytes.Contains(got, []byte("(input hidden): ")) {
				close(seen)
				io.Copy(io.Discard, master)
				return
			}
			if err != nil {
				return
			}
		}
	}()
	deadline := time.After(5 * time.Second)
	select {
	case <-seen:
	case err := <-exited:
		ts.Fatalf("zotkey exited before prompting: %v", err)
	case <-deadline:
		ts.Fatalf("no prompt on the terminal")
	}
	for echoState(ts, slave) != "off" {
		select {
		case <-deadline:
			ts.Fatalf("the prompt never turned echo off")
		case <-time.After(10 * time.Millisecond):
		}
	}
	// Into the read itself: a thread sleeping in the terminal's read
	// (wait_woken, from n_tty_read); where wchan cannot be read, a moment.
	if !threadWaits(pid, "wait_woken", "n_tty_read") {
		time.Sleep(100 * time.Millisecond)
	}
}

// threadWaits waits (2 s at most) until a thread of process pid sleeps in a
// kernel function named like one of names (its wchan), and says whether it
// saw one; false at once when wchan cannot be read (not root: zotkey is not
// dumpable).
func threadWaits(pid int, names ...string) bool {
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
		readable := false
		for _, t := range tasks {
			w, err := os.ReadFile(filepath.Join(t, "wchan"))
			if err != nil {
				continue
			}
			readable = true
			for _, n := range names {
				if strings.Contains(string(w), n) {
					return true
				}
			}
		}
		if !readable {
			return false
		}
	}
	return false
}

func echoState(ts *testscript.TestScript, tty *os.File) string {
	t, err := unix.IoctlGetTermios(int(tty.Fd()), ioctlGetTermios)
	ts.Check(err)
	if t.Lflag&unix.ECHO != 0 {
		return "on"
	}
	return "off"
}

// hardened ARGS...: run zotkey ARGS blocked on a stalled stdin pipe and print
// what the kernel says about the running process: its core size limit
// ("core limit SOFT HARD" from /proc/PID/limits) and whether it is dumpable.
// A process that is not dumpable has its private /proc/PID files (environ,
// mem, fd; not the world-readable directory itself) owned by root instead of
// its own user, so zotkey runs as a user other than root (nobody, when the
// test runs as root): "proc owner root" means not dumpable, "proc owner self"
// dumpable. The same check on a plain sleep, printed as "control owner ...",
// proves the check tells the two apart.
func cmdHardened(ts *testscript.TestScript, neg bool, args []string) {
	bin := filepath.Join(ts.Getenv("ZOTKEY_BINDIR"), "zotkey")
	cred := (*syscall.Credential)(nil)
	if os.Getuid() == 0 {
		// nobody must be able to run the binary: a copy in a directory it can enter.
		dir, err := os.MkdirTemp("", "zotkey-hardened-")
		ts.Check(err)
		ts.Defer(func() { os.RemoveAll(dir) })
		ts.Check(os.Chmod(dir, 0o755))
		b, err := os.ReadFile(bin)
		ts.Check(err)
		bin = filepath.Join(dir, "zotkey")
		ts.Check(os.WriteFile(bin, b, 0o755))
		cred = &syscall.Credential{Uid: 65534, Gid: 65534}
	}
	// Each command gets its own stderr buffer: exec copies a non-file
	// stderr from a goroutine per command.
	start := func(errBuf *bytes.Buffer, name string, args ...string) (*exec.Cmd, func()) {
		r, w, err := os.Pipe()
		ts.Check(err)
		// Core dumps allowed to start with (the soft limit is often 0), so
		// a limit of 0 in zotkey is zotkey's own doing.
		cmd := exec.Command("sh", append([]string{"-c", `ulimit -c unlimited && exec "$0" "$@"`, name}, args...)...)
		cmd.Env = scriptEnv(ts, "HOME="+os.TempDir(), "XDG_STATE_HOME="+os.TempDir())
		cmd.Dir = "/"
		cmd.Stdin = r
		cmd.Stderr = errBuf
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		ts.Check(cmd.Start())
		r.Close()
		return cmd, func() { cmd.Process.Kill(); cmd.Wait(); w.Close() }
	}
	owner := func(pid int) string {
		fi, err := os.Stat(fmt.Sprintf("/proc/%d/environ", pid))
		ts.Check(err)
		uid := fi.Sys().(*syscall.Stat_t).Uid
		switch {
		case uid == 0 && (cred != nil || os.Getuid() != 0):
			return "root"
		case cred != nil && uid == cred.Uid, cred == nil && int(uid) == os.Getuid():
			return "self"
		}
		return fmt.Sprint(uid)
	}

	var zkErr, sleepErr bytes.Buffer
	zk, stop := start(&zkErr, bin, args...)
	defer stop()
	sleep, stopSleep := start(&sleepErr, "sleep", "30")
	defer stopSleep()
	coreLimit := func(pid int) string {
		limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
		ts.Check(err)
		for _, l := range strings.Split(string(limits), "\n") {
			if f := strings.Fields(l); strings.HasPrefix(l, "Max core file size") && len(f) >= 6 {
				return f[4] + " " + f[5]
			}
		}
		return "unknown"
	}
	// Wait (10 s at most) until zotkey has hardened itself and sleeps in its
	// read of stdin; a zotkey that never hardens is printed as it is then.
	pid := zk.Process.Pid
	sleeping := func() bool {
		st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		return bytes.Contains(st, []byte("State:\tS"))
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			break
		}
		if coreLimit(pid) == "0 0" && owner(pid) == "root" && sleeping() {
			break
		}
	}
	// A zombie has no memory left to protect, and its /proc files look root-owned.
	if !sleeping() {
		st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		stop() // zotkey's stderr is complete once it has been waited for
		ts.Fatalf("zotkey is not blocked reading stdin:\n%s\n%s", st, zkErr.String())
	}
	fmt.Fprintf(ts.Stdout(), "core limit %s\n", coreLimit(zk.Process.Pid))
	fmt.Fprintf(ts.Stdout(), "proc owner %s\n", owner(zk.Process.Pid))
	fmt.Fprintf(ts.Stdout(), "control core limit %s\n", coreLimit(sleep.Process.Pid))
	fmt.Fprintf(ts.Stdout(), "control owner %s\n", owner(sleep.Process.Pid))
}

// cmdWaitfile FILE: wait (10 s at most) until FILE exists.
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	path := ts.MkAbs(args[0])
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	ts.Fatalf("%s did not appear within 10s", args[0])
}

// cmdWaitfor FILE REGEXP: wait (10 s at most) until FILE holds a line that
// matches REGEXP (a log line, a pid written by a background command).
func cmdWaitfor(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: waitfor FILE REGEXP")
	}
	re, err := regexp.Compile("(?m)" + args[1])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && re.Match(b) {
			return
		}
	}
	b, _ := os.ReadFile(path)
	ts.Fatalf("%s holds no line matching %q within 10s:\n%s", args[0], args[1], b)
}

// cmdSleep DURATION: wait. Not for racing a process: wait on a condition
// with waitfile, zotwait or opened.
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}
