//go:build !zotkeybench

package driver

// sequential is BenchmarkOverlap's switch, built in only with the
// zotkeybench tag (bench_on.go); zotkey itself always overlaps.
func sequential(func(string) string) bool { return false }
