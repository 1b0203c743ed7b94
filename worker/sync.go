package worker

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
)

// Store is what a sync needs of the database.
type Store interface {
	Apply(ctx context.Context, feed coverage.Feed, recs []store.Record) (coverage.SyncCounts, error)
	AddQuarantined(ctx context.Context, qs []coverage.Quarantined) error
	SaveRun(ctx context.Context, r coverage.SyncRun) error
	Checkpoint(ctx context.Context, feed coverage.Feed) (time.Time, error)
	SaveCheckpoint(ctx context.Context, feed coverage.Feed, updatedSince time.Time, runID string, generation int64) error
	AcquireLease(ctx context.Context, r store.LeaseRequest) (store.Lease, error)
	RenewLease(ctx context.Context, l store.Lease, ttl time.Duration) (store.Lease, error)
	ReleaseLease(ctx context.Context, l store.Lease) error
}

var _ Store = (*store.Store)(nil)

// DefaultLeaseTTL is how long a sync's lease lasts without renewal. The holder
// renews it every third of that and before every page's writes.
const DefaultLeaseTTL = 2 * time.Minute

// ErrCancelled is the cause of a run stopped by cancelSync.
var ErrCancelled = errors.New("cancelled on request")

// Syncer pulls feeds into the store.
type Syncer struct {
	Store    Store
	Client   *Client
	Areas    *coverage.Areas
	PageSize int  // records asked per page; default 500
	Full     bool // ignore checkpoints: pull everything (only changes are written)
	Logger   *slog.Logger
	// Progress, when set, is called after every page with the run so far.
	Progress func(coverage.SyncRun)
	// Owner names this process in leases and runs; default ProcessOwner().
	Owner string
	// LeaseTTL is the lease's lifetime without renewal; default DefaultLeaseTTL.
	LeaseTTL time.Duration
	// Tracer, when set, makes a span of each run ("sync <feed>"), with
	// children for each page fetched and decoded ("sync page") and each
	// batch of pages written ("sync write"); nil: none.
	Tracer trace.Tracer
	// WriteBatch is the most records written at once (with one lease
	// renewal, checkpoint and run save) from the pages already fetched;
	// default DefaultWriteBatch, never less than a page. A slow feed is
	// written page by page.
	WriteBatch int
}

// RunRequest asks for one run of one feed.
type RunRequest struct {
	Feed    coverage.Feed
	Trigger string    // cli, schedule, catch-up, api, demo, ...
	ID      string    // the run's id; default a new one
	Tick    time.Time // the scheduled time the run is for; zero for a manual run
	// Started, when set, is called once the lease is held and the run saved.
	Started func(coverage.SyncRun)
}

