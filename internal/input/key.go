package input

import (
	"fmt"

	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/key"
)

// ReadKey reads a key from src with r and parses it in format; it returns
// the source it came from (auto resolves to one).
func ReadKey(r Reader, src Source, format key.Format) (key.Key, Source, error) {
	raw, src, err := r.Read(src, "zotkey: paste the new key (input hidden): ")
	if err != nil {
		return key.Key{}, src, hint.With(fmt.Errorf("reading the key from %s: %w", src, err))
	}
	k, err := key.Parse(raw, format)
	if err != nil {
		return key.Key{}, src, hint.With(fmt.Errorf("the key from %s was rejected: %w", src, err), "nothing was stored; copy the key again and retry")
	}
	return k, src, nil
}
