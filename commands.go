package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cilegon/jamsostek/auth"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/worker"
)

// shutdownTimeout bounds a graceful shutdown: in-flight requests, the running
// sync page and the database close.
const shutdownTimeout = 15 * time.Second

func openStore(ctx context.Context, cfg config, logger *slog.Logger) (*store.Store, error) {
	s, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, Database: cfg.Database, DataDir: cfg.DataDir, Logger: logger})
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
	s, err := openStore(ctx, cfg, logger)
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

	svc := newAnalytics(s, logger)
	jobs, err := feedJobs(cfg, s, logger)
	if err != nil {
		return err
	}
	var manager *worker.Manager
	if len(jobs) > 0 {
		manager = &worker.Manager{Jobs: jobs, Store: s, Logger: logger, StopGrace: cfg.StopGrace}
		rec := newReconciler(svc, s, manager, logger)
		manager.AfterRun = rec.afterRun
		rec.loop(ctx, &wg)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := manager.Run(ctx); err != nil {
				logger.Error("sync worker stopped", "error", err)
				cancel()
			}
		}()
	} else {
		logger.Warn("no JAMSOSTEK_FEED_BASE_URL or JAMSOSTEK_FEEDS_CONFIG: the sync worker is off")
	}
	if !api {
		<-ctx.Done()
		return nil
	}
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
		Ready:                s.Ping,
		Analytics:            svc,
		ReconcileLog:         s,
		Authenticate:         authenticate,
		Sync:                 syncControl(manager),
		RosterImporter:       importer,
		AuditLog:             s,
		CursorKey:            cursorKey,
		RateLimit:            cfg.RateLimit,
		TrustedProxies:       cfg.TrustedProxies,
		RequestTimeout:       cfg.RequestTimeout,
		CORSOrigins:          cfg.CORSOrigins,
		StoreCallsPerRequest: cfg.StoreCalls,
		MaxResponseBytes:     int64(cfg.MaxResponseMiB) << 20,
	})
	// The server's write timeout leaves the request timeout room to answer
	// TIMEOUT itself.
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
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

// syncOnce pulls the feeds once and reports each run on stderr.
func syncOnce(ctx context.Context, cfg config, logger *slog.Logger, stderr io.Writer) error {
	if !cfg.Once {
		return asUsage(errors.New("sync: only --once is supported here; run serve or worker for scheduled syncs"))
	}
	if cfg.FeedBaseURL == "" && cfg.FeedsConfig == "" {
		return asUsage(errors.New("sync: no feed server: set JAMSOSTEK_FEED_BASE_URL (--feed-base-url) or JAMSOSTEK_FEEDS_CONFIG (--feeds-config)"))
	}
	feeds, err := cfg.selectedFeeds()
	if err != nil {
		return asUsage(err)
	}
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeStore(s, logger)
	jobs, err := feedJobs(cfg, s, logger)
	if err != nil {
		return err
	}
	confs, err := feedConfigs(cfg)
	if err != nil {
		return err
	}
	// A server that refused a token refuses it for every feed: those feeds
	// are not asked again.
	server := map[coverage.Feed]string{}
	for _, c := range confs {
		server[c.Feed] = c.BaseURL + "\x00" + c.Token
	}
	refused := map[string]feedError{}
	progress := progressPrinter(stderr)
	var rows []string // the table, in the feeds' order
	var failed []feedError
	changed := false
	for _, f := range feeds {
		j := jobFor(jobs, f)
		if j.Disabled {
			rows = append(rows, fmt.Sprintf("%-14s skipped: disabled in the feeds configuration", f))
			continue
		}
		if by, ok := refused[server[f]]; ok {
			rows = append(rows, fmt.Sprintf("%-14s skipped: the server refused the same token for %s", f, by.feed))
			failed = append(failed, feedError{f, by.err}) // its reason, once in the summary
			continue
		}
		j.Syncer.Progress = progress
		run, err := j.Syncer.SyncFeed(ctx, f, "cli")
		if progress != nil {
			fmt.Fprintln(stderr) // end the progress line
		}
		rows = append(rows, fmt.Sprintf("%-14s %-9s pages=%d read=%d inserted=%d updated=%d unchanged=%d deleted=%d quarantined=%d",
			run.Feed, run.Status, run.Counts.Pages, run.Counts.Read, run.Counts.Inserted, run.Counts.Updated,
			run.Counts.Unchanged, run.Counts.Deleted, run.Counts.Quarantined))
		if err != nil {
			failed = append(failed, feedError{f, err})
			if errors.Is(err, worker.ErrTokenRefused) {
				refused[server[f]] = feedError{f, err}
			}
		}
		c := run.Counts
		changed = changed || c.Inserted+c.Updated+c.Deleted > 0
		if ctx.Err() != nil {
			break
		}
	}
	// The table counts; the errors (one failure is often every feed's: a
	// wrong token, a server down) are said once below, not on every row.
	for _, row := range rows {
		fmt.Fprintln(stderr, row)
	}
	if changed {
		fmt.Fprintln(stderr, "The coverage figures are not rebuilt by sync --once: run `jamsostek reconcile` (serve and worker reconcile after each scheduled sync).")
	}
	if len(failed) > 0 {
		return syncFailure(failed)
	}
	return nil
}

