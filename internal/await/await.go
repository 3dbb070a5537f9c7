// Package await runs a call that cannot itself be cancelled (a read of a pipe
// or terminal, a clipboard tool, a D-Bus call) and stops waiting for it when
// the context ends. The abandoned call's goroutine is left behind: zotkey is
// about to report the stop and exit.
package await

import "context"

// Do returns f's result, or ctx.Err() as soon as ctx is done.
func Do[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
