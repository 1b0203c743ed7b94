package main

import (
	"context"
	"log/slog"

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

// jobFor returns the job of a feed.
func jobFor(jobs []worker.Job, f coverage.Feed) worker.Job {
	for _, j := range jobs {
		if j.Feed == f {
			return j
		}
	}
	return worker.Job{Feed: f, Disabled: true}
}

// syncControl gives the API the manager's triggerSync and cancelSync. A
// process without a worker (serve --worker=false, or no feeds configured)
// answers triggerSync UNAVAILABLE, saying why and where syncs run, and
// cancels a run through the database: the worker process running it sees
// the request at its next lease renewal and stops it (store.RequestCancel).
func syncControl(m *worker.Manager, s *store.Store, workerOff bool) graph.SyncControl {
	if m != nil {
		return m
	}
	why := "this process runs no sync worker (no JAMSOSTEK_FEED_BASE_URL or JAMSOSTEK_FEEDS_CONFIG): configure the feeds, or run `jamsostek sync --once` where they are"
	if workerOff {
		why = "this API runs no sync worker (JAMSOSTEK_WORKER=false, --worker=false): the `jamsostek worker` processes run each feed on its schedule; to sync now, run `jamsostek sync --once --feed FEED` where the feeds are configured (a worker's container)"
	}
	return noWorker{store: s, why: why}
}

// noWorker is the sync control of a process that runs no sync worker.
type noWorker struct {
	store *store.Store
	why   string
}

func (n noWorker) Trigger(context.Context, coverage.Feed, string) (coverage.SyncRun, error) {
	return coverage.SyncRun{}, coverage.Errorf(coverage.EUNAVAILABLE, "%s", n.why)
}

func (n noWorker) Cancel(ctx context.Context, runID string) (*coverage.SyncRun, error) {
	return n.store.RequestCancel(ctx, runID)
}
