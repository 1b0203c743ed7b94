package main

// jamsostek bench measures every hot path of issue 11 against a baseline of
// the same run and prints each figure beside it with the ratio:
//
//	jamsostek bench [--scale 1] [--seed 1] [--clients 64] [--duration 5s]
//	                [--participants 100000,1000000] [--parts ingest,reconcile,analytics,serve]
//	                [--data-dir DIR] [--markdown FILE]
//
//   - ingest: a first sync of the simulated city (feedsim over loopback HTTP,
//     the worker's sync) against the same engine's InsertMany of the same
//     documents; an unchanged re-sync (writes: 0);
//   - reconcile: a reconciliation pass against decoding the same records
//     alone, on the synced city and on generated cities of --participants;
//   - analytics: the dashboard's questions from --clients concurrent clients
//     against a bare handler returning the same bytes;
//   - serve: `jamsostek serve` on the synced city, from its start to its first
//     coverage answer, and its resident memory.
//
// docs/benchmarks.md has the figures of a run and how to read them.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/worker"
)

// benchParts are the parts of jamsostek bench, in the order they run.
var benchParts = []string{"ingest", "reconcile", "analytics", "serve"}

// benchCmdOptions are the flags of jamsostek bench.
type benchCmdOptions struct {
	Scale        float64
	Seed         int64
	Clients      int
	Duration     time.Duration
	Participants []int
	Parts        []string
	DataDir      string
	Markdown     string
	Baseline     string // "all" or "contributions": the feeds of the ingest baseline
}

func (o benchCmdOptions) has(part string) bool { return slices.Contains(o.Parts, part) }

// benchCommand runs `jamsostek bench`; it parses its own flags.
func benchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o benchCmdOptions
	var participants, parts string
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Float64Var(&o.Scale, "scale", 1, "simulated city's volume; 1 is the whole city (about 125,000 participants, 690,000 contributions)")
	fs.Int64Var(&o.Seed, "seed", 1, "simulator seed")
	fs.IntVar(&o.Clients, "clients", 64, "concurrent clients of the analytics part, 1 to 1024")
	fs.DurationVar(&o.Duration, "duration", 4*time.Second, "how long each analytics question (and its bare handler) is asked, 1s to 1m")
	fs.StringVar(&participants, "participants", "100000,1000000", "sizes of the generated cities of the reconcile part, comma-separated participants (12 months of contributions each), 1,000 to 2,000,000; none: \"\"")
	fs.StringVar(&parts, "parts", strings.Join(benchParts, ","), "which parts run, comma-separated: "+strings.Join(benchParts, ", ")+" (reconcile's city figures, analytics and serve need a synced city: from ingest, or a --data-dir a run filled)")
	fs.StringVar(&o.DataDir, "data-dir", "", "embedded engine's directory of the synced city; default a temporary one, removed at the end (a directory given is kept, and reused when ingest is not in --parts)")
	fs.StringVar(&o.Baseline, "baseline", "all", "feeds of the ingest part's InsertMany baseline (and of its first-sync figure): all, or contributions (82 % of the records, half the time)")
	fs.StringVar(&o.Markdown, "markdown", "", "also write the figures as a Markdown table to this file (for docs/benchmarks.md)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: jamsostek bench [flags]

Measures ingest, reconciliation, the analytics answers under concurrent load,
and serve's start on a simulated city (--scale 1: the whole city), each
figure beside a baseline measured in the same run, with the ratio; prints
them, asserts nothing. About 10 minutes on two cores at --scale 1.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return asUsage(err)
	}
	var err error
	if o.Participants, err = parseSizes(participants); err != nil {
		return asUsage(err)
	}
	for _, p := range strings.Split(parts, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !slices.Contains(benchParts, p) {
			return asUsage(fmt.Errorf("bench: --parts: unknown part %q (want %s)", p, strings.Join(benchParts, ", ")))
		}
		o.Parts = append(o.Parts, p)
	}
	switch {
	case len(fs.Args()) > 0:
		return asUsage(fmt.Errorf("bench: unexpected arguments %q", fs.Args()))
	case math.IsNaN(o.Scale) || o.Scale < feedsim.MinScale || o.Scale > feedsim.MaxScale:
		return asUsage(fmt.Errorf("bench: --scale must be between %g and %g, got %g", feedsim.MinScale, float64(feedsim.MaxScale), o.Scale))
	case o.Clients < 1 || o.Clients > 1024:
		return asUsage(fmt.Errorf("bench: --clients must be between 1 and 1024, got %d", o.Clients))
	case o.Duration < time.Second || o.Duration > time.Minute:
		return asUsage(fmt.Errorf("bench: --duration must be between 1s and 1m, got %s", o.Duration))
	case o.Baseline != "all" && o.Baseline != "contributions":
		return asUsage(fmt.Errorf("bench: --baseline must be all or contributions, got %q", o.Baseline))
	case len(o.Parts) == 0:
		return asUsage(errors.New("bench: --parts names no part"))
	case !o.has("ingest") && (o.has("analytics") || o.has("serve")) && o.DataDir == "":
		return asUsage(errors.New("bench: without the ingest part, analytics and serve need the --data-dir of an earlier run"))
	}
	return runBench(ctx, o, stdout, stderr)
}