// feedError is the failure of one feed's run.
type feedError struct {
	feed coverage.Feed
	err  error
}

// reason is the error without the feed's name in front: the same for every
// feed a wrong token or a server down stopped.
func reason(err error) string {
	msg := err.Error()
	for _, f := range coverage.Feeds {
		for _, prefix := range []string{"sync " + string(f) + ": ", "fetch " + string(f) + ": "} {
			msg = strings.TrimPrefix(msg, prefix)
		}
	}
	return msg
}

// syncFailure says once each distinct reason feeds failed, with the feeds
// it stopped: "sync failed: roster, claims: server answered 503".
func syncFailure(failed []feedError) error {
	var reasons []string
	feeds := map[string][]string{}
	errs := make([]error, 0, len(failed))
	for _, f := range failed {
		msg := reason(f.err)
		if _, seen := feeds[msg]; !seen {
			reasons = append(reasons, msg)
		}
		feeds[msg] = append(feeds[msg], string(f.feed))
		errs = append(errs, f.err)
	}
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = strings.Join(feeds[r], ", ") + ": " + r
	}
	return &joinedError{msg: "sync failed: " + strings.Join(parts, "; "), errs: errs}
}

// joinedError has its own message and unwraps to the errors it sums up.
type joinedError struct {
	msg  string
	errs []error
}

func (e *joinedError) Error() string   { return e.msg }
func (e *joinedError) Unwrap() []error { return e.errs }

// progressPrinter shows a run's progress on a terminal, rewriting one line per
// page; elsewhere (a log file, CI) it prints nothing and the summary says it all.
func progressPrinter(w io.Writer) func(coverage.SyncRun) {
	if f, ok := w.(*os.File); !ok || !isTerminal(f) {
		return nil
	}
	return func(r coverage.SyncRun) {
		rate := r.Rate(time.Now())
		left := ""
		if d, ok := r.Remaining(time.Now()); ok {
			left = fmt.Sprintf(" of %d, %s left", r.Total, d.Round(time.Second))
		}
		fmt.Fprintf(w, "\r%-14s page %d, %d records%s (%.0f/s)   ", r.Feed, r.Counts.Pages, r.Counts.Read, left, rate)
	}
}

