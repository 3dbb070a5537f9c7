package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"howett.net/plist"

	"github.com/eblume/zotkey/internal/config"
)

// File is one file a job installs.
type File struct {
	Path    string
	Content string
}

// Runner runs argv (its program found on PATH) and returns its combined output.
type Runner func(ctx context.Context, argv ...string) (string, error)

// Exec is the Runner of the machine zotkey runs on; each call is bounded by
// Timeout, so a hung service manager cannot hold the command.
func Exec(ctx context.Context, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// Timeout bounds each call of launchctl, systemctl or mise.
const Timeout = 20 * time.Second

// Manager is one service manager: the files it reads and the calls that load,
// check and unload the job.
type Manager interface {
	// Tool is the program that loads the job, looked up on PATH.
	Tool() string
	// Files are the job's files, refused when a format cannot carry a value.
	Files(j Job) ([]File, error)
	// Paths are the files an install writes, present or not.
	Paths() []string
	// Load loads the job from its files, replacing an older one.
	Load(ctx context.Context) error
	// Loaded is nil when the service manager has the job loaded (enabled).
	Loaded(ctx context.Context) error
	// Unload stops and unloads the job; nothing loaded is no error.
	Unload(ctx context.Context) error
	// Forget tells the service manager the files are gone.
	Forget(ctx context.Context) error
}

// LaunchAgent is the job in the user's launchd domain, gui/<uid> (launchctl(1), macOS 10.11+).
type LaunchAgent struct {
	Home string
	UID  int
	Run  Runner
	// Pause waits between the checks and tries of Load (nil: time.Sleep of
	// the given duration, bounded by ctx).
	Pause func(ctx context.Context, d time.Duration)
}

// Bounds of Load: bootout returns before launchd has removed the job, and a
// bootstrap of the label until then fails with "5: Input/output error"
// (reported in headroom issue 1289, openclaw issue 136453, cc-connect issue
// 35); Load waits for print to stop finding the job, then retries that
// refusal, each within these bounds.
const (
	launchdSettle = 10 * time.Second
	launchdStep   = 250 * time.Millisecond
)

func (l LaunchAgent) pause(ctx context.Context, d time.Duration) {
	if l.Pause != nil {
		l.Pause(ctx, d)
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (l LaunchAgent) Tool() string { return "launchctl" }

// Plist is where the LaunchAgent lives.
func (l LaunchAgent) Plist() string {
	return filepath.Join(l.Home, "Library", "LaunchAgents", Label+".plist")
}

// Target is the job's service target, gui/<uid>/<label>.
func (l LaunchAgent) Target() string { return fmt.Sprintf("gui/%d/%s", l.UID, Label) }

func (l LaunchAgent) Files(j Job) ([]File, error) {
	src, err := Launchd(j)
	if err != nil {
		return nil, err
	}
	return []File{{l.Plist(), src}}, nil
}

func (l LaunchAgent) Paths() []string { return []string{l.Plist()} }

// Load boots out a loaded job first (bootstrap refuses a label that is
// already loaded, and would keep the old definition), waits until launchd
// no longer finds it, then bootstraps the new file, trying again while
// launchd answers "5: Input/output error", all within launchdSettle each.
func (l LaunchAgent) Load(ctx context.Context) error {
	if err := l.Unload(ctx); err != nil {
		return err
	}
	for deadline := time.Now().Add(launchdSettle); l.Loaded(ctx) == nil; {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("launchd still has the old job %s %s after bootout", l.Target(), launchdSettle)
		}
		l.pause(ctx, launchdStep)
	}
	for deadline := time.Now().Add(launchdSettle); ; {
		err := l.call(ctx, "bootstrap", fmt.Sprintf("gui/%d", l.UID), l.Plist())
		if err == nil || !strings.Contains(err.Error(), "5: Input/output error") || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		l.pause(ctx, launchdStep)
	}
}

func (l LaunchAgent) Loaded(ctx context.Context) error { return l.call(ctx, "print", l.Target()) }

// Unload boots the job out whatever print says (print can fail for other
// reasons than an unloaded job); "3: No such process" is launchctl's answer
// for a job not loaded (launchctl(1) bootout), which is no error.
func (l LaunchAgent) Unload(ctx context.Context) error {
	err := l.call(ctx, "bootout", l.Target())
	if err != nil && strings.Contains(err.Error(), "3: No such process") {
		return nil
	}
	return err
}

func (l LaunchAgent) Forget(context.Context) error { return nil }

func (l LaunchAgent) call(ctx context.Context, args ...string) error {
	return call(ctx, l.Run, append([]string{"launchctl"}, args...))
}

// UserTimer is the job in the user's systemd instance (systemctl --user).
type UserTimer struct {
	Dir string // the user unit directory, $XDG_CONFIG_HOME/systemd/user
	Run Runner
}

// UserUnitDir is $XDG_CONFIG_HOME/systemd/user, or ~/.config/systemd/user
// (config.ConfigHome resolves the base directory).
func UserUnitDir(getenv func(string) string) (string, error) {
	base, err := config.ConfigHome(getenv, "the user's systemd unit directory is unknown")
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "systemd", "user"), nil
}

func (s UserTimer) Tool() string { return "systemctl" }

func (s UserTimer) Files(j Job) ([]File, error) {
	svc, err := Service(j)
	if err != nil {
		return nil, err
	}
	tmr, err := Timer(j)
	if err != nil {
		return nil, err
	}
	p := s.Paths()
	return []File{{p[0], svc}, {p[1], tmr}}, nil
}

func (s UserTimer) Paths() []string {
	return []string{filepath.Join(s.Dir, Unit+".service"), filepath.Join(s.Dir, Unit+".timer")}
}

// Load reads the new files, then enables and starts the timer; a timer
// already running picks up its new definition from the reload.
func (s UserTimer) Load(ctx context.Context) error {
	if err := s.call(ctx, "daemon-reload"); err != nil {
		return err
	}
	return s.call(ctx, "enable", "--now", Unit+".timer")
}

// Loaded asks is-enabled, which prints "enabled" and exits 0 for an enabled
// unit, and exits non-zero otherwise (systemctl(1)).
func (s UserTimer) Loaded(ctx context.Context) error {
	out, err := s.Run(ctx, "systemctl", "--user", "is-enabled", Unit+".timer")
	if err != nil && noUserManager(out) {
		return &NoUserManagerError{Err: err}
	}
	if err != nil || strings.TrimSpace(out) != "enabled" {
		return fmt.Errorf("systemctl --user is-enabled %s.timer says %q", Unit, strings.TrimSpace(out))
	}
	return nil
}

// Unload disables and stops the timer whatever is-enabled says, so its
// enable link goes before the files do; a unit systemd does not know ("Unit
// file … does not exist", systemctl(1)) is no error.
func (s UserTimer) Unload(ctx context.Context) error {
	err := s.call(ctx, "disable", "--now", Unit+".timer")
	if err != nil && strings.Contains(err.Error(), "does not exist") {
		return nil
	}
	return err
}

func (s UserTimer) Forget(ctx context.Context) error { return s.call(ctx, "daemon-reload") }

func (s UserTimer) call(ctx context.Context, args ...string) error {
	err := call(ctx, s.Run, append([]string{"systemctl", "--user"}, args...))
	if err != nil && noUserManager(err.Error()) {
		return &NoUserManagerError{Err: err}
	}
	return err
}

// noUserManager recognises systemctl --user finding no user manager to talk
// to: "Failed to connect to bus: No medium found", or "Failed to connect to
// user scope bus via local transport: …" (systemd's bus-util; a container, an
// ssh session without a login, a user without lingering).
func noUserManager(out string) bool {
	return strings.Contains(out, "Failed to connect to bus") || strings.Contains(out, "Failed to connect to user scope bus")
}

// NoUserManagerError is systemctl --user without a user manager.
type NoUserManagerError struct{ Err error }

func (e *NoUserManagerError) Error() string {
	return "no systemd user manager runs for you here, so systemctl --user cannot load the job: run loginctl enable-linger $USER (or log in to a desktop session), then run this again"
}
func (e *NoUserManagerError) Unwrap() error { return e.Err }

// call runs argv and makes its failure one line naming the call.
func call(ctx context.Context, run Runner, argv []string) error {
	out, err := run(ctx, argv...)
	if err != nil {
		line := strings.Join(argv, " ")
		if out = strings.Join(strings.Fields(out), " "); out != "" {
			return fmt.Errorf("%s failed: %v: %s", line, err, out)
		}
		return fmt.Errorf("%s failed: %v", line, err)
	}
	return nil
}

// Install writes the job's files (each replaced in one rename) and loads
// them, then checks the job is loaded. It writes nothing when a value cannot
// be carried by the files' format.
func Install(ctx context.Context, m Manager, j Job) ([]File, error) {
	files, err := m.Files(j)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := writeFile(f); err != nil {
			return nil, err
		}
	}
	if err := m.Load(ctx); err != nil {
		return files, err
	}
	if err := m.Loaded(ctx); err != nil {
		return files, fmt.Errorf("the job is not loaded after installing it: %v", err)
	}
	return files, nil
}

