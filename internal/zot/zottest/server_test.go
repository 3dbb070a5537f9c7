package zottest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The fake follows zot's answers from FACTS.md, so tests built on it mean something.
func TestServerSemantics(t *testing.T) {
	s := New()
	defer s.Close()
	secret, uuid := s.AddKey("zot-ci", time.Now().Add(time.Hour))
	do := func(method, path, user, pass, body string) int {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		name, method, path, user, pass, body string
		want                                 int
	}{
		{"valid key", "GET", "/v2/", "zot-ci", secret, "", 200},
		{"other user's name", "GET", "/v2/", "admin", secret, "", 401},
		{"bad JSON", "POST", "/zot/auth/apikey", "zot-ci", secret, "{", 400},
		{"past expiry", "POST", "/zot/auth/apikey", "zot-ci", secret, `{"label":"x","expirationDate":"2001-01-01T00:00:00Z"}`, 400},
		{"unparseable expiry", "POST", "/zot/auth/apikey", "zot-ci", secret, `{"label":"x","expirationDate":"soon"}`, 400},
		{"too large", "POST", "/zot/auth/apikey", "zot-ci", secret, `{"label":"` + strings.Repeat("x", 9000) + `"}`, 413},
		{"delete without id", "DELETE", "/zot/auth/apikey", "zot-ci", secret, "", 400},
		{"delete with two ids", "DELETE", "/zot/auth/apikey?id=a&id=b", "zot-ci", secret, "", 400},
		{"delete unknown id", "DELETE", "/zot/auth/apikey?id=nope", "zot-ci", secret, "", 200},
		{"create", "POST", "/zot/auth/apikey", "zot-ci", secret, `{"label":"x"}`, 201},
		{"revoke itself", "DELETE", "/zot/auth/apikey?id=" + uuid, "zot-ci", secret, "", 200},
		{"revoked key", "GET", "/v2/", "zot-ci", secret, "", 401},
	} {
		if got := do(c.method, c.path, c.user, c.pass, c.body); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	s2, id2 := s.AddKey("zot-ci", time.Now().Add(time.Hour))
	s.Expire(id2)
	if got := do("GET", "/zot/auth/apikey", "zot-ci", s2, ""); got != 401 {
		t.Errorf("expired key on the key API: %d, want 401", got)
	}
}
