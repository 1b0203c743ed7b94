// Package analytics runs the reconciliation over the store and keeps the latest
// rollup in memory for the API.
//
// Reconcile streams the four collections in NIK order through the pure engine
// of coverage/reconcile, merges its findings into the stored discrepancies,
// stores the rollup cells as a new version when they changed, and records the
// run. Every process (API replica or worker) holds the newest version in memory
// behind an atomic pointer; Watch polls the version number and swaps in a new
// one when it lands, so coverage queries never touch the database.
//
// One pass runs at a time across processes: each holds the store lease
// LeaseJob (reconciler.go), renewed while it runs. AfterSync makes the passes
// after syncs and at start, never losing one to another process's.
// docs/reconciliation.md has the rules and the measures.
package analytics

import (
	"container/list"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/store"
)

// Store is what the analytics need of the database.
type Store interface {
	ScanRoster(ctx context.Context) iter.Seq2[coverage.RosterEntry, error]
	ScanParticipants(ctx context.Context) iter.Seq2[coverage.Participant, error]
	ScanContributions(ctx context.Context) iter.Seq2[coverage.Contribution, error]
	ScanClaims(ctx context.Context) iter.Seq2[coverage.Claim, error]
	SyncRuns(ctx context.Context, feed coverage.Feed, first int) ([]coverage.SyncRun, error)
	LatestSucceededRun(ctx context.Context, feed coverage.Feed) (*coverage.SyncRun, error)
	SaveFindings(ctx context.Context, runID string, asOf time.Time, findings []coverage.Finding) (coverage.FindingCounts, error)
	SaveRollup(ctx context.Context, r *reconcile.Rollup) (int64, bool, error)
	LatestRollup(ctx context.Context) (*reconcile.Rollup, error)
	LatestRollupVersion(ctx context.Context) (store.RollupVersion, error)
	SaveReconcileRun(ctx context.Context, r coverage.ReconcileRun) error
	ReconcileRuns(ctx context.Context, first int) ([]coverage.ReconcileRun, error)
	DeclaredTotals(ctx context.Context, year int) ([]coverage.DeclaredTotal, error)
	SetDeclaredTotal(ctx context.Context, d coverage.DeclaredTotal) error
	WorkforceTargets(ctx context.Context) ([]coverage.WorkforceTarget, map[string]string, error)
	SetWorkforceTarget(ctx context.Context, w coverage.WorkforceTarget, by string) error
	RosterImports(ctx context.Context, n int) ([]coverage.RosterImport, error)
	// CurrentQuarantine returns the records of a feed the syncs rejected and
	// the source has not corrected since.
	CurrentQuarantine(ctx context.Context, feed coverage.Feed) ([]coverage.Quarantined, error)
	Leases
}

var _ Store = (*store.Store)(nil)

// Snapshot is what the API answers from: one rollup version with the
// denominators and declared figures current when it was loaded.
type Snapshot struct {
	Rollup    *reconcile.Rollup
	Workforce []coverage.WorkforceTarget
	SetBy     map[string]string // workforce key: admin who set it ("" for the feed's)
	Declared  []coverage.DeclaredTotal
	LoadedAt  time.Time
	// Generation changes exactly when the content changes (a new rollup
	// version, other denominators or declared figures): a refresh that loads
	// the same content keeps the snapshot, and its generation. Answers cached
	// under it (graph's response cache) stay valid as long as it is served.
	Generation uint64
}

// sameContent reports whether a snapshot would serve the same answers as s.
func (s *Snapshot) sameContent(r *reconcile.Rollup, workforce []coverage.WorkforceTarget, setBy map[string]string, declared []coverage.DeclaredTotal) bool {
	sameRollup := (s.Rollup == nil) == (r == nil) && (r == nil || (s.Rollup.Version == r.Version && s.Rollup.Hash == r.Hash))
	return sameRollup && reflect.DeepEqual(s.Workforce, workforce) && reflect.DeepEqual(s.SetBy, setBy) && reflect.DeepEqual(s.Declared, declared)
}

// Denominator looks up a year's workforce of an area, by its exact code (the
// city's own code, e.g. 3672, for the whole city).
func (s *Snapshot) Denominator(year int, area string) (reconcile.Denominator, bool) {
	for _, w := range s.Workforce {
		if w.Year == year && w.AreaCode == area {
			return reconcile.Denominator{Workforce: w.Workforce, Basis: w.Basis, Source: w.Source}, true
		}
	}
	return reconcile.Denominator{}, false
}

