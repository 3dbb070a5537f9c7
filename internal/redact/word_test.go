package redact

import (
	"strings"
	"testing"
)

func TestLooksSecret(t *testing.T) {
	for w, want := range map[string]bool{
		"zak_0123": true, "ZAK_x": true, "--from=ops_abc": true, "0123456789abcdef0123": true,
		"abcdefghijklmnopqrst": true, "0123456789abcdef012": false, "--dry-run": false, "touch": false,
		"forgejo_actions_secrets,woodpecker_secrets": false, "/home/someone/projects/infrastructure/bin": false,
	} {
		if got := LooksSecret(w); got != want {
			t.Errorf("LooksSecret(%q) = %v, want %v", w, got, want)
		}
	}
}

func TestHide(t *testing.T) {
	args := []string{"set", "--from=ops_tok\"en", "zak_01"}
	msg := `--from must be one of "a" but got "ops_tok\"en", unexpected argument zak_01; ` + Placeholder + ` stays`
	got := Hide(msg, args)
	if strings.Contains(got, "ops_") || strings.Contains(got, "zak_01") || !strings.Contains(got, Placeholder+" stays") || !strings.Contains(got, "--from must be one of") {
		t.Errorf("Hide = %q", got)
	}
}
