//go:build darwin

package keyring

var provider backend = security{path: "/usr/bin/security"}