// Service runs reconciliations and serves the latest rollup.
type Service struct {
	Store  Store
	Areas  *coverage.Areas
	Logger *slog.Logger
	// Rules are the tariffs and benefit ceilings the passes apply; zero:
	// coverage.DefaultRuleSet.
	Rules coverage.RuleSet
	// Owner names this process in the reconciliation's lease (who holds it,
	// in a refusal); default host/pid/random.
	Owner string
	// LeaseTTL is how long the lease outlives a process that died holding
	// it; default DefaultLeaseTTL.
	LeaseTTL time.Duration
	// Now is the clock (tests); default time.Now.
	Now func() time.Time

	// Finished, when set, is called with each pass this process ends
	// (succeeded or failed), after it is saved: the metrics.
	Finished func(coverage.ReconcileRun)
	// Tracer, when set, makes a span of each pass ("reconcile"); nil: none.
	Tracer trace.Tracer

	// AnswerCacheBytes bounds the answers kept per rollup version and
	// question (answerCache); 0: DefaultAnswerCacheBytes, negative: none.
	AnswerCacheBytes int64

	snap   atomic.Pointer[Snapshot]
	loadMu sync.Mutex
	gen    atomic.Uint64 // the last snapshot generation handed out

	// findings is the generation of the stored discrepancies as this process
	// knows them: bumped after each pass (its findings saved) and when a
	// refresh sees a newer reconciliation run (another process's).
	findings atomic.Uint64
	lastRun  string // the newest run a refresh saw (id and status); under loadMu

	answersOnce sync.Once
	answers     *answerCache
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Snapshot returns the snapshot the API answers from, or nil before the first
// rollup exists.
func (s *Service) Snapshot() *Snapshot { return s.snap.Load() }

// ErrNoRollup is returned by queries before any reconciliation has built the
// figures: the feeds were not synced yet, or were (sync --once --no-reconcile,
// a roster import) and no reconciliation has run since, or one is running
// now. It says what to run.
var ErrNoRollup = coverage.Errorf(coverage.EUNAVAILABLE, "the coverage figures are not built yet: no reconciliation has finished on this database. "+
	"If the feeds have been synced, run `jamsostek reconcile` (serve reconciles at start when the data is newer than the figures; one may be running now); "+
	"if not, sync them first (`jamsostek sync --once`, which reconciles at its end, or wait for the scheduled sync, which reconciles after it)")

// current returns the snapshot or ErrNoRollup.
func (s *Service) current() (*Snapshot, error) {
	snap := s.snap.Load()
	if snap == nil || snap.Rollup == nil {
		return nil, ErrNoRollup
	}
	return snap, nil
}

// dataAsOf returns the data's as-of time and each feed's: a feed's is the
// as_of of its newest successful sync run, the data's
// the newest of the membership, contribution, claim and roster feeds'; now
// when none carries one. A feed never synced successfully has no entry.
func (s *Service) dataAsOf(ctx context.Context) (time.Time, map[coverage.Feed]time.Time, error) {
	var asOf time.Time
	feeds := map[coverage.Feed]time.Time{}
	for _, f := range []coverage.Feed{coverage.FeedParticipants, coverage.FeedContributions, coverage.FeedClaims, coverage.FeedRoster} {
		// The newest success however many runs failed since: a stale feed
		// keeps its own as-of, it does not borrow another feed's.
		r, err := s.Store.LatestSucceededRun(ctx, f)
		if err != nil {
			return time.Time{}, nil, err
		}
		if r != nil && !r.AsOf.IsZero() {
			feeds[f] = r.AsOf
		}
		if feeds[f].After(asOf) {
			asOf = feeds[f]
		}
	}
	if asOf.IsZero() {
		asOf = s.now()
	}
	return asOf, feeds, nil
}

// Reconcile runs one pass over the store: findings merged into the
// discrepancies, the rollup stored (as a new version when it changed) and
// loaded, the run recorded. Running it again on unchanged data changes nothing
// but the run history.
//
// The pass holds the store lease LeaseJob, renewed while it runs: when another
// pass holds it (in any process) Reconcile returns at once, with no run, an
// ECONFLICT error naming the holder, its run and since when (errors.Is
// ErrReconciling). ReconcileWhenFree waits for it instead.
func (s *Service) Reconcile(ctx context.Context, trigger string) (run coverage.ReconcileRun, err error) {
	id := newRunID()
	if s.Tracer != nil {
		var span trace.Span
		ctx, span = s.Tracer.Start(ctx, "reconcile", trace.WithAttributes(attribute.String("jamsostek.run_id", id), attribute.String("jamsostek.trigger", coverage.TriggerKind(trigger))))
		defer func() {
			span.SetAttributes(attribute.String("jamsostek.status", string(run.Status)), attribute.Int64("jamsostek.rollup_version", run.RollupVersion))
			if err != nil {
				span.SetStatus(codes.Error, "reconciliation failed")
			}
			span.End()
		}()
	}
	lease, err := s.takeLease(ctx, id)
	if err != nil {
		return run, err
	}
	ctx, lost := context.WithCancelCause(ctx)
	defer lost(nil)
	defer s.hold(ctx, lease, lost)()
	s.abandonRuns(ctx, lease)
	run = coverage.ReconcileRun{ID: id, Trigger: trigger, Status: coverage.RunRunning, StartedAt: s.now()}
	log := s.logger().With("run", run.ID, "trigger", trigger)
	if err := s.Store.SaveReconcileRun(ctx, run); err != nil {
		return run, err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reconcile: panic: %v", p)
		}
		if cause := context.Cause(ctx); err != nil && errors.Is(cause, store.ErrLeaseLost) {
			err = fmt.Errorf("reconcile: stopped: %w", cause) // another process took the lease over
		}
		run.FinishedAt = s.now()
		run.Status = coverage.RunSucceeded
		if err != nil {
			run.Status, run.Error = coverage.RunFailed, err.Error()
		}
		saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		serr := s.Store.SaveReconcileRun(saveCtx, run)
		if serr != nil && err == nil {
			err = serr
		}
		seen, rerr := s.runsSeen(saveCtx)
		s.loadMu.Lock()
		if serr == nil && rerr == nil {
			s.lastRun = seen // a refresh need not bump again for this process's own run
		}
		s.findings.Add(1) // its findings, whatever became of the pass
		s.loadMu.Unlock()
		log.Info("reconciliation finished", "status", run.Status, "people", run.People, "read", run.Read,
			"found", run.Findings.Found, "opened", run.Findings.Opened, "resolved", run.Findings.Resolved,
			"version", run.RollupVersion, "cells", run.Cells, "seconds", run.FinishedAt.Sub(run.StartedAt).Seconds(), "error", run.Error)
		if s.Finished != nil {
			s.Finished(run)
		}
	}()
	cfg, err := s.EngineConfig(ctx)
	if err != nil {
		return run, err
	}
	run.AsOf = cfg.AsOf
	asOf := cfg.AsOf
	res, err := reconcile.Run(cfg, reconcile.Streams{
		Roster:        s.Store.ScanRoster(ctx),
		Participants:  s.Store.ScanParticipants(ctx),
		Contributions: s.Store.ScanContributions(ctx),
		Claims:        s.Store.ScanClaims(ctx),
	})
	if err != nil {
		return run, err
	}
	run.People = res.Stats.People
	run.Read = res.Stats.RosterEntries + res.Stats.Participants + res.Stats.Contributions + res.Stats.Claims
	if run.Findings, err = s.Store.SaveFindings(ctx, run.ID, asOf, res.Findings); err != nil {
		return run, err
	}
	res.Rollup.RunID, res.Rollup.BuiltAt = run.ID, s.now()
	if run.RollupVersion, run.NewVersion, err = s.Store.SaveRollup(ctx, &res.Rollup); err != nil {
		return run, err
	}
	run.Cells = int64(len(res.Rollup.Cells))
	if run.NewVersion {
		res.Rollup.Version = run.RollupVersion
		err = s.install(ctx, &res.Rollup)
	} else {
		err = s.Refresh(ctx)
	}
	return run, err
}

