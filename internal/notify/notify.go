// Package notify posts a desktop notification for the unattended daily job: osascript on macOS, notify-send
// elsewhere, nothing where neither exists (the job's log line is then enough). A notification names a problem and
// the command to run; callers never put a key in one, and the text is passed through redact.Text anyway.
package notify

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/eblume/zotkey/internal/redact"
)

// maxLen bounds the message: notification centres truncate long text anyway.
const maxLen = 400

// timeout bounds the notifier, so a hung notification service cannot hold up the job.
const timeout = 10 * time.Second

// Notifier posts notifications through one program.
type Notifier struct {
	GOOS     string
	LookPath func(string) (string, error)
}

// System is the notifier of the machine zotkey runs on.
var System = Notifier{GOOS: runtime.GOOS, LookPath: exec.LookPath}

// Command is the argv that shows title and message, or nil when there is no
// notifier. The text is data, never code: osascript gets a fixed script that
// reads its argv (so no AppleScript quoting can be broken out of), notify-send
// gets both after "--" (so text that starts with a dash is not an option).
func (n Notifier) Command(title, message string) []string {
	title, message = clean(title), clean(message)
	if n.GOOS == "darwin" {
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

// Post shows the notification; without a notifier it does nothing and
// returns nil. Its output is discarded; a failure is returned for the log.
func (n Notifier) Post(ctx context.Context, title, message string) error {
	argv := n.Command(title, message)
	if argv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v %s", argv[0], err, redact.Text(strings.TrimSpace(string(out))))
	}
	return nil
}

func clean(s string) string {
	s = redact.Text(s)
	if r := []rune(s); len(r) > maxLen {
		s = string(r[:maxLen]) + "…"
	}
	return s
}
