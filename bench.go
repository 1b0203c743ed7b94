package main

// bench-records measures the record queries of issue 9 on a simulated city.
//
//	jamsostek bench-records [--scale 0.1] [--seed 1] [--clients 4] [--requests 200]
//	                        [--data-dir DIR] [--mongodb-uri URI] [--no-index] [--shape-timeout 30s]
//
// It generates the city with feedsim in-process (no HTTP), writes it into a
// store through store.Apply in pages of 1,000 as a sync does (plus the
// simulator's invalid records into the quarantine and one reconciliation for
// the discrepancies), and prints the load times. Then, for each query shape
// (every list unfiltered, every filter field alone, the heavy combinations
// of issue 9, a deep page after 10,000 records, descending sorts; first 20,
// and first 100 for some), it runs --requests requests from --clients
// concurrent clients straight against the store (the coverage.Records
// methods, no GraphQL, no HTTP) and prints one row per shape: the matches
// (totalCount), the first call (cold: a sort order's first use may build
// it), p50, p99 and max of the rest, requests per second, and the p50 as a
// multiple of the baseline measured in the same run: the lookup of one
// participant by KPJ (Store.Participant), the cheapest read there is.
//
// The figures are printed, not asserted. Values are chosen from the data by
// --seed, so two runs with the same flags ask the same questions.
//
// The store lives in --data-dir, by default a temporary directory removed at
// the end. A --data-dir given is kept, and a later run with the same seed
// and scale reuses its data instead of loading it again (the whole city
// takes minutes to load). --mongodb-uri measures a MongoDB server instead of
// the embedded engine, in a database of its own dropped at the end.
// --no-index turns the embedded engine's in-memory index off
// (store.Config.NoRecordIndex), to measure the FerretDB query path.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
)

// benchOptions are the flags of bench-records.
type benchOptions struct {
	Scale        float64
	Seed         int64
	Clients      int
	Requests     int
	DataDir      string
	MongoURI     string
	NoIndex      bool
	ShapeTimeout time.Duration
}

// benchMarker records in a kept data directory which city it holds.
const benchMarker = "bench-records.json"

// benchDatabase is the database bench-records writes on the embedded engine.
const benchDatabase = "jamsostek_bench"

// benchRecordsCommand runs `jamsostek bench-records`. It parses its own
// flags (args are those after the command name).
func benchRecordsCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o benchOptions
	fs := flag.NewFlagSet("bench-records", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Float64Var(&o.Scale, "scale", 0.1, "simulated city's volume; 1 is the whole city (about 125,000 participants, 666,000 contributions)")
	fs.Int64Var(&o.Seed, "seed", 1, "simulator seed, also the seed of the values the queries ask for")
	fs.IntVar(&o.Clients, "clients", 4, "concurrent clients")
	fs.IntVar(&o.Requests, "requests", 200, "requests per query shape")
	fs.StringVar(&o.DataDir, "data-dir", "", "embedded engine's directory; default a temporary one, removed at the end (a directory given is kept and reused by a later run of the same seed and scale)")
	fs.StringVar(&o.MongoURI, "mongodb-uri", "", "measure this MongoDB server instead of the embedded engine (a database of its own, dropped at the end)")
	fs.BoolVar(&o.NoIndex, "no-index", false, "embedded engine without its in-memory index: the lists go through FerretDB's finds (slow)")
	fs.DurationVar(&o.ShapeTimeout, "shape-timeout", 30*time.Second, "a shape stops sending requests after this long (its row says how many ran); more than 0")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: jamsostek bench-records [flags]

Measures every record-list query shape (p50, p99 against a baseline of the
same run) on a simulated city loaded into a fresh store; prints the figures,
asserts nothing. --scale 1 is the whole city (minutes to load).

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
	if err := o.check(fs.Args()); err != nil {
		return asUsage(err)
	}
	return benchRecords(ctx, o, stdout, stderr)
}

// check checks the flags against their ranges.
func (o benchOptions) check(args []string) error {
	switch {
	case len(args) > 0:
		return fmt.Errorf("bench-records: unexpected arguments %q", args)
	case math.IsNaN(o.Scale) || o.Scale < feedsim.MinScale || o.Scale > feedsim.MaxScale:
		return fmt.Errorf("bench-records: --scale must be between %g and %g, got %g", feedsim.MinScale, float64(feedsim.MaxScale), o.Scale)
	case o.Clients < 1 || o.Requests < 1:
		return errors.New("bench-records: --clients and --requests must be at least 1")
	case o.ShapeTimeout <= 0:
		return errors.New("bench-records: --shape-timeout must be positive")
	}
	return nil
}

