package main

// The ingest part of `jamsostek bench` (issue 11): a first sync of the
// simulated city, served over HTTP in this process on loopback and pulled by
// the worker's own sync path (worker.Syncer: fetch, decode, validate,
// quarantine, store.Apply, checkpoints, run log) into a fresh embedded store,
// against the same engine's own InsertMany of the same documents (as the store
// writes them: the record's fields, derived fields, _hash, _synced_at) into
// another fresh database, in the same run. Then a re-sync of the unchanged
// feeds, which must write nothing.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/worker"
)

// benchIngestOptions configure benchIngest.
type benchIngestOptions struct {
	Scale float64 // simulated city's volume (1: the whole city); default 1
	Seed  int64   // simulator seed; default 1
	// Dataset, when set, is the city to sync (Scale and Seed are then
	// ignored): the caller may have generated it already.
	Dataset *feedsim.Dataset
	// Store is where the first sync writes: its DataDir (or URI) should
	// hold no data of its own, since the database is dropped first. It is left
	// open and filled, returned to the caller, who closes it (and removes
	// the directory). With neither DataDir nor URI: the embedded engine in a
	// new temporary directory, left for the caller to remove
	// (benchIngestOptions.Store.DataDir is not updated: give one to know it).
	Store store.Config
	// PageSize is the records asked per feed page; default the worker's
	// default of 500 (JAMSOSTEK_FEED_PAGE_SIZE).
	PageSize int
	// BaselineDir is the embedded engine's directory for the InsertMany
	// baseline; default a temporary directory removed at the end.
	BaselineDir string
	// BaselineFeeds are the feeds whose documents the InsertMany baseline
	// inserts (and whose sync time the first-sync figure counts); default
	// all. At --scale 1 the baseline takes about as long as the sync:
	// []coverage.Feed{coverage.FeedContributions} (82 % of the records)
	// halves the extra time.
	BaselineFeeds []coverage.Feed
	Logger        *slog.Logger
}

// benchIngestToken is the feed server's bearer token in the bench.
const benchIngestToken = "bench-ingest"

