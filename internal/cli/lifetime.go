package cli

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"
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
	hint := "give the lifetime in whole days, e.g. 90d (1d to 365d)"
	days, ok := wholeDays(s)
	if !ok {
		return withHint(fmt.Errorf("%q is not a whole number of days", s), hint)
	}
	if days < 1 || days > MaxLifetimeDays {
		return withHint(fmt.Errorf("%s is outside 1d to %dd", s, MaxLifetimeDays), hint)
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
	return withHint(fmt.Errorf("%v has no unit", token.Value), fmt.Sprintf("write it as a string with its unit, e.g. %q", example))
}

// Expiry is how set learns when a key expires.
type Expiry struct {
	ExpiresIn Lifetime  `default:"90d" placeholder:"DAYS" help:"Lifetime of the key in whole days, 1d to 365d (for a key set by hand, used when zot cannot say)."`
	explicit  bool      // given on the command line: it replaces a recorded expiry
	ExpiresAt time.Time `placeholder:"RFC3339" help:"Exact expiry of a key set by hand, e.g. 2027-02-24T00:00:00Z (instead of --expires-in)."`
}

// Validate refuses both flags on one command line (a setting from the file or
// a variable may sit beside --expires-at, which then wins) and an expiry in
// the past.
func (x *Expiry) Validate(kctx *kong.Context) error {
	x.explicit = explicit(kctx, "expires-in") || explicit(kctx, "expires-at")
	if explicit(kctx, "expires-in") && explicit(kctx, "expires-at") {
		return withHint(errors.New("--expires-in and --expires-at cannot be combined"), "give one: --expires-in 90d or --expires-at 2027-02-24T00:00:00Z")
	}
	if !x.ExpiresAt.IsZero() && !x.ExpiresAt.After(time.Now()) {
		return withHint(fmt.Errorf("--expires-at %s is in the past", x.ExpiresAt.Format(time.RFC3339)), "give the key's real expiry, as the zot web UI shows it")
	}
	return nil
}

// explicit reports whether the flag name was given on the command line (not
// resolved from the settings file).
func explicit(kctx *kong.Context, name string) bool {
	for _, p := range kctx.Path {
		if p.Flag != nil && p.Flag.Name == name && !p.Resolved {
			return true
		}
	}
	return false
}

// at is the expiry these flags name, counted from now.
func (x Expiry) at(now time.Time) time.Time {
	if !x.ExpiresAt.IsZero() {
		return x.ExpiresAt
	}
	return now.Add(time.Duration(x.ExpiresIn)).UTC().Truncate(time.Second)
}