// runFeedsim serves simulated feeds until ctx ends.
func runFeedsim(ctx context.Context, cfg config, logger *slog.Logger, stdout io.Writer) error {
	start := time.Now()
	ds, err := feedsim.Generate(feedsim.Config{Seed: cfg.Seed, Scale: cfg.Scale})
	if err != nil {
		return err
	}
	logger.Info("simulated data ready", "seed", cfg.Seed, "scale", cfg.Scale, "participants", len(ds.Participants),
		"contributions", len(ds.Contributions), "claims", len(ds.Claims), "roster", len(ds.Roster), "took", time.Since(start).Round(time.Millisecond))
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	fmt.Fprintf(stdout, "feed simulator on http://%s/ (token %q)\n", displayHost(ln.Addr().String()), cfg.FeedToken)
	sim := feedsim.NewServer(ds, cfg.FeedToken)
	sim.Faults = cfg.Faults
	if sim.Faults.Active() {
		logger.Warn("injecting faults", "faults", fmt.Sprintf("%+v", sim.Faults))
	}
	return serveHTTP(ctx, ln, sim)
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

// demo starts the simulator on a free loopback port, syncs it into a fresh demo
// database, and serves the API over it.
func demo(ctx context.Context, cfg config, logger *slog.Logger, stdout, stderr io.Writer) error {
	// The API's address first: a bad or busy one fails before the sync.
	apiLn, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	defer apiLn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ds, err := feedsim.Generate(feedsim.Config{Seed: cfg.Seed, Scale: cfg.Scale})
	if err != nil {
		return err
	}
	token := randomToken()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	simErr := make(chan error, 1)
	go func() { simErr <- serveHTTP(ctx, ln, feedsim.NewServer(ds, token)) }()
	defer func() { cancel(); <-simErr }()

	if cfg.MongoURI == "" {
		fmt.Fprintf(stdout, "demo: data in %s (database %s, emptied at every start; --data-dir or JAMSOSTEK_DATA_DIR to choose)\n", cfg.DataDir, cfg.Database)
	}
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeStore(s, logger)
	if err := s.DropDatabase(ctx); err != nil {
		return fmt.Errorf("reset demo database %s: %w", cfg.Database, err)
	}
	// A viewer key for the dashboard, new with the database.
	viewerKey, _, err := auth.CreateKey(ctx, s, auth.KeyRequest{Name: "demo dashboard", Role: coverage.RoleViewer, CreatedBy: "demo"})
	if err != nil {
		return fmt.Errorf("demo viewer key: %w", err)
	}
	cfg.FeedBaseURL, cfg.FeedToken, cfg.Schedule = "http://"+ln.Addr().String(), token, "@every 1h"
	jobs, err := feedJobs(cfg, s, logger)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo: simulated Kota Cilegon at scale %g (%d participants), first sync...\n", cfg.Scale, len(ds.Participants))
	start := time.Now()
	// The first sync runs for the schedule's latest tick, as a catch-up would,
	// so the worker does not pull everything again when it starts.
	sched, err := worker.ParseSchedule(cfg.Schedule)
	if err != nil {
		return err
	}
	tick := worker.LatestTick(sched, time.Now())
	progress := progressPrinter(stderr)
	for _, j := range jobs {
		j.Syncer.Progress = progress
		if _, err := j.Syncer.Run(ctx, worker.RunRequest{Feed: j.Feed, Trigger: "demo", Tick: tick}); err != nil {
			return fmt.Errorf("demo sync: %w", err)
		}
	}
	if progress != nil {
		fmt.Fprintln(stderr)
	}
	fmt.Fprintf(stdout, "demo: synced in %s\n", time.Since(start).Round(time.Millisecond))
	run, err := newAnalytics(s, logger).Reconcile(ctx, "demo")
	if err != nil {
		return fmt.Errorf("demo reconciliation: %w", err)
	}
	printReconcileRun(stdout, run)
	// A key made up here is printed; one given (JAMSOSTEK_ADMIN_KEY,
	// --admin-key) is a secret of the operator's and is not.
	madeUp := cfg.AdminKey == ""
	if madeUp {
		cfg.AdminKey = randomToken()
	}
	return serveWith(ctx, cfg, s, logger, stdout, apiLn, func(addr string) {
		fmt.Fprintf(stdout, "demo: open http://%s/ (GraphiQL); the endpoint is http://%s/query\n", displayHost(addr), displayHost(addr))
		if madeUp {
			fmt.Fprintf(stdout, "demo: every request needs a key; the admin (all records, mutations) sends  Authorization: Bearer %s\n", cfg.AdminKey)
		} else {
			fmt.Fprintf(stdout, "demo: every request needs a key; the admin (all records, mutations) sends  Authorization: Bearer <the key of JAMSOSTEK_ADMIN_KEY or --admin-key>\n")
		}
		fmt.Fprintf(stdout, "demo: the dashboard (viewer role) signs in with  Authorization: Bearer %s\n", viewerKey)
	})
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
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
