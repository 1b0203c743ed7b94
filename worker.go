package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/worker"
)

// feedJobs builds one job per feed from the feeds configuration file (when
// given) over the defaults of the environment and flags. It returns no jobs
// when neither a file nor a base URL is configured: the worker is off.
func feedJobs(cfg config, s *store.Store, logger *slog.Logger) ([]worker.Job, error) {
	confs, err := feedConfigs(cfg)
	if err != nil {
		return nil, err
	}
	jobs := make([]worker.Job, 0, len(confs))
	for _, c := range confs {
		j := worker.Job{Feed: c.Feed, Schedule: c.Schedule, Disabled: !c.Enabled}
		if c.Enabled {
			client, err := worker.NewClient(worker.ClientConfig{BaseURL: c.BaseURL, Token: c.Token, RequestTimeout: c.Timeout})
			if err != nil {
				return nil, err
			}
			j.Syncer = &worker.Syncer{Store: s, Client: client, Areas: coverage.Cilegon(), PageSize: c.PageSize,
				Full: cfg.Full, Logger: logger, LeaseTTL: cfg.LeaseTTL}
		}
		shown := c
		shown.BaseURL = maskURI(c.BaseURL) // a password in the URL is a secret
		logger.Debug("feed configured", "feed", shown.String())
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// feedConfigs reads the feeds configuration file (when given) over the
// defaults of the environment and flags; none when neither a file nor a base
// URL is configured.
func feedConfigs(cfg config) ([]worker.FeedConfig, error) {
	if cfg.FeedsConfig == "" && cfg.FeedBaseURL == "" {
		return nil, nil
	}
	schedule := cfg.Schedule
	if schedule == "" { // sync --once has no schedule of its own
		schedule = defaultSchedule
	}
	return worker.LoadFeeds(cfg.FeedsConfig, worker.FeedConfig{
		BaseURL: cfg.FeedBaseURL, Token: cfg.FeedToken, Schedule: schedule, PageSize: cfg.PageSize,
	}, nil)
}

// reconcileLeaseTTL bounds how long a dead process can hold the
// reconciliation's lease; a whole city takes about 15 s.
const reconcileLeaseTTL = 10 * time.Minute

// reconciler runs the reconciliation after syncs that changed data: once the
// process has no sync running (several feeds finishing close together make
// one pass), and in one replica at a time (a lease).
type reconciler struct {
	svc     *analytics.Service
	store   *store.Store
	manager *worker.Manager
	logger  *slog.Logger
	wake    chan struct{}
}

func newReconciler(svc *analytics.Service, s *store.Store, m *worker.Manager, logger *slog.Logger) *reconciler {
	return &reconciler{svc: svc, store: s, manager: m, logger: logger, wake: make(chan struct{}, 1)}
}

// afterRun is the manager's AfterRun hook.
func (r *reconciler) afterRun(_ context.Context, run coverage.SyncRun) {
	c := run.Counts
	if c.Inserted+c.Updated+c.Deleted == 0 {
		return
	}
	select {
	case r.wake <- struct{}{}:
	default: // a pass is already due
	}
}

// loop reconciles on demand until ctx ends.
func (r *reconciler) loop(ctx context.Context, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
			}
			for len(r.manager.Running()) > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(2 * time.Second):
				}
			}
			r.run(ctx, "sync")
		}
	}()
}

func (r *reconciler) run(ctx context.Context, trigger string) {
	lease, err := r.store.AcquireLease(ctx, store.LeaseRequest{Job: "reconcile", Owner: worker.ProcessOwner(), TTL: reconcileLeaseTTL})
	if errors.Is(err, store.ErrLeaseHeld) {
		r.logger.Info("reconciliation skipped: another process is reconciling", "reason", err)
		return
	}
	if err != nil {
		r.logger.Error("reconciliation lease", "error", err)
		return
	}
	defer func() {
		if err := r.store.ReleaseLease(context.WithoutCancel(ctx), lease); err != nil {
			r.logger.Warn("release reconciliation lease", "error", err)
		}
	}()
	reconcileAfterSync(ctx, r.svc, trigger, r.logger)
}

// jobFor returns the job of a feed.
func jobFor(jobs []worker.Job, f coverage.Feed) worker.Job {
	for _, j := range jobs {
		if j.Feed == f {
			return j
		}
	}
	return worker.Job{Feed: f, Disabled: true}
}

// syncControl gives the API the manager's triggerSync and cancelSync, or
// nothing when this process runs no worker.
func syncControl(m *worker.Manager) graph.SyncControl {
	if m == nil {
		return nil
	}
	return m
}
