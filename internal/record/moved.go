package record

import "fmt"

// Moved is the did-you-mean for a store (named as store.Store.String) that
// holds no key when the record has the key elsewhere: it names the recorded
// store, and what storing a key in the named one would do. "" when the
// record names the same store, or none, or cannot be read (or f is nil).
// Hints are printed through redact.Text.
func (f *File) Moved(store string) string {
	if f == nil {
		return ""
	}
	st, err := f.Load()
	if err != nil || st.Store == "" || st.Store == store {
		return ""
	}
	return fmt.Sprintf("the record has the key in %s: did you mean that? Storing a key here moves the record to %s", st.Store, store)
}
