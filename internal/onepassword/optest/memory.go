package optest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	op "github.com/1password/onepassword-sdk-go"
)

// Memory is an in-memory onepassword.API that behaves like the SDK as far as
// zotkey can tell, with failures to inject; each behaviour names the SDK source
// it mirrors (onepassword-sdk-go v0.4.1, and the texts inside its WASM core,
// internal/wasm/core.wasm). Its errors are the SDK's as they come out of the
// core (the core's texts, *op.RateLimitExceededError); onepassword.Field
// classifies them as it does the real client's. It marshals to JSON, so a test
// can hand one to the zotkey binary as a file (see File).
type Memory struct {
	mu     sync.Mutex
	Vaults []op.VaultOverview `json:"vaults"`
	Items  []op.Item          `json:"items"`
	// Archived are the IDs of archived items: Items().List lists active items
	// only (types.go ItemState, ItemListFilter: no filter means active), while
	// Items().Get still reads them.
	Archived []string `json:"archived,omitempty"`
	Faults   Faults   `json:"faults"`
	// Puts counts successful writes, so tests can prove that nothing was written.
	Puts int `json:"puts"`
	// Calls counts every call, each a round trip through the SDK's core.
	Calls int `json:"calls"`
}

// Faults are failures to inject; each one fires on every call until cleared,
// except Conflicts and Stale, which count down.
type Faults struct {
	ListVaults string `json:"listVaults,omitempty"` // error text for ListVaults
	ListItems  string `json:"listItems,omitempty"`
	Get        string `json:"get,omitempty"`
	Put        string `json:"put,omitempty"`
	// Conflicts makes the next N writes meet a 409 from the server.
	Conflicts int `json:"conflicts,omitempty"`
	// Stale makes someone else edit the item just before each of the next N
	// writes, so they carry a stale version.
	Stale int `json:"stale,omitempty"`
	// LoseWrites makes writes answer success without storing anything, so the
	// read-back sees the old value.
	LoseWrites bool `json:"loseWrites,omitempty"`
	// RateLimited makes every call fail with the SDK's typed rate-limit error.
	RateLimited bool `json:"rateLimited,omitempty"`
}

// The core's error texts the fake answers with (core.wasm of SDK v0.4.1).
const (
	// ConflictText is the core's text for a 409 from the server
	// (conflictText in onepassword/errors.go). core.wasm holds only its
	// prefix, "data conflict occurred on the server: ", followed by a detail
	// filled in at run time that the Go source does not show: the detail
	// here is assumed, and the classifier matches the prefix alone.
	ConflictText = "data conflict occurred on the server: the item was changed by another request"
	// StaleText is the core's text for a Put of an outdated item (see
	// staleText in errors.go for the two texts and why this one).
	StaleText = "The submitted item is not up to date. Refetch the item and retry the request."
	// NotFoundText is the core's text for a 404 (an unknown vault or item ID;
	// notFoundText in onepassword/errors.go).
	NotFoundText = "resource not found"
)

// begin counts a call and answers the faults every call shares.
func (m *Memory) begin(fault string) error {
	m.Calls++
	switch {
	case m.Faults.RateLimited:
		// The SDK's one typed error for this (errors.go); its message is
		// unexported, so the fake's is empty and the classifier words it.
		return &op.RateLimitExceededError{}
	case fault != "":
		return errors.New(fault)
	}
	return nil
}

func (m *Memory) ListVaults(context.Context) ([]op.VaultOverview, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin(m.Faults.ListVaults); err != nil {
		return nil, err
	}
	return append([]op.VaultOverview(nil), m.Vaults...), nil
}

func (m *Memory) ListItems(_ context.Context, vaultID string) ([]op.ItemOverview, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin(m.Faults.ListItems); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(m.Vaults, func(v op.VaultOverview) bool { return v.ID == vaultID }) {
		return nil, errors.New(NotFoundText)
	}
	var out []op.ItemOverview
	for _, it := range m.Items {
		if it.VaultID == vaultID && !slices.Contains(m.Archived, it.ID) {
			out = append(out, op.ItemOverview{ID: it.ID, Title: it.Title, Category: it.Category, VaultID: it.VaultID,
				Tags: it.Tags, Websites: it.Websites, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, State: op.ItemStateActive})
		}
	}
	return out, nil
}

func (m *Memory) GetItem(_ context.Context, vaultID, itemID string) (op.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin(m.Faults.Get); err != nil {
		return op.Item{}, err
	}
	i := m.index(vaultID, itemID)
	if i < 0 {
		return op.Item{}, errors.New(NotFoundText)
	}
	return clone(m.Items[i]), nil
}