func benchRecords(ctx context.Context, o benchOptions, stdout, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	start := time.Now()
	ds, err := feedsim.Generate(feedsim.Config{Seed: o.Seed, Scale: o.Scale})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "simulated city: seed %d, scale %g: %d participants, %d contributions, %d claims, %d roster entries (%s)\n",
		o.Seed, o.Scale, len(ds.Participants), len(ds.Contributions), len(ds.Claims), len(ds.Roster), since(start))

	cfg := store.Config{Database: benchDatabase, Logger: logger, NoRecordIndex: o.NoIndex}
	engine := "embedded FerretDB"
	keep := o.DataDir != ""
	switch {
	case o.MongoURI != "":
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		cfg.URI, cfg.Database, engine = o.MongoURI, "jamsostek_bench_"+hex.EncodeToString(b), "MongoDB"
		keep = false
	case keep:
		cfg.DataDir = o.DataDir
	default:
		dir, err := os.MkdirTemp("", "jamsostek-bench-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.DataDir = dir
	}
	if o.NoIndex && cfg.URI == "" {
		engine += " without the in-memory index"
	}

	start = time.Now()
	s, err := store.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if cfg.URI != "" {
			if err := s.DropDatabase(cctx); err != nil {
				fmt.Fprintf(stderr, "bench-records: drop database %s: %v\n", cfg.Database, err)
			}
		}
		if err := s.Close(cctx); err != nil {
			fmt.Fprintf(stderr, "bench-records: close the store: %v\n", err)
		}
	}()
	where := cfg.DataDir
	if cfg.URI != "" {
		where = "database " + cfg.Database
	}
	fmt.Fprintf(stdout, "store: %s in %s, opened in %s\n", engine, where, since(start))

	marker := markerFor(o)
	if keep && sameMarker(filepath.Join(cfg.DataDir, benchMarker), marker) {
		fmt.Fprintf(stdout, "load: skipped, %s already holds this city\n", cfg.DataDir)
	} else {
		if err := s.DropDatabase(ctx); err != nil {
			return fmt.Errorf("empty the database: %w", err)
		}
		if err := loadCity(ctx, s, ds, stdout, logger); err != nil {
			return err
		}
		if keep {
			if err := os.WriteFile(filepath.Join(cfg.DataDir, benchMarker), marker, 0o644); err != nil {
				return err
			}
		}
	}

	shapes, err := benchShapes(ctx, s, ds, o.Seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "queries: %d shapes, %d requests each from %d clients (GOMAXPROCS %d), a shape stops after %s\n\n",
		len(shapes), o.Requests, o.Clients, runtime.GOMAXPROCS(0), o.ShapeTimeout)

	width := 0
	for _, sh := range shapes {
		width = max(width, len(sh.name))
	}
	row := func(cols ...any) {
		fmt.Fprintf(stdout, "%-*s %8v %5v %9v %9v %9v %9v %8v %9v\n", append([]any{width}, cols...)...)
	}
	row("shape", "matches", "n", "first", "p50", "p99", "max", "req/s", "p50/base")
	var base time.Duration
	for _, sh := range shapes {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r := measure(ctx, sh, o.Requests, o.Clients, o.ShapeTimeout)
		if r.err != nil {
			fmt.Fprintf(stdout, "%-*s error: %v\n", width, sh.name, r.err)
			continue
		}
		if base == 0 {
			base = r.p50
		}
		row(sh.name, r.matches, r.n, ms(r.first), ms(r.p50), ms(r.p99), ms(r.max), fmt.Sprintf("%.0f", r.rate), ratio(r.p50, base))
	}
	fmt.Fprintf(stdout, "\nfirst: the shape's first call (cold); p50, p99, max: the other calls' latency; base: p50 of %s\n", shapes[0].name)
	return nil
}

func markerFor(o benchOptions) []byte {
	b, _ := json.Marshal(map[string]any{"seed": o.Seed, "scale": o.Scale, "database": benchDatabase, "no_index": o.NoIndex})
	return b
}

