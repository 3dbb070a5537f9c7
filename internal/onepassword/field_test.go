package onepassword

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/onepassword/optest"
	"github.com/eblume/zotkey/internal/store"
)

// IDs of the seeded state, shaped like 1Password's.
const (
	vault1  = "k6ayrbpyqmbkt3bwiwbcmtxxle"
	vault2  = "zq4ah7nhrdnfvn6ge2sbzavkmi"
	item1   = "q3eoihnxmtwp7tq4cqyx7l6fbu"
	twinA   = "a2fk6svhdumlewh2lqqpkbvdtu"
	twinB   = "m7jzuo4pcdyt4jftzhhxbgxtvy"
	section = "c5rvnqwvd3dkhpdy7wotcxgdtq"
	field1  = "wbtnbzpfk3yrfqnnbxm2rjklxe"
)

func seeded() *optest.Memory {
	sec := section
	return &optest.Memory{
		Vaults: []op.VaultOverview{{ID: vault1, Title: "blumeops"}, {ID: vault2, Title: "blumeops-archive"}},
		Items: []op.Item{{
			ID: item1, Title: "Forgejo Secrets", VaultID: vault1, Category: op.ItemCategoryLogin, Version: 3,
			Notes: "notes stay", Tags: []string{"a", "b"},
			Sections: []op.ItemSection{{ID: sec, Title: "tokens"}},
			Websites: []op.Website{{URL: "https://forgejo.example", Label: "website", AutofillBehavior: op.AutofillBehaviorAnywhereOnWebsite}},
			Fields: []op.ItemField{
				{ID: "username", Title: "username", FieldType: op.ItemFieldTypeText, Value: "admin"},
				{ID: field1, Title: "zot-ci-api", FieldType: op.ItemFieldTypeConcealed, Value: "old", SectionID: &sec},
				{ID: "j3qlm5hdzkxq2atvhfnbxgjdyu", Title: "other", FieldType: op.ItemFieldTypeConcealed, Value: "keep", SectionID: &sec},
			},
		}, {ID: twinA, Title: "Same", VaultID: vault1}, {ID: twinB, Title: "Same", VaultID: vault1}},
	}
}

func field(m API, vault, item, name string) *Field {
	return &Field{Client: func(context.Context) (API, error) { return m, nil }, Vault: vault, Item: item, Field: name}
}

