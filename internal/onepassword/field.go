package onepassword

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/store"
)

// IDs name an item for good: the SDK's IDs survive renames.
type IDs struct {
	VaultID string
	ItemID  string
}

// Field is one field of one 1Password item, found by title or ID at each level.
// It is a store.Store; every other field, section, note and tag of the item is
// written back exactly as read.
//
// Round trips are counted (each is a call into the SDK's single-threaded core,
// and service accounts have hourly limits): the vault and item are looked up
// once a run, or not at all when Known still names them; Set starts from the
// item the last Get read.
type Field struct {
	Client      func(context.Context) (API, error)
	Vault       string
	Item        string
	Field       string
	CreateField bool // add the field (concealed) when the item lacks it
	// Known are IDs an earlier run resolved (from the local record); they are
	// tried first and dropped when the item is not found under them any more.
	Known IDs

	ids  IDs      // resolved this run
	read *op.Item // the item as the last Get read it; the next Set starts from it
}

func (f *Field) String() string { return fmt.Sprintf("%s in %s/%s", f.Field, f.Vault, f.Item) }

// IDs are the vault and item IDs resolved this run (zero before the first read).
func (f *Field) IDs() IDs { return f.ids }

// Get reads the item afresh and returns the field's value.
func (f *Field) Get(ctx context.Context) (string, error) {
	item, err := f.load(ctx)
	if err != nil {
		return "", err
	}
	f.read = &item
	i, err := f.find(item)
	if err != nil {
		return "", err
	}
	return item.Fields[i].Value, nil
}

// Set writes value into the field, starting from the item the last Get read.
// A write that meets a stale version or a server conflict is applied once more
// to a fresh read; a second one is an error. It never loops further: service
// accounts have hourly write limits.
func (f *Field) Set(ctx context.Context, value string) error {
	item := f.read
	f.read = nil
	if item == nil {
		it, err := f.load(ctx)
		if err != nil {
			return err
		}
		item = &it
	}
	err := f.write(ctx, *item, value)
	if k := KindOf(err); k == KindStale || k == KindConflict {
		fresh, lerr := f.load(ctx)
		if lerr != nil {
			return lerr
		}
		err = f.write(ctx, fresh, value)
		if k := KindOf(err); k == KindStale || k == KindConflict {
			return fmt.Errorf("the item changed in 1Password while it was being written, twice; try again: %w", err)
		}
	}
	return err
}

// Writable says whether 1Password will take a write of the item the last Get
// read (or a fresh read): an item holding a field the SDK cannot edit is
// refused whole. Rotate can ask before it mints a key it could not store.
func (f *Field) Writable(ctx context.Context) error {
	item := f.read
	if item == nil {
		it, err := f.load(ctx)
		if err != nil {
			return err
		}
		f.read = &it
		item = &it
	}
	if unsupported(*item) {
		return f.unsupportedError()
	}
	return nil
}

// unsupported reports whether the item holds a field the SDK cannot edit:
// Put then fails with the core's "cannot update item {…}. Editing is not
// supported for unsupported fields," (core.wasm of SDK v0.4.1), whatever
// else changed. Get returns such a field with FieldType Unsupported
// (types.go:210), so zotkey can see it before it writes.
func unsupported(item op.Item) bool {
	return slices.ContainsFunc(item.Fields, func(f op.ItemField) bool { return f.FieldType == op.ItemFieldTypeUnsupported })
}

// client is f.Client's API with every error classified (an *Error, one line,
// redacted): the SDK's, and those of the tests' stand-in (optest.Memory), which
// answers with the core's texts as the SDK does. This is the one place an
// API's errors are classified.
func (f *Field) client(ctx context.Context) (API, error) {
	api, err := f.Client(ctx)
	if err != nil {
		return nil, err
	}
	return classified{api}, nil
}

type classified struct{ api API }

func (c classified) ListVaults(ctx context.Context) ([]op.VaultOverview, error) {
	v, err := c.api.ListVaults(ctx)
	return v, classify(err)
}
func (c classified) ListItems(ctx context.Context, vaultID string) ([]op.ItemOverview, error) {
	v, err := c.api.ListItems(ctx, vaultID)
	return v, classify(err)
}
func (c classified) GetItem(ctx context.Context, vaultID, itemID string) (op.Item, error) {
	v, err := c.api.GetItem(ctx, vaultID, itemID)
	return v, classify(err)
}
func (c classified) PutItem(ctx context.Context, item op.Item) (op.Item, error) {
	v, err := c.api.PutItem(ctx, item)
	return v, classify(err)
}

