package auto

import "testing"

// The daily job is recognised by the parsed command, else by the word auto
// before "--" (the sync's own words come after it).
func TestAsksForAuto(t *testing.T) {
	for _, c := range []struct {
		args    []string
		command string
		want    bool
	}{
		{[]string{"auto", "--", "mise", "run", "sync"}, "auto <sync>", true},
		{[]string{"--store", "x", "auto", "--", "true"}, "", true},
		{[]string{"status"}, "status", false},
		{[]string{"--vault", "auto", "status"}, "status", false},
		{[]string{"set", "--", "auto"}, "", false},
		{[]string{"--bogus"}, "", false},
	} {
		if got := asksForAuto(c.args, c.command); got != c.want {
			t.Errorf("%q (command %q): %v, want %v", c.args, c.command, got, c.want)
		}
	}
}
