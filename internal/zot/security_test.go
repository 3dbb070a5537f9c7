package zot_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/testenv"
	"github.com/eblume/zotkey/internal/zot"
	"github.com/eblume/zotkey/internal/zot/zottest"
)

// clean fails when text could forge output or leak: control characters, or
// any of the given secrets.
func clean(t *testing.T, text string, secrets ...string) {
	t.Helper()
	if strings.ContainsAny(text, "\x1b\x07\n\r") {
		t.Errorf("text holds control characters: %q", text)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("text holds %q: %q", s, text)
		}
	}
}

func TestParseURL(t *testing.T) {
	pw := testenv.NewKey()
	for _, c := range []struct {
		raw   string
		allow bool
		want  string // the base URL, or "" for an error
		kind  error
	}{
		{"https://registry.example.com/", false, "https://registry.example.com", nil},
		{"HTTPS://Registry.example.com:8443/zot//", false, "https://Registry.example.com:8443/zot", nil},
		{"http://127.0.0.1:5000", false, "http://127.0.0.1:5000", nil},
		{"http://127.9.8.7:5000", false, "http://127.9.8.7:5000", nil},
		{"http://[::1]:5000", false, "http://[::1]:5000", nil},
		{"http://localhost:5000", false, "http://localhost:5000", nil},
		{"http://LocalHost", false, "http://LocalHost", nil},
		{"http://registry.example.com", false, "", zot.ErrCleartext},
		{"http://10.0.0.1:5000", false, "", zot.ErrCleartext},
		{"http://localhost.example.com", false, "", zot.ErrCleartext},
		{"http://registry.example.com", true, "http://registry.example.com", nil},
		{"https://zot-ci:" + pw + "@registry.example.com", false, "", zot.ErrUserInfo},
		{"https://zot-ci@registry.example.com", false, "", zot.ErrUserInfo},
		{"http://zot-ci:" + pw + "@127.0.0.1:5000", false, "", zot.ErrUserInfo},
		{"zot-ci:" + pw + "@registry.example.com", false, "", zot.ErrUserInfo},
		{"https://zot-ci:" + pw + "@registry.example.com:bad", false, "", zot.ErrUserInfo},
		{"", false, "", zot.ErrBadURL},
		{"registry.example.com", false, "", zot.ErrBadURL},
		{"ftp://registry.example.com", false, "", zot.ErrBadURL},
		{"https://", false, "", zot.ErrBadURL},
		{"https://registry.example.com?x=1", false, "", zot.ErrBadURL},
		{"https://registry.example.com#f", false, "", zot.ErrBadURL},
		{"http://[::1", false, "", zot.ErrBadURL},
		{"https://reg\x1b[31mistry\n.example.com", false, "", zot.ErrBadURL},
	} {
		u, err := zot.ParseURL(c.raw, c.allow)
		if c.want != "" {
			if err != nil || u.String() != c.want {
				t.Errorf("%q: %v, %v; want %s", c.raw, u, err, c.want)
			}
			continue
		}
		if !errors.Is(err, c.kind) || !errors.Is(err, zot.ErrBadURL) {
			t.Errorf("%q: %v, want %v", c.raw, err, c.kind)
			continue
		}
		clean(t, err.Error(), pw, "zot-ci")
		if strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("%q: more than one line", c.raw)
		}
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := zot.New("http://registry.example.com", "zot-ci", time.Second, false); !errors.Is(err, zot.ErrCleartext) {
		t.Fatalf("http remote: %v", err)
	}
	c, err := zot.New("http://registry.example.com", "zot-ci", time.Second, true)
	if err != nil || !c.Cleartext() {
		t.Fatalf("http remote allowed: %v, cleartext %v", err, c != nil && c.Cleartext())
	}
	if c, _ := zot.New("http://127.0.0.1:1/", "zot-ci", time.Second, false); c.Cleartext() || c.BaseURL != "http://127.0.0.1:1" {
		t.Fatalf("loopback: cleartext %v, base %s", c.Cleartext(), c.BaseURL)
	}
	for _, bad := range []struct {
		user    string
		timeout time.Duration
	}{{"", time.Second}, {"a:b", time.Second}, {"ci\nzotkey: hint: x", time.Second}, {"zot-ci", 0}, {"zot-ci", -time.Second}} {
		if _, err := zot.New("https://registry.example.com", bad.user, bad.timeout, false); err == nil {
			t.Errorf("user %q timeout %s accepted", bad.user, bad.timeout)
		} else {
			clean(t, err.Error())
		}
	}
}

