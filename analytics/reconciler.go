package analytics

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
)

// One reconciliation at a time, across every process on the database: each
// pass (after a sync, reconcileNow, `jamsostek reconcile`, sync --once, demo,
// serve's pass at start) holds the store lease LeaseJob, renewed while it runs.

// LeaseJob is the store lease every reconciliation holds.
const LeaseJob = "reconcile"

// DefaultLeaseTTL is how long the lease outlives a process that died holding
// it; a live holder renews it every third of that.
const DefaultLeaseTTL = 2 * time.Minute

// DefaultRetry is how often a pass that must not be lost (after a sync) looks
// again at a lease another process holds.
const DefaultRetry = 5 * time.Second

// Leases is what a pass needs of the store's leases.
type Leases interface {
	AcquireLease(ctx context.Context, r store.LeaseRequest) (store.Lease, error)
	RenewLease(ctx context.Context, l store.Lease, ttl time.Duration) (store.Lease, error)
	ReleaseLease(ctx context.Context, l store.Lease) error
}

var processOwner = func() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}()

func (s *Service) owner() string {
	if s.Owner != "" {
		return s.Owner
	}
	return processOwner
}

func (s *Service) leaseTTL() time.Duration {
	if s.LeaseTTL > 0 {
		return s.LeaseTTL
	}
	return DefaultLeaseTTL
}

// ErrReconciling is matched (errors.Is) by the CONFLICT error of a pass
// refused because another is running.
var ErrReconciling = store.ErrLeaseHeld

// takeLease takes the reconciliation's lease for a run, or says who holds it:
// an ECONFLICT error naming the holder, its run and since when.
func (s *Service) takeLease(ctx context.Context, runID string) (store.Lease, error) {
	l, err := s.Store.AcquireLease(ctx, store.LeaseRequest{Job: LeaseJob, Owner: s.owner(), RunID: runID, TTL: s.leaseTTL()})
	if err == nil {
		return l, nil
	}
	if held := (*store.LeaseHeldError)(nil); errors.As(err, &held) {
		h := held.Holder
		return l, &coverage.Error{Code: coverage.ECONFLICT, Err: store.ErrLeaseHeld, Message: fmt.Sprintf(
			"a reconciliation is already running in %s (run %s, since %s): one runs at a time; try again when it has ended",
			h.Owner, h.RunID, h.AcquiredAt.UTC().Format(time.RFC3339))}
	}
	if errors.Is(err, store.ErrLeaseHeld) {
		return l, &coverage.Error{Code: coverage.ECONFLICT, Err: store.ErrLeaseHeld,
			Message: "a reconciliation has just been started by another process: one runs at a time; try again when it has ended"}
	}
	return l, fmt.Errorf("reconciliation lease: %w", err)
}

// abandonRuns marks FAILED the reconciliation runs still RUNNING when a pass
// takes the lease: one pass runs at a time, so their process died (or lost
// the database) before it could record their end.
func (s *Service) abandonRuns(ctx context.Context, l store.Lease) {
	runs, err := s.Store.ReconcileRuns(ctx, 100)
	if err != nil {
		s.logger().Warn("read reconciliation runs", "run", l.RunID, "error", err)
		return
	}
	for _, r := range runs {
		if r.Status != coverage.RunRunning || r.ID == l.RunID {
			continue
		}
		r.Status, r.FinishedAt = coverage.RunFailed, s.now()
		r.Error = "abandoned: its process stopped before the end (the reconciliation's lease was free again at " + l.AcquiredAt.UTC().Format(time.RFC3339) + ")"
		if err := s.Store.SaveReconcileRun(ctx, r); err != nil {
			s.logger().Warn("mark an abandoned reconciliation run", "run", l.RunID, "abandoned", r.ID, "error", err)
		}
	}
}

// hold renews the lease every third of its TTL until the returned stop is
// called. When the lease is lost (another process took it over after this one
// stalled past its TTL), the pass's context is cancelled with the cause.
func (s *Service) hold(ctx context.Context, l store.Lease, lost context.CancelCauseFunc) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ttl := s.leaseTTL()
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				nl, err := s.Store.RenewLease(ctx, l, ttl)
				switch {
				case errors.Is(err, store.ErrLeaseLost):
					lost(err)
					return
				case err != nil && ctx.Err() == nil:
					s.logger().Warn("reconciliation lease renewal failed", "run", l.RunID, "error", err)
				case err == nil:
					l = nl
				}
			}
		}
	}()
	return func() {
		cancel()
		<-done
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer rcancel()
		if err := s.Store.ReleaseLease(rctx, l); err != nil {
			s.logger().Warn("release reconciliation lease", "run", l.RunID, "error", err)
		}
	}
}

