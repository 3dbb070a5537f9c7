package keyring

// A port of the parts of Apple's `security` tool that zotkey's keychain
// writes go through, for tests that cannot run macOS: the interactive line
// reader, the line splitter, getopt, and add/find/delete-generic-password's
// handling of their arguments. Each function cites the source it follows:
// apple-oss-distributions/Security at tag Security-61901.0.87.0.1,
// SecurityTool/macOS/{readline.c,security.c,keychain_add.c,keychain_find.c,
// keychain_delete.c}; getopt is BSD libc's (FreeBSD lib/libc/stdlib/getopt.c,
// which Apple's Libc carries), since SecurityTool calls the system's.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Limits of the interactive mode (security.c:78-81).
const (
	appleMaxLineLen = 4096 // MAX_LINE_LEN
	appleMaxArgs    = 32   // MAX_ARGS
)

// appleReadline is readline() with a fixed buffer (readline.c:41-82): it reads
// bytes up to a newline, but stops without reading further once
// buffer_size-1 bytes are in the buffer (:57-60), leaving the rest for the next
// call. ok is false at end of input (:66-72), even after a partial line.
func appleReadline(r *bufio.Reader, bufferSize int) (line []byte, ok bool) {
	for ix := 0; ; ix++ {
		if ix == bufferSize-1 {
			break
		}
		ch, err := r.ReadByte()
		if err != nil {
			return nil, false
		}
		if ch == '\n' {
			break
		}
		line = append(line, ch)
	}
	// The C string ends at its first NUL byte (:79 terminates the buffer, and
	// split_line walks it with `*ptr`).
	if i := strings.IndexByte(string(line), 0); i >= 0 {
		line = line[:i]
	}
	return line, true
}

// split_line's states (security.c:895-903).
const (
	skipWS = iota
	readArg
	readArgEscaped
	quotedArg
	quotedArgEscaped
)

// appleIsSpace is isspace() in the C locale, which SecurityTool never
// changes: space, \t \n \v \f \r. Bytes above 0x7f are not spaces there.
func appleIsSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// appleSplitLine is split_line (security.c:905-1001), step by step.
func appleSplitLine(line []byte) []string {
	var argv []string
	var dst []byte
	state := skipWS
	var quote byte
	endArg := func() {
		argv = append(argv, string(dst))
		dst = nil
	}
	for _, c := range line {
		if state == skipWS { // :918-935
			if appleIsSpace(c) {
				continue
			}
			if c == '"' || c == '\'' {
				quote = c
				state = quotedArg
				continue // skip the quote (:928)
			}
			state = readArg
		}
		if state == readArg { // :937-955
			if c == '\\' {
				state = readArgEscaped
				continue
			} else if appleIsSpace(c) {
				endArg()
				state = skipWS
				if len(argv) >= appleMaxArgs {
					break
				}
			} else {
				dst = append(dst, c)
			}
		}
		if state == quotedArg { // :957-975
			if c == '\\' {
				state = quotedArgEscaped
				continue
			}
			if c == quote {
				endArg() // the matching quote ends the argument (:964-972)
				state = skipWS
				if len(argv) >= appleMaxArgs {
					break
				}
			} else {
				dst = append(dst, c)
			}
		}
		if state == readArgEscaped { // :977-981
			dst = append(dst, c)
			state = readArg
		}
		if state == quotedArgEscaped { // :983-987
			dst = append(dst, c)
			state = quotedArg
		}
	}
	if state != skipWS { // :990-995: an open quote or a trailing backslash ends the last argument
		endArg()
	}
	return argv
}

// appleGetopt is BSD getopt(3) over argv (argv[0] the command's name), reset
// per command as execute_command does (security.c:1044-1046).
type appleGetopt struct {
	argv   []string
	optstr string
	optind int
	place  string
	optarg string
	optopt byte
}

