package onepassword

import (
	"regexp"
	"testing"
)

func TestIntegrationVersion(t *testing.T) {
	accepted := regexp.MustCompile(`^[A-Za-z0-9._ -]{1,20}$`)
	for in, want := range map[string]string{
		"v0.1.0":                             "v0.1.0",
		"v1.2.3-rc.1":                        "v1.2.3",
		"v0.0.0-20261126211528-bce09d37e96b": "v0.0.0",
		"v0.0.0-20261126211528-bce09d37e96b+dirty": "v0.0.0",
		"v1.2.3+incompatible":                      "v1.2.3",
		"devel":                                    "devel",
		"(devel)":                                  "devel",
		"":                                         "devel",
		"test":                                     "devel",
		"v123456789012345678.0.0":                  "devel",
	} {
		got := IntegrationVersion(in)
		if got != want {
			t.Errorf("IntegrationVersion(%q) = %q, want %q", in, got, want)
		}
		if !accepted.MatchString(got) {
			t.Errorf("IntegrationVersion(%q) = %q, which the SDK's core refuses", in, got)
		}
	}
}
