//go:build cgo

package onepassword

const cgoEnabled = true
