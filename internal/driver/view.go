package driver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/redact"
)

// The commands' views of the record: status's text and JSON, the keys at the
// registry, a decision in words, and rotate's last line. They only word what
// internal/lifecycle decided.

// ManualPath is where every refusal to rotate points.
const ManualPath = "get a new key by hand (the zot web UI) and store it: zotkey set, or mise run rotate-zot-key --manual"

// View is zotkey status --json's shape, documented in docs/lifecycle.md.
type View struct {
	Store       string                    `json:"store"`
	Registry    string                    `json:"registry"`
	User        string                    `json:"user"`
	Name        string                    `json:"name,omitempty"`
	Fingerprint string                    `json:"fingerprint,omitempty"`
	UUID        string                    `json:"uuid,omitempty"`
	ExpiresAt   *time.Time                `json:"expiresAt,omitempty"`
	DaysLeft    *int                      `json:"daysLeft,omitempty"`
	State       string                    `json:"state"` // ok, expiring, expired, rejected, unknown
	Synced      bool                      `json:"synced"`
	Replaced    []lifecycle.Replaced      `json:"replaced,omitempty"`
	Rotation    *lifecycle.Rotation       `json:"rotation,omitempty"`
	Sync        *lifecycle.SyncRun        `json:"sync,omitempty"`
	LastCheck   *lifecycle.Check          `json:"lastCheck,omitempty"`
	LastJob     *lifecycle.JobRun         `json:"lastJob,omitempty"`
	Watch       []lifecycle.Watch         `json:"watch,omitempty"`
	OnePassword *lifecycle.OnePasswordIDs `json:"onePassword,omitempty"`
}

// StatusView is the state of s's current key (which must be set) at now;
// with warnDays, a key with at most that many days left is "expiring".
func StatusView(s lifecycle.State, now time.Time, warnDays *int) View {
	v := View{Store: s.Store, Registry: s.Registry, User: s.User, Name: s.Current.Name(),
		Fingerprint: s.Current.Fingerprint, UUID: s.Current.UUID, ExpiresAt: s.Current.ExpiresAt, State: "unknown",
		Synced: s.Current.Synced, Replaced: s.Replaced, Rotation: s.Rotation, Sync: s.Sync, LastCheck: s.LastCheck,
		LastJob: s.LastJob, Watch: s.Watch, OnePassword: s.OnePassword}
	days, known := s.DaysLeft(now)
	if known {
		v.DaysLeft = &days
		v.State = "ok"
		if s.Expired(now) {
			v.State = "expired"
		} else if warnDays != nil && days <= *warnDays {
			v.State = "expiring"
		}
	}
	if s.Dead() {
		v.State = "rejected"
	}
	return v
}

// WriteJSON prints v as indented JSON, one document, with every string in
// it passed through the one redaction (redact.Text), as every line zotkey
// prints is: the record holds text that came from outside (a label, a
// store's name, a job's message).
func WriteJSON(w io.Writer, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintln(w, string(redactJSON(b)))
}

// redactJSON passes every string of the JSON document b through
// redact.Text; a string it leaves as it was keeps its bytes.
func redactJSON(b []byte) []byte {
	var out bytes.Buffer
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			out.WriteByte(b[i])
			continue
		}
		j := i + 1
		for ; j < len(b) && b[j] != '"'; j++ {
			if b[j] == '\\' {
				j++
			}
		}
		lit := b[i:min(j+1, len(b))]
		var s string
		if err := json.Unmarshal(lit, &s); err != nil || redact.Text(s) == s {
			out.Write(lit)
		} else {
			enc := json.NewEncoder(&out)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(redact.Text(s))
			out.Truncate(out.Len() - 1) // Encode's newline
		}
		i = j
	}
	return out.Bytes()
}

// UnknownView is --json without a record: still JSON, so a script always has
// something to parse, with state "unknown" and what the flags name.
func UnknownView(store, registry, user string) any {
	return struct {
		Store    string `json:"store"`
		Registry string `json:"registry"`
		User     string `json:"user"`
		State    string `json:"state"`
	}{store, registry, user, "unknown"}
}

// WriteStatus prints s as zotkey status does, one "name: value" line each;
// jobInstalled is asked only when no job run is recorded.
func WriteStatus(w io.Writer, s lifecycle.State, now time.Time, jobInstalled func() bool) {
	fmt.Fprintf(w, "store:        %s\n", redact.Text(s.Store))
	fmt.Fprintf(w, "registry:     %s (user %s)\n", redact.Text(s.Registry), redact.Text(s.User))
	fmt.Fprintf(w, "key:          %s\n", s.Current.Name())
	fmt.Fprintf(w, "expiry:       %s\n", s.Expiry(now))
	if c := s.LastCheck; c != nil && c.Fingerprint == s.Current.Fingerprint {
		verdict := "accepted"
		if c.Result == lifecycle.Refused {
			verdict = "REFUSED: the key no longer works; " + ManualPath
		}
		fmt.Fprintf(w, "last check:   %s, %s\n", c.At.Local().Format(time.RFC3339), verdict)
	}
	writeReplaced(w, s)
	switch {
	case s.Sync != nil:
		fmt.Fprintf(w, "sync:         started %s for %s (under way, or cut short: the next run syncs again)\n", s.Sync.StartedAt.Local().Format(time.RFC3339), lifecycle.Name("", s.Sync.Fingerprint))
	case s.AwaitingSync() > 0:
		fmt.Fprintf(w, "sync:         not confirmed, so the %d key(s) it replaced are kept; zotkey rotate or auto with a sync configured syncs it\n", s.AwaitingSync())
	}
	if r := s.Rotation; r != nil {
		fmt.Fprintf(w, "unfinished:   a rotation (label %q) was cut short; the next zotkey rotate, revoke-previous or daily job finishes it\n", redact.Text(r.Label))
	}
	for _, wl := range s.Watch {
		fmt.Fprintf(w, "unfinished:   a rotation (label %q) was cut short before zot answered; zotkey revokes its key if it appears\n", redact.Text(wl.Label))
	}
	switch j := s.LastJob; {
	case j != nil:
		fmt.Fprintf(w, "daily job:    %s%s\n", DescribeJob(*j, now), fixedSince(s))
	case jobInstalled():
		fmt.Fprintf(w, "daily job:    installed, never ran\n")
	}
}

