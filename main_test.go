package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/eblume/zotkey/internal/cli"
	"github.com/eblume/zotkey/internal/harden"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/keyring"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/testenv"
	"github.com/eblume/zotkey/internal/zot/zottest"
)

// withTestMain runs the shared parts' cleanup after the tests.
type withTestMain struct{ m *testing.M }

func (w withTestMain) Run() int { return testenv.Main(w.m) }

func TestMain(m *testing.M) {
	os.Exit(testscript.RunMain(withTestMain{m}, map[string]func() int{"zotkey": testZotkey, "awaitseen": awaitSeen}))
}

// testZotkey is the zotkey binary as the scripts run it: the real main, except
// that 1Password, which cannot be reached from a test, is the in-memory fake
// kept in $ZOTKEY_TEST_OP_STATE. Each client it creates is logged to
// $ZOTKEY_TEST_OP_CONNECTS, so scripts can prove a path never loads the core.
func testZotkey() int {
	if err := harden.Process(); err != nil { // as main does
		return cli.Report(os.Stderr, err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	env := cli.DefaultEnv(ctx, "test")
	env.FishFunction = fishFunction
	env.MiseTask = miseTask
	if state := os.Getenv("ZOTKEY_TEST_OP_STATE"); state != "" {
		env.Connect = func(ctx context.Context, a onepassword.Auth) (onepassword.API, error) {
			if log := os.Getenv("ZOTKEY_TEST_OP_CONNECTS"); log != "" {
				f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
				if err == nil {
					fmt.Fprintln(f, "connect", strings.Join(os.Args[1:], " "))
					f.Close()
				}
			}
			return onepassword.File{Path: state}, nil
		}
	}
	code := run(os.Args[1:], env) // run handles signals, as in main
	if !awaitScanned("zotkey", os.Getpid()) {
		fmt.Fprintln(os.Stderr, "awaitseen: the exposure scan did not read this zotkey within 10s")
	}
	return code
}

// TestScripts runs testdata/script/<area>/<behaviour>.txtar, one subtest per
// area (go test . -run 'TestScripts/rotate/'), since testscript reads one
// directory without recursing. Scripts still at the top of testdata/script
// (new ones, until they are moved into their area) run under TestScripts/top.
func TestScripts(t *testing.T) {
	const root = "testdata/script"
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	params := func(dir string) testscript.Params {
		return testscript.Params{
			Dir:                 dir,
			RequireExplicitExec: true,
			RequireUniqueNames:  true,
			Setup:               setupScript,
			Condition:           scriptCondition,
			Cmds:                scriptCmds,
		}
	}
	top := false
	for _, e := range entries {
		switch {
		case e.IsDir():
			t.Run(e.Name(), func(t *testing.T) {
				t.Parallel()
				testscript.Run(t, params(filepath.Join(root, e.Name())))
			})
		case strings.HasSuffix(e.Name(), ".txtar"):
			top = true
		}
	}
	if top {
		t.Run("top", func(t *testing.T) {
			t.Parallel()
			testscript.Run(t, params(root))
		})
	}
}

const testUser = "zot-ci"

type scriptState struct {
	zot  *zottest.Server
	key  string // the valid current key, also in $WORK/key.txt
	scan *exposureScan
}

func setupScript(env *testscript.Env) error {
	work := env.WorkDir
	for _, kv := range [][2]string{
		{"HOME", filepath.Join(work, "home")},
		{"XDG_STATE_HOME", filepath.Join(work, "home", ".local", "state")},
		{"ZOTKEY_TEST_OP_STATE", filepath.Join(work, "op.json")},
		{"ZOTKEY_TEST_OP_CONNECTS", filepath.Join(work, "op-connects.log")},
		{"ZOTKEY_USER", testUser},
		{"OP_SERVICE_ACCOUNT_TOKEN", "ops_fake-service-account-token"},
	} {
		env.Setenv(kv[0], kv[1])
	}
	// $ZOTKEY_BINDIR holds only the zotkey under test, for scripts that need a
	// PATH without the usual tools.
	if bin, err := exec.LookPath("zotkey"); err == nil {
		env.Setenv("ZOTKEY_BINDIR", filepath.Dir(bin))
	}
	if err := os.MkdirAll(filepath.Join(work, "home"), 0o700); err != nil {
		return err
	}
	// Each script gets its own Secret Service, so scripts running in parallel
	// never share keyring entries.
	if testenv.Missing("keyring", "dbus-daemon", "gnome-keyring-daemon", "secret-tool") == nil {
		ssEnv, stop, err := testenv.NewSecretService()
		if err != nil {
			return err
		}
		env.Defer(stop)
		for _, kv := range ssEnv {
			k, v, _ := strings.Cut(kv, "=")
			env.Setenv(k, v)
		}
	}
	if testenv.Missing("clipboard", "Xvfb", "xclip") == nil {
		display, stop, err := testenv.NewDisplay()
		if err != nil {
			return err
		}
		env.Defer(stop)
		env.Setenv("DISPLAY", display)
	} else {
		env.Setenv("DISPLAY", "")
	}
	srv := zottest.New()
	env.Defer(srv.Close)
	srv.AddUser(testUser, "zot-ci-password")
	secret, _ := srv.AddKey(testUser, time.Now().Add(30*24*time.Hour))
	env.Setenv("ZOT", srv.URL)
	env.Setenv("ZOTKEY_REGISTRY", srv.URL)
	for part := range parts {
		if err := missingPart(part); err != nil {
			env.Setenv("MISSING_"+part, err.Error())
		}
	}
	env.Values["state"] = &scriptState{zot: srv, key: secret}
	files := map[string]string{
		"key.txt":   secret + "\n",
		"other.txt": testenv.NewKey() + "\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(work, name), []byte(content), 0o600); err != nil {
			return err
		}
	}
	return writeOPState(filepath.Join(work, "op.json"))
}

// The seeded vault and item, with IDs of 1Password's shape (26 lower-case
// alphanumerics); scripts that name them by ID spell them out.
const (
	opVaultID = "k6ayrbpyqmbkt3bwiwbcmtxxle"
	opItemID  = "q3eoihnxmtwp7tq4cqyx7l6fbu"
)

// writeOPState seeds the fake 1Password: the runbook's vault and item with
// fields in and out of sections, notes and tags, plus two items sharing a title.
func writeOPState(path string) error {
	sec := "c5rvnqwvd3dkhpdy7wotcxgdtq"
	m := onepassword.Memory{
		Vaults: []op.VaultOverview{{ID: opVaultID, Title: "blumeops"}, {ID: "zq4ah7nhrdnfvn6ge2sbzavkmi", Title: "other"}},
		Items: []op.Item{
			{ID: opItemID, Title: "Forgejo Secrets", VaultID: opVaultID, Category: op.ItemCategoryLogin, Version: 7,
				Notes: "synced to Forgejo by ansible", Tags: []string{"forgejo", "ci"},
				Sections: []op.ItemSection{{ID: sec, Title: "tokens"}},
				Fields: []op.ItemField{
					{ID: "username", Title: "username", FieldType: op.ItemFieldTypeText, Value: "forgejo-admin"},
					{ID: "password", Title: "password", FieldType: op.ItemFieldTypeConcealed, Value: "hunter2-not-a-key"},
					{ID: "wbtnbzpfk3yrfqnnbxm2rjklxe", Title: "zot-ci-api", FieldType: op.ItemFieldTypeConcealed, Value: "zak_00000000000000000000000000000000", SectionID: &sec},
					{ID: "j3qlm5hdzkxq2atvhfnbxgjdyu", Title: "runner-token", FieldType: op.ItemFieldTypeConcealed, Value: "runner-secret-value", SectionID: &sec},
				}},
			{ID: "a2fk6svhdumlewh2lqqpkbvdtu", Title: "Twin", VaultID: opVaultID, Category: op.ItemCategoryPassword},
			{ID: "m7jzuo4pcdyt4jftzhhxbgxtvy", Title: "Twin", VaultID: opVaultID, Category: op.ItemCategoryPassword},
		},
	}
	b, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return err
	}
	return os.WriteFile(path+".seed", b, 0o600)
}

