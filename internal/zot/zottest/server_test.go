package zottest

import (
	"encoding/json"
	"fmt"
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

// lastUsed, createdAt, scopes and creatorUa follow zot (pkg/api/authn.go
// UpdateUserAPIKeyLastUsed; routes.go CreateAPIKey, GetAPIKeys), on the
// server's own clock, which tests can move.
func TestServerKeyFacts(t *testing.T) {
	s := New()
	defer s.Close()
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s.SetNow(start)
	secret, uuid := s.AddKey("zot-ci", time.Time{})
	if k, _ := s.Key(uuid); !k.CreatedAt.Round(time.Second).Equal(start) || !k.LastUsed.IsZero() {
		t.Fatalf("seeded key: created %s, lastUsed %s", k.CreatedAt, k.LastUsed)
	}
	s.Advance(time.Hour)
	if !s.Use("zot-ci", secret) || s.Use("admin", secret) {
		t.Fatal("Use: the key works for its user only")
	}
	if k, _ := s.Key(uuid); !k.LastUsed.Round(time.Second).Equal(start.Add(time.Hour)) {
		t.Fatalf("lastUsed %s, want %s", k.LastUsed, start.Add(time.Hour))
	}
	if !s.UseAt("zot-ci", secret, start.Add(30*time.Minute)) {
		t.Fatal("UseAt")
	}
	if k, _ := s.Key(uuid); !k.LastUsed.Equal(start.Add(30 * time.Minute)) {
		t.Fatalf("lastUsed after UseAt %s", k.LastUsed)
	}
	s.SetScopes(uuid, []string{"ci"})

	// Every authenticated request stamps lastUsed: a create, then a list.
	do := func(method, path, ua, body string) map[string]any {
		return keyAPI(t, s, secret, method, path, ua, body)
	}
	s.Advance(time.Hour)
	created := do("POST", "/zot/auth/apikey", "test-agent/1", `{"label":"a","scopes":["repo:read","ci"]}`)
	if created["creatorUa"] != "test-agent/1" || fmt.Sprint(created["scopes"]) != "[repo:read ci]" || created["lastUsed"] != "0001-01-01T00:00:00Z" {
		t.Fatalf("create answer %v", created)
	}
	if k, _ := s.Key(uuid); !k.LastUsed.Round(time.Second).Equal(start.Add(2 * time.Hour)) {
		t.Fatalf("lastUsed after create %s", k.LastUsed)
	}
	noScopes := do("POST", "/zot/auth/apikey", "x", `{"label":"b"}`)
	if noScopes["scopes"] != nil {
		t.Fatalf("scopes not given: %v, want null as zot stores them", noScopes["scopes"])
	}
	list := do("GET", "/zot/auth/apikey", "x", "")["apiKeys"].([]any)
	if len(list) != 3 {
		t.Fatalf("list %v", list)
	}
	checkListed(t, list, uuid, created["uuid"])
	if got := s.Scopes(created["uuid"].(string)); fmt.Sprint(got) != "[repo:read ci]" {
		t.Fatalf("Scopes %v", got)
	}
}

// keyAPI is one authenticated call to the key API, its JSON answer decoded.
func keyAPI(t *testing.T, s *Server, secret, method, path, ua, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.SetBasicAuth("zot-ci", secret)
	req.Header.Set("User-Agent", ua)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out
}

// checkListed checks the list's entries for the seeded and the created key.
func checkListed(t *testing.T, list []any, seeded, created any) {
	t.Helper()
	for _, e := range list {
		m := e.(map[string]any)
		switch m["uuid"] {
		case seeded:
			if fmt.Sprint(m["scopes"]) != "[ci]" || m["lastUsed"] == "0001-01-01T00:00:00Z" {
				t.Errorf("seeded entry %v", m)
			}
		case created:
			if fmt.Sprint(m["scopes"]) != "[repo:read ci]" || m["creatorUa"] != "test-agent/1" || m["generatedBy"] != "manual" {
				t.Errorf("created entry %v", m)
			}
		}
	}
}

// Received counts requests on arrival, before any latency, and InFlight
// holds them until they are answered: tests wait on these, not on the clock.
func TestServerCountsRequests(t *testing.T) {
	s := New()
	defer s.Close()
	secret, _ := s.AddKey("zot-ci", time.Now().Add(time.Hour))
	s.SetFaults(Faults{Latency: 300 * time.Millisecond})
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest("GET", s.URL+"/v2/", nil)
		req.SetBasicAuth("zot-ci", secret)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	for deadline := time.Now().Add(5 * time.Second); s.Received("GET", "/v2/") == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request was never counted")
		}
	}
	if n := s.InFlight(); n != 1 {
		t.Errorf("InFlight during the latency = %d, want 1", n)
	}
	<-done
	if n := s.InFlight(); n != 0 {
		t.Errorf("InFlight after the answer = %d, want 0", n)
	}
	if n := s.Received("POST", "/zot/auth/apikey"); n != 0 {
		t.Errorf("Received(POST) = %d, want 0", n)
	}
}

// With a virtual clock, createdAt, lastUsed and expiry follow it and not the
// machine's time, and Down refuses every request without stamping a key.
func TestServerVirtualClock(t *testing.T) {
	s := New()
	defer s.Close()
	virtual := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	s.SetClock(func() time.Time { return virtual })
	secret, uuid := s.AddKey("zot-ci", virtual.Add(time.Hour))
	if k, _ := s.Key(uuid); !k.CreatedAt.Equal(virtual) {
		t.Fatalf("createdAt %s, want the virtual %s", k.CreatedAt, virtual)
	}
	virtual = virtual.Add(59 * time.Minute)
	if !s.Use("zot-ci", secret) {
		t.Fatal("the key was refused before its virtual expiry")
	}
	if k, _ := s.Key(uuid); !k.LastUsed.Equal(virtual) {
		t.Fatalf("lastUsed %s, want the virtual %s", k.LastUsed, virtual)
	}
	s.SetFaults(Faults{Down: true})
	req, _ := http.NewRequest("GET", s.URL+"/v2/", nil)
	req.SetBasicAuth("zot-ci", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("down: %d, want 503", resp.StatusCode)
	}
	if k, _ := s.Key(uuid); !k.LastUsed.Equal(virtual) {
		t.Fatal("a request refused while down stamped lastUsed")
	}
	s.SetFaults(Faults{})
	virtual = virtual.Add(time.Minute)
	if s.Use("zot-ci", secret) {
		t.Fatal("the key still works at its virtual expiry")
	}
	if got := s.ValidKeys("zot-ci"); len(got) != 0 {
		t.Fatalf("valid keys after the virtual expiry: %v", got)
	}
}
