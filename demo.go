package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/cilegon/jamsostek/auth"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/worker"
)

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
	ds, err := feedsim.Generate(feedsim.Config{Seed: cfg.Seed, Scale: cfg.Scale, AsOf: cfg.AsOf})
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
	run, err := newAnalytics(s, cfg, logger).Reconcile(ctx, "demo")
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
		// The key rides in the fragment, which the browser never sends: the
		// page reads it, keeps it for the tab and takes it out of the address.
		fmt.Fprintf(stdout, "demo: the mayor's office dashboard (viewer): http://%s/dashboard#key=%s\n", displayHost(addr), viewerKey)
	})
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
