package onepassword

import (
	"regexp"
	"sync"
)

// semverCore is MAJOR.MINOR.PATCH (with an optional leading v) at the start of a version.
var semverCore = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+`) })

// IntegrationVersion is the version zotkey reports to 1Password: the semver
// core of the build version (v1.2.3 of v1.2.3-rc.1, v0.0.0 of a pseudo-version
// such as v0.0.0-20261126211528-bce09d37e96b+dirty), else "devel". The SDK's
// core refuses an integration version over 20 characters or one holding +, (
// or ) before any network use ("invalid user input: … integration version was
// too long"), so what it gets is always at most 20 characters of
// [A-Za-z0-9._ -]. zotkey --version still prints the full version.
func IntegrationVersion(v string) string {
	core := semverCore().FindString(v)
	if core == "" || len(core) > 20 {
		return "devel"
	}
	return core
}