// install makes r the served rollup, with fresh denominators and declared figures.
func (s *Service) install(ctx context.Context, r *reconcile.Rollup) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	snap := &Snapshot{Rollup: r, LoadedAt: s.now()}
	var err error
	if snap.Workforce, snap.SetBy, err = s.Store.WorkforceTargets(ctx); err != nil {
		return err
	}
	if snap.Declared, err = s.Store.DeclaredTotals(ctx, 0); err != nil {
		return err
	}
	old := s.snap.Load()
	if old != nil && old.Rollup != nil && r != nil && old.Rollup.Version > r.Version {
		return nil // a newer version was installed meanwhile
	}
	if old != nil && old.sameContent(r, snap.Workforce, snap.SetBy, snap.Declared) {
		return nil // the same answers: the served snapshot, and its generation, stay
	}
	snap.Generation = s.gen.Add(1)
	s.snap.Store(snap)
	return nil
}

// Generations returns the generation of the served snapshot (0 before any)
// and that of the discrepancies as this process knows them: each changes
// when what it stands for changes, so that an answer built from one may be
// replayed while it is unchanged (graph's response cache). Discrepancies
// changed by another process are seen at its run's end, on the next
// Refresh; single resolutions made elsewhere are not seen at all (the
// response cache bounds their staleness with a TTL).
func (s *Service) Generations() (snapshot, findings uint64) {
	if snap := s.snap.Load(); snap != nil {
		snapshot = snap.Generation
	}
	return snapshot, s.findings.Load()
}

