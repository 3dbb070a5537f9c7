//go:build unix && !linux

package main

// notDumpable: only Linux has the dumpable flag (hardenProcess).
func notDumpable() error { return nil }
