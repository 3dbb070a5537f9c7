package lifecycle

import (
	"fmt"
	"slices"
)

// A rule of the invariant, worded as docs/lifecycle.md lists it (a test holds
// the two together); broken reports whether s breaks it.
type rule struct {
	Rule   string
	broken func(s State) bool
}

// invariant is every rule Validate checks, in order. Each rule about a
// rotation or the stored key is asked only when the rules before it hold.
var invariant = []rule{
	{"the record is in this zotkey's format (its schema)", func(s State) bool { return s.Schema != Schema }},
	{"the stored key has a fingerprint", func(s State) bool { return s.Current != nil && !validFingerprint(s.Current.Fingerprint) }},
	{"every replaced key has a uuid", func(s State) bool {
		return slices.ContainsFunc(s.Replaced, func(r Replaced) bool { return r.UUID == "" })
	}},
	{"no key is queued twice", func(s State) bool {
		uuids := make([]string, len(s.Replaced))
		for i, r := range s.Replaced {
			uuids[i] = r.UUID
		}
		slices.Sort(uuids)
		return len(slices.Compact(uuids)) != len(s.Replaced)
	}},
	{"the stored key is never queued for revocation", func(s State) bool {
		c := s.Current
		return c != nil && slices.ContainsFunc(s.Replaced, func(r Replaced) bool {
			return r.UUID == c.UUID || (r.Fingerprint != "" && r.Fingerprint == c.Fingerprint)
		})
	}},
	{"a rotation starts from an identified stored key", func(s State) bool {
		return s.Rotation != nil && (s.Current == nil || s.Current.UUID == "")
	}},
	{"a rotation has a label", func(s State) bool { return s.Rotation != nil && s.Rotation.Label == "" }},
	{"a rotation's phase is minting or minted", func(s State) bool {
		return s.Rotation != nil && s.Rotation.Phase != Minting && s.Rotation.Phase != Minted
	}},
	{"a minting rotation names no key", func(s State) bool {
		r := s.Rotation
		return r != nil && r.Phase == Minting && (r.NewUUID != "" || r.NewFingerprint != "")
	}},
	{"a minted rotation names its key's uuid and fingerprint", func(s State) bool {
		r := s.Rotation
		return r != nil && r.Phase == Minted && (r.NewUUID == "" || !validFingerprint(r.NewFingerprint))
	}},
	{"a rotation's new key is neither the stored key nor a replaced one", func(s State) bool {
		r := s.Rotation
		_, replaced := s.Replacing(r.uuid())
		return r.uuid() != "" && (replaced || r.uuid() == s.Current.UUID)
	}},
	{"a watch names a label or a uuid", func(s State) bool {
		return slices.ContainsFunc(s.Watch, func(w Watch) bool { return w.Label == "" && w.UUID == "" })
	}},
	{"a sync names the fingerprint of the key it carries", func(s State) bool {
		return s.Sync != nil && !validFingerprint(s.Sync.Fingerprint)
	}},
	{"a check has a known result", func(s State) bool {
		return s.LastCheck != nil && s.LastCheck.Result != Accepted && s.LastCheck.Result != Refused
	}},
	{"a job run has a known outcome", func(s State) bool {
		return s.LastJob != nil && !slices.Contains(Outcomes, s.LastJob.Outcome)
	}},
}

// uuid is the minted key's uuid ("" for none, or no rotation).
func (r *Rotation) uuid() string {
	if r == nil {
		return ""
	}
	return r.NewUUID
}

// Validate is the invariant every save checks: the rules above, which
// docs/lifecycle.md lists. The error names the first rule s breaks.
func (s State) Validate() error {
	for _, r := range invariant {
		if r.broken(s) {
			return fmt.Errorf("lifecycle: the record breaks its invariant: %s", r.Rule)
		}
	}
	return nil
}
