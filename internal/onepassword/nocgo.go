//go:build !cgo

package onepassword

// Without cgo the SDK cannot load the desktop app's IPC library.
const cgoEnabled = false
