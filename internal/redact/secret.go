package redact

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
)

// A shape is what a secret's bytes may be, byte by byte: one byte each for a
// known value, a set for a kind of key (zak_ and 32 hex digits).
type shape [][]byte

// zotShape is every zot API key, in either case: the sync's output is
// filtered of any of them, so a key zotkey held once (a replaced key, whose
// value zotkey no longer has) is caught as surely as the stored one.
func zotShape() shape {
	s := shape{{'z', 'Z'}, {'a', 'A'}, {'k', 'K'}, {'_'}}
	digits := []byte("0123456789abcdefABCDEF")
	for range 32 {
		s = append(s, digits)
	}
	return s
}

func literalShape(v string) shape {
	s := make(shape, len(v))
	for i := range len(v) {
		s[i] = []byte{v[i]}
	}
	return s
}

// isZotKey reports whether v is a zot API key (any case): zotShape covers it.
func isZotKey(v string) bool { return len(v) == len("zak_")+32 && keyAt(v, 0) }

// ansi is an escape sequence a terminal-minded tool may put between the
// characters of a value (colour): CSI … final byte, or OSC … BEL/ST.
const ansi = `(?:\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\))*`

// sep is what a dump puts between bytes on a line: spaces, colons, commas,
// and the \x or 0x of a byte list.
const sep = `(?:[ \t:,]|\\x|0x)*`

// brk is a dump's line break between two bytes: the rest of the line (the
// ASCII column of xxd or hexdump -C), the newline, and the next line's
// offset (hex or octal, with or without a colon).
const brk = `(?:[^\n]*\n[ \t]*(?:[0-9a-fA-F]{4,}:?)?)?`

const hexNoise = sep + brk + sep

