package zottest

import (
	"net/http"
	"net/http/httptest"
	"sync"
)

// Trap is a registry somewhere a key must never go: it answers 200 {} to
// every request without asking for credentials (an anonymous read policy,
// FACTS.md) and counts what reached it. Redirect faults point here.
type Trap struct {
	*httptest.Server
	mu              sync.Mutex
	requests, creds int
}

// NewTrap starts a Trap on loopback.
func NewTrap() *Trap {
	t := &Trap{}
	t.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.mu.Lock()
		t.requests++
		if r.Header.Get("Authorization") != "" {
			t.creds++
		}
		t.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{})
	}))
	return t
}

// Requests returns how many requests reached the trap, and how many of them
// carried credentials.
func (t *Trap) Requests() (all, withCredentials int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.requests, t.creds
}