// Each redirect the hostile review found: the key reaches nothing but the
// configured URL, the 3xx is an error naming where it pointed, and nothing
// counts as accepted.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	srv := zottest.New()
	defer srv.Close()
	trap := zottest.NewTrap()
	defer trap.Close()
	secret, _ := srv.AddKey("zot-ci", time.Now().Add(time.Hour))
	cur := mustKey(t, secret)
	c := newClient(t, srv.URL, "zot-ci")
	ctx := context.Background()
	_, trapPort, _ := net.SplitHostPort(strings.TrimPrefix(trap.URL, "http://"))
	otherHost := "http://localhost:" + trapPort

	for _, tc := range []struct {
		name string
		rd   zottest.Redirect
		call func() error
		want string // in the error: where it pointed
	}{
		{"301 on /v2/ to the same host, another port", zottest.Redirect{Code: 301, Location: trap.URL + "/v2/"},
			func() error { return c.Check(ctx, cur) }, trap.URL + "/v2/"},
		{"307 on the mint POST", zottest.Redirect{Code: 307, Location: trap.URL + "/zot/auth/apikey", Method: "POST"},
			func() error { _, err := c.Create(ctx, cur, "x", nil, time.Now().Add(time.Hour)); return err }, trap.URL + "/zot/auth/apikey"},
		{"302 to another host that answers anonymously", zottest.Redirect{Code: 302, Location: otherHost + "/v2/"},
			func() error { return c.Check(ctx, cur) }, otherHost + "/v2/"},
		{"308 on the list", zottest.Redirect{Code: 308, Location: "/elsewhere", Path: "/zot/auth/apikey"},
			func() error { _, err := c.List(ctx, cur); return err }, srv.URL + "/elsewhere"},
		{"a Location with user info and escapes", zottest.Redirect{Code: 301, Location: "http://zot-ci:" + secret + "@127.0.0.1:" + trapPort + "/v2/%1b[31m"},
			func() error { return c.Check(ctx, cur) }, "http://127.0.0.1:" + trapPort + "/v2/"},
		{"no Location at all", zottest.Redirect{Code: 302},
			func() error { return c.Check(ctx, cur) }, "nowhere"},
	} {
		srv.SetFaults(zottest.Faults{Redirect: &tc.rd})
		err := tc.call()
		if !errors.Is(err, zot.ErrRedirected) {
			t.Errorf("%s: %v, want a redirect error", tc.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %q does not name %s", tc.name, err, tc.want)
		}
		clean(t, err.Error(), secret, "zot-ci:")
		if n, _ := trap.Requests(); n != 0 {
			t.Fatalf("%s: %d request(s) reached the redirect's target", tc.name, n)
		}
	}
	srv.SetFaults(zottest.Faults{})
	if got := len(srv.ValidKeys("zot-ci")); got != 1 {
		t.Fatalf("%d keys after a redirected mint, want 1 (nothing minted)", got)
	}
}

