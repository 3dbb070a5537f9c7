// Package notify tells a person that the unattended daily job needs them: a desktop notification
// (terminal-notifier on macOS when installed, else osascript; notify-send elsewhere) and always one line in the
// job's log (its stderr), so the log says what the notification said even where none could be shown. A
// notification names a problem and the command to run; callers never put a key in one, and the text is passed
// through redact.Text anyway.
package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/eblume/zotkey/internal/redact"
)

// MaxLen bounds the message, in characters: notification centres truncate
// long text anyway (macOS shows a few lines of a banner; notify-send's
// servers cut a body of a few hundred characters). Message keeps the fix
// whole within it.
const MaxLen = 400

// Message is a notification's text: the cause, then the one thing to do,
// within MaxLen. A long cause is cut (with "…"), never the fix, so the
// command that fixes it always shows.
func Message(cause, fix string) string {
	cause, fix = sentence(cause), sentence(fix)
	room := MaxLen - len([]rune(fix)) - 1
	if r := []rune(cause); len(r) > room && room > 1 {
		cause = strings.TrimRight(string(r[:room-1]), " ") + "…"
	}
	if fix == "" {
		return cause
	}
	return cause + " " + fix
}

// sentence is s with a capital first letter and a final period.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	// "macOS" and the program's name keep their case
	if first, _, _ := strings.Cut(s, " "); strings.ToLower(first) == first && !strings.HasPrefix(s, "zotkey") {
		r := []rune(s)
		s = strings.ToUpper(string(r[0])) + string(r[1:])
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "…") {
		s += "."
	}
	return s
}

// timeout bounds the notifier, so a hung notification service cannot hold up the job.
const timeout = 10 * time.Second

// Group is terminal-notifier's group: a new notification replaces the last
// one of the same group in Notification Center instead of piling up.
const Group = "com.github.eblume.zotkey"

// Notifier posts notifications through one program.
type Notifier struct {
	GOOS     string
	LookPath func(string) (string, error)
	// Log receives every notification as one "zotkey: notification: …"
	// line, shown or not; nil writes none.
	Log io.Writer
}

// System is the notifier of the machine zotkey runs on; its log is stderr,
// which launchd and systemd keep as the job's log.
var System = Notifier{GOOS: runtime.GOOS, LookPath: exec.LookPath, Log: os.Stderr}

// posted counts the notifications of this process, so a caller can tell
// whether a failure has told someone already.
var posted atomic.Int32

// Posted reports whether this process has posted a notification.
func Posted() bool { return posted.Load() > 0 }

// Command is the argv that shows title and message, or nil when there is no
// notifier. The text is data, never code:
//   - terminal-notifier (Homebrew; FACTS.md: it posts under its own name, so it
//     needs no Script Editor permission) gets -title, -message and -group, each
//     value a separate argument;
//   - osascript gets a fixed script that reads its argv (so no AppleScript
//     quoting can be broken out of);
//   - notify-send gets both after "--" (so text that starts with a dash is not
//     an option).
func (n Notifier) Command(title, message string) []string {
	title, message = clean(title), clean(message)
	if n.GOOS == "darwin" {
		if path, err := n.LookPath("terminal-notifier"); err == nil {
			// terminal-notifier reads its options through NSUserDefaults'
			// argument domain ("-key value"), which takes a value that starts
			// with "-" for the next key and parses "(…)", "{…}", "<…>" and
			// quoted text as a property list: such text gets a leading
			// no-break space, so it stays a string.
			return []string{path, "-title", plain(title), "-message", plain(message), "-group", Group}
		}
		path, err := n.LookPath("osascript")
		if err != nil {
			return nil
		}
		// osascript passes the arguments after the -e statements to the run
		// handler; the title comes first and starts with "zotkey", so the BSD
		// getopt that reads osascript's options has stopped before either.
		return []string{path,
			"-e", "on run argv",
			"-e", "display notification (item 2 of argv) with title (item 1 of argv)",
			"-e", "end run",
			title, message}
	}
	path, err := n.LookPath("notify-send")
	if err != nil {
		return nil
	}
	return []string{path, "--app-name=zotkey", "--urgency=critical", "--", title, message}
}

// plain keeps text a string for NSUserDefaults (see Command).
func plain(s string) string {
	if s != "" && strings.ContainsRune(`-({<"'`, rune(s[0])) {
		return "\u00a0" + s
	}
	return s
}

// Post writes the notification to the log, then shows it; without a
// notifier it only logs and returns nil. The notifier's output is discarded;
// its failure is returned for the log.
func (n Notifier) Post(ctx context.Context, title, message string) error {
	posted.Add(1)
	if n.Log != nil {
		fmt.Fprintf(n.Log, "zotkey: notification: %s: %s\n", clean(title), clean(message))
	}
	argv := n.Command(title, message)
	if argv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// Once the notifier has ended, its output is read for a second more: a
	// process it left behind holding the pipe cannot keep the job waiting.
	cmd.WaitDelay = time.Second
	if out, err := cmd.CombinedOutput(); err != nil && !(errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState.Success()) {
		return fmt.Errorf("%s: %v %s", argv[0], err, redact.Text(strings.TrimSpace(string(out))))
	}
	return nil
}

func clean(s string) string {
	s = redact.Text(s)
	if r := []rune(s); len(r) > MaxLen {
		s = string(r[:MaxLen-1]) + "…"
	}
	return s
}
