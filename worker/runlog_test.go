package worker_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store/storetest"
	"github.com/cilegon/jamsostek/worker"
)

// lockedBuffer is a log sink shared by the manager's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFailedRunIsLoggedOnceAsAnError: a run that fails (the feed server
// refuses the token) is logged once, at error level, with its error; not at
// info level, and not a second time by the manager.
func TestFailedRunIsLoggedOnceAsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unknown token", http.StatusUnauthorized)
	}))
	defer srv.Close()
	s := storetest.Open(t)
	var logs lockedBuffer
	syncer := newSyncer(t, s, srv.URL, 100)
	syncer.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ended := make(chan coverage.SyncRun, 1)
	m := &worker.Manager{Jobs: []worker.Job{{Feed: coverage.FeedClaims, Schedule: never, Syncer: syncer}}, Store: s,
		Logger: syncer.Logger, AfterRun: func(_ context.Context, r coverage.SyncRun) { ended <- r }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var err error
	for { // Trigger answers EUNAVAILABLE until Run has started
		if _, err = m.Trigger(ctx, coverage.FeedClaims, "test"); coverage.ErrorCode(err) != coverage.EUNAVAILABLE {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	run := <-ended
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if run.Status != coverage.RunFailed {
		t.Fatalf("run %s (%v), want FAILED", run.Status, err)
	}
	var mentions []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "401") {
			mentions = append(mentions, line)
		}
	}
	if len(mentions) != 1 || !strings.Contains(mentions[0], "level=ERROR") || !strings.Contains(mentions[0], "status=FAILED") {
		t.Errorf("the failure is logged %d times, want once at level ERROR with status=FAILED:\n%s", len(mentions), strings.Join(mentions, "\n"))
	}
}
