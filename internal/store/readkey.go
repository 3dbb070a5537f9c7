package store

import (
	"context"
	"errors"

	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/key"
)

// ReadKey reads and parses the key in s (format any: whatever was stored
// with --format any is still a key to check).
func ReadKey(ctx context.Context, s Store) (key.Key, error) {
	v, err := s.Get(ctx)
	if errors.Is(err, ErrNotFound) {
		return key.Key{}, hint.With(err, "store a key first: zotkey set")
	}
	if err != nil {
		return key.Key{}, hint.With(err)
	}
	k, err := key.Parse([]byte(v), key.Any)
	if err != nil {
		return key.Key{}, hint.With(errors.New("the value stored in "+s.String()+" is not a key: "+err.Error()), "store a key: zotkey set")
	}
	return k, nil
}
