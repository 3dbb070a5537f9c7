// Package schedule writes the definitions that run zotkey's daily job: a launchd LaunchAgent (macOS) and a
// systemd user service plus timer (Linux). The plist is written and read back by howett.net/plist from one
// struct (launchAgent). The units come from embedded templates, every value escaped by systemd's quoting,
// specifier and variable rules: that escaping is the work, and go-systemd's unit.Serialize (the usual library)
// writes Name=Value verbatim, so it would add a dependency and leave the escaping hand-written. Every path in
// them is absolute, because neither launchd nor systemd runs the job from a shell.
package schedule

import (
	_ "embed"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"text/template"
	"unicode"
	"unicode/utf8"

	"howett.net/plist"
)

// Label is the LaunchAgent's label and file name (without .plist).
const Label = "com.github.eblume.zotkey.rotate"

// Unit is the systemd units' name (without .service or .timer).
const Unit = "zotkey-rotate"

// Job is one daily job: `mise run rotate-zot-key --auto` in Project at Hour.
type Job struct {
	Mise    string   // absolute path of mise
	Zotkey  string   // absolute path of zotkey, whose directory is on Path
	Project string   // absolute path of the project whose rotate-zot-key task runs
	Path    []string // PATH for the job, absolute directories, zotkey's among them
	Hour    int      // 0-23, local time
	Home    string   // the user's home, for the launchd log (absolute)
	Lang    string   // LANG for the job (launchd starts it with none): a UTF-8 locale
}

// Args is the command the job runs.
func (j Job) Args() []string { return []string{j.Mise, "run", "rotate-zot-key", "--auto"} }

// Locale is LANG's value: Lang, else DefaultLang.
func (j Job) Locale() string {
	if j.Lang == "" {
		return DefaultLang
	}
	return j.Lang
}

// PathList is PATH's value.
func (j Job) PathList() string { return strings.Join(j.Path, ":") }

// Log is where launchd writes the job's output. launchd creates the file but
// not its directory, and does not start a job whose output it cannot open.
func (j Job) Log() string { return filepath.Join(j.Home, "Library", "Logs", "zotkey", "rotate.log") }

// LogDir is Log's directory.
func (j Job) LogDir() string { return filepath.Dir(j.Log()) }

// Label and Unit, for the templates.
func (Job) Label() string { return Label }
func (Job) Unit() string  { return Unit }

// Validate refuses what the files cannot carry faithfully.
func (j Job) Validate() error {
	if j.Hour < 0 || j.Hour > 23 {
		return fmt.Errorf("--hour %d is not an hour of the day (0-23)", j.Hour)
	}
	paths := map[string]string{"mise": j.Mise, "the project": j.Project, "the home directory": j.Home}
	if j.Zotkey != "" {
		paths["zotkey"] = j.Zotkey
	}
	for i, p := range j.Path {
		paths[fmt.Sprintf("PATH entry %d", i+1)] = p
		if strings.Contains(p, ":") {
			return fmt.Errorf("the directory %q has a colon, which PATH cannot hold", p)
		}
	}
	for what, p := range paths {
		switch {
		case !filepath.IsAbs(p):
			return fmt.Errorf("%s is not an absolute path: %q", what, p)
		case !utf8.ValidString(p):
			// Both formats are UTF-8 text: bytes that are not would be replaced or refused by the reader.
			return fmt.Errorf("%s is not valid UTF-8 text, which the job's files cannot carry: %q", what, p)
		case strings.IndexFunc(p, unicode.IsControl) >= 0:
			return fmt.Errorf("%s has a control character in its path: %q", what, p)
		case strings.IndexFunc(p, notXML) >= 0:
			return fmt.Errorf("%s has a character that XML 1.0 cannot hold (a plist is XML): %q", what, p)
		case strings.TrimSpace(p) != p:
			// systemd strips a value's surrounding blanks, and WorkingDirectory= has no quoting.
			return fmt.Errorf("%s starts or ends with a blank: %q", what, p)
		}
	}
	return nil
}

var (
	//go:embed zotkey-rotate.service.tmpl
	serviceSrc string
	//go:embed zotkey-rotate.timer.tmpl
	timerSrc string

	// Parsed on first use: every zotkey start would otherwise pay for them.
	serviceTmpl = sync.OnceValue(func() *template.Template {
		return template.Must(template.New("service").Funcs(systemdFns()).Parse(serviceSrc))
	})
	timerTmpl = sync.OnceValue(func() *template.Template {
		return template.Must(template.New("timer").Funcs(systemdFns()).Parse(timerSrc))
	})
)

