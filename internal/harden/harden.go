// Package harden keeps the key out of core dumps: a crash (or GOTRACEBACK=crash,
// or a signal like SIGQUIT) must not write the process's memory, which holds
// the key, to disk. Process is called first thing in main, before any secret
// is read.
package harden

// Process turns core dumps off for this process (and what it starts): the
// core size limit goes to 0, and on Linux the process is also marked not
// dumpable, which also keeps other processes of the same user from attaching
// to it (ptrace) or reading its memory through /proc.
func Process() error { return process() }