// Uninstall unloads the job and removes its files; it returns the files it
// removed (none, when nothing was installed).
func Uninstall(ctx context.Context, m Manager) ([]string, error) {
	if err := m.Unload(ctx); err != nil {
		return nil, err
	}
	var removed []string
	for _, p := range m.Paths() {
		switch err := os.Remove(p); {
		case err == nil:
			removed = append(removed, p)
		case !errors.Is(err, fs.ErrNotExist):
			return removed, err
		}
	}
	if len(removed) > 0 {
		if err := m.Forget(ctx); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// writeFile replaces f.Path with a file holding f.Content, through a
// temporary file in the same directory, so a reader sees the old file or the
// new one, never half of one.
func writeFile(f File) error {
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.Path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(f.Content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.Path)
}

// Check is one check made before a job is installed or printed.
type Check struct {
	What string
	Err  error
	Hint string
}

// Preflight checks what a job needs to run: zotkey and mise at absolute
// executable paths, the rotate-zot-key task found by mise in the project,
// and (install only) the service manager's tool on PATH. It returns the
// failed checks; none failed is nil.
func Preflight(ctx context.Context, j Job, run Runner, tool string, lookPath func(string) (string, error)) []Check {
	var failed []Check
	for _, p := range []struct{ what, path string }{{"zotkey", j.Zotkey}, {"mise", j.Mise}} {
		if err := executable(p.path); err != nil {
			failed = append(failed, Check{p.what, fmt.Errorf("%s at %q %v", p.what, p.path, err), "install " + p.what + " at a fixed path and put it on PATH"})
		}
	}
	if _, err := run(ctx, j.Mise, "--cd", j.Project, "tasks", "info", "rotate-zot-key"); err != nil {
		failed = append(failed, Check{"task", fmt.Errorf("mise finds no rotate-zot-key task in %s, so the job would fail every day before zotkey starts", j.Project),
			"add it (zotkey init mise > mise-tasks/rotate-zot-key; chmod +x it), trust the project (mise trust), or pass --project with the right directory"})
	}
	if tool != "" {
		if _, err := lookPath(tool); err != nil {
			failed = append(failed, Check{"tool", fmt.Errorf("%s is not on PATH, so the job cannot be loaded", tool), "run this on the machine whose service manager runs the job"})
		}
	}
	return failed
}

// executable is nil for an absolute path to a regular file someone may run.
func executable(p string) error {
	if !filepath.IsAbs(p) {
		return errors.New("is not an absolute path")
	}
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return errors.New("does not exist")
	case !fi.Mode().IsRegular():
		return errors.New("is not a file")
	case fi.Mode().Perm()&0o111 == 0:
		return errors.New("is not executable")
	}
	return nil
}

// Project is the project an installed LaunchAgent runs in (its
// WorkingDirectory), read back by the library that wrote it.
func (l LaunchAgent) Project() (string, error) {
	f, err := os.Open(l.Plist())
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return "", err
	}
	var a struct{ WorkingDirectory string } // only this: a hand-edited key elsewhere must not hide it
	if _, err := plist.Unmarshal(b, &a); err != nil || a.WorkingDirectory == "" {
		return "", fmt.Errorf("%s names no WorkingDirectory", l.Plist())
	}
	return a.WorkingDirectory, nil
}

// Project is the project an installed service runs in (WorkingDirectory=,
// whose "%%" is a "%"), read as systemd reads a unit edited by hand
// (systemd.syntax(7), systemd.exec(5)): blanks around the key, the "=" and
// the value do not count, a later assignment overrides an earlier one, and a
// leading "-" only says a missing directory is no error.
func (s UserTimer) Project() (string, error) {
	b, err := os.ReadFile(s.Paths()[0])
	if err != nil {
		return "", err
	}
	dir := ""
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != "WorkingDirectory" {
			continue
		}
		dir = strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(v), "-"), "%%", "%")
	}
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("%s names no absolute WorkingDirectory=", s.Paths()[0])
	}
	return dir, nil
}
