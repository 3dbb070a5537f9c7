// Package sim holds the simulated year (year_test.go): zotkey's own driver
// and daily job, in-process, over a year of virtual days against the
// zot-semantics server, with a Forgejo-like CI pushing with the secrets the
// sync delivered, and faults drawn from a seed. It has no code of its own
// outside its tests. Run it with `go test ./internal/sim -v` (the table),
// `-short` (a quarter of the year), and `-seed N` or ZOTKEY_SIM_SEED=N to
// replay a seed.
package sim