// FindingsChanged notes a change of the discrepancies made by this process
// outside a pass (an acknowledgement, a resolution).
func (s *Service) FindingsChanged() { s.findings.Add(1) }

// runsSeen is what a refresh compares to tell whether reconciliation runs
// started or ended since: the newest few runs, their ids and statuses (a
// few, since runs of processes with one clock may start at the same time).
func (s *Service) runsSeen(ctx context.Context) (string, error) {
	runs, err := s.Store.ReconcileRuns(ctx, 5)
	if err != nil {
		return "", err
	}
	seen := make([]string, len(runs))
	for i, r := range runs {
		seen[i] = r.ID + "/" + string(r.Status)
	}
	slices.Sort(seen) // in any order: runs that started at once come in either
	return strings.Join(seen, ";"), nil
}

// checkRuns bumps the findings' generation when the newest reconciliation
// runs are not those seen last (another process's pass, or its end).
func (s *Service) checkRuns(ctx context.Context) error {
	seen, err := s.runsSeen(ctx)
	if err != nil {
		return err
	}
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if seen != s.lastRun {
		s.lastRun = seen
		s.findings.Add(1)
	}
	return nil
}

// Refresh loads the newest stored rollup when it is newer than the served one,
// and reloads the denominators and declared figures.
func (s *Service) Refresh(ctx context.Context) error {
	if err := s.checkRuns(ctx); err != nil {
		// The rollup is refreshed all the same; the findings' answers are
		// kept no longer than the counts' TTL in any case.
		s.findings.Add(1)
		s.logger().Warn("reading the newest reconciliation runs failed: cached discrepancy counts dropped", "error", err)
	}
	v, err := s.Store.LatestRollupVersion(ctx)
	if err != nil {
		return err
	}
	cur := s.snap.Load()
	if v.Version == 0 {
		return s.install(ctx, nil)
	}
	if cur != nil && cur.Rollup != nil && cur.Rollup.Version >= v.Version {
		return s.install(ctx, cur.Rollup)
	}
	r, err := s.Store.LatestRollup(ctx)
	if err != nil {
		return err
	}
	s.logger().Info("rollup loaded", "version", r.Version, "cells", len(r.Cells), "as_of", r.AsOf.Format(time.RFC3339))
	return s.install(ctx, r)
}

// Watch refreshes every interval until ctx ends, so a replica serves the
// version another process built.
func (s *Service) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Refresh(ctx); err != nil && !errors.Is(err, context.Canceled) {
				s.logger().Warn("rollup refresh failed", "error", err)
			}
		}
	}
}

// Coverage answers a coverage query from the served rollup.
func (s *Service) Coverage(f reconcile.Filter, groupBy []reconcile.Dimension, g reconcile.Granularity) (reconcile.Answer, *reconcile.Rollup, error) {
	snap, err := s.current()
	if err != nil {
		return reconcile.Answer{}, nil, err
	}
	f, groupBy = normalize(snap.Rollup, f, groupBy)
	if f.From > f.To { // nothing in range: no pass over the cells to save
		ans, err := snap.Rollup.Query(f, groupBy, g)
		return ans, snap.Rollup, err
	}
	v, err := s.answerCache().get(coverageKey(snap.Rollup.Version, f, groupBy, g), func() (any, int64, error) {
		ans, err := snap.Rollup.Query(f, groupBy, g)
		return ans, int64(len(ans.Rows))*rowBytes + 512, err
	})
	if err != nil {
		return reconcile.Answer{}, nil, err
	}
	return v.(reconcile.Answer), snap.Rollup, nil
}

