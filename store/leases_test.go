package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

func TestLeaseLifeCycleAndFencing(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	req := store.LeaseRequest{Job: "claims", Owner: "a", RunID: "run-a", TTL: time.Minute}
	a, err := s.AcquireLease(ctx, req)
	if err != nil || a.Generation != 1 {
		t.Fatalf("first acquisition: %+v %v", a, err)
	}
	if _, err := s.AcquireLease(ctx, store.LeaseRequest{Job: "claims", Owner: "b", TTL: time.Minute}); !errors.Is(err, store.ErrLeaseHeld) {
		t.Fatalf("a held lease was granted: %v", err)
	}
	if _, err := s.RenewLease(ctx, a, time.Minute); err != nil {
		t.Fatalf("renew: %v", err)
	}
	if err := s.ReleaseLease(ctx, a); err != nil {
		t.Fatal(err)
	}
	b, err := s.AcquireLease(ctx, store.LeaseRequest{Job: "claims", Owner: "b", RunID: "run-b", TTL: time.Minute})
	if err != nil || b.Generation != 2 {
		t.Fatalf("after release: %+v %v", b, err)
	}
	// a comes back with its old lease: every write is refused.
	if _, err := s.RenewLease(ctx, a, time.Minute); !errors.Is(err, store.ErrLeaseLost) || coverage.ErrorCode(err) != coverage.ECONFLICT {
		t.Errorf("renewing a superseded lease: %v", err)
	}
	at := time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)
	if err := s.SaveCheckpoint(ctx, coverage.FeedClaims, at, "run-b", b.Generation); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCheckpoint(ctx, coverage.FeedClaims, at.Add(time.Hour), "run-a", a.Generation); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("a checkpoint under a stale generation: %v", err)
	}
	if cp, _ := s.Checkpoint(ctx, coverage.FeedClaims); !cp.Equal(at) {
		t.Errorf("checkpoint %v, want %v", cp, at)
	}
	// Cancellation reaches the holder at its next renewal.
	if err := s.SaveRun(ctx, coverage.SyncRun{ID: "run-b", Feed: coverage.FeedClaims, Status: coverage.RunRunning, StartedAt: at}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RequestCancel(ctx, "run-b"); err != nil {
		t.Fatal(err)
	}
	if l, err := s.RenewLease(ctx, b, time.Minute); err != nil || l.CancelRun != "run-b" {
		t.Errorf("renewal after a cancel request: %+v %v", l, err)
	}
	if _, err := s.RequestCancel(ctx, "no-such-run"); coverage.ErrorCode(err) != coverage.ENOTFOUND {
		t.Errorf("cancelling an unknown run: %v", err)
	}
}