func sameMarker(path string, want []byte) bool {
	b, err := os.ReadFile(path)
	return err == nil && string(b) == string(want)
}

// loadCity writes the city as a first sync would: each feed in sync order
// (members before their records) through store.Apply in pages of 1,000; the
// simulator's invalid records go to the quarantine, and one reconciliation
// makes the discrepancies.
func loadCity(ctx context.Context, s *store.Store, ds *feedsim.Dataset, stdout io.Writer, logger *slog.Logger) error {
	total := time.Now()
	var records int
	for _, feed := range coverage.Feeds {
		recs := feedRecords(ds, feed)
		start := time.Now()
		for i := 0; i < len(recs); i += 1000 {
			if _, err := s.Apply(ctx, feed, recs[i:min(i+1000, len(recs))]); err != nil {
				return fmt.Errorf("load %s: %w", feed, err)
			}
		}
		d := time.Since(start)
		records += len(recs)
		fmt.Fprintf(stdout, "load %-14s %8d records in %8s (%.0f records/s)\n", feed, len(recs), d.Round(time.Millisecond), perSecond(len(recs), d))
	}
	var qs []coverage.Quarantined
	for _, r := range ds.Invalid {
		qs = append(qs, coverage.Quarantined{Feed: r.Feed, RunID: "bench-load", Key: r.Key, Raw: string(r.JSON), Reason: r.Reason, ReceivedAt: r.UpdatedAt})
	}
	if err := s.AddQuarantined(ctx, qs); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	d := time.Since(total)
	fmt.Fprintf(stdout, "load: %d records in %s (%.0f records/s), %d quarantined\n", records, d.Round(time.Millisecond), perSecond(records, d), len(qs))
	start := time.Now()
	run, err := newAnalytics(s, config{}, logger).Reconcile(ctx, "bench")
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	fmt.Fprintf(stdout, "reconcile: %d findings in %s\n", run.Findings.Found, since(start))
	return nil
}

func feedRecords(ds *feedsim.Dataset, feed coverage.Feed) []store.Record {
	var out []store.Record
	switch feed {
	case coverage.FeedWorkforce:
		for i := range ds.Workforce {
			out = append(out, store.Record{Key: ds.Workforce[i].Key(), Value: &ds.Workforce[i]})
		}
	case coverage.FeedRoster:
		for i := range ds.Roster {
			out = append(out, store.Record{Key: ds.Roster[i].Key(), Value: &ds.Roster[i]})
		}
	case coverage.FeedParticipants:
		for i := range ds.Participants {
			out = append(out, store.Record{Key: ds.Participants[i].Key(), Value: &ds.Participants[i]})
		}
	case coverage.FeedContributions:
		for i := range ds.Contributions {
			out = append(out, store.Record{Key: ds.Contributions[i].Key(), Value: &ds.Contributions[i]})
		}
	case coverage.FeedClaims:
		for i := range ds.Claims {
			out = append(out, store.Record{Key: ds.Claims[i].Key(), Value: &ds.Claims[i]})
		}
	}
	return out
}

// --- shapes -----------------------------------------------------------------

// benchShape is one query shape: call answers its i-th request and returns
// the matches (totalCount).
type benchShape struct {
	name string
	call func(ctx context.Context, i int) (int64, error)
}

// deepAfter is where the deep-page shapes start.
const deepAfter = 10_000

