package redact

import (
	"strconv"
	"strings"
)

// SecretWord is the one rule for a command-line word that may be a secret,
// which zotkey, the mise task and the fish function never print: a word that
// holds zak_ (a zot key, perhaps cut short) or ops_ (a 1Password
// service-account token), in any case, or a run of 20 or more ASCII letters
// and digits (hex, and base64 between its + / = signs). Paths and names such as
// forgejo_actions_secrets stay printable: their runs are short.
//
// It is an extended regular expression that Go, bash's [[ =~ ]] and fish's
// string match -r read alike: the letters are spelled out, since a range such
// as [a-z] may take in other letters in some locales. The mise task and the
// fish function carry this text, generated (go test . -run TestGeneratedFiles
// -update), and TestSecretWordAgrees runs both shells over the same words.
const SecretWord = `[zZ][aA][kK]_|[oO][pP][sS]_|[0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz]{20,}`

// LooksSecret reports whether the command-line word w may be a secret
// (SecretWord), or holds a key in any encoding redact knows (HasKey).
func LooksSecret(w string) bool { return MatchesSecretWord(w) || HasKey(w) }

// MatchesSecretWord is SecretWord, matched by hand: status prints the sync's
// words on every shell start, and a regexp compiled there would cost each
// run (TestMatchesSecretWord checks it against the expression).
func MatchesSecretWord(w string) bool {
	run := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		if '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			if run++; run >= 20 {
				return true
			}
		} else {
			run = 0
		}
		if c == '_' && i >= 3 && (strings.EqualFold(w[i-3:i], "zak") || strings.EqualFold(w[i-3:i], "ops")) {
			return true
		}
	}
	return false
}

// NotShown stands for a word that LooksSecret.
const NotShown = "<a word not shown: it may be a secret>"

// NotShownHint is the hint after an error that left a word out (NotShown).
const NotShownHint = "if that word is a key or token, it is in your shell history now: replace it (zotkey rotate; a new token); pass keys on stdin (pbpaste | zotkey set)"

// Word is w as it may be printed: NotShown when it LooksSecret, else w with
// control characters escaped (Text).
func Word(w string) string {
	if LooksSecret(w) {
		return NotShown
	}
	return Text(w)
}

// Words is argv joined by spaces, each word as Word prints it.
func Words(argv []string) string {
	out := make([]string, len(argv))
	for i, w := range argv {
		out[i] = Word(w)
	}
	return strings.Join(out, " ")
}

// HideError is err with its message through Hide (for kong's parse errors,
// which quote the word they refuse); errors.As still finds what it wraps.
func HideError(err error, args []string) error {
	return &hidden{err: err, msg: Hide(err.Error(), args)}
}

type hidden struct {
	err error
	msg string
}

func (h *hidden) Error() string { return h.msg }
func (h *hidden) Unwrap() error { return h.err }

// Hide replaces, in the message msg about the command line args, every arg
// that LooksSecret (and the value after = of a --flag=value), plain or as Go
// quotes it, and then every space-separated part of msg that still looks
// secret (Placeholder, a key redacted already, aside): kong's parse errors
// quote the word they refuse.
func Hide(msg string, args []string) string {
	for _, a := range args {
		for _, w := range []string{a, a[strings.IndexByte(a, '=')+1:]} {
			if w != "" && LooksSecret(w) {
				msg = strings.ReplaceAll(msg, strconv.Quote(w), NotShown)
				msg = strings.ReplaceAll(msg, w, NotShown)
			}
		}
	}
	parts := strings.Split(msg, " ")
	for i, p := range parts {
		if LooksSecret(strings.ReplaceAll(p, Placeholder, "")) { // a key redacted already stays as it is
			parts[i] = NotShown
		}
	}
	return strings.Join(parts, " ")
}
