package record

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/eblume/zotkey/internal/lifecycle"
)

// Registry normalises a registry URL the way one zot identity is named:
// scheme and host lower-case, the default port and trailing slashes dropped.
// A URL that does not parse is kept as given (the registry client refuses it).
func Registry(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host, u.User = host, nil
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u.String()
}

// File is the record of one zot identity, with the lock that serialises the
// runs that change it.
type File struct {
	Path     string
	registry string
	user     string
	lock     *os.File
	readOnly bool // LockRead: Save refuses
	job      *os.File
	sync     *os.File
	// old are the first format's files Load merged (none once a record of
	// this format exists), for Old; every Save (a write under the lock)
	// removes whatever first-format files of the identity are left.
	old []string
}

// Open names the record of registry and user in dir, moving any record the
// earlier format kept for the same identity (one per store spelling) into it.
func Open(dir, registry, user string) *File {
	reg := Registry(registry)
	sum := sha256.Sum256([]byte(reg + "\x00" + user))
	return &File{Path: filepath.Join(dir, "zotkey-"+hex.EncodeToString(sum[:])[:16]+".json"), registry: reg, user: user}
}

// ErrNone means no record has been written yet.
var ErrNone = errors.New("no record yet")

// maxSize bounds a record read: a real one is a few hundred bytes.
const maxSize = 1 << 20

// Load reads the record, migrating one of an earlier format in memory only:
// it writes and deletes nothing, so a read-only command may call it without
// the lock. The next Save (under the lock) writes the new format and removes
// the old files (Old).
func (f *File) Load() (lifecycle.State, error) {
	r, err := read(f.Path)
	f.old = nil
	if errors.Is(err, ErrNone) {
		if merged, paths := f.legacy(); len(paths) > 0 {
			r, err, f.old = Migrate(merged), nil, paths
		}
	}
	if err == nil || errors.Is(err, ErrNone) {
		// The identity is the file's: a first run (no record yet) names it too.
		r.Schema, r.Registry, r.User = lifecycle.Schema, f.registry, f.user
	}
	return r, err
}

// legacy merges the first format's records of this identity (named
// record-*.json, one per store spelling): the newest wins, and every key any
// of them still had to revoke is kept. It returns the files it merged.
func (f *File) legacy() (Record, []string) {
	all, _ := filepath.Glob(filepath.Join(filepath.Dir(f.Path), "record-*.json"))
	var (
		merged Record
		paths  []string
	)
	for _, p := range all {
		r, err := readLegacy(p)
		if err != nil || Registry(r.Registry) != f.registry || r.User != f.user {
			continue
		}
		prev := append(merged.Previous, r.Previous...)
		if len(paths) == 0 || r.UpdatedAt.After(merged.UpdatedAt) {
			merged = r
		}
		merged.Previous = nil
		for _, p := range prev {
			merged.Retire(p.UUID, p.ReplacedAt)
		}
		paths = append(paths, p)
	}
	merged.Registry = f.registry
	return merged, paths
}

// Old says whether the last Load read the first format's files, which the
// next Save removes.
func (f *File) Old() bool { return len(f.old) > 0 }

func readLegacy(path string) (Record, error) {
	b, err := readBytes(path)
	if err != nil {
		return Record{}, err
	}
	var r Record
	err = json.Unmarshal(b, &r)
	return r, err
}

