// Package bench measures zotkey as a user meets it: whole processes, wall time
// and peak RSS, against the full-SDK floor (a binary that links the SDK and
// exits) and a Go hello-world built beside it, all in one run so the
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

// startupCases are the paths that must never load the 1Password core, after
// the full-SDK floor (linksdk: the SDK linked in, nothing run; every ratio is
// to it) and a Go hello-world for scale. With no settings file, plain status
// exits 2 with one line (no registry named); `set x` is refused (exit 2)
// before anything is read.
var startupCases = []struct {
	name, bin string
	args      []string
	fail      bool
}{
	{"full-SDK floor (linksdk)", "linksdk", nil, false},
	{"hello-world", "hello", nil, false},
	{"zotkey --help", "zotkey", []string{"--help"}, false},
	{"zotkey status (no settings)", "zotkey", []string{"status"}, true},
	{"zotkey set x (rejected)", "zotkey", []string{"set", "x"}, true},
	{"zotkey completion fish", "zotkey", []string{"completion", "fish"}, false},
}

// startupGoal is the most each zotkey case may take, as a multiple of the floor.
const startupGoal = 1.5

// BenchmarkStartup measures whole processes with hyperfine -N (no shell in
// between), every case in ONE hyperfine run (so the ratios compare like with
// like on a shared machine), with an empty HOME and XDG_CONFIG_HOME, and
// reports each median and min as a ratio of the floor's, against the goal of
// 1.5x, with peak RSS. It only reports: on a busy 2-core machine a threshold
// would be a flaky test. Run it a few times and compare medians.
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
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o700); err != nil {
		b.Fatal(err)
	}
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "PATH=" + os.Getenv("PATH")}

	args := []string{"-N", "--warmup", "5", "--runs", "100", "--ignore-failure", "--style", "none", "--export-json", filepath.Join(dir, "h.json")}
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
				Min    float64 `json:"min"`
			} `json:"results"`
		}
		raw, err := os.ReadFile(filepath.Join(dir, "h.json"))
		if err != nil {
			b.Fatal(err)
		}
		if err := json.Unmarshal(raw, &res); err != nil || len(res.Results) != len(startupCases) {
			b.Fatalf("hyperfine's results: %v", err)
		}
		floor := res.Results[0]
		fmt.Printf("\n%-30s %10s %8s %10s %8s %9s   (hyperfine -N, one run; goal <= %.1fx the floor; peak RSS of 5 runs)\n",
			"command", "median", "/floor", "min", "/floor", "peak RSS", startupGoal)
		for c, tc := range startupCases {
			r := res.Results[c]
			var rss []run
			for range 5 {
				rss = append(rss, measure(b, filepath.Join(dir, tc.bin), tc.args, "", env, tc.fail))
			}
			peak := median(rss).rssMB
			mark := ""
			if tc.bin == "zotkey" && r.Median/floor.Median > startupGoal {
				mark = "  over the goal"
			}
			fmt.Printf("%-30s %8.2fms %7.2fx %8.2fms %7.2fx %7.1fMB%s\n", tc.name, r.Median*1000, r.Median/floor.Median, r.Min*1000, r.Min/floor.Min, peak, mark)
			if c > 0 {
				key := strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(tc.name)
				b.ReportMetric(r.Median/floor.Median, key+"/floor")
				b.ReportMetric(peak, key+"-MB")
			}
		}
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
