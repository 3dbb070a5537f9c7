// Package bench measures zotkey as a user meets it: whole processes, wall time
// and peak RSS, against a Go hello-world built beside it, all in one run so the
// ratios compare like with like; and the 1Password round trips each command
// makes. Run (not part of the timed suite; TestCallCeilings is):
//
//	go test ./bench -run '^$' -bench . -benchtime 1x
package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/record"
)

const goodKey = "zak_0123456789abcdef0123456789abcdef"

// build compiles zotkey, the hello-world and the SDK-only binary into dir.
func build(b *testing.B, dir string) {
	b.Helper()
	for name, pkg := range map[string]string{"zotkey": "..", "hello": "./testdata/hello", "linksdk": "./testdata/linksdk"} {
		// zotkeybench builds in BenchmarkOverlap's ZOTKEY_SEQUENTIAL switch.
		out, err := exec.Command("go", "build", "-tags", "zotkeybench", "-o", filepath.Join(dir, name), pkg).CombinedOutput()
		if err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
}

type run struct {
	wall  time.Duration
	rssMB float64
}

// measure runs bin once and returns its wall time and peak RSS. The RSS comes
// from GNU time when it is installed: the rusage of a child started from this
// process counts this (large) process's memory too, since Go starts children
// with vfork and Linux keeps the pre-exec high-water mark, so without GNU
// time the figure is only an upper bound.
func measure(b *testing.B, bin string, args []string, stdin string, env []string, wantFail bool) run {
	b.Helper()
	rssFile := filepath.Join(b.TempDir(), "rss")
	cmd := exec.Command(bin, args...)
	if gnuTime, err := exec.LookPath("/usr/bin/time"); err == nil {
		cmd = exec.Command(gnuTime, append([]string{"-q", "-o", rssFile, "-f", "%M", bin}, args...)...)
	}
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
	rssKB := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	if raw, err := os.ReadFile(rssFile); err == nil {
		if kb, err := strconv.ParseFloat(strings.TrimSpace(string(raw)), 64); err == nil {
			rssKB = kb
		}
	}
	return run{wall: wall, rssMB: rssKB / 1024}
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

// startupCases are the paths that must never load the 1Password core, beside
// the hello-world and the full-SDK floor (linksdk: the SDK linked in, nothing
// run). The rejected set gets stdin from /dev/null (hyperfine -N's stdin):
// empty input, refused before anything else.
var startupCases = []struct {
	name, bin string
	args      []string
	fail      bool
}{
	{"hello-world", "hello", nil, false},
	{"full-SDK floor (linksdk)", "linksdk", nil, false},
	{"zotkey --help", "zotkey", []string{"--help"}, false},
	{"zotkey status (plain)", "zotkey", []string{"status"}, false},
	{"zotkey completion fish", "zotkey", []string{"completion", "fish"}, false},
	{"zotkey set (rejected input)", "zotkey", []string{"set"}, true},
}

// BenchmarkStartup measures whole processes with hyperfine -N (no shell in
// between), all cases in one hyperfine run, and reports each median as a
// ratio of the hello-world's. Goals: <= 2.5x hello (the full-SDK floor alone
// is about 2.3-2.8x on the CI machine) and <= 20 MB peak RSS.
//
//	go test ./bench -run '^$' -bench Startup -benchtime 1x
func BenchmarkStartup(b *testing.B) {
	hyperfine, err := exec.LookPath("hyperfine")
	if err != nil {
		b.Skip("skipping: hyperfine not found on PATH (.ci/run installs it)")
	}
	dir := b.TempDir()
	build(b, dir)
	home := filepath.Join(dir, "home")
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "ZOTKEY_STORE=keyring"}
	writeRecord(b, home)

	args := []string{"-N", "--warmup", "10", "--runs", "200", "--ignore-failure", "--style", "none", "--export-json", filepath.Join(dir, "h.json")}
	for _, tc := range startupCases {
		// Each case fails or succeeds as it should (hyperfine only ignores the exit code).
		measure(b, filepath.Join(dir, tc.bin), tc.args, "", env, tc.fail)
		args = append(args, strings.Join(append([]string{filepath.Join(dir, tc.bin)}, tc.args...), " "))
	}
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(hyperfine, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("hyperfine: %v\n%s", err, out)
		}
		var res struct {
			Results []struct {
				Median float64 `json:"median"`
			} `json:"results"`
		}
		raw, err := os.ReadFile(filepath.Join(dir, "h.json"))
		if err != nil {
			b.Fatal(err)
		}
		if err := json.Unmarshal(raw, &res); err != nil || len(res.Results) != len(startupCases) {
			b.Fatalf("hyperfine's results: %v", err)
		}
		hello, floor := res.Results[0].Median, res.Results[1].Median
		fmt.Printf("\n%-30s %10s %8s %8s %9s   (hyperfine -N medians; peak RSS of 5 runs)\n", "command", "median", "/hello", "/floor", "peak RSS")
		for c, tc := range startupCases {
			m := res.Results[c].Median
			var rss []run
			for r := 0; r < 5; r++ {
				rss = append(rss, measure(b, filepath.Join(dir, tc.bin), tc.args, "", env, tc.fail))
			}
			peak := median(rss).rssMB
			fmt.Printf("%-30s %8.3fms %7.2fx %7.2fx %7.1fMB\n", tc.name, m*1000, m/hello, m/floor, peak)
			if c > 0 {
				key := strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(tc.name)
				b.ReportMetric(m/hello, key+"/hello")
				b.ReportMetric(peak, key+"-MB")
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
	r := lifecycle.State{Store: "zot-ci-api in the OS keyring (service zotkey)", Registry: "https://registry.ops.eblu.me", User: "zot-ci",
		Current: &lifecycle.Current{Fingerprint: "sha256:000000000000", ExpiresAt: &exp}}
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
