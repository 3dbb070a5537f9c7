package zot

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/eblume/zotkey/internal/redact"
)

// The kinds of registry failure; every error a request returns Is one of them
// (or context.Canceled when interrupted), so each command can say whether the
// key was judged at all.
var (
	// ErrRejected is a 401: the key is wrong, expired, revoked or another user's.
	ErrRejected = errors.New("rejected")
	// ErrUnreachable: no answer (refused, DNS, timeout, TLS, connection dropped);
	// the key was not judged.
	ErrUnreachable = errors.New("unreachable")
	// ErrRedirected: the registry answered 3xx; zotkey never follows it with a key.
	ErrRedirected = errors.New("redirected")
	// ErrStatus: an answer other than the expected one, 401 and 3xx aside.
	ErrStatus = errors.New("unexpected status")
	// ErrAnswer: an answer zot would not give (bad JSON, a uuid that is not one).
	ErrAnswer = errors.New("unexpected answer")
)

// RejectedError says which user the registry refused.
type RejectedError struct{ User string }

func (e *RejectedError) Error() string {
	u := redact.Text(e.User)
	return fmt.Sprintf("the registry rejected the key for user %s (401): it is wrong, expired, revoked or not %s's", u, u)
}
func (e *RejectedError) Is(target error) bool { return target == ErrRejected }

// StatusError is any answer other than the expected one.
type StatusError struct {
	Method, URL string
	Status      int
	Want        int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("the registry answered %d %s to %s %s (expected %d)", e.Status, http.StatusText(e.Status), e.Method, redact.Text(e.URL), e.Want)
}
func (e *StatusError) Is(target error) bool { return target == ErrStatus }

// RedirectError is a 3xx answer. Location is where it pointed, resolved
// against the request, without user info and passed through redact.Text.
type RedirectError struct {
	Base, Method, Path string
	Status             int
	Location           string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("the registry at %s answered %d %s to %s %s, pointing to %s; zotkey never sends a key through a redirect",
		e.Base, e.Status, http.StatusText(e.Status), e.Method, e.Path, e.Location)
}
func (e *RedirectError) Is(target error) bool { return target == ErrRedirected }

// location words a redirect's target for an error line.
func location(req *url.URL, loc string) string {
	if loc == "" {
		return "nowhere (no Location header)"
	}
	u, err := req.Parse(loc)
	if err != nil {
		return "an unparsable Location"
	}
	u.User = nil // never echo credentials a hostile registry put there
	return redact.Text(u.String())
}

// UnreachableError is a request that got no answer; the key was not judged.
type UnreachableError struct {
	Base, Reason string
	Err          error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("could not reach the registry at %s: %s", e.Base, e.Reason)
}
func (e *UnreachableError) Is(target error) bool { return target == ErrUnreachable }
func (e *UnreachableError) Unwrap() error        { return e.Err }

// AnswerError is an answer zot would not give.
type AnswerError struct{ Reason string }

func (e *AnswerError) Error() string        { return e.Reason }
func (e *AnswerError) Is(target error) bool { return target == ErrAnswer }

// describe turns a transport error into one line that says what kind of failure it was.
func describe(err error, base string, timeout time.Duration) error {
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
	reason := ""
	switch {
	case errors.Is(err, context.Canceled):
		return interrupted{base}
	case errors.As(err, &netErr) && netErr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		reason = fmt.Sprintf("no answer within %s (see --timeout)", timeout)
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostErr), errors.As(err, &recErr):
		reason = "TLS failure: " + inner.Error()
	case errors.As(err, &dnsErr):
		reason = "cannot resolve its host: " + dnsErr.Err
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		reason = "the connection was dropped before the answer was complete"
	case errors.As(err, &opErr):
		reason = opErr.Err.Error()
	default:
		reason = inner.Error()
	}
	return &UnreachableError{Base: base, Reason: redact.Text(reason), Err: err}
}

// interrupted is a request cut short by SIGINT; it unwraps to context.Canceled.
type interrupted struct{ base string }

func (e interrupted) Error() string { return "interrupted while talking to the registry at " + e.base }
func (interrupted) Unwrap() error   { return context.Canceled }
