package driver_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/redact"
)

const (
	viewFpA = "sha256:aaaaaaaaaaaa"
	viewFpB = "sha256:bbbbbbbbbbbb"
	viewUA  = "aaaaaaaa-1111-4111-8111-111111111111"
	viewUB  = "bbbbbbbb-2222-4222-8222-222222222222"
)

var viewT0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// rotate's last line names when the old key goes: its successor's
// confirmed sync plus --unused-for, and who revokes it.
func TestFarewellSaysWhenTheOldKeyGoes(t *testing.T) {
	quiet := 24 * time.Hour
	s := lifecycle.State{Schema: lifecycle.Schema, Current: &lifecycle.Current{Fingerprint: viewFpB, UUID: viewUB},
		Replaced: []lifecycle.Replaced{{UUID: viewUA, Fingerprint: viewFpA, ReplacedBy: viewFpB}}}
	if got := driver.Farewell(s, quiet); !strings.Contains(got, "stays valid") || !strings.Contains(got, "zotkey synced") {
		t.Fatalf("unsynced: %q", got)
	}
	if _, err := s.Confirm(viewFpB, viewT0); err != nil {
		t.Fatal(err)
	}
	want := "goes at " + viewT0.Add(quiet).Local().Format("2006-01-02 15:04 MST") + " at the earliest, once unused for 1 day after this sync: the daily job revokes it"
	if got := driver.Farewell(s, quiet); !strings.Contains(got, want) {
		t.Fatalf("got %q, want it to say %q", got, want)
	}
}

// status --json passes every string through the one redaction: a key-shaped
// value in the record (a store's name, a rotation's label, a job's message,
// plainly or base64-encoded) never reaches the JSON, which stays valid and
// keeps every other value as it was.
func TestStatusJSONNeverShowsAKey(t *testing.T) {
	const secret = "zak_0123456789abcdef0123456789abcdef"
	encoded := "x" + base64.StdEncoding.EncodeToString([]byte("token="+secret))
	s := lifecycle.State{Schema: lifecycle.Schema, Registry: "https://zot.example", User: "ci",
		Store:    "vault " + secret,
		Current:  &lifecycle.Current{Fingerprint: viewFpA, UUID: viewUA, Synced: true},
		Rotation: &lifecycle.Rotation{Phase: lifecycle.Minting, Label: "<" + encoded},
		LastJob:  &lifecycle.JobRun{At: viewT0, Outcome: lifecycle.Failed, Message: "the sync said \"" + secret + "\"\n\x1b[2J"},
	}
	var out bytes.Buffer
	driver.WriteJSON(&out, driver.StatusView(s, viewT0, nil))
	text := out.String()
	if redact.HasKey(text) || strings.Contains(text, secret) || strings.Contains(text, encoded) {
		t.Fatalf("the JSON shows the key:\n%s", text)
	}
	var v driver.View
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("not JSON after redaction: %v\n%s", err, text)
	}
	// The case happened: each value was there, and is there redacted.
	if v.Store != "vault "+redact.Placeholder || !strings.Contains(v.Rotation.Label, redact.EncodedPlaceholder) || !strings.Contains(v.LastJob.Message, redact.Placeholder) {
		t.Fatalf("the values were not redacted in place: %+v %+v %+v", v.Store, v.Rotation, v.LastJob)
	}
	if strings.ContainsRune(v.LastJob.Message, 0x1b) {
		t.Fatalf("a control character reached the JSON's values: %q", v.LastJob.Message)
	}
	if v.Registry != s.Registry || v.User != s.User || v.Fingerprint != viewFpA || v.UUID != viewUA {
		t.Fatalf("a value without a key changed: %+v", v)
	}
}

