//go:build !unix

package harden

// Windows writes no core files by itself; nothing to turn off.
func process() error { return nil }
