package record

import (
	"errors"
	"fmt"
	"time"

	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/redact"
	"github.com/eblume/zotkey/internal/zot"
)

// LockLoad takes the identity's lock, so that set, rotate, revoke-previous
// and status --check never interleave, and loads the record (empty when there
// is none yet); registry and user, as given, name it in the error. The caller
// unlocks. A record that cannot be written stops the run here, before
// anything changes.
func (f *File) LockLoad(registry, user string) (lifecycle.State, error) {
	if err := f.Lock(); err != nil {
		if errors.Is(err, ErrBusy) {
			return lifecycle.State{}, hint.With(fmt.Errorf("another zotkey run is in progress for %s (user %s)", redact.Text(registry), redact.Text(user)),
				"nothing was changed; wait for it to finish, then run the command again")
		}
		return lifecycle.State{}, hint.With(err, "nothing was changed; zotkey keeps its record in $XDG_STATE_HOME/zotkey (default ~/.local/state/zotkey): make it writable")
	}
	r, err := f.Load()
	if err != nil && !errors.Is(err, ErrNone) {
		f.Unlock()
		return lifecycle.State{}, hint.With(err, "nothing was changed")
	}
	return r, nil
}

// RecordCheck records the registry's judgement of the key fp (checkErr nil:
// accepted; zot.ErrRejected: refused; any other: not judged, nothing to
// record) when the record is about that key: a dead key is a recorded fact,
// whichever command checked it. Only a failed write is returned.
func (f *File) RecordCheck(registry, user, fp string, checkErr error, now time.Time) error {
	result := lifecycle.Accepted
	switch {
	case errors.Is(checkErr, zot.ErrRejected):
		result = lifecycle.Refused
	case checkErr != nil:
		return nil // not judged
	}
	st, err := f.LockLoad(registry, user)
	if err != nil {
		return nil
	}
	defer f.Unlock()
	if st.Current == nil || st.Current.Fingerprint != fp {
		return nil
	}
	if err := st.Judged(fp, result, now); err != nil {
		return nil
	}
	return f.Save(st)
}
