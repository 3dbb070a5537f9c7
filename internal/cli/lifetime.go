package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Lifetime is a duration that also takes whole days ("90d"), the unit key
// lifetimes are thought of in.
type Lifetime time.Duration

func (l *Lifetime) UnmarshalText(b []byte) error {
	s := string(b)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return fmt.Errorf("%q is not a whole number of days", s)
		}
		*l = Lifetime(time.Duration(days) * 24 * time.Hour)
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a lifetime such as 90d or 36h", s)
	}
	*l = Lifetime(d)
	return nil
}

// Expiry is how set and rotate learn when a key expires.
type Expiry struct {
	ExpiresIn Lifetime  `default:"90d" placeholder:"DAYS" help:"Lifetime of the key, e.g. 90d or 36h (for a key set by hand, used when zot cannot say)."`
	ExpiresAt time.Time `placeholder:"RFC3339" help:"Exact expiry of a key set by hand, e.g. 2027-02-24T00:00:00Z (instead of --expires-in)."`
}

// at is the expiry these flags name, counted from now.
func (x Expiry) at(now time.Time) time.Time {
	if !x.ExpiresAt.IsZero() {
		return x.ExpiresAt
	}
	return now.Add(time.Duration(x.ExpiresIn)).UTC().Truncate(time.Second)
}
