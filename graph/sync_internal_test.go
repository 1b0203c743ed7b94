package graph

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// stuckSyncLog answers a run that stays RUNNING, as one whose worker died.
type stuckSyncLog struct{ reads atomic.Int64 }

func (s *stuckSyncLog) SyncRuns(context.Context, coverage.Feed, int) ([]coverage.SyncRun, error) {
	return nil, nil
}
func (s *stuckSyncLog) LatestSucceededRun(context.Context, coverage.Feed) (*coverage.SyncRun, error) {
	return nil, nil
}

func (s *stuckSyncLog) SyncRun(_ context.Context, id string) (*coverage.SyncRun, error) {
	s.reads.Add(1)
	return &coverage.SyncRun{ID: id, Status: coverage.RunRunning}, nil
}
func (s *stuckSyncLog) Quarantine(context.Context, coverage.QuarantineFilter, coverage.PageRequest) (coverage.Page[coverage.Quarantined], error) {
	return coverage.Page[coverage.Quarantined]{}, nil
}

// TestProgressOfAStuckRunEnds: syncRunProgress on a run left RUNNING by a
// dead worker ends after maxProgressWatch, though its client stays.
func TestProgressOfAStuckRunEnds(t *testing.T) {
	defer func(d time.Duration) { maxProgressWatch = d }(maxProgressWatch)
	maxProgressWatch = time.Millisecond
	log := &stuckSyncLog{}
	r := &resolver{syncLog: log}
	ch := r.watchRun(context.Background(), &coverage.SyncRun{ID: "r1", Status: coverage.RunRunning})
	guard := time.NewTimer(time.Minute) // only so that a failure does not hang the run
	defer guard.Stop()
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-guard.C:
			t.Fatalf("the subscription of a stuck run is still open (%d reads)", log.reads.Load())
		}
	}
}
