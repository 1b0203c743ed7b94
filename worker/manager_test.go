package worker_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
	"github.com/cilegon/jamsostek/worker"
)

// never is a schedule that does not fire (30 February): runs come from
// Trigger only, and nothing is caught up at start.
const never = "0 0 30 2 *"

// replica is one worker process's manager over a shared store.
func replica(t *testing.T, s worker.Store, ms worker.ManagerStore, url, name, schedule string, feeds ...coverage.Feed) *worker.Manager {
	t.Helper()
	if feeds == nil {
		feeds = coverage.Feeds
	}
	var jobs []worker.Job
	for _, f := range feeds {
		syncer := newSyncer(t, nil, url, 97)
		syncer.Store, syncer.Owner, syncer.LeaseTTL = s, name, 10*time.Second // a loaded machine must not lose it
		jobs = append(jobs, worker.Job{Feed: f, Schedule: schedule, Syncer: syncer})
	}
	// Runs in progress at the end of a test end normally, however slow the
	// machine (the race detector makes the embedded engine ~5x slower).
	return &worker.Manager{Jobs: jobs, Store: ms, StopGrace: time.Minute}
}

// runFor runs managers together until d has passed and they have stopped.
func runFor(ms []*worker.Manager, d time.Duration) {
	runUntil(ms, d, func() bool { return false })
}

// runUntil runs managers together until done reports true (polled every
// 100 ms) or max has passed, and they have stopped.
func runUntil(ms []*worker.Manager, max time.Duration, done func() bool) {
	ctx, cancel := context.WithTimeout(context.Background(), max)
	defer cancel()
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Add(1)
		go func() { defer wg.Done(); _ = m.Run(ctx) }()
	}
	for t := time.NewTicker(100 * time.Millisecond); ctx.Err() == nil; {
		select {
		case <-ctx.Done():
		case <-t.C:
			if done() {
				cancel()
			}
		}
	}
	wg.Wait()
}

// ticksRun returns, for each feed, the number of distinct ticks with an
// ended run.
func ticksRun(t *testing.T, s *store.Store) map[coverage.Feed]int {
	out := map[coverage.Feed]int{}
	for _, f := range coverage.Feeds {
		ticks := map[time.Time]bool{}
		for _, r := range allRuns(t, s, f) {
			if r.Status.Finished() {
				ticks[r.Tick] = true
			}
		}
		out[f] = len(ticks)
	}
	return out
}

// runOwners returns the processes that made the runs of every feed.
func runOwners(t *testing.T, s *store.Store) map[string]bool {
	out := map[string]bool{}
	for _, f := range coverage.Feeds {
		for _, r := range allRuns(t, s, f) {
			out[r.Owner] = true
		}
	}
	return out
}

func allRuns(t *testing.T, s *store.Store, feed coverage.Feed) []coverage.SyncRun {
	t.Helper()
	runs, err := s.SyncRuns(context.Background(), feed, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// TestReplicasRunEachTickOnce runs two and three replicas of the worker on one
// database with the same schedule: every tick of every feed runs in exactly
// one of them, and the database ends equal to the simulator's data.
func TestReplicasRunEachTickOnce(t *testing.T) {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 31, Scale: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(feedsim.NewServer(ds, token))
	defer srv.Close()
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d replicas", n), func(t *testing.T) {
			s := storetest.Open(t)
			var ms []*worker.Manager
			for i := range n {
				ms = append(ms, replica(t, s, s, srv.URL, fmt.Sprintf("replica-%d", i+1), "@every 2s"))
			}
			// The catch-up tick at start, then scheduled ticks, until every
			// feed has run two ticks and more than one replica has run some.
			runUntil(ms, 2*time.Minute, func() bool {
				for _, n := range ticksRun(t, s) {
					if n < 2 {
						return false
					}
				}
				return len(runOwners(t, s)) > 1
			})
			owners := map[string]bool{}
			for _, f := range coverage.Feeds {
				ticks := map[time.Time]string{}
				for _, r := range allRuns(t, s, f) {
					if r.Tick.IsZero() {
						t.Errorf("%s run %s has no tick", f, r.ID)
					}
					if other, dup := ticks[r.Tick]; dup {
						t.Errorf("%s tick %v ran twice: %s and %s", f, r.Tick, other, r.ID)
					}
					ticks[r.Tick] = r.ID
					owners[r.Owner] = true
					if r.Status != coverage.RunSucceeded {
						t.Errorf("%s run %s: %s %s", f, r.ID, r.Status, r.Error)
					}
				}
				if len(ticks) < 2 {
					t.Errorf("%s ran %d ticks in 2 min of a 2 s schedule, want at least 2", f, len(ticks))
				}
			}
			t.Logf("%d replicas: runs made by %d of them", n, len(owners))
			if len(owners) < 2 {
				t.Errorf("every run was made by %v: the replicas did not share the work", owners)
			}
			holds(t, s, ds)
		})
	}
}

