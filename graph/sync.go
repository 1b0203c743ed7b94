package graph

import (
	"context"
	"io"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph/internal/model"
)

// SyncControl starts and stops sync runs (worker.Manager).
type SyncControl interface {
	Trigger(ctx context.Context, feed coverage.Feed, trigger string) (coverage.SyncRun, error)
	Cancel(ctx context.Context, runID string) (*coverage.SyncRun, error)
}

// RosterImporter writes a roster spreadsheet (CSV or XLSX) to the store.
type RosterImporter interface {
	ImportRoster(ctx context.Context, fileName string, r io.Reader) (coverage.RosterImport, error)
}

// RosterImportLog reads roster imports' reports (worker.RosterImporter):
// rosterImport and rosterImports answer UNAVAILABLE when the importer has
// none.
type RosterImportLog interface {
	Report(ctx context.Context, id string) (coverage.RosterImport, error)
	Reports(ctx context.Context, n int) ([]coverage.RosterImport, error)
}

// maxRosterImports bounds rosterImports(first).
const maxRosterImports = 100

func (r *resolver) rosterImportLog() (RosterImportLog, error) {
	l, ok := r.rosterImporter.(RosterImportLog)
	if !ok {
		return nil, coverage.Errorf(coverage.EUNAVAILABLE, "roster imports are not available in this process")
	}
	return l, nil
}

// progressPoll is how often a syncRunProgress subscription reads the run.
const progressPoll = 500 * time.Millisecond

func (r *resolver) syncReady() error {
	if r.sync == nil {
		return coverage.Errorf(coverage.EUNAVAILABLE, "this process runs no sync worker (no JAMSOSTEK_FEED_BASE_URL or JAMSOSTEK_FEEDS_CONFIG)")
	}
	return nil
}

// syncProgress presents a run's progress at now.
func syncProgress(run *coverage.SyncRun, now time.Time) *model.SyncProgress {
	p := &model.SyncProgress{
		Pages:         int(run.Counts.Pages),
		Records:       int(run.Counts.Read),
		RatePerSecond: run.Rate(now),
		HeartbeatAt:   opt(run.HeartbeatAt),
	}
	if run.TotalKnown {
		total := int(run.Total)
		p.Total = &total
		pct := 100.0
		if run.Total > 0 {
			pct = min(100, 100*float64(run.Counts.Read)/float64(run.Total))
		}
		if run.Status == coverage.RunSucceeded {
			pct = 100
		}
		p.Percent = &pct
	}
	if d, ok := run.Remaining(now); ok {
		secs := int(d.Round(time.Second) / time.Second)
		p.EstimatedSecondsLeft = &secs
	}
	return p
}

// maxProgressWatch bounds a syncRunProgress subscription: a run left RUNNING
// by a worker that died would otherwise be polled for as long as the client
// stays. The client subscribes again to watch on.
var maxProgressWatch = time.Hour

// watchRun sends the run each time it changes until it ends, ctx does or
// maxProgressWatch has passed.
func (r *resolver) watchRun(ctx context.Context, first *coverage.SyncRun) <-chan *coverage.SyncRun {
	ch := make(chan *coverage.SyncRun, 1)
	ctx, cancel := context.WithTimeout(ctx, maxProgressWatch)
	go func() {
		defer cancel()
		defer close(ch)
		last := first
		select {
		case ch <- last:
		case <-ctx.Done():
			return
		}
		t := time.NewTicker(progressPoll)
		defer t.Stop()
		for !last.Status.Finished() {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			run, err := r.syncLog.SyncRun(ctx, last.ID)
			if err != nil {
				if ctx.Err() == nil {
					continue // a database hiccup: try again at the next tick
				}
				return
			}
			if run.Status == last.Status && run.HeartbeatAt.Equal(last.HeartbeatAt) {
				continue
			}
			last = run
			select {
			case ch <- run:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

func rosterImport(ri coverage.RosterImport) *model.RosterImport {
	out := &model.RosterImport{
		ID: ri.ID, Status: model.RosterImportStatus(ri.Status), StartedAt: ri.StartedAt, FinishedAt: opt(ri.FinishedAt), Failure: optional(ri.Failure),
		FileName: ri.FileName, Rows: ri.Rows, Valid: ri.Valid, Rejected: ri.Rejected,
		Inserted: int(ri.Counts.Inserted), Updated: int(ri.Counts.Updated), Unchanged: int(ri.Counts.Unchanged),
		Errors: make([]model.RowError, len(ri.Errors)),
	}
	for i, e := range ri.Errors {
		out.Errors[i] = model.RowError{Row: e.Row, Column: optional(e.Column), Value: optional(e.Value), Reason: e.Reason}
	}
	return out
}
