package main

import (
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

// syncControl gives the API the manager's triggerSync and cancelSync, or
// nothing when this process runs no worker.
func syncControl(m *worker.Manager) graph.SyncControl {
	if m == nil {
		return nil
	}
	return m
}
