package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/worker/rosterfile"
)

// RosterStore is what a roster import needs of the database.
type RosterStore interface {
	Apply(ctx context.Context, feed coverage.Feed, recs []store.Record) (coverage.SyncCounts, error)
	RosterByKeys(ctx context.Context, keys []string) (map[string]coverage.RosterEntry, error)

	AcquireLease(ctx context.Context, r store.LeaseRequest) (store.Lease, error)
	RenewLease(ctx context.Context, l store.Lease, ttl time.Duration) (store.Lease, error)
	ReleaseLease(ctx context.Context, l store.Lease) error
	ForgetRosterImportLease(ctx context.Context, l store.Lease) error

	CreateRosterImport(ctx context.Context, st store.RosterImportState) error
	StageRosterImportRows(ctx context.Context, id string, seq int, entries []coverage.RosterEntry) error
	CommitRosterImport(ctx context.Context, id string, chunks int, at time.Time) error
	RosterImportRows(ctx context.Context, id string, seq int) ([]coverage.RosterEntry, error)
	RosterImportProgress(ctx context.Context, id string, applied int, counts coverage.SyncCounts, note string) error
	FinishRosterImport(ctx context.Context, id string, from, status coverage.RosterImportStatus, failure string, at time.Time, rowsLeft bool) (bool, error)
	DeleteRosterImportRows(ctx context.Context, id string, upTo int) error
	RosterImport(ctx context.Context, id string) (store.RosterImportState, error)
	RosterImports(ctx context.Context, n int) ([]coverage.RosterImport, error)
	PendingRosterImports(ctx context.Context) ([]store.RosterImportState, error)
	PruneRosterImports(ctx context.Context, before time.Time) (int, error)
}

var _ RosterStore = (*store.Store)(nil)

// RosterImporter writes roster spreadsheets (CSV, XLSX) to the store with the
// roster feed's validation and write path, all or nothing.
//
// An import is read and validated under the caller's context: cancelled
// then, it leaves nothing behind. Once the file is read, the import is
// accepted: it gets an id, its report (counts, row errors) is stored, and it
// runs to its end detached from the caller's context (a client that times
// out or goes away does not cut it). It stages the valid rows apart from the
// roster, passes its commit point, then writes them to the roster (see
// store/rosterimport.go). An import that stops before its commit point ends
// FAILED with nothing written; one that stops after it (the process died,
// the database went away) is finished by Resume: Run's next pass (within a
// minute), the next import, or the next start. Its report is queryable all
// along (Report, Reports).
type RosterImporter struct {
	Store  RosterStore
	Areas  *coverage.Areas
	Logger *slog.Logger
	// Now gives the import's time, read once per import: its rows'
	// updated_at and its StartedAt (default time.Now). Leases and the other
	// times of the report use the clock.
	Now func() time.Time
	// LeaseTTL is how long an import's lease outlives a process that died
	// holding it (default DefaultImportLeaseTTL): Resume takes over an
	// import only after that.
	LeaseTTL time.Duration
	// Owner names this process in leases and reports (default ProcessOwner()).
	Owner string
	// KeepReports is how long the reports of finished imports, with their
	// row errors (NIKs, names), are kept; Run removes older ones (default
	// DefaultKeepImportReports; negative: kept for ever).
	KeepReports time.Duration

	tick func() <-chan time.Time // Run's next pass (tests); default every resumeEvery
}

// DefaultKeepImportReports is RosterImporter.KeepReports's default, the
// audit log's default retention.
const DefaultKeepImportReports = 400 * 24 * time.Hour

// DefaultImportLeaseTTL is RosterImporter.LeaseTTL's default.
const DefaultImportLeaseTTL = 2 * time.Minute

// importBatch is the number of rows staged, and written, at a time.
const importBatch = store.RosterImportChunk

// importRetries is how many times a chunk's write to the roster is tried
// before the import is left for Resume; importBackoff the first wait.
const (
	importRetries = 3
	importBackoff = 200 * time.Millisecond
)

func importJob(id string) string { return "roster-import:" + id }