// benchIngest measures the first sync against InsertMany and returns the
// figures and the store the first sync filled (open: the caller closes it;
// nil on error). Progress lines go to progress.
func benchIngest(ctx context.Context, o benchIngestOptions, progress io.Writer) ([]benchFigure, *store.Store, error) {
	begin := time.Now()
	step := func(format string, args ...any) {
		fmt.Fprintf(progress, "ingest [%7s] %s\n", time.Since(begin).Round(100*time.Millisecond), fmt.Sprintf(format, args...))
	}
	if o.Scale == 0 {
		o.Scale = 1
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ds := o.Dataset
	if ds == nil {
		var err error
		if ds, err = feedsim.Generate(feedsim.Config{Seed: o.Seed, Scale: o.Scale}); err != nil {
			return nil, nil, err
		}
		step("simulated city: seed %d, scale %g: %d participants, %d contributions, %d claims, %d roster entries, %d tombstones, %d invalid",
			o.Seed, o.Scale, len(ds.Participants), len(ds.Contributions), len(ds.Claims), len(ds.Roster), len(ds.Tombstones), len(ds.Invalid))
	}

	// The feed server, over loopback.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{Handler: feedsim.NewServer(ds, benchIngestToken), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	baseURL := "http://" + ln.Addr().String()
	step("feed server on %s", baseURL)

	// The first sync, into a fresh database.
	cfg := o.Store
	if cfg.Logger == nil {
		cfg.Logger = logger
	}
	if cfg.URI == "" && cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "jamsostek-bench-ingest-*")
		if err != nil {
			return nil, nil, err
		}
		cfg.DataDir = dir
	}
	s, err := store.Open(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	ok := false
	defer func() {
		if !ok {
			cctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			_ = s.Close(cctx)
		}
	}()
	if err := s.DropDatabase(ctx); err != nil {
		return nil, nil, fmt.Errorf("empty the database: %w", err)
	}
	client, err := worker.NewClient(worker.ClientConfig{BaseURL: baseURL, Token: benchIngestToken})
	if err != nil {
		return nil, nil, err
	}
	syncer := &worker.Syncer{Store: s, Client: client, Areas: coverage.Cilegon(), PageSize: o.PageSize, Logger: logger}

	// The same engine's InsertMany of the same documents, in a database of
	// its own, feed after feed beside the sync's (this machine is shared:
	// interleaving gives both the same conditions), in the order the feed
	// sends them (updated_at, key). Encoding is not timed. (In key order the
	// engine inserts contributions about 1.3 to 1.6 times faster: its _id and
	// field indexes are then appended to, not written all over; the feed's
	// order is what any sync gets.)
	bdir := o.BaselineDir
	if bdir == "" {
		dir, err := os.MkdirTemp("", "jamsostek-bench-insertmany-*")
		if err != nil {
			return nil, nil, err
		}
		defer os.RemoveAll(dir)
		bdir = dir
	}
	bcfg := store.Config{DataDir: bdir, Database: "jamsostek_insertmany", Logger: logger, NoRecordIndex: true}
	if cfg.URI != "" {
		bcfg = store.Config{URI: cfg.URI, Database: cfg.Database + "_insertmany", Logger: logger}
	}
	bs, err := store.Open(ctx, bcfg)
	if err != nil {
		return nil, nil, fmt.Errorf("baseline store: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if bcfg.URI != "" {
			_ = bs.DropDatabase(cctx)
		}
		_ = bs.Close(cctx)
	}()
	if err := bs.DropDatabase(ctx); err != nil {
		return nil, nil, fmt.Errorf("empty the baseline database: %w", err)
	}

	var figs []benchFigure
	perFeed := map[coverage.Feed]time.Duration{}
	read := map[coverage.Feed]int64{}
	var syncTime, baseTime time.Duration
	var syncRead, syncStored int64
	var baseDocs int
	baseRate := map[coverage.Feed]float64{}
	for _, f := range coverage.Feeds {
		start := time.Now()
		run, err := syncer.SyncFeed(ctx, f, "bench")
		d := time.Since(start)
		if err != nil {
			return nil, nil, fmt.Errorf("first sync of %s: %w", f, err)
		}
		c := run.Counts
		perFeed[f], read[f] = d, c.Read
		counted := o.BaselineFeeds == nil || slices.Contains(o.BaselineFeeds, f)
		if counted {
			syncTime += d
			syncRead += c.Read
			syncStored += c.Inserted + c.Updated
		}
		step("first sync %-13s %8d read, %8d inserted, %5d quarantined, %4d pages in %8s (%.0f records/s)",
			f, c.Read, c.Inserted, c.Quarantined, c.Pages, d.Round(time.Millisecond), perSecond(int(c.Read), d))

		if !counted {
			continue
		}
		docs, err := store.Documents(inFeedOrder(feedRecords(ds, f)), time.Now().UTC())
		if err != nil {
			return nil, nil, err
		}
		start = time.Now()
		if err := bs.InsertDocuments(ctx, f, docs); err != nil {
			return nil, nil, fmt.Errorf("InsertMany %s: %w", f, err)
		}
		d = time.Since(start)
		baseTime += d
		baseDocs += len(docs)
		baseRate[f] = perSecond(len(docs), d)
		step("InsertMany %-13s %8d documents in %8s (%.0f records/s)", f, len(docs), d.Round(time.Millisecond), baseRate[f])
	}
	step("first sync: %d records read in %s (%.0f records/s); InsertMany: %d documents in %s (%.0f records/s)",
		syncRead, syncTime.Round(time.Millisecond), perSecond(int(syncRead), syncTime),
		baseDocs, baseTime.Round(time.Millisecond), perSecond(baseDocs, baseTime))

	// Rates of the same documents: those the sync stored (it also read,
	// decoded and set aside the tombstones and invalid records, about
	// 0.02 % at scale 1, in its time) and those InsertMany inserted.
	syncRate := perSecond(int(syncStored), syncTime)
	base := perSecond(baseDocs, baseTime)
	r := 0.0
	if base > 0 {
		r = syncRate / base
	}
	which := "all feeds"
	if o.BaselineFeeds != nil {
		which = fmt.Sprint(o.BaselineFeeds)
	}
	figs = append(figs, benchFigure{
		Section: "ingest", Name: fmt.Sprintf("first sync, %d documents stored of %s over HTTP (scale %g, pages of %d)", syncStored, which, o.Scale, o.PageSize),
		Value: syncRate, Unit: "records/s", Baseline: "InsertMany of the same documents in the feed's order, fresh database", Base: base,
		HigherIsBetter: true, Target: ">= 0.8x", Met: met(r >= 0.8),
	})
	for _, f := range []coverage.Feed{coverage.FeedParticipants, coverage.FeedContributions, coverage.FeedClaims} {
		if baseRate[f] == 0 {
			continue
		}
		figs = append(figs, benchFigure{
			Section: "ingest", Name: "first sync: " + string(f),
			Value: perSecond(int(read[f]), perFeed[f]), Unit: "records/s", Baseline: "InsertMany of " + string(f), Base: baseRate[f],
			HigherIsBetter: true,
		})
	}

	// An unchanged re-sync from the checkpoints, as the schedule runs it.
	start := time.Now()
	var again coverage.SyncCounts
	for _, f := range coverage.Feeds {
		run, err := syncer.SyncFeed(ctx, f, "bench")
		if err != nil {
			return nil, nil, fmt.Errorf("re-sync of %s: %w", f, err)
		}
		again.Add(run.Counts)
	}
	writes := again.Inserted + again.Updated + again.Deleted
	step("unchanged re-sync: %d records read, %d written, in %s", again.Read, writes, since(start))
	figs = append(figs, benchFigure{
		Section: "ingest", Name: fmt.Sprintf("unchanged re-sync (from the checkpoints, %d records read)", again.Read),
		Value: float64(writes), Unit: "writes", Target: "0", Met: met(writes == 0),
	})
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	ok = true
	return figs, s, nil
}

// inFeedOrder sorts records as the feeds send them: by updated_at, then key.
func inFeedOrder(recs []store.Record) []store.Record {
	at := func(v any) time.Time {
		switch r := v.(type) {
		case *coverage.Participant:
			return r.UpdatedAt
		case *coverage.Contribution:
			return r.UpdatedAt
		case *coverage.Claim:
			return r.UpdatedAt
		case *coverage.RosterEntry:
			return r.UpdatedAt
		case *coverage.WorkforceTarget:
			return r.UpdatedAt
		}
		return time.Time{}
	}
	slices.SortStableFunc(recs, func(a, b store.Record) int {
		if c := at(a.Value).Compare(at(b.Value)); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return recs
}