// A last run stamped after the clock's now (the clock went back) is not
// worded as a recent run, nor as "-N days": status and doctor say the clock
// went back and the job's state is unknown; two days late says how long.
func TestDescribeJobSaysWhenTheClockWentBack(t *testing.T) {
	ahead := lifecycle.JobRun{At: viewT0.Add(400 * 24 * time.Hour), Outcome: lifecycle.NothingDue}
	if got := driver.DescribeJob(ahead, viewT0); !strings.Contains(got, "the clock went back") || strings.Contains(got, "for -") {
		t.Fatalf("a run stamped 400 days ahead: %q", got)
	}
	late := lifecycle.JobRun{At: viewT0.Add(-(lifecycle.JobLateAfter + time.Hour)), Outcome: lifecycle.NothingDue}
	if got := driver.DescribeJob(late, viewT0); !strings.HasPrefix(got, "has not run for 2 days") {
		t.Fatalf("a run 49 hours ago: %q", got)
	}
	onTime := lifecycle.JobRun{At: viewT0.Add(-lifecycle.JobLateAfter), Outcome: lifecycle.NothingDue}
	if got := driver.DescribeJob(onTime, viewT0); !strings.HasPrefix(got, "last ran ") {
		t.Fatalf("a run exactly 48 hours ago: %q", got)
	}
}

// Every encoding a key could take in the record's text (a job's message
// quoting a registry's or a tool's answer) is redacted in status --json and
// in status's lines: plain in either case, base64, base64url, hex,
// percent-encoded (partly or wholly), and JSON or C escapes; the JSON stays
// valid.
func TestStatusNeverShowsAnEncodedKey(t *testing.T) {
	const secret = "zak_0123456789abcdef0123456789abcdef"
	pct := func(all bool) string {
		var b strings.Builder
		for _, c := range []byte(secret) {
			if all || c == '_' {
				fmt.Fprintf(&b, "%%%02X", c)
			} else {
				b.WriteByte(c)
			}
		}
		return b.String()
	}
	esc := func(format string) string {
		var b strings.Builder
		for _, c := range []byte(secret) {
			fmt.Fprintf(&b, format, c)
		}
		return b.String()
	}
	forms := map[string]string{
		"plain":            secret,
		"upper case":       strings.ToUpper(secret),
		"base64":           base64.StdEncoding.EncodeToString([]byte("k=" + secret)),
		"base64url":        base64.URLEncoding.EncodeToString([]byte("k=" + secret + "??>>")),
		"hex":              hex.EncodeToString([]byte(secret)),
		"percent, partly":  pct(false),
		"percent, wholly":  pct(true),
		"JSON \\u escapes": esc(`\u%04x`),
		"JSON \\u, only _": strings.Replace(secret, "_", `\u005f`, 1),
		"C \\x escapes":    esc(`\x%02x`),
	}
	for name, form := range forms {
		s := lifecycle.State{Schema: lifecycle.Schema, Registry: "https://zot.example", User: "ci", Store: "vault",
			Current: &lifecycle.Current{Fingerprint: viewFpA, UUID: viewUA, Synced: true},
			LastJob: &lifecycle.JobRun{At: viewT0, Outcome: lifecycle.Failed, Message: `zot said {"key":"` + form + `"}`},
		}
		var out bytes.Buffer
		driver.WriteJSON(&out, driver.StatusView(s, viewT0, nil))
		var v driver.View
		if err := json.Unmarshal(out.Bytes(), &v); err != nil {
			t.Fatalf("%s: not JSON after redaction: %v\n%s", name, err, out.String())
		}
		if strings.Contains(v.LastJob.Message, form) || !strings.Contains(v.LastJob.Message, "redacted") {
			t.Errorf("%s: status --json shows the key: %q", name, v.LastJob.Message)
		}
		out.Reset()
		driver.WriteStatus(&out, s, viewT0, func() bool { return true })
		if strings.Contains(out.String(), form) || !strings.Contains(out.String(), "redacted") {
			t.Errorf("%s: status shows the key:\n%s", name, out.String())
		}
	}
}