// ReconcileWhenFree runs a pass that must not be lost (after a sync, at
// start): while another process holds the lease it looks again every retry
// (DefaultRetry when 0). Once another process's pass that started after the
// data's last change (by more than SkewMargin) has succeeded, that pass has
// covered it: it returns no run and no error. Otherwise it runs its own as
// soon as the lease is free, since the holder may have read the data before
// it changed. It returns when its pass has ended, or ctx has.
func (s *Service) ReconcileWhenFree(ctx context.Context, trigger string, retry time.Duration) (coverage.ReconcileRun, error) {
	if retry <= 0 {
		retry = DefaultRetry
	}
	for refused := false; ; refused = true {
		if refused {
			stale, _, err := s.stale(ctx, SkewMargin)
			if err != nil {
				return coverage.ReconcileRun{}, err
			}
			if !stale {
				s.logger().Info("reconciliation not needed: another process's pass has read the data since it changed", "trigger", trigger)
				return coverage.ReconcileRun{}, nil
			}
		}
		run, err := s.Reconcile(ctx, trigger)
		if !errors.Is(err, ErrReconciling) { // a refused pass has no run
			return run, err
		}
		if !refused {
			s.logger().Info("reconciliation waits for the one running", "trigger", trigger, "reason", coverage.ErrorMessage(err))
		}
		select {
		case <-ctx.Done():
			return run, ctx.Err()
		case <-time.After(retry):
		}
	}
}

// SkewMargin is how much later than the data's change another process's
// pass must have started for a waiting pass to count it as covering the
// change (ReconcileWhenFree): the processes' clocks may differ by that much.
const SkewMargin = 30 * time.Second

// Stale reports whether the stored data is newer than the newest
// reconciliation that succeeded: a sync run or a roster import that changed
// records finished after that reconciliation started, or records were written
// and none ever succeeded. why says which.
func (s *Service) Stale(ctx context.Context) (stale bool, why string, err error) {
	return s.stale(ctx, 0)
}

// stale is Stale with a change counted as newer until margin after it.
func (s *Service) stale(ctx context.Context, margin time.Duration) (stale bool, why string, err error) {
	var since time.Time // start of the newest successful reconciliation
	runs, err := s.Store.ReconcileRuns(ctx, 100)
	if err != nil {
		return false, "", err
	}
	for _, r := range runs {
		if r.Status == coverage.RunSucceeded {
			since = r.StartedAt
			break
		}
	}
	changed := func(c coverage.SyncCounts) bool { return c.Inserted+c.Updated+c.Deleted > 0 }
	for _, f := range coverage.Feeds {
		runs, err := s.Store.SyncRuns(ctx, f, 20)
		if err != nil {
			return false, "", err
		}
		for _, r := range runs {
			if r.Status.Finished() && changed(r.Counts) && !r.FinishedAt.Add(margin).Before(since) {
				if since.IsZero() {
					return true, fmt.Sprintf("records synced (%s run %s) and never reconciled", f, r.ID), nil
				}
				return true, fmt.Sprintf("%s run %s finished at %s, after the last reconciliation (started %s)",
					f, r.ID, r.FinishedAt.UTC().Format(time.RFC3339), since.UTC().Format(time.RFC3339)), nil
			}
		}
	}
	imports, err := s.Store.RosterImports(ctx, 20)
	if err != nil {
		return false, "", err
	}
	for _, ri := range imports {
		if ri.Status == coverage.ImportCommitted && changed(ri.Counts) && !ri.FinishedAt.Add(margin).Before(since) {
			return true, fmt.Sprintf("roster import %s finished at %s, after the last reconciliation", ri.ID, ri.FinishedAt.UTC().Format(time.RFC3339)), nil
		}
	}
	return false, "", nil
}

// AfterSync reconciles after the syncs that changed data, in the process that
// ran them: once the process has no sync running (several feeds finishing
// close together make one pass), through the lease, and never losing a pass
// to another process's (it waits for that one to end, then runs its own).
type AfterSync struct {
	Service *Service
	// Busy reports whether a sync is running in this process (the worker's
	// Manager.Running); nil: never.
	Busy func() bool
	// Retry is how often it looks again at a busy worker or a held lease;
	// default DefaultRetry.
	Retry time.Duration

	once sync.Once
	wake chan string // the trigger of the pass due
}

func (a *AfterSync) init() { a.once.Do(func() { a.wake = make(chan string, 1) }) }

// Notify asks for a pass, recorded with the trigger; one already due covers
// it.
func (a *AfterSync) Notify(trigger string) {
	a.init()
	select {
	case a.wake <- trigger:
	default: // a pass is already due
	}
}

// AfterRun is the worker Manager's AfterRun hook: a run that inserted,
// updated or deleted records asks for a pass.
func (a *AfterSync) AfterRun(_ context.Context, run coverage.SyncRun) {
	c := run.Counts
	if c.Inserted+c.Updated+c.Deleted > 0 {
		a.Notify("sync")
	}
}

// CatchUp asks for a pass when the stored data is newer than the newest
// reconciliation (serve and worker at start).
func (a *AfterSync) CatchUp(ctx context.Context) {
	stale, why, err := a.Service.Stale(ctx)
	switch {
	case err != nil:
		a.Service.logger().Warn("could not tell whether the data is newer than the coverage figures", "error", err)
	case stale:
		a.Service.logger().Info("the stored data is newer than the coverage figures: reconciling", "why", why)
		a.Notify("start")
	}
}

// Run makes the passes asked for until ctx ends.
func (a *AfterSync) Run(ctx context.Context) {
	a.init()
	retry := a.Retry
	if retry <= 0 {
		retry = DefaultRetry
	}
	for {
		var trigger string
		select {
		case <-ctx.Done():
			return
		case trigger = <-a.wake:
		}
		for a.Busy != nil && a.Busy() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(retry):
			}
		}
		if _, err := a.Service.ReconcileWhenFree(ctx, trigger, retry); err != nil && ctx.Err() == nil {
			a.Service.logger().Error("reconciliation failed", "trigger", trigger, "error", err)
		}
	}
}
