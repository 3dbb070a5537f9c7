package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	op "github.com/1password/onepassword-sdk-go"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/eblume/zotkey/internal/onepassword"
)

// Commands on the fake 1Password beyond main_test.go's.
func init() {
	// opfieldid TITLE: print the ID of the seeded item's field titled TITLE.
	scriptCmds["opfieldid"] = func(ts *testscript.TestScript, neg bool, args []string) {
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
	// opcalls: print the number of 1Password calls (SDK round trips) since
	// the last opcalls, and start counting afresh.
	scriptCmds["opcalls"] = func(ts *testscript.TestScript, neg bool, args []string) {
		m := loadOP(ts)
		fmt.Fprintln(ts.Stdout(), m.Calls)
		m.Calls = 0
		saveOP(ts, m)
	}
	// opitem recreate|archive|title NEW: change the seeded item as a user
	// could in 1Password: delete it and make a copy (new ID), archive it,
	// or rename it. The item is the one seeded login, whatever its ID or title.
	scriptCmds["opitem"] = func(ts *testscript.TestScript, neg bool, args []string) {
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
		case "title":
			m.Items[i].Title = args[1]
		default:
			ts.Fatalf("opitem %s: unknown change", args[0])
		}
		saveOP(ts, m)
	}
}

func saveOP(ts *testscript.TestScript, m *onepassword.Memory) {
	b, err := json.MarshalIndent(m, "", "  ")
	ts.Check(err)
	ts.Check(os.WriteFile(ts.Getenv("ZOTKEY_TEST_OP_STATE"), b, 0o600))
}