// parseSizes reads --participants.
func parseSizes(s string) ([]int, error) {
	out := []int{} // none given: none measured

	for _, f := range strings.Split(s, ",") {
		f = strings.ReplaceAll(strings.TrimSpace(f), "_", "")
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1000 || n > 2_000_000 {
			return nil, fmt.Errorf("bench: --participants: %q is not a size between 1000 and 2000000", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func runBench(ctx context.Context, o benchCmdOptions, stdout, stderr io.Writer) error {
	start := time.Now()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fmt.Fprintf(stdout, "jamsostek bench: %s, GOMAXPROCS %d, %s; scale %g, seed %d\n", benchCommit(), runtime.GOMAXPROCS(0), runtime.Version(), o.Scale, o.Seed)
	dir := o.DataDir
	if dir == "" {
		d, err := os.MkdirTemp("", "jamsostek-bench-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	var figs []benchFigure
	var year int
	if o.has("ingest") || o.has("reconcile") || o.has("analytics") || o.has("serve") {
		var s *store.Store
		if o.has("ingest") {
			// The first sync fills dir: the other parts measure that city.
			f, filled, err := benchIngest(ctx, benchIngestOptions{Scale: o.Scale, Seed: o.Seed, Logger: logger,
				Store: store.Config{DataDir: dir, Database: benchDatabase, Logger: logger}, BaselineFeeds: o.baselineFeeds()}, stdout)
			if err != nil {
				return fmt.Errorf("ingest: %w", err)
			}
			figs, s = append(figs, f...), filled
		} else {
			var err error
			if s, err = store.Open(ctx, store.Config{DataDir: dir, Database: benchDatabase, Logger: logger}); err != nil {
				return err
			}
		}
		f, y, err := benchOnStore(ctx, o, s, stdout, logger)
		figs = append(figs, f...)
		cctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		if cerr := s.Close(cctx); cerr != nil { // serve takes the data directory
			fmt.Fprintf(stderr, "bench: close the store: %v\n", cerr)
		}
		cancel()
		if err != nil {
			return err
		}
		year = y
	}
	if o.has("serve") {
		f, err := benchServeReady(ctx, dir, benchDatabase, year, stdout)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		figs = append(figs, f...)
	}
	fmt.Fprintf(stdout, "\nfigures (%s in all; a ratio is the figure over its baseline for rates, the baseline over the figure for times: 1 = as good as the baseline):\n", since(start))
	printFigures(stdout, figs)
	if o.Markdown != "" {
		if err := os.WriteFile(o.Markdown, []byte(markdownFigures(o, figs, time.Since(start))), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// benchOnStore runs the parts that measure the synced city in s
// (reconcile, analytics) and returns their figures and the year of its
// rollup's as-of.
func benchOnStore(ctx context.Context, o benchCmdOptions, s *store.Store, stdout io.Writer, logger *slog.Logger) ([]benchFigure, int, error) {
	var figs []benchFigure
	if o.has("reconcile") {
		f, err := benchReconcile(ctx, benchReconcileOptions{Sizes: o.Participants, Seed: uint64(o.Seed)}, s, stdout)
		if err != nil {
			return figs, 0, fmt.Errorf("reconcile: %w", err)
		}
		figs = append(figs, f...)
	}
	if !o.has("analytics") && !o.has("serve") {
		return figs, 0, nil
	}
	year, err := benchEnsureRollup(ctx, s, stdout, logger)
	if err != nil {
		return figs, 0, err
	}
	if o.has("analytics") {
		f, err := benchAnalytics(ctx, benchAnalyticsOptions{Clients: o.Clients, Duration: o.Duration, Year: year}, s, stdout)
		if err != nil {
			return figs, 0, fmt.Errorf("analytics: %w", err)
		}
		figs = append(figs, f...)
	}
	return figs, year, nil
}

// baselineFeeds are the feeds of the ingest part's InsertMany baseline: all,
// or the contributions alone (82 % of the records) with --baseline
// contributions.
func (o benchCmdOptions) baselineFeeds() []coverage.Feed {
	if o.Baseline == "contributions" {
		return []coverage.Feed{coverage.FeedContributions}
	}
	return nil
}

// benchEnsureRollup makes sure the synced city has a rollup (a reconciliation
// when it has none) and returns the year of its as-of.
func benchEnsureRollup(ctx context.Context, s *store.Store, stdout io.Writer, logger *slog.Logger) (int, error) {
	svc := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Logger: logger, Owner: worker.ProcessOwner()}
	if v, err := s.LatestRollupVersion(ctx); err != nil {
		return 0, err
	} else if v.Version == 0 {
		t := time.Now()
		run, err := svc.Reconcile(ctx, "bench")
		if err != nil {
			return 0, fmt.Errorf("reconcile the synced city: %w", err)
		}
		fmt.Fprintf(stdout, "rollup: reconciled in %s, version %d, %d cells\n", since(t), run.RollupVersion, run.Cells)
	}
	if err := svc.Refresh(ctx); err != nil {
		return 0, err
	}
	snap := svc.Snapshot()
	if snap == nil || snap.Rollup == nil {
		return 0, errors.New("the synced city has no rollup after a reconciliation")
	}
	return snap.Rollup.AsOf.Year(), nil
}

// benchCommit names the source of this binary: the VCS revision it was built
// from (with "+dirty" for local changes), else, when the build did not stamp
// it (-buildvcs=false, go run), the checkout's in the working directory.
func benchCommit() string {
	var rev, dirty string
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
	}
	if rev == "" {
		out, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err != nil {
			return "commit unknown"
		}
		rev = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
			dirty = "+dirty"
		}
		dirty += " (of the checkout)"
	}
	return "commit " + rev[:min(12, len(rev))] + dirty
}

// markdownFigures is the figures as a Markdown table, with the command and
// the commit.
func markdownFigures(o benchCmdOptions, figs []benchFigure, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured with `jamsostek bench --scale %g --seed %d --clients %d --duration %s --parts %s` (%s, GOMAXPROCS %d, %s) in %s.\n\n",
		o.Scale, o.Seed, o.Clients, o.Duration, strings.Join(o.Parts, ","), benchCommit(), runtime.GOMAXPROCS(0), runtime.Version(), took.Round(time.Second))
	b.WriteString("| part | figure | value | baseline | ratio | target | met |\n|---|---|---|---|---|---|---|\n")
	for _, f := range figs {
		base, ratio, target, ok := "-", "-", "-", "-"
		if f.Baseline != "" {
			base = fmt.Sprintf("%s %s (%s)", fmtNum(f.Base), f.Unit, f.Baseline)
			ratio = fmt.Sprintf("%.2f×", f.Ratio())
		}
		if f.Target != "" {
			target = f.Target
		}
		if f.Met != nil {
			ok = map[bool]string{true: "yes", false: "**no**"}[*f.Met]
		}
		fmt.Fprintf(&b, "| %s | %s | %s %s | %s | %s | %s | %s |\n", f.Section, f.Name, fmtNum(f.Value), f.Unit, base, ratio, target, ok)
	}
	return b.String()
}
