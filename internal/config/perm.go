package config

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// getuid is os.Getuid; tests replace it to play another user.
var getuid = os.Getuid

// UnsafeError is a settings file, or its folder, that someone other than the
// user (or root) could have written. The file says where the key is sent
// (registry, user), so such a file is refused as ssh refuses ~/.ssh/config
// (openssh readconf.c, read_config_file_depth: "Bad owner or permissions"):
// owned by the user or root, not writable by group or others.
type UnsafeError struct{ msg string }

func (e *UnsafeError) Error() string { return e.msg }

// checkOwner applies ssh's rule to one file or folder; what names it in the
// message ("settings file X", "folder Y of settings file X").
func checkOwner(what, path string, fi fs.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := int(st.Uid); uid != 0 && uid != getuid() {
			return &UnsafeError{fmt.Sprintf("%s belongs to another user (uid %d); zotkey sends the key where its settings say, so it reads only settings you own: move it aside", what, uid)}
		}
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return &UnsafeError{fmt.Sprintf("%s can be written by group or others (%s); zotkey sends the key where its settings say, so only you may write them: chmod go-w %s", what, fi.Mode().Perm(), path)}
	}
	return nil
}

// checkFile applies the rule to the open settings file (fi is its fstat, so
// what is checked is what is read) and to the folder that holds it, and to the
// folder of the link's target when the path is a symlink.
func checkFile(name string, fi fs.FileInfo) error {
	if err := checkOwner("settings file "+name, name, fi); err != nil {
		return err
	}
	dirs := []string{filepath.Dir(name)}
	if real, err := filepath.EvalSymlinks(name); err == nil && filepath.Dir(real) != dirs[0] {
		dirs = append(dirs, filepath.Dir(real))
	}
	for _, dir := range dirs {
		di, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("settings file %s: %v", name, err)
		}
		if err := checkOwner("folder "+dir+" of settings file "+name, dir, di); err != nil {
			return err
		}
	}
	return nil
}
