// Package record keeps the small local record of non-secret facts about the
// stored key (fingerprint, zot uuid, expiry, keys still to revoke), so that
// `zotkey status` answers without the network or 1Password.
package record

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Record describes the key in one store. It never holds a secret.
type Record struct {
	Store       string     `json:"store"`       // where the key lives, e.g. "zot-ci-api in blumeops/Forgejo Secrets"
	Registry    string     `json:"registry"`    // the registry it is for
	User        string     `json:"user"`        // the registry user
	Fingerprint string     `json:"fingerprint"` // sha256:… of the stored key
	UUID        string     `json:"uuid,omitempty"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	// Previous are uuids of keys replaced by rotate, to revoke once the new key is in use.
	Previous []string `json:"previous,omitempty"`
	// OnePassword remembers where the 1Password item was found (not secret),
	// so the next run skips the lookup.
	OnePassword *OnePasswordIDs `json:"onePassword,omitempty"`
}

// OnePasswordIDs are the 1Password vault and item IDs of the store.
type OnePasswordIDs struct {
	VaultID string `json:"vaultId"`
	ItemID  string `json:"itemId"`
}

// DaysLeft is the whole days until expiry (negative once expired); ok is false
// when the expiry is unknown.
func (r Record) DaysLeft(now time.Time) (days int, ok bool) {
	if r.ExpiresAt == nil {
		return 0, false
	}
	d := r.ExpiresAt.Sub(now)
	days = int(d / (24 * time.Hour))
	if d < 0 {
		days = -int((-d + 24*time.Hour - 1) / (24 * time.Hour))
	}
	return days, true
}

// Dir is $XDG_STATE_HOME/zotkey, or ~/.local/state/zotkey.
func Dir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "zotkey"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("neither XDG_STATE_HOME nor HOME is set, so there is nowhere to keep the record")
	}
	return filepath.Join(home, ".local", "state", "zotkey"), nil
}

// Path is the record file for one store, named by a hash of its description so
// that several stores (or users) keep separate records.
func Path(dir, storeName, registry, user string) string {
	sum := sha256.Sum256([]byte(storeName + "\x00" + registry + "\x00" + user))
	return filepath.Join(dir, "record-"+hex.EncodeToString(sum[:])[:16]+".json")
}

// ErrNone means no record has been written yet.
var ErrNone = errors.New("no record yet")

// Load reads the record at path.
func Load(path string) (Record, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Record{}, ErrNone
	}
	if err != nil {
		return Record{}, err
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("the record %s is damaged (%v): remove it and run zotkey status --check", path, err)
	}
	return r, nil
}

// Save writes r to path atomically (a temp file renamed into place), mode 0600.
func Save(path string, r Record) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".record-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
