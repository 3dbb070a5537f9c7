package redact

import (
	"math/rand/v2"
	"regexp"
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

// TestMatchesSecretWord: the hand-written matcher is the expression, on
// chosen words and on random ones made of pieces that make both answers common.
func TestMatchesSecretWord(t *testing.T) {
	re := regexp.MustCompile(SecretWord)
	words := []string{"", "zak_", "zAK_", "ZAK", "zak-", "xops_", "op_s", "éops_", "0123456789abcdefABCD", "0123456789abcdefABC", "a_0123456789abcdefABCD_b", "ª0123456789abcdefABCDª"}
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"zak", "oPs", "ZA", "k", "o", "ps", "_", "-", "/", "=", "é", "0", "abcde", "0123456789"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		words = append(words, b.String())
	}
	seen := map[bool]int{}
	for _, w := range words {
		want := re.MatchString(w)
		seen[want]++
		if got := MatchesSecretWord(w); got != want {
			t.Errorf("MatchesSecretWord(%q) = %v, the expression says %v", w, got, want)
		}
	}
	if seen[true] < 100 || seen[false] < 100 {
		t.Fatalf("the words need both answers often: %v", seen)
	}
}
