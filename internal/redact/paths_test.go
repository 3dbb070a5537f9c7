package redact_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/cli"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/notify"
	"github.com/eblume/zotkey/internal/zot"
)

const pathsKey = "zak_0123456789abcdef0123456789abcdef"

// forms are the key's encodings a helper or a server could echo.
var forms = map[string]string{
	"plain":              pathsKey,
	"standard base64":    base64.StdEncoding.EncodeToString([]byte(pathsKey)),
	"URL base64":         base64.URLEncoding.EncodeToString([]byte(pathsKey)),
	"hex":                hex.EncodeToString([]byte(pathsKey)),
	"go-keyring-base64":  "go-keyring-base64:" + base64.StdEncoding.EncodeToString([]byte(pathsKey)),
	"go-keyring-encoded": "go-keyring-encoded:" + hex.EncodeToString([]byte(pathsKey)),
}

// leaks says whether out holds the key in any of its forms.
func leaks(out string) bool {
	if strings.Contains(out, pathsKey) {
		return true
	}
	for _, f := range forms {
		if _, payload, ok := strings.Cut(f, ":"); ok {
			f = payload
		}
		if strings.Contains(out, f[:30]) {
			return true
		}
	}
	return false
}

// The error and hint lines every command ends with (cli.Report), which quote
// a helper's stderr (the keychain's security tool, a notifier) as errors carry it.
func TestReportRedactsEveryForm(t *testing.T) {
	for name, f := range forms {
		var b bytes.Buffer
		cli.Report(&b, errors.New("security: exit status 25: SecKeychainItemCreateFromContent ("+f+"'): The specified keychain could not be found."))
		if leaks(b.String()) {
			t.Errorf("%s: %q", name, b.String())
		}
	}
}

// A registry's answer: the key list's text fields, and a redirect's Location.
func TestRegistryAnswersAreRedacted(t *testing.T) {
	k, err := key.Parse([]byte(pathsKey), key.Zot)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range forms {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("redirect") != "" || r.Method == http.MethodDelete {
				http.Redirect(w, r, "/elsewhere/"+f, http.StatusFound)
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"apiKeys": []map[string]any{{
				"uuid": "9a3b4c5d-1e2f-4a5b-8c7d-0e1f2a3b4c5d", "label": "label " + f, "creatorUa": f, "generatedBy": f,
				"createdAt": time.Now(), "lastUsed": time.Now(), "expirationDate": time.Now(),
			}}})
		}))
		c, err := zot.New(srv.URL, "zot-ci", 5*time.Second, false)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := c.List(context.Background(), k)
		if err != nil {
			t.Fatalf("%s: list: %v", name, err)
		}
		for _, a := range keys {
			if leaks(a.Label + a.CreatorUA + a.GeneratedBy) {
				t.Errorf("%s: the key list quotes it: %+v", name, a)
			}
		}
		err = c.Revoke(context.Background(), k, "9a3b4c5d-1e2f-4a5b-8c7d-0e1f2a3b4c5d")
		if err == nil || leaks(err.Error()) {
			t.Errorf("%s: revoke through a redirect: %v", name, err)
		}
		srv.Close()
	}
}

// A notifier that fails prints its output into the job's log.
func TestNotifierOutputIsRedacted(t *testing.T) {
	for name, f := range forms {
		dir := t.TempDir()
		prog := filepath.Join(dir, "notify-send")
		if err := os.WriteFile(prog, []byte("#!/bin/sh\necho '"+f+"' >&2\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		n := notify.Notifier{GOOS: "linux", LookPath: func(string) (string, error) { return prog, nil }}
		err := n.Post(context.Background(), "zotkey", "message")
		if err == nil || leaks(err.Error()) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
