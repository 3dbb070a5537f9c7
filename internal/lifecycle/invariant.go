package lifecycle

import (
	"fmt"
	"slices"
)

// A rule of the invariant: Rule says it as docs/lifecycle.md lists it (a
// test holds the two together), and broken says how s breaks it ("" when s
// keeps it).
type rule struct {
	Rule   string
	broken func(s State) string
}

// invariant is every rule Validate checks, in order.
var invariant = []rule{
	{"the record is in this zotkey's format (its schema)", func(s State) string {
		if s.Schema != Schema {
			return fmt.Sprintf("schema %d, want %d", s.Schema, Schema)
		}
		return ""
	}},
	{"the stored key has a fingerprint", func(s State) string {
		if s.Current != nil && !validFingerprint(s.Current.Fingerprint) {
			return fmt.Sprintf("the stored key's fingerprint %q", s.Current.Fingerprint)
		}
		return ""
	}},
	{"every replaced key has a uuid", func(s State) string {
		if slices.ContainsFunc(s.Replaced, func(r Replaced) bool { return r.UUID == "" }) {
			return "a replaced key without a uuid"
		}
		return ""
	}},
	{"no key is queued twice", func(s State) string {
		seen := map[string]bool{}
		for _, r := range s.Replaced {
			if seen[r.UUID] {
				return r.UUID + " is queued twice"
			}
			seen[r.UUID] = true
		}
		return ""
	}},
	{"the stored key is never queued for revocation", func(s State) string {
		c := s.Current
		if c != nil && slices.ContainsFunc(s.Replaced, func(r Replaced) bool {
			return r.UUID == c.UUID || (r.Fingerprint != "" && r.Fingerprint == c.Fingerprint)
		}) {
			return "the stored " + c.Name() + " is queued for revocation"
		}
		return ""
	}},
	{"a rotation starts from an identified stored key", func(s State) string {
		if s.Rotation != nil && (s.Current == nil || s.Current.UUID == "") {
			return "a rotation without an identified stored key"
		}
		return ""
	}},
	{"a rotation has a label", func(s State) string {
		if s.Rotation != nil && s.Rotation.Label == "" {
			return "a rotation without a label"
		}
		return ""
	}},
	{"a rotation's phase is minting or minted", func(s State) string {
		if r := s.Rotation; r != nil && r.Phase != Minting && r.Phase != Minted {
			return fmt.Sprintf("rotation phase %q", r.Phase)
		}
		return ""
	}},
	{"a minting rotation names no key", func(s State) string {
		if r := s.Rotation; r != nil && r.Phase == Minting && (r.NewUUID != "" || r.NewFingerprint != "") {
			return "a rotation still minting names its key"
		}
		return ""
	}},
	{"a minted rotation names its key's uuid and fingerprint", func(s State) string {
		if r := s.Rotation; r != nil && r.Phase == Minted && (r.NewUUID == "" || !validFingerprint(r.NewFingerprint)) {
			return "a minted rotation without its key's uuid and fingerprint"
		}
		return ""
	}},
	{"a rotation's new key is neither the stored key nor a replaced one", func(s State) string {
		r := s.Rotation
		if r == nil || r.NewUUID == "" {
			return ""
		}
		if _, replaced := s.Replacing(r.NewUUID); replaced || (s.Current != nil && r.NewUUID == s.Current.UUID) {
			return "the rotation's new key " + r.NewUUID + " is the stored key or a replaced one"
		}
		return ""
	}},
	{"a watch names a label or a uuid", func(s State) string {
		if slices.ContainsFunc(s.Watch, func(w Watch) bool { return w.Label == "" && w.UUID == "" }) {
			return "a watch with neither a label nor a uuid"
		}
		return ""
	}},
	{"a sync names the fingerprint of the key it carries", func(s State) string {
		if s.Sync != nil && !validFingerprint(s.Sync.Fingerprint) {
			return "a sync without the fingerprint of the key it carries"
		}
		return ""
	}},
	{"a check has a known result", func(s State) string {
		if c := s.LastCheck; c != nil && c.Result != Accepted && c.Result != Refused {
			return fmt.Sprintf("check result %q", c.Result)
		}
		return ""
	}},
	{"a job run has a known outcome", func(s State) string {
		if j := s.LastJob; j != nil && !slices.Contains(Outcomes, j.Outcome) {
			return fmt.Sprintf("job outcome %q", j.Outcome)
		}
		return ""
	}},
}

// Validate is the invariant every save checks (the rules above, which
// docs/lifecycle.md lists): the stored key is never queued for revocation,
// no key is queued twice, a rotation names what its phase says it has, and
// facts carry the values they name.
func (s State) Validate() error {
	for _, r := range invariant {
		if why := r.broken(s); why != "" {
			return fmt.Errorf("lifecycle: the record breaks its invariant (%s): %s", r.Rule, why)
		}
	}
	return nil
}
