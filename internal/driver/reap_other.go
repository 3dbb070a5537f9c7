//go:build unix && !linux

package driver

import "os/exec"

// adopt and reap: launchd (or init) reaps what a sync leaves behind.
func adopt()         {}
func reap(*exec.Cmd) {}
