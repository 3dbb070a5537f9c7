//go:build !linux

package testenv

import (
	"os"
	"strings"
	"testing"
)

// WithoutFiles makes the calling test run where none of paths exists. Only
// Linux can hide a file from one test (a private mount namespace, see
// hide_linux.go); elsewhere it returns true when none exists, and otherwise
// skips the test, saying why (a failure under ZOTKEY_TEST_REQUIRE_ALL=1).
func WithoutFiles(t *testing.T, paths ...string) bool {
	t.Helper()
	var found []string
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		return true
	}
	msg := "this machine has " + strings.Join(found, ", ") + ", which only Linux can hide from a test"
	if RequireAll() {
		t.Fatalf("ZOTKEY_TEST_REQUIRE_ALL=1 but %s", msg)
	}
	t.Skipf("skipping: %s", msg)
	return false
}