func systemdFns() template.FuncMap {
	return template.FuncMap{"path": systemdPath, "quote": systemdQuote, "args": systemdArgs}
}

// launchAgent is the LaunchAgent property list (launchd.plist(5)); the
// library sorts its keys, which launchd does not mind.
type launchAgent struct {
	Label                 string
	ProgramArguments      []string
	WorkingDirectory      string
	EnvironmentVariables  map[string]string
	StartCalendarInterval calendar
	StandardInPath        string
	StandardOutPath       string
	StandardErrorPath     string
	ProcessType           string
	RunAtLoad             bool
}

type calendar struct{ Hour, Minute int }

// Launchd is the LaunchAgent property list, in XML (the format launchctl and
// people read), indented with tabs as Xcode writes it.
func Launchd(j Job) (string, error) {
	if err := j.Validate(); err != nil {
		return "", err
	}
	b, err := plist.MarshalIndent(launchAgent{
		Label:                 Label,
		ProgramArguments:      j.Args(),
		WorkingDirectory:      j.Project,
		EnvironmentVariables:  map[string]string{"PATH": j.PathList(), "LANG": j.Locale()},
		StartCalendarInterval: calendar{Hour: j.Hour},
		StandardInPath:        "/dev/null",
		StandardOutPath:       j.Log(),
		StandardErrorPath:     j.Log(),
		ProcessType:           "Background",
	}, plist.XMLFormat, "\t")
	if err != nil {
		return "", err
	}
	return string(b) + "\n", nil
}

// Service is the systemd user service.
func Service(j Job) (string, error) {
	// systemd refuses these in an executable's path ("Executable name contains
	// special characters"), and does not substitute "$" there, unlike in the
	// arguments, so no quoting can carry them.
	if strings.ContainsAny(j.Mise, `\"'$`) {
		return "", fmt.Errorf("systemd cannot run an executable whose path holds a quote, a backslash or a dollar sign: %q", j.Mise)
	}
	return unitText(render(serviceTmpl(), j))
}

// Timer is the systemd user timer.
func Timer(j Job) (string, error) { return unitText(render(timerTmpl(), j)) }

// unitText refuses a unit that systemd would read differently from what was
// written: a line ending in a backslash continues on the next line
// (systemd.syntax(7)), which systemd-analyze verify does not notice when the
// joined line still parses (WorkingDirectory= of a path ending in "\").
func unitText(src string, err error) (string, error) {
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(src, "\n") {
		if strings.HasSuffix(line, `\`) {
			name, _, _ := strings.Cut(line, "=")
			return "", fmt.Errorf("systemd would read the line of %s= as continued on the next line, since its value ends in a backslash: %q", name, line)
		}
	}
	return src, nil
}

func render(t *template.Template, j Job) (string, error) {
	if err := j.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, j); err != nil {
		return "", err
	}
	return b.String(), nil
}

// notXML is a character outside XML 1.0's Char production (§2.2: #x9, #xA,
// #xD, #x20-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF); the plist library's
// encoding/xml would write U+FFFD in its place, so the file would name another
// path.
func notXML(r rune) bool {
	switch {
	case r == 0x9 || r == 0xA || r == 0xD:
		return false
	case r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return false
	}
	return true
}

// systemdPath is a path for a setting that takes the rest of the line as one
// path (WorkingDirectory=): no quoting there, only "%" starts a specifier.
func systemdPath(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// systemdQuote is one double-quoted word, as Environment= and ExecStart= split
// them (C escapes inside quotes, "%" specifiers; see systemd.syntax(7)).
func systemdQuote(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "%", "%%").Replace(s)
	return `"` + s + `"`
}

// systemdArgs is an ExecStart= command line: each word quoted, and "$"
// doubled in the arguments, since ExecStart= substitutes $VAR and ${VAR}
// there (systemd.service(5)); the executable (Service refuses "$" in it) is not.
func systemdArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = systemdQuote(a)
		if i > 0 {
			q[i] = strings.ReplaceAll(q[i], "$", "$$")
		}
	}
	return strings.Join(q, " ")
}

// Machine is where Resolve looks.
type Machine struct {
	GOOS       string
	LookPath   func(string) (string, error)
	Executable func() (string, error)
	Home       string
	Path       string // the installing shell's PATH
	Lang       string // the installing shell's LANG
}

// DefaultLang is the job's LANG when the installing shell has no UTF-8 one.
const DefaultLang = "en_US.UTF-8"

// utf8Locale says whether a locale name asks for UTF-8 (en_US.UTF-8, C.utf8).
func utf8Locale(l string) bool {
	_, codeset, ok := strings.Cut(l, ".")
	codeset, _, _ = strings.Cut(codeset, "@")
	codeset = strings.ToLower(strings.ReplaceAll(codeset, "-", ""))
	return ok && codeset == "utf8"
}

// pathEntryOK says whether a directory from the shell's PATH can go into the
// job's PATH: absolute, and nothing Validate would refuse.
func pathEntryOK(d string) bool {
	return filepath.IsAbs(d) && utf8.ValidString(d) && strings.IndexFunc(d, unicode.IsControl) < 0 &&
		strings.IndexFunc(d, notXML) < 0 && strings.TrimSpace(d) == d
}

// versionDir matches a folder named for a version: 1.26.8, go1.26.8, v2.0.
// Compiled at first use, not at every start of zotkey.
var versionDir = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(go|v)?\d+\.\d+(\.\d+)?([-+.][0-9A-Za-z.]+)?$`)
})

