package schedule

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"howett.net/plist"
)

// With HOME relative, no job's file is looked for relative to the current
// directory: a plist there is not the user's LaunchAgent.
func TestInstalledIgnoresFilesRelativeToHere(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	agent := LaunchAgent{Home: "."}.Plist()
	if err := os.MkdirAll(filepath.Dir(agent), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{agent, Unit + ".timer", Unit + ".service"} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, home := range []string{".", "", "home"} {
		env := map[string]string{"HOME": home}
		if Installed(func(k string) string { return env[k] }) {
			t.Errorf("HOME=%q: the files in %s count as the installed job", home, dir)
		}
	}
	// The case the test needs: with HOME absolute, the same files count.
	env := map[string]string{"HOME": dir}
	if !Installed(func(k string) string { return env[k] }) {
		t.Fatalf("HOME=%s: the LaunchAgent there is not found", dir)
	}
}

// The plist carries every path the job accepts exactly, however awkward to
// XML (&, <, ]]>, quotes), long or far from ASCII, and the library reads it
// back as written: the project, the program and the log path.
func TestLaunchdCarriesAwkwardPathsExactly(t *testing.T) {
	long := "/" + strings.Repeat("d", 250)
	for range 15 {
		long += "/" + strings.Repeat("é", 100)
	}
	for _, p := range []string{
		"/tmp/a&b<c>d]]>e\"f'g",
		"/tmp/<!-- x -->/<![CDATA[y]]>/&amp;/&#x41;",
		"/tmp/ünï cödé/日本語/😀/\u200b\ufeff",
		"/tmp/%h%%/$HOME/${X}/`x`/\\n",
		long,
	} {
		j := Job{Mise: p + "/mise", Zotkey: p + "/zotkey", Project: p, Path: []string{p, "/usr/bin"}, Hour: 23, Home: p, Lang: "C.UTF-8"}
		src, err := Launchd(j)
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		var a launchAgent
		if _, err := plist.Unmarshal([]byte(src), &a); err != nil {
			t.Fatalf("%q: the plist does not parse: %v\n%s", p, err, src)
		}
		if a.WorkingDirectory != p || a.ProgramArguments[0] != j.Mise || a.StandardOutPath != j.Log() ||
			a.EnvironmentVariables["PATH"] != p+":/usr/bin" || a.StartCalendarInterval.Hour != 23 {
			t.Errorf("%q: read back as %+v", p, a)
		}
		// Project reads what Install wrote, in XML and in the binary format
		// launchd also accepts (plutil -convert binary1).
		home := t.TempDir()
		l := LaunchAgent{Home: home}
		if err := os.MkdirAll(filepath.Dir(l.Plist()), 0o700); err != nil {
			t.Fatal(err)
		}
		bin, err := plist.Marshal(a, plist.BinaryFormat)
		if err != nil {
			t.Fatal(err)
		}
		for name, b := range map[string][]byte{"xml": []byte(src), "binary": bin} {
			if err := os.WriteFile(l.Plist(), b, 0o600); err != nil {
				t.Fatal(err)
			}
			if got, err := l.Project(); err != nil || got != p {
				t.Errorf("%s plist of %q: Project() = %q, %v", name, p, got, err)
			}
		}
	}
}

// Control characters, text that is not UTF-8, and characters XML cannot
// hold are refused in one line naming the path, not written altered.
func TestLaunchdRefusesWhatXMLCannotCarry(t *testing.T) {
	for _, p := range []string{"/tmp/a\x00b", "/tmp/a\x01b", "/tmp/a\nb", "/tmp/a\tb", "/tmp/a\x7fb", "/tmp/a\u0085b", "/tmp/a\xffb", "/tmp/a\ufffeb", "/tmp/a\uffffb"} {
		j := Job{Mise: "/usr/bin/mise", Project: p, Path: []string{"/usr/bin"}, Home: "/home/u"}
		_, err := Launchd(j)
		if err == nil {
			t.Errorf("%q: written", p)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "the project") {
			t.Errorf("%q: %q", p, msg)
		}
	}
}

// A plist edited by hand (comments, a doctype, keys zotkey does not write,
// other types under them, an array of calendar intervals) still names its
// project; one that names none, or is not a plist, says so in one line.
func TestProjectReadsAHandEditedPlist(t *testing.T) {
	l := LaunchAgent{Home: t.TempDir()}
	if err := os.MkdirAll(filepath.Dir(l.Plist()), 0o700); err != nil {
		t.Fatal(err)
	}
	edited := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<!-- edited by hand -->
<dict>
	<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
	<key>StartCalendarInterval</key>
	<array><dict><key>Hour</key><integer>3</integer></dict><dict><key>Weekday</key><integer>1</integer></dict></array>
	<key>WorkingDirectory</key>
	<string>/Users/me/src/a &amp; b &lt;ops&gt;</string>
	<key>Nice</key><real>1.5</real>
	<key>ProgramArguments</key><array><string>/bin/sh</string><string>-c</string><string>true</string></array>
</dict>
</plist>
`
	for src, want := range map[string]string{edited: "/Users/me/src/a & b <ops>"} {
		if err := os.WriteFile(l.Plist(), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := l.Project(); err != nil || got != want {
			t.Errorf("Project() = %q, %v; want %q", got, err, want)
		}
	}
	for _, src := range []string{"", "not a plist", `<plist><dict><key>Label</key><string>x</string></dict></plist>`,
		`<plist><dict><key>WorkingDirectory</key><integer>3</integer></dict></plist>`} {
		if err := os.WriteFile(l.Plist(), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := l.Project(); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: Project() = %q, %v", src, got, err)
		}
	}
}

// A service edited by hand still names its project, as systemd reads it:
// blanks around "=", a later assignment winning, a "-" prefix; one whose
// WorkingDirectory= is not an absolute path names none (doctor then looks in
// the current directory, and says which).
func TestUserTimerProjectReadsAHandEditedUnit(t *testing.T) {
	s := UserTimer{Dir: t.TempDir()}
	for src, want := range map[string]string{
		"[Service]\nWorkingDirectory=/a/100%%\n":                            "/a/100%",
		"[Service]\n  WorkingDirectory = /b/c d \n":                         "/b/c d",
		"[Service]\nWorkingDirectory=/old\nWorkingDirectory=/new\n":         "/new",
		"[Service]\nWorkingDirectory=-/maybe\n":                             "/maybe",
		"[Service]\n#WorkingDirectory=/commented\nWorkingDirectory=/real\n": "/real",
		"[Service]\nWorkingDirectory=~\n":                                   "",
		"[Service]\nExecStart=/bin/true\n":                                  "",
	} {
		if err := os.WriteFile(s.Paths()[0], []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := s.Project()
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%q: Project() = %q, %v; want %q", src, got, err, want)
		}
	}
}
