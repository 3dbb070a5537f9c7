package doctor

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/store"
	"github.com/eblume/zotkey/internal/zot"
)

const secret = "zak_0123456789abcdef0123456789abcdef"

func run(t *testing.T, timeout time.Duration, checks ...Check) (string, int) {
	t.Helper()
	var out bytes.Buffer
	n := Runner{Out: &out, Timeout: timeout}.Run(context.Background(), checks)
	if strings.Contains(out.String(), secret) {
		t.Errorf("a key was printed:\n%s", out.String())
	}
	return out.String(), n
}

// A check that never returns, even ignoring its context, fails after the
// timeout and the checks after it still run; so does one that panics.
func TestHungOrPanickingCheckDoesNotStopTheOthers(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	out, failed := run(t, 10*time.Millisecond,
		Func{"hangs", func(context.Context, Facts) Result { <-block; return Passed("never") }},
		Func{"panics", func(context.Context, Facts) Result { panic("boom") }},
		Func{"after", func(context.Context, Facts) Result { return Passed("ran") }},
	)
	want := "FAIL hangs: no answer within 10ms; fix: find what hangs (a locked keyring, a 1Password prompt nobody answers, an unreachable registry) and run zotkey doctor again\n" +
		"FAIL panics: the check itself failed: boom; fix: report it as a zotkey bug\n" +
		"ok   after: ran\n"
	if out != want || failed != 2 {
		t.Errorf("got %d failed\n%s\nwant 2\n%s", failed, out, want)
	}
}

// Facts reach later checks only from a check that finished in time.
func TestFactsOnlyFromFinishedChecks(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	k, _ := key.Parse([]byte(secret), key.Zot)
	out, _ := run(t, 10*time.Millisecond,
		Func{"late", func(context.Context, Facts) Result { <-block; return Passed("x").With(FactKey, k) }},
		RecordAgrees{Fingerprint: func() (string, bool, error) { return k.Fingerprint(), true, nil }},
		Func{"key", func(context.Context, Facts) Result { return Passed("found").With(FactKey, k) }},
		RecordAgrees{Fingerprint: func() (string, bool, error) { return k.Fingerprint(), true, nil }},
	)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[1] != "skip record agrees with the store: needs the stored key" || lines[3] != "ok   record agrees with the store: both name "+k.Fingerprint() {
		t.Errorf("got\n%s", out)
	}
}

type fakeSource struct {
	value     string
	err       error
	concealed bool
}

func (f fakeSource) String() string                      { return "zot-ci-api in v/i" }
func (f fakeSource) Get(context.Context) (string, error) { return f.value, f.err }
func (f fakeSource) Concealed() (bool, error)            { return f.concealed, nil }
func signedIn() Facts                                    { return Facts{FactSignIn: true} }
func (f fakeSource) check(facts Facts) Result {
	return OnePasswordField{Field: f, Fix: "store it"}.Run(context.Background(), facts)
}

// The 1Password field must exist, hold a key and be concealed; without a
// sign-in it is not looked at.
func TestOnePasswordField(t *testing.T) {
	if r := (fakeSource{value: secret, concealed: true}).check(signedIn()); r.Status != Pass || r.Facts[FactKey] == nil {
		t.Errorf("concealed key: %+v", r)
	}
	r := (fakeSource{value: secret}).check(signedIn())
	if r.Status != Fail || !strings.Contains(r.Detail, "not concealed") || !strings.Contains(r.Fix, "password (concealed) field") {
		t.Errorf("plain field: %+v", r)
	}
	if r := (fakeSource{value: "hunter2", concealed: true}).check(signedIn()); r.Status != Fail || !strings.Contains(r.Detail, "holds no zot API key") {
		t.Errorf("not a key: %+v", r)
	}
	if r := (fakeSource{value: secret}).check(Facts{}); r.Status != Skip {
		t.Errorf("no sign-in: %+v", r)
	}
}

// A missing keyring entry fails with the way to store one.
func TestKeyringEntryMissing(t *testing.T) {
	r := KeyringEntry{Entry: fakeSource{err: store.ErrNotFound}, Fix: "zotkey set"}.Run(context.Background(), nil)
	if r.Status != Fail || r.Detail != "zot-ci-api in v/i does not exist" || r.Fix != "zotkey set" {
		t.Errorf("%+v", r)
	}
}

// The desktop app's library is looked for at the SDK's paths, in order.
func TestDesktopApp(t *testing.T) {
	paths := []string{"/a/lib.dylib", "/b/lib.dylib"}
	at := func(p string) func(string) bool { return func(s string) bool { return s == p } }
	if r := (DesktopApp{Account: "me", Paths: paths, Exists: at("/b/lib.dylib")}).Run(context.Background(), nil); r.Status != Pass || r.Detail != "its SDK library is at /b/lib.dylib" {
		t.Errorf("found: %+v", r)
	}
	if r := (DesktopApp{Account: "me", Paths: paths, Exists: at("")}).Run(context.Background(), nil); r.Status != Fail || !strings.Contains(r.Fix, "Integrate with other apps") {
		t.Errorf("missing: %+v", r)
	}
	if r := (DesktopApp{Paths: paths, Exists: at("")}).Run(context.Background(), nil); r.Status != Skip {
		t.Errorf("token sign-in: %+v", r)
	}
}