// UniversalCoverage answers the coverage rate of a year and area.
func (s *Service) UniversalCoverage(year int, area string) (reconcile.UCJ, *reconcile.Rollup, error) {
	snap, err := s.current()
	if err != nil {
		return reconcile.UCJ{}, nil, err
	}
	if area == "" {
		area = s.Areas.City().Code
	}
	if err := s.Areas.CheckArea(area); err != nil {
		return reconcile.UCJ{}, nil, err
	}
	v, err := s.answerCache().get(fmt.Sprintf("ucj\x00%d\x00%d\x00%s", snap.Generation, year, area), func() (any, int64, error) {
		u, err := snap.Rollup.UniversalCoverage(year, area, snap.Denominator)
		return u, 512, err
	})
	if err != nil {
		return reconcile.UCJ{}, snap.Rollup, err
	}
	return v.(reconcile.UCJ), snap.Rollup, nil
}

// APBDProgram answers the city-funded programme of a year, with the year's
// declared figures next to the counted ones.
func (s *Service) APBDProgram(year int) (reconcile.Program, []reconcile.DeclaredComparison, *reconcile.Rollup, error) {
	snap, err := s.current()
	if err != nil {
		return reconcile.Program{}, nil, nil, err
	}
	type apbd struct {
		p        reconcile.Program
		declared []reconcile.DeclaredComparison
	}
	v, err := s.answerCache().get(fmt.Sprintf("apbd\x00%d\x00%d", snap.Generation, year), func() (any, int64, error) {
		p, err := snap.Rollup.APBDProgram(year)
		if err != nil {
			return nil, 0, err
		}
		var declared []coverage.DeclaredTotal
		for _, d := range snap.Declared {
			if d.Year == year {
				declared = append(declared, d)
			}
		}
		a := apbd{p, snap.Rollup.CompareDeclared(declared)}
		size := 1024 + int64(len(a.declared))*declaredBytes
		for _, l := range append(p.Categories, p.Total) {
			size += 512 + int64(len(l.Months))*128
		}
		return a, size, nil
	})
	if err != nil {
		return reconcile.Program{}, nil, snap.Rollup, err
	}
	a := v.(apbd)
	return a.p, slices.Clone(a.declared), snap.Rollup, nil
}

// DeclaredTotals compares the declared figures of a year (all when 0) with the
// counted ones.
func (s *Service) DeclaredTotals(year int) ([]reconcile.DeclaredComparison, error) {
	snap, err := s.current()
	if err != nil {
		return nil, err
	}
	v, err := s.answerCache().get(fmt.Sprintf("declared\x00%d\x00%d", snap.Generation, year), func() (any, int64, error) {
		var declared []coverage.DeclaredTotal
		for _, d := range snap.Declared {
			if year == 0 || d.Year == year {
				declared = append(declared, d)
			}
		}
		ds := snap.Rollup.CompareDeclared(declared)
		return ds, 256 + int64(len(ds))*declaredBytes, nil
	})
	if err != nil {
		return nil, err
	}
	// A copy: callers filter the list in place.
	return slices.Clone(v.([]reconcile.DeclaredComparison)), nil
}

// SetDeclaredTotal records a declared figure; the next reconciliation reports
// it when it does not match.
func (s *Service) SetDeclaredTotal(ctx context.Context, d coverage.DeclaredTotal) (reconcile.DeclaredComparison, error) {
	d.SetAt = s.now()
	if err := d.Validate(s.Areas); err != nil {
		return reconcile.DeclaredComparison{}, err
	}
	if err := s.Store.SetDeclaredTotal(ctx, d); err != nil {
		return reconcile.DeclaredComparison{}, err
	}
	if err := s.Refresh(ctx); err != nil {
		return reconcile.DeclaredComparison{}, err
	}
	out := reconcile.DeclaredComparison{DeclaredTotal: d}
	if snap := s.snap.Load(); snap != nil && snap.Rollup != nil {
		out = snap.Rollup.CompareDeclared([]coverage.DeclaredTotal{d})[0]
	}
	return out, nil
}

