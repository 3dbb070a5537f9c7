package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAwait(t *testing.T) {
	if v, err := Await(context.Background(), func() (int, error) { return 7, nil }); v != 7 || err != nil {
		t.Fatalf("finished call: %v %v", v, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	hang := make(chan struct{})
	defer close(hang)
	start := time.Now()
	_, err := Await(ctx, func() (int, error) { <-hang; return 0, nil })
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("hung call: %v after %v", err, time.Since(start))
	}
}