func newAppleGetopt(argv []string, optstr string) *appleGetopt {
	return &appleGetopt{argv: argv, optstr: optstr, optind: 1}
}

// next returns the next option, '?' or ':' for a bad one, or -1 at the first
// non-option argument or after "--".
func (g *appleGetopt) next() int {
	if g.place == "" {
		if g.optind >= len(g.argv) || !strings.HasPrefix(g.argv[g.optind], "-") {
			return -1
		}
		g.place = g.argv[g.optind][1:]
		if g.place == "-" { // "--": end of options
			g.optind++
			g.place = ""
			return -1
		}
		if g.place == "" { // a lone "-" is an argument unless optstr has '-'
			if !strings.Contains(g.optstr, "-") {
				return -1
			}
			g.place = "-"
		}
	}
	g.optopt, g.place = g.place[0], g.place[1:]
	i := strings.IndexByte(g.optstr, g.optopt)
	if g.optopt == ':' || i < 0 {
		if g.place == "" {
			g.optind++
		}
		return '?'
	}
	if i+1 < len(g.optstr) && g.optstr[i+1] == ':' { // takes an argument
		switch {
		case g.place != "":
			g.optarg = g.place
		case g.optind+1 < len(g.argv):
			g.optind++
			g.optarg = g.argv[g.optind] // whatever it is, "-x" and "--" included
		default:
			g.place = ""
			g.optind++
			if g.optstr[0] == ':' {
				return ':'
			}
			return '?'
		}
		g.place = ""
		g.optind++
		return int(g.optopt)
	}
	g.optarg = ""
	if g.place == "" {
		g.optind++
	}
	return int(g.optopt)
}

// appleAdd is what keychain_add_generic_password (keychain_add.c:581-767)
// makes of its arguments, before any keychain is touched.
type appleAdd struct {
	service, account, password string
	hasPassword, update        bool
	keychain                   string // a lone extra argument (:724-731)
	status                     int    // 0, or 2 for the usage message
}

func appleParseAdd(argv []string) appleAdd {
	var a appleAdd
	var haveService, haveAccount bool
	g := newAppleGetopt(argv, ":a:c:C:D:G:j:l:s:p:w:X:UAT:h") // :614
	for {
		ch := g.next()
		if ch == -1 {
			break
		}
		switch ch {
		case 'a':
			a.account, haveAccount = g.optarg, true
		case 's':
			a.service, haveService = g.optarg, true
		case 'p', 'w':
			a.password, a.hasPassword = g.optarg, true
		case 'U':
			a.update = true
		case 'c', 'C', 'D', 'G', 'j', 'l', 'T', 'A':
			// Attributes zotkey never passes; accepted and ignored here.
		default: // '?', ':' (a -w without data would prompt: :695-709), 'X', 'h'
			a.status = 2
			return a
		}
	}
	rest := argv[g.optind:]
	switch {
	case !haveAccount || !haveService: // :719-723
		a.status = 2
	case len(rest) > 0: // :724-731: a lone extra argument names the keychain
		a.keychain = rest[0]
		if len(rest) > 1 || rest[0] == "" {
			a.status = 2
		}
	}
	return a
}

// standInItem is one generic password in the stand-in's keychains. Its
// strings are any bytes, as the keychain's attributes are (keychain_add.c:
// strlen'd C strings), so they are kept in JSON as []byte (base64).
type standInItem struct {
	Keychain []byte `json:"keychain"` // empty for the default keychain
	Service  []byte `json:"service"`
	Account  []byte `json:"account"`
	Password []byte `json:"password"`
}

// standInEnv names the state file of the stand-in: the test binary, run with
// it set, acts as /usr/bin/security (see TestMain).
const standInEnv = "ZOTKEY_TEST_SECURITY_STANDIN"

