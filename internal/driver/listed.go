package driver

import (
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/zot"
)

// Listed is zot's key list as the lifecycle reads it.
func Listed(keys []zot.APIKey) []lifecycle.ListedKey {
	out := make([]lifecycle.ListedKey, len(keys))
	for i, k := range keys {
		out[i] = lifecycle.ListedKey{UUID: k.UUID, Label: k.Label, CreatedAt: k.CreatedAt, LastUsed: k.LastUsed,
			ExpiresAt: k.ExpirationDate, Expired: k.IsExpired}
	}
	return out
}
