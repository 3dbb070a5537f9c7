package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/eblume/zotkey/internal/hint"
	"github.com/eblume/zotkey/internal/keyring"
	"github.com/eblume/zotkey/internal/redact"
)

// MaxTimeout bounds --timeout: zero or a negative duration would mean "wait
// forever", and a registry that needs minutes to answer is down.
const MaxTimeout = 5 * time.Minute

// MaxOpTimeout bounds --op-timeout: an approval nobody gives in ten minutes
// will not come.
const MaxOpTimeout = 10 * time.Minute

// CheckGlobals checks the globals that kong's types cannot: a bounded timeout and
// a field name that is printable and is not the service-account token's
// keyring entry (set would overwrite the token, verify --stored would send it
// to the registry). storeKind is --store.
func CheckGlobals(timeout, opTimeout time.Duration, storeKind, field string) error {
	if timeout <= 0 || timeout > MaxTimeout {
		return hint.With(fmt.Errorf("--timeout %s must be positive and at most %s", timeout, MaxTimeout), "give a positive duration of at most 5m, e.g. --timeout 20s")
	}
	if opTimeout <= 0 || opTimeout > MaxOpTimeout {
		return hint.With(fmt.Errorf("--op-timeout %s must be positive and at most %s", opTimeout, MaxOpTimeout), "give a positive duration of at most 10m, e.g. --op-timeout 2m")
	}
	if err := checkName(field); err != nil {
		return hint.With(fmt.Errorf("--field \"%s\" %w", redact.Text(field), err), "give the name of the field (1Password) or entry (keyring) that holds the key, e.g. zot-ci-api")
	}
	if storeKind == "keyring" && field == keyring.TokenUser {
		return hint.With(fmt.Errorf("--field %s is the keyring entry of the 1Password service-account token", keyring.TokenUser), "choose another name for the key's entry, e.g. --field zot-ci-api")
	}
	return nil
}

// checkName refuses names that would print as something else: empty, or with
// control or non-printable characters (a newline forges a line).
func checkName(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("is empty")
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) >= 0 || !utf8.ValidString(s):
		return errors.New("holds a control or non-printable character")
	}
	return nil
}
