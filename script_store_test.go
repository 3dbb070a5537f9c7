package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	op "github.com/1password/onepassword-sdk-go"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/eblume/zotkey/internal/config"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/keyring"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/onepassword/optest"
	"github.com/eblume/zotkey/internal/record"
)

// Commands on the stores (the script's own Secret Service, the fake
// 1Password in $ZOTKEY_TEST_OP_STATE) and on the local record.

// cmdKeyringfp USER: print the fingerprint of the keyring entry, or "none".
func cmdKeyringfp(ts *testscript.TestScript, neg bool, args []string) {
	v, err := keyringGet(ts, args[0])
	if err != nil || v == "" {
		fmt.Fprintln(ts.Stdout(), "none")
		return
	}
	fmt.Fprintln(ts.Stdout(), key.Fingerprint(v))
}

// cmdKeyringput USER FILE: seed a keyring entry (secret-tool, secret on stdin).
func cmdKeyringput(ts *testscript.TestScript, neg bool, args []string) {
	_, err := secretTool(ts, strings.TrimSpace(ts.ReadFile(args[1])), "store", "--label=zotkey test", "service", keyring.Service, "username", args[0])
	ts.Check(err)
}

// cmdKeyringsave USER FILE: write the keyring entry's value to FILE (to use a
// replaced key later, as a CI job that still holds it would).
func cmdKeyringsave(ts *testscript.TestScript, neg bool, args []string) {
	v, err := keyringGet(ts, args[0])
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(v), 0o600))
}

