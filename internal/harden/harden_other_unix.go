//go:build unix && !linux

package harden

// On macOS (and the BSDs) the core size limit is the whole job; macOS writes
// cores only when the limit allows it, and it is 0 by default there anyway.
func process() error { return noCore() }