// ImportRoster reads one file and writes its valid rows, all or none. A row
// counts as updated at the import; a row equal to the stored entry but for
// its updated_at is left alone, so importing the same file again changes
// nothing. Invalid rows are reported, never written; the file as a whole is
// refused (EINVALID) only when it cannot be read as a roster.
//
// It returns when the import has ended, or when ctx ends first: then the
// import goes on and the error (EUNAVAILABLE) gives its id. An import that
// could not write every row returns an error and its report, whose Status
// says whether nothing was written (FAILED) or the rest will be (COMMITTING).
func (ri *RosterImporter) ImportRoster(ctx context.Context, fileName string, r io.Reader) (coverage.RosterImport, error) {
	// Finish what dead processes left, so that this import comes after.
	if err := ri.Resume(ctx); err != nil && ctx.Err() == nil {
		ri.logger().Warn("resume roster imports", "error", err)
	}
	started := ri.now().UTC().Truncate(time.Second) // stored times keep milliseconds at most
	out := coverage.RosterImport{FileName: fileName}
	res, err := rosterfile.Read(withContext(ctx, r), fileName, ri.Areas, started)
	if ctx.Err() != nil {
		return out, coverage.Errorf(coverage.EUNAVAILABLE, "the import of %s was cancelled while the file was read: nothing was written", fileName)
	}
	if err != nil {
		return out, err
	}
	st := store.RosterImportState{
		RosterImport: coverage.RosterImport{ID: store.NewRosterImportID(started), FileName: fileName, Status: coverage.ImportStaging,
			StartedAt: started, Rows: res.Rows, Valid: len(res.Entries), Rejected: res.Rows - len(res.Entries)},
		Owner: ri.owner(),
	}
	for _, e := range res.Errors {
		st.Errors = append(st.Errors, coverage.RowError{Row: e.Row, Column: e.Column, Value: e.Value, Reason: e.Reason})
	}
	lease, err := ri.Store.AcquireLease(ctx, store.LeaseRequest{Job: importJob(st.ID), Owner: ri.owner(), RunID: st.ID, TTL: ri.leaseTTL()})
	if err != nil {
		return out, importError(err, "the import of %s could not begin: nothing was written", fileName)
	}
	// Accepted: from here on the import runs to its end whatever the caller
	// does.
	done := make(chan result, 1)
	go func() {
		imp, err := ri.run(context.WithoutCancel(ctx), st, res.Entries, lease)
		done <- result{imp, err}
	}()
	select {
	case r := <-done:
		return r.imp, r.err
	case <-ctx.Done():
		return st.RosterImport, coverage.Errorf(coverage.EUNAVAILABLE,
			"stopped waiting for roster import %s of %s, which goes on: it writes all its %d valid rows or none; its report is rosterImport(id: %q)",
			st.ID, fileName, st.Valid, st.ID)
	}
}

