package store

import "context"

// Await returns f's result, or ctx.Err() as soon as ctx is done. It bounds a
// call that cannot itself be cancelled: a store's (a D-Bus call to the
// keyring, a call into the 1Password app) and those of the other places a key
// passes through (a clipboard tool, a read of a pipe or terminal). The
// abandoned call's goroutine is left behind: zotkey is about to report the
// stop and exit. It lives here, beside Store whose every call is bounded by
// its ctx, because every user is a store or hands a key to one.
func Await[T any](ctx context.Context, f func() (T, error)) (T, error) {
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
