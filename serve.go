package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/auth"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/observe"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/worker"
)

// shutdownTimeout bounds a graceful shutdown: in-flight requests, the running
// sync page and the database close.
const shutdownTimeout = 15 * time.Second

func openStore(ctx context.Context, cfg config, logger *slog.Logger) (*store.Store, error) {
	return openStoreWith(ctx, cfg, logger, false)
}

// openStoreWith opens the store; a long-running process (serve, worker)
// loads the embedded engine's record index in the background
// (store.Config.IndexInBackground): its coverage figures answer at once, its
// record lists once the index is in.
func openStoreWith(ctx context.Context, cfg config, logger *slog.Logger, background bool) (*store.Store, error) {
	var monitor *event.CommandMonitor
	if background && observe.TracingConfigured() { // serve, worker: spans of the driver's commands
		monitor = observe.MongoMonitor()
	}
	s, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, Database: cfg.Database, DataDir: cfg.DataDir, Logger: logger,
		IndexInBackground: background, Monitor: monitor})
	if err != nil {
		return nil, err
	}
	engine := "MongoDB"
	if s.Embedded() {
		engine = "embedded FerretDB in " + cfg.DataDir
	}
	logger.Info("database ready", "engine", engine, "database", cfg.Database)
	return s, nil
}

func closeStore(s *store.Store, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		logger.Error("close database", "error", err)
	}
}

// serve runs the API (when api is set) and the scheduler until ctx ends. The
// API's address is taken first: a bad or busy address fails before the
// database opens or any sync starts.
func serve(ctx context.Context, cfg config, logger *slog.Logger, stdout io.Writer, api bool) error {
	var ln net.Listener
	if api {
		var err error
		if ln, err = listen(cfg.Addr); err != nil {
			return err
		}
		defer ln.Close()
	}
	s, err := openStoreWith(ctx, cfg, logger, true)
	if err != nil {
		return err
	}
	defer closeStore(s, logger)
	return serveWith(ctx, cfg, s, logger, stdout, ln, nil)
}

// listen takes the API's address, with an error that says what to change.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case err == nil:
		return ln, nil
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("listen on %s: the address is already in use (another jamsostek or another server?): stop that process or choose another address with JAMSOSTEK_ADDR or --addr", addr)
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("listen on %s: permission denied (ports below 1024 need privileges): choose another address with JAMSOSTEK_ADDR or --addr, e.g. :8080", addr)
	}
	return nil, fmt.Errorf("listen on %s: %w (JAMSOSTEK_ADDR or --addr: host:port, e.g. :8080 or 127.0.0.1:8080)", addr, err)
}