func get(t *testing.T, m *optest.Memory) op.Item {
	t.Helper()
	it, err := m.GetItem(context.Background(), vault1, item1)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func TestFieldWritesOnlyItsValue(t *testing.T) {
	m := seeded()
	before := get(t, m)
	f := field(m, "blumeops", "Forgejo Secrets", "zot-ci-api")
	if out, err := store.Put(context.Background(), f, "new", false); err != nil || out != store.Written {
		t.Fatalf("Put: %v %v", out, err)
	}
	after := get(t, m)
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
	if v, err := field(m, vault1, item1, field1).Get(context.Background()); err != nil || v != "old" {
		t.Fatalf("by ID: %q %v", v, err)
	}
}

func TestFieldLookupErrors(t *testing.T) {
	cases := []struct{ vault, item, field, want string }{
		{"nope", "Forgejo Secrets", "zot-ci-api", `no vault titled or with ID "nope" (found: "blumeops" ID ` + vault1 + `, "blumeops-archive" ID ` + vault2 + `)`},
		{"blumeops", "nope", "zot-ci-api", `no item titled or with ID "nope" in vault blumeops`},
		{"blumeops", "Same", "zot-ci-api", `2 items are titled "Same" in vault blumeops ("Same" ID ` + twinA + `, "Same" ID ` + twinB + `): pass --item with the ID`},
		{"blumeops", "Forgejo Secrets", "nope", `pass --create-field to add it`},
	}
	for _, c := range cases {
		_, err := field(seeded(), c.vault, c.item, c.field).Get(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s/%s/%s: %v, want %q", c.vault, c.item, c.field, err, c.want)
		}
	}
}

// An archived item is not listed, so it is not found by title.
func TestFieldArchivedItemNotListed(t *testing.T) {
	m := seeded()
	m.Archived = []string{item1}
	_, err := field(m, "blumeops", "Forgejo Secrets", "zot-ci-api").Get(context.Background())
	if err == nil || !strings.Contains(err.Error(), `no item titled or with ID "Forgejo Secrets"`) {
		t.Fatalf("archived item: %v", err)
	}
}

func TestFieldCreate(t *testing.T) {
	m := seeded()
	f := field(m, "blumeops", "Forgejo Secrets", "zot key (CI): main/ci@example")
	f.CreateField = true
	if _, err := f.Get(context.Background()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing field with --create-field: %v, want ErrNotFound", err)
	}
	if _, err := store.Put(context.Background(), f, "v", false); err != nil {
		t.Fatal(err)
	}
	it := get(t, m)
	last := it.Fields[len(it.Fields)-1]
	if last.Title != f.Field || last.FieldType != op.ItemFieldTypeConcealed || last.Value != "v" {
		t.Fatalf("created field %+v", last)
	}
	if !regexp.MustCompile(`^[a-z0-9]{26}$`).MatchString(last.ID) {
		t.Fatalf("created field ID %q is not of 1Password's shape", last.ID)
	}
	if last.SectionID == nil || !slices.ContainsFunc(it.Sections, func(s op.ItemSection) bool { return s.ID == *last.SectionID && s.Title == SectionTitle }) {
		t.Fatalf("the new field is not in a section titled %s: %v (sections %+v)", SectionTitle, last.SectionID, it.Sections)
	}
	if v, err := f.Get(context.Background()); err != nil || v != "v" {
		t.Fatalf("created field found by title: %q %v", v, err)
	}
}

func TestFieldConflictRetriedOnce(t *testing.T) {
	for _, fault := range []string{"conflicts", "stale"} {
		m := seeded()
		setFault := func(n int) {
			if fault == "stale" {
				m.Faults.Stale = n
			} else {
				m.Faults.Conflicts = n
			}
		}
		setFault(1)
		f := field(m, "blumeops", "Forgejo Secrets", "zot-ci-api")
		if err := f.Set(context.Background(), "new"); err != nil {
			t.Fatalf("%s: one: %v", fault, err)
		}
		setFault(2)
		err := f.Set(context.Background(), "newer")
		if err == nil || !strings.Contains(err.Error(), "twice") {
			t.Fatalf("%s: two in a row: %v", fault, err)
		}
		if m.Faults.Conflicts != 0 || m.Faults.Stale != 0 {
			t.Fatalf("%s: wrote fewer times than expected", fault)
		}
		if v, _ := f.Get(context.Background()); v != "new" {
			t.Fatalf("%s: value after failed write: %q", fault, v)
		}
	}
}

// A write from a read another writer overtook fails with the core's text.
func TestMemoryStaleVersion(t *testing.T) {
	m := seeded()
	it := get(t, m)
	it.Notes = "someone else"
	if _, err := m.PutItem(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	_, err := m.PutItem(context.Background(), it)
	if err = classify(err); KindOf(err) != KindStale || err.Error() != optest.StaleText {
		t.Fatalf("stale write: %v", err)
	}
}

func TestMemoryRateLimitIsTyped(t *testing.T) {
	m := seeded()
	m.Faults.RateLimited = true
	_, err := field(m, "blumeops", "Forgejo Secrets", "zot-ci-api").Get(context.Background())
	var rl *op.RateLimitExceededError
	if !errors.As(err, &rl) || KindOf(err) != KindRateLimit {
		t.Fatalf("rate limit: %T %v", err, err)
	}
	if !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("rate limit text: %v", err)
	}
}

func TestMemoryValidatesWrites(t *testing.T) {
	cases := map[string]func(*op.Item){
		"field id 'a/b' must contain only alphanumeric characters": func(it *op.Item) {
			it.Fields = append(it.Fields, op.ItemField{ID: "a/b", Title: "x", FieldType: op.ItemFieldTypeText, SectionID: &it.Sections[0].ID})
		},
		"custom field with id 'nosection' must be part of a section": func(it *op.Item) {
			it.Fields = append(it.Fields, op.ItemField{ID: "nosection", Title: "x", FieldType: op.ItemFieldTypeConcealed})
		},
		"field 'typo' had an unsupported field type": func(it *op.Item) {
			it.Fields = append(it.Fields, op.ItemField{ID: "typo", Title: "x", FieldType: "Passkey", SectionID: &it.Sections[0].ID})
		},
		"cannot update item " + item1 + ". Editing is not supported for unsupported fields,": func(it *op.Item) {
			it.Fields[2].FieldType = op.ItemFieldTypeUnsupported
		},
		"duplicate field ids":   func(it *op.Item) { it.Fields = append(it.Fields, it.Fields[0]) },
		"duplicate section ids": func(it *op.Item) { it.Sections = append(it.Sections, it.Sections[0]) },
		"but no section with this id exists": func(it *op.Item) {
			s := "nosuchsection"
			it.Fields[0].SectionID = &s
		},
		"empty tags":     func(it *op.Item) { it.Tags = append(it.Tags, "") },
		"spaces or tabs": func(it *op.Item) { it.Tags = append(it.Tags, " \t") },
		"non-ascii":      func(it *op.Item) { it.Tags = append(it.Tags, "café") },
		"duplicate tags": func(it *op.Item) { it.Tags = append(it.Tags, "a") },
	}
	for want, change := range cases {
		m := seeded()
		it := get(t, m)
		change(&it)
		if _, err := m.PutItem(context.Background(), it); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
		if m.Puts != 0 {
			t.Errorf("%s: written", want)
		}
	}
}

// Known IDs save the lookup; when they lead nowhere (deleted, moved) or to an
// item of another title (renamed), the item is looked up afresh.
func TestFieldKnownIDs(t *testing.T) {
	m := seeded()
	f := field(m, "blumeops", "Forgejo Secrets", "zot-ci-api")
	f.Known = IDs{VaultID: vault1, ItemID: item1}
	if _, err := f.Get(context.Background()); err != nil || m.Calls != 1 {
		t.Fatalf("warm read: %v, %d calls, want 1", err, m.Calls)
	}
	for name, known := range map[string]IDs{
		"gone":    {VaultID: vault1, ItemID: "nosuchitemnosuchitemnosuch"},
		"moved":   {VaultID: vault2, ItemID: item1},
		"renamed": {VaultID: vault1, ItemID: twinA},
	} {
		m := seeded()
		f := field(m, "blumeops", "Forgejo Secrets", "zot-ci-api")
		f.Known = known
		v, err := f.Get(context.Background())
		if err != nil || v != "old" || f.IDs() != (IDs{vault1, item1}) {
			t.Errorf("%s: %q %v %+v", name, v, err, f.IDs())
		}
	}
}

// Set starts from the item Get read; the read-back is a separate read.
func TestFieldPutCalls(t *testing.T) {
	m := seeded()
	f := field(m, "blumeops", "Forgejo Secrets", "zot-ci-api")
	if _, err := store.Put(context.Background(), f, "new", false); err != nil {
		t.Fatal(err)
	}
	if m.Calls != 5 { // list vaults, list items, get, put, get
		t.Fatalf("cold Put: %d calls, want 5", m.Calls)
	}
}

func TestResolveAuth(t *testing.T) {
	none := func() (string, error) { return "", store.ErrNotFound }
	if a, _ := ResolveAuth(CredentialSource{KeyringToken: func() (string, error) { return "ops_k", nil }, EnvToken: "ops_e"}); a.Token != "ops_e" || a.Source != SourceEnv {
		t.Errorf("the environment's token should win over the keyring's: %+v", a)
	}
	if a, _ := ResolveAuth(CredentialSource{KeyringToken: func() (string, error) { return "ops_k", nil }}); a.Token != "ops_k" || a.Source != SourceKeyring {
		t.Errorf("keyring token: %+v", a)
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

func TestCheckToken(t *testing.T) {
	good := optest.FakeToken("my.1password.com")
	if err := CheckToken(good); err != nil {
		t.Fatalf("plausible token: %v", err)
	}
	for name, tok := range map[string]string{
		"no prefix": "eyJzaWduSW5BZGRyZXNzIjoibXkuMXBhc3N3b3JkLmNvbSJ9",
		"truncated": good[:len(good)/2],
		"cut by 1":  good[:len(good)-1],
		"partial":   "ops_eyJzaWduSW5BZGRyZXNzIjoibXkuMXBhc3N3b3JkLmNvbSJ9",
		"not b64":   "ops_!!!!",
	} {
		err := CheckToken(tok)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if len(tok) > 8 && strings.Contains(err.Error(), tok[4:12]) {
			t.Errorf("%s: the error quotes the token: %v", name, err)
		}
	}
}

func TestClassifyOneLine(t *testing.T) {
	raw := errors.New("error initializing client: HTTP request to 'https://127.0.0.1:1/api/v3/auth/start?' is not allowed (recovered by wazero)\nwasm stack trace:\n\textism:host/env.http_request(i64,i64) i64")
	err := classify(raw)
	if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "wazero") || KindOf(err) != KindNetwork {
		t.Fatalf("classify: %q kind %v", err, KindOf(err))
	}
	if h := err.(*Error).Hint(); !strings.Contains(h, "connection to 1Password") {
		t.Fatalf("network hint: %q", h)
	}
	for text, kind := range map[string]Kind{
		"incorrect item version": KindStale,
		optest.StaleText:         KindStale,
		"cannot update item x. Editing is not supported for unsupported fields,":                                        KindUnsupported,
		"data conflict occurred on the server: x":                                                                       KindConflict,
		"invalid user input: encountered the following errors: integration version was too long. Max allowed: 20 chars": KindInput,
		"resource not found": KindNotFound,
	} {
		if k := KindOf(classify(errors.New(text))); k != kind {
			t.Errorf("%q: kind %v, want %v", text, k, kind)
		}
	}
}

// An item holding a field the SDK cannot edit is not written: Put would
// refuse it (core.wasm: "cannot update item … Editing is not supported for
// unsupported fields,"), so Set says what to change without trying.
func TestFieldRefusesItemsWithUnsupportedFields(t *testing.T) {
	m := seeded()
	m.Items[0].Fields[2].FieldType = op.ItemFieldTypeUnsupported
	f := field(m, "blumeops", "Forgejo Secrets", "zot-ci-api")
	_, err := store.Put(context.Background(), f, "new", false)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindUnsupported || !strings.Contains(e.Hint(), "remove that field or move it to another item") {
		t.Fatalf("err %v", err)
	}
	if m.Puts != 0 || get(t, m).Fields[1].Value != "old" {
		t.Fatal("written")
	}
	// Reading the key still works, and Writable tells before a write.
	if v, err := f.Get(context.Background()); err != nil || v != "old" {
		t.Fatalf("get: %q %v", v, err)
	}
	if err := f.Writable(context.Background()); KindOf(err) != KindUnsupported {
		t.Fatalf("writable: %v", err)
	}
	if err := field(seeded(), "blumeops", "Forgejo Secrets", "zot-ci-api").Writable(context.Background()); err != nil {
		t.Fatalf("writable, a plain item: %v", err)
	}
}

// A second created field reuses zotkey's section.
func TestFieldCreateReusesItsSection(t *testing.T) {
	m := seeded()
	for _, name := range []string{"one", "two"} {
		f := field(m, "blumeops", "Forgejo Secrets", name)
		f.CreateField = true
		if _, err := store.Put(context.Background(), f, "v", false); err != nil {
			t.Fatal(err)
		}
	}
	it := get(t, m)
	n := 0
	for _, s := range it.Sections {
		if s.Title == SectionTitle {
			n++
		}
	}
	a, b := it.Fields[len(it.Fields)-2], it.Fields[len(it.Fields)-1]
	if n != 1 || *a.SectionID != *b.SectionID {
		t.Fatalf("%d zotkey sections; fields in %s and %s", n, *a.SectionID, *b.SectionID)
	}
}
