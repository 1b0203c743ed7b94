package observe

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cilegon/jamsostek/coverage"
)

// The metrics read from the rest of the process at scrape time: each reads
// memory (a lease set, the served rollup, a counter), except the store's
// counts, which are cached (StoreCounts).

// WatchLeases exposes jamsostek_lease_held{lease}: 1 for each lease this
// process holds (held returns their names), 0 for the other known names.
func (m *Metrics) WatchLeases(known []string, held func() []string) {
	if m == nil {
		return
	}
	desc := prometheus.NewDesc(Namespace+"_lease_held", "1 when this process holds the lease (a feed's sync, the reconciliation), else 0.", []string{"lease"}, nil)
	m.reg.MustRegister(collectorFunc{desc: desc, collect: func(ch chan<- prometheus.Metric) {
		h := held()
		seen := map[string]bool{}
		for _, l := range h {
			seen[l] = true
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, 1, l)
		}
		for _, l := range known {
			if !seen[l] {
				seen[l] = true
				ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, 0, l)
			}
		}
	}})
}

// RollupInfo is the rollup a process serves.
type RollupInfo struct {
	Version int64
	BuiltAt time.Time // when its reconciliation built it
}

// WatchRollup exposes jamsostek_rollup_version and
// jamsostek_rollup_age_seconds of the served rollup (rollup returns false
// when none is loaded: the version is 0 and the age absent), and
// jamsostek_rollup_loaded.
func (m *Metrics) WatchRollup(rollup func() (RollupInfo, bool)) {
	if m == nil {
		return
	}
	version := prometheus.NewDesc(Namespace+"_rollup_version", "Version of the coverage rollup this process serves; 0 when none is loaded.", nil, nil)
	age := prometheus.NewDesc(Namespace+"_rollup_age_seconds", "Seconds since the reconciliation that built the served rollup; absent when none is loaded.", nil, nil)
	loaded := prometheus.NewDesc(Namespace+"_rollup_loaded", "1 when this process serves a coverage rollup, else 0.", nil, nil)
	m.reg.MustRegister(collectorFunc{desc: version, collect: func(ch chan<- prometheus.Metric) {
		r, ok := rollup()
		if !ok {
			ch <- prometheus.MustNewConstMetric(version, prometheus.GaugeValue, 0)
			ch <- prometheus.MustNewConstMetric(loaded, prometheus.GaugeValue, 0)
			return
		}
		ch <- prometheus.MustNewConstMetric(version, prometheus.GaugeValue, float64(r.Version))
		ch <- prometheus.MustNewConstMetric(loaded, prometheus.GaugeValue, 1)
		ch <- prometheus.MustNewConstMetric(age, prometheus.GaugeValue, time.Since(r.BuiltAt).Seconds())
	}, more: []*prometheus.Desc{age, loaded}})
}

// WatchAuditFailures exposes jamsostek_audit_failures_total: the audit
// entries this process failed to write (graph.AuditFailures).
func (m *Metrics) WatchAuditFailures(n func() int64) {
	if m == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: Namespace, Name: "audit_failures_total",
		Help: "Audit entries (who read personal data) this process failed to write."}, func() float64 { return float64(n()) }))
}

// StoreCounts is what the metrics read from the database: cheap counts.
type StoreCounts interface {
	QuarantineCounts(ctx context.Context) (map[coverage.Feed]int64, error)
	DiscrepancyCounts(ctx context.Context, f coverage.DiscrepancyFilter) (map[coverage.DiscrepancyKind]coverage.KindTally, error)
	SyncRuns(ctx context.Context, feed coverage.Feed, first int) ([]coverage.SyncRun, error)
	ReconcileRuns(ctx context.Context, first int) ([]coverage.ReconcileRun, error)
}

// DefaultStoreCountsEvery is how long the store's counts are served from
// memory before a scrape reads them again.
const DefaultStoreCountsEvery = 30 * time.Second

// storeCountsTimeout bounds a refresh of the store's counts.
const storeCountsTimeout = 5 * time.Second

