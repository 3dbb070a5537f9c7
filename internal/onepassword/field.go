package onepassword

import (
	"context"
	"errors"
	"fmt"
	"strings"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/store"
)

// Field is one field of one 1Password item, found by title or ID at each level.
// It is a store.Store; every other field, section, note and tag of the item is
// written back exactly as read.
type Field struct {
	Client      func(context.Context) (API, error)
	Vault       string
	Item        string
	Field       string
	CreateField bool // add the field (concealed) when the item lacks it

	vaultID, itemID string // resolved once per run
}

func (f *Field) String() string { return fmt.Sprintf("%s in %s/%s", f.Field, f.Vault, f.Item) }

// Get returns the field's value.
func (f *Field) Get(ctx context.Context) (string, error) {
	_, item, err := f.load(ctx)
	if err != nil {
		return "", err
	}
	i, err := f.find(item)
	if err != nil {
		return "", err
	}
	return item.Fields[i].Value, nil
}

// Set writes value into the field. A write that meets a conflicting edit is
// applied once more to a fresh read; a second conflict is an error. It never
// loops further: service accounts have hourly write limits.
func (f *Field) Set(ctx context.Context, value string) error {
	err := f.setOnce(ctx, value)
	if err != nil && isConflict(err) {
		err = f.setOnce(ctx, value)
		if err != nil && isConflict(err) {
			return fmt.Errorf("the item changed in 1Password while it was being written, twice; try again: %w", err)
		}
	}
	return err
}

func (f *Field) setOnce(ctx context.Context, value string) error {
	api, item, err := f.load(ctx)
	if err != nil {
		return err
	}
	i, err := f.find(item)
	switch {
	case err == nil:
		item.Fields[i].Value = value
	case errors.Is(err, store.ErrNotFound):
		item.Fields = append(item.Fields, op.ItemField{ID: f.Field, Title: f.Field, FieldType: op.ItemFieldTypeConcealed, Value: value})
	default:
		return err
	}
	_, err = api.PutItem(ctx, item)
	return err
}

// load resolves the vault and item (once) and reads the item.
func (f *Field) load(ctx context.Context) (API, op.Item, error) {
	api, err := f.Client(ctx)
	if err != nil {
		return nil, op.Item{}, err
	}
	if f.itemID == "" {
		if err := f.resolve(ctx, api); err != nil {
			return nil, op.Item{}, err
		}
	}
	item, err := api.GetItem(ctx, f.vaultID, f.itemID)
	if err != nil {
		return nil, op.Item{}, fmt.Errorf("reading item %s from 1Password: %w", f.Item, err)
	}
	return api, item, nil
}

func (f *Field) resolve(ctx context.Context, api API) error {
	vaults, err := api.ListVaults(ctx)
	if err != nil {
		return fmt.Errorf("listing 1Password vaults: %w", err)
	}
	var vs []match
	for _, v := range vaults {
		vs = append(vs, match{v.ID, v.Title})
	}
	vaultID, err := pick("vault", f.Vault, "", vs, "--vault")
	if err != nil {
		return err
	}
	items, err := api.ListItems(ctx, vaultID)
	if err != nil {
		return fmt.Errorf("listing items in vault %s: %w", f.Vault, err)
	}
	var is []match
	for _, it := range items {
		is = append(is, match{it.ID, it.Title})
	}
	itemID, err := pick("item", f.Item, " in vault "+f.Vault, is, "--item")
	if err != nil {
		return err
	}
	f.vaultID, f.itemID = vaultID, itemID
	return nil
}

func (f *Field) find(item op.Item) (int, error) {
	var fs []match
	for _, fl := range item.Fields {
		fs = append(fs, match{fl.ID, fl.Title})
	}
	id, err := pick("field", f.Field, " in item "+f.Item, fs, "--field")
	if err != nil {
		if isNotFound(err) && f.CreateField {
			return -1, fmt.Errorf("%w: %v", store.ErrNotFound, err)
		}
		if isNotFound(err) {
			return -1, fmt.Errorf("%v; pass --create-field to add it", err)
		}
		return -1, err
	}
	for i, fl := range item.Fields {
		if fl.ID == id {
			return i, nil
		}
	}
	return -1, fmt.Errorf("field %s vanished from item %s", f.Field, f.Item)
}

type match struct{ id, title string }

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }

func isNotFound(err error) bool {
	var nf *notFoundError
	return errors.As(err, &nf)
}

// pick finds want among all by exact ID, else by exact title; zero or several
// title matches are errors that list what there is, so the user can pass an ID.
func pick(kind, want, where string, all []match, flag string) (string, error) {
	for _, m := range all {
		if m.id == want {
			return m.id, nil
		}
	}
	var hits []match
	for _, m := range all {
		if m.title == want {
			hits = append(hits, m)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0].id, nil
	case 0:
		return "", &notFoundError{fmt.Sprintf("no %s titled or with ID %q%s (found: %s)", kind, want, where, list(all))}
	default:
		return "", fmt.Errorf("%d %ss are titled %q%s (%s): pass %s with the ID of the one to use", len(hits), kind, want, where, list(hits), flag)
	}
}

func list(ms []match) string {
	if len(ms) == 0 {
		return "none"
	}
	var parts []string
	for _, m := range ms {
		parts = append(parts, fmt.Sprintf("%q ID %s", m.title, m.id))
	}
	return strings.Join(parts, ", ")
}

// isConflict recognises the SDK's untyped write-conflict error by its text.
func isConflict(err error) bool {
	return strings.Contains(strings.ToLower(err.Error()), "conflict")
}
