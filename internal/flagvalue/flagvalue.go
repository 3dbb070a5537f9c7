// Package flagvalue holds the types of zotkey's flag and setting values
// that kong's own types would read wrongly: a key's lifetime in whole days,
// an idle period with its unit, a decimal hour, the sync's argv as a list.
// Each refuses a bad value with a hint (internal/hint) showing the right form.
package flagvalue

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/redact"
)

// MaxLifetimeDays bounds --expires-in: a year is the longest lifetime worth
// minting, and it keeps the expiry far from time.Duration's overflow.
const MaxLifetimeDays = 365

// Lifetime is a key's lifetime in whole days ("90d"), the unit zot's web UI
// offers (7/30/60/90 days): a lifetime in minutes or hours would expire before
// the secrets sync that follows a rotation is done.
type Lifetime time.Duration

func (l *Lifetime) Decode(ctx *kong.DecodeContext) error { return decodeText(ctx, l, "90d") }

func (l *Lifetime) UnmarshalText(b []byte) error {
	s := string(b)
	example := "give the lifetime in whole days, e.g. 90d (1d to 365d)"
	days, ok := wholeDays(s)
	if !ok {
		return hint.With(fmt.Errorf("%q is not a whole number of days", s), example)
	}
	if days < 1 || days > MaxLifetimeDays {
		return hint.With(fmt.Errorf("%s is outside 1d to %dd", s, MaxLifetimeDays), example)
	}
	*l = Lifetime(time.Duration(days) * 24 * time.Hour)
	return nil
}

// wholeDays reads "90d"; a number too large for an int reads as the largest.
func wholeDays(s string) (int, bool) {
	n, ok := strings.CutSuffix(s, "d")
	if !ok || n == "" || strings.Trim(n, "0123456789") != "" {
		return 0, false
	}
	days, err := strconv.Atoi(n)
	if err != nil {
		return math.MaxInt, true
	}
	return days, true
}

// decodeText decodes a flag's value as text. A settings file can give a
// number where a unit belongs (unused-for = 86400): that is refused with an
// example of the right form, not transcoded into nanoseconds or a JSON error.
func decodeText(ctx *kong.DecodeContext, u encoding.TextUnmarshaler, example string) error {
	token := ctx.Scan.Pop()
	switch v := token.Value.(type) {
	case string:
		return u.UnmarshalText([]byte(v))
	case []byte:
		return u.UnmarshalText(v)
	}
	return hint.With(fmt.Errorf("%v has no unit", token.Value), fmt.Sprintf("write it as a string with its unit, e.g. %q", example))
}

// Quiet is --unused-for. A bare number is refused rather than read as
// nanoseconds (a settings file's 86400 meant seconds), and a zero or negative
// period would revoke a key in use: --force says that on purpose.
type Quiet time.Duration

func (q *Quiet) Decode(ctx *kong.DecodeContext) error { return decodeText(ctx, q, "24h") }

func (q *Quiet) UnmarshalText(b []byte) error {
	s := string(b)
	example := "give a duration with its unit, e.g. 24h, 90m or 2d (1m to 365d); to revoke a key in use, use --force"
	var d time.Duration
	if days, ok := wholeDays(s); ok {
		d = time.Duration(min(days, MaxLifetimeDays+1)) * 24 * time.Hour
	} else if parsed, err := time.ParseDuration(s); err == nil && strings.Trim(s, "0123456789") != "" {
		d = parsed
	} else {
		return hint.With(fmt.Errorf("%q is not a duration with a unit", s), example)
	}
	if d < time.Minute || d > MaxLifetimeDays*24*time.Hour {
		return hint.With(fmt.Errorf("%s is outside 1m to %dd", s, MaxLifetimeDays), example)
	}
	*q = Quiet(d)
	return nil
}

func (q Quiet) Duration() time.Duration { return time.Duration(q) }

// Hour is an hour of the day written in decimal: "08" is 8 and "010" is 10
// (kong's int would read a leading 0 as octal, refusing "08").
type Hour int

func (h *Hour) Decode(ctx *kong.DecodeContext) error {
	token := ctx.Scan.Pop()
	s := fmt.Sprint(token.Value) // a settings file gives an int64
	example := "give the hour as a whole number from 0 to 23, e.g. --hour 9"
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return hint.With(fmt.Errorf("%q is not a whole number", s), example)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 23 {
		return hint.With(fmt.Errorf("%s is not an hour of the day (0-23)", s), example)
	}
	*h = Hour(n)
	return nil
}

// SyncCommand is the settings file's sync: a list of strings, the program
// first. A single string is refused: splitting it would need a shell's rules.
type SyncCommand []string

func (c *SyncCommand) Decode(ctx *kong.DecodeContext) error {
	token := ctx.Scan.Pop()
	example := `write it as a list, the program first: sync = ["mise", "run", "provision-indri"]; on the command line give it after --`
	list, ok := token.Value.([]any)
	if !ok || len(list) == 0 {
		return hint.With(errors.New("sync must be a non-empty list of strings"), example)
	}
	out := make([]string, len(list))
	for i, v := range list {
		s, ok := v.(string)
		if !ok || s == "" {
			return hint.With(fmt.Errorf("sync's word %d is not a non-empty string", i+1), example)
		}
		if redact.HasKey(s) {
			return hint.With(errors.New("sync holds a key-shaped word"), "never put a key in the settings file: the sync reads the key from where zotkey stored it")
		}
		out[i] = s
	}
	*c = out
	return nil
}

// MaxStepTimeout bounds sync-timeout and job-timeout: a daily job that needs
// more than a day overlaps the next one.
const MaxStepTimeout = 24 * time.Hour

// StepTimeout bounds a step that runs another program: the sync
// (sync-timeout) or the whole daily job (job-timeout). It has a unit and is
// from 1s to 24h; zero or negative would mean "wait forever".
type StepTimeout time.Duration

func (t *StepTimeout) Decode(ctx *kong.DecodeContext) error { return decodeText(ctx, t, "30m") }

func (t *StepTimeout) UnmarshalText(b []byte) error {
	s := string(b)
	example := "give a duration with its unit from 1s to 24h, e.g. 30m or 2h"
	d, err := time.ParseDuration(s)
	if err != nil || strings.Trim(s, "0123456789") == "" {
		return hint.With(fmt.Errorf("%q is not a duration with a unit", s), example)
	}
	if d < time.Second || d > MaxStepTimeout {
		return hint.With(fmt.Errorf("%s is outside 1s to 24h", s), example)
	}
	*t = StepTimeout(d)
	return nil
}

func (t StepTimeout) Duration() time.Duration { return time.Duration(t) }