// benchShapes builds the shapes, the baseline first. Values come from the
// data, chosen by seed; shapes that select one member or person cycle
// through a sample of them, so that no request is a repeat of the one before.
func benchShapes(ctx context.Context, s *store.Store, ds *feedsim.Dataset, seed int64) ([]benchShape, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 9))
	sample := func(n int, get func(i int) string) []string {
		if n == 0 {
			return []string{""}
		}
		out := make([]string, 256)
		for i := range out {
			out[i] = get(rng.IntN(n))
		}
		return out
	}
	kpjs := sample(len(ds.Participants), func(i int) string { return ds.Participants[i].KPJ })
	niks := sample(len(ds.Participants), func(i int) string { return ds.Participants[i].NIK })
	contribKPJs := sample(len(ds.Contributions), func(i int) string { return ds.Contributions[i].KPJ })
	contribNIKs := sample(len(ds.Contributions), func(i int) string { return ds.Contributions[i].NIK })
	claimKPJs := sample(len(ds.Claims), func(i int) string { return ds.Claims[i].KPJ })
	claimNIKs := sample(len(ds.Claims), func(i int) string { return ds.Claims[i].NIK })
	rosterNIKs := sample(len(ds.Roster), func(i int) string { return ds.Roster[i].NIK })
	at := func(list []string, i int) string { return list[i%len(list)] }

	kelurahan := mostCommon(len(ds.Participants), func(i int) string { return ds.Participants[i].KelurahanCode })
	agency := mostCommon(len(ds.Roster), func(i int) string { return ds.Roster[i].Agency })
	name := strings.ToLower(mostCommon(len(ds.Participants), func(i int) string { return strings.Fields(ds.Participants[i].Name)[0] }))

	var shapes []benchShape
	add := func(name string, call func(ctx context.Context, i int) (int64, error)) {
		shapes = append(shapes, benchShape{name, call})
	}
	add("baseline: participant by KPJ", func(ctx context.Context, i int) (int64, error) {
		_, err := s.Participant(ctx, at(kpjs, i))
		return 1, err
	})

	// participants
	type PF = coverage.ParticipantFilter
	participants := func(label string, f func(i int) PF, first int, o coverage.Order, after *coverage.Cursor) {
		add(fmt.Sprintf("participants %s%s", label, pageLabel(first, o, after)), func(ctx context.Context, i int) (int64, error) {
			pg, err := s.Participants(ctx, f(i), coverage.PageRequest{First: first, Order: o, After: after})
			return pg.TotalCount, err
		})
	}
	fixedP := func(f PF) func(int) PF { return func(int) PF { return f } }
	apbd := []coverage.PayerType{coverage.PayerAPBD}
	participants("all", fixedP(PF{}), 20, coverage.Order{}, nil)
	participants("all", fixedP(PF{}), 100, coverage.Order{}, nil)
	participants("areaCode=3672", fixedP(PF{AreaCode: "3672"}), 20, coverage.Order{}, nil)
	participants("areaCode=367201", fixedP(PF{AreaCode: "367201"}), 20, coverage.Order{}, nil)
	participants("areaCode="+kelurahan, fixedP(PF{AreaCode: kelurahan}), 20, coverage.Order{}, nil)
	participants("nik", func(i int) PF { return PF{NIK: at(niks, i)} }, 20, coverage.Order{}, nil)
	participants("segments=BPU", fixedP(PF{Segments: []coverage.Segment{coverage.SegmentBPU}}), 20, coverage.Order{}, nil)
	participants("payerTypes=APBD", fixedP(PF{PayerTypes: apbd}), 20, coverage.Order{}, nil)
	participants("statuses=INACTIVE", fixedP(PF{Statuses: []coverage.ParticipantStatus{coverage.StatusInactive}}), 20, coverage.Order{}, nil)
	participants("genders=F", fixedP(PF{Genders: []coverage.Gender{coverage.GenderFemale}}), 20, coverage.Order{}, nil)
	participants("programs=JKP", fixedP(PF{Programs: []coverage.Program{coverage.ProgramJKP}}), 20, coverage.Order{}, nil)
	participants("registered=2024Q1", fixedP(PF{RegisteredFrom: "2024-01-01", RegisteredTo: "2024-03-31"}), 20, coverage.Order{}, nil)
	participants("activeOn=2024-06-30", fixedP(PF{ActiveOn: "2024-06-30"}), 20, coverage.Order{}, nil)
	participants("nameContains="+name, fixedP(PF{NameContains: name}), 20, coverage.Order{}, nil)
	participants("rosterCategories=KADER", fixedP(PF{RosterCategories: []coverage.Category{coverage.CategoryKader}}), 20, coverage.Order{}, nil)
	heavyP := PF{AreaCode: "367201", PayerTypes: apbd}
	participants("areaCode=367201+payer=APBD", fixedP(heavyP), 20, coverage.Order{}, nil)
	participants("areaCode=367201+payer=APBD", fixedP(heavyP), 100, coverage.Order{}, nil)
	participants("areaCode=367201+payer=APBD+activeOn", fixedP(PF{AreaCode: "367201", PayerTypes: apbd, ActiveOn: "2024-06-30"}), 20, coverage.Order{}, nil)
	byName := coverage.Order{Field: coverage.SortName, Desc: true}
	participants("all", fixedP(PF{}), 20, byName, nil)
	participants("all", fixedP(PF{}), 20, coverage.Order{Field: coverage.SortRegisteredAt, Desc: true}, nil)
	participants("areaCode=367201+payer=APBD", fixedP(heavyP), 20, byName, nil)
	for _, o := range []coverage.Order{{}, byName} {
		if c, err := cursorAt(deepAfter, func(p coverage.PageRequest) (coverage.Page[coverage.Participant], error) {
			return s.Participants(ctx, PF{}, p)
		}, o); err != nil {
			return nil, err
		} else if c != nil {
			participants("all", fixedP(PF{}), 20, o, c)
		}
	}

	// contributions
	type CF = coverage.ContributionFilter
	contributions := func(label string, f func(i int) CF, first int, o coverage.Order, after *coverage.Cursor) {
		add(fmt.Sprintf("contributions %s%s", label, pageLabel(first, o, after)), func(ctx context.Context, i int) (int64, error) {
			pg, err := s.Contributions(ctx, f(i), coverage.PageRequest{First: first, Order: o, After: after})
			return pg.TotalCount, err
		})
	}
	fixedC := func(f CF) func(int) CF { return func(int) CF { return f } }
	yes := true
	contributions("all", fixedC(CF{}), 20, coverage.Order{}, nil)
	contributions("all", fixedC(CF{}), 100, coverage.Order{}, nil)
	contributions("kpj", func(i int) CF { return CF{KPJ: at(contribKPJs, i)} }, 20, coverage.Order{}, nil)
	contributions("nik", func(i int) CF { return CF{NIK: at(contribNIKs, i)} }, 20, coverage.Order{}, nil)
	contributions("payerTypes=APBD", fixedC(CF{PayerTypes: apbd}), 20, coverage.Order{}, nil)
	contributions("period=2024-06", fixedC(CF{PeriodFrom: "2024-06", PeriodTo: "2024-06"}), 20, coverage.Order{}, nil)
	contributions("unpaid=true", fixedC(CF{Unpaid: &yes}), 20, coverage.Order{}, nil)
	contributions("paid=2024-06", fixedC(CF{PaidFrom: "2024-06-01", PaidTo: "2024-06-30"}), 20, coverage.Order{}, nil)
	contributions("areaCode=367201", fixedC(CF{AreaCode: "367201"}), 20, coverage.Order{}, nil)
	contributions("areaCode="+kelurahan, fixedC(CF{AreaCode: kelurahan}), 20, coverage.Order{}, nil)
	contributions("rosterCategories=KADER", fixedC(CF{RosterCategories: []coverage.Category{coverage.CategoryKader}}), 20, coverage.Order{}, nil)
	heavyC := CF{PayerTypes: apbd, PeriodFrom: "2024-06", PeriodTo: "2024-06", Unpaid: &yes}
	contributions("payer=APBD+period=2024-06+unpaid", fixedC(heavyC), 20, coverage.Order{}, nil)
	contributions("payer=APBD+period=2024-06+unpaid", fixedC(heavyC), 100, coverage.Order{}, nil)
	contributions("areaCode=367201+unpaid", fixedC(CF{AreaCode: "367201", Unpaid: &yes}), 20, coverage.Order{}, nil)
	byDue := coverage.Order{Field: coverage.SortAmountDue, Desc: true}
	contributions("all", fixedC(CF{}), 20, byDue, nil)
	contributions("all", fixedC(CF{}), 20, coverage.Order{Field: coverage.SortPaidAt, Desc: true}, nil)
	contributions("kpj", func(i int) CF { return CF{KPJ: at(contribKPJs, i)} }, 20, coverage.Order{Field: coverage.SortPeriod, Desc: true}, nil)
	for _, o := range []coverage.Order{{}, byDue} {
		if c, err := cursorAt(deepAfter, func(p coverage.PageRequest) (coverage.Page[coverage.Contribution], error) {
			return s.Contributions(ctx, CF{}, p)
		}, o); err != nil {
			return nil, err
		} else if c != nil {
			contributions("all", fixedC(CF{}), 20, o, c)
		}
	}

	// claims
	type KF = coverage.ClaimFilter
	claims := func(label string, f func(i int) KF, first int, o coverage.Order, after *coverage.Cursor) {
		add(fmt.Sprintf("claims %s%s", label, pageLabel(first, o, after)), func(ctx context.Context, i int) (int64, error) {
			pg, err := s.Claims(ctx, f(i), coverage.PageRequest{First: first, Order: o, After: after})
			return pg.TotalCount, err
		})
	}
	fixedK := func(f KF) func(int) KF { return func(int) KF { return f } }
	tenMillion, oneMillion := int64(10_000_000), int64(1_000_000)
	claims("all", fixedK(KF{}), 20, coverage.Order{}, nil)
	claims("all", fixedK(KF{}), 100, coverage.Order{}, nil)
	claims("kpj", func(i int) KF { return KF{KPJ: at(claimKPJs, i)} }, 20, coverage.Order{}, nil)
	claims("nik", func(i int) KF { return KF{NIK: at(claimNIKs, i)} }, 20, coverage.Order{}, nil)
	claims("programs=JKK", fixedK(KF{Programs: []coverage.Program{coverage.ProgramJKK}}), 20, coverage.Order{}, nil)
	claims("benefits=MEDICAL", fixedK(KF{Benefits: []coverage.Benefit{coverage.BenefitMedical}}), 20, coverage.Order{}, nil)
	claims("statuses=PAID", fixedK(KF{Statuses: []coverage.ClaimStatus{coverage.ClaimPaid}}), 20, coverage.Order{}, nil)
	claims("incident=2024H1", fixedK(KF{IncidentFrom: "2024-01-01", IncidentTo: "2024-06-30"}), 20, coverage.Order{}, nil)
	claims("submitted=2024H1", fixedK(KF{SubmittedFrom: "2024-01-01", SubmittedTo: "2024-06-30"}), 20, coverage.Order{}, nil)
	claims("paid=2024H1", fixedK(KF{PaidFrom: "2024-01-01", PaidTo: "2024-06-30"}), 20, coverage.Order{}, nil)
	claims("amountClaimed>=10M", fixedK(KF{AmountClaimedMin: &tenMillion}), 20, coverage.Order{}, nil)
	claims("amountPaid<=1M", fixedK(KF{AmountPaidMax: &oneMillion}), 20, coverage.Order{}, nil)
	claims("areaCode=367201", fixedK(KF{AreaCode: "367201"}), 20, coverage.Order{}, nil)
	claims("payerTypes=APBD", fixedK(KF{PayerTypes: apbd}), 20, coverage.Order{}, nil)
	heavyK := KF{AreaCode: "367201", PayerTypes: apbd, PaidFrom: "2024-01-01"}
	claims("areaCode=367201+payer=APBD+paid>=2024", fixedK(heavyK), 20, coverage.Order{}, nil)
	claims("areaCode=367201+payer=APBD+paid>=2024", fixedK(heavyK), 100, coverage.Order{}, nil)
	claims("all", fixedK(KF{}), 20, coverage.Order{Field: coverage.SortAmountClaimed, Desc: true}, nil)
	claims("all", fixedK(KF{}), 20, coverage.Order{Field: coverage.SortIncidentDate, Desc: true}, nil)

	// roster
	type RF = coverage.RosterFilter
	roster := func(label string, f func(i int) RF, first int, o coverage.Order, after *coverage.Cursor) {
		add(fmt.Sprintf("roster %s%s", label, pageLabel(first, o, after)), func(ctx context.Context, i int) (int64, error) {
			pg, err := s.Roster(ctx, f(i), coverage.PageRequest{First: first, Order: o, After: after})
			return pg.TotalCount, err
		})
	}
	fixedR := func(f RF) func(int) RF { return func(int) RF { return f } }
	roster("all", fixedR(RF{}), 20, coverage.Order{}, nil)
	roster("all", fixedR(RF{}), 100, coverage.Order{}, nil)
	roster("areaCode=367201", fixedR(RF{AreaCode: "367201"}), 20, coverage.Order{}, nil)
	roster("nik", func(i int) RF { return RF{NIK: at(rosterNIKs, i)} }, 20, coverage.Order{}, nil)
	roster("categories=KADER", fixedR(RF{Categories: []coverage.Category{coverage.CategoryKader}}), 20, coverage.Order{}, nil)
	roster("agency="+strings.ReplaceAll(agency, " ", "_"), fixedR(RF{Agency: agency}), 20, coverage.Order{}, nil)
	roster("fundedIn=2024-08", fixedR(RF{FundedIn: "2024-08"}), 20, coverage.Order{}, nil)
	heavyR := RF{AreaCode: "367201", Categories: []coverage.Category{coverage.CategoryAdhocKPU}, FundedIn: "2024-03"}
	roster("areaCode=367201+ADHOC_KPU+fundedIn=2024-03", fixedR(heavyR), 20, coverage.Order{}, nil)
	roster("areaCode=367201+ADHOC_KPU+fundedIn=2024-03", fixedR(heavyR), 100, coverage.Order{}, nil)
	roster("all", fixedR(RF{}), 20, coverage.Order{Field: coverage.SortName, Desc: true}, nil)
	if c, err := cursorAt(deepAfter, func(p coverage.PageRequest) (coverage.Page[coverage.RosterEntry], error) {
		return s.Roster(ctx, RF{}, p)
	}, coverage.Order{}); err != nil {
		return nil, err
	} else if c != nil {
		roster("all", fixedR(RF{}), 20, coverage.Order{}, c)
	}

	// discrepancies: values from the stored ones (the reconciliation made them)
	type DF = coverage.DiscrepancyFilter
	var dNIKs, dKPJs []string
	first, err := s.Discrepancies(ctx, DF{}, coverage.PageRequest{First: coverage.MaxPageSize})
	if err != nil {
		return nil, err
	}
	for _, d := range first.Items {
		if d.NIK != "" {
			dNIKs = append(dNIKs, d.NIK)
		}
		if d.KPJ != "" {
			dKPJs = append(dKPJs, d.KPJ)
		}
	}
	dNIKs, dKPJs = shuffled(rng, dNIKs), shuffled(rng, dKPJs)
	discrepancies := func(label string, f func(i int) DF, first int, o coverage.Order) {
		add(fmt.Sprintf("discrepancies %s%s", label, pageLabel(first, o, nil)), func(ctx context.Context, i int) (int64, error) {
			pg, err := s.Discrepancies(ctx, f(i), coverage.PageRequest{First: first, Order: o})
			return pg.TotalCount, err
		})
	}
	fixedD := func(f DF) func(int) DF { return func(int) DF { return f } }
	open := []coverage.DiscrepancyStatus{coverage.StatusOpen}
	unpaid := []coverage.DiscrepancyKind{coverage.KindUnpaidMonths}
	discrepancies("all", fixedD(DF{}), 20, coverage.Order{})
	discrepancies("all", fixedD(DF{}), 100, coverage.Order{})
	discrepancies("kinds=UNPAID_MONTHS", fixedD(DF{Kinds: unpaid}), 20, coverage.Order{})
	discrepancies("severities=HIGH", fixedD(DF{Severities: []coverage.Severity{coverage.SeverityHigh}}), 20, coverage.Order{})
	discrepancies("statuses=OPEN", fixedD(DF{Statuses: open}), 20, coverage.Order{})
	discrepancies("areaCode=367201", fixedD(DF{AreaCode: "367201"}), 20, coverage.Order{})
	discrepancies("category=ADHOC_KPU", fixedD(DF{Category: coverage.CategoryAdhocKPU}), 20, coverage.Order{})
	discrepancies("nik", func(i int) DF { return DF{NIK: at(orEmpty(dNIKs), i)} }, 20, coverage.Order{})
	discrepancies("kpj", func(i int) DF { return DF{KPJ: at(orEmpty(dKPJs), i)} }, 20, coverage.Order{})
	discrepancies("period=2024-06", fixedD(DF{Period: "2024-06"}), 20, coverage.Order{})
	heavyD := DF{Statuses: open, Kinds: unpaid, AreaCode: "367201"}
	discrepancies("OPEN+UNPAID_MONTHS+areaCode=367201", fixedD(heavyD), 20, coverage.Order{})
	discrepancies("OPEN+UNPAID_MONTHS+areaCode=367201", fixedD(heavyD), 100, coverage.Order{})
	discrepancies("all", fixedD(DF{}), 20, coverage.Order{Field: coverage.SortAmount, Desc: true})

	// quarantine
	type QF = coverage.QuarantineFilter
	quarantine := func(label string, f QF, first int, o coverage.Order) {
		add(fmt.Sprintf("quarantine %s%s", label, pageLabel(first, o, nil)), func(ctx context.Context, i int) (int64, error) {
			pg, err := s.Quarantine(ctx, f, coverage.PageRequest{First: first, Order: o})
			return pg.TotalCount, err
		})
	}
	quarantine("all", QF{}, 20, coverage.Order{})
	quarantine("feed=participants", QF{Feed: coverage.FeedParticipants}, 20, coverage.Order{})
	quarantine("runId", QF{RunID: "bench-load"}, 20, coverage.Order{})
	quarantine("all", QF{}, 20, coverage.Order{Field: coverage.SortReceivedAt, Desc: true})
	return shapes, nil
}