// SyncAll runs the feeds once, in the order given (coverage.Feeds when nil), and
// returns their runs. A failing feed does not stop the others; the error joins
// every failure.
func (s *Syncer) SyncAll(ctx context.Context, feeds []coverage.Feed, trigger string) ([]coverage.SyncRun, error) {
	if feeds == nil {
		feeds = coverage.Feeds
	}
	var runs []coverage.SyncRun
	var errs []error
	for _, f := range feeds {
		run, err := s.SyncFeed(ctx, f, trigger)
		runs = append(runs, run)
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return runs, errors.Join(errs...)
}

// SyncFeed pulls one feed from its checkpoint to its end, now.
func (s *Syncer) SyncFeed(ctx context.Context, feed coverage.Feed, trigger string) (coverage.SyncRun, error) {
	return s.Run(ctx, RunRequest{Feed: feed, Trigger: trigger})
}

// Run pulls one feed from its checkpoint to its end under the feed's lease.
// When another process holds the lease (or has run the request's tick) it
// returns an ECONFLICT error wrapping store.ErrLeaseHeld and saves no run.
//
// Each page is fetched whole (ahead of the writes), then the lease is renewed
// (the fence: a process that lost its lease stops before writing), then the
// records of the pages fetched so far (up to WriteBatch) are written, then the
// checkpoint (fenced by the lease generation) and the run's progress are
// saved, in that order: a crash re-reads at most the pages in flight, and
// re-applying them changes nothing.
func (s *Syncer) Run(ctx context.Context, req RunRequest) (run coverage.SyncRun, err error) {
	feed := req.Feed
	if req.ID == "" {
		req.ID = newRunID(feed)
	}
	log := s.logger().With("feed", feed, "run", req.ID) // every line of the run names it
	if s.Tracer != nil {
		var span trace.Span
		ctx, span = s.Tracer.Start(ctx, "sync "+string(feed), trace.WithAttributes(attribute.String("jamsostek.feed", string(feed)),
			attribute.String("jamsostek.run_id", req.ID), attribute.String("jamsostek.trigger", coverage.TriggerKind(req.Trigger))))
		defer func() {
			span.SetAttributes(attribute.String("jamsostek.status", string(run.Status)), attribute.Int64("jamsostek.pages", run.Counts.Pages),
				attribute.Int64("jamsostek.records", run.Counts.Read), attribute.Int64("jamsostek.quarantined", run.Counts.Quarantined))
			if err != nil { // the error's text may quote a feed's answer: not in the span
				span.SetStatus(codes.Error, "sync run "+string(run.Status))
			}
			span.End()
		}()
	}
	run = coverage.SyncRun{ID: req.ID, Feed: feed, Trigger: req.Trigger, Status: coverage.RunRunning, StartedAt: time.Now().UTC(), Owner: s.owner(), Tick: req.Tick.UTC()}
	lease, err := s.Store.AcquireLease(ctx, store.LeaseRequest{Job: string(feed), Owner: run.Owner, RunID: run.ID, TTL: s.ttl(), Tick: req.Tick})
	if err != nil {
		run.Status, run.Error, run.FinishedAt = coverage.RunFailed, err.Error(), time.Now().UTC()
		return run, err
	}
	run.Generation = lease.Generation
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	keeper := &leaseKeeper{store: s.Store, lease: lease, ttl: s.ttl(), runID: run.ID, cancel: cancel}
	stopBeat := keeper.beat(ctx, log)
	defer func() {
		stopBeat()
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer rcancel()
		if err := s.Store.ReleaseLease(rctx, keeper.current()); err != nil {
			log.Warn("release lease", "error", err)
		}
	}()

	var since time.Time
	if !s.Full {
		if since, err = s.Store.Checkpoint(ctx, feed); err != nil {
			return run, err
		}
	}
	run.UpdatedSince, run.Checkpoint, run.HeartbeatAt = since, since, time.Now().UTC()
	if err := s.Store.SaveRun(ctx, run); err != nil {
		return run, err
	}
	if req.Started != nil {
		req.Started(run)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sync %s: panic: %v", feed, p)
			log.Error("sync run panicked", "panic", p, "stack", string(debug.Stack()))
		}
		run.FinishedAt = time.Now().UTC()
		run.HeartbeatAt = run.FinishedAt
		run.Status = coverage.RunSucceeded
		if err != nil {
			run.Status, run.Error = coverage.RunFailed, err.Error()
			switch cause := context.Cause(ctx); {
			case errors.Is(cause, ErrCancelled):
				run.Status, run.Error = coverage.RunCancelled, "cancelled on request after "+fmt.Sprint(run.Counts.Pages)+" pages"
				err = cause
			case errors.Is(cause, ErrShutdown):
				run.Status, run.Error = coverage.RunCancelled, "stopped after "+fmt.Sprint(run.Counts.Pages)+" pages: the worker is shutting down"
				err = cause
			}
		}
		// Record the end even when ctx was cancelled.
		saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if serr := s.Store.SaveRun(saveCtx, run); serr != nil && err == nil {
			err = serr
		}
		// A failed run is an error of the service; a cancelled one is asked
		// for (or a shutdown), worth a warning; the rest is routine.
		level := slog.LevelInfo
		switch run.Status {
		case coverage.RunFailed:
			level = slog.LevelError
		case coverage.RunCancelled:
			level = slog.LevelWarn
		}
		log.Log(context.WithoutCancel(ctx), level, "sync run finished", "trigger", run.Trigger, "status", run.Status, "pages", run.Counts.Pages,
			"read", run.Counts.Read, "inserted", run.Counts.Inserted, "updated", run.Counts.Updated,
			"unchanged", run.Counts.Unchanged, "deleted", run.Counts.Deleted,
			"quarantined", run.Counts.Quarantined, "error", run.Error)
	}()

	pageSize := s.PageSize
	if pageSize <= 0 {
		pageSize = 500
	}
	// The next pages are fetched, decoded and encoded while these are
	// written (the engine's writes overlap the feed's round trips and the
	// JSON); the pages already fetched are written together, up to
	// writeBatch records, so that a fast feed costs one lease renewal,
	// checkpoint and run save per batch instead of per page. The writes stay
	// in page order, each batch fenced by the lease just before.
	batch := s.writeBatch(pageSize)
	pages := s.prefetch(ctx, run.ID, feed, since, pageSize, (batch+pageSize-1)/pageSize)
	defer pages.stop()
	for {
		f, ok := <-pages.out
		if !ok { // stopped: ctx ended
			return run, fmt.Errorf("sync %s: %w", feed, context.Cause(ctx))
		}
		if f.err != nil {
			return run, fmt.Errorf("sync %s: %w", feed, stopCause(ctx, f.err))
		}
		got, n, last := []fetched{f}, len(f.page.Data), f.last()
		var ferr error // a fetch failed after the pages of got: written first
		closed := false
	more:
		for !last && n < batch {
			select {
			case g, ok := <-pages.out:
				switch {
				case !ok:
					closed = true
					break more
				case g.err != nil:
					ferr = g.err
					break more
				}
				got, n, last = append(got, g), n+len(g.page.Data), g.last()
			default:
				break more
			}
		}
		for _, g := range got {
			if g.page.Total != nil { // records in all pages of this run (from updated_since)
				run.Total, run.TotalKnown = *g.page.Total, true
			}
		}
		if err := keeper.renew(ctx); err != nil {
			return run, fmt.Errorf("sync %s: %w", feed, err)
		}
		if err := s.writePages(ctx, &run, got); err != nil {
			return run, fmt.Errorf("sync %s: %w", feed, err)
		}
		if s.Progress != nil {
			s.Progress(run)
		}
		switch {
		case ferr != nil:
			return run, fmt.Errorf("sync %s: %w", feed, stopCause(ctx, ferr))
		case last:
			return run, nil
		case closed || ctx.Err() != nil: // cancelled, shutting down or lease lost: stop between pages
			return run, fmt.Errorf("sync %s: %w", feed, context.Cause(ctx))
		}
	}
}

// DefaultWriteBatch is the records a sync writes at once when its feed
// delivers faster than the database writes (Syncer.WriteBatch).
const DefaultWriteBatch = 2000

// writeBatch is the records written at once: at least a page.
func (s *Syncer) writeBatch(pageSize int) int {
	b := s.WriteBatch
	if b <= 0 {
		b = DefaultWriteBatch
	}
	return max(b, pageSize)
}

// fetched is a page of a feed, decoded, or the error fetching it.
type fetched struct {
	page    *Page
	decoded decodedPage
	err     error
}

// last reports whether the page is the feed's last.
func (f fetched) last() bool { return f.page.NextCursor == nil || *f.page.NextCursor == "" }

// prefetcher fetches and decodes a feed's pages ahead of their writes, up to
// ahead pages (and the one it is fetching): out yields them in order and
// closes after the last page, after an error, or once stopped.
type prefetcher struct {
	out    chan fetched
	cancel context.CancelFunc
	done   chan struct{}
}

func (s *Syncer) prefetch(ctx context.Context, runID string, feed coverage.Feed, since time.Time, limit, ahead int) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher{out: make(chan fetched, max(ahead-1, 0)), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer close(p.out)
		cursor := ""
		for {
			fctx, span := ctx, trace.Span(nil)
			if s.Tracer != nil {
				fctx, span = s.Tracer.Start(ctx, "sync page")
			}
			page, err := s.Client.Fetch(fctx, FetchRequest{Feed: feed, Cursor: cursor, UpdatedSince: since, Limit: limit})
			f := fetched{page: page, err: err}
			if err == nil {
				f.decoded = s.decodePage(runID, feed, page.Data)
			}
			if span != nil {
				if err != nil { // page is nil
					span.SetStatus(codes.Error, "fetch failed")
				} else {
					span.SetAttributes(attribute.Int("jamsostek.records", len(page.Data)), attribute.Int("jamsostek.quarantined", len(f.decoded.bad)))
				}
				span.End()
			}
			select {
			case p.out <- f:
			case <-ctx.Done():
				return
			}
			if err != nil || page.NextCursor == nil || *page.NextCursor == "" {
				return
			}
			cursor = *page.NextCursor
		}
	}()
	return p
}

// stop ends the fetching and waits for it.
func (p *prefetcher) stop() {
	p.cancel()
	<-p.done
}

// pageWriteTimeout bounds the writes of one page; a batch of pages gets it
// once per page.
const pageWriteTimeout = time.Minute

// writePages writes the records of pages, then the checkpoint (fenced by the
// run's lease generation), then the run's progress. A cancellation or a
// shutdown does not cut this sequence (it takes effect between writes), so
// the stored checkpoint is always the run's: a write cut mid-way could land
// on the server after the client gave up, unknown to the run.
func (s *Syncer) writePages(ctx context.Context, run *coverage.SyncRun, pages []fetched) (err error) {
	if s.Tracer != nil {
		var span trace.Span
		ctx, span = s.Tracer.Start(ctx, "sync write", trace.WithAttributes(attribute.Int("jamsostek.pages", len(pages))))
		defer func() {
			if err != nil {
				span.SetStatus(codes.Error, "write failed")
			}
			span.End()
		}()
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(len(pages))*pageWriteTimeout)
	defer cancel()
	d := pages[0].decoded
	if len(pages) > 1 { // in page order: a key repeated later wins
		d = decodedPage{}
		for _, p := range pages {
			d.read += p.decoded.read
			d.recs = append(d.recs, p.decoded.recs...)
			d.bad = append(d.bad, p.decoded.bad...)
			if p.decoded.newest.After(d.newest) {
				d.newest = p.decoded.newest
			}
		}
	}
	counts, err := s.writeDecoded(wctx, run.Feed, d)
	if err != nil {
		return err
	}
	counts.Pages = int64(len(pages))
	newest := d.newest
	run.Counts.Add(counts)
	run.AsOf = pages[len(pages)-1].page.AsOf
	if newest.After(run.Checkpoint) {
		if err := s.Store.SaveCheckpoint(wctx, run.Feed, newest, run.ID, run.Generation); err != nil {
			return err
		}
		run.Checkpoint = newest
	}
	run.HeartbeatAt = time.Now().UTC()
	return s.Store.SaveRun(wctx, *run)
}

// stopCause returns why ctx ended (cancelled on request, lease lost) instead
// of the bare "context canceled" an operation failed with.
func stopCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil && !errors.Is(err, cause) {
		return fmt.Errorf("%w (%v)", cause, err)
	}
	return err
}

// leaseKeeper renews a run's lease in the background and before each page's
// writes, and stops the run when the lease is lost or cancellation is asked.
type leaseKeeper struct {
	store  Store
	ttl    time.Duration
	runID  string
	cancel context.CancelCauseFunc

	mu    sync.Mutex
	lease store.Lease
}

func (k *leaseKeeper) current() store.Lease {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lease
}

// renew extends the lease; a lost lease or a cancellation ends the run.
func (k *leaseKeeper) renew(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	l, err := k.store.RenewLease(ctx, k.lease, k.ttl)
	if errors.Is(err, store.ErrLeaseLost) {
		k.cancel(err)
		return err
	}
	if err != nil {
		return stopCause(ctx, err)
	}
	k.lease = l
	if l.CancelRun == k.runID {
		k.cancel(ErrCancelled)
		return ErrCancelled
	}
	return nil
}

