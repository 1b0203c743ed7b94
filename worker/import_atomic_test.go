package worker_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
	"github.com/cilegon/jamsostek/worker"
)

// Roster imports are all or nothing (issue 15, item 6): an import cut by
// its client's timeout, by a failing database or by the death of its
// process ends with every valid row written or none, and its report stays
// in the store.

// rosterCSV is a roster of valid rows and two invalid ones.
func rosterCSV(valid int) string {
	var b strings.Builder
	b.WriteString("nik,name,category,agency,kelurahan_code,funded_from,funded_until\n")
	for i := range valid {
		fmt.Fprintf(&b, "3672%012d,Pekerja %d,KADER,Dinas Kesehatan,3672011001,2024-01,\n", i+1, i)
		if i == 10 {
			b.WriteString("36720112059,Budi,KADER,Dinas Kesehatan,3672011001,2024-01,\n")
			b.WriteString("3672011205900003,Citra,KADER,Dinas Kesehatan,3672011001,2024-13,\n")
		}
	}
	return b.String()
}

// faultStore is the store with hooks on the calls an import makes.
type faultStore struct {
	*store.Store
	applies atomic.Int32
	onApply func(ctx context.Context, n int) error // before the nth Apply
	onStage func(seq int) error
	onRenew func() error
	onClean func()
	// onCommit, when set, makes the commit: it may call commit when it
	// likes, or not.
	onCommit func(commit func() error) error
	onRead   func(st store.RosterImportState) // after RosterImport
	onRows   func(id string, seq int) error   // before RosterImportRows
	// clockAhead is added to the clock of the leases this store acquires:
	// the leases of other processes are seen expired.
	clockAhead time.Duration
}

func (f *faultStore) CommitRosterImport(ctx context.Context, id string, chunks int, at time.Time) error {
	if f.onCommit != nil {
		return f.onCommit(func() error { return f.Store.CommitRosterImport(ctx, id, chunks, at) })
	}
	return f.Store.CommitRosterImport(ctx, id, chunks, at)
}

func (f *faultStore) RosterImport(ctx context.Context, id string) (store.RosterImportState, error) {
	st, err := f.Store.RosterImport(ctx, id)
	if err == nil && f.onRead != nil {
		f.onRead(st)
	}
	return st, err
}

func (f *faultStore) RosterImportRows(ctx context.Context, id string, seq int) ([]coverage.RosterEntry, error) {
	if f.onRows != nil {
		if err := f.onRows(id, seq); err != nil {
			return nil, err
		}
	}
	return f.Store.RosterImportRows(ctx, id, seq)
}

func (f *faultStore) AcquireLease(ctx context.Context, r store.LeaseRequest) (store.Lease, error) {
	if f.clockAhead != 0 {
		r.Now = time.Now().Add(f.clockAhead)
	}
	return f.Store.AcquireLease(ctx, r)
}

func (f *faultStore) Apply(ctx context.Context, feed coverage.Feed, recs []store.Record) (coverage.SyncCounts, error) {
	if n := f.applies.Add(1); f.onApply != nil {
		if err := f.onApply(ctx, int(n)); err != nil {
			return coverage.SyncCounts{}, err
		}
	}
	return f.Store.Apply(ctx, feed, recs)
}

func (f *faultStore) StageRosterImportRows(ctx context.Context, id string, seq int, entries []coverage.RosterEntry) error {
	if f.onStage != nil {
		if err := f.onStage(seq); err != nil {
			return err
		}
	}
	return f.Store.StageRosterImportRows(ctx, id, seq, entries)
}

func (f *faultStore) RenewLease(ctx context.Context, l store.Lease, ttl time.Duration) (store.Lease, error) {
	if f.onRenew != nil {
		if err := f.onRenew(); err != nil {
			return l, err
		}
	}
	return f.Store.RenewLease(ctx, l, ttl)
}

func (f *faultStore) DeleteRosterImportRows(ctx context.Context, id string, upTo int) error {
	err := f.Store.DeleteRosterImportRows(ctx, id, upTo)
	if f.onClean != nil {
		f.onClean()
	}
	return err
}