func (f *Field) unsupportedError() error {
	return &Error{Kind: KindUnsupported, msg: fmt.Sprintf("1Password cannot save item %s: it holds a field of a type the SDK does not support", f.Item)}
}

func (f *Field) write(ctx context.Context, item op.Item, value string) error {
	api, err := f.client(ctx)
	if err != nil {
		return err
	}
	if unsupported(item) {
		// Put would refuse the whole item (see unsupported): say so without
		// spending a write of the service account's hourly allowance.
		return f.unsupportedError()
	}
	i, err := f.find(item)
	switch {
	case err == nil:
		item.Fields[i].Value = value
	case errors.Is(err, store.ErrNotFound):
		addField(&item, f.Field, value)
	default:
		return err
	}
	_, err = api.PutItem(ctx, item)
	return err
}

// SectionTitle is the section zotkey files the fields it creates in.
const SectionTitle = "zotkey"

// addField adds a concealed field titled title to item, in the section titled
// SectionTitle (added when the item has none), as the SDK's examples file
// custom fields (example/service_account/main.go:66-99: a field with a
// SectionID and the section in Sections); the core refuses a custom field
// without one ("custom field with id '…' must be part of a section",
// core.wasm). The field's ID is generated: the core allows only
// alphanumerics, -, _, . and spaces in one, so the title cannot serve.
func addField(item *op.Item, title, value string) {
	var sectionID string
	for _, s := range item.Sections {
		if s.Title == SectionTitle {
			sectionID = s.ID
			break
		}
	}
	if sectionID == "" {
		sectionID = NewID()
		item.Sections = append(item.Sections, op.ItemSection{ID: sectionID, Title: SectionTitle})
	}
	item.Fields = append(item.Fields, op.ItemField{ID: NewID(), Title: title, FieldType: op.ItemFieldTypeConcealed, Value: value, SectionID: &sectionID})
}

// load reads the item: under the known IDs when they still lead to it, else
// after resolving the vault and item by title or ID (once a run).
func (f *Field) load(ctx context.Context) (op.Item, error) {
	api, err := f.client(ctx)
	if err != nil {
		return op.Item{}, err
	}
	if f.ids.ItemID == "" && f.Known.ItemID != "" {
		item, err := api.GetItem(ctx, f.Known.VaultID, f.Known.ItemID)
		switch {
		case err == nil && (item.ID == f.Item || item.Title == f.Item):
			f.ids = f.Known
			return item, nil
		case err != nil && (ctx.Err() != nil || KindOf(err) == KindRateLimit || KindOf(err) == KindNetwork || IsTimeout(err)):
			// Not an answer about the item: a timed-out read may still be
			// inside the SDK, and nothing else may be asked of the app.
			return op.Item{}, fmt.Errorf("reading item %s from 1Password: %w", f.Item, err)
		}
		// Renamed, moved or deleted: look it up afresh.
	}
	if f.ids.ItemID == "" {
		if err := f.resolve(ctx, api); err != nil {
			return op.Item{}, err
		}
	}
	item, err := api.GetItem(ctx, f.ids.VaultID, f.ids.ItemID)
	if err != nil {
		return op.Item{}, fmt.Errorf("reading item %s from 1Password: %w", f.Item, err)
	}
	return item, nil
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
		if it.State == op.ItemStateArchived { // listed despite ActiveOnly: never a match
			continue
		}
		is = append(is, match{it.ID, it.Title})
	}
	itemID, err := pick("item", f.Item, " in vault "+f.Vault, is, "--item")
	if err != nil {
		return err
	}
	f.ids = IDs{VaultID: vaultID, ItemID: itemID}
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

// NewID returns a random ID of 1Password's shape: 26 lower-case
// alphanumerics, as the SDK returns for vaults, items and fields (crypto/rand's
// Text is 26 base32 characters, 128 bits).
func NewID() string { return strings.ToLower(rand.Text()) }

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

// Concealed reports whether the field the last Get read is concealed (shown
// hidden in 1Password, left out of its exports), as a key's field should be.
func (f *Field) Concealed() (bool, error) {
	if f.read == nil {
		return false, errors.New("the field has not been read")
	}
	i, err := f.find(*f.read)
	if err != nil {
		return false, err
	}
	return f.read.Fields[i].FieldType == op.ItemFieldTypeConcealed, nil
}