// An https registry pointing at http on the same host: nothing goes out in cleartext.
func TestRedirectHTTPSToHTTP(t *testing.T) {
	trap := zottest.NewTrap()
	defer trap.Close()
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, trap.URL+r.URL.Path, http.StatusMovedPermanently)
	}))
	defer tls.Close()
	c := newClient(t, tls.URL, "zot-ci")
	c.HTTP.Transport.(*http.Transport).TLSClientConfig = tls.Client().Transport.(*http.Transport).TLSClientConfig
	err := c.Check(context.Background(), mustKey(t, testenv.NewKey()))
	if !errors.Is(err, zot.ErrRedirected) || !strings.Contains(err.Error(), trap.URL+"/v2/") {
		t.Fatalf("%v, want a redirect to %s", err, trap.URL)
	}
	if n, _ := trap.Requests(); n != 0 {
		t.Fatalf("%d request(s) reached the http target", n)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A 200 counts only as the answer to the request that carried the key: not
// one that arrived for another URL or a request without credentials, as would
// happen if redirects were ever followed again.
func TestAnonymousAnswerNeverCounts(t *testing.T) {
	trap := zottest.NewTrap()
	defer trap.Close()
	k := mustKey(t, testenv.NewKey())
	ctx := context.Background()

	// The request itself always carries the credentials.
	if err := newClient(t, trap.URL, "zot-ci").Check(ctx, k); err != nil {
		t.Fatal(err)
	}
	if all, creds := trap.Requests(); all != 1 || creds != 1 {
		t.Fatalf("trap saw %d requests, %d with credentials", all, creds)
	}

	// Someone re-enables Go's redirect policy: the anonymous 200 from
	// elsewhere is still refused.
	srv := zottest.New()
	defer srv.Close()
	srv.SetFaults(zottest.Faults{Redirect: &zottest.Redirect{Code: 302, Location: "http://localhost:" + trap.URL[strings.LastIndex(trap.URL, ":")+1:] + "/v2/"}})
	c := newClient(t, srv.URL, "zot-ci")
	c.HTTP.CheckRedirect = nil
	if err := c.Check(ctx, k); !errors.Is(err, zot.ErrRedirected) {
		t.Fatalf("followed redirect: %v, want refused", err)
	}

	// A transport that answers for a request stripped of its credentials.
	c = newClient(t, "https://registry.example.com", "zot-ci")
	c.HTTP.Transport = roundTrip(func(r *http.Request) (*http.Response, error) {
		anon := r.Clone(r.Context())
		anon.Header.Del("Authorization")
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: anon, Header: http.Header{}}, nil
	})
	if err := c.Check(ctx, k); err == nil {
		t.Fatal("an answer to an anonymous request counted as accepted")
	}
	c.HTTP.Transport = roundTrip(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}, nil
	})
	if err := c.Check(ctx, k); err == nil {
		t.Fatal("an answer to no known request counted as accepted")
	}
}

func TestFailureKinds(t *testing.T) {
	srv := zottest.New()
	defer srv.Close()
	secret, _ := srv.AddKey("zot-ci", time.Now().Add(time.Hour))
	k := mustKey(t, secret)
	ctx := context.Background()

	// Nobody listening: a port that was just free.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + l.Addr().String()
	l.Close()
	untrusted := httptest.NewTLSServer(http.NotFoundHandler())
	defer untrusted.Close()
	untrusted.Config.ErrorLog = log.New(io.Discard, "", 0)
	drop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer drop.Close()

	for _, c := range []struct {
		name, url string
		faults    zottest.Faults
		timeout   time.Duration
		kind      error
		text      string
	}{
		{"refused", closed, zottest.Faults{}, time.Second, zot.ErrUnreachable, "could not reach the registry at " + closed + ": connect: connection refused"},
		{"timeout", srv.URL, zottest.Faults{Latency: time.Second}, 100 * time.Millisecond, zot.ErrUnreachable, "could not reach the registry at " + srv.URL + ": no answer within 100ms (see --timeout)"},
		{"TLS", untrusted.URL, zottest.Faults{}, time.Second, zot.ErrUnreachable, "could not reach the registry at " + untrusted.URL + ": TLS failure: "},
		{"dropped", drop.URL, zottest.Faults{}, time.Second, zot.ErrUnreachable, "could not reach the registry at " + drop.URL + ": the connection was dropped"},
		{"503", srv.URL, zottest.Faults{V2Fail: true}, time.Second, zot.ErrStatus, "the registry answered 503 Service Unavailable to GET " + srv.URL + "/v2/ (expected 200)"},
	} {
		srv.SetFaults(c.faults)
		cl, err := zot.New(c.url, "zot-ci", c.timeout, false)
		if err != nil {
			t.Fatal(err)
		}
		err = cl.Check(ctx, k)
		if !errors.Is(err, c.kind) || !strings.HasPrefix(err.Error(), c.text) {
			t.Errorf("%s: %v, want %v starting %q", c.name, err, c.kind, c.text)
		}
		if errors.Is(err, zot.ErrRejected) {
			t.Errorf("%s: counted as a rejection", c.name)
		}
		clean(t, err.Error(), secret)
	}
	srv.SetFaults(zottest.Faults{})
	err := newClient(t, srv.URL, "zot-ci").Check(ctx, mustKey(t, testenv.NewKey()))
	if !errors.Is(err, zot.ErrRejected) || errors.Is(err, zot.ErrUnreachable) {
		t.Fatalf("wrong key: %v, want only rejected", err)
	}

	// An interrupt is neither: it unwraps to context.Canceled.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := newClient(t, srv.URL, "zot-ci").Check(cctx, k); !errors.Is(err, context.Canceled) || errors.Is(err, zot.ErrUnreachable) {
		t.Fatalf("interrupted: %v", err)
	}
}

