package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/worker"
)

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
	var rerr error
	switch {
	case cfg.NoReconcile:
		if changed {
			fmt.Fprintln(stderr, "Not reconciled (--no-reconcile): the coverage figures are older than the data until `jamsostek reconcile` runs (serve and worker also reconcile at start).")
		}
	case ctx.Err() == nil:
		rerr = reconcileAfterSyncOnce(ctx, newAnalytics(s, cfg, logger), stderr)
	}
	if len(failed) > 0 {
		return errors.Join(syncFailure(failed), rerr)
	}
	return rerr
}

// reconcileAfterSyncOnce reconciles at the end of sync --once when the stored
// data is newer than the newest reconciliation (this sync, or an earlier one,
// changed records; or there are records and no figures yet). Another
// process's pass may have read the data before this sync: it waits for it to
// end and runs its own.
func reconcileAfterSyncOnce(ctx context.Context, svc *analytics.Service, stderr io.Writer) error {
	stale, why, err := svc.Stale(ctx)
	if err != nil {
		return fmt.Errorf("reconcile after sync: %w", err)
	}
	if !stale {
		fmt.Fprintln(stderr, "Nothing to reconcile: the coverage figures are up to date with the data.")
		return nil
	}
	fmt.Fprintf(stderr, "Reconciling (%s)...\n", why)
	run, err := svc.ReconcileWhenFree(ctx, "sync", 0)
	switch {
	case run.ID != "":
		printReconcileRun(stderr, run)
	case err == nil:
		fmt.Fprintln(stderr, "Reconciled meanwhile by another process, after this sync's changes.")
	}
	if err != nil {
		return fmt.Errorf("reconcile after sync: %w", err)
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

func (e *joinedError) Error() string { return e.msg }

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

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