// read reads the record at path, migrating one of an earlier format.
func read(path string) (lifecycle.State, error) {
	b, err := readBytes(path)
	if err != nil {
		return lifecycle.State{}, err
	}
	damaged := func(err error) error {
		return fmt.Errorf("the record %s is damaged (%v): move it aside and run zotkey status --check; the keys it listed as waiting to be revoked are then no longer tracked, so revoke old keys labelled \"zotkey …\" in the zot web UI", path, err)
	}
	var head struct {
		Schema int `json:"schema"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return lifecycle.State{}, damaged(err)
	}
	switch {
	case head.Schema == 0: // the formats before the lifecycle's
		var r Record
		if err := json.Unmarshal(b, &r); err != nil {
			return lifecycle.State{}, damaged(err)
		}
		return Migrate(r), nil
	case head.Schema > lifecycle.Schema:
		return lifecycle.State{}, fmt.Errorf("the record %s was written by a newer zotkey (format %d; this one reads up to %d): update zotkey", path, head.Schema, lifecycle.Schema)
	}
	var s lifecycle.State
	if err := json.Unmarshal(b, &s); err != nil {
		return lifecycle.State{}, damaged(err)
	}
	s.Schema = lifecycle.Schema // format 1 differed only in its number
	if err := s.Validate(); err != nil {
		return lifecycle.State{}, damaged(err)
	}
	return s, nil
}

// onlyYours refuses a record, or its folder, that someone other than the user
// (or root) could have written: the record names the keys zotkey revokes, so
// a forged entry would have it revoke another key of the user. The settings
// file's rule (config.UnsafeError, after ssh's).
func onlyYours(what, path string, fi fs.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := int(st.Uid); uid != 0 && uid != os.Getuid() {
			return fmt.Errorf("%s belongs to another user (uid %d); zotkey revokes the keys its record names, so it reads only a record you own: move it aside", what, uid)
		}
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s can be written by group or others (%s); zotkey revokes the keys its record names, so only you may write it: chmod go-w %s", what, fi.Mode().Perm(), path)
	}
	return nil
}

// readBytes opens path only if it is a regular file (never through a link,
// never blocking on a FIFO) and reads it with a bound.
func readBytes(path string) ([]byte, error) {
	fd, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNone
	}
	if err != nil {
		if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) {
			return nil, fmt.Errorf("the record %s is a symbolic link; zotkey reads only a regular file there: remove it and run zotkey status --check", path)
		}
		return nil, fmt.Errorf("cannot open the record: %w", err)
	}
	defer fd.Close()
	fi, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot open the record: %v", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("the record %s is not a regular file (%s): remove it and run zotkey status --check", path, fi.Mode().Type())
	}
	if err := onlyYours("the record "+path, path, fi); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot open the record: %v", err)
	}
	if err := onlyYours("the record's folder "+dir, dir, di); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(fd, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the record %s: %v", path, err)
	}
	if len(b) > maxSize {
		return nil, fmt.Errorf("the record %s is over %d KiB, which no record is: remove it and run zotkey status --check", path, maxSize>>10)
	}
	return b, nil
}

// Save writes s in full or not at all: a synced temp file renamed into place
// (a link at the path is replaced, never written through), mode 0600. A
// state that breaks the lifecycle's invariant is refused, and nothing written.
func (f *File) Save(s lifecycle.State) error {
	s.Schema, s.Registry, s.User = lifecycle.Schema, f.registry, f.user
	if f.readOnly {
		return fmt.Errorf("not saving the record %s: this run only reads it", f.Path)
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("not saving the record %s: %w", f.Path, err)
	}
	r := s
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot write the record in %s: %v", dir, err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".record-*")
	if err != nil {
		return fmt.Errorf("cannot write the record in %s: %v", dir, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f.Path)
	}
	if err != nil {
		return fmt.Errorf("cannot write the record %s: %v", f.Path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename itself survives a crash
		d.Close()
	}
	// The record of the first format is now migrated: its files go. Every
	// save (under the lock) looks, not only the one that migrated: a run
	// killed between the rename above and these removals left them, and a
	// record later moved aside (the "damaged" hint) would bring them back.
	_, old := f.legacy()
	for _, p := range old {
		os.Remove(p)
	}
	f.old = nil
	return nil
}

// LockError is a lock that cannot be taken for a reason other than another
// holder: a directory at its path, no permission. It is never ErrBusy.
type LockError struct {
	Path string
	Err  error
}

func (e *LockError) Error() string { return fmt.Sprintf("cannot open the lock %s: %v", e.Path, e.Err) }
func (e *LockError) Unwrap() error { return e.Err }

// ErrBusy means another zotkey run holds the lock of this identity.
var ErrBusy = errors.New("another zotkey run is in progress")

// lockWait is how long Lock waits for another run before giving up (a test shortens it).
var lockWait = 5 * time.Second

// Lock takes the identity's lock (a file beside the record), waiting up to
// lockWait; it is released by Unlock or when the process ends, however it ends.
func (f *File) Lock() error {
	fd, err := f.flock(".lock", lockWait, true)
	if err == nil {
		f.lock, f.readOnly = fd, false
	}
	return err
}

// LockRead takes the identity's lock for a run that writes nothing (a dry
// run; status --check of an old-format record), creating neither the lock
// nor its folder: it waits as Lock does while another run holds the lock,
// and goes on without it when there is no lock file. No writer can then be
// mid-save in a way that matters: a writer creates the lock before it
// saves, and every save is an atomic rename, so a read sees one whole
// record. Save refuses until Unlock.
func (f *File) LockRead() error {
	fd, err := f.flock(".lock", lockWait, false)
	if err == nil {
		f.lock, f.readOnly = fd, true
	}
	return err
}

// LockJob takes the identity's daily-job lock without waiting: one daily job
// at a time, for as long as the process runs (its sync may take minutes).
// The commands a job runs take the record's lock as well, step by step.
func (f *File) LockJob() error {
	fd, err := f.flock(".job.lock", 0, true)
	if err == nil {
		f.job = fd
	}
	return err
}

// UnlockJob releases the daily-job lock.
func (f *File) UnlockJob() {
	if f.job != nil {
		f.job.Close()
		f.job = nil
	}
}

// flock takes the lock file beside the record named by suffix, waiting up
// to wait while another process holds it. Unless create, it makes neither
// the folder nor the file, and a lock file that does not exist is no lock:
// (nil, nil), as no process can hold it.
func (f *File) flock(suffix string, wait time.Duration, create bool) (*os.File, error) {
	dir := filepath.Dir(f.Path)
	flags := os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("cannot write the record in %s: %v", dir, err)
		}
		flags = os.O_RDWR | os.O_CREATE | syscall.O_NOFOLLOW | syscall.O_NONBLOCK
	}
	path := strings.TrimSuffix(f.Path, ".json") + suffix
	fd, err := os.OpenFile(path, flags, 0o600)
	if !create && errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &LockError{Path: path, Err: err}
	}
	if fi, err := fd.Stat(); err != nil || !fi.Mode().IsRegular() {
		fd.Close() // read-only, a directory opens: refuse it as O_RDWR does
		return nil, &LockError{Path: path, Err: cmp.Or(err, error(syscall.EISDIR))}
	}
	deadline := time.Now().Add(wait)
	for {
		err := tryLock(fd)
		if err == nil {
			return fd, nil
		}
		if !errors.Is(err, ErrBusy) || !time.Now().Before(deadline) {
			fd.Close()
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// LockPath is the path of the identity's lock (Lock).
func (f *File) LockPath() string { return strings.TrimSuffix(f.Path, ".json") + ".lock" }

// Unlock releases the lock.
func (f *File) Unlock() {
	if f.lock != nil {
		f.lock.Close()
		f.lock = nil
	}
	f.readOnly = false
}

// LockSync takes the identity's sync lock without waiting, and holds it until
// UnlockSync or the process ends: "a sync is under way" means exactly that
// some process holds it (SyncHeld). A sync that was killed leaves it free.
func (f *File) LockSync() error {
	fd, err := f.flock(".sync.lock", 0, true)
	if err == nil {
		f.sync = fd
	}
	return err
}

// SyncLockFile is the held sync lock (nil when not held), for a sync to
// inherit so the lock stays held while it runs.
func (f *File) SyncLockFile() *os.File { return f.sync }

// UnlockSync releases the sync lock.
func (f *File) UnlockSync() {
	if f.sync != nil {
		f.sync.Close()
		f.sync = nil
	}
}

// SyncHeld reports whether a process other than this File holds the sync
// lock: it tries the lock and lets go at once, creating nothing (a lock file
// that does not exist is held by no one). A lock that cannot be opened
// or tried (a directory at its path, no permission) is an error naming it:
// whether a sync runs is then unknown.
func (f *File) SyncHeld() (bool, error) {
	if f.sync != nil {
		return false, nil
	}
	fd, err := f.flock(".sync.lock", 0, false)
	if errors.Is(err, ErrBusy) {
		return true, nil
	}
	if err != nil || fd == nil {
		return false, err
	}
	fd.Close()
	return false, nil
}
