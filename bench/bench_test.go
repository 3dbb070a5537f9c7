// Package bench measures zotkey as a user meets it: whole processes, wall time
// and peak RSS, against a Go hello-world built beside it, all in one run so the
// ratios compare like with like. Run (not part of the test suite):
//
//	go test ./bench -run '^$' -bench . -benchtime 1x
package bench

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/record"
)

const goodKey = "zak_0123456789abcdef0123456789abcdef"

// build compiles zotkey, the hello-world and the SDK-only binary into dir.
func build(b *testing.B, dir string) {
	b.Helper()
	for name, pkg := range map[string]string{"zotkey": "..", "hello": "./testdata/hello", "linksdk": "./testdata/linksdk"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg).CombinedOutput()
		if err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
}

type run struct {
	wall  time.Duration
	rssMB float64
}

// measure runs bin once and returns its wall time and peak RSS.
func measure(b *testing.B, bin string, args []string, stdin string, env []string, wantFail bool) run {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if (err != nil) != wantFail {
		b.Fatalf("%s %v: err=%v (want failure: %v)\n%s", filepath.Base(bin), args, err, wantFail, stderr.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return run{wall: wall, rssMB: float64(ru.Maxrss) / 1024}
}

func median(rs []run) run {
	walls := make([]time.Duration, len(rs))
	rss := make([]float64, len(rs))
	for i, r := range rs {
		walls[i], rss[i] = r.wall, r.rssMB
	}
	slices.Sort(walls)
	slices.Sort(rss)
	return run{wall: walls[len(walls)/2], rssMB: rss[len(rss)-1]} // median wall, worst RSS
}

// BenchmarkStartup: the paths that must never load the 1Password core, as
// ratios of a hello-world's wall time. Goals: ≤ 2.5× and ≤ 20 MB peak RSS.
func BenchmarkStartup(b *testing.B) {
	dir := b.TempDir()
	build(b, dir)
	home := filepath.Join(dir, "home")
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "ZOTKEY_STORE=keyring"}
	writeRecord(b, home)

	cases := []struct {
		name, bin string
		args      []string
		stdin     string
		fail      bool
	}{
		{"hello-world", "hello", nil, "", false},
		{"sdk-linked hello", "linksdk", nil, "", false},
		{"zotkey --help", "zotkey", []string{"--help"}, "", false},
		{"zotkey set (rejected input)", "zotkey", []string{"set"}, "zak_not-a-key\n", true},
		{"zotkey status (plain)", "zotkey", []string{"status"}, "", false},
	}
	const reps = 40
	for i := 0; i < b.N; i++ {
		runs := make([][]run, len(cases))
		for r := 0; r < reps; r++ { // interleaved, so drift hits every case alike
			for c, tc := range cases {
				runs[c] = append(runs[c], measure(b, filepath.Join(dir, tc.bin), tc.args, tc.stdin, env, tc.fail))
			}
		}
		base := median(runs[0])
		fmt.Printf("\n%-30s %10s %8s %9s   (median of %d runs, worst peak RSS)\n", "command", "wall", "ratio", "peak RSS", reps)
		for c, tc := range cases {
			m := median(runs[c])
			ratio := float64(m.wall) / float64(base.wall)
			fmt.Printf("%-30s %10s %7.2fx %7.1fMB\n", tc.name, m.wall.Round(10*time.Microsecond), ratio, m.rssMB)
			if c > 0 {
				key := strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(tc.name)
				b.ReportMetric(ratio, key+"/hello")
				b.ReportMetric(m.rssMB, key+"-MB")
			}
		}
	}
}

// writeRecord leaves a record for the default keyring store in home, so plain
// status has something to read.
func writeRecord(b *testing.B, home string) {
	b.Helper()
	exp := time.Now().Add(60 * 24 * time.Hour).UTC()
	dir := filepath.Join(home, ".local", "state", "zotkey")
	r := record.Record{Store: "zot-ci-api in the OS keyring (service zotkey)", Registry: "https://registry.ops.eblu.me", User: "zot-ci",
		Fingerprint: "sha256:000000000000", ExpiresAt: &exp, UpdatedAt: time.Now().UTC()}
	if err := record.Open(dir, r.Registry, r.User).Save(r); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkOverlap: zotkey set against a registry that answers after 2 s and a
// malformed service-account token, so every run ends at the 1Password step
// after loading the core. Overlapped (the default) against ZOTKEY_SEQUENTIAL=1.
// Goal: overlapped ≤ 0.75× sequential.
func BenchmarkOverlap(b *testing.B) {
	dir := b.TempDir()
	build(b, dir)
	const delay = 2 * time.Second
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		if r.URL.Path == "/v2/" {
			w.WriteHeader(http.StatusOK)
			return
		}
		http.NotFound(w, r) // not zot: no key list
	}))
	defer srv.Close()
	env := []string{
		"HOME=" + filepath.Join(dir, "home"), "PATH=" + os.Getenv("PATH"),
		"ZOTKEY_REGISTRY=" + srv.URL, "ZOTKEY_TIMEOUT=30s",
		"OP_SERVICE_ACCOUNT_TOKEN=ops_malformed-token-for-the-benchmark",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent", // no keyring token: straight to the env token
	}
	const reps = 3
	for i := 0; i < b.N; i++ {
		var over, seq []run
		for r := 0; r < reps; r++ {
			over = append(over, measure(b, filepath.Join(dir, "zotkey"), []string{"set"}, goodKey, env, true))
			seq = append(seq, measure(b, filepath.Join(dir, "zotkey"), []string{"set"}, goodKey, append(env, "ZOTKEY_SEQUENTIAL=1"), true))
		}
		o, s := median(over), median(seq)
		ratio := float64(o.wall) / float64(s.wall)
		fmt.Printf("\nzotkey set, registry delay %s per request, malformed token (median of %d):\n", delay, reps)
		fmt.Printf("  overlapped  %8s  peak RSS %6.1fMB\n", o.wall.Round(time.Millisecond), o.rssMB)
		fmt.Printf("  sequential  %8s  peak RSS %6.1fMB\n", s.wall.Round(time.Millisecond), s.rssMB)
		fmt.Printf("  ratio       %.2fx (goal <= 0.75x)\n", ratio)
		b.ReportMetric(ratio, "overlapped/sequential")
		b.ReportMetric(o.wall.Seconds(), "overlapped-s")
		b.ReportMetric(s.wall.Seconds(), "sequential-s")
	}
}
