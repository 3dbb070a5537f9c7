package clipboard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/store"
)

// clearWait bounds the clipboard check: a clipboard owner that never
// answers (xclip waits for it without a timeout) must not hold up the exit.
var clearWait = time.Second

// ClearKey empties c if it still holds secret (a key). A key read from
// elsewhere (pbpaste | zotkey set, a paste at the prompt) was most likely copied
// too, so its caller checks the clipboard as a courtesy, quiet: no clipboard,
// other content or no answer then passes without a word.
func ClearKey(ctx context.Context, c Clipboard, secret string, quiet bool, say func(format string, args ...any)) {
	if c == nil {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, clearWait)
	defer cancel()
	cleared, err := store.Await(wctx, func() (bool, error) { return ClearIf(c, secret) })
	switch {
	case ctx.Err() != nil: // interrupted: no word
		return
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("the clipboard did not answer within %v", clearWait)
	}
	switch {
	case err != nil && !quiet:
		say("warning: could not clear the clipboard: %v", err)
	case cleared:
		say("cleared the clipboard")
	}
}