// TestLeaseWindowIsItsExpiresAt: a lease is held up to the ExpiresAt the
// store returned and free from that instant (the taker marks the dead
// holder's run FAILED at it); a renewal moves the window to the ExpiresAt it
// returns. Every instant tried comes from a returned lease, never from the
// clock after a call.
func TestLeaseWindowIsItsExpiresAt(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2024, 8, 22, 2, 0, 0, 0, time.UTC)
	a, err := s.AcquireLease(ctx, store.LeaseRequest{Job: "roster", Owner: "a", RunID: "run-a", TTL: time.Minute, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(time.Minute); !a.ExpiresAt.Equal(want) {
		t.Fatalf("ExpiresAt %v, want the acquisition time plus the TTL, %v", a.ExpiresAt, want)
	}
	if err := s.SaveRun(ctx, coverage.SyncRun{ID: "run-a", Feed: coverage.FeedRoster, Status: coverage.RunRunning, StartedAt: t0, Owner: "a", Generation: a.Generation}); err != nil {
		t.Fatal(err)
	}
	take := func(owner string, now time.Time) (store.Lease, error) {
		return s.AcquireLease(ctx, store.LeaseRequest{Job: "roster", Owner: owner, RunID: "run-" + owner, TTL: time.Minute, Now: now})
	}
	// The window [t0, ExpiresAt) is not empty, and held to its last millisecond.
	for _, now := range []time.Time{t0, a.ExpiresAt.Add(-time.Millisecond)} {
		if !now.Before(a.ExpiresAt) {
			t.Fatalf("%v is not inside the lease's window", now)
		}
		if _, err := take("b", now); !errors.Is(err, store.ErrLeaseHeld) {
			t.Errorf("at %v, before the expiry %v: got %v, want ErrLeaseHeld", now, a.ExpiresAt, err)
		}
	}
	b, err := take("b", a.ExpiresAt)
	if err != nil || b.Generation != a.Generation+1 || !b.ExpiresAt.Equal(a.ExpiresAt.Add(time.Minute)) {
		t.Fatalf("at the expiry %v: got %+v %v, want generation %d until %v", a.ExpiresAt, b, err, a.Generation+1, a.ExpiresAt.Add(time.Minute))
	}
	dead, err := s.SyncRun(ctx, "run-a")
	if err != nil || dead.Status != coverage.RunFailed || !dead.FinishedAt.Equal(a.ExpiresAt) || !strings.Contains(dead.Error, "abandoned") {
		t.Errorf("a's run after b took over: %+v %v, want FAILED as abandoned at %v", dead, err, a.ExpiresAt)
	}

	// b renews (the store's clock: now): the window now ends at the
	// renewal's ExpiresAt, far past b's first one.
	r, err := s.RenewLease(ctx, b, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !r.ExpiresAt.After(b.ExpiresAt) || r.Generation != b.Generation {
		t.Fatalf("renewed: %+v, want generation %d past %v", r, b.Generation, b.ExpiresAt)
	}
	for _, now := range []time.Time{b.ExpiresAt, r.ExpiresAt.Add(-time.Millisecond)} {
		if _, err := take("c", now); !errors.Is(err, store.ErrLeaseHeld) {
			t.Errorf("at %v, before the renewed expiry %v: got %v, want ErrLeaseHeld", now, r.ExpiresAt, err)
		}
	}
	if c, err := take("c", r.ExpiresAt); err != nil || c.Generation != r.Generation+1 {
		t.Errorf("at the renewed expiry %v: got %+v %v, want generation %d", r.ExpiresAt, c, err, r.Generation+1)
	}
}

// TestOneWinnerPerTick races eight processes for the same tick of a job, three
// times: exactly one wins each tick, and a tick never runs twice.
func TestOneWinnerPerTick(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	base := time.Date(2024, 8, 22, 2, 0, 0, 0, time.UTC)
	for round := range 3 {
		tick := base.Add(time.Duration(round) * time.Hour)
		var wins sync.Map
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l, err := s.AcquireLease(ctx, store.LeaseRequest{Job: "participants", Owner: fmt.Sprint("p", i), TTL: time.Minute, Tick: tick})
				if err == nil {
					wins.Store(i, l)
				} else if !errors.Is(err, store.ErrLeaseHeld) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		n := 0
		wins.Range(func(_, v any) bool {
			n++
			if err := s.ReleaseLease(ctx, v.(store.Lease)); err != nil {
				t.Error(err)
			}
			return true
		})
		if n != 1 {
			t.Errorf("tick %v: %d winners, want 1", tick, n)
		}
		if _, err := s.AcquireLease(ctx, store.LeaseRequest{Job: "participants", Owner: "late", TTL: time.Minute, Tick: tick}); !errors.Is(err, store.ErrLeaseHeld) {
			t.Errorf("tick %v ran again after its run ended: %v", tick, err)
		}
		if last, _ := s.LastTick(ctx, "participants"); !last.Equal(tick) {
			t.Errorf("last tick %v, want %v", last, tick)
		}
	}
}

// TestApplyNeverGoesBackInTime: a late page with an older version of a record,
// or an older tombstone, leaves the newer stored version alone.
func TestApplyNeverGoesBackInTime(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	newer := participant(1, "3672011001", coverage.PayerAPBD)
	newer.UpdatedAt = time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)
	older := *newer
	older.DeclaredIncome, older.UpdatedAt = 900_000, newer.UpdatedAt.Add(-time.Hour)
	if _, err := s.Apply(ctx, coverage.FeedParticipants, []store.Record{{Key: newer.KPJ, Value: newer, UpdatedAt: newer.UpdatedAt}}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Apply(ctx, coverage.FeedParticipants, []store.Record{
		{Key: older.KPJ, Value: &older, UpdatedAt: older.UpdatedAt},
	})
	if err != nil || c.Updated != 0 || c.Unchanged != 1 {
		t.Errorf("older version: %+v %v, want it left alone", c, err)
	}
	c, err = s.Apply(ctx, coverage.FeedParticipants, []store.Record{{Key: newer.KPJ, Deleted: true, UpdatedAt: older.UpdatedAt}})
	if err != nil || c.Deleted != 0 {
		t.Errorf("older tombstone: %+v %v, want it ignored", c, err)
	}
	p, err := s.Participant(ctx, newer.KPJ)
	if err != nil || p == nil || p.DeclaredIncome != newer.DeclaredIncome {
		t.Errorf("stored: %+v %v, want the newer version", p, err)
	}
	c, err = s.Apply(ctx, coverage.FeedParticipants, []store.Record{{Key: newer.KPJ, Deleted: true, UpdatedAt: newer.UpdatedAt.Add(time.Hour)}})
	if err != nil || c.Deleted != 1 {
		t.Errorf("newer tombstone: %+v %v, want a delete", c, err)
	}
}

// TestOldTickClaimsArePruned: a year of daily ticks leaves a week of tick
// claims, and a pruned tick still does not run again.
func TestOldTickClaimsArePruned(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	base := time.Date(2024, 1, 1, 19, 0, 0, 0, time.UTC) // 02:00 WIB
	const days = 30
	for d := range days {
		tick := base.AddDate(0, 0, d)
		l, err := s.AcquireLease(ctx, store.LeaseRequest{Job: "claims", Owner: "p", TTL: time.Minute, Tick: tick, Now: tick})
		if err != nil {
			t.Fatalf("day %d: %v", d, err)
		}
		if err := s.ReleaseLease(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	ticks, err := s.TickClaims(ctx, "claims")
	if err != nil {
		t.Fatal(err)
	}
	last := base.AddDate(0, 0, days-1)
	if want := int(store.TickClaimsKept/(24*time.Hour)) + 1; len(ticks) != want {
		t.Errorf("%d tick claims kept, want %d (a week and the last)", len(ticks), want)
	}
	for _, tk := range ticks {
		if tk.Before(last.Add(-store.TickClaimsKept)) {
			t.Errorf("claim of %v kept, older than a week before %v", tk, last)
		}
	}
	if _, err := s.AcquireLease(ctx, store.LeaseRequest{Job: "claims", Owner: "q", TTL: time.Minute, Tick: base, Now: last}); !errors.Is(err, store.ErrLeaseHeld) {
		t.Errorf("a pruned tick ran again: %v", err)
	}
}

// TestTakingALeaseAbandonsOrphanedRuns: a process killed after its lease
// write but before its own run was saved, or between marking and writing,
// can leave a run of the feed RUNNING that the lease document no longer
// names. Whoever takes the feed's lease next marks every such run FAILED as
// abandoned, and touches neither its own run nor other feeds' runs.
func TestTakingALeaseAbandonsOrphanedRuns(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2024, 8, 22, 2, 0, 0, 0, time.UTC)
	save := func(id string, feed coverage.Feed) {
		t.Helper()
		if err := s.SaveRun(ctx, coverage.SyncRun{ID: id, Feed: feed, Status: coverage.RunRunning, StartedAt: t0, Owner: "dead"}); err != nil {
			t.Fatal(err)
		}
	}
	// The lease names run-x, whose process died before saving it; run-a
	// was left RUNNING by the process before, whose lease it no longer is.
	x, err := s.AcquireLease(ctx, store.LeaseRequest{Job: string(coverage.FeedClaims), Owner: "x", RunID: "run-x", TTL: time.Minute, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	save("run-a", coverage.FeedClaims)
	save("run-other", coverage.FeedRoster)
	save("run-y", coverage.FeedClaims) // the taker's own run, saved early
	if _, err := s.AcquireLease(ctx, store.LeaseRequest{Job: string(coverage.FeedClaims), Owner: "y", RunID: "run-y", TTL: time.Minute, Now: x.ExpiresAt}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]coverage.RunStatus{"run-a": coverage.RunFailed, "run-other": coverage.RunRunning, "run-y": coverage.RunRunning} {
		r, err := s.SyncRun(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != want || (want == coverage.RunFailed && (!strings.Contains(r.Error, "abandoned") || !r.FinishedAt.Equal(x.ExpiresAt))) {
			t.Errorf("%s after y took the claims lease: %s %q at %v, want %s", id, r.Status, r.Error, r.FinishedAt, want)
		}
	}
}

// TestLatestSucceededRun: a feed's newest successful run is found however
// many runs failed since (the per-feed as-of of the reconciliation reads it),
// and only that feed's.
func TestLatestSucceededRun(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	if r, err := s.LatestSucceededRun(ctx, coverage.FeedContributions); err != nil || r != nil {
		t.Fatalf("never synced: %+v %v", r, err)
	}
	t0 := time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)
	save := func(id string, feed coverage.Feed, st coverage.RunStatus, at time.Time) {
		t.Helper()
		if err := s.SaveRun(ctx, coverage.SyncRun{ID: id, Feed: feed, Status: st, StartedAt: at, FinishedAt: at.Add(time.Minute), AsOf: at}); err != nil {
			t.Fatal(err)
		}
	}
	save("ok-old", coverage.FeedContributions, coverage.RunSucceeded, t0)
	save("ok", coverage.FeedContributions, coverage.RunSucceeded, t0.Add(time.Hour))
	for i := range 30 {
		save(fmt.Sprintf("failed-%02d", i), coverage.FeedContributions, coverage.RunFailed, t0.Add(time.Duration(2+i)*time.Hour))
	}
	save("roster-ok", coverage.FeedRoster, coverage.RunSucceeded, t0.Add(100*time.Hour))
	r, err := s.LatestSucceededRun(ctx, coverage.FeedContributions)
	if err != nil || r == nil || r.ID != "ok" || !r.AsOf.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after 30 failures: %+v %v, want run ok", r, err)
	}
}

// TestHeldLeases: the leases this process holds, for the lease-holder
// metric: acquired ones, until released or found lost; a takeover by
// another holder through the same store is that holder's.
func TestHeldLeases(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	if h := s.HeldLeases(); len(h) != 0 {
		t.Fatalf("held before any: %v", h)
	}
	a, err := s.AcquireLease(ctx, store.LeaseRequest{Job: "claims", Owner: "a", RunID: "run-a", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.AcquireLease(ctx, store.LeaseRequest{Job: "reconcile", Owner: "a", RunID: "rec-a", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if h := fmt.Sprint(s.HeldLeases()); h != "[claims reconcile]" {
		t.Errorf("held %s, want [claims reconcile]", h)
	}
	if err := s.ReleaseLease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if h := fmt.Sprint(s.HeldLeases()); h != "[claims]" {
		t.Errorf("held after a release %s, want [claims]", h)
	}
	// a stalls past its TTL; b takes the job over: a's renewal finds it lost.
	b, err := s.AcquireLease(ctx, store.LeaseRequest{Job: "claims", Owner: "b", RunID: "run-b", TTL: time.Minute, Now: time.Now().Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RenewLease(ctx, a, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("renewal of a lease taken over: %v", err)
	}
	if h := fmt.Sprint(s.HeldLeases()); h != "[claims]" {
		t.Errorf("held after a's loss %s, want b's [claims]", h)
	}
	if err := s.ReleaseLease(ctx, b); err != nil {
		t.Fatal(err)
	}
	if h := s.HeldLeases(); len(h) != 0 {
		t.Errorf("held after every release: %v", h)
	}
}
