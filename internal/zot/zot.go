// Package zot talks to the registry: it checks a key with GET /v2/ (any OCI
// registry) and mints, lists and revokes API keys through zot's
// /zot/auth/apikey endpoint. Keys travel only in the Authorization header and
// request bodies, only to the configured URL (redirects are never followed);
// no error text here contains a key, and registry text is passed through
// redact.Text before it can reach a message.
package zot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/redact"
)

// Client is one registry user's view of the registry. Make it with New, which
// validates the URL.
type Client struct {
	BaseURL string // e.g. https://registry.ops.eblu.me, no trailing slash
	User    string
	HTTP    *http.Client
	timeout time.Duration
	clear   bool
}

// New returns a Client for the registry at baseURL (see ParseURL) whose every
// request times out after timeout and never follows a redirect.
func New(baseURL, user string, timeout time.Duration, allowHTTP bool) (*Client, error) {
	u, err := ParseURL(baseURL, allowHTTP)
	if err != nil {
		return nil, err
	}
	if user == "" {
		return nil, errors.New("the registry user is empty (--user)")
	}
	if redact.Text(user) != user || strings.Contains(user, ":") {
		// Basic auth cannot carry a ":" in the user; control characters would
		// forge output wherever the user is named.
		return nil, errors.New("the registry user " + redact.Text(user) + " has a \":\" or a control character (--user)")
	}
	if timeout <= 0 {
		return nil, fmt.Errorf("the registry timeout must be positive, not %s (--timeout)", timeout)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	if u.Scheme == "http" {
		// An HTTP proxy would read the key in the clear and could answer for
		// the registry; over https it only tunnels (CONNECT), so it is used.
		t.Proxy = nil
	}
	return &Client{
		BaseURL: u.String(),
		User:    user,
		HTTP: &http.Client{
			Timeout:   timeout,
			Transport: t,
			// Go forwards Authorization to the same host on any port or scheme:
			// the first answer is the only one, a 3xx becomes an error.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		timeout: timeout,
		clear:   u.Scheme == "http" && !Loopback(u.Hostname()),
	}, nil
}

// Cleartext reports whether the key travels unencrypted over the network
// (http:// to a host other than loopback, allowed by New's allowHTTP).
func (c *Client) Cleartext() bool { return c.clear }

// Check asks GET /v2/ whether k works for c.User. nil means the registry
// authenticated the key: the credentials went to the configured URL itself
// (no redirect), and zot does not fall back to anonymous access when
// credentials are sent, so its 200 is not an anonymous one.
func (c *Client) Check(ctx context.Context, k key.Key) error {
	_, err := c.do(ctx, k, http.MethodGet, "/v2/", nil, http.StatusOK)
	return err
}

// Ping asks GET /v2/ without credentials and returns the HTTP status: any
// answer (200 with anonymous reads, 401 without) means a registry is there.
// It sends no key, so it is safe before anything is known about the URL.
func (c *Client) Ping(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/v2/", nil)
	if err != nil {
		return 0, &URLError{Reason: "the registry URL " + redact.Text(c.BaseURL) + " cannot be requested"}
	}
	req.Header.Set("User-Agent", "zotkey")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, describe(err, redact.Text(c.BaseURL), c.timeout)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// APIKey is an entry of zot's key list (the secret itself is only in Created).
// UUID is checked (ValidUUID); Label, CreatorUA and GeneratedBy are display
// text, already passed through redact.Text; Scopes are as the registry sent
// them (to pass back to Create): print them through redact.Text.
type APIKey struct {
	UUID           string    `json:"uuid"`
	Label          string    `json:"label"`
	CreatedAt      time.Time `json:"createdAt"`
	ExpirationDate time.Time `json:"expirationDate"`
	IsExpired      bool      `json:"isExpired"`
	LastUsed       time.Time `json:"lastUsed"`
	Scopes         []string  `json:"scopes"`
	CreatorUA      string    `json:"creatorUa"`
	GeneratedBy    string    `json:"generatedBy"`
}

// Expires reports whether the key has an expiry (zot writes the zero time for "never").
func (a APIKey) Expires() bool { return a.ExpirationDate.Year() > 1 }

// Used reports whether zot has seen the key in use (zot writes the zero time for "never").
func (a APIKey) Used() bool { return a.LastUsed.Year() > 1 }

// uuidShape is how zot writes a key's uuid (uuid.NewV4().String()).
// Checked by hand: a regexp compiled at start-up would cost every zotkey run.
func uuidShape(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// ValidUUID reports whether s looks like the uuids zot gives keys: 8-4-4-4-12
// lower-case hex digits. Anything else is refused before it is recorded,
// printed or sent back.
func ValidUUID(s string) bool { return uuidShape(s) }

// clean checks and sanitises one entry of a registry answer.
func (a *APIKey) clean(what string) error {
	if !ValidUUID(a.UUID) {
		return &AnswerError{Reason: fmt.Sprintf("the registry's %s holds a uuid that is not one (zot writes 8-4-4-4-12 lower-case hex); not trusting it", what)}
	}
	a.Label, a.CreatorUA, a.GeneratedBy = redact.Text(a.Label), redact.Text(a.CreatorUA), redact.Text(a.GeneratedBy)
	return nil
}

// Created is a freshly minted key.
type Created struct {
	APIKey
	Key key.Key
}

// Create mints a new key for c.User, authenticated by current, with the given
// label, scopes (nil: none) and expiry. When the answer is unusable the error
// says why; Created.UUID is then set only if the answer's uuid was valid, so
// the caller can revoke what it cannot use (else find it by its label).
func (c *Client) Create(ctx context.Context, current key.Key, label string, scopes []string, expires time.Time) (Created, error) {
	if scopes == nil {
		scopes = []string{}
	}
	body, _ := json.Marshal(map[string]any{"label": label, "scopes": scopes, "expirationDate": expires.UTC().Format(time.RFC3339)})
	resp, err := c.do(ctx, current, http.MethodPost, "/zot/auth/apikey", body, http.StatusCreated)
	if err != nil {
		return Created{}, err
	}
	var out struct {
		APIKey
		Secret string `json:"apiKey"`
	}
	if err := json.Unmarshal(resp, &out); err != nil {
		return Created{}, &AnswerError{Reason: "the registry's answer to creating a key is not the JSON zot sends: " + redact.Text(err.Error())}
	}
	if out.UUID == "" {
		return Created{}, &AnswerError{Reason: "the registry created a key but did not say its uuid"}
	}
	if err := out.APIKey.clean("answer to creating a key"); err != nil {
		return Created{}, err
	}
	k, err := key.Parse([]byte(out.Secret), key.Zot)
	if err != nil {
		// The uuid is still useful: the caller revokes what it cannot use.
		return Created{APIKey: out.APIKey}, &AnswerError{Reason: fmt.Sprintf("the registry created a key that is not well formed (%v)", err)}
	}
	return Created{APIKey: out.APIKey, Key: k}, nil
}

// List returns the keys of c.User. An entry with a uuid that is not one fails
// the whole list rather than being dropped: callers pick the caller's own
// entry by newest lastUsed and prove revocations by absence, and a list with
// holes would make both answer wrongly.
func (c *Client) List(ctx context.Context, auth key.Key) ([]APIKey, error) {
	resp, err := c.do(ctx, auth, http.MethodGet, "/zot/auth/apikey", nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var out struct {
		APIKeys []APIKey `json:"apiKeys"`
	}
	if err := json.Unmarshal(resp, &out); err != nil {
		return nil, &AnswerError{Reason: "the registry's key list is not the JSON zot sends: " + redact.Text(err.Error())}
	}
	for i := range out.APIKeys {
		if err := out.APIKeys[i].clean("key list"); err != nil {
			return nil, err
		}
	}
	return out.APIKeys, nil
}

// Revoke deletes the key with uuid id. zot answers 200 for unknown ids too, so
// callers that need proof list the keys afterwards.
func (c *Client) Revoke(ctx context.Context, auth key.Key, id string) error {
	if !ValidUUID(id) {
		return &AnswerError{Reason: "refusing to revoke " + redact.Text(id) + ": it is not a zot key uuid"}
	}
	_, err := c.do(ctx, auth, http.MethodDelete, "/zot/auth/apikey?id="+url.QueryEscape(id), nil, http.StatusOK)
	return err
}

// Find returns the entry with uuid id.
func Find(keys []APIKey, id string) (APIKey, bool) {
	for _, k := range keys {
		if k.UUID == id {
			return k, true
		}
	}
	return APIKey{}, false
}

// MaxAnswer bounds what zotkey reads of one answer: a key list of thousands
// of keys is a few hundred KiB.
const MaxAnswer = 1 << 20

func (c *Client) do(ctx context.Context, k key.Key, method, path string, body []byte, want int) ([]byte, error) {
	if k.IsZero() {
		return nil, errors.New("no key to send to the registry")
	}
	u := c.BaseURL + path
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, &URLError{Reason: "the registry URL " + redact.Text(c.BaseURL) + " cannot be requested"}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "zotkey")
	req.SetBasicAuth(c.User, k.Reveal())
	base := redact.Text(c.BaseURL) // for messages
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, describe(err, base, c.timeout)
	}
	defer resp.Body.Close()
	// Only an answer to the very request that carried the key counts: were a
	// redirect ever followed, a 200 from elsewhere (maybe anonymous) is no proof.
	if r := resp.Request; r == nil || r.URL.String() != u || r.Header.Get("Authorization") == "" {
		to := "an unknown place"
		if r != nil {
			to = location(req.URL, r.URL.String())
		}
		return nil, &RedirectError{Base: base, Method: method, Path: path, Status: resp.StatusCode, Location: to}
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, &RedirectError{Base: base, Method: method, Path: path, Status: resp.StatusCode, Location: location(req.URL, resp.Header.Get("Location"))}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return nil, describe(err, base, c.timeout)
	}
	if len(b) > MaxAnswer {
		// Cut short, it would fail as broken JSON: name the real cause.
		return nil, &AnswerError{Reason: fmt.Sprintf("the registry's answer to %s %s is too large: more than the %d MiB zotkey reads", method, path, MaxAnswer>>20)}
	}
	switch resp.StatusCode {
	case want:
		return b, nil
	case http.StatusUnauthorized:
		return nil, &RejectedError{User: c.User}
	default:
		// The body is not echoed: a registry may reflect what it was sent.
		return nil, &StatusError{Method: method, URL: u, Status: resp.StatusCode, Want: want}
	}
}
