package driver

import (
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/zot"
)

// listed is zot's key list as the lifecycle reads it.
func listed(keys []zot.APIKey) []lifecycle.ListedKey {
	out := make([]lifecycle.ListedKey, len(keys))
	for i, k := range keys {
		out[i] = listedKey(k)
	}
	return out
}

func listedKey(k zot.APIKey) lifecycle.ListedKey {
	return lifecycle.ListedKey{UUID: k.UUID, Label: k.Label, CreatedAt: k.CreatedAt, LastUsed: k.LastUsed,
		ExpiresAt: k.ExpirationDate, Expired: k.IsExpired}
}