// standInSecurity is `security` as far as zotkey uses it: main's getopt
// (security.c:1119-1160), the interactive loop (:1173-1207) and the three
// generic-password commands. Its messages are Apple's (sec_error prefixes
// "security: "; errSecItemNotFound reads "The specified item could not be
// found in the keychain.", exit 44; errSecNoSuchKeychain exit 25).
func standInSecurity(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	state := os.Getenv(standInEnv)
	sec := &standIn{stdout: stdout, stderr: stderr}
	if b, err := os.ReadFile(state); err == nil {
		if err := json.Unmarshal(b, &sec.items); err != nil {
			fmt.Fprintln(stderr, "stand-in:", err)
			return 1
		}
	}
	defer func() {
		b, _ := json.MarshalIndent(sec.items, "", "  ")
		_ = os.WriteFile(state, b, 0o600)
	}()
	if len(args) == 1 && args[0] == "-i" {
		r := bufio.NewReader(stdin)
		result := 0
		for {
			line, ok := appleReadline(r, appleMaxLineLen)
			if !ok {
				return result
			}
			argv := appleSplitLine(line)
			result = sec.exec(argv)
			if result != 0 { // security.c:1203-1206
				fmt.Fprintf(stderr, "%s: returned %d\n", argv[0], result)
			}
		}
	}
	return sec.exec(args)
}

// standIn is the stand-in's keychains during one run, and where it writes.
type standIn struct {
	items          []standInItem
	stdout, stderr io.Writer
}

func (s *standIn) find(keychain, service, account string) int {
	for i, it := range s.items {
		if string(it.Keychain) == keychain && string(it.Service) == service && string(it.Account) == account {
			return i
		}
	}
	return -1
}

func (s *standIn) exec(argv []string) int {
	if len(argv) == 0 {
		return 0 // security.c:1027-1029
	}
	switch argv[0] {
	case "add-generic-password":
		return s.add(argv)
	case "find-generic-password", "delete-generic-password":
		return s.findOrDelete(argv)
	}
	fmt.Fprintf(s.stderr, "security: unknown command \"%s\"\n", argv[0])
	return 1
}

func (s *standIn) add(argv []string) int {
	a := appleParseAdd(argv)
	if a.status == 2 {
		fmt.Fprintln(s.stderr, "Usage: add-generic-password [-a account] [-s service] [-w password] [options...] [-A|-T appPath] [keychain]")
		return 2
	}
	if a.keychain != "" {
		fmt.Fprintf(s.stderr, "security: SecKeychainItemCreateFromContent (%s): The specified keychain could not be found.\n", a.keychain)
		return 25
	}
	it := standInItem{Service: []byte(a.service), Account: []byte(a.account), Password: []byte(a.password)}
	if i := s.find("", a.service, a.account); i >= 0 {
		if !a.update {
			fmt.Fprintln(s.stderr, "security: SecKeychainItemCreateFromContent (<default>): The specified item already exists in the keychain.")
			return 45
		}
		s.items[i] = it
		return 0
	}
	s.items = append(s.items, it)
	return 0
}

func (s *standIn) findOrDelete(argv []string) int {
	opts := "ha:c:C:D:G:j:l:s:wg" // keychain_find.c:1142
	if argv[0] == "delete-generic-password" {
		opts = "ha:c:C:D:G:j:l:s:g" // keychain_find.c:1060
	}
	g := newAppleGetopt(argv, opts)
	var service, account string
	var printPassword bool
	for ch := g.next(); ch != -1; ch = g.next() {
		switch ch {
		case 'a':
			account = g.optarg
		case 's':
			service = g.optarg
		case 'w':
			printPassword = true
		case '?', ':':
			return 2
		}
	}
	i := s.find("", service, account)
	if i < 0 {
		fmt.Fprintln(s.stderr, "security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.")
		return 44
	}
	if argv[0] == "delete-generic-password" {
		s.items = append(s.items[:i], s.items[i+1:]...)
		return 0
	}
	if printPassword {
		fmt.Fprintln(s.stdout, string(s.items[i].Password))
	}
	return 0
}
