package zot

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/eblume/zotkey/internal/redact"
)

// URL errors: every one Is ErrBadURL; ErrCleartext and ErrUserInfo say which
// rule the URL broke, so callers can attach the matching hint.
var (
	ErrBadURL    = errors.New("bad registry URL")
	ErrCleartext = errors.New("cleartext registry URL")
	ErrUserInfo  = errors.New("registry URL with user info")
)

// URLError is a registry URL zotkey will not use. Its text never quotes user
// info, and quotes the rest only through redact.Text.
type URLError struct {
	Reason string
	Kind   error // nil, ErrCleartext or ErrUserInfo
}

func (e *URLError) Error() string { return e.Reason }
func (e *URLError) Is(target error) bool {
	return target == ErrBadURL || (e.Kind != nil && target == e.Kind)
}

// ParseURL checks that raw is a registry base URL zotkey may send a key to:
// http or https, a host, no user info, no query or fragment, and http only for
// loopback unless allowHTTP. It returns the URL without a trailing slash.
func ParseURL(raw string, allowHTTP bool) (*url.URL, error) {
	bad := func(kind error, format string, args ...any) (*url.URL, error) {
		return nil, &URLError{Reason: fmt.Sprintf(format, args...), Kind: kind}
	}
	if strings.TrimSpace(raw) == "" {
		return bad(nil, "the registry URL is empty (--registry)")
	}
	// User info is looked for before parsing, so that no error below, url's
	// own included, can quote it: an "@" before the path counts.
	if strings.Contains(authority(raw), "@") {
		return bad(ErrUserInfo, "the registry URL holds user info (user:password@ before the host); it is not shown, and zotkey will not use it")
	}
	u, err := url.Parse(raw)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the whole URL
		}
		return bad(nil, "the registry URL %s is malformed: %s", redact.Text(raw), redact.Text(err.Error()))
	}
	shown := redact.Text(raw)
	switch {
	case u.User != nil:
		return bad(ErrUserInfo, "the registry URL holds user info (user:password@ before the host); it is not shown, and zotkey will not use it")
	case u.Scheme != "https" && u.Scheme != "http":
		return bad(nil, "the registry URL %s is not an http(s) URL: it must start with https://", shown)
	case u.Host == "" || u.Hostname() == "":
		return bad(nil, "the registry URL %s has no host", shown)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return bad(nil, "the registry URL %s must be a base URL, without ?query or #fragment", shown)
	case u.Scheme == "http" && !Loopback(u.Hostname()) && !allowHTTP:
		return bad(ErrCleartext, "refusing to send the key unencrypted to %s: plain http:// is allowed only for this machine (localhost, 127.0.0.0/8, ::1)", shown)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// authority is the part of raw between "//" (if any) and the next "/", "?" or "#".
func authority(raw string) string {
	rest := raw
	if _, after, ok := strings.Cut(raw, "//"); ok {
		rest = after
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// Loopback reports whether host names this machine: localhost, 127.0.0.0/8 or ::1.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