func pageLabel(first int, o coverage.Order, after *coverage.Cursor) string {
	s := fmt.Sprintf(" first=%d", first)
	if o.Field != coverage.SortKey || o.Desc {
		field := string(o.Field)
		if field == "" {
			field = "key"
		}
		dir := "asc"
		if o.Desc {
			dir = "desc"
		}
		s += fmt.Sprintf(" by %s %s", field, dir)
	}
	if after != nil {
		s += fmt.Sprintf(" after %d", deepAfter)
	}
	return s
}

// cursorAt returns the cursor of the n-th record of a list in an order (read
// in pages of 1,000, not measured), or nil when the list is shorter.
func cursorAt[T any](n int, fetch func(coverage.PageRequest) (coverage.Page[T], error), o coverage.Order) (*coverage.Cursor, error) {
	req := coverage.PageRequest{First: coverage.MaxPageSize, Order: o}
	for read := 0; ; {
		pg, err := fetch(req)
		if err != nil {
			return nil, err
		}
		if read+len(pg.Cursors) >= n {
			c := pg.Cursors[n-read-1]
			return &c, nil
		}
		read += len(pg.Cursors)
		next := pg.Next(req)
		if next == nil {
			return nil, nil
		}
		req = *next
	}
}

func mostCommon(n int, get func(i int) string) string {
	count := map[string]int{}
	best := ""
	for i := range n {
		v := get(i)
		count[v]++
		if c := count[v]; best == "" || c > count[best] || (c == count[best] && v < best) {
			best = v
		}
	}
	return best
}

