package onepassword

import (
	"context"
	"strings"
	"testing"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/onepassword/optest"
)

// TestRealSDKIntegrationVersion runs the real SDK's core (in this process,
// loaded once) with a token that opens no account and names 127.0.0.1:1 as
// its sign-in address, which the SDK refuses to contact (see FakeToken): the
// raw pseudo-version is refused before any network use, so a regression to
// passing it on is caught here; what Connect passes gets as far as the network.
func TestRealSDKIntegrationVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: loading the SDK's core takes seconds (-short)")
	}
	const pseudo = "v0.0.0-20261126211528-bce09d37e96b+dirty"
	ctx := context.Background()
	tok := optest.FakeToken("127.0.0.1:1")

	_, err := op.NewClient(ctx, op.WithServiceAccountToken(tok), op.WithIntegrationInfo("zotkey", pseudo))
	if err == nil || !strings.Contains(err.Error(), "invalid user input") {
		t.Fatalf("the SDK took integration version %q: %v", pseudo, err)
	}
	t.Logf("raw pseudo-version: %v", err)

	_, err = Connect(ctx, Auth{Token: tok}, pseudo)
	if KindOf(err) != KindNetwork || strings.Contains(err.Error(), "invalid user input") {
		t.Fatalf("Connect: %v (kind %v), want a network failure", err, KindOf(err))
	}
	t.Logf("Connect: %v", err)
}