func rosterCount(t *testing.T, s *store.Store) int64 {
	t.Helper()
	p, err := s.Roster(context.Background(), coverage.RosterFilter{}, coverage.PageRequest{First: 1})
	if err != nil {
		t.Fatal(err)
	}
	return p.TotalCount
}

// waitFinished polls an import's report until it has ended.
func waitFinished(t *testing.T, imp *worker.RosterImporter, id string) coverage.RosterImport {
	t.Helper()
	for {
		r, err := imp.Report(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status.Finished() {
			return r
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkCommitted checks the report of the import of rosterCSV(2500) into an
// empty roster.
func checkCommitted(t *testing.T, s *store.Store, r coverage.RosterImport) {
	t.Helper()
	if r.Status != coverage.ImportCommitted || r.Rows != 2502 || r.Valid != 2500 || r.Rejected != 2 || len(r.Errors) != 2 ||
		r.Counts.Inserted != 2500 || r.Counts.Updated != 0 || r.FinishedAt.IsZero() || r.Failure != "" {
		t.Errorf("report: %+v", r)
	}
	if n := rosterCount(t, s); n != 2500 {
		t.Errorf("the roster has %d entries, want 2500", n)
	}
	if pending, err := s.PendingRosterImports(context.Background()); err != nil || len(pending) != 0 {
		t.Errorf("pending imports: %+v %v", pending, err)
	}
	if _, err := s.RosterImportRows(context.Background(), r.ID, 0); err == nil {
		t.Error("the staged rows are still there")
	}
}

// TestRosterImportOutlivesItsRequest: the client's request ends (its
// timeout) once the rows are being written. The import left 99,000 of
// 199,000 rows written and no report; now it goes on to its end, and its
// report says so.
func TestRosterImportOutlivesItsRequest(t *testing.T) {
	s := storetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fs := &faultStore{Store: s, onApply: func(_ context.Context, n int) error {
		if n == 1 {
			cancel() // the client gives up while the first rows are written
		}
		return nil
	}}
	imp := &worker.RosterImporter{Store: fs, Areas: coverage.Cilegon()}
	got, err := imp.ImportRoster(ctx, "besar.csv", strings.NewReader(rosterCSV(2500)))
	if err != nil && (coverage.ErrorCode(err) != coverage.EUNAVAILABLE || !strings.Contains(err.Error(), "goes on")) {
		t.Fatalf("import: %v", err)
	}
	if got.ID == "" {
		t.Fatalf("the import has no id: %+v %v", got, err)
	}
	r := waitFinished(t, imp, got.ID)
	checkCommitted(t, s, r)
	if list, err := imp.Reports(context.Background(), 10); err != nil || len(list) != 1 || list[0].ID != got.ID || len(list[0].Errors) != 2 {
		t.Errorf("reports: %+v %v", list, err)
	}
}

// TestRosterImportCancelledWhileReadingWritesNothing: cancelled while the
// file is read, an import leaves nothing, not even a report.
func TestRosterImportCancelledWhileReadingWritesNothing(t *testing.T) {
	s := storetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	imp := &worker.RosterImporter{Store: s, Areas: coverage.Cilegon()}
	r := &cancelAfter{r: strings.NewReader(rosterCSV(2500)), cancel: cancel}
	_, err := imp.ImportRoster(ctx, "besar.csv", r)
	if coverage.ErrorCode(err) != coverage.EUNAVAILABLE || !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("import: %v, want cancelled with nothing written", err)
	}
	if n := rosterCount(t, s); n != 0 {
		t.Errorf("the roster has %d entries", n)
	}
	if list, err := imp.Reports(context.Background(), 10); err != nil || len(list) != 0 {
		t.Errorf("reports: %+v %v", list, err)
	}
}

// cancelAfter cancels its context after the first read.
type cancelAfter struct {
	r      *strings.Reader
	cancel context.CancelFunc
	reads  int
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.reads++; c.reads == 2 {
		c.cancel()
	}
	return c.r.Read(p[:min(len(p), 4096)])
}

// TestRosterImportFailingBeforeItsCommitWritesNothing: the database fails
// while the rows are staged: nothing reaches the roster, the report says
// FAILED and why, the staged rows are deleted.
func TestRosterImportFailingBeforeItsCommitWritesNothing(t *testing.T) {
	s := storetest.Open(t)
	fs := &faultStore{Store: s, onStage: func(seq int) error {
		if seq == 2 {
			return errors.New("connection reset by peer")
		}
		return nil
	}}
	imp := &worker.RosterImporter{Store: fs, Areas: coverage.Cilegon()}
	got, err := imp.ImportRoster(context.Background(), "besar.csv", strings.NewReader(rosterCSV(2500)))
	if err == nil || !strings.Contains(err.Error(), "nothing was written") || got.Status != coverage.ImportFailed {
		t.Fatalf("import: %+v %v, want FAILED with nothing written", got, err)
	}
	if n := rosterCount(t, s); n != 0 {
		t.Errorf("the roster has %d entries, want none", n)
	}
	r, err := imp.Report(context.Background(), got.ID)
	if err != nil || r.Status != coverage.ImportFailed || !strings.HasPrefix(r.Failure, "nothing was written") || len(r.Errors) != 2 || r.Valid != 2500 {
		t.Errorf("report: %+v %v", r, err)
	}
	for seq := range 2 {
		if _, err := s.RosterImportRows(context.Background(), got.ID, seq); err == nil {
			t.Errorf("staged chunk %d is still there", seq)
		}
	}
	if pending, err := s.PendingRosterImports(context.Background()); err != nil || len(pending) != 0 {
		t.Errorf("pending imports: %+v %v", pending, err)
	}
}

// TestRosterImportCutAfterItsCommitIsResumed: the database goes away after
// the first 1,000 rows are written. The import reports what is left; the
// next importer (the next import or start) writes the rest.
func TestRosterImportCutAfterItsCommitIsResumed(t *testing.T) {
	s := storetest.Open(t)
	fs := &faultStore{Store: s, onApply: func(_ context.Context, n int) error {
		if n > 1 {
			return errors.New("server selection timeout")
		}
		return nil
	}}
	first := &worker.RosterImporter{Store: fs, Areas: coverage.Cilegon(), Owner: "replica-1"}
	got, err := first.ImportRoster(context.Background(), "besar.csv", strings.NewReader(rosterCSV(2500)))
	if err == nil || !strings.Contains(err.Error(), "stopped with 1 of 3 batches written") || got.Status != coverage.ImportCommitting {
		t.Fatalf("import: %+v %v", got, err)
	}
	r, err := first.Report(context.Background(), got.ID)
	if err != nil || r.Status != coverage.ImportCommitting || !strings.Contains(r.Failure, "1 of 3 batches") || r.Counts.Inserted != 1000 {
		t.Errorf("report while cut: %+v %v", r, err)
	}
	if n := rosterCount(t, s); n != 1000 {
		t.Errorf("the roster has %d entries, want the first 1000", n)
	}
	second := &worker.RosterImporter{Store: s, Areas: coverage.Cilegon(), Owner: "replica-2"}
	if err := second.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	r, err = second.Report(context.Background(), got.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkCommitted(t, s, r)
}

// TestAbandonedImportIsRolledBack: the process staging an import stops
// (hangs or dies: its lease expires). Another one marks the import FAILED
// and deletes what was staged; when the first one wakes up, it has lost the
// import's lease and writes nothing.
func TestAbandonedImportIsRolledBack(t *testing.T) {
	s := storetest.Open(t)
	blocked, wake, cleaned := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var stuck atomic.Bool
	var once sync.Once
	fs := &faultStore{Store: s,
		onStage: func(seq int) error {
			if seq == 1 {
				stuck.Store(true)
				close(blocked)
				<-wake
			}
			return nil
		},
		onRenew: func() error {
			if stuck.Load() {
				<-wake
			}
			return nil
		},
		onClean: func() { once.Do(func() { close(cleaned) }) },
	}
	dying := &worker.RosterImporter{Store: fs, Areas: coverage.Cilegon(), Owner: "replica-1", LeaseTTL: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan coverage.RosterImport, 1)
	go func() {
		got, _ := dying.ImportRoster(ctx, "besar.csv", strings.NewReader(rosterCSV(2500)))
		returned <- got
	}()
	<-blocked
	cancel()
	id := (<-returned).ID
	if id == "" {
		t.Fatal("no import id")
	}
	other := &worker.RosterImporter{Store: s, Areas: coverage.Cilegon(), Owner: "replica-2"}
	var r coverage.RosterImport
	for !r.Status.Finished() { // the dying lease expires a millisecond after its last renewal
		if err := other.Resume(context.Background()); err != nil {
			t.Fatal(err)
		}
		var err error
		if r, err = other.Report(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if r.Status != coverage.ImportFailed || !strings.Contains(r.Failure, "nothing was written: replica-1 stopped before every row was staged") {
		t.Errorf("report: %+v", r)
	}
	if n := rosterCount(t, s); n != 0 {
		t.Errorf("the roster has %d entries", n)
	}
	close(wake)
	<-cleaned // the woken process gave up
	if r, err := other.Report(context.Background(), id); err != nil || r.Status != coverage.ImportFailed {
		t.Errorf("report after the first process woke up: %+v %v", r, err)
	}
	if n := rosterCount(t, s); n != 0 {
		t.Errorf("the roster has %d entries", n)
	}
	for seq := range 3 {
		if _, err := s.RosterImportRows(context.Background(), id, seq); err == nil {
			t.Errorf("staged chunk %d is still there", seq)
		}
	}
}

// TestRosterImportCommittedDuringItsRollbackIsWritten: the process of an
// import stalls after its last lease check, just before its commit, past
// its lease's TTL. Another process takes the import over and reads it
// STAGING; the stalled commit lands; then the other process rolls the
// import back. The rollback must not apply (the import is COMMITTING: its
// staged rows are kept and written), and the stalled process, fenced off,
// writes no more: the import ends COMMITTED with every row, never FAILED
// "nothing was written" with rows in the roster.
func TestRosterImportCommittedDuringItsRollbackIsWritten(t *testing.T) {
	s := storetest.Open(t)
	committing, proceed := make(chan struct{}), make(chan struct{})
	stalled := &faultStore{Store: s, onCommit: func(commit func() error) error {
		close(committing)
		<-proceed // stalled past the lease's TTL
		return commit()
	}}
	// An hour's TTL: the stalled process renews nothing by itself while
	// the test runs; the other one sees the lease expired (clockAhead).
	first := &worker.RosterImporter{Store: stalled, Areas: coverage.Cilegon(), Owner: "replica-1", LeaseTTL: time.Hour}
	returned := make(chan error, 1)
	go func() {
		_, err := first.ImportRoster(context.Background(), "besar.csv", strings.NewReader(rosterCSV(2500)))
		returned <- err
	}()
	<-committing

	var once sync.Once
	var firstErr error
	taker := &faultStore{Store: s, clockAhead: 2 * time.Hour, onRead: func(st store.RosterImportState) {
		if st.Status != coverage.ImportStaging {
			return
		}
		once.Do(func() { // read STAGING under the lease: now the stalled commit lands, and its process goes on
			close(proceed)
			firstErr = <-returned
		})
	}}
	second := &worker.RosterImporter{Store: taker, Areas: coverage.Cilegon(), Owner: "replica-2"}
	if err := second.Resume(context.Background()); err != nil {
		t.Fatalf("resume: %v", err)
	}
	select {
	case <-proceed:
	default:
		t.Fatal("the import was never read STAGING under the other process's lease")
	}
	if firstErr == nil {
		t.Error("the stalled process reported success though it lost its lease")
	}
	if n := stalled.applies.Load(); n != 0 {
		t.Errorf("the stalled process wrote %d batches after it lost its lease", n)
	}
	list, err := second.Reports(context.Background(), 1)
	if err != nil || len(list) != 1 {
		t.Fatalf("reports: %+v %v", list, err)
	}
	checkCommitted(t, s, list[0])
}

// TestRosterImportCutOnALiveProcessIsFinishedByRun: the database fails
// after an import's commit point, longer than the import's retries; the
// process lives on. Run finishes the import at its next pass, without an
// import or a restart; a pass that fails for one import (here, another one
// whose staged rows cannot be read yet) finishes the others, and the
// failing one at a later pass.
func TestRosterImportCutOnALiveProcessIsFinishedByRun(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	// Another import, left COMMITTING with its lease free.
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	other := store.RosterImportState{RosterImport: coverage.RosterImport{ID: store.NewRosterImportID(at), FileName: "kecil.csv",
		Status: coverage.ImportStaging, StartedAt: at, Rows: 1, Valid: 1}, Owner: "replica-0"}
	if err := s.CreateRosterImport(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := s.StageRosterImportRows(ctx, other.ID, 0, []coverage.RosterEntry{{NIK: "3672019999999999", Name: "Dewi", Category: "KADER",
		Agency: "Dinas Kesehatan", KelurahanCode: "3672011001", FundedFrom: "2024-01", UpdatedAt: at}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitRosterImport(ctx, other.ID, 1, at); err != nil {
		t.Fatal(err)
	}

	var down, otherDown atomic.Bool
	down.Store(true)
	otherDown.Store(true)
	fs := &faultStore{Store: s,
		onApply: func(_ context.Context, n int) error {
			if n > 1 && down.Load() {
				return errors.New("server selection timeout")
			}
			return nil
		},
		onRows: func(id string, _ int) error {
			if id == other.ID && otherDown.Load() {
				return errors.New("server selection timeout")
			}
			return nil
		},
	}
	imp := &worker.RosterImporter{Store: fs, Areas: coverage.Cilegon(), Owner: "replica-1"}
	// The import runs before Run starts (Run's first pass would take the
	// other import's lease from under the import's own Resume otherwise).
	got, err := imp.ImportRoster(ctx, "besar.csv", strings.NewReader(rosterCSV(2500)))
	if err == nil || got.Status != coverage.ImportCommitting {
		t.Fatalf("import: %+v %v, want cut after its commit point", got, err)
	}
	down.Store(false) // the database is back

	tick := make(chan time.Time)
	worker.SetResumeTick(imp, tick)
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		imp.Run(runCtx)
	}()
	passed(t, tick, ran) // the first pass is done (and the second starts)
	r, err := imp.Report(ctx, got.ID)
	if err != nil || r.Status != coverage.ImportCommitted || r.Counts.Inserted != 2500 || r.Failure != "" {
		t.Errorf("the cut import after the first pass: %+v %v", r, err)
	}
	if n := rosterCount(t, s); n != 2500 {
		t.Errorf("the roster has %d entries, want 2500", n)
	}
	if o, err := imp.Report(ctx, other.ID); err != nil || o.Status != coverage.ImportCommitting {
		t.Errorf("the other import after a failing pass: %+v %v", o, err)
	}
	otherDown.Store(false)
	// A tick both ends the wait after a pass and starts the next one: the
	// second pass (started by the tick above, perhaps with the database
	// still away for the other import) is done at the first tick here, and a
	// whole pass with the database back at the second.
	passed(t, tick, ran)
	passed(t, tick, ran)
	stop()
	<-ran
	if o, err := imp.Report(ctx, other.ID); err != nil || o.Status != coverage.ImportCommitted || o.Counts.Inserted != 1 {
		t.Errorf("the other import: %+v %v", o, err)
	}
	if pending, err := s.PendingRosterImports(ctx); err != nil || len(pending) != 0 {
		t.Errorf("pending imports: %+v %v", pending, err)
	}
}

// passed returns once Run has made a pass and waits for tick; it fails the
// test if Run returned instead.
func passed(t *testing.T, tick chan<- time.Time, ran <-chan struct{}) {
	t.Helper()
	select {
	case tick <- time.Time{}:
	case <-ran:
		t.Fatal("Run returned")
	}
}
