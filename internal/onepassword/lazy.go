package onepassword

import (
	"context"
	"sync"
)

// Lazy is the run's one client: Start begins connecting in the background, as
// soon as a command knows it will need 1Password, so the core loads while the
// input is read and the registry answers; Get waits for it.
type Lazy struct {
	connect func(context.Context) (API, error)

	once sync.Once
	done chan struct{}
	api  API
	err  error
}

// NewLazy wraps connect, which is called at most once.
func NewLazy(connect func(context.Context) (API, error)) *Lazy {
	return &Lazy{connect: connect, done: make(chan struct{})}
}

// Start begins connecting under ctx, if it has not begun yet.
func (l *Lazy) Start(ctx context.Context) {
	l.once.Do(func() {
		go func() {
			defer close(l.done)
			l.api, l.err = l.connect(ctx)
		}()
	})
}

// Get starts connecting if needed and waits for the client.
func (l *Lazy) Get(ctx context.Context) (API, error) {
	l.Start(ctx)
	select {
	case <-l.done:
		return l.api, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