// WatchStore exposes jamsostek_quarantine_records{feed} and
// jamsostek_discrepancies_open{kind} with jamsostek_discrepancies_open_rupiah{kind}, and fills the last-success gauges
// from the stored runs (of every process): read at a scrape at most every
// `every` (0: DefaultStoreCountsEvery), else the counts of the last read.
// A failed read keeps the last counts and sets
// jamsostek_store_counts_errors_total.
func (m *Metrics) WatchStore(s StoreCounts, every time.Duration, logger *slog.Logger) {
	if m == nil {
		return
	}
	if every <= 0 {
		every = DefaultStoreCountsEvery
	}
	if logger == nil {
		logger = slog.Default()
	}
	c := &storeCollector{m: m, s: s, every: every, log: logger,
		quarantine: prometheus.NewDesc(Namespace+"_quarantine_records", "Records the syncs rejected and kept in the quarantine, by feed (corrected or not).", []string{"feed"}, nil),
		open:       prometheus.NewDesc(Namespace+"_discrepancies_open", "Open discrepancies (neither acknowledged nor resolved), by kind.", []string{"kind"}, nil),
		openRupiah: prometheus.NewDesc(Namespace+"_discrepancies_open_rupiah", "Rupiah at stake in the open discrepancies, by kind.", []string{"kind"}, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "store_counts_errors_total",
			Help: "Failed reads of the counts the metrics take from the database (the last counts are served meanwhile)."}),
	}
	m.reg.MustRegister(c, c.errors)
}

type storeCollector struct {
	m                *Metrics
	s                StoreCounts
	every            time.Duration
	log              *slog.Logger
	quarantine, open *prometheus.Desc
	openRupiah       *prometheus.Desc
	errors           prometheus.Counter

	mu    sync.Mutex // one refresh at a time; the others serve its counts
	read  time.Time
	quar  map[coverage.Feed]int64
	kinds map[coverage.DiscrepancyKind]coverage.KindTally
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.quarantine
	ch <- c.open
	ch <- c.openRupiah
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.read) >= c.every {
		c.refresh()
	}
	for f, n := range c.quar {
		ch <- prometheus.MustNewConstMetric(c.quarantine, prometheus.GaugeValue, float64(n), string(f))
	}
	for _, k := range coverage.DiscrepancyKinds {
		if c.kinds != nil {
			ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(c.kinds[k].Count), string(k))
			ch <- prometheus.MustNewConstMetric(c.openRupiah, prometheus.GaugeValue, float64(c.kinds[k].Amount), string(k))
		}
	}
}

// refresh reads the counts; under c.mu.
func (c *storeCollector) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), storeCountsTimeout)
	defer cancel()
	c.read = time.Now()
	fail := func(what string, err error) {
		c.errors.Inc()
		c.log.Warn("metrics: reading the store's counts failed", "what", what, "error", err)
	}
	if q, err := c.s.QuarantineCounts(ctx); err != nil {
		fail("quarantine", err)
	} else {
		c.quar = q
	}
	if k, err := c.s.DiscrepancyCounts(ctx, coverage.DiscrepancyFilter{Statuses: []coverage.DiscrepancyStatus{coverage.StatusOpen}}); err != nil {
		fail("discrepancies", err)
	} else {
		c.kinds = k
	}
	for _, f := range coverage.Feeds {
		runs, err := c.s.SyncRuns(ctx, f, 20)
		if err != nil {
			fail("sync runs", err)
			break
		}
		for _, r := range runs {
			if r.Status == coverage.RunSucceeded && !r.FinishedAt.IsZero() {
				c.m.noteSync(f, r.FinishedAt)
				break
			}
		}
	}
	if runs, err := c.s.ReconcileRuns(ctx, 5); err != nil {
		fail("reconcile runs", err)
	} else {
		for _, r := range runs {
			if r.Status == coverage.RunSucceeded && !r.FinishedAt.IsZero() {
				c.m.noteReconcile(r.FinishedAt)
				break
			}
		}
	}
}

// collectorFunc is a collector of metrics computed at scrape time.
type collectorFunc struct {
	desc    *prometheus.Desc
	collect func(chan<- prometheus.Metric)
	more    []*prometheus.Desc
}

func (c collectorFunc) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	for _, d := range c.more {
		ch <- d
	}
}

func (c collectorFunc) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }
