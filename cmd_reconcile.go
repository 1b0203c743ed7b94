package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/auth"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store"
)

// rollupRefresh is how often an API process looks for a rollup version built
// by another process.
const rollupRefresh = 30 * time.Second

func newAnalytics(s *store.Store, logger *slog.Logger) *analytics.Service {
	return &analytics.Service{Store: s, Areas: coverage.Cilegon(), Logger: logger}
}

// startAnalytics loads the newest rollup and keeps it fresh until ctx ends.
// Without one, it says why the coverage figures are unavailable and what to
// run.
func startAnalytics(ctx context.Context, svc *analytics.Service, logger *slog.Logger, wg *sync.WaitGroup) {
	if err := svc.Refresh(ctx); err != nil {
		logger.Warn("no rollup loaded yet", "error", err)
	} else if snap := svc.Snapshot(); snap == nil || snap.Rollup == nil {
		logger.Warn("the coverage figures are unavailable until a reconciliation", "state", figuresState(ctx, svc.Store))
	}
	wg.Add(1)
	go func() { defer wg.Done(); svc.Watch(ctx, rollupRefresh) }()
}

// figuresState says, when no rollup exists, what state the database is in
// and what builds the coverage figures: nothing synced yet, synced but not
// reconciled, or the last reconciliation failed.
func figuresState(ctx context.Context, s analytics.Store) string {
	synced := false
	for _, f := range coverage.Feeds {
		runs, err := s.SyncRuns(ctx, f, 20)
		if err != nil {
			return "unknown: " + err.Error()
		}
		for _, r := range runs {
			if r.Status == coverage.RunSucceeded && r.Counts.Read > 0 {
				synced = true
			}
		}
	}
	if !synced {
		return "no data synced yet: run `jamsostek sync --once` then `jamsostek reconcile`, or wait for the scheduled sync, which reconciles after it"
	}
	if runs, err := s.ReconcileRuns(ctx, 1); err == nil && len(runs) > 0 && runs[0].Status == coverage.RunFailed {
		return fmt.Sprintf("data synced, but the last reconciliation (%s) failed: %s; run `jamsostek reconcile` once that is fixed", runs[0].ID, runs[0].Error)
	}
	return "data synced but not reconciled yet (sync --once and import-roster do not reconcile): run `jamsostek reconcile`, or wait for the next scheduled sync that brings changes"
}

// reconcileAfterSync is the step after the feeds of a scheduled run.
func reconcileAfterSync(ctx context.Context, svc *analytics.Service, trigger string, logger *slog.Logger) {
	if ctx.Err() != nil {
		return
	}
	if _, err := svc.Reconcile(ctx, trigger); err != nil {
		logger.Error("reconciliation failed", "trigger", trigger, "error", err)
	}
}

// authenticator returns the API's authenticator (package auth): the
// bootstrap admin key when set, the API keys of the store, and bearer JWTs of
// the identity provider when one is configured. Every request needs one of
// them. A JWKS URL is fetched in the background until ctx ends.
func authenticator(ctx context.Context, cfg config, keys auth.KeyStore, logger *slog.Logger) (graph.Authenticator, error) {
	a, err := auth.New(ctx, auth.Config{AdminKey: cfg.AdminKey, Keys: keys, KeyCacheTTL: cfg.KeyCacheTTL,
		JWT: cfg.JWT, Areas: coverage.Cilegon(), Logger: logger})
	if err != nil {
		return nil, err
	}
	var jwt []string // how JWTs are verified; no secret
	for mode, on := range map[string]bool{"jwks-url": cfg.JWT.JWKSURL != "", "jwks-file": cfg.JWT.JWKSFile != "", "hs256": cfg.JWT.HS256Secret != ""} {
		if on {
			jwt = append(jwt, mode)
		}
	}
	slices.Sort(jwt)
	if len(jwt) == 0 {
		jwt = []string{"off"}
	}
	logger.Info("authentication", "admin_key", cfg.AdminKey != "", "api_keys", true, "key_cache_ttl", cfg.KeyCacheTTL,
		"jwt", strings.Join(jwt, ","), "jwt_issuer", cfg.JWT.Issuer, "jwt_audience", cfg.JWT.Audience)
	return a.Authenticate, nil
}

// reconcileCommand runs one reconciliation over the stored data and prints it.
func reconcileCommand(ctx context.Context, cfg config, logger *slog.Logger, stdout io.Writer) error {
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeStore(s, logger)
	run, err := newAnalytics(s, logger).Reconcile(ctx, "cli")
	printReconcileRun(stdout, run)
	return err
}

func printReconcileRun(w io.Writer, run coverage.ReconcileRun) {
	f := run.Findings
	fmt.Fprintf(w, "reconcile %s: %s in %s; %d records of %d people (data as of %s)\n", run.ID, run.Status,
		run.FinishedAt.Sub(run.StartedAt).Round(time.Millisecond), run.Read, run.People, run.AsOf.Format(time.RFC3339))
	fmt.Fprintf(w, "  findings %d: %d new, %d reopened, %d updated, %d unchanged, %d resolved\n",
		f.Found, f.Opened, f.Reopened, f.Updated, f.Unchanged, f.Resolved)
	state := "unchanged"
	if run.NewVersion {
		state = "new"
	}
	fmt.Fprintf(w, "  rollup version %d (%s), %d cells\n", run.RollupVersion, state, run.Cells)
	if run.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", run.Error)
	}
}