// parts are the real programs each kind of script needs.
var parts = map[string][]string{
	"keyring":  {"dbus-daemon", "gnome-keyring-daemon", "secret-tool"},
	"display":  {"Xvfb", "xclip"},
	"registry": {"docker-registry", "htpasswd"},
	"mise":     {"mise", "bash"},
	"fish":     {"fish", "mise"},
	"procscan": nil, // not a program: see missingPart
}

// missingPart says what a kind of script lacks on this machine, or nil.
func missingPart(part string) error {
	if part == "procscan" {
		// zotkey makes itself non-dumpable (internal/harden), which turns its
		// /proc/PID/environ root-owned: only root can scan it for a key.
		if runtime.GOOS != "linux" || os.Geteuid() != 0 {
			return errors.New("exposure scans need Linux and root: zotkey is not dumpable, so only root can read its /proc/PID/environ (.ci/run runs as root)")
		}
		return nil
	}
	return testenv.Missing(part+" tests", parts[part]...)
}

// scriptCondition answers [keyring], [display], [registry], [mise], [fish];
// a missing part is an error rather than a skip under ZOTKEY_TEST_REQUIRE_ALL=1.
// Scripts skip with $MISSING_<part>, which names the missing programs.
func scriptCondition(cond string) (bool, error) {
	if _, ok := parts[cond]; !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if err := missingPart(cond); err != nil {
		if testenv.RequireAll() {
			return false, fmt.Errorf("ZOTKEY_TEST_REQUIRE_ALL=1 but %v", err)
		}
		return false, nil
	}
	return true, nil
}