// Versioned warns about each program path of the job inside a folder named
// for a version (mise's go installs: ~/.local/share/mise/installs/go/1.26.8/bin),
// which an upgrade removes, and names a stable place instead.
func (j Job) Versioned() []string {
	var out []string
	for _, p := range []struct{ what, path string }{{"zotkey", j.Zotkey}, {"mise", j.Mise}} {
		for _, part := range strings.Split(filepath.Dir(p.path), string(filepath.Separator)) {
			if versionDir().MatchString(part) {
				stable := "~/.local/bin, with GOBIN=$HOME/.local/bin go install github.com/eblume/zotkey@latest"
				if p.what == "mise" {
					stable = "mise's own link (e.g. ~/.local/bin/mise or Homebrew's /opt/homebrew/bin/mise)"
				}
				out = append(out, fmt.Sprintf("the job runs %s from %s, a folder named for version %s, which breaks when that version is removed; install it at a stable path, such as %s, and run this again from a shell that finds it there first",
					p.what, p.path, part, stable))
				break
			}
		}
	}
	return out
}

// Resolve fills a Job from the machine: mise's path as found on PATH now
// (its stable path, e.g. Homebrew's link, not the version it points to), and
// a PATH of zotkey's directory, mise's and the system's. A job started by
// launchd or systemd has no shell, so nothing else would find them.
func Resolve(m Machine, project string, hour int) (Job, error) {
	mise, err := m.LookPath("mise")
	if errors.Is(err, exec.ErrDot) {
		// Found, but through a relative PATH entry: say so, not "not found".
		return Job{}, fmt.Errorf("mise is found only through a relative PATH entry (%s), which means another folder to the daily job; put mise's folder in PATH as an absolute path, or remove the relative entry", mise)
	}
	if err != nil {
		return Job{}, ErrNoMise
	}
	if mise, err = filepath.Abs(mise); err != nil {
		return Job{}, err
	}
	zotkey, err := m.LookPath("zotkey")
	if err != nil {
		if zotkey, err = m.Executable(); err != nil {
			return Job{}, fmt.Errorf("cannot tell where zotkey is installed: %v", err)
		}
	}
	if zotkey, err = filepath.Abs(zotkey); err != nil {
		return Job{}, err
	}
	dirs := []string{filepath.Dir(zotkey), filepath.Dir(mise)}
	// The installing shell's PATH, so the sync finds what it finds in the
	// user's terminal (~/.local/bin, mise's shims, Homebrew).
	for _, d := range filepath.SplitList(m.Path) {
		if d = filepath.Clean(d); d != "" && pathEntryOK(d) {
			dirs = append(dirs, d)
		}
	}
	if m.GOOS == "darwin" {
		dirs = append(dirs, "/opt/homebrew/bin")
	}
	dirs = append(dirs, "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin")
	var path []string
	for _, d := range dirs {
		if !slices.Contains(path, d) {
			path = append(path, d)
		}
	}
	lang := m.Lang
	if !utf8Locale(lang) || !pathEntryOK("/"+lang) {
		lang = DefaultLang
	}
	j := Job{Mise: mise, Zotkey: zotkey, Project: project, Path: path, Hour: hour, Home: m.Home, Lang: lang}
	return j, j.Validate()
}

// ErrNoMise means mise was not found, so the job could not run the task.
var ErrNoMise = errors.New("mise is not on PATH, and the job runs the rotate-zot-key task with it")