// hexPair matches the two hex digits of any byte of set, in either case.
func hexPair(set []byte) string {
	byHigh := map[byte][]byte{}
	var highs []byte
	for _, b := range set {
		h := b >> 4
		if _, ok := byHigh[h]; !ok {
			highs = append(highs, h)
		}
		byHigh[h] = append(byHigh[h], b&0xf)
	}
	var alts []string
	for _, h := range highs {
		alts = append(alts, nibble([]byte{h})+nibble(byHigh[h]))
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

func nibble(ns []byte) string {
	var b strings.Builder
	b.WriteByte('[')
	for _, n := range ns {
		d := fmt.Sprintf("%x", n)
		b.WriteString(d)
		if u := strings.ToUpper(d); u != d {
			b.WriteString(u)
		}
	}
	b.WriteByte(']')
	return b.String()
}

// plain is the shape as text, each character itself or percent-encoded,
// with ANSI escapes allowed between characters.
func (s shape) plain() string {
	var b strings.Builder
	for i, set := range s {
		if i > 0 {
			b.WriteString(ansi)
		}
		b.WriteString("(?:")
		if set[0] < 0x80 {
			b.WriteString("[")
			for _, c := range set {
				b.WriteString(regexp.QuoteMeta(string(rune(c))))
			}
			b.WriteString("]|")
		}
		b.WriteString("%" + hexPair(set) + ")")
	}
	return b.String()
}

// hex is the shape as hex digits in byte order (xxd, hexdump -C, od -tx1,
// a byte list), any case, with a dump's separators, offsets and line breaks
// between bytes.
func (s shape) hex() string {
	parts := make([]string, len(s))
	for i, set := range s {
		parts[i] = hexPair(set)
	}
	return strings.Join(parts, hexNoise)
}

// swapped is the shape as 16-bit little-endian words (od -x, hexdump without
// -C): each word prints its second byte first. odd: the shape starts in the
// second byte of a word.
func (s shape) swapped(odd bool) string {
	const any = `[0-9a-fA-F]{2}`
	var words []string
	i := 0
	if odd {
		words = append(words, hexPair(s[0])+any)
		i = 1
	}
	for ; i+1 < len(s); i += 2 {
		words = append(words, hexPair(s[i+1])+hexPair(s[i]))
	}
	if i < len(s) {
		words = append(words, any+hexPair(s[i]))
	}
	return strings.Join(words, hexNoise)
}

const (
	b64Std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b32Std = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
)

// encoded is the shape in a radix-2^width encoding (base64: 6, base32: 5)
// when `skip` bytes of the encoded text come before it in its group: each
// character is the class of those the shape's bits allow (the bits it shares
// with neighbouring bytes are free), so the characters at both ends, which
// also carry bits of the secret, are caught too. A wrapped encoding may
// break a line between characters.
func (s shape) encoded(width, skip int, alphabets ...string) string {
	start, end := 8*skip, 8*(skip+len(s))
	var chars []string
	for j := start / width; j*width < end; j++ {
		var class strings.Builder
		for v := range 1 << width {
			if !s.allows(v, j*width, width, start) {
				continue
			}
			for _, a := range alphabets {
				if c := a[v]; !strings.ContainsRune(class.String(), rune(c)) {
					class.WriteString(regexp.QuoteMeta(string(c)))
				}
			}
		}
		chars = append(chars, "["+class.String()+"]")
	}
	return strings.Join(chars, `(?:\r?\n)?`)
}

// allows reports whether a character of value v, covering bits [from,
// from+width) of the encoded text, is consistent with the shape starting at
// bit start: for each byte it overlaps, some byte of its set has those bits.
func (s shape) allows(v, from, width, start int) bool {
	for k := range s {
		lo, hi := start+8*k, start+8*k+8
		if hi <= from || lo >= from+width {
			continue
		}
		ok := false
		for _, m := range s[k] {
			match := true
			for bit := max(lo, from); bit < min(hi, from+width); bit++ {
				vb := v >> (width - 1 - (bit - from)) & 1
				mb := int(m) >> (7 - (bit - lo)) & 1
				if vb != mb {
					match = false
					break
				}
			}
			if match {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// forms are the patterns of every way a tool may print the shape.
func (s shape) forms() []string {
	f := []string{s.plain(), s.hex(), s.swapped(false), s.swapped(true)}
	for skip := range 3 {
		f = append(f, s.encoded(6, skip, b64Std, b64URL))
	}
	for skip := range 5 {
		f = append(f, s.encoded(5, skip, b32Std))
	}
	return f
}

// pattern matches any form of any zot key and of the other secrets given.
func pattern(secrets []string) *regexp.Regexp {
	shapes := []shape{zotShape()}
	for _, v := range secrets {
		if v != "" && !isZotKey(v) {
			shapes = append(shapes, literalShape(v))
		}
	}
	var alts []string
	for _, s := range shapes {
		for _, f := range s.forms() {
			alts = append(alts, "(?:"+f+")")
		}
	}
	for _, v := range secrets {
		if v != "" && !isZotKey(v) && strings.IndexFunc(v, func(r rune) bool { return r >= 0x80 }) >= 0 {
			// Characters beyond ASCII, as themselves (shape.plain has
			// only their percent-encoding).
			var quoted []string
			for _, r := range v {
				quoted = append(quoted, regexp.QuoteMeta(string(r)))
			}
			alts = append(alts, "(?:"+strings.Join(quoted, ansi)+")")
		}
	}
	return regexp.MustCompile(strings.Join(alts, "|"))
}

// Filter passes text through to W with every form of every zot key, and of
// the other secrets it was given, replaced by Placeholder: plain, with ANSI
// escapes between characters, percent-encoded, as hex in either case and byte
// order with any separators, offsets and line breaks (xxd, hexdump -C, od -x,
// a byte list), and as base64 (standard or URL, at any alignment, wrapped or
// not) or base32. A form spread over several lines takes those whole lines
// with it (a dump's ASCII column shows pieces of the value). It holds back
// the last part of what it was given, longer than a spread form can be, and
// looks only at whole lines, so a secret split across writes is still
// caught; Close writes what is held.
type Filter struct {
	W    io.Writer
	re   *regexp.Regexp
	hold int
	mu   sync.Mutex
	buf  []byte
}

// NewFilter filters the forms of every zot key and of the secrets out of
// what is written to w.
func NewFilter(w io.Writer, secrets ...string) *Filter {
	f := &Filter{W: w, re: pattern(secrets), hold: 32 * (len("zak_") + 32)}
	for _, s := range secrets {
		// A dump takes about five characters a byte (hexdump -C, over four
		// lines), colour escapes up to about 27 (24-bit colour).
		f.hold = max(f.hold, 32*len(s))
	}
	return f
}

func (f *Filter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf = append(f.buf, p...)
	if len(f.buf) < 2*f.hold {
		return len(p), nil // held: looked at once there is enough
	}
	end := bytes.LastIndexByte(f.buf, '\n') + 1
	if len(f.buf)-end > 4*f.hold {
		end = len(f.buf) // a line that never ends: taken as it is
	}
	end = f.redact(end)
	// Flush whole lines up to what must be held back: a form that starts
	// before the cut ends inside what was looked at, so it was whole there.
	cut := end - f.hold
	if cut <= 0 {
		return len(p), nil
	}
	if nl := bytes.LastIndexByte(f.buf[:cut], '\n'); nl >= 0 {
		cut = nl + 1
	}
	if err := f.flush(cut); err != nil {
		return 0, err
	}
	return len(p), nil
}

// redact replaces the forms in buf[:end] and returns where that part now ends.
func (f *Filter) redact(end int) int {
	head := f.buf[:end]
	locs := f.re.FindAllIndex(head, -1)
	if locs == nil {
		return end
	}
	var out []byte
	last := 0
	for _, l := range locs {
		from, to := l[0], l[1]
		if from < last {
			continue
		}
		if bytes.IndexByte(head[from:to], '\n') >= 0 {
			// Spread over lines: the whole lines go.
			from = bytes.LastIndexByte(head[:from], '\n') + 1
			if nl := bytes.IndexByte(head[to:], '\n'); nl >= 0 {
				to += nl
			} else {
				to = len(head)
			}
			if from < last {
				from = last
			}
		}
		out = append(out, head[last:from]...)
		out = append(out, Placeholder...)
		last = to
	}
	out = append(out, head[last:]...)
	n := len(out)
	f.buf = append(out, f.buf[end:]...)
	return n
}

func (f *Filter) flush(n int) error {
	_, err := f.W.Write(f.buf[:n])
	f.buf = append(f.buf[:0], f.buf[n:]...)
	return err
}

// Close writes what is held back.
func (f *Filter) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.buf) == 0 {
		return nil
	}
	f.redact(len(f.buf))
	return f.flush(len(f.buf))
}
