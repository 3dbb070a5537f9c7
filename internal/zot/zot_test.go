package zot_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/testenv"
	"github.com/eblume/zotkey/internal/zot"
	"github.com/eblume/zotkey/internal/zot/zottest"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func newClient(t *testing.T, url, user string) *zot.Client {
	t.Helper()
	c, err := zot.New(url, user, 5*time.Second, false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustKey(t *testing.T, s string) key.Key {
	t.Helper()
	k, err := key.Parse([]byte(s), key.Zot)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The check against a real OCI registry (docker-registry with htpasswd), the
// same 200/401 contract as zot's /v2/.
func TestCheckRealRegistry(t *testing.T) {
	secret := testenv.NewKey()
	url := testenv.Registry(t, "zot-ci", secret)
	ctx := context.Background()
	if err := newClient(t, url, "zot-ci").Check(ctx, mustKey(t, secret)); err != nil {
		t.Fatalf("valid key: %v", err)
	}
	err := newClient(t, url, "zot-ci").Check(ctx, mustKey(t, testenv.NewKey()))
	if !errors.Is(err, zot.ErrRejected) {
		t.Fatalf("wrong key: %v, want rejected", err)
	}
	if err := newClient(t, url, "someone").Check(ctx, mustKey(t, secret)); !errors.Is(err, zot.ErrRejected) {
		t.Fatalf("wrong user: %v, want rejected", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatal("error text holds the key")
	}
}

func TestKeyLifecycle(t *testing.T) {
	srv := zottest.New()
	defer srv.Close()
	secret, uuid := srv.AddKey("zot-ci", time.Now().Add(time.Hour))
	cur := mustKey(t, secret)
	c := newClient(t, srv.URL, "zot-ci")
	ctx := context.Background()

	keys, err := c.List(ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	if caller := newestUse(keys); caller.UUID != uuid {
		t.Fatalf("caller %+v, want %s", caller, uuid)
	}
	exp := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second)
	created, err := c.Create(ctx, cur, "zotkey test", []string{"repo:read", "ci"}, exp)
	if err != nil {
		t.Fatal(err)
	}
	if !created.ExpirationDate.Equal(exp) || created.UUID == "" || created.Label != "zotkey test" ||
		!slices.Equal(created.Scopes, []string{"repo:read", "ci"}) || created.CreatorUA != "zotkey" || created.GeneratedBy != "manual" {
		t.Fatalf("created %+v", created.APIKey)
	}
	if got := srv.Scopes(created.UUID); !slices.Equal(got, []string{"repo:read", "ci"}) {
		t.Fatalf("server holds scopes %q", got)
	}
	if err := c.Check(ctx, created.Key); err != nil {
		t.Fatalf("new key: %v", err)
	}
	// The new key lists itself as the caller.
	keys, _ = c.List(ctx, created.Key)
	if caller := newestUse(keys); caller.UUID != created.UUID {
		t.Fatalf("caller after using the new key: %s", caller.UUID)
	}
	if e, _ := zot.Find(keys, created.UUID); !slices.Equal(e.Scopes, []string{"repo:read", "ci"}) {
		t.Fatalf("listed scopes %q", e.Scopes)
	}
	if err := c.Revoke(ctx, created.Key, uuid); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(ctx, cur); !errors.Is(err, zot.ErrRejected) {
		t.Fatalf("revoked key: %v", err)
	}
	if _, err := c.Create(ctx, created.Key, "past", nil, time.Now().Add(-time.Hour)); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("past expiry: %v", err)
	}
}

// newestUse is the key with the latest lastUsed: the caller, since zot stamps
// it while authenticating, before it reads the list.
func newestUse(keys []zot.APIKey) zot.APIKey {
	return slices.MaxFunc(keys, func(a, b zot.APIKey) int { return a.LastUsed.Compare(b.LastUsed) })
}
