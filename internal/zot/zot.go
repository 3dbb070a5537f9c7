// Package zot talks to the registry: it checks a key with GET /v2/ (any OCI
// registry) and mints, lists and revokes API keys through zot's
// /zot/auth/apikey endpoint. Keys travel only in the Authorization header and
// request bodies; no error text here contains a key.
package zot

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/eblume/zotkey/internal/key"
)

// Client is one registry user's view of the registry.
type Client struct {
	BaseURL string // e.g. https://registry.ops.eblu.me
	User    string
	HTTP    *http.Client
}

// New returns a Client whose every request times out after timeout.
func New(baseURL, user string, timeout time.Duration) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), User: user, HTTP: &http.Client{Timeout: timeout}}
}

// ErrRejected is a 401: the key is wrong, expired, revoked or another user's.
var ErrRejected = errors.New("rejected")

// RejectedError says which user the registry refused.
type RejectedError struct{ User string }

func (e *RejectedError) Error() string {
	return fmt.Sprintf("the registry rejected the key for user %s (401): it is wrong, expired, revoked or not %s's", e.User, e.User)
}
func (e *RejectedError) Is(target error) bool { return target == ErrRejected }

// StatusError is any answer other than the expected one.
type StatusError struct {
	Method, URL string
	Status      int
	Want        int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("the registry answered %d %s to %s %s (expected %d)", e.Status, http.StatusText(e.Status), e.Method, e.URL, e.Want)
}

// Check asks GET /v2/ whether k works for c.User.
func (c *Client) Check(ctx context.Context, k key.Key) error {
	_, err := c.do(ctx, k, http.MethodGet, "/v2/", nil, http.StatusOK)
	return err
}

// APIKey is an entry of zot's key list (the secret itself is only in Created).
type APIKey struct {
	UUID           string    `json:"uuid"`
	Label          string    `json:"label"`
	CreatedAt      time.Time `json:"createdAt"`
	ExpirationDate time.Time `json:"expirationDate"`
	IsExpired      bool      `json:"isExpired"`
	LastUsed       time.Time `json:"lastUsed"`
	Scopes         []string  `json:"scopes"`
}

// Expires reports whether the key has an expiry (zot writes the zero time for "never").
func (a APIKey) Expires() bool { return a.ExpirationDate.Year() > 1 }

// Created is a freshly minted key.
type Created struct {
	APIKey
	Key key.Key
}

// Create mints a new key for c.User, authenticated by current.
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
		return Created{}, fmt.Errorf("the registry's answer to creating a key is not the JSON zot sends: %v", err)
	}
	k, err := key.Parse([]byte(out.Secret), key.Zot)
	if err != nil {
		// The uuid is still useful: the caller revokes what it cannot use.
		return Created{APIKey: out.APIKey}, fmt.Errorf("the registry created a key that is not well formed (%v)", err)
	}
	if out.UUID == "" {
		return Created{Key: k}, errors.New("the registry created a key but did not say its uuid")
	}
	return Created{APIKey: out.APIKey, Key: k}, nil
}

// List returns the keys of c.User.
func (c *Client) List(ctx context.Context, auth key.Key) ([]APIKey, error) {
	resp, err := c.do(ctx, auth, http.MethodGet, "/zot/auth/apikey", nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var out struct {
		APIKeys []APIKey `json:"apiKeys"`
	}
	if err := json.Unmarshal(resp, &out); err != nil {
		return nil, fmt.Errorf("the registry's key list is not the JSON zot sends: %v", err)
	}
	return out.APIKeys, nil
}

// Revoke deletes the key with uuid id. zot answers 200 for unknown ids too, so
// callers that need proof list the keys afterwards.
func (c *Client) Revoke(ctx context.Context, auth key.Key, id string) error {
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

// Caller picks the key a list was fetched with: zot updates the caller's
// lastUsed while authenticating, before it reads the list, so it is the newest.
func Caller(keys []APIKey) (APIKey, bool) {
	var best APIKey
	found := false
	for _, k := range keys {
		if !found || k.LastUsed.After(best.LastUsed) {
			best, found = k, true
		}
	}
	return best, found && best.LastUsed.Year() > 1
}

func (c *Client) do(ctx context.Context, k key.Key, method, path string, body []byte, want int) ([]byte, error) {
	u := c.BaseURL + path
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("bad registry URL %q: %v", c.BaseURL, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "zotkey")
	req.SetBasicAuth(c.User, k.Reveal())
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, describe(err, c.BaseURL)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the registry's answer to %s %s: %v", method, path, describe(err, c.BaseURL))
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

// describe turns a transport error into one line that says what kind of failure it was.
func describe(err error, base string) error {
	var (
		uerr    *url.Error
		netErr  net.Error
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		hostErr x509.HostnameError
		recErr  tls.RecordHeaderError
		dnsErr  *net.DNSError
		opErr   *net.OpError
	)
	inner := err
	if errors.As(err, &uerr) {
		inner = uerr.Err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return interrupted{base}
	case errors.As(err, &netErr) && netErr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("the registry at %s did not answer in time (see --timeout)", base)
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostErr), errors.As(err, &recErr):
		return fmt.Errorf("TLS failure talking to the registry at %s: %v", base, inner)
	case errors.As(err, &dnsErr):
		return fmt.Errorf("cannot resolve the registry host of %s: %v", base, dnsErr.Err)
	case errors.As(err, &opErr):
		return fmt.Errorf("cannot reach the registry at %s: %v", base, opErr.Err)
	}
	return fmt.Errorf("cannot talk to the registry at %s: %v", base, inner)
}

// interrupted is a request cut short by SIGINT; it unwraps to context.Canceled.
type interrupted struct{ base string }

func (e interrupted) Error() string { return "interrupted while talking to the registry at " + e.base }
func (interrupted) Unwrap() error   { return context.Canceled }
