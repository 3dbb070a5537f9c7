// Package clipboard reads and clears the system clipboard through the platform's
// own tools (pbpaste, wl-paste, xclip, xsel), which take and give the text on
// pipes, never as arguments.
package clipboard

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/atotto/clipboard"
)

// Clipboard is the little a key needs from a clipboard.
type Clipboard interface {
	Read() (string, error)
	Write(text string) error
}

// System is the real clipboard.
type System struct{}

func (System) Read() (string, error) {
	if err := usable(); err != nil {
		return "", err
	}
	s, err := clipboard.ReadAll()
	if err != nil {
		return "", explain("read", err)
	}
	return s, nil
}

func (System) Write(text string) error {
	if err := usable(); err != nil {
		return err
	}
	if err := clipboard.WriteAll(text); err != nil {
		return explain("write", err)
	}
	return nil
}

func usable() error {
	if clipboard.Unsupported {
		return errors.New("no clipboard tool found: install xclip, xsel or wl-clipboard, or pipe the key on stdin")
	}
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display to read the clipboard from (DISPLAY and WAYLAND_DISPLAY are unset): pipe the key on stdin or use --from prompt")
	}
	return nil
}

func explain(verb string, err error) error {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		// xclip and xsel exit non-zero both for an empty clipboard and for a display
		// they cannot open; what they print may be anything, so it is not echoed.
		return fmt.Errorf("could not %s the clipboard (the clipboard tool exited with code %d): it may be empty or the display unreachable", verb, exit.ExitCode())
	}
	return fmt.Errorf("could not %s the clipboard: %v", verb, err)
}

// ClearIf empties the clipboard if it still holds secret (give or take the
// surrounding whitespace the key was trimmed of), so a clipboard that has moved
// on to something else since is left alone. It reports whether it cleared.
func ClearIf(c Clipboard, secret string) (bool, error) {
	now, err := c.Read()
	if err != nil {
		return false, err
	}
	if strings.Trim(now, " \t\r\n") != secret {
		return false, nil
	}
	if err := c.Write(""); err != nil {
		return false, err
	}
	// The clipboard tool may hand the selection over after it returns (xclip
	// forks to serve it): only a read that no longer shows the key proves it gone.
	for i := 0; i < 10; i++ {
		if now, err := c.Read(); err != nil || strings.Trim(now, " \t\r\n") != secret {
			return true, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false, errors.New("the clipboard still holds the key after clearing it")
}
