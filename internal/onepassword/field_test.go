package onepassword

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/store"
)

func seeded() *Memory {
	sec := "s1"
	return &Memory{
		Vaults: []op.VaultOverview{{ID: "v1", Title: "blumeops"}, {ID: "v2", Title: "blumeops-archive"}},
		Items: []op.Item{{
			ID: "i1", Title: "Forgejo Secrets", VaultID: "v1", Category: op.ItemCategoryLogin, Version: 3,
			Notes: "notes stay", Tags: []string{"a", "b"},
			Sections: []op.ItemSection{{ID: sec, Title: "tokens"}},
			Websites: []op.Website{{URL: "https://forgejo.example", Label: "website", AutofillBehavior: op.AutofillBehaviorAnywhereOnWebsite}},
			Fields: []op.ItemField{
				{ID: "username", Title: "username", FieldType: op.ItemFieldTypeText, Value: "admin"},
				{ID: "f1", Title: "zot-ci-api", FieldType: op.ItemFieldTypeConcealed, Value: "old", SectionID: &sec},
				{ID: "f2", Title: "other", FieldType: op.ItemFieldTypeConcealed, Value: "keep", SectionID: &sec},
			},
		}, {ID: "i2", Title: "Same", VaultID: "v1"}, {ID: "i3", Title: "Same", VaultID: "v1"}},
	}
}

func field(m *Memory, vault, item, name string) *Field {
	return &Field{Client: func(context.Context) (API, error) { return m, nil }, Vault: vault, Item: item, Field: name}
}

func TestFieldWritesOnlyItsValue(t *testing.T) {
	m := seeded()
	before, _ := m.GetItem(context.Background(), "v1", "i1")
	f := field(m, "blumeops", "Forgejo Secrets", "zot-ci-api")
	if out, err := store.Put(context.Background(), f, "new", false); err != nil || out != store.Written {
		t.Fatalf("Put: %v %v", out, err)
	}
	after, _ := m.GetItem(context.Background(), "v1", "i1")
	if after.Fields[1].Value != "new" {
		t.Fatalf("value not written")
	}
	after.Fields[1].Value = "old"
	after.Version = before.Version
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("other parts of the item changed:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestFieldByID(t *testing.T) {
	m := seeded()
	if v, err := field(m, "v1", "i1", "f1").Get(context.Background()); err != nil || v != "old" {
		t.Fatalf("by ID: %q %v", v, err)
	}
}

func TestFieldLookupErrors(t *testing.T) {
	cases := []struct{ vault, item, field, want string }{
		{"nope", "Forgejo Secrets", "zot-ci-api", `no vault titled or with ID "nope" (found: "blumeops" ID v1, "blumeops-archive" ID v2)`},
		{"blumeops", "nope", "zot-ci-api", `no item titled or with ID "nope" in vault blumeops`},
		{"blumeops", "Same", "zot-ci-api", `2 items are titled "Same" in vault blumeops ("Same" ID i2, "Same" ID i3): pass --item with the ID`},
		{"blumeops", "Forgejo Secrets", "nope", `pass --create-field to add it`},
	}
	for _, c := range cases {
		_, err := field(seeded(), c.vault, c.item, c.field).Get(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s/%s/%s: %v, want %q", c.vault, c.item, c.field, err, c.want)
		}
	}
}

func TestFieldCreate(t *testing.T) {
	m := seeded()
	f := field(m, "blumeops", "Forgejo Secrets", "new-field")
	f.CreateField = true
	if _, err := f.Get(context.Background()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing field with --create-field: %v, want ErrNotFound", err)
	}
	if _, err := store.Put(context.Background(), f, "v", false); err != nil {
		t.Fatal(err)
	}
	it, _ := m.GetItem(context.Background(), "v1", "i1")
	last := it.Fields[len(it.Fields)-1]
	if last.Title != "new-field" || last.FieldType != op.ItemFieldTypeConcealed || last.Value != "v" {
		t.Fatalf("created field %+v", last)
	}
}

func TestFieldConflictRetriedOnce(t *testing.T) {
	m := seeded()
	m.Faults.Conflicts = 1
	f := field(m, "blumeops", "Forgejo Secrets", "zot-ci-api")
	if err := f.Set(context.Background(), "new"); err != nil {
		t.Fatalf("one conflict: %v", err)
	}
	m.Faults.Conflicts = 2
	err := f.Set(context.Background(), "newer")
	if err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("two conflicts: %v", err)
	}
	if m.Faults.Conflicts != 0 {
		t.Fatalf("wrote %d more times than allowed", 2-m.Faults.Conflicts)
	}
	if v, _ := f.Get(context.Background()); v != "new" {
		t.Fatalf("value after failed write: %q", v)
	}
}

func TestFieldStaleVersionIsAConflict(t *testing.T) {
	m := seeded()
	it, _ := m.GetItem(context.Background(), "v1", "i1")
	it.Notes = "someone else"
	if _, err := m.PutItem(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	if _, err := m.PutItem(context.Background(), it); err == nil || !isConflict(err) {
		t.Fatalf("stale write: %v", err)
	}
}

func TestResolveAuth(t *testing.T) {
	none := func() (string, error) { return "", store.ErrNotFound }
	if a, _ := ResolveAuth(CredentialSource{KeyringToken: func() (string, error) { return "ops_k", nil }, EnvToken: "ops_e"}); a.Token != "ops_k" {
		t.Errorf("keyring token should win over the environment: %+v", a)
	}
	if a, _ := ResolveAuth(CredentialSource{KeyringToken: none, EnvToken: "ops_e"}); a.Token != "ops_e" {
		t.Errorf("environment token: %+v", a)
	}
	_, err := ResolveAuth(CredentialSource{KeyringToken: none})
	for _, want := range []string{"--op-account", "zotkey token set", "OP_SERVICE_ACCOUNT_TOKEN"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("no credentials: %v, want mention of %s", err, want)
		}
	}
	a, err := ResolveAuth(CredentialSource{Account: "me", EnvToken: "ops_e"})
	if cgoEnabled && a.Account != "me" {
		t.Errorf("--op-account should win: %+v %v", a, err)
	}
	if !cgoEnabled && (err == nil || !strings.Contains(err.Error(), "cgo")) {
		t.Errorf("without cgo --op-account must say so: %v", err)
	}
}
