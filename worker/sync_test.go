package worker_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
	"github.com/cilegon/jamsostek/worker"
)

const token = "test-token"

// simulate serves a small simulated city and returns its data.
func simulate(t *testing.T, seed int64) (*feedsim.Dataset, string) {
	t.Helper()
	ds, err := feedsim.Generate(feedsim.Config{Seed: seed, Scale: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(feedsim.NewServer(ds, token))
	t.Cleanup(srv.Close)
	return ds, srv.URL
}

func newSyncer(t *testing.T, s *store.Store, url string, pageSize int) *worker.Syncer {
	t.Helper()
	c, err := worker.NewClient(worker.ClientConfig{BaseURL: url, Token: token, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &worker.Syncer{Store: s, Client: c, Areas: coverage.Cilegon(), PageSize: pageSize}
}

// TestSyncStoresTheFeedsExactly pulls every feed of a simulated city and checks
// the database holds exactly the simulator's live records, field for field; that
// every invalid record is quarantined; and that a second sync writes nothing.
func TestSyncStoresTheFeedsExactly(t *testing.T) {
	ctx := context.Background()
	ds, url := simulate(t, 11)
	s := storetest.Open(t)
	syncer := newSyncer(t, s, url, 337) // a page size that does not divide anything

	runs, err := syncer.SyncAll(ctx, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	invalid := map[coverage.Feed]int64{}
	for _, r := range ds.Invalid {
		invalid[r.Feed]++
	}
	tombstones := map[coverage.Feed]int64{}
	for _, r := range ds.Tombstones {
		tombstones[r.Feed]++
	}
	live := map[coverage.Feed]int64{
		coverage.FeedParticipants:  int64(len(ds.Participants)),
		coverage.FeedContributions: int64(len(ds.Contributions)),
		coverage.FeedClaims:        int64(len(ds.Claims)),
		coverage.FeedRoster:        int64(len(ds.Roster)),
		coverage.FeedWorkforce:     int64(len(ds.Workforce)),
	}
	for _, r := range runs {
		c := r.Counts
		if r.Status != coverage.RunSucceeded || c.Inserted != live[r.Feed] || c.Quarantined != invalid[r.Feed] || c.Updated != 0 {
			t.Errorf("%s first run: got %s %+v, want %d inserted, %d quarantined", r.Feed, r.Status, c, live[r.Feed], invalid[r.Feed])
		}
		if got, want := c.Read, live[r.Feed]+invalid[r.Feed]+tombstones[r.Feed]; got != want {
			t.Errorf("%s first run read %d records, want %d", r.Feed, got, want)
		}
	}

	holds(t, s, ds)

	q, err := s.Quarantine(ctx, coverage.QuarantineFilter{}, coverage.PageRequest{First: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if q.TotalCount != int64(len(ds.Invalid)) {
		t.Errorf("quarantine holds %d records, want %d", q.TotalCount, len(ds.Invalid))
	}
	for _, item := range q.Items {
		if item.Reason == "" || item.Raw == "" || item.RunID == "" {
			t.Errorf("quarantined record lacks its reason, raw text or run: %+v", item)
		}
	}

	// Again: from the checkpoints, nothing is new, so nothing is written.
	runs, err = syncer.SyncAll(ctx, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		c := r.Counts
		if c.Inserted+c.Updated+c.Deleted != 0 || c.Read == 0 {
			t.Errorf("%s second run: got %+v, want only unchanged and quarantined records", r.Feed, c)
		}
	}
	// And a full pull of the same data writes nothing either.
	syncer.Full = true
	runs, err = syncer.SyncAll(ctx, []coverage.Feed{coverage.FeedRoster}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if c := runs[0].Counts; c.Inserted+c.Updated+c.Deleted != 0 || c.Unchanged != live[coverage.FeedRoster]+tombstones[coverage.FeedRoster] {
		t.Errorf("full roster pull: got %+v, want %d unchanged", c, live[coverage.FeedRoster]+tombstones[coverage.FeedRoster])
	}
}

// TestSyncFailsClearlyAndKeepsTheCheckpoint: a wrong token fails the run with a
// message, records the failure, and leaves no checkpoint behind.
func TestSyncFailsClearlyAndKeepsTheCheckpoint(t *testing.T) {
	ctx := context.Background()
	_, url := simulate(t, 3)
	s := storetest.Open(t)
	c, _ := worker.NewClient(worker.ClientConfig{BaseURL: url, Token: "wrong"})
	syncer := &worker.Syncer{Store: s, Client: c, Areas: coverage.Cilegon()}
	run, err := syncer.SyncFeed(ctx, coverage.FeedClaims, "test")
	if err == nil || run.Status != coverage.RunFailed || run.Error == "" {
		t.Fatalf("got run %+v, error %v, want a failed run", run, err)
	}
	if cp, _ := s.Checkpoint(ctx, coverage.FeedClaims); !cp.IsZero() {
		t.Errorf("checkpoint moved to %v on a failed run", cp)
	}
	runs, _ := s.SyncRuns(ctx, coverage.FeedClaims, 1)
	if len(runs) != 1 || runs[0].Status != coverage.RunFailed {
		t.Errorf("stored runs: got %+v, want the failed run", runs)
	}
}

func holds(t *testing.T, s *store.Store, ds *feedsim.Dataset) { t.Helper(); storetest.Holds(t, s, ds) }

func all[T any](t *testing.T, fetch func(coverage.PageRequest) (coverage.Page[T], error)) []T {
	t.Helper()
	return storetest.All(t, fetch)
}

func same[T any](t *testing.T, name string, want, got []T, key func(T) string) {
	t.Helper()
	storetest.Same(t, name, want, got, key)
}

// TestSyncSurvivesFeedFaults pulls a simulated city through each fault of
// docs/feeds.md alone and all together, and checks the database ends exactly as the
// simulator's data, record for record.
func TestSyncSurvivesFeedFaults(t *testing.T) {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 21, Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	mixed := feedsim.Faults{Seed: 5, ErrorRate: 0.15, RateLimit: 0.1, RetryAfter: time.Second, Latency: time.Millisecond,
		ResetRate: 0.1, TruncateRate: 0.15, RepeatPage: 0.15, RepeatRecord: 0.2, UpdateRate: 0.2}
	for _, tc := range []struct {
		name   string
		faults feedsim.Faults
		served []string // faults that must have happened
	}{
		{"server errors", feedsim.Faults{Seed: 1, ErrorRate: 0.3}, []string{"error"}},
		{"429 with Retry-After", feedsim.Faults{Seed: 2, RateLimit: 0.3}, []string{"rate_limit"}},
		{"latency", feedsim.Faults{Seed: 3, Latency: 5 * time.Millisecond}, nil},
		{"connection resets", feedsim.Faults{Seed: 4, ResetRate: 0.3}, []string{"reset"}},
		{"truncated bodies", feedsim.Faults{Seed: 5, TruncateRate: 0.3}, []string{"truncate"}},
		{"pages served twice", feedsim.Faults{Seed: 6, RepeatPage: 0.3}, []string{"repeat_page"}},
		{"records repeated across pages", feedsim.Faults{Seed: 7, RepeatRecord: 0.5}, []string{"repeat_record"}},
		{"records updated while paging", feedsim.Faults{Seed: 8, UpdateRate: 0.4}, []string{"update"}},
		{"all together", mixed, []string{"error", "rate_limit", "reset", "truncate", "repeat_page", "repeat_record", "update"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			sim := feedsim.NewServer(ds, token)
			sim.Faults = tc.faults
			srv := httptest.NewServer(sim)
			defer srv.Close()
			s := storetest.Open(t)
			c, err := worker.NewClient(worker.ClientConfig{BaseURL: srv.URL, Token: token, MaxAttempts: 12,
				MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, RequestTimeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			syncer := &worker.Syncer{Store: s, Client: c, Areas: coverage.Cilegon(), PageSize: 197}
			runs, err := syncer.SyncAll(ctx, nil, "test")
			if err != nil {
				t.Fatal(err)
			}
			served := sim.FaultsServed()
			for _, kind := range tc.served {
				if served[kind] == 0 {
					t.Errorf("no %s fault was served (%v): the test proves nothing", kind, served)
				}
			}
			for _, r := range runs {
				// An update while paging is read twice: inserted, then updated.
				if (r.Counts.Updated != 0 && tc.faults.UpdateRate == 0) || r.Counts.Deleted != 0 {
					t.Errorf("%s: got %+v, want inserts and unchanged records only", r.Feed, r.Counts)
				}
			}
			// The simulator's data as it is now, updates included.
			holds(t, s, sim.Snapshot())
			q, err := s.Quarantine(ctx, coverage.QuarantineFilter{}, coverage.PageRequest{First: 1000})
			if err != nil || q.TotalCount != int64(len(ds.Invalid)) {
				t.Errorf("quarantine: got %d (%v), want %d", q.TotalCount, err, len(ds.Invalid))
			}
		})
	}
}
