// Package zottest is a registry that follows zot's API-key semantics (see
// FACTS.md: basic auth with password or API key, keys hashed and bound to
// their user, expired and revoked keys refused everywhere, /zot/auth/apikey
// create/list/delete) with faults to inject. It serves on loopback only.
package zottest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"time"
)

// Faults change the server's behaviour until cleared.
type Faults struct {
	Latency    time.Duration // before every answer
	DropCreate bool          // create the key, then drop the connection without answering
	CreateFail bool          // answer 500 to create, creating nothing
	ListLies   bool          // list answers 200 with an empty list
	ListFail   bool          // list answers 503
	DeleteFail bool          // answer 500 to delete, deleting nothing
	DeleteNoop bool          // answer 200 to delete, deleting nothing
	V2Fail     bool          // answer 503 to GET /v2/
	RejectNew  bool          // keys minted through the API get 401 on GET /v2/
}

type apiKey struct {
	hash, user, label, uuid string
	created, expires        time.Time // zero expires: never
	lastUsed                time.Time
	revoked                 bool
}

// Server is a running fake zot.
type Server struct {
	*httptest.Server
	mu        sync.Mutex
	passwords map[string]string
	keys      []*apiKey
	faults    Faults
	now       func() time.Time
	secrets   []string // every key ever minted, for exposure scans
}

// New starts a server with no users.
func New() *Server {
	s := &Server{passwords: map[string]string{}, now: time.Now}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) { s.mu.Lock(); s.faults = f; s.mu.Unlock() }

// AddUser adds a user that can log in with password.
func (s *Server) AddUser(user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passwords[user] = password
}

// AddKey gives user a key expiring at expires (zero: never) and returns the
// secret and its uuid.
func (s *Server) AddKey(user string, expires time.Time) (secret, uuid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.mint(user, "seeded", expires)
	return k.secret, k.uuid
}

// Expire makes the key with uuid expire now.
func (s *Server) Expire(uuid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.uuid == uuid {
			k.expires = s.now().Add(-time.Second)
		}
	}
}

// ValidKeys returns the uuids of user's keys that still authenticate.
func (s *Server) ValidKeys(user string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, k := range s.keys {
		if k.user == user && s.valid(k) {
			out = append(out, k.uuid)
		}
	}
	sort.Strings(out)
	return out
}

// Secrets returns every key the server ever minted, revoked or not.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.secrets)
}

// UUIDOf returns the uuid of the key secret, valid or not.
func (s *Server) UUIDOf(secret string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := hash(secret)
	for _, k := range s.keys {
		if k.hash == h {
			return k.uuid
		}
	}
	return ""
}

type minted struct {
	*apiKey
	secret string
}

func (s *Server) mint(user, label string, expires time.Time) minted {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	secret := "zak_" + hex.EncodeToString(b)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	id := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	k := &apiKey{hash: hash(secret), user: user, label: label, uuid: id, created: s.now().UTC(), expires: expires}
	s.keys = append(s.keys, k)
	s.secrets = append(s.secrets, secret)
	return minted{k, secret}
}

func hash(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

func (s *Server) valid(k *apiKey) bool {
	return !k.revoked && (k.expires.IsZero() || s.now().Before(k.expires))
}

// authenticate returns the user, and the key used if it was one; like zot it
// updates the key's lastUsed before the handler runs.
func (s *Server) authenticate(r *http.Request) (string, *apiKey, bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", nil, false
	}
	if p, ok := s.passwords[user]; ok && p == pass {
		return user, nil, true
	}
	h := hash(pass)
	for _, k := range s.keys {
		if k.hash == h && k.user == user && s.valid(k) {
			k.lastUsed = s.now().UTC()
			return user, k, true
		}
	}
	return "", nil, false
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.faults
	s.mu.Unlock()
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	user, used, ok := s.authenticate(r)
	if ok && f.RejectNew && used != nil && used.label != "seeded" && r.URL.Path == "/v2/" {
		ok = false
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="zot"`)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"code": "UNAUTHORIZED", "message": "authentication required"})
		return
	}
	switch {
	case r.URL.Path == "/v2/" && r.Method == http.MethodGet:
		if f.V2Fail {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	case r.URL.Path == "/zot/auth/apikey":
		s.apikey(w, r, user, f)
	default:
		http.NotFound(w, r)
	}
}

type entry struct {
	CreatedAt      time.Time `json:"createdAt"`
	ExpirationDate time.Time `json:"expirationDate"`
	IsExpired      bool      `json:"isExpired"`
	CreatorUA      string    `json:"creatorUa"`
	GeneratedBy    string    `json:"generatedBy"`
	LastUsed       time.Time `json:"lastUsed"`
	Label          string    `json:"label"`
	Scopes         []string  `json:"scopes"`
	UUID           string    `json:"uuid"`
	APIKey         string    `json:"apiKey,omitempty"`
}

func (s *Server) entry(k *apiKey) entry {
	return entry{CreatedAt: k.created, ExpirationDate: k.expires, IsExpired: !k.expires.IsZero() && !s.now().Before(k.expires),
		CreatorUA: "zotkey", GeneratedBy: "manual", LastUsed: k.lastUsed, Label: k.label, Scopes: []string{}, UUID: k.uuid}
}

func (s *Server) apikey(w http.ResponseWriter, r *http.Request, user string, f Faults) {
	switch r.Method {
	case http.MethodPost:
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<10+1))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		if len(body) > 8<<10 {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		var req struct {
			Label          string   `json:"label"`
			Scopes         []string `json:"scopes"`
			ExpirationDate string   `json:"expirationDate"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		var exp time.Time
		if req.ExpirationDate != "" {
			if exp, err = time.Parse(time.RFC3339, req.ExpirationDate); err != nil || !exp.After(s.now()) {
				http.Error(w, "bad expiration date", http.StatusBadRequest)
				return
			}
		}
		if f.CreateFail {
			http.Error(w, "internal", http.StatusInternalServerError)
			return
		}
		m := s.mint(user, req.Label, exp)
		if f.DropCreate {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
		}
		e := s.entry(m.apiKey)
		e.APIKey = m.secret
		writeJSON(w, http.StatusCreated, e)
	case http.MethodGet:
		if f.ListFail {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		list := []entry{}
		if !f.ListLies {
			for _, k := range s.keys {
				if k.user == user && !k.revoked {
					list = append(list, s.entry(k))
				}
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"apiKeys": list})
	case http.MethodDelete:
		ids := r.URL.Query()["id"]
		if len(ids) != 1 {
			http.Error(w, "id", http.StatusBadRequest)
			return
		}
		if f.DeleteFail {
			http.Error(w, "internal", http.StatusInternalServerError)
			return
		}
		if !f.DeleteNoop {
			for _, k := range s.keys {
				if k.uuid == ids[0] && k.user == user {
					k.revoked = true
				}
			}
		}
		w.WriteHeader(http.StatusOK)
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// LabelOf returns the label of the key with uuid id.
func (s *Server) LabelOf(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.uuid == id {
			return k.label
		}
	}
	return ""
}
