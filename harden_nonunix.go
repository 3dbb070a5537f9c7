//go:build !unix

package main

// hardenProcess: Windows writes no core files by itself; nothing to turn off.
func hardenProcess() error { return nil }
