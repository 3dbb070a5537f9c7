package onepassword

import "path/filepath"

// DesktopLibraryPaths are where the SDK looks for the 1Password app's
// library when signing in through the desktop app (--op-account), in its
// order; the SDK loads the first that exists. Mirrors onepassword-sdk-go
// v0.4.1 internal/shared_lib_core.go (find1PasswordLibPath, lines 31-53).
func DesktopLibraryPaths(goos, home string) []string {
	switch goos {
	case "darwin":
		return []string{
			"/Applications/1Password.app/Contents/Frameworks/libop_sdk_ipc_client.dylib",
			filepath.Join(home, "Applications/1Password.app/Contents/Frameworks/libop_sdk_ipc_client.dylib"),
		}
	case "linux":
		return []string{
			"/usr/bin/1password/libop_sdk_ipc_client.so",
			"/opt/1Password/libop_sdk_ipc_client.so",
			"/snap/bin/1password/libop_sdk_ipc_client.so",
		}
	}
	return nil
}
