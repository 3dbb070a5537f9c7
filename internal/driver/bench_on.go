//go:build zotkeybench

package driver

// sequential is BenchmarkOverlap's switch (ZOTKEY_SEQUENTIAL=1, in a build
// with the zotkeybench tag): wait for the 1Password client before any other
// work instead of overlapping with it.
func sequential(getenv func(string) string) bool { return getenv("ZOTKEY_SEQUENTIAL") == "1" }