func shuffled(rng *mrand.Rand, list []string) []string {
	list = slices.Clone(list)
	rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
	return list
}

func orEmpty(list []string) []string {
	if len(list) == 0 {
		return []string{"none"}
	}
	return list
}

// --- measuring --------------------------------------------------------------

type benchResult struct {
	matches       int64
	n             int // requests measured (after the first)
	first         time.Duration
	p50, p99, max time.Duration
	rate          float64 // requests per second, all clients together
	err           error
}

// measure calls the shape once alone (cold), then n times from clients
// goroutines sharing one counter, until n are done or timeout passes.
func measure(ctx context.Context, sh benchShape, n, clients int, timeout time.Duration) benchResult {
	var r benchResult
	start := time.Now()
	r.matches, r.err = sh.call(ctx, 0)
	r.first = time.Since(start)
	if r.err != nil {
		return r
	}
	deadline := time.Now().Add(timeout)
	var (
		mu    sync.Mutex
		next  int
		durs  []time.Duration
		first error
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= n || first != nil || time.Now().After(deadline) || ctx.Err() != nil {
			return 0, false
		}
		next++
		return next, true
	}
	var wg sync.WaitGroup
	begin := time.Now()
	for range clients {
		wg.Go(func() {
			var mine []time.Duration
			for {
				i, ok := take()
				if !ok {
					break
				}
				t := time.Now()
				_, err := sh.call(ctx, i)
				mine = append(mine, time.Since(t))
				if err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
				}
			}
			mu.Lock()
			durs = append(durs, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	wall := time.Since(begin)
	if first != nil {
		r.err = first
		return r
	}
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	r.n = len(durs)
	if r.n > 0 {
		r.p50, r.p99, r.max = percentile(durs, 0.50), percentile(durs, 0.99), durs[r.n-1]
		r.rate = float64(r.n) / wall.Seconds()
	}
	return r
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func ratio(d, base time.Duration) string {
	if base <= 0 || d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fx", float64(d)/float64(base))
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