// SetWorkforceTarget records a denominator set by an admin.
func (s *Service) SetWorkforceTarget(ctx context.Context, w coverage.WorkforceTarget, by string) (coverage.WorkforceTarget, error) {
	w.UpdatedAt = s.now()
	if err := w.Validate(s.Areas); err != nil {
		return w, err
	}
	if err := s.Store.SetWorkforceTarget(ctx, w, by); err != nil {
		return w, err
	}
	return w, s.Refresh(ctx)
}

// EngineConfig is what a pass gives the engine besides the records: the
// data's as-of and each feed's (its newest successful sync run's), the
// declared figures, the roster rows the syncs rejected that are still
// current, and the rules (Service.Rules, else coverage.DefaultRuleSet).
func (s *Service) EngineConfig(ctx context.Context) (reconcile.Config, error) {
	asOf, feedAsOf, err := s.dataAsOf(ctx)
	if err != nil {
		return reconcile.Config{}, err
	}
	declared, err := s.Store.DeclaredTotals(ctx, 0)
	if err != nil {
		return reconcile.Config{}, err
	}
	rejected, err := s.rejectedRoster(ctx)
	if err != nil {
		return reconcile.Config{}, err
	}
	rules := s.rules()
	return reconcile.Config{Areas: s.Areas, AsOf: asOf, Declared: declared, FeedAsOf: feedAsOf, RejectedRoster: rejected,
		Tariffs: rules.Tariffs, Benefits: rules.Benefits}, nil
}

// rules are Service.Rules, else coverage.DefaultRuleSet.
func (s *Service) rules() coverage.RuleSet {
	if s.Rules.Tariffs == nil && s.Rules.Benefits == nil {
		return coverage.DefaultRuleSet()
	}
	return s.Rules
}

// ScenarioBase is what a what-if scenario (coverage/scenario) is computed
// on: the latest rollup, the workforce denominators loaded with it, and the
// tariffs the reconciliation applies. Nothing of it may be changed.
func (s *Service) ScenarioBase() (*reconcile.Rollup, reconcile.Workforce, coverage.Tariffs, error) {
	snap, err := s.current()
	if err != nil {
		return nil, nil, nil, err
	}
	return snap.Rollup, snap.Denominator, s.rules().Tariffs, nil
}

// rejectedRoster returns the roster rows the syncs rejected that are still
// current (store.CurrentQuarantine: the newest rejection of each row, unless
// the source sent a valid version since), with what could be read of each:
// the fields are read one by one, a field that is not a string is left
// empty, and the NIK is never read.
func (s *Service) rejectedRoster(ctx context.Context) ([]reconcile.RejectedRosterRow, error) {
	qs, err := s.Store.CurrentQuarantine(ctx, coverage.FeedRoster)
	if err != nil {
		return nil, err
	}
	out := make([]reconcile.RejectedRosterRow, 0, len(qs))
	for _, q := range qs {
		var fields map[string]json.RawMessage
		_ = json.Unmarshal([]byte(q.Raw), &fields) // not an object: every field empty
		str := func(name string) string {
			var v string
			if json.Unmarshal(fields[name], &v) != nil {
				return ""
			}
			return coverage.Clip(v)
		}
		out = append(out, reconcile.RejectedRosterRow{
			Ref: q.ID, Agency: str("agency"), Category: str("category"), KelurahanCode: str("kelurahan_code"),
			FundedFrom: coverage.Period(str("funded_from")), FundedUntil: coverage.Period(str("funded_until")),
			Reason: q.Reason,
		})
	}
	return out, nil
}

func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "reconcile-" + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// DefaultAnswerCacheBytes bounds the answers a Service keeps.
const DefaultAnswerCacheBytes = 64 << 20

// Estimated bytes of what answers hold, for the cache's bound.
const (
	rowBytes      = int64(unsafe.Sizeof(reconcile.Row{})) + 16 // and its bucket label
	declaredBytes = int64(unsafe.Sizeof(reconcile.DeclaredComparison{})) + 64
)

func (s *Service) answerCache() *answerCache {
	s.answersOnce.Do(func() {
		n := s.AnswerCacheBytes
		if n == 0 {
			n = DefaultAnswerCacheBytes
		}
		s.answers = newAnswerCache(n)
	})
	return s.answers
}