func (m *Memory) PutItem(_ context.Context, item op.Item) (op.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin(m.Faults.Put); err != nil {
		return op.Item{}, err
	}
	i := m.index(item.VaultID, item.ID)
	if i < 0 {
		return op.Item{}, errors.New(NotFoundText)
	}
	if m.Faults.Conflicts > 0 {
		m.Faults.Conflicts--
		return op.Item{}, errors.New(ConflictText)
	}
	if m.Faults.Stale > 0 {
		m.Faults.Stale--
		m.Items[i].Version++ // someone else's edit landed first
	}
	if err := validate(item); err != nil {
		return op.Item{}, err
	}
	// A field the SDK cannot edit fails the Put with the core's text
	// (core.wasm of SDK v0.4.1), whatever else changed.
	if slices.ContainsFunc(item.Fields, func(f op.ItemField) bool { return f.FieldType == op.ItemFieldTypeUnsupported }) {
		return op.Item{}, fmt.Errorf("cannot update item %s. Editing is not supported for unsupported fields,", item.ID)
	}
	if item.Version != m.Items[i].Version {
		return op.Item{}, errors.New(StaleText) //lint:ignore ST1005 the core's text
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

// fieldID is what the core accepts in a field ID.
var fieldID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9\-_. ]*$`) })

// knownFieldTypes are the SDK's field types (types.go:194-211); the core
// reads any other as unsupported.
var knownFieldTypes = []op.ItemFieldType{op.ItemFieldTypeText, op.ItemFieldTypeConcealed, op.ItemFieldTypeCreditCardType,
	op.ItemFieldTypeCreditCardNumber, op.ItemFieldTypePhone, op.ItemFieldTypeURL, op.ItemFieldTypeTOTP, op.ItemFieldTypeEmail,
	op.ItemFieldTypeReference, op.ItemFieldTypeSSHKey, op.ItemFieldTypeMenu, op.ItemFieldTypeMonthYear, op.ItemFieldTypeAddress,
	op.ItemFieldTypeDate, op.ItemFieldTypeUnsupported}

// builtInFields are the fields that live outside any section: the username
// and password of Login and Password items, the IDs the SDK docs' autofill
// table gives (developer.1password.com/docs/sdks/concepts) and the SDK's
// examples create without a section (example/service_account/main.go:75-87).
// Assumed: the core's list is not readable from the Go source.
var builtInFields = []string{"username", "password"}

// validate checks an item the way the core does before a write, with its
// texts (core.wasm of SDK v0.4.1; the order of the checks is assumed).
func validate(item op.Item) error {
	seen := map[string]bool{}
	for _, f := range item.Fields {
		if !slices.Contains(knownFieldTypes, f.FieldType) {
			return fmt.Errorf("field '%s' had an unsupported field type", f.ID)
		}
		if !fieldID().MatchString(f.ID) {
			return fmt.Errorf("field id '%s' must contain only alphanumeric characters or -, _, . and the whitespace character", f.ID)
		}
		if seen[f.ID] {
			return errors.New("item contained duplicate field ids. Make sure every id is unique.") //lint:ignore ST1005 the core's text
		}
		seen[f.ID] = true
	}
	sections := map[string]bool{}
	for _, s := range item.Sections {
		if sections[s.ID] {
			return errors.New("item contained duplicate section ids. Make sure every id is unique.") //lint:ignore ST1005 the core's text
		}
		sections[s.ID] = true
	}
	for _, f := range item.Fields {
		switch {
		case f.SectionID != nil && !sections[*f.SectionID]:
			return fmt.Errorf("field %s was linked to section id '%s', but no section with this id exists", f.ID, *f.SectionID)
		case f.SectionID == nil && !slices.Contains(builtInFields, f.ID):
			return fmt.Errorf("custom field with id '%s' must be part of a section", f.ID)
		}
	}
	tags := map[string]bool{}
	for _, t := range item.Tags {
		switch {
		case t == "":
			return errors.New("tags list contains one or more empty tags(s)")
		case strings.Trim(t, " \t") == "":
			return errors.New("tags list contains one or more tags that are entirely spaces or tabs(s)")
		case strings.IndexFunc(t, func(r rune) bool { return r > unicode.MaxASCII }) >= 0:
			return errors.New("tags list contains non-ascii characters")
		case tags[t]:
			return errors.New("tags list contains duplicate tags(s)")
		}
		tags[t] = true
	}
	return nil
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
	after, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return err
	}
	var before Memory
	if json.Unmarshal(b, &before) == nil && reflect.DeepEqual(&before, &m) {
		return callErr // a read: nothing to write
	}
	// A write is all or nothing, as 1Password's is: a process killed while
	// writing leaves the previous state, never a truncated file.
	tmp := fmt.Sprintf("%s.%d.tmp", f.Path, os.Getpid())
	if err := os.WriteFile(tmp, after, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, f.Path); err != nil {
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