// writeReplaced prints the keys waiting to be revoked, and for each whether
// its users moved: zot's last use of it beside its successor's sync (each on
// its own clock).
func writeReplaced(w io.Writer, s lifecycle.State) {
	if n := len(s.Replaced); n > 0 {
		fmt.Fprintf(w, "replaced:     %d key(s) waiting to be revoked; the daily job revokes each once unused for --unused-for after its successor's sync\n", n)
	}
	for _, r := range s.Replaced {
		if r.SyncedAt == nil || r.LastUsed == nil {
			continue
		}
		used := "never used"
		if r.LastUsed.Year() > 1 {
			used = "last used " + r.LastUsed.UTC().Format(time.RFC3339) + " (zot's clock)"
		}
		fmt.Fprintf(w, "              %s: %s, seen %s; its successor's sync confirmed %s\n", r.Name(), used, r.SeenAt.Local().Format(time.RFC3339), r.SyncedAt.Local().Format(time.RFC3339))
	}
}

// fixedSince is what happened after a last job that needed a person, when it
// shows the cause is gone: the stored key checked ok since ("" otherwise).
func fixedSince(s lifecycle.State) string {
	j, c := s.LastJob, s.LastCheck
	if j == nil || (j.Outcome != lifecycle.NeedsYou && j.Outcome != lifecycle.Failed) || c == nil || s.Current == nil ||
		c.Result != lifecycle.Accepted || c.Fingerprint != s.Current.Fingerprint || !c.At.After(j.At) {
		return ""
	}
	return "; fixed since: the stored key checked ok at " + c.At.Local().Format("2006-01-02 15:04")
}

// DescribeJob words the daily job's last run.
func DescribeJob(j lifecycle.JobRun, now time.Time) string {
	at := j.At.Local().Format("2006-01-02 15:04")
	line := fmt.Sprintf("last ran %s, %s", at, j.Outcome)
	switch {
	case strings.HasPrefix(j.Message, string(j.Outcome)):
		// "nothing due: the key …" says the outcome itself: not twice.
		line = fmt.Sprintf("last ran %s, %s", at, redact.Text(j.Message))
	case j.Message != "":
		line += ": " + redact.Text(j.Message)
	}
	switch {
	case j.At.After(now):
		line = fmt.Sprintf("its last run is stamped after this machine's clock (now %s): the clock went back, so whether the job still runs is unknown until it runs again (%s)", now.Local().Format("2006-01-02 15:04"), line)
	case j.Late(now):
		line = fmt.Sprintf("has not run for %d days (%s)", int(now.Sub(j.At)/(24*time.Hour)), line)
	}
	return line
}

// SayKeys lists the stored key and every key waiting to be revoked with
// zot's created, last-used and expiry times.
func SayKeys(say func(format string, args ...any), s lifecycle.State, f lifecycle.Facts) {
	now := f.Self.LastUsed // the registry's present: this check stamped it
	say("keys of %s at the registry:", redact.Text(s.User))
	say("  %-8s %s, created %s", "stored", s.Current.Name(), lifecycle.Ago(f.Self.CreatedAt, now))
	for _, r := range s.Replaced {
		k, ok := f.Entry(r.UUID)
		if !ok {
			say("  %-8s %s, no longer listed by zot", "replaced", r.Name())
			continue
		}
		exp := "never expires"
		if k.Expires() {
			exp = "expires " + k.ExpiresAt.UTC().Format("2006-01-02")
		}
		say("  %-8s %s, created %s, last used %s, %s", "replaced", r.Name(), lifecycle.Ago(k.CreatedAt, now), lifecycle.Ago(k.LastUsed, now), exp)
	}
}

// SayDecision says what a dry run would do, or what was left and why.
func SayDecision(say func(format string, args ...any), d lifecycle.Decision, dryRun bool) {
	if dryRun {
		for _, w := range d.Words() {
			say("dry run: %s", w)
		}
		return
	}
	for _, k := range d.Kept {
		say("%s", k)
	}
	for _, due := range d.Due {
		say("%s", due)
	}
}

// Farewell says in one line when the key the stored key replaced goes, and
// who revokes it: the daily job, once it has gone unused for quiet after its
// successor's confirmed sync (and after its last use).
func Farewell(s lifecycle.State, quiet time.Duration) string {
	if s.Current == nil {
		return "no key is stored"
	}
	i := slices.IndexFunc(s.Replaced, func(r lifecycle.Replaced) bool { return r.ReplacedBy == s.Current.Fingerprint })
	if i < 0 {
		return "no previous key waits to be revoked"
	}
	r := s.Replaced[i]
	at, ok := r.Revocable(quiet)
	if !ok {
		return fmt.Sprintf("the new key's sync is not confirmed (none is configured), so the previous %s stays valid: sync the new key to its users and run zotkey synced; the daily job revokes the old key once unused for %s after that", r.Name(), lifecycle.Duration(quiet))
	}
	return fmt.Sprintf("the previous %s goes at %s at the earliest, once unused for %s after this sync: the daily job revokes it (revoke-previous --force revokes it now)", r.Name(), at.Local().Format("2006-01-02 15:04 MST"), lifecycle.Duration(quiet))
}
