package keyring

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/testenv"
)

// TestMain runs the tests, or, with $ZOTKEY_TEST_SECURITY_STANDIN set, acts
// as /usr/bin/security built on Apple's own parsing (apple_test.go).
func TestMain(m *testing.M) {
	if os.Getenv(standInEnv) != "" {
		os.Exit(standInSecurity(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(testenv.Main(m))
}

// Against a real Secret Service (dbus + gnome-keyring).
func TestEntryRealKeyring(t *testing.T) {
	testenv.SecretService(t)
	ctx := context.Background()
	e := Entry{User: "zotkey-test-entry"}
	defer e.Delete(ctx)
	if _, err := e.Get(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("empty entry: %v, want ErrNotFound", err)
	}
	if out, err := store.Put(ctx, e, "value-1", false); err != nil || out != store.Written {
		t.Fatalf("put: %v %v", out, err)
	}
	if out, _ := store.Put(ctx, e, "value-1", false); out != store.Unchanged {
		t.Fatalf("same value again: %v", out)
	}
	if deleted, err := e.Delete(ctx); !deleted || err != nil {
		t.Fatalf("delete: %v %v", deleted, err)
	}
	if deleted, _ := e.Delete(ctx); deleted {
		t.Fatal("deleted twice")
	}
}