// normalize writes a coverage question in one way of the ways it can be
// written with the same answer: the range clamped to the rollup's, each
// list sorted without repeats (an empty list, which matches nothing, stays
// empty; nil matches everything), the grouping as a set in the dimensions'
// order (rows are sorted the same whatever the grouping's order).
func normalize(r *reconcile.Rollup, f reconcile.Filter, groupBy []reconcile.Dimension) (reconcile.Filter, []reconcile.Dimension) {
	f.From = max(f.From, r.From)
	if f.To == "" || f.To > r.To {
		f.To = r.To
	}
	f.Categories, f.Payers, f.Segments = set(f.Categories), set(f.Payers), set(f.Segments)
	f.Genders, f.AgeBands = set(f.Genders), set(f.AgeBands)
	if f.CityFunded != nil {
		f.CityFunded = new(*f.CityFunded)
	}
	var dims []reconcile.Dimension
	for _, d := range reconcile.Dimensions {
		if slices.Contains(groupBy, d) {
			dims = append(dims, d)
		}
	}
	for _, d := range groupBy { // unknown ones stay, for Query's error
		if !slices.Contains(reconcile.Dimensions, d) && !slices.Contains(dims, d) {
			dims = append(dims, d)
		}
	}
	return f, dims
}

// set returns a sorted copy of l without repeats; nil stays nil.
func set[T ~string](l []T) []T {
	if l == nil {
		return nil
	}
	out := slices.Clone(l)
	slices.Sort(out)
	return slices.Compact(out)
}

// coverageKey is the answer cache's key of a normalized coverage question.
func coverageKey(version int64, f reconcile.Filter, groupBy []reconcile.Dimension, g reconcile.Granularity) string {
	b := make([]byte, 0, 128)
	b = fmt.Appendf(b, "coverage\x00%d\x00%s\x00%s\x00%s\x00%s", version, f.From, f.To, f.AreaCode, g)
	list := func(name string, vs []string) {
		b = append(b, 0)
		b = append(b, name...)
		if vs == nil {
			b = append(b, '*') // all
			return
		}
		for _, v := range vs {
			b = append(b, 1)
			b = append(b, v...)
		}
	}
	list("c", strs(f.Categories))
	list("p", strs(f.Payers))
	list("s", strs(f.Segments))
	list("g", strs(f.Genders))
	list("a", strs(f.AgeBands))
	list("by", strs(groupBy))
	switch {
	case f.CityFunded == nil:
	case *f.CityFunded:
		b = append(b, "\x00funded"...)
	default:
		b = append(b, "\x00unfunded"...)
	}
	return string(b)
}

func strs[T ~string](l []T) []string {
	if l == nil {
		return nil
	}
	out := make([]string, len(l))
	for i, v := range l {
		out[i] = string(v)
	}
	return out
}

// answerCache keeps computed answers, least recently used out first past
// its bound in (estimated) bytes. A key is computed once however many ask
// it at once; an error is handed to those waiting for it and not kept.
// Answers are shared: callers must not modify them.
type answerCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	m     map[string]*answer
	order list.List // of *answer, most recent first
}

type answer struct {
	key   string
	ready chan struct{}
	val   any
	err   error
	size  int64
	elem  *list.Element
}

func newAnswerCache(max int64) *answerCache {
	return &answerCache{max: max, m: map[string]*answer{}}
}

// get returns the answer of key, computing it when it is not kept.
func (c *answerCache) get(key string, compute func() (any, int64, error)) (any, error) {
	if c.max < 0 {
		v, _, err := compute()
		return v, err
	}
	c.mu.Lock()
	if a := c.m[key]; a != nil {
		if a.elem != nil {
			c.order.MoveToFront(a.elem)
		}
		c.mu.Unlock()
		<-a.ready
		return a.val, a.err
	}
	a := &answer{key: key, ready: make(chan struct{})}
	c.m[key] = a
	c.mu.Unlock()

	func() {
		defer close(a.ready)
		defer func() {
			if p := recover(); p != nil {
				a.err = fmt.Errorf("analytics: answer %q: panic: %v", key, p)
			}
		}()
		a.val, a.size, a.err = compute()
	}()

	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.m[key] != a: // dropped meanwhile
	case a.err != nil || a.size > c.max:
		delete(c.m, key)
	default:
		a.elem = c.order.PushFront(a)
		c.size += a.size
		for c.size > c.max {
			old := c.order.Remove(c.order.Back()).(*answer)
			delete(c.m, old.key)
			c.size -= old.size
		}
	}
	return a.val, a.err
}

// len returns the number of answers kept (tests).
func (c *answerCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