// Registry text is untrusted: a uuid that is not one never comes back from
// the client, labels come back printable, and the errors quote none of it.
func TestHostileAnswers(t *testing.T) {
	srv := zottest.New()
	defer srv.Close()
	secret, _ := srv.AddKey("zot-ci", time.Now().Add(time.Hour))
	k := mustKey(t, secret)
	c := newClient(t, srv.URL, "zot-ci")
	ctx := context.Background()
	exp := time.Now().Add(24 * time.Hour)

	srv.SetFaults(zottest.Faults{HostileListUUID: true})
	keys, err := c.List(ctx, k)
	if !errors.Is(err, zot.ErrAnswer) || keys != nil {
		t.Fatalf("hostile list: %v, %v", keys, err)
	}
	clean(t, err.Error(), "owned")

	srv.SetFaults(zottest.Faults{HostileCreateUUID: true})
	created, err := c.Create(ctx, k, "zotkey hostile", nil, exp)
	if !errors.Is(err, zot.ErrAnswer) || created.UUID != "" || !created.Key.IsZero() {
		t.Fatalf("hostile create: %+v, %v", created.APIKey, err)
	}
	clean(t, err.Error(), "owned")
	// The key was minted all the same: its label finds it for the cleanup.
	srv.SetFaults(zottest.Faults{})
	keys, _ = c.List(ctx, k)
	var minted string
	for _, e := range keys {
		if e.Label == "zotkey hostile" {
			minted = e.UUID
		}
	}
	if err := c.Revoke(ctx, k, minted); err != nil || len(srv.ValidKeys("zot-ci")) != 1 {
		t.Fatalf("cleanup by label: %v, %d keys", err, len(srv.ValidKeys("zot-ci")))
	}

	srv.SetFaults(zottest.Faults{HostileLabel: true})
	keys, err = c.List(ctx, k)
	if err != nil || len(keys) != 1 {
		t.Fatalf("hostile label: %v, %v", keys, err)
	}
	clean(t, keys[0].Label)
	if !strings.Contains(keys[0].Label, `\x1b]0;owned`) {
		t.Fatalf("label %q: want the escapes shown, not dropped", keys[0].Label)
	}

	if err := c.Revoke(ctx, k, "../../x\n"); !errors.Is(err, zot.ErrAnswer) {
		t.Fatalf("revoking a non-uuid: %v", err)
	}
	for _, id := range []string{"", "0123", "ABCDEF01-2345-4678-9abc-def012345678", "abcdef01-2345-4678-9abc-def0123456789", "abcdef01-2345-4678-9abc-def012345678\n"} {
		if zot.ValidUUID(id) {
			t.Errorf("%q counted as a uuid", id)
		}
	}
	if !zot.ValidUUID("abcdef01-2345-4678-9abc-def012345678") {
		t.Error("a zot uuid refused")
	}
}