// beat renews the lease every third of its TTL until the returned stop is
// called, so a slow page (retries, backoff) does not let it expire.
func (k *leaseKeeper) beat(ctx context.Context, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(k.ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := k.renew(ctx); err != nil && ctx.Err() == nil {
					log.Warn("lease renewal failed", "error", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// decodedPage is a page decoded and validated: the records to write, those
// to quarantine, and the newest updated_at seen.
type decodedPage struct {
	read   int
	recs   []store.Record
	bad    []coverage.Quarantined
	newest time.Time
}

// decodePage decodes and validates a page's records.
func (s *Syncer) decodePage(runID string, feed coverage.Feed, data []json.RawMessage) decodedPage {
	d := decodedPage{read: len(data), recs: make([]store.Record, 0, len(data))}
	now := time.Now().UTC()
	for _, raw := range data {
		rec, updated, err := decode(feed, raw, s.Areas)
		if updated.After(d.newest) {
			d.newest = updated
		}
		if err != nil {
			d.bad = append(d.bad, coverage.Quarantined{
				Feed: feed, RunID: runID, Key: rec.Key, Raw: string(raw), Reason: coverage.ErrorMessage(err), ReceivedAt: now,
			})
			continue
		}
		d.recs = append(d.recs, rec)
	}
	store.Encode(d.recs, time.Now().UTC())
	return d
}

// writeDecoded quarantines what failed, writes the rest, and returns the
// counts.
func (s *Syncer) writeDecoded(ctx context.Context, feed coverage.Feed, d decodedPage) (coverage.SyncCounts, error) {
	counts := coverage.SyncCounts{Pages: 1, Read: int64(d.read)}
	if err := s.Store.AddQuarantined(ctx, d.bad); err != nil {
		return counts, err
	}
	counts.Quarantined = int64(len(d.bad))
	written, err := s.Store.Apply(ctx, feed, d.recs)
	if err != nil {
		return counts, err
	}
	written.Pages, written.Read, written.Quarantined = counts.Pages, counts.Read, counts.Quarantined
	return written, nil
}

// tombstone is what docs/feeds.md sends for a deleted record: its key fields,
// "deleted": true and updated_at.
type tombstone struct {
	Deleted   bool      `json:"deleted"`
	UpdatedAt time.Time `json:"updated_at"`
	KPJ       string    `json:"kpj"`
	ID        string    `json:"id"`
	ClaimNo   string    `json:"claim_no"`
	NIK       string    `json:"nik"`
	Category  string    `json:"category"`
	Year      int       `json:"year"`
	AreaCode  string    `json:"area_code"`
}

func (t *tombstone) key(feed coverage.Feed) string {
	switch feed {
	case coverage.FeedParticipants:
		return t.KPJ
	case coverage.FeedContributions:
		return t.ID
	case coverage.FeedClaims:
		return t.ClaimNo
	case coverage.FeedRoster:
		if t.NIK == "" || t.Category == "" {
			return ""
		}
		return coverage.RosterKey(t.NIK, coverage.Category(t.Category))
	case coverage.FeedWorkforce:
		if t.Year == 0 || t.AreaCode == "" {
			return ""
		}
		return coverage.WorkforceKey(t.Year, t.AreaCode)
	}
	return ""
}

// decode turns one raw record into a store record. On failure the returned
// record still carries the key when it could be read, and the time is the
// record's updated_at when it could be read.
func decode(feed coverage.Feed, raw json.RawMessage, areas *coverage.Areas) (store.Record, time.Time, error) {
	var t tombstone
	if err := json.Unmarshal(raw, &t); err != nil {
		return store.Record{}, time.Time{}, coverage.Errorf(coverage.EINVALID, "record is not a valid JSON object of the %s feed: %v", feed, err)
	}
	rec := store.Record{Key: t.key(feed), UpdatedAt: t.UpdatedAt}
	if rec.Key == "" {
		return rec, t.UpdatedAt, coverage.Errorf(coverage.EINVALID, "record has no key")
	}
	if t.Deleted {
		if t.UpdatedAt.IsZero() {
			return rec, t.UpdatedAt, coverage.Errorf(coverage.EINVALID, "tombstone has no updated_at")
		}
		rec.Deleted = true
		return rec, t.UpdatedAt, nil
	}
	var err error
	switch feed {
	case coverage.FeedParticipants:
		var v coverage.Participant
		if err = strict(raw, &v); err == nil {
			err = v.Validate(areas)
		}
		rec.Value = &v
	case coverage.FeedContributions:
		var v coverage.Contribution
		if err = strict(raw, &v); err == nil {
			err = v.Validate()
		}
		rec.Value = &v
	case coverage.FeedClaims:
		var v coverage.Claim
		if err = strict(raw, &v); err == nil {
			err = v.Validate()
		}
		rec.Value = &v
	case coverage.FeedRoster:
		var v coverage.RosterEntry
		if err = strict(raw, &v); err == nil {
			err = v.Validate(areas)
		}
		rec.Value = &v
	case coverage.FeedWorkforce:
		var v coverage.WorkforceTarget
		if err = strict(raw, &v); err == nil {
			err = v.Validate(areas)
		}
		rec.Value = &v
	default:
		err = coverage.Errorf(coverage.EINVALID, "unknown feed %q", feed)
	}
	return rec, t.UpdatedAt, err
}

// strict decodes a record, turning JSON errors (a fraction where rupiah are
// integers, a string where a number belongs) into EINVALID errors that say which
// field is wrong.
func strict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return coverage.Errorf(coverage.EINVALID, "field %s: %s is not a valid %s", te.Field, te.Value, te.Type)
		}
		return coverage.Errorf(coverage.EINVALID, "record does not decode: %v", err)
	}
	return nil
}

func newRunID(feed coverage.Feed) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return time.Now().UTC().Format("20060102T150405Z") + "-" + string(feed) + "-" + hex.EncodeToString(b)
}

func (s *Syncer) owner() string {
	if s.Owner == "" {
		return ProcessOwner()
	}
	return s.Owner
}

func (s *Syncer) ttl() time.Duration {
	if s.LeaseTTL <= 0 {
		return DefaultLeaseTTL
	}
	return s.LeaseTTL
}

// ProcessOwner names this process in leases and runs: host, pid and a random
// suffix drawn once (a restarted process with the same pid is another owner).
func ProcessOwner() string { return processOwner }

var processOwner = func() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}()

func (s *Syncer) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}
