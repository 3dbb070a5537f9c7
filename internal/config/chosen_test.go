package config

import (
	"strings"
	"testing"
)

// ParseRef reads references as 1Password's syntax page writes them
// (developer.1password.com/docs/cli/secrets-reference-syntax) and refuses,
// with the reason, what zotkey cannot use.
func TestParseRef(t *testing.T) {
	for _, c := range []struct{ in, vault, item, field, err string }{
		{in: "op://blumeops/Forgejo Secrets/zot-ci-api", vault: "blumeops", item: "Forgejo Secrets", field: "zot-ci-api"},
		{in: `"op://dev/Stripe/publishable key"`, vault: "dev", item: "Stripe", field: "publishable key"},
		{in: "op://zq4ah7nhrdnfvn6ge2sbzavkmi/ykg6m3mmzzc4pdh5y3nowt6rka/zot_ci.api", vault: "zq4ah7nhrdnfvn6ge2sbzavkmi", item: "ykg6m3mmzzc4pdh5y3nowt6rka", field: "zot_ci.api"},
		{in: "op://Management/PagerDuty/Admin/email", err: `it names the section "Admin"`},
		{in: "op://app-prod/db/one-time password?attribute=otp", err: "a query"},
		{in: "op://a/b", err: "it has 2 parts"},
		{in: "op://a/b/c/d/e", err: "it has 5 parts"},
		{in: "op://a//c", err: "the item is empty"},
		{in: "op://a/b/c@d", err: `the field "c@d" has "@"`},
		{in: "vault/item/field", err: "it must start with op://"},
	} {
		r, err := ParseRef(c.in)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.in, err)
		case c.err == "" && (r != Ref{Vault: c.vault, Item: c.item, Field: c.field}):
			t.Errorf("%q: %+v", c.in, r)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one saying %q", c.in, err, c.err)
		}
	}
}

// A typo names the setting it is closest to; a word far from every setting
// names none.
func TestClosest(t *testing.T) {
	names := []string{"registry", "vault", "item", "field", "within", "sync", "json"}
	for in, want := range map[string]string{"regsitry": "registry", "vualt": "vault", "withn": "within", "feild": "field", "jsno": "json", "bogus": "", "x": ""} {
		if got := closest(in, names); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}
