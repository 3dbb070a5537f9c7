package opapp

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

//go:embed testdata/standin.c
var standinC []byte

// LibraryName is the file the SDK loads on Linux
// (internal/shared_lib_core.go:47-51).
const LibraryName = "libop_sdk_ipc_client.so"

// Linux places the SDK looks for the app's library, in its order
// (internal/shared_lib_core.go:47-51).
var AppDirs = []string{"/usr/bin/1password", "/opt/1Password", "/snap/bin/1password"}

// BuildLibrary compiles the stand-in library into dir with the cgo toolchain
// (go env CC) and returns its path. oldApp leaves out op_sdk_ipc_send_message,
// as an app from before the SDK integration would.
func BuildLibrary(dir string, oldApp bool) (string, error) {
	cc := "gcc"
	if out, err := exec.Command("go", "env", "CC").Output(); err == nil && strings.TrimSpace(string(out)) != "" {
		cc = strings.TrimSpace(string(out))
	}
	if _, err := exec.LookPath(cc); err != nil {
		return "", fmt.Errorf("the stand-in 1Password library needs a C compiler (%s, the cgo toolchain): %v", cc, err)
	}
	src := filepath.Join(dir, "standin.c")
	if err := os.WriteFile(src, standinC, 0o600); err != nil {
		return "", err
	}
	name := LibraryName
	args := []string{"-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-Wno-unused-function", "-Wno-unused-variable"}
	if oldApp {
		name = "old-" + LibraryName
		args = append(args, "-DZOTKEY_STANDIN_OLD_APP")
	}
	lib := filepath.Join(dir, name)
	if out, err := exec.Command(cc, append(args, "-o", lib, src)...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the stand-in 1Password library: %v\n%s", err, out)
	}
	return lib, nil
}

// PlacementScript is a sh script that, run by `unshare -m --propagation
// private` (so only in that new mount namespace), hides whatever the machine
// has at the SDK's app paths under empty tmpfs mounts and, when $1 is not
// empty, puts the library $1 at /opt/1Password/libop_sdk_ipc_client.so (with
// $1 "app-only": the app's program /opt/1Password/1password, no library); then it
// execs the rest of its arguments. The machine's own folders are never
// written: tmpfs over /opt (when /opt/1Password does not exist) makes the
// folder inside the namespace only.
const PlacementScript = `set -e
lib=$1; shift
for d in /usr/bin/1password /snap/bin/1password /opt/1Password; do
	if [ -d "$d" ]; then mount -t tmpfs -o mode=0755 zotkey-test-opapp "$d"; fi
done
if [ -n "$lib" ]; then
	if [ ! -d /opt/1Password ]; then
		mount -t tmpfs -o mode=0755 zotkey-test-opapp /opt
		mkdir /opt/1Password
	fi
	if [ "$lib" = app-only ]; then
		printf '#!/bin/sh\n' >/opt/1Password/1password
		chmod 0755 /opt/1Password/1password
	else
		cp "$lib" /opt/1Password/` + LibraryName + `
	fi
fi
exec "$@"`

// PlacementArgv is the argv that runs argv with the library lib at the app's
// path (none when lib is "", the app without its library when "app-only"), in a private mount namespace of its own. The
// process keeps its pid through both execs (unshare and sh exec their
// commands).
func PlacementArgv(lib string, argv ...string) []string {
	return append([]string{"unshare", "-m", "--propagation", "private", "sh", "-c", PlacementScript, "zotkey-test-opapp", lib}, argv...)
}

// CanPlace says why the library cannot be put at the app's path here, or nil:
// it needs unshare(1) and the right to make a mount namespace (root, or
// CAP_SYS_ADMIN).
func CanPlace() error {
	if _, err := exec.LookPath("unshare"); err != nil {
		return errors.New("placing the stand-in 1Password library needs unshare (util-linux)")
	}
	argv := PlacementArgv("", "true")
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		return fmt.Errorf("placing the stand-in 1Password library needs a private mount namespace (root or CAP_SYS_ADMIN): %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