// TestDeadReplicaLosesItsLease: a replica holds a feed's lease and dies mid
// run. Nobody runs the feed until the lease expires; then the next tick runs
// in a live replica, the dead run is marked FAILED, and the dead holder's
// late writes are refused.
func TestDeadReplicaLosesItsLease(t *testing.T) {
	ctx := context.Background()
	ds, url := simulate(t, 5)
	s := storetest.Open(t)
	feed := coverage.FeedWorkforce
	dead, err := s.AcquireLease(ctx, store.LeaseRequest{Job: string(feed), Owner: "dead", RunID: "dead-run", TTL: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRun(ctx, coverage.SyncRun{ID: "dead-run", Feed: feed, Status: coverage.RunRunning, StartedAt: dead.ExpiresAt.Add(-2 * time.Second), Owner: "dead", Generation: dead.Generation}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcquireLease(ctx, store.LeaseRequest{Job: string(feed), Owner: "live", TTL: time.Second}); !errors.Is(err, store.ErrLeaseHeld) || coverage.ErrorCode(err) != coverage.ECONFLICT {
		t.Fatalf("a held lease was granted: %v", err)
	}

	runUntil([]*worker.Manager{replica(t, s, s, url, "live", "@every 1s", feed)}, time.Minute, func() bool {
		runs := allRuns(t, s, feed)
		return runs[0].ID != "dead-run" && runs[0].Status.Finished()
	})

	// The takeover's instant is the one the store recorded: the live
	// replica's acquisition marked the dead run FAILED at it. It is not
	// before the dead lease's ExpiresAt (stored to the millisecond).
	runs := allRuns(t, s, feed)
	var succeeded int
	for _, r := range runs {
		switch {
		case r.ID == "dead-run":
			if r.Status != coverage.RunFailed || !strings.Contains(r.Error, "abandoned") {
				t.Errorf("the dead run: got %s %q, want FAILED as abandoned", r.Status, r.Error)
			}
			if expiry := dead.ExpiresAt.Truncate(time.Millisecond); r.FinishedAt.Before(expiry) {
				t.Errorf("the dead run was taken over at %v, before its lease expired at %v", r.FinishedAt, expiry)
			}
		case r.Status == coverage.RunSucceeded:
			succeeded++
			if r.Generation <= dead.Generation {
				t.Errorf("run %s has generation %d, want above the dead holder's %d", r.ID, r.Generation, dead.Generation)
			}
		default:
			t.Errorf("run %s: %s %s", r.ID, r.Status, r.Error)
		}
	}
	if succeeded == 0 {
		t.Fatal("no live replica took over the feed")
	}
	// The dead holder wakes up: its writes are refused.
	if _, err := s.RenewLease(ctx, dead, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("renewing a lost lease: got %v, want ErrLeaseLost", err)
	}
	if err := s.SaveCheckpoint(ctx, feed, time.Now(), "dead-run", dead.Generation); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("a checkpoint under a stale generation: got %v, want ErrLeaseLost", err)
	}
	wf, err := s.Workforce(ctx, coverage.WorkforceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "workforce", ds.Workforce, wf, func(x coverage.WorkforceTarget) string { return x.Key() })
}

// panicky makes the first Apply panic.
type panicky struct {
	*store.Store
	done atomic.Bool
}

func (p *panicky) Apply(ctx context.Context, feed coverage.Feed, recs []store.Record) (coverage.SyncCounts, error) {
	if p.done.CompareAndSwap(false, true) {
		panic("boom in the write path")
	}
	return p.Store.Apply(ctx, feed, recs)
}

// TestPanicIsRecordedAndTheScheduleGoesOn: a panic inside a run is recovered,
// logged and saved on the run as FAILED; the next tick runs normally.
func TestPanicIsRecordedAndTheScheduleGoesOn(t *testing.T) {
	_, url := simulate(t, 6)
	s := storetest.Open(t)
	feed := coverage.FeedWorkforce
	m := replica(t, &panicky{Store: s}, s, url, "replica", "@every 1s", feed)
	runUntil([]*worker.Manager{m}, time.Minute, func() bool {
		runs := allRuns(t, s, feed)
		return len(runs) >= 2 && runs[0].Status == coverage.RunSucceeded
	})
	var failed, succeeded int
	for _, r := range allRuns(t, s, feed) {
		switch r.Status {
		case coverage.RunFailed:
			failed++
			if !strings.Contains(r.Error, "panic: boom in the write path") {
				t.Errorf("failed run %s: error %q, want the panic", r.ID, r.Error)
			}
		case coverage.RunSucceeded:
			succeeded++
		default:
			t.Errorf("run %s left %s", r.ID, r.Status)
		}
	}
	if failed != 1 || succeeded == 0 {
		t.Errorf("got %d failed and %d succeeded runs, want the panic on one and the schedule to go on", failed, succeeded)
	}
}

// TestTriggerShowsProgressAndCancelStopsTheRunInAnotherReplica starts a run
// on request, reads its live progress, refuses a second one, and cancels it
// from another replica; a new run then completes the feed.
func TestTriggerShowsProgressAndCancelStopsTheRunInAnotherReplica(t *testing.T) {
	// The feed holds its pages after the sixth until the cancellation has
	// ended the run, so the run cannot finish first however slow the machine.
	ds, url, release := gatedCity(t, 8, 6)
	s := storetest.Open(t)
	feed := coverage.FeedContributions
	a := replica(t, s, s, url, "replica-a", never, feed)
	b := replica(t, s, s, url, "replica-b", never, feed)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, m := range []*worker.Manager{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = m.Run(ctx) }()
	}
	defer wg.Wait()
	defer cancel()
	var run coverage.SyncRun
	var err error
	waitFor(t, func() bool { // until a has started
		run, err = a.Trigger(ctx, feed, "api:test")
		return coverage.ErrorCode(err) != coverage.EUNAVAILABLE
	})
	if err != nil || run.Status != coverage.RunRunning || run.ID == "" {
		t.Fatalf("trigger: got %+v, %v", run, err)
	}
	if _, err := b.Trigger(ctx, feed, "api:test"); coverage.ErrorCode(err) != coverage.ECONFLICT {
		t.Errorf("a second trigger in another replica: got %v, want CONFLICT", err)
	}
	var live *coverage.SyncRun
	waitFor(t, func() bool {
		live, err = s.SyncRun(ctx, run.ID)
		return err == nil && live.Counts.Pages >= 3
	})
	served := int64(len(ds.Contributions)) // the feed's records: live, tombstones and invalid ones
	for _, r := range ds.Tombstones {
		served += int64(btoi(r.Feed == feed))
	}
	for _, r := range ds.Invalid {
		served += int64(btoi(r.Feed == feed))
	}
	if !live.TotalKnown || live.Total != served || live.Rate(time.Now()) <= 0 {
		t.Errorf("progress: total %d (known %t), rate %.0f; want the feed's %d records", live.Total, live.TotalKnown, live.Rate(time.Now()), served)
	}
	if left, ok := live.Remaining(time.Now()); !ok || left <= 0 {
		t.Errorf("no estimate of the time left: %v %t", left, ok)
	}
	if _, err := b.Cancel(ctx, run.ID); err != nil {
		t.Fatalf("cancel from the other replica: %v", err)
	}
	waitFor(t, func() bool {
		live, err = s.SyncRun(ctx, run.ID)
		return err == nil && live.Status.Finished()
	})
	if live.Status != coverage.RunCancelled || live.Counts.Read >= served {
		t.Fatalf("cancelled run: got %s after %d of %d records (%s)", live.Status, live.Counts.Read, served, live.Error)
	}
	release()
	if _, err := b.Cancel(ctx, run.ID); coverage.ErrorCode(err) != coverage.ECONFLICT {
		t.Errorf("cancelling an ended run: got %v, want CONFLICT", err)
	}
	// The checkpoint stays where the run's last written page left it.
	if cp, _ := s.Checkpoint(ctx, feed); cp.IsZero() || !cp.Equal(live.Checkpoint) {
		t.Errorf("checkpoint %v after the cancelled run, want its %v", cp, live.Checkpoint)
	}
	waitFor(t, func() bool { _, err := b.Trigger(ctx, feed, "api:test"); return err == nil })
	waitFor(t, func() bool {
		runs := allRuns(t, s, feed)
		return runs[0].Status == coverage.RunSucceeded
	})
	// Both replicas worked: a ran the cancelled run, b the one that finished.
	runs := allRuns(t, s, feed)
	if len(runs) != 2 || runs[1].ID != run.ID || runs[1].Owner != "replica-a" || runs[0].Owner != "replica-b" {
		t.Errorf("runs %+v: want replica-a's cancelled run, then replica-b's", runs)
	}
	sameContributions(t, s, ds)
}

// TestMissedTickRunsOnceAtStart: a run missed while no process ran is caught
// up once at start, and only once.
func TestMissedTickRunsOnceAtStart(t *testing.T) {
	_, url := simulate(t, 9)
	s := storetest.Open(t)
	feed := coverage.FeedWorkforce
	start := func(now time.Time) {
		m := replica(t, s, s, url, "replica", "0 2 * * *", feed)
		m.Now = func() time.Time { return now }
		runFor([]*worker.Manager{m}, 1500*time.Millisecond)
	}
	day := time.Date(2024, 8, 22, 9, 0, 0, 0, worker.Jakarta)
	start(day) // never ran: 02:00 today is caught up
	start(day.Add(time.Hour))
	runs := allRuns(t, s, feed)
	if len(runs) != 1 || runs[0].Trigger != "catch-up" || !runs[0].Tick.Equal(time.Date(2024, 8, 22, 2, 0, 0, 0, worker.Jakarta)) {
		t.Fatalf("after two starts on one day: got %+v, want one catch-up run for 02:00", runs)
	}
	start(day.Add(72 * time.Hour)) // down for three days: one run, for the latest tick
	runs = allRuns(t, s, feed)
	if len(runs) != 2 || !runs[0].Tick.Equal(time.Date(2024, 8, 25, 2, 0, 0, 0, worker.Jakarta)) || runs[0].Status != coverage.RunSucceeded {
		t.Fatalf("after three days down: got %+v, want one more run for 25 August 02:00", runs)
	}
}

// TestFeedDownForAWholeRun: the feed server is down for a whole run. The run
// fails clearly, the checkpoint and the data stay; the next run, with the
// server back and newer records, catches up to the simulator's data.
func TestFeedDownForAWholeRun(t *testing.T) {
	ctx := context.Background()
	ds, err := feedsim.Generate(feedsim.Config{Seed: 12, Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	feed := coverage.FeedClaims
	cutoff := ds.Claims[len(ds.Claims)/2].UpdatedAt
	older := *ds
	older.Claims = nil
	for _, c := range ds.Claims {
		if c.UpdatedAt.Before(cutoff) {
			older.Claims = append(older.Claims, c)
		}
	}
	older.Tombstones, older.Invalid = nil, nil
	var handler atomic.Pointer[http.Handler]
	use := func(h http.Handler) { handler.Store(&h) }
	use(feedsim.NewServer(&older, token))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*handler.Load()).ServeHTTP(w, r)
	}))
	defer srv.Close()
	s := storetest.Open(t)
	syncer := newSyncer(t, s, srv.URL, 150)

	if run, err := syncer.SyncFeed(ctx, feed, "test"); err != nil {
		t.Fatalf("first run: %+v %v", run, err)
	}
	before, _ := s.Checkpoint(ctx, feed)
	use(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"maintenance"}`, http.StatusServiceUnavailable)
	}))
	run, err := syncer.SyncFeed(ctx, feed, "test")
	if err == nil || run.Status != coverage.RunFailed || !strings.Contains(run.Error, "503") {
		t.Fatalf("run against a dead feed: got %s %q (%v), want FAILED naming the 503", run.Status, run.Error, err)
	}
	if after, _ := s.Checkpoint(ctx, feed); !after.Equal(before) {
		t.Errorf("checkpoint moved from %v to %v on a failed run", before, after)
	}
	stored := all(t, func(p coverage.PageRequest) (coverage.Page[coverage.Claim], error) {
		return s.Claims(ctx, coverage.ClaimFilter{}, p)
	})
	same(t, "claims after the failed run", older.Claims, stored, func(x coverage.Claim) string { return x.ClaimNo })

	use(feedsim.NewServer(ds, token))
	run, err = syncer.SyncFeed(ctx, feed, "test")
	if err != nil || run.Counts.Inserted == 0 || !run.UpdatedSince.Equal(before) {
		t.Fatalf("catch-up run: got %+v, %v; want new claims read from the checkpoint %v", run, err, before)
	}
	stored = all(t, func(p coverage.PageRequest) (coverage.Page[coverage.Claim], error) {
		return s.Claims(ctx, coverage.ClaimFilter{}, p)
	})
	same(t, "claims after the catch-up", ds.Claims, stored, func(x coverage.Claim) string { return x.ClaimNo })
}

// waitFor polls cond every 50 ms until it holds. The deadline only bounds a hang: under the race detector, with the store's
// suite beside it on 2 cores, the embedded engine's writes take seconds, and a
// cancellation seen at the next lease beat (a third of the 10 s TTL) then
// recorded took more than 30 s in CI.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// slowCity serves a small city whose every response takes 30 ms, so a
// contributions run lasts long enough to be watched, cancelled or stopped.
func slowCity(t *testing.T, seed int64) (*feedsim.Dataset, string) {
	t.Helper()
	ds, err := feedsim.Generate(feedsim.Config{Seed: seed, Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	sim := feedsim.NewServer(ds, token)
	sim.Faults = feedsim.Faults{Latency: 30 * time.Millisecond}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return ds, srv.URL
}

// gatedCity is slowCity whose feed, after serving pages pages, holds every
// further request until release is called (or the client goes away).
func gatedCity(t *testing.T, seed int64, pages int64) (ds *feedsim.Dataset, url string, release func()) {
	t.Helper()
	ds, err := feedsim.Generate(feedsim.Config{Seed: seed, Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	sim := feedsim.NewServer(ds, token)
	sim.Faults = feedsim.Faults{Latency: 30 * time.Millisecond}
	gate := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) > pages {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(release)
	return ds, srv.URL, release
}

// sameContributions compares the stored contributions with the simulator's.
func sameContributions(t *testing.T, s *store.Store, ds *feedsim.Dataset) {
	t.Helper()
	got := all(t, func(p coverage.PageRequest) (coverage.Page[coverage.Contribution], error) {
		return s.Contributions(context.Background(), coverage.ContributionFilter{}, p)
	})
	same(t, "contributions", ds.Contributions, got, func(x coverage.Contribution) string { return x.ID })
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestShutdownLetsRunsEndWithinTheGrace stops a worker in the middle of a run,
// first with no grace (the run stops CANCELLED, its checkpoint kept, and no
// new run is accepted), then with a grace (the run ends normally). The data
// then equal the simulator's.
func TestShutdownLetsRunsEndWithinTheGrace(t *testing.T) {
	ds, url := slowCity(t, 14)
	s := storetest.Open(t)
	feed := coverage.FeedContributions

	stopMidRun := func(grace time.Duration) coverage.SyncRun {
		t.Helper()
		m := replica(t, s, s, url, "replica", never, feed)
		m.StopGrace = grace
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stopped := make(chan struct{})
		go func() { defer close(stopped); _ = m.Run(ctx) }()
		var run coverage.SyncRun
		var err error
		waitFor(t, func() bool {
			run, err = m.Trigger(ctx, feed, "api:test")
			return coverage.ErrorCode(err) != coverage.EUNAVAILABLE
		})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool {
			live, err := s.SyncRun(ctx, run.ID)
			return err == nil && live.Counts.Pages >= 2
		})
		cancel()
		<-stopped
		if _, err := m.Trigger(context.Background(), feed, "api:test"); coverage.ErrorCode(err) != coverage.EUNAVAILABLE {
			t.Errorf("trigger after stop: got %v, want UNAVAILABLE", err)
		}
		got, err := s.SyncRun(context.Background(), run.ID)
		if err != nil {
			t.Fatal(err)
		}
		return *got
	}

	cut := stopMidRun(0)
	if cut.Status != coverage.RunCancelled || !strings.Contains(cut.Error, "shutting down") || cut.Counts.Pages < 2 {
		t.Fatalf("run stopped at shutdown without grace: got %s %q after %d pages", cut.Status, cut.Error, cut.Counts.Pages)
	}
	cp, _ := s.Checkpoint(context.Background(), feed)
	if cp.IsZero() || !cp.Equal(cut.Checkpoint) {
		t.Errorf("checkpoint %v after the cut run, want its %v", cp, cut.Checkpoint)
	}
	whole := stopMidRun(time.Minute)
	if whole.Status != coverage.RunSucceeded || !whole.UpdatedSince.Equal(cp) {
		t.Fatalf("run stopped at shutdown with a grace: got %s %q from %v, want SUCCEEDED from the checkpoint %v", whole.Status, whole.Error, whole.UpdatedSince, cp)
	}
	sameContributions(t, s, ds)
}

// TestRunCutAtShutdownResumesAtStart: the catch-up run of a daily schedule is
// stopped by a shutdown; the next start resumes it from its checkpoint (the
// tick has run, so it is not caught up again), and the start after that does
// nothing.
func TestRunCutAtShutdownResumesAtStart(t *testing.T) {
	ds, url := slowCity(t, 15)
	s := storetest.Open(t)
	feed := coverage.FeedContributions
	now := time.Date(2024, 8, 22, 9, 0, 0, 0, worker.Jakarta)
	start := func(grace, max time.Duration, done func() bool) {
		m := replica(t, s, s, url, "replica", "0 2 * * *", feed)
		m.Now, m.StopGrace = func() time.Time { return now }, grace
		runUntil([]*worker.Manager{m}, max, done)
	}
	start(0, time.Minute, func() bool { // stopped after a few pages
		runs := allRuns(t, s, feed)
		return len(runs) == 1 && runs[0].Counts.Pages >= 3
	})
	runs := allRuns(t, s, feed)
	if len(runs) != 1 || runs[0].Trigger != "catch-up" || runs[0].Status != coverage.RunCancelled {
		t.Fatalf("first start: got %+v, want a catch-up run stopped at shutdown", runs)
	}
	start(time.Minute, time.Minute, func() bool { return len(allRuns(t, s, feed)) == 2 })
	runs = allRuns(t, s, feed)
	if len(runs) != 2 || runs[0].Trigger != "resume" || runs[0].Status != coverage.RunSucceeded || !runs[0].UpdatedSince.Equal(runs[1].Checkpoint) {
		t.Fatalf("second start: got %+v, want a resume from the stopped run's checkpoint", runs)
	}
	start(0, 2*time.Second, func() bool { return false })
	if runs = allRuns(t, s, feed); len(runs) != 2 {
		t.Errorf("third start: %d runs, want none more after a successful run", len(runs))
	}
	sameContributions(t, s, ds)
}