// serveWith runs the API on ln (none: the worker alone) and the scheduler
// on an open store. ready, when set, receives the listening address.
func serveWith(ctx context.Context, cfg config, s *store.Store, logger *slog.Logger, stdout io.Writer, ln net.Listener, ready func(addr string)) error {
	api := ln != nil
	if api {
		defer ln.Close() // when an error comes before Serve; closing twice does no harm
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	// Deferred after wg.Wait, so it runs first: whatever the return, the
	// goroutines started here end before serveWith does.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	obs, err := newObservability(ctx, cfg, s, logger)
	if err != nil {
		return err
	}
	defer obs.close(logger)
	svc := newAnalytics(s, cfg, logger)
	svc.Finished, svc.Tracer = obs.metrics.ReconcileRun, obs.tracer
	// The operators' listener: the probes of a worker (which has no other
	// listener) and of an API, the metrics, the profiler when asked for.
	ops := opsEndpoints{metrics: obs.metrics.Handler(), ready: databaseReadiness(s), pprof: cfg.Pprof}
	if api {
		ops.ready = readiness(s, svc) // as the API's /readyz
	}
	if err := startOps(ctx, cfg.OpsAddr, ops, logger, &wg); err != nil {
		return err
	}

	var jobs []worker.Job
	if cfg.NoWorker {
		if cfg.FeedBaseURL != "" || cfg.FeedsConfig != "" {
			logger.Info("the sync worker is off (--worker=false, JAMSOSTEK_WORKER=false): the feeds configured are pulled by the worker processes, not this one")
		}
	} else if jobs, err = feedJobs(cfg, s, logger); err != nil {
		return err
	}
	for _, j := range jobs {
		if j.Syncer != nil {
			j.Syncer.Tracer = obs.tracer
		}
	}
	// The reconciliations of this process: after each sync that changed
	// data, and one now when the stored data is newer than the figures (a
	// sync or an import since the last one, or data and no figures).
	rec := &analytics.AfterSync{Service: svc}
	var manager *worker.Manager
	if len(jobs) > 0 {
		manager = &worker.Manager{Jobs: jobs, Store: s, Logger: logger, StopGrace: cfg.StopGrace}
		rec.Busy = func() bool { return len(manager.Running()) > 0 }
		manager.AfterRun = func(ctx context.Context, run coverage.SyncRun) {
			obs.metrics.SyncRun(ctx, run)
			rec.AfterRun(ctx, run)
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		rec.CatchUp(ctx)
		rec.Run(ctx)
	}()
	if manager != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := manager.Run(ctx); err != nil {
				logger.Error("sync worker stopped", "error", err)
				cancel()
			}
		}()
	} else if !cfg.NoWorker {
		logger.Warn("no JAMSOSTEK_FEED_BASE_URL or JAMSOSTEK_FEEDS_CONFIG: the sync worker is off")
	}
	if !api {
		<-ctx.Done()
		return nil
	}
	obs.watchRollup(svc) // the rollup an API serves (a worker loads none until it reconciles)
	startAnalytics(ctx, svc, logger, &wg)
	if err := startAuditRetention(ctx, s, cfg.AuditRetention, logger, &wg); err != nil {
		return err
	}

	// The key that seals the API's cursors: random, kept in the database so
	// that every replica (and a restart) seals and opens them alike.
	cursorKey, err := s.Secret(ctx, "graphql-cursor-key", graph.CursorKeySize)
	if err != nil {
		return err
	}
	authenticate, err := authenticator(ctx, cfg, s, logger)
	if err != nil {
		return err
	}
	importer := newRosterImporter(s, logger)
	wg.Add(1)
	go func() { // finish the roster imports a stopped process or a failure left, now and while any is pending (worker.RosterImporter.Run)
		defer wg.Done()
		importer.Run(ctx)
	}()
	handler := graph.NewHandler(graph.Config{
		Records:              s,
		SyncLog:              s,
		Areas:                coverage.Cilegon(),
		Introspection:        cfg.Introspection,
		Logger:               logger,
		Ready:                readiness(s, svc),
		Analytics:            svc,
		ReconcileLog:         s,
		Authenticate:         authenticate,
		Sync:                 syncControl(manager, s, cfg.NoWorker),
		RosterImporter:       importer,
		Scenarios:            s,
		AuditLog:             s,
		CursorKey:            cursorKey,
		RateLimit:            cfg.RateLimit,
		TrustedProxies:       cfg.TrustedProxies,
		RequestTimeout:       cfg.RequestTimeout,
		CORSOrigins:          cfg.CORSOrigins,
		StoreCallsPerRequest: cfg.StoreCalls,
		MaxResponseBytes:     int64(cfg.MaxResponseMiB) << 20,
		Metrics:              graphMetrics{obs.metrics},
		MetricsHandler:       obs.metrics.Handler(),
	})
	// The server's write timeout leaves the request timeout room to answer
	// TIMEOUT itself.
	// Outside everything: the request id, the request's span and its
	// duration (package observe).
	srv := &http.Server{Handler: observe.Middleware(obs.metrics, obs.tracer, handler), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: max(2*time.Minute, cfg.RequestTimeout+10*time.Second)}
	addr := ln.Addr().String()
	logger.Info("GraphQL API listening", "addr", addr, "graphiql", "http://"+displayHost(addr)+"/", "endpoint", "/query")
	if ready != nil {
		ready(addr)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// databaseReadiness is a worker's /readyz on the operators' listener: the
// database answers. (A worker serves no figures, so the rollup is not its
// business.)
func databaseReadiness(s *store.Store) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := s.Ping(ctx); err != nil {
			return fmt.Errorf("database: %w", err)
		}
		return nil
	}
}

// displayHost turns a listen address into one a browser can open.
func displayHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return srv.Shutdown(sctx)
}

// auditPruneEvery is how often the audit log's expired entries are removed.
const auditPruneEvery = 24 * time.Hour

// startAuditRetention keeps the audit log to its retention period: on
// MongoDB a TTL index (store.SetAuditRetention); and, on every engine, a
// prune of the expired entries at start and daily, for the embedded engine
// (and FerretDB servers) whose TTL does not run.
func startAuditRetention(ctx context.Context, s *store.Store, retention time.Duration, logger *slog.Logger, wg *sync.WaitGroup) error {
	if err := s.SetAuditRetention(ctx, retention); err != nil {
		return fmt.Errorf("audit log retention: %w", err)
	}
	prune := func() {
		before := time.Now().Add(-retention)
		n, err := s.PruneAudit(ctx, before)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("audit log: prune failed", "error", err, "before", before.UTC().Format(time.RFC3339))
		case n > 0:
			logger.Info("audit log: expired entries removed", "removed", n, "before", before.UTC().Format(time.RFC3339))
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		prune()
		t := time.NewTicker(auditPruneEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				prune()
			}
		}
	}()
	return nil
}

// rollupRefresh is how often an API process looks for a rollup version built
// by another process.
const rollupRefresh = 30 * time.Second

// newAnalytics is the reconciliation and the figures over the store, with
// the configured rules; its passes hold the store lease "reconcile" under
// this process's name.
func newAnalytics(s *store.Store, cfg config, logger *slog.Logger) *analytics.Service {
	return &analytics.Service{Store: s, Areas: coverage.Cilegon(), Logger: logger, Rules: cfg.Rules,
		Owner: worker.ProcessOwner(), LeaseTTL: cfg.LeaseTTL}
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
		return "no data synced yet: run `jamsostek sync --once` (it reconciles at its end), or wait for the scheduled sync, which reconciles after it"
	}
	if runs, err := s.ReconcileRuns(ctx, 1); err == nil && len(runs) > 0 && runs[0].Status == coverage.RunFailed {
		return fmt.Sprintf("data synced, but the last reconciliation (%s) failed: %s; run `jamsostek reconcile` once that is fixed", runs[0].ID, runs[0].Error)
	}
	return "data synced but not reconciled yet (sync --once --no-reconcile and import-roster do not reconcile): serve and worker reconcile at start when the data is newer than the figures; else run `jamsostek reconcile`"
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
