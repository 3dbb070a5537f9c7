package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/flagvalue"
)

// Expiry is how set learns when a key expires.
type Expiry struct {
	ExpiresIn flagvalue.Lifetime `default:"90d" placeholder:"DAYS" help:"Lifetime of the key in whole days, 1d to 365d (for a key set by hand, used when zot cannot say)."`
	explicit  bool               // given on the command line: it replaces a recorded expiry
	ExpiresAt time.Time          `placeholder:"RFC3339" help:"Exact expiry of a key set by hand, e.g. 2027-02-24T00:00:00Z (instead of --expires-in)."`
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
