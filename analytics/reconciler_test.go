package analytics_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// slowStore holds the reconciliation's first read (the roster scan) for a
// while, so that a pass outlives its lease's TTL.
type slowStore struct {
	*store.Store
	delay time.Duration
}

func (s slowStore) ScanRoster(ctx context.Context) iter.Seq2[coverage.RosterEntry, error] {
	inner := s.Store.ScanRoster(ctx)
	return func(yield func(coverage.RosterEntry, error) bool) {
		time.Sleep(s.delay)
		inner(yield)
	}
}

func smallCity(t *testing.T) (*store.Store, *feedsim.Dataset) {
	t.Helper()
	s := storetest.Open(t)
	ds, err := feedsim.Generate(feedsim.Config{Seed: 5, Scale: 0.002})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Load(t, s, ds)
	return s, ds
}

// TestOneReconciliationAtATime: while another process holds the "reconcile"
// lease, Reconcile fails at once with CONFLICT naming the holder, its run and
// since when, and records no run; ReconcileWhenFree waits for the holder's
// end and then runs its own pass.
func TestOneReconciliationAtATime(t *testing.T) {
	ctx := context.Background()
	s, _ := smallCity(t)
	svc := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Owner: "replica-1"} // the wall clock, as the sync runs'

	other, err := s.AcquireLease(ctx, store.LeaseRequest{Job: analytics.LeaseJob, Owner: "replica-2", RunID: "reconcile-theirs", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	run, err := svc.Reconcile(ctx, "cli")
	if coverage.ErrorCode(err) != coverage.ECONFLICT || !errors.Is(err, analytics.ErrReconciling) || run.ID != "" {
		t.Fatalf("Reconcile while another holds the lease: %+v, %v; want CONFLICT and no run", run, err)
	}
	msg := coverage.ErrorMessage(err)
	for _, want := range []string{"replica-2", "reconcile-theirs", other.AcquiredAt.UTC().Format(time.RFC3339)} {
		if !strings.Contains(msg, want) {
			t.Errorf("the conflict does not say %q: %s", want, msg)
		}
	}
	if runs, err := s.ReconcileRuns(ctx, 10); err != nil || len(runs) != 0 {
		t.Errorf("a refused pass recorded runs: %+v, %v", runs, err)
	}

	// A sync changed records (two minutes ago): the pass after it must not
	// be lost.
	now := time.Now().UTC().Add(-2 * time.Minute)
	if err := s.SaveRun(ctx, coverage.SyncRun{ID: "sync-1", Feed: coverage.FeedClaims, Trigger: "cli", Status: coverage.RunSucceeded,
		StartedAt: now.Add(-time.Second), FinishedAt: now, Counts: coverage.SyncCounts{Read: 1, Updated: 1}}); err != nil {
		t.Fatal(err)
	}
	// A run left RUNNING by a process that died is marked abandoned by the
	// next pass.
	if err := s.SaveReconcileRun(ctx, coverage.ReconcileRun{ID: "reconcile-dead", Trigger: "cli", Status: coverage.RunRunning, StartedAt: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	done := make(chan coverage.ReconcileRun, 1)
	go func() {
		run, err := svc.ReconcileWhenFree(ctx, "sync", 20*time.Millisecond)
		if err != nil {
			t.Errorf("ReconcileWhenFree: %v", err)
		}
		done <- run
	}()
	select {
	case run := <-done:
		t.Fatalf("ReconcileWhenFree ran while the lease was held: %+v", run)
	case <-time.After(300 * time.Millisecond):
	}
	if err := s.ReleaseLease(ctx, other); err != nil {
		t.Fatal(err)
	}
	select {
	case run := <-done:
		if run.Status != coverage.RunSucceeded || run.Trigger != "sync" {
			t.Errorf("the pass after the holder's end: %+v", run)
		}
	case <-time.After(time.Minute):
		t.Fatal("ReconcileWhenFree did not run once the lease was free")
	}
	runs, err := s.ReconcileRuns(ctx, 10)
	if err != nil || len(runs) != 2 || runs[1].ID != "reconcile-dead" || runs[1].Status != coverage.RunFailed || !strings.Contains(runs[1].Error, "abandoned") {
		t.Errorf("runs %+v, %v: want the dead process's marked abandoned", runs, err)
	}

	// Released at its end: the next pass takes it.
	if _, err := svc.Reconcile(ctx, "cli"); err != nil {
		t.Errorf("a pass after the end of the others: %v", err)
	}

	// Another sync (a minute ago: more than the clocks' margin), then the
	// pass after it waits for a holder; when the holder's end is followed by
	// a pass of another process that read the data after the sync, that one
	// covers it: no second pass.
	now = time.Now().UTC().Add(-time.Minute)
	if err := s.SaveRun(ctx, coverage.SyncRun{ID: "sync-2", Feed: coverage.FeedClaims, Trigger: "cli", Status: coverage.RunSucceeded,
		StartedAt: now.Add(-time.Second), FinishedAt: now, Counts: coverage.SyncCounts{Read: 1, Updated: 1}}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.ReconcileRuns(ctx, 100)
	if other, err = s.AcquireLease(ctx, store.LeaseRequest{Job: analytics.LeaseJob, Owner: "replica-2", TTL: time.Minute}); err != nil {
		t.Fatal(err)
	}
	covered := make(chan error, 1)
	go func() {
		run, err := svc.ReconcileWhenFree(ctx, "sync", 300*time.Millisecond)
		if err == nil && run.ID != "" {
			err = errors.New("it ran its own pass: " + run.ID)
		}
		covered <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if err := s.ReleaseLease(ctx, other); err != nil {
		t.Fatal(err)
	}
	replica2 := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Owner: "replica-2"}
	if _, err := replica2.Reconcile(ctx, "sync"); err != nil {
		t.Fatal(err)
	}
	if err := <-covered; err != nil {
		t.Errorf("the pass covered by another process's: %v", err)
	}
	if after, _ := s.ReconcileRuns(ctx, 100); len(after) != len(before)+1 {
		t.Errorf("%d runs, want %d (the other process's only)", len(after), len(before)+1)
	}
}

// TestReconcileRenewsItsLease: a pass longer than the lease's TTL keeps it
// (renewed every third of the TTL): another process is refused all along.
func TestReconcileRenewsItsLease(t *testing.T) {
	ctx := context.Background()
	s, ds := smallCity(t)
	const ttl = 400 * time.Millisecond
	svc := &analytics.Service{Store: slowStore{s, 4 * ttl}, Areas: coverage.Cilegon(), Owner: "slow", LeaseTTL: ttl,
		Now: func() time.Time { return ds.AsOf }}
	done := make(chan error, 1)
	go func() { _, err := svc.Reconcile(ctx, "cli"); done <- err }()
	time.Sleep(ttl / 4)
	for end := time.Now().Add(3 * ttl); time.Now().Before(end); time.Sleep(ttl / 4) {
		l, err := s.AcquireLease(ctx, store.LeaseRequest{Job: analytics.LeaseJob, Owner: "intruder", TTL: time.Minute})
		if err == nil {
			_ = s.ReleaseLease(ctx, l)
			t.Fatal("another process took the lease of a running pass: it was not renewed")
		}
		if !errors.Is(err, store.ErrLeaseHeld) {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestAfterSyncNeverLosesItsPass: a sync that changed data while another
// process reconciles gets its own pass once that one has ended (the holder
// may have read the data before the sync), with the trigger "sync"; a sync
// that changed nothing asks for none; at start, CatchUp reconciles only when
// the data is newer than the newest reconciliation.
func TestAfterSyncNeverLosesItsPass(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, _ := smallCity(t)
	svc := &analytics.Service{Store: s, Areas: coverage.Cilegon()} // the wall clock, as the sync runs'
	var busy atomic.Bool
	a := &analytics.AfterSync{Service: svc, Busy: busy.Load, Retry: 20 * time.Millisecond}
	go a.Run(ctx)
	runs := func() []coverage.ReconcileRun {
		r, err := s.ReconcileRuns(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	waitRuns := func(n int) []coverage.ReconcileRun {
		t.Helper()
		for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if r := runs(); len(r) >= n && r[0].Status.Finished() {
				return r
			}
		}
		t.Fatalf("%d reconciliation runs, want %d", len(runs()), n)
		return nil
	}

	// Data and no figures: the pass at start.
	now := time.Now().UTC()
	if err := s.SaveRun(ctx, coverage.SyncRun{ID: "sync-1", Feed: coverage.FeedParticipants, Trigger: "cli", Status: coverage.RunSucceeded,
		StartedAt: now.Add(-time.Second), FinishedAt: now, Counts: coverage.SyncCounts{Read: 5, Inserted: 5}}); err != nil {
		t.Fatal(err)
	}
	if stale, why, err := svc.Stale(ctx); err != nil || !stale || !strings.Contains(why, "never reconciled") {
		t.Fatalf("Stale with synced data and no reconciliation: %t %q %v", stale, why, err)
	}
	a.CatchUp(ctx)
	if r := waitRuns(1); r[0].Trigger != "start" || r[0].Status != coverage.RunSucceeded {
		t.Fatalf("catch-up at start: %+v", r[0])
	}
	if stale, why, err := svc.Stale(ctx); err != nil || stale {
		t.Fatalf("Stale after the pass: %t %q %v", stale, why, err)
	}
	a.CatchUp(ctx) // up to date: nothing
	a.AfterRun(ctx, coverage.SyncRun{Feed: coverage.FeedClaims, Counts: coverage.SyncCounts{Read: 10, Unchanged: 10}})
	time.Sleep(200 * time.Millisecond)
	if n := len(runs()); n != 1 {
		t.Fatalf("%d runs after an up-to-date catch-up and a sync that changed nothing, want 1", n)
	}

	other, err := s.AcquireLease(ctx, store.LeaseRequest{Job: analytics.LeaseJob, Owner: "replica-2", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	busy.Store(true) // a feed still syncing in this process: wait for it too
	now = time.Now().UTC()
	changed := coverage.SyncRun{ID: "sync-2", Feed: coverage.FeedClaims, Trigger: "cli", Status: coverage.RunSucceeded,
		StartedAt: now.Add(-time.Second), FinishedAt: now, Counts: coverage.SyncCounts{Read: 10, Updated: 1}}
	if err := s.SaveRun(ctx, changed); err != nil {
		t.Fatal(err)
	}
	a.AfterRun(ctx, changed)
	time.Sleep(100 * time.Millisecond)
	busy.Store(false)
	time.Sleep(200 * time.Millisecond)
	if n := len(runs()); n != 1 {
		t.Fatalf("a pass ran while another process held the lease (%d runs)", n)
	}
	if err := s.ReleaseLease(ctx, other); err != nil {
		t.Fatal(err)
	}
	if r := waitRuns(2); r[0].Trigger != "sync" || r[0].Status != coverage.RunSucceeded {
		t.Errorf("the pass after the sync: %+v", r[0])
	}
}

// lostStore is a store whose lease renewals find the lease taken over.
type lostStore struct{ slowStore }

func (lostStore) RenewLease(_ context.Context, l store.Lease, _ time.Duration) (store.Lease, error) {
	return l, &coverage.Error{Code: coverage.ECONFLICT, Err: store.ErrLeaseLost, Message: "taken over"}
}

// TestReconcileStopsWhenItsLeaseIsLost: a pass whose renewal finds the lease
// taken over (it stalled past its TTL and another process took it) stops,
// and its run is recorded FAILED saying so.
func TestReconcileStopsWhenItsLeaseIsLost(t *testing.T) {
	ctx := context.Background()
	s, ds := smallCity(t)
	const ttl = 300 * time.Millisecond
	svc := &analytics.Service{Store: lostStore{slowStore{s, 2 * ttl}}, Areas: coverage.Cilegon(), LeaseTTL: ttl,
		Now: func() time.Time { return ds.AsOf }}
	run, err := svc.Reconcile(ctx, "cli")
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("a pass that lost its lease: %+v, %v", run, err)
	}
	runs, err := s.ReconcileRuns(ctx, 10)
	if err != nil || len(runs) != 1 || runs[0].Status != coverage.RunFailed || !strings.Contains(runs[0].Error, "taken over") {
		t.Errorf("recorded runs: %+v, %v", runs, err)
	}
}
