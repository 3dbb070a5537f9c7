package auto

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/notify"
)

// repeats finds a phrase said twice in a row, across a space or a colon
// ("nothing due: nothing due", "failed: the daily zot key job failed" is
// allowed: the words differ), or "".
func repeats(s string) string {
	words := regexp.MustCompile(`[A-Za-z']+`).FindAllString(strings.ToLower(s), -1)
	for n := 1; n <= 3; n++ {
		for i := 0; i+2*n <= len(words); i++ {
			if n == 1 && len(words[i]) < 2 {
				continue
			}
			a, b := strings.Join(words[i:i+n], " "), strings.Join(words[i+n:i+2*n], " ")
			if a == b && (n > 1 || adjacent(s, a)) {
				return a
			}
		}
	}
	return ""
}

// adjacent: the one word is repeated with only spaces or a colon between.
func adjacent(s, w string) bool {
	return regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(w) + `[ :]+` + regexp.QuoteMeta(w) + `\b`).MatchString(s)
}

// longCause is 600 characters of distinct words.
func longCause() string {
	var b strings.Builder
	for i := 0; b.Len() < 600; i++ {
		b.WriteString(string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + "q ")
	}
	return b.String()
}

// Every notification the job can post names its cause and a command, fits
// the notifier's length even with a long cause, and says no word twice; every
// line status shows for a job run says its outcome once.
func TestNotificationsAndJobLinesReadWell(t *testing.T) {
	j := &Job{Commands: Commands{Retry: "zotkey auto (or zot-rotate --auto)", Manual: "mise run rotate-zot-key --manual (zot-rotate --manual)", SignIn: SignInTodo(false)}}
	causes := []error{
		errors.New("the OS keyring is unavailable (dial unix /run/user/501/bus: connect: no such file or directory)"),
		errors.New("the sync failed: exit status 1"),
		errors.New(longCause()),
	}
	for _, k := range []Kind{Failed, KeyDead, SignIn, SyncFailed, Unrecorded, NoKey} {
		for _, cause := range causes {
			p := j.problem(k, cause)
			msg := notify.Message(p.Error(), p.Todo)
			if n := len([]rune(msg)); n > notify.MaxLen {
				t.Errorf("kind %d: %d characters, more than %d: %q", k, n, notify.MaxLen, msg)
			}
			if !strings.Contains(msg, p.Todo) {
				t.Errorf("kind %d: the fix %q does not show whole in %q", k, p.Todo, msg)
			}
			if !regexp.MustCompile(`zotkey |mise run |zot-rotate`).MatchString(p.Todo) {
				t.Errorf("kind %d: the fix %q names no command", k, p.Todo)
			}
			if !strings.Contains(msg, cause.Error()[:20]) {
				t.Errorf("kind %d: the cause is missing from %q", k, msg)
			}
			if w := repeats(msg); w != "" {
				t.Errorf("kind %d: %q says %q twice", k, msg, w)
			}
		}
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, run := range []lifecycle.JobRun{
		{At: now, Outcome: lifecycle.NothingDue, Message: "nothing due: the key expires on 2027-01-04, 34 days left"},
		{At: now, Outcome: lifecycle.Rotated, Message: "rotated and synced: the key expires on 2027-03-01, 90 days left"},
		{At: now, Outcome: lifecycle.Revoked, Message: "revoked 1 replaced key(s); nothing due: the key expires on 2027-01-04, 34 days left"},
		{At: now, Outcome: lifecycle.Failed, Message: "could not revoke 1 replaced key(s); nothing due: the key expires on 2027-01-04, 34 days left"},
		{At: now, Outcome: lifecycle.Failed, Message: j.problem(Failed, causes[0]).Err.Error()},
		{At: now, Outcome: lifecycle.NeedsYou, Message: j.problem(SyncFailed, causes[1]).What},
		{At: now, Outcome: lifecycle.Interrupted, Message: "stopped before it finished"},
	} {
		line := driver.DescribeJob(run, now)
		if w := repeats(line); w != "" {
			t.Errorf("%q says %q twice", line, w)
		}
		if !strings.Contains(line, string(run.Outcome)) {
			t.Errorf("%q does not say the outcome %q", line, run.Outcome)
		}
	}
	if repeats("last ran 09:00, nothing due: nothing due: the key") != "nothing due" {
		t.Error("repeats misses the doubled outcome")
	}
}
