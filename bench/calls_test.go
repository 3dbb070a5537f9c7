package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	op "github.com/1password/onepassword-sdk-go"
	"github.com/alecthomas/kong"

	"github.com/eblume/zotkey/internal/cli"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/onepassword/optest"
	"github.com/eblume/zotkey/internal/zot/zottest"
)

// Each 1Password call is a round trip through the SDK's single-threaded WASM
// core (about 0.5 s each, reported elsewhere) and counts against a service
// account's hourly limits. callCases are the commands counted, with their
// ceilings: cold (no IDs in the local record) and warm (the record names the
// vault and item).
var callCases = []struct {
	name    string
	warm    bool
	args    []string
	newKey  bool // pipe a new valid key on stdin
	ceiling int
}{
	{"set", false, []string{"set"}, true, 5},
	{"rotate", false, []string{"rotate"}, false, 5},
	{"set-warm", true, []string{"set"}, true, 3},
	{"rotate-warm", true, []string{"rotate"}, false, 3},
	{"status-check-warm", true, []string{"status", "--check"}, false, 1},
}

// counting counts the calls that reach 1Password.
type counting struct {
	onepassword.API
	n *atomic.Int64
}

func (c counting) ListVaults(ctx context.Context) ([]op.VaultOverview, error) {
	c.n.Add(1)
	return c.API.ListVaults(ctx)
}
func (c counting) ListItems(ctx context.Context, vaultID string) ([]op.ItemOverview, error) {
	c.n.Add(1)
	return c.API.ListItems(ctx, vaultID)
}
func (c counting) GetItem(ctx context.Context, vaultID, itemID string) (op.Item, error) {
	c.n.Add(1)
	return c.API.GetItem(ctx, vaultID, itemID)
}
func (c counting) PutItem(ctx context.Context, item op.Item) (op.Item, error) {
	c.n.Add(1)
	return c.API.PutItem(ctx, item)
}

// world is a fake zot and an in-memory 1Password whose field holds a valid key.
type world struct {
	zot   *zottest.Server
	op    *optest.Memory
	calls atomic.Int64
	state string
}

func newWorld(tb testing.TB) *world {
	tb.Helper()
	w := &world{zot: zottest.New(), state: tb.TempDir()}
	tb.Cleanup(w.zot.Close)
	w.zot.AddUser("zot-ci", "pw")
	cur, _ := w.zot.AddKey("zot-ci", time.Now().Add(30*24*time.Hour))
	sec := "c5rvnqwvd3dkhpdy7wotcxgdtq"
	w.op = &optest.Memory{
		Vaults: []op.VaultOverview{{ID: "k6ayrbpyqmbkt3bwiwbcmtxxle", Title: "blumeops"}},
		Items: []op.Item{{ID: "q3eoihnxmtwp7tq4cqyx7l6fbu", Title: "Forgejo Secrets", VaultID: "k6ayrbpyqmbkt3bwiwbcmtxxle",
			Category: op.ItemCategoryLogin, Version: 1, Sections: []op.ItemSection{{ID: sec, Title: "tokens"}},
			Fields: []op.ItemField{{ID: "wbtnbzpfk3yrfqnnbxm2rjklxe", Title: "zot-ci-api", FieldType: op.ItemFieldTypeConcealed, Value: cur, SectionID: &sec}}}},
	}
	return w
}

// run runs one zotkey command in this process and returns its 1Password calls.
func (w *world) run(tb testing.TB, stdin string, args ...string) int {
	tb.Helper()
	in := filepath.Join(tb.TempDir(), "stdin")
	if err := os.WriteFile(in, []byte(stdin), 0o600); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	vars := map[string]string{"XDG_STATE_HOME": w.state, "HOME": w.state, "OP_SERVICE_ACCOUNT_TOKEN": "ops_unused"}
	var stderr bytes.Buffer
	env := &cli.Env{
		Ctx: context.Background(), Stdin: f, Stdout: &bytes.Buffer{}, Stderr: &stderr,
		Getenv: func(k string) string { return vars[k] }, Now: time.Now, Version: "bench",
		Connect: func(context.Context, onepassword.Auth) (onepassword.API, error) {
			return counting{w.op, &w.calls}, nil
		},
	}
	var c cli.CLI
	parser, err := cli.NewParser(&c, env, kong.Exit(func(int) { tb.Fatalf("zotkey %v exited", args) }))
	if err != nil {
		tb.Fatal(err)
	}
	full := append([]string{"--store", "onepassword", "--registry", w.zot.URL, "--user", "zot-ci"}, args...)
	kctx, err := parser.Parse(full)
	if err != nil {
		tb.Fatal(err)
	}
	w.calls.Store(0)
	if err := kctx.Run(&c.Globals, env, parser); err != nil {
		tb.Fatalf("zotkey %v: %v\n%s", args, err, stderr.String())
	}
	return int(w.calls.Load())
}

// measureCalls sets up a world (warm: after one set, so the record holds the
// IDs) and counts the calls of one command.
func measureCalls(tb testing.TB, warm bool, args []string, newKey bool) int {
	w := newWorld(tb)
	key := func() string {
		k, _ := w.zot.AddKey("zot-ci", time.Now().Add(30*24*time.Hour))
		return k
	}
	if warm {
		w.run(tb, key(), "set")
	}
	stdin := ""
	if newKey {
		stdin = key()
	}
	return w.run(tb, stdin, args...)
}

// TestCallCeilings keeps the 1Password round trips of each command at or
// under its ceiling, so a change that adds a call fails the suite.
func TestCallCeilings(t *testing.T) {
	for _, c := range callCases {
		if n := measureCalls(t, c.warm, c.args, c.newKey); n > c.ceiling {
			t.Errorf("%s: %d 1Password calls, ceiling %d", c.name, n, c.ceiling)
		} else {
			t.Logf("%s: %d 1Password calls (ceiling %d)", c.name, n, c.ceiling)
		}
	}
}

// BenchmarkCalls reports each command's 1Password calls as op-calls:
//
//	go test ./bench -run '^$' -bench Calls -benchtime 1x
func BenchmarkCalls(b *testing.B) {
	for _, c := range callCases {
		b.Run(c.name, func(b *testing.B) {
			var n int
			for i := 0; i < b.N; i++ {
				n = measureCalls(b, c.warm, c.args, c.newKey)
			}
			b.ReportMetric(float64(n), "op-calls")
			b.ReportMetric(float64(c.ceiling), "ceiling")
		})
	}
}