// secretTool runs libsecret's secret-tool against the script's own Secret
// Service (go-keyring in this process would use the process's one shared bus).
func secretTool(ts *testscript.TestScript, stdin string, args ...string) (string, error) {
	cmd := exec.Command("secret-tool", args...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+ts.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	return string(out), err
}

// keyringGet reads the entry zotkey keeps for user, as go-keyring files it.
func keyringGet(ts *testscript.TestScript, user string) (string, error) {
	out, err := secretTool(ts, "", "lookup", "service", keyring.Service, "username", user)
	if err != nil && out == "" {
		return "", nil // secret-tool exits 1 when there is no such entry
	}
	return out, err
}

// cmdOpfield FIELD: print the fingerprint of the fake 1Password field, or "missing".
func cmdOpfield(ts *testscript.TestScript, neg bool, args []string) {
	m := loadOP(ts)
	for _, it := range m.Items {
		if it.ID == opItemID {
			for _, f := range it.Fields {
				if f.Title == args[0] {
					fmt.Fprintln(ts.Stdout(), key.Fingerprint(f.Value))
					return
				}
			}
		}
	}
	fmt.Fprintln(ts.Stdout(), "missing")
}

// cmdOpfieldid TITLE: print the ID of the seeded item's field titled TITLE.
func cmdOpfieldid(ts *testscript.TestScript, neg bool, args []string) {
	for _, it := range loadOP(ts).Items {
		for _, f := range it.Fields {
			if it.ID == opItemID && f.Title == args[0] {
				fmt.Fprintln(ts.Stdout(), f.ID)
				return
			}
		}
	}
	ts.Fatalf("no field titled %q", args[0])
}

// cmdOpuntouched: everything in the fake 1Password but the zot-ci-api value
// and the item version is as seeded.
func cmdOpuntouched(ts *testscript.TestScript, neg bool, args []string) {
	seed, now := loadOPFile(ts, ts.Getenv("ZOTKEY_TEST_OP_STATE")+".seed"), loadOP(ts)
	norm := func(m *optest.Memory) []op.Item {
		items := slices.Clone(m.Items)
		for i := range items {
			items[i].Version = 0
			items[i].Fields = slices.DeleteFunc(slices.Clone(items[i].Fields), func(f op.ItemField) bool { return f.Title == "zot-ci-api" })
		}
		return items
	}
	if !reflect.DeepEqual(norm(seed), norm(now)) {
		ts.Fatalf("the fake 1Password changed beyond the zot-ci-api field")
	}
}

// cmdOpfault NAME VALUE: inject a fault into the fake 1Password.
func cmdOpfault(ts *testscript.TestScript, neg bool, args []string) {
	path := ts.Getenv("ZOTKEY_TEST_OP_STATE")
	m := loadOP(ts)
	raw, _ := json.Marshal(m.Faults)
	var faults map[string]any
	_ = json.Unmarshal(raw, &faults)
	var v any = args[1]
	if err := json.Unmarshal([]byte(args[1]), &v); err != nil {
		v = args[1]
	}
	faults[args[0]] = v
	raw, _ = json.Marshal(faults)
	ts.Check(json.Unmarshal(raw, &m.Faults))
	b, _ := json.Marshal(m)
	ts.Check(os.WriteFile(path, b, 0o600))
}

// cmdOpfaultkey NAME FILE [hex]: inject a 1Password fault whose error text
// quotes the key in FILE as is and upper-case (with hex: its hex digits only).
func cmdOpfaultkey(ts *testscript.TestScript, neg bool, args []string) {
	k := strings.TrimSpace(ts.ReadFile(args[1]))
	text := "invalid field value " + k + " / " + strings.ToUpper(k)
	if len(args) > 2 {
		text = "invalid field value " + strings.TrimPrefix(k, "zak_")
	}
	cmdOpfault(ts, neg, []string{args[0], strconv.Quote(text)})
}

// cmdOpputs N: the fake 1Password saw exactly N successful writes.
func cmdOpputs(ts *testscript.TestScript, neg bool, args []string) {
	if got := fmt.Sprint(loadOP(ts).Puts); got != args[0] {
		ts.Fatalf("1Password writes: %s, want %s", got, args[0])
	}
}

// cmdOpcalls: print the number of 1Password calls (SDK round trips) since the
// last opcalls, and start counting afresh.
func cmdOpcalls(ts *testscript.TestScript, neg bool, args []string) {
	m := loadOP(ts)
	fmt.Fprintln(ts.Stdout(), m.Calls)
	m.Calls = 0
	saveOP(ts, m)
}

// cmdOpitem recreate|archive|supersede|title NEW: change the seeded item as a user could
// in 1Password: delete it and make a copy (new ID), archive it, archive it
// beside a copy of the same title, or rename it.
// The item is the one seeded login, whatever its ID or title.
func cmdOpitem(ts *testscript.TestScript, neg bool, args []string) {
	m := loadOP(ts)
	i := slices.IndexFunc(m.Items, func(it op.Item) bool { return it.Category == op.ItemCategoryLogin })
	if i < 0 {
		ts.Fatalf("no seeded item")
	}
	switch args[0] {
	case "recreate":
		m.Items[i].ID = onepassword.NewID()
	case "archive":
		m.Archived = append(m.Archived, m.Items[i].ID)
	case "supersede": // a copy with a new ID, the original archived
		cp := m.Items[i]
		cp.ID = onepassword.NewID()
		m.Archived = append(m.Archived, m.Items[i].ID)
		m.Items = append(m.Items, cp)
	case "title":
		m.Items[i].Title = args[1]
	default:
		ts.Fatalf("opitem %s: unknown change", args[0])
	}
	saveOP(ts, m)
}

// cmdNoconnect: no 1Password client was created so far (! noconnect: one was).
func cmdNoconnect(ts *testscript.TestScript, neg bool, args []string) {
	b, err := os.ReadFile(ts.Getenv("ZOTKEY_TEST_OP_CONNECTS"))
	if err == nil && len(b) > 0 && !neg {
		ts.Fatalf("a 1Password client was created:\n%s", b)
	}
	if neg && err != nil {
		ts.Fatalf("no 1Password client was created")
	}
}

func loadOP(ts *testscript.TestScript) *optest.Memory {
	return loadOPFile(ts, ts.Getenv("ZOTKEY_TEST_OP_STATE"))
}

func loadOPFile(ts *testscript.TestScript, path string) *optest.Memory {
	var m optest.Memory
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(path)), &m))
	return &m
}