func state(ts *testscript.TestScript) *scriptState {
	return ts.Value("state").(*scriptState)
}

var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"exposure": cmdExposure,
	"leak":     cmdLeak,
	// registry: start a real OCI registry (docker-registry, htpasswd) that
	// accepts zot-ci with key.txt, and point ZOTKEY_REGISTRY at it.
	"registry": func(ts *testscript.TestScript, neg bool, args []string) {
		url, stop, err := testenv.StartRegistry(ts.MkAbs("."), testUser, state(ts).key)
		ts.Check(err)
		ts.Defer(stop)
		ts.Setenv("REGISTRY", url)
		ts.Setenv("ZOTKEY_REGISTRY", url)
	},
	// opfield FIELD: print the fingerprint of the fake 1Password field, or "missing".
	"opfield": func(ts *testscript.TestScript, neg bool, args []string) {
		m := loadOP(ts)
		for _, it := range m.Items {
			if it.ID == opItemID {
				for _, f := range it.Fields {
					if f.Title == args[0] {
						fmt.Fprintln(ts.Stdout(), key.Fingerprint(f.Value))
						return
					}
				}
			}
		}
		fmt.Fprintln(ts.Stdout(), "missing")
	},
	// opuntouched: everything in the fake 1Password but the zot-ci-api value
	// and the item version is as seeded.
	"opuntouched": func(ts *testscript.TestScript, neg bool, args []string) {
		seed, now := loadOPFile(ts, ts.Getenv("ZOTKEY_TEST_OP_STATE")+".seed"), loadOP(ts)
		norm := func(m *onepassword.Memory) []op.Item {
			items := slices.Clone(m.Items)
			for i := range items {
				items[i].Version = 0
				items[i].Fields = slices.DeleteFunc(slices.Clone(items[i].Fields), func(f op.ItemField) bool { return f.Title == "zot-ci-api" })
			}
			return items
		}
		if !reflect.DeepEqual(norm(seed), norm(now)) {
			ts.Fatalf("the fake 1Password changed beyond the zot-ci-api field")
		}
	},
	// opfault NAME VALUE: inject a fault into the fake 1Password.
	"opfault": func(ts *testscript.TestScript, neg bool, args []string) {
		path := ts.Getenv("ZOTKEY_TEST_OP_STATE")
		m := loadOP(ts)
		raw, _ := json.Marshal(m.Faults)
		var faults map[string]any
		_ = json.Unmarshal(raw, &faults)
		var v any = args[1]
		if err := json.Unmarshal([]byte(args[1]), &v); err != nil {
			v = args[1]
		}
		faults[args[0]] = v
		raw, _ = json.Marshal(faults)
		ts.Check(json.Unmarshal(raw, &m.Faults))
		b, _ := json.Marshal(m)
		ts.Check(os.WriteFile(path, b, 0o600))
	},
	// opputs N: the fake 1Password saw exactly N successful writes.
	"opputs": func(ts *testscript.TestScript, neg bool, args []string) {
		if got := fmt.Sprint(loadOP(ts).Puts); got != args[0] {
			ts.Fatalf("1Password writes: %s, want %s", got, args[0])
		}
	},
	// noconnect: no 1Password client was created so far.
	"noconnect": func(ts *testscript.TestScript, neg bool, args []string) {
		b, err := os.ReadFile(ts.Getenv("ZOTKEY_TEST_OP_CONNECTS"))
		if err == nil && len(b) > 0 && !neg {
			ts.Fatalf("a 1Password client was created:\n%s", b)
		}
		if neg && err != nil {
			ts.Fatalf("no 1Password client was created")
		}
	},
	// keyringfp USER: print the fingerprint of the keyring entry, or "none".
	"keyringfp": func(ts *testscript.TestScript, neg bool, args []string) {
		v, err := keyringGet(ts, args[0])
		if err != nil || v == "" {
			fmt.Fprintln(ts.Stdout(), "none")
			return
		}
		fmt.Fprintln(ts.Stdout(), key.Fingerprint(v))
	},
	// keyringput USER FILE: seed a keyring entry (secret-tool, secret on stdin).
	"keyringput": func(ts *testscript.TestScript, neg bool, args []string) {
		_, err := secretTool(ts, strings.TrimSpace(ts.ReadFile(args[1])), "store", "--label=zotkey test", "service", keyring.Service, "username", args[0])
		ts.Check(err)
	},
	// fp FILE: print the fingerprint of a file's trimmed content.
	"fp": func(ts *testscript.TestScript, neg bool, args []string) {
		fmt.Fprintln(ts.Stdout(), key.Fingerprint(strings.TrimSpace(ts.ReadFile(args[0]))))
	},
	// clip FILE: put the file's content on the X clipboard (via xclip's stdin).
	"clip": func(ts *testscript.TestScript, neg bool, args []string) {
		content := ts.ReadFile(args[0])
		cmd := exec.Command("xclip", "-selection", "clipboard", "-in")
		cmd.Env = append(os.Environ(), "DISPLAY="+ts.Getenv("DISPLAY"))
		cmd.Stdin = strings.NewReader(content)
		ts.Check(cmd.Run())
		// xclip forks to serve the selection and may own it a moment after it
		// returns: wait until the clipboard answers with the content.
		for i := 0; i < 40; i++ {
			out := exec.Command("xclip", "-selection", "clipboard", "-out")
			out.Env = cmd.Env
			if b, err := out.Output(); err == nil && string(b) == content {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
	},
	// clipfp: print the fingerprint of the clipboard's content, or "empty".
	"clipfp": func(ts *testscript.TestScript, neg bool, args []string) {
		cmd := exec.Command("xclip", "-selection", "clipboard", "-out")
		cmd.Env = append(os.Environ(), "DISPLAY="+ts.Getenv("DISPLAY"))
		out, err := cmd.Output()
		if err != nil || len(out) == 0 {
			fmt.Fprintln(ts.Stdout(), "empty")
			return
		}
		fmt.Fprintln(ts.Stdout(), key.Fingerprint(strings.TrimSpace(string(out))))
	},
	// zotfault NAME...: inject faults into the fake zot (none: clear them).
	"zotfault": func(ts *testscript.TestScript, neg bool, args []string) {
		var f zottest.Faults
		for _, a := range args {
			switch a {
			case "slow":
				f.Latency = 1500 * time.Millisecond
			case "hang":
				f.Latency = time.Minute
			case "drop-create":
				f.DropCreate = true
			case "create-fail":
				f.CreateFail = true
			case "list-lies":
				f.ListLies = true
			case "list-fail":
				f.ListFail = true
			case "delete-fail":
				f.DeleteFail = true
			case "delete-noop":
				f.DeleteNoop = true
			case "v2-fail":
				f.V2Fail = true
			case "reject-new":
				f.RejectNew = true
			case "none":
			default:
				if d, ok := strings.CutPrefix(a, "latency="); ok {
					var err error
					f.Latency, err = time.ParseDuration(d)
					ts.Check(err)
					continue
				}
				ts.Fatalf("unknown fault %q", a)
			}
		}
		state(ts).zot.SetFaults(f)
	},
	// zotexpire: the seeded key (key.txt) expires now.
	"zotexpire": func(ts *testscript.TestScript, neg bool, args []string) {
		s := state(ts)
		s.zot.Expire(s.zot.UUIDOf(s.key))
	},
	// zotkeys STORE N [expired]: the fake zot holds exactly N valid keys for
	// zot-ci; each is the stored key or one the record still has to revoke
	// (nothing orphaned), and the stored key is valid unless "expired" (nothing
	// lost). STORE is keyring or onepassword.
	"zotkeys": func(ts *testscript.TestScript, neg bool, args []string) {
		s := state(ts)
		valid := s.zot.ValidKeys(testUser)
		var stored string
		switch args[0] {
		case "keyring":
			v, err := keyringGet(ts, "zot-ci-api")
			ts.Check(err)
			stored = v
		case "onepassword":
			for _, it := range loadOP(ts).Items {
				for _, f := range it.Fields {
					if it.ID == opItemID && f.Title == "zot-ci-api" {
						stored = f.Value
					}
				}
			}
		}
		storedUUID := s.zot.UUIDOf(stored)
		accounted := []string{storedUUID}
		dir, _ := record.Dir(ts.Getenv)
		r, err := record.Open(dir, ts.Getenv("ZOTKEY_REGISTRY"), testUser).Load()
		if err != nil && !errors.Is(err, record.ErrNone) && !errors.Is(err, syscall.ENOTDIR) {
			ts.Fatalf("record: %v", err)
		}
		accounted = append(accounted, r.Waiting()...)
		for _, id := range valid {
			// A key minted by a rotation that was cut short is accounted for
			// by the write-ahead entry: the next run revokes it by its label,
			// or, when the store already holds it, completes the record and
			// queues the key it replaced (Replaces).
			if p := r.Pending; p != nil && (id == p.NewUUID || s.zot.LabelOf(id) == p.Label || id == p.Replaces) {
				continue
			}
			if slices.ContainsFunc(r.Watch, func(w record.Watch) bool { return s.zot.LabelOf(id) == w.Label }) {
				continue
			}
			if !slices.Contains(accounted, id) {
				ts.Fatalf("orphaned key %s: valid on the server, but neither stored nor recorded (valid %v, accounted %v)", id, valid, accounted)
			}
		}
		if len(args) < 3 || args[2] != "expired" {
			if !slices.Contains(valid, storedUUID) {
				ts.Fatalf("the stored key (uuid %q) is not valid on the server: lost (valid %v)", storedUUID, valid)
			}
		}
		if fmt.Sprint(len(valid)) != args[1] {
			ts.Fatalf("%d valid keys, want %s", len(valid), args[1])
		}
	},
	// bytes FILE GOSTRING: write the Go-quoted string's bytes (NULs, invalid UTF-8) to FILE.
	"bytes": func(ts *testscript.TestScript, neg bool, args []string) {
		b, err := strconv.Unquote(`"` + args[1] + `"`)
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b), 0o600))
	},
	// big FILE N: write N bytes of hex digits to FILE.
	"big": func(ts *testscript.TestScript, neg bool, args []string) {
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), bytes.Repeat([]byte("a"), n), 0o600))
	},
	// tlsserver: start an HTTPS server with a certificate nobody trusts; $TLSURL.
	"tlsserver": func(ts *testscript.TestScript, neg bool, args []string) {
		srv := httptest.NewTLSServer(http.NotFoundHandler())
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		ts.Defer(srv.Close)
		ts.Setenv("TLSURL", srv.URL)
	},
	// mkproject [-nosync]: a mise project in $WORK/proj that includes this
	// repo's mise-tasks and (unless -nosync) a stub provision-indri that appends
	// its arguments to $WORK/sync-args, sleeps $SYNC_SLEEP, authenticates with
	// the key in $SYNC_USE_KEY if set (a consumer still holding the old key) and
	// fails while $WORK/sync-fail exists.
	"mkproject": func(ts *testscript.TestScript, neg bool, args []string) {
		repo, err := os.Getwd()
		ts.Check(err)
		proj := ts.MkAbs("proj")
		ts.Check(os.MkdirAll(filepath.Join(proj, "mise-tasks"), 0o755))
		toml := fmt.Sprintf("[task_config]\nincludes = [\"mise-tasks\", %q]\n", filepath.Join(repo, "mise-tasks"))
		ts.Check(os.WriteFile(filepath.Join(proj, "mise.toml"), []byte(toml), 0o644))
		if len(args) == 0 || args[0] != "-nosync" {
			stub := "#!/usr/bin/env bash\n#MISE description=\"test stub of the Forgejo secrets sync\"\n" +
				"printf '%s\\n' \"$*\" >> \"$WORK/sync-args\"\n" +
				"sleep \"${SYNC_SLEEP:-0}\"\n" +
				"if [ -n \"${SYNC_USE_KEY:-}\" ]; then zotkey verify --from stdin < \"$SYNC_USE_KEY\"; fi\n" +
				"awaitseen provision-indri\n" +
				"if [ -e \"$WORK/sync-fail\" ]; then echo 'stub sync: failed' >&2; exit 1; fi\n"
			ts.Check(os.WriteFile(filepath.Join(proj, "mise-tasks", "provision-indri"), []byte(stub), 0o755))
		}
		ts.Setenv("REPO", repo)
		ts.Setenv("MISE_TRUSTED_CONFIG_PATHS", proj)
		ts.Setenv("MISE_OFFLINE", "1")
		ts.Setenv("MISE_YES", "1")
	},
	// sleep DURATION
	"sleep": func(ts *testscript.TestScript, neg bool, args []string) {
		d, err := time.ParseDuration(args[0])
		ts.Check(err)
		time.Sleep(d)
	},
}

// secretTool runs libsecret's secret-tool against the script's own Secret
// Service (go-keyring in this process would use the process's one shared bus).
func secretTool(ts *testscript.TestScript, stdin string, args ...string) (string, error) {
	cmd := exec.Command("secret-tool", args...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+ts.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	return string(out), err
}

// keyringGet reads the entry zotkey keeps for user, as go-keyring files it.
func keyringGet(ts *testscript.TestScript, user string) (string, error) {
	out, err := secretTool(ts, "", "lookup", "service", keyring.Service, "username", user)
	if err != nil && out == "" {
		return "", nil // secret-tool exits 1 when there is no such entry
	}
	return out, err
}

func loadOP(ts *testscript.TestScript) *onepassword.Memory {
	return loadOPFile(ts, ts.Getenv("ZOTKEY_TEST_OP_STATE"))
}

func loadOPFile(ts *testscript.TestScript, path string) *onepassword.Memory {
	var m onepassword.Memory
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(path)), &m))
	return &m
}
