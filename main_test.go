package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/eblume/zotkey/internal/cli"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/onepassword/optest"
	"github.com/eblume/zotkey/internal/onepassword/optest/opapp"
	"github.com/eblume/zotkey/internal/testenv"
	"github.com/eblume/zotkey/internal/zot/zottest"
)

// withTestMain runs the shared parts' cleanup after the tests.
type withTestMain struct{ m *testing.M }

func (w withTestMain) Run() int { return testenv.Main(w.m) }

func TestMain(m *testing.M) {
	testscript.Main(withTestMain{m}, map[string]func(){
		"zotkey":    func() { os.Exit(testZotkey()) },
		"awaitseen": func() { os.Exit(awaitSeen()) },
	})
}

// testZotkey is the zotkey binary as the scripts run it: the real main, except
// that 1Password, which cannot be reached from a test, is the in-memory fake
// kept in $ZOTKEY_TEST_OP_STATE. Each client it creates is logged to
// $ZOTKEY_TEST_OP_CONNECTS, so scripts can prove a path never loads the core.
func testZotkey() int {
	if lib := os.Getenv("ZOTKEY_TEST_OPAPP_LIB"); lib != "" && os.Getenv("ZOTKEY_TEST_OPAPP_PLACED") == "" {
		return placeOPApp(lib)
	}
	if err := hardenProcess(); err != nil { // as main does
		return cli.Report(os.Stderr, err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	env := cli.DefaultEnv(ctx, "test")
	embedFiles(env) // as main does
	if state := os.Getenv("ZOTKEY_TEST_OP_STATE"); state != "" && os.Getenv("ZOTKEY_TEST_OPAPP") == "" {
		env.Connect = func(ctx context.Context, a onepassword.Auth) (onepassword.API, error) {
			if log := os.Getenv("ZOTKEY_TEST_OP_CONNECTS"); log != "" {
				f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
				if err == nil {
					fmt.Fprintln(f, "connect", strings.Join(os.Args[1:], " "))
					f.Close()
				}
			}
			return optest.File{Path: state}, nil
		}
	}
	code := run(os.Args[1:], env) // run handles signals, as in main
	if !awaitScanned("zotkey", os.Getpid()) {
		fmt.Fprintln(os.Stderr, "awaitseen: the exposure scan did not read this zotkey within 10s")
	}
	return code
}

// placeOPApp runs this zotkey again, as the same process (exec), in a private
// mount namespace with the stand-in 1Password library lib at the app's path
// (none: no library anywhere), so the real SDK's desktop code loads it
// (script_opapp_test.go).
func placeOPApp(lib string) int {
	if lib == "none" {
		lib = ""
	}
	self, err := exec.LookPath(os.Args[0])
	if err == nil {
		self, err = filepath.Abs(self)
	}
	if err == nil {
		var unshare string
		if unshare, err = exec.LookPath("unshare"); err == nil {
			argv := opapp.PlacementArgv(lib, append([]string{self}, os.Args[1:]...)...)
			err = syscall.Exec(unshare, argv, append(os.Environ(), "ZOTKEY_TEST_OPAPP_PLACED=1"))
		}
	}
	fmt.Fprintln(os.Stderr, "placing the stand-in 1Password library:", err)
	return 2
}

// TestScripts runs testdata/script/<area>/<behaviour>.txtar, one subtest per
// area (go test . -run 'TestScripts/rotate/'), since testscript reads one
// directory without recursing. Scripts still at the top of testdata/script
// (new ones, until they are moved into their area) run under TestScripts/top.
func TestScripts(t *testing.T) {
	t.Parallel() // beside TestRealSDKSignIn's build
	const root = "testdata/script"
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	path := scriptPATH(t)
	params := func(dir string) testscript.Params {
		return testscript.Params{
			Dir:                 dir,
			RequireExplicitExec: true,
			RequireUniqueNames:  true,
			Setup: func(env *testscript.Env) error {
				env.Setenv("PATH", path)
				return setupScript(env)
			},
			Condition: scriptCondition,
			Cmds:      scriptCmds,
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
	zot   *zottest.Server
	key   string // the valid current key, also in $WORK/key.txt
	scan  *exposureScan
	mark  map[string]int // zotwait mark: requests received by "METHOD PATH" then
	opapp *opapp.App     // opapp start: the stand-in 1Password app
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
	// Each script that may touch the keyring gets its own Secret Service, so
	// scripts running in parallel never share keyring entries; any other
	// script gets a bus that does not exist, so it reaches no keyring at all.
	// Starting one costs a tenth of a second or more, so only the scripts
	// that mention it pay for it, and likewise for the X display.
	text := scriptText(env)
	mentions := func(words ...string) bool {
		if text == "" {
			return true // not found: start everything, as for any script
		}
		lower := strings.ToLower(text)
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(lower, w) })
	}
	switch {
	case !mentions("keyring", "token"):
		env.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(work, "no-session-bus"))
	case testenv.Missing("keyring", "dbus-daemon", "gnome-keyring-daemon", "secret-tool") == nil:
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
	if mentions("clip", "display") && testenv.Missing("clipboard", "Xvfb", "xclip") == nil {
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

// scriptText is the text of the script env belongs to, found from its test's
// name (TestScripts/AREA/NAME, or TestScripts/top/NAME for one at the top of
// testdata/script), or "" when it cannot be found.
func scriptText(env *testscript.Env) string {
	t, ok := env.T().(interface{ Name() string })
	if !ok {
		return ""
	}
	name := strings.Split(t.Name(), "/")
	if len(name) != 3 {
		return ""
	}
	dir := filepath.Join("testdata", "script", name[1])
	if name[1] == "top" {
		dir = filepath.Join("testdata", "script")
	}
	b, err := os.ReadFile(filepath.Join(dir, name[2]+".txtar"))
	if err != nil {
		return ""
	}
	return string(b)
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
	m := optest.Memory{
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
	"systemd":  {"systemd-analyze"},
	"plist":    {"python3"},
	"procscan": nil, // not a program: see missingPart
	"opapp":    nil, // the stand-in 1Password app: see missingPart
}

// missingPart says what a kind of script lacks on this machine, or nil.
func missingPart(part string) error {
	if part == "opapp" {
		return opappPlace()
	}
	if part == "procscan" {
		// zotkey makes itself non-dumpable (hardenProcess), which turns its
		// /proc/PID/environ root-owned: only root can scan it for a key.
		if runtime.GOOS != "linux" || os.Geteuid() != 0 {
			return errors.New("exposure scans need Linux and root: zotkey is not dumpable, so only root can read its /proc/PID/environ (.ci/run runs as root)")
		}
		return nil
	}
	return testenv.Missing(part+" tests", parts[part]...)
}

// scriptCondition answers [keyring], [display], [registry], [mise], [fish],
// [systemd], [plist] and [procscan];
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
