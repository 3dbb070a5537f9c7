package main

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/testenv"
)

// TestSecretWordAgrees: the mise task (bash) and the zot-rotate function
// (fish) judge every word as zotkey does (redact.MatchesSecretWord) — each shell
// runs its own copy of the rule, as shipped, over the same words, under a
// UTF-8 locale and under C. The corpus also shows both verdicts happen.
func TestSecretWordAgrees(t *testing.T) {
	testenv.Need(t, "the shells' secret-word rule", "bash", "fish")
	key := testenv.NewKey()
	words := []string{
		key, strings.ToUpper(key), key[:10], "zak_", "ZaK_x", "ops_", "ops_eyJhbGciOi", "--from=zak_12",
		"0123456789abcdef0123", "0123456789abcdef012", "eyJzaWduSW5BZGRyZXNzIjoi", "abcdefghijklmnopqrst",
		"abcdefghijklmnopqrs", "ÄbcdefghijklmnopqrstÄ", "abcdéfghijklmnopqrstuvwxyz", "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔ",
		"--dryrun", "touch", "FILE", "forgejo_actions_secrets", "forgejo_actions_secrets,woodpecker_secrets",
		"/home/someone/projects/infrastructure/bin/sync", "internationalisation", "tops_secret", "x y", "",
		"a+b/c=abcdefghijklmnopqrst", "ghp_0123456789abcdefghijKLMNOPQRSTUVWXYZ",
	}
	var want []string
	seen := map[bool]bool{}
	for _, w := range words {
		v := redact.MatchesSecretWord(w)
		seen[v] = true
		want = append(want, map[bool]string{true: "1", false: "0"}[v])
	}
	if !seen[true] || !seen[false] {
		t.Fatal("the corpus needs words of both kinds")
	}
	bashRule := regexp.MustCompile(`(?m)^secret_word=(.*)$`).FindStringSubmatch(miseTask)
	fishRule := regexp.MustCompile(`(?m)^    set -l secret_word (.*)$`).FindStringSubmatch(fishFunction)
	if bashRule == nil || fishRule == nil {
		t.Fatal("the task or the fish function has no secret_word line")
	}
	for _, locale := range []string{"C.UTF-8", "C"} {
		bash := exec.Command("bash", append([]string{"-c", "secret_word=" + bashRule[1] + `
for w; do if [[ $w =~ $secret_word ]]; then echo 1; else echo 0; fi; done`, "bash"}, words...)...)
		fish := exec.Command("fish", append([]string{"--no-config", "-c", "set -l secret_word " + fishRule[1] + `
for w in $argv; if string match -rq -- $secret_word $w; echo 1; else; echo 0; end; end`}, words...)...)
		for _, c := range []*exec.Cmd{bash, fish} {
			c.Env = []string{"LC_ALL=" + locale, "LANG=" + locale, "PATH=/usr/local/bin:/usr/bin:/bin"}
			out, err := c.Output()
			if err != nil {
				t.Fatalf("%s: %v", c.Path, err)
			}
			got := strings.Fields(string(out))
			if len(got) != len(words) {
				t.Fatalf("%s (%s): %d verdicts for %d words", c.Args[0], locale, len(got), len(words))
			}
			for i := range words {
				if got[i] != want[i] {
					t.Errorf("%s (%s) says %s for word %d (%q), zotkey says %s", c.Args[0], locale, got[i], i, words[i], want[i])
				}
			}
		}
	}
}
