package doctor

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/lifecycle"
)

// For one key, the daily job (Policy.Due, MustObserve), doctor's days-left
// check and status --warn-days at --within give one answer to "is it due",
// and one count of days, at every boundary: exactly --within left, a second
// either side, the expiry itself, and past it.
func TestDueIsOneAnswer(t *testing.T) {
	const day = 24 * time.Hour
	now := time.Date(2026, 12, 5, 4, 0, 0, 0, time.UTC)
	dueSeen := map[bool]int{}
	for _, within := range []int{0, 1, 14} {
		w := time.Duration(within) * day
		p := lifecycle.Policy{Within: w, CheckEvery: day, UnusedFor: day}
		for _, left := range []time.Duration{w + day, w + time.Second, w, w - time.Second, w - time.Hour, time.Second, 0, -time.Second, -day} {
			expires := now.Add(left)
			s := lifecycle.State{Schema: lifecycle.Schema, Current: &lifecycle.Current{Fingerprint: "sha256:aaaaaaaaaaaa", UUID: "u", ExpiresAt: &expires, Synced: true},
				LastCheck: &lifecycle.Check{At: now.Add(-time.Minute), Fingerprint: "sha256:aaaaaaaaaaaa", Result: lifecycle.Accepted}}
			name := fmt.Sprintf("within %d, %v left", within, left)

			jobDue, known := p.Due(s, now)
			if !known {
				t.Fatalf("%s: expiry unknown", name)
			}
			observe := p.MustObserve(s, now)
			if jobDue != strings.HasPrefix(observe, "the key is due") {
				t.Errorf("%s: Due %v, but MustObserve says %q", name, jobDue, observe)
			}
			r := DaysLeft{Now: func() time.Time { return now }, Policy: p}.Run(context.Background(), Facts{FactCaller: lifecycle.ListedKey{ExpiresAt: expires}})
			doctorDue := r.Status == Fail || strings.Contains(r.Detail, "rotates it on its next run")
			v := driver.StatusView(s, now, &within)
			statusDue := v.State == "expiring" || v.State == "expired"
			if jobDue != doctorDue || jobDue != statusDue {
				t.Errorf("%s: the job says due %v, doctor %v (%s), status %v (%s)", name, jobDue, doctorDue, r.Detail, statusDue, v.State)
			}
			if (r.Status == Fail) != (v.State == "expired") {
				t.Errorf("%s: doctor %s %q, status %s", name, r.Status, r.Detail, v.State)
			}
			if r.Status == Pass && !strings.HasPrefix(r.Detail, fmt.Sprintf("%d day(s)", *v.DaysLeft)) {
				t.Errorf("%s: doctor counts %q, status %d days", name, r.Detail, *v.DaysLeft)
			}
			dueSeen[jobDue]++
		}
	}
	if dueSeen[true] == 0 || dueSeen[false] == 0 {
		t.Fatalf("the boundaries were not crossed: %v", dueSeen)
	}
}
