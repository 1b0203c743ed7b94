package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// reconcileCommand runs one reconciliation over the stored data and prints it.
func reconcileCommand(ctx context.Context, cfg config, logger *slog.Logger, stdout io.Writer) error {
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeStore(s, logger)
	run, err := newAnalytics(s, cfg, logger).Reconcile(ctx, "cli")
	if run.ID != "" { // none when another reconciliation holds the lease
		printReconcileRun(stdout, run)
	}
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
