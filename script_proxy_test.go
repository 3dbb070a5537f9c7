package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/eblume/zotkey/internal/zot/zottest"
)

// rewritingProxy sits in front of the fake zot and rewrites its answers, to
// test zotkey with answers the fake cannot give.
type rewritingProxy struct {
	mu       sync.Mutex
	mode     string
	received map[string]int // requests by "METHOD PATH", counted on arrival (zotwait)
	inFlight int
	zot      *zottest.Server
	rp       *httputil.ReverseProxy
}

// counts returns the requests received with method and path, and how many
// are in flight.
func (p *rewritingProxy) counts(method, path string) (received, inFlight int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.received[method+" "+path], p.inFlight
}

var rewritingProxies sync.Map

// cmdZotproxy MODE [FILE]: put a rewriting proxy in front of the fake zot
// (first call starts it and points ZOTKEY_REGISTRY at it; later calls change
// the mode). Modes: none; create-uuid-of FILE (the create answer names the key
// in FILE's uuid); list-dup (every list entry twice); list-omit FILE (the list
// leaves out the key in FILE); list-future (every lastUsed/createdAt a year
// ahead); list-zero (zero times); huge (list answer 64 MiB); slow-create D.
func cmdZotproxy(ts *testscript.TestScript, neg bool, args []string) {
	srv := state(ts).zot
	v, _ := rewritingProxies.Load(ts)
	p, _ := v.(*rewritingProxy)
	mode := strings.Join(args, " ")
	if len(args) == 2 && args[0] != "slow-create" {
		mode = args[0] + " " + srv.UUIDOf(strings.TrimSpace(ts.ReadFile(args[1])))
	}
	if p != nil {
		p.mu.Lock()
		p.mode = mode
		p.mu.Unlock()
		return
	}
	p = &rewritingProxy{mode: mode, received: map[string]int{}, zot: srv}
	target, _ := url.Parse(srv.URL)
	p.rp = httputil.NewSingleHostReverseProxy(target)
	p.rp.ModifyResponse = p.rewrite
	hs := httptest.NewServer(http.HandlerFunc(p.serve))
	ts.Defer(hs.Close)
	rewritingProxies.Store(ts, p)
	ts.Setenv("ZOTKEY_REGISTRY", hs.URL)
}

// modeFields is the mode's words, the first never missing.
func (p *rewritingProxy) modeFields() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append(strings.Fields(p.mode), "")
}

// rewrite is the reverse proxy's ModifyResponse: the key API's answers, as
// the mode says.
func (p *rewritingProxy) rewrite(resp *http.Response) error {
	if resp.Request.URL.Path != "/zot/auth/apikey" {
		return nil
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f := p.modeFields()
	m := f[0]
	switch {
	case m == "create-uuid-of" && resp.Request.Method == http.MethodPost:
		var e map[string]any
		if json.Unmarshal(body, &e) == nil {
			e["uuid"] = f[1]
			body, _ = json.Marshal(e)
		}
	case strings.HasPrefix(m, "list-") && resp.Request.Method == http.MethodGet:
		body = p.rewriteList(body, m, f[1])
	case m == "huge" && resp.Request.Method == http.MethodGet:
		body = append([]byte(`{"apiKeys":[],"x":"`), bytes.Repeat([]byte("a"), 64<<20)...)
		body = append(body, []byte(`"}`)...)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return nil
}

// rewriteList rewrites a list answer's entries by mode m (list-dup,
// list-omit of uuid arg, list-future, list-zero).
func (p *rewritingProxy) rewriteList(body []byte, m, arg string) []byte {
	var l struct {
		APIKeys []map[string]any `json:"apiKeys"`
	}
	if json.Unmarshal(body, &l) != nil {
		return body
	}
	out := []map[string]any{}
	for _, e := range l.APIKeys {
		switch m {
		case "list-dup":
			out = append(out, e, e)
		case "list-omit":
			if e["uuid"] != arg {
				out = append(out, e)
			}
		case "list-future":
			y := p.zot.Now().Add(365 * 24 * time.Hour).Format(time.RFC3339Nano)
			e["lastUsed"], e["createdAt"] = y, y
			out = append(out, e)
		case "list-zero":
			z := time.Time{}.Format(time.RFC3339Nano)
			e["lastUsed"], e["createdAt"] = z, z
			out = append(out, e)
		default:
			out = append(out, e)
		}
	}
	l.APIKeys = out
	b, _ := json.Marshal(l)
	return b
}

// serve counts a request and passes it on. slow-create D: a create reaches
// zot D after it was sent and is carried out whether or not the client is
// still there, as a real zot behind a busy proxy does.
func (p *rewritingProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	f := strings.Fields(p.mode)
	p.received[r.Method+" "+r.URL.Path]++
	p.inFlight++
	p.mu.Unlock()
	defer func() { p.mu.Lock(); p.inFlight--; p.mu.Unlock() }()
	if len(f) == 2 && f[0] == "slow-create" && r.Method == http.MethodPost {
		d, _ := time.ParseDuration(f[1])
		body, _ := io.ReadAll(r.Body)
		r2 := r.Clone(context.WithoutCancel(r.Context()))
		r2.Body = io.NopCloser(bytes.NewReader(body))
		time.Sleep(d)
		rec := httptest.NewRecorder()
		p.rp.ServeHTTP(rec, r2)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	p.rp.ServeHTTP(w, r)
}