func saveOP(ts *testscript.TestScript, m *optest.Memory) {
	b, err := json.MarshalIndent(m, "", "  ")
	ts.Check(err)
	ts.Check(os.WriteFile(ts.Getenv("ZOTKEY_TEST_OP_STATE"), b, 0o600))
}

// cmdZotrecords: print every local record file, for greps.
func cmdZotrecords(ts *testscript.TestScript, neg bool, args []string) {
	dir, err := config.StateDir(ts.Getenv)
	ts.Check(err)
	matches, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, p := range matches {
		b, err := os.ReadFile(p)
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "%s\n", b)
	}
}

// cmdRecordmangle MODE: replace the record of $ZOTKEY_REGISTRY with a symlink
// to a copy of it (symlink), pad it past 1 MiB with spaces (huge), make it a
// FIFO (fifo), or truncate it (garbage).
func cmdRecordmangle(ts *testscript.TestScript, neg bool, args []string) {
	dir, err := config.StateDir(ts.Getenv)
	ts.Check(err)
	p := record.Open(dir, ts.Getenv("ZOTKEY_REGISTRY"), testUser).Path
	b, err := os.ReadFile(p)
	ts.Check(err)
	switch args[0] {
	case "symlink":
		cp := ts.MkAbs("record-copy.json")
		ts.Check(os.WriteFile(cp, b, 0o600))
		ts.Check(os.Remove(p))
		ts.Check(os.Symlink(cp, p))
	case "huge":
		ts.Check(os.WriteFile(p, append(b, bytes.Repeat([]byte(" "), 2<<20)...), 0o600))
	case "fifo":
		ts.Check(os.Remove(p))
		ts.Check(syscall.Mkfifo(p, 0o600))
	case "garbage":
		ts.Check(os.WriteFile(p, b[:len(b)/2], 0o600))
	default:
		ts.Fatalf("unknown mode %q", args[0])
	}
}

// cmdElapse DURATION: DURATION passes for zotkey: the records' local times
// move back by it (recordage) and the fake zot's clock forward (zotclock).
func cmdElapse(ts *testscript.TestScript, neg bool, args []string) {
	cmdRecordage(ts, neg, args)
	cmdZotclock(ts, neg, args)
}

// cmdRecordage DURATION: move the local times the records hold (the last
// check, the last daily job, a sync's start, a replaced key's confirmation,
// notice and sightings) back by DURATION, as if that long had passed.
func cmdRecordage(ts *testscript.TestScript, neg bool, args []string) {
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	dir, err := config.StateDir(ts.Getenv)
	ts.Check(err)
	matches, _ := filepath.Glob(filepath.Join(dir, "zotkey-*.json"))
	if len(matches) == 0 {
		ts.Fatalf("no record in %s", dir)
	}
	for _, m := range matches {
		var r lifecycle.State
		ts.Check(json.Unmarshal([]byte(ts.ReadFile(m)), &r))
		if c := r.LastCheck; c != nil {
			c.At = c.At.Add(-d)
		}
		if j := r.LastJob; j != nil {
			j.At = j.At.Add(-d)
		}
		if s := r.Sync; s != nil {
			s.StartedAt = s.StartedAt.Add(-d)
		}
		for i := range r.Replaced {
			for _, t := range []*time.Time{r.Replaced[i].SyncedAt, r.Replaced[i].Notified, r.Replaced[i].MissingSince, r.Replaced[i].SeenAt} {
				if t != nil {
					*t = t.Add(-d)
				}
			}
		}
		b, err := json.MarshalIndent(r, "", "  ")
		ts.Check(err)
		ts.Check(os.WriteFile(m, b, 0o600))
	}
}