type fakeRegistry struct {
	ping     int
	checkErr error
	listErr  error
	keys     []zot.APIKey
}

func (f fakeRegistry) Ping(context.Context) (int, error)    { return f.ping, nil }
func (f fakeRegistry) Check(context.Context, key.Key) error { return f.checkErr }
func (f fakeRegistry) List(context.Context, key.Key) ([]zot.APIKey, error) {
	return f.keys, f.listErr
}

// zot with API keys off answers the key endpoint with a status other than
// 200: the fix says how to turn them on. Days left come from the list.
func TestRegistryChecks(t *testing.T) {
	k, _ := key.Parse([]byte(secret), key.Zot)
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	off := fakeRegistry{ping: 401, listErr: &zot.StatusError{}}
	out, failed := run(t, time.Second,
		Func{"key", func(context.Context, Facts) Result { return Passed("found").With(FactKey, k) }},
		RegistryAnswers{Registry: off, URL: "https://r"},
		KeyWorks{Registry: off, User: "zot-ci"},
		APIKeysEnabled{Registry: off},
		DaysLeft{Now: func() time.Time { return now }, Policy: lifecycle.Policy{Within: 14 * 24 * time.Hour}},
	)
	if failed != 1 || !strings.Contains(out, `FAIL registry: API keys enabled: GET /zot/auth/apikey: `) || !strings.Contains(out, `"apikey": true`) ||
		!strings.Contains(out, "skip registry: days left: needs the registry's list of keys") {
		t.Errorf("API keys off:\n%s", out)
	}
	used := now.Add(-time.Hour)
	on := fakeRegistry{ping: 200, keys: []zot.APIKey{{UUID: "u", LastUsed: used, ExpirationDate: now.Add(10*24*time.Hour + time.Hour)}}}
	out, failed = run(t, time.Second,
		Func{"key", func(context.Context, Facts) Result { return Passed("found").With(FactKey, k) }},
		KeyWorks{Registry: on, User: "zot-ci"},
		APIKeysEnabled{Registry: on},
		DaysLeft{Now: func() time.Time { return now }, Policy: lifecycle.Policy{Within: 14 * 24 * time.Hour}},
	)
	if failed != 0 || !strings.Contains(out, "ok   registry: days left: 11 day(s), until 2026-12-10T01:00:00Z: the daily job rotates it on its next run") {
		t.Errorf("API keys on:\n%s", out)
	}
	rejected := fakeRegistry{ping: 401, checkErr: &zot.RejectedError{User: "zot-ci"}}
	out, _ = run(t, time.Second,
		Func{"key", func(context.Context, Facts) Result { return Passed("found").With(FactKey, k) }},
		KeyWorks{Registry: rejected, User: "zot-ci"},
		APIKeysEnabled{Registry: rejected},
	)
	if !strings.Contains(out, "fix: the key is expired, revoked or not zot-ci's") || !strings.Contains(out, "skip registry: API keys enabled") {
		t.Errorf("rejected:\n%s", out)
	}
	if r := (RegistryAnswers{Registry: fakeRegistry{ping: 404}, URL: "https://r"}).Run(context.Background(), nil); r.Status != Fail {
		t.Errorf("404 is not a registry: %+v", r)
	}
}

// The job: installed and loaded passes; installed but not loaded, or not
// installed, fails with the install command.
func TestJobLoaded(t *testing.T) {
	job := func(files bool, loaded error) JobLoaded {
		return JobLoaded{Install: "zotkey init systemd --install", Jobs: []Job{{
			Kind: "systemd timer", Files: []string{"/u/zotkey-rotate.service"}, Exists: func(string) bool { return files },
			Loaded: func(context.Context) error { return loaded }, LoadedBy: "is-enabled", InstallBy: "zotkey init systemd --install",
		}}}
	}
	if r := job(true, nil).Run(context.Background(), nil); r.Status != Pass {
		t.Errorf("loaded: %+v", r)
	}
	if r := job(true, errors.New("disabled")).Run(context.Background(), nil); r.Status != Fail || !strings.Contains(r.Detail, "not loaded: disabled") {
		t.Errorf("not loaded: %+v", r)
	}
	if r := job(false, nil).Run(context.Background(), nil); r.Status != Fail || r.Detail != "not installed" {
		t.Errorf("not installed: %+v", r)
	}
}

// Until the record keeps the job's runs, the last run is a skip, not a failure.
func TestLastRunHook(t *testing.T) {
	if r := (LastRun{}).Run(context.Background(), nil); r.Status != Skip {
		t.Errorf("%+v", r)
	}
	r := LastRun{Last: func(context.Context) Result { return Passed("yesterday, nothing due") }}.Run(context.Background(), nil)
	if r.Status != Pass {
		t.Errorf("%+v", r)
	}
}

// A line never carries a key or a second line.
func TestLineRedacts(t *testing.T) {
	got := Line("x", Failed("bad "+secret+"\nforged", "fix"))
	if got != `FAIL x: bad zak_<redacted>\nforged; fix: fix` {
		t.Errorf("%q", got)
	}
}
