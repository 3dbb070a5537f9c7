package onepassword

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	op "github.com/1password/onepassword-sdk-go"
)

// Memory is an in-memory API that behaves like 1Password as far as zotkey can
// tell, with failures to inject. It marshals to JSON, so a test can hand one
// to the zotkey binary as a file (see File).
type Memory struct {
	mu     sync.Mutex
	Vaults []op.VaultOverview `json:"vaults"`
	Items  []op.Item          `json:"items"`
	Faults Faults             `json:"faults"`
	// Puts counts successful writes, so tests can prove that nothing was written.
	Puts int `json:"puts"`
}

// Faults are failures to inject; each one fires on every call until cleared,
// except Conflicts, which counts down.
type Faults struct {
	ListVaults string `json:"listVaults,omitempty"` // error text for ListVaults
	ListItems  string `json:"listItems,omitempty"`
	Get        string `json:"get,omitempty"`
	Put        string `json:"put,omitempty"`
	// Conflicts makes the next N writes fail the way the SDK reports a concurrent edit.
	Conflicts int `json:"conflicts,omitempty"`
	// LoseWrites makes writes answer success without storing anything, so the
	// read-back sees the old value.
	LoseWrites bool `json:"loseWrites,omitempty"`
	// RateLimited makes writes fail with the SDK's typed rate-limit error text.
	RateLimited bool `json:"rateLimited,omitempty"`
}

// ConflictText is how the SDK words a concurrent-edit error.
const ConflictText = "error updating item: data conflict: the item was changed since it was read"

func (m *Memory) ListVaults(context.Context) ([]op.VaultOverview, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Faults.ListVaults != "" {
		return nil, errors.New(m.Faults.ListVaults)
	}
	return append([]op.VaultOverview(nil), m.Vaults...), nil
}

func (m *Memory) ListItems(_ context.Context, vaultID string) ([]op.ItemOverview, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Faults.ListItems != "" {
		return nil, errors.New(m.Faults.ListItems)
	}
	var out []op.ItemOverview
	for _, it := range m.Items {
		if it.VaultID == vaultID {
			out = append(out, op.ItemOverview{ID: it.ID, Title: it.Title, Category: it.Category, VaultID: it.VaultID, Tags: it.Tags})
		}
	}
	return out, nil
}

func (m *Memory) GetItem(_ context.Context, vaultID, itemID string) (op.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Faults.Get != "" {
		return op.Item{}, errors.New(m.Faults.Get)
	}
	i := m.index(vaultID, itemID)
	if i < 0 {
		return op.Item{}, fmt.Errorf("item %s not found in vault %s", itemID, vaultID)
	}
	return clone(m.Items[i]), nil
}

func (m *Memory) PutItem(_ context.Context, item op.Item) (op.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.Faults.Put != "":
		return op.Item{}, errors.New(m.Faults.Put)
	case m.Faults.RateLimited:
		return op.Item{}, errors.New("rate limit exceeded: too many writes this hour")
	case m.Faults.Conflicts > 0:
		m.Faults.Conflicts--
		return op.Item{}, errors.New(ConflictText)
	}
	i := m.index(item.VaultID, item.ID)
	if i < 0 {
		return op.Item{}, fmt.Errorf("item %s not found in vault %s", item.ID, item.VaultID)
	}
	if item.Version != m.Items[i].Version {
		return op.Item{}, errors.New(ConflictText)
	}
	if m.Faults.LoseWrites {
		return clone(m.Items[i]), nil
	}
	item = clone(item)
	item.Version++
	m.Items[i] = item
	m.Puts++
	return clone(item), nil
}

func (m *Memory) index(vaultID, itemID string) int {
	for i, it := range m.Items {
		if it.VaultID == vaultID && it.ID == itemID {
			return i
		}
	}
	return -1
}

func clone(it op.Item) op.Item {
	b, _ := json.Marshal(it)
	var out op.Item
	_ = json.Unmarshal(b, &out)
	return out
}

// File is a Memory kept in a JSON file and re-read and re-written on every
// call, so separate zotkey processes in one test share one fake 1Password.
type File struct{ Path string }

func (f File) with(fn func(m *Memory) error) error {
	b, err := os.ReadFile(f.Path)
	if err != nil {
		return err
	}
	var m Memory
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("fake 1Password state %s: %v", f.Path, err)
	}
	callErr := fn(&m)
	b, err = json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(f.Path, b, 0o600); err != nil {
		return err
	}
	return callErr
}

func (f File) ListVaults(ctx context.Context) (out []op.VaultOverview, err error) {
	err = f.with(func(m *Memory) (e error) { out, e = m.ListVaults(ctx); return })
	return
}
func (f File) ListItems(ctx context.Context, vaultID string) (out []op.ItemOverview, err error) {
	err = f.with(func(m *Memory) (e error) { out, e = m.ListItems(ctx, vaultID); return })
	return
}
func (f File) GetItem(ctx context.Context, vaultID, itemID string) (out op.Item, err error) {
	err = f.with(func(m *Memory) (e error) { out, e = m.GetItem(ctx, vaultID, itemID); return })
	return
}
func (f File) PutItem(ctx context.Context, item op.Item) (out op.Item, err error) {
	err = f.with(func(m *Memory) (e error) { out, e = m.PutItem(ctx, item); return })
	return
}