// importError is an import's failure as the caller sees it: a message that
// names the import and says what was written, coded UNAVAILABLE (the
// database failed) unless the cause has a code of its own; the cause is kept
// for the log.
func importError(cause error, format string, args ...any) error {
	code := coverage.ErrorCode(cause)
	if code == coverage.EINTERNAL {
		code = coverage.EUNAVAILABLE
	}
	return &coverage.Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

type result struct {
	imp coverage.RosterImport
	err error
}

// run stages the rows, commits and writes them, holding the import's lease.
func (ri *RosterImporter) run(ctx context.Context, st store.RosterImportState, entries []coverage.RosterEntry, lease store.Lease) (coverage.RosterImport, error) {
	h := ri.hold(ctx, lease)
	defer h.release()
	ctx = h.ctx
	chunks := (len(entries) + importBatch - 1) / importBatch
	// fail ends an import that did not reach its commit point: nothing is in
	// the roster. Its staged rows go (even if the lease was lost: before the
	// commit point nobody else writes them to the roster).
	fail := func(err error) (coverage.RosterImport, error) {
		st.Status, st.Failure, st.FinishedAt = coverage.ImportFailed, "nothing was written: "+coverage.ErrorMessage(err), time.Now().UTC().Truncate(time.Millisecond)
		detached := context.WithoutCancel(ctx)
		derr := ri.Store.DeleteRosterImportRows(detached, st.ID, chunks)
		if derr != nil {
			ri.logger().Warn("delete the staged rows of a failed roster import", "import", st.ID, "error", derr)
		}
		// Taken over: the process that took it records its end. Otherwise
		// STAGING becomes FAILED (this process never committed it, so the
		// staged rows could go first).
		if !errors.Is(err, store.ErrLeaseLost) && !errors.Is(context.Cause(ctx), store.ErrLeaseLost) {
			if _, ferr := ri.Store.FinishRosterImport(detached, st.ID, coverage.ImportStaging, coverage.ImportFailed, st.Failure, st.FinishedAt, derr != nil); ferr != nil {
				ri.logger().Error("record a failed roster import", "import", st.ID, "error", ferr)
			} else {
				h.ended = true
			}
		}
		ri.logger().Warn("roster import failed, nothing written", "import", st.ID, "file", st.FileName, "error", err)
		return st.RosterImport, importError(err, "roster import %s of %s failed, nothing was written: %s", st.ID, st.FileName, coverage.ErrorMessage(err))
	}
	if err := ri.Store.CreateRosterImport(ctx, st); err != nil {
		return fail(err)
	}
	for seq := range chunks {
		if err := h.fence(); err != nil {
			return fail(err)
		}
		if err := ri.Store.StageRosterImportRows(ctx, st.ID, seq, entries[seq*importBatch:min((seq+1)*importBatch, len(entries))]); err != nil {
			return fail(err)
		}
	}
	if err := h.fence(); err != nil {
		return fail(err)
	}
	if err := ri.Store.CommitRosterImport(ctx, st.ID, chunks, time.Now()); err != nil {
		if coverage.ErrorCode(err) == coverage.ECONFLICT {
			return fail(err)
		}
		// The commit may or may not have landed: Resume finds out.
		return st.RosterImport, importError(err, "roster import %s of %s: its commit is not confirmed; it is finished or undone, all or nothing, within a minute or at the next import or start", st.ID, st.FileName)
	}
	st.Status, st.Chunks = coverage.ImportCommitting, chunks
	imp, err := ri.apply(ctx, st, h.fence, func(seq int) ([]coverage.RosterEntry, error) {
		return entries[seq*importBatch : min((seq+1)*importBatch, len(entries))], nil
	})
	h.ended = imp.Status == coverage.ImportCommitted
	return imp, err
}

// apply writes a committed import's chunks to the roster from the first
// not yet applied, recording progress after each, then ends it COMMITTED.
// fence, before each chunk and before the end, checks that this process
// still holds the import's lease: one that stalled past its TTL writes
// nothing more once another process has taken the import over.
func (ri *RosterImporter) apply(ctx context.Context, st store.RosterImportState, fence func() error, chunk func(seq int) ([]coverage.RosterEntry, error)) (coverage.RosterImport, error) {
	for seq := st.Applied; seq <= st.Chunks; seq++ {
		err := fence()
		if err == nil && seq == st.Chunks {
			break
		}
		var batch []coverage.RosterEntry
		if err == nil {
			batch, err = chunk(seq)
		}
		var counts coverage.SyncCounts
		if err == nil {
			counts, err = ri.write(ctx, batch)
		}
		if err != nil {
			note := fmt.Sprintf("%d of %d batches of rows written when the import stopped (%s); the rest are written when it is resumed, within a minute or at the next import or start",
				seq, st.Chunks, coverage.ErrorMessage(err))
			if errors.Is(err, store.ErrLeaseLost) || errors.Is(context.Cause(ctx), store.ErrLeaseLost) {
				note = "taken over by another process, which writes the rest"
			} else if perr := ri.Store.RosterImportProgress(context.WithoutCancel(ctx), st.ID, seq, st.Counts, note); perr != nil {
				ri.logger().Warn("record progress of a roster import", "import", st.ID, "error", perr)
			}
			st.Failure = note
			ri.logger().Error("roster import stopped after its commit point; it will be resumed", "import", st.ID, "file", st.FileName, "error", err)
			return st.RosterImport, importError(err, "roster import %s of %s stopped with %d of %d batches written; the rest are written within a minute or at the next import or start",
				st.ID, st.FileName, seq, st.Chunks)
		}
		st.Counts.Add(counts)
		st.Applied = seq + 1
		if err := ri.Store.RosterImportProgress(ctx, st.ID, st.Applied, st.Counts, ""); err != nil {
			return st.RosterImport, importError(err, "roster import %s of %s stopped with %d of %d batches written; the rest are written within a minute or at the next import or start",
				st.ID, st.FileName, st.Applied, st.Chunks)
		}
	}
	// Every row is written: the staged ones can go (Resume deletes them if
	// this fails), then the import ends.
	derr := ri.Store.DeleteRosterImportRows(ctx, st.ID, st.Chunks)
	if derr != nil {
		ri.logger().Warn("delete the staged rows of a roster import", "import", st.ID, "error", derr)
	}
	st.Status, st.Failure, st.FinishedAt = coverage.ImportCommitted, "", time.Now().UTC().Truncate(time.Millisecond)
	ok, err := ri.Store.FinishRosterImport(ctx, st.ID, coverage.ImportCommitting, coverage.ImportCommitted, "", st.FinishedAt, derr != nil)
	if err != nil {
		return st.RosterImport, importError(err, "roster import %s of %s: every row is written, but its end is not recorded yet (it is within a minute or at the next import or start)", st.ID, st.FileName)
	}
	if !ok { // another process ended it first: its report is the one
		cur, err := ri.Store.RosterImport(ctx, st.ID)
		if err != nil {
			return st.RosterImport, importError(err, "roster import %s of %s: every row is written, but another process ended it", st.ID, st.FileName)
		}
		return cur.RosterImport, nil
	}
	ri.logger().Info("roster imported", "import", st.ID, "file", st.FileName, "rows", st.Rows, "valid", st.Valid, "rejected", st.Rejected,
		"inserted", st.Counts.Inserted, "updated", st.Counts.Updated, "unchanged", st.Counts.Unchanged)
	return st.RosterImport, nil
}

// write writes one chunk of rows to the roster, trying again after a
// failure: a row equal to the stored entry but for its updated_at keeps the
// stored one.
func (ri *RosterImporter) write(ctx context.Context, batch []coverage.RosterEntry) (coverage.SyncCounts, error) {
	var err error
	wait := importBackoff
	for try := range importRetries {
		if try > 0 {
			select {
			case <-ctx.Done():
				return coverage.SyncCounts{}, ctx.Err()
			case <-time.After(wait):
			}
			wait *= 4
		}
		var counts coverage.SyncCounts
		if counts, err = ri.writeOnce(ctx, batch); err == nil || errors.Is(err, store.ErrLeaseLost) {
			return counts, err
		}
	}
	return coverage.SyncCounts{}, err
}

func (ri *RosterImporter) writeOnce(ctx context.Context, batch []coverage.RosterEntry) (coverage.SyncCounts, error) {
	keys := make([]string, len(batch))
	for i := range batch {
		keys[i] = batch[i].Key()
	}
	stored, err := ri.Store.RosterByKeys(ctx, keys)
	if err != nil {
		return coverage.SyncCounts{}, err
	}
	recs := make([]store.Record, len(batch))
	for i := range batch {
		e := batch[i]
		if old, ok := stored[e.Key()]; ok && sameButTime(old, e) {
			e.UpdatedAt = old.UpdatedAt
		}
		recs[i] = store.Record{Key: e.Key(), Value: &e, UpdatedAt: e.UpdatedAt}
	}
	return ri.Store.Apply(ctx, coverage.FeedRoster, recs)
}

// Resume finishes the imports that processes stopped without finishing
// (their leases expired): one stopped before its commit point is marked
// FAILED, its staged rows deleted, nothing having reached the roster; one
// stopped after it has its remaining rows written. It also deletes the
// staged rows a finished import left. Imports that a live process runs are
// left alone.
func (ri *RosterImporter) Resume(ctx context.Context) error {
	_, err := ri.resume(ctx)
	return err
}

// Run resumes roster imports until ctx ends: at once, then it looks again
// every LeaseTTL (at most a minute; one indexed query when none is
// pending) and resumes whatever is pending. An import stopped after its
// commit point by a failure (the database away for longer than its
// retries) is thus finished within a minute of the database's return, not
// at the next import or start; one held by a process that died just before
// this one started is taken over once its lease expires. A pass that fails
// for one import goes on with the others, and the next pass tries again.
// Each pass also removes the reports older than KeepReports. serve runs it.
func (ri *RosterImporter) Run(ctx context.Context) {
	for {
		if _, err := ri.resume(ctx); err != nil && ctx.Err() == nil {
			ri.logger().Warn("resume roster imports", "error", err)
		}
		if keep := ri.keepReports(); keep > 0 {
			if n, err := ri.Store.PruneRosterImports(ctx, time.Now().Add(-keep)); err != nil && ctx.Err() == nil {
				ri.logger().Warn("remove old roster import reports", "error", err)
			} else if n > 0 {
				ri.logger().Info("removed old roster import reports", "reports", n, "kept", keep.String())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ri.resumeTick():
		}
	}
}

// resumeEvery is how often Run looks for pending imports.
func (ri *RosterImporter) resumeEvery() time.Duration { return min(ri.leaseTTL(), time.Minute) }

func (ri *RosterImporter) resumeTick() <-chan time.Time {
	if ri.tick != nil {
		return ri.tick()
	}
	return time.After(ri.resumeEvery())
}

// resume makes one pass and returns how many pending imports a process
// holds.
func (ri *RosterImporter) resume(ctx context.Context) (held int, err error) {
	pending, err := ri.Store.PendingRosterImports(ctx)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, st := range pending {
		err := ri.resumeOne(ctx, st)
		if errors.Is(err, store.ErrLeaseHeld) {
			held++
			continue
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return held, errors.Join(errs...)
}

// resumeOne ends one pending import; ErrLeaseHeld when a process holds it.
func (ri *RosterImporter) resumeOne(ctx context.Context, st store.RosterImportState) error {
	staged := (st.Valid + importBatch - 1) / importBatch
	if st.Status.Finished() { // its staged rows were not deleted
		if err := ri.Store.DeleteRosterImportRows(ctx, st.ID, staged); err != nil {
			return err
		}
		_, err := ri.Store.FinishRosterImport(ctx, st.ID, st.Status, st.Status, st.Failure, st.FinishedAt, false)
		return err
	}
	lease, err := ri.Store.AcquireLease(ctx, store.LeaseRequest{Job: importJob(st.ID), Owner: ri.owner(), RunID: st.ID, TTL: ri.leaseTTL()})
	if err != nil {
		return err // ErrLeaseHeld: a live process runs it, or a dead one's lease has not expired yet
	}
	h := ri.hold(ctx, lease)
	defer h.release()
	// Read it again under the lease: its holder may have moved it on.
	if st, err = ri.Store.RosterImport(h.ctx, st.ID); err != nil {
		return err
	}
	if st.Status == coverage.ImportStaging {
		// FAILED first, then the staged rows go: its process, stalled past
		// its lease after its last check, may still pass its commit point,
		// and then it is COMMITTING and its staged rows are to be written.
		failure := fmt.Sprintf("nothing was written: %s stopped before every row was staged; import the file again", st.Owner)
		ok, err := ri.Store.FinishRosterImport(h.ctx, st.ID, coverage.ImportStaging, coverage.ImportFailed, failure, time.Now(), true)
		if err != nil {
			return err
		}
		if ok {
			h.ended = true
			ri.logger().Warn("abandoned roster import rolled back, nothing written", "import", st.ID, "file", st.FileName, "owner", st.Owner)
			if err := ri.Store.DeleteRosterImportRows(h.ctx, st.ID, staged); err != nil {
				return err // pending still: the next pass deletes them
			}
			_, err := ri.Store.FinishRosterImport(h.ctx, st.ID, coverage.ImportFailed, coverage.ImportFailed, failure, time.Now(), false)
			return err
		}
		// Committed meanwhile: finish it.
		if st, err = ri.Store.RosterImport(h.ctx, st.ID); err != nil {
			return err
		}
	}
	switch st.Status {
	case coverage.ImportCommitting:
		ri.logger().Info("resuming a roster import", "import", st.ID, "file", st.FileName, "owner", st.Owner, "written", st.Applied, "of", st.Chunks)
		imp, err := ri.apply(h.ctx, st, h.fence, func(seq int) ([]coverage.RosterEntry, error) { return ri.Store.RosterImportRows(h.ctx, st.ID, seq) })
		h.ended = imp.Status == coverage.ImportCommitted
		return err
	default: // finished meanwhile
		h.ended = true
		return nil
	}
}

// Report returns an import's report; ENOTFOUND when there is none.
func (ri *RosterImporter) Report(ctx context.Context, id string) (coverage.RosterImport, error) {
	st, err := ri.Store.RosterImport(ctx, id)
	return st.RosterImport, err
}

// Reports returns the newest imports' reports first, at most n.
func (ri *RosterImporter) Reports(ctx context.Context, n int) ([]coverage.RosterImport, error) {
	return ri.Store.RosterImports(ctx, n)
}

// holder keeps an import's lease while it runs: it renews it every third of
// its TTL, and cancels its context when the lease is lost to another process.
type holder struct {
	ri     *RosterImporter
	ctx    context.Context
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	lease  store.Lease
	stop   chan struct{}
	done   chan struct{}
	ended  bool // the import has ended: its lease is removed, not released
}

func (ri *RosterImporter) hold(ctx context.Context, l store.Lease) *holder {
	h := &holder{ri: ri, lease: l, stop: make(chan struct{}), done: make(chan struct{})}
	h.ctx, h.cancel = context.WithCancelCause(ctx)
	go func() {
		defer close(h.done)
		t := time.NewTicker(max(ri.leaseTTL()/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				if err := h.fence(); errors.Is(err, store.ErrLeaseLost) {
					return
				}
			}
		}
	}()
	return h
}

// fence renews the lease; it fails with ErrLeaseLost (and cancels the
// import's context) when another process has taken the import over.
func (h *holder) fence() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := context.Cause(h.ctx); err != nil {
		return err
	}
	l, err := h.ri.Store.RenewLease(h.ctx, h.lease, h.ri.leaseTTL())
	if errors.Is(err, store.ErrLeaseLost) {
		h.cancel(err)
		return err
	}
	if err == nil {
		h.lease = l
	}
	return err
}

func (h *holder) release() {
	close(h.stop)
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case errors.Is(context.Cause(h.ctx), store.ErrLeaseLost):
	case h.ended:
		if err := h.ri.Store.ForgetRosterImportLease(context.WithoutCancel(h.ctx), h.lease); err != nil {
			h.ri.logger().Warn("remove a roster import's lease", "job", h.lease.Job, "error", err)
		}
	default:
		if err := h.ri.Store.ReleaseLease(context.WithoutCancel(h.ctx), h.lease); err != nil {
			h.ri.logger().Warn("release a roster import's lease", "job", h.lease.Job, "error", err)
		}
	}
	h.cancel(nil)
}

// withContext makes a reader stop when ctx ends, keeping the random access
// (io.ReaderAt and io.Seeker) an XLSX file is read with.
func withContext(ctx context.Context, r io.Reader) io.Reader {
	cr := contextReader{ctx, r}
	ra, okAt := r.(io.ReaderAt)
	sk, okSeek := r.(io.Seeker)
	if okAt && okSeek {
		return contextReaderAt{cr, ra, sk}
	}
	return cr
}

type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type contextReaderAt struct {
	contextReader
	ra io.ReaderAt
	sk io.Seeker
}

func (c contextReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.ra.ReadAt(p, off)
}

func (c contextReaderAt) Seek(off int64, whence int) (int64, error) { return c.sk.Seek(off, whence) }

func sameButTime(a, b coverage.RosterEntry) bool {
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	return a == b
}

func (ri *RosterImporter) now() time.Time {
	if ri.Now != nil {
		return ri.Now()
	}
	return time.Now()
}

func (ri *RosterImporter) leaseTTL() time.Duration {
	if ri.LeaseTTL > 0 {
		return ri.LeaseTTL
	}
	return DefaultImportLeaseTTL
}

func (ri *RosterImporter) keepReports() time.Duration {
	if ri.KeepReports != 0 {
		return ri.KeepReports
	}
	return DefaultKeepImportReports
}

func (ri *RosterImporter) owner() string {
	if ri.Owner != "" {
		return ri.Owner
	}
	return ProcessOwner()
}

func (ri *RosterImporter) logger() *slog.Logger {
	if ri.Logger == nil {
		return slog.Default()
	}
	return ri.Logger
}
