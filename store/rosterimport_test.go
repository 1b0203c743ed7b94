package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestRosterImportRecords: an import's report, row errors in chunks, staged
// rows, commit point (once), progress, end; newest first; pending until its
// staged rows are gone.
func TestRosterImportRecords(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	st := store.RosterImportState{RosterImport: coverage.RosterImport{ID: store.NewRosterImportID(at), FileName: "a.xlsx",
		StartedAt: at, Rows: 2600, Valid: 100, Rejected: 2500}, Owner: "p1"}
	for i := range 2500 {
		st.Errors = append(st.Errors, coverage.RowError{Row: i + 2, Column: "nik", Value: "x", Reason: fmt.Sprint("reason ", i)})
	}
	if err := s.CreateRosterImport(ctx, st); err != nil {
		t.Fatal(err)
	}
	entries := []coverage.RosterEntry{{NIK: "3672011205900003", Name: "Ahmad", Category: "KADER", Agency: "Dinkes",
		KelurahanCode: "3672011001", FundedFrom: "2024-01", UpdatedAt: at}}
	if err := s.StageRosterImportRows(ctx, st.ID, 0, entries); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitRosterImport(ctx, st.ID, 1, at); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitRosterImport(ctx, st.ID, 1, at); coverage.ErrorCode(err) != coverage.ECONFLICT {
		t.Errorf("a second commit: %v, want CONFLICT", err)
	}
	got, err := s.RosterImportRows(ctx, st.ID, 0)
	if err != nil || len(got) != 1 || got[0] != entries[0] {
		t.Errorf("staged rows: %+v %v", got, err)
	}
	if err := s.RosterImportProgress(ctx, st.ID, 1, coverage.SyncCounts{Inserted: 1}, ""); err != nil {
		t.Fatal(err)
	}
	pending, err := s.PendingRosterImports(ctx)
	if err != nil || len(pending) != 1 || pending[0].Status != coverage.ImportCommitting || pending[0].Chunks != 1 || pending[0].Applied != 1 || pending[0].Owner != "p1" {
		t.Fatalf("pending: %+v %v", pending, err)
	}
	if err := s.DeleteRosterImportRows(ctx, st.ID, 1); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.FinishRosterImport(ctx, st.ID, coverage.ImportCommitting, coverage.ImportCommitted, "", at, false); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, err := s.RosterImportRows(ctx, st.ID, 0); err == nil {
		t.Error("staged rows left")
	}
	r, err := s.RosterImport(ctx, st.ID)
	if err != nil || r.Status != coverage.ImportCommitted || r.Counts.Inserted != 1 || len(r.Errors) != 2500 || r.Errors[2499] != st.Errors[2499] || r.Pending {
		t.Errorf("report: %+v %v", r.RosterImport.Status, err)
	}
	later := st
	later.ID, later.Errors = store.NewRosterImportID(at.Add(time.Second)), nil
	if err := s.CreateRosterImport(ctx, later); err != nil {
		t.Fatal(err)
	}
	list, err := s.RosterImports(ctx, 10)
	if err != nil || len(list) != 2 || list[0].ID != later.ID || list[1].ID != st.ID {
		t.Errorf("newest first: %v", err)
	}
	if _, err := s.RosterImport(ctx, "ri-none"); coverage.ErrorCode(err) != coverage.ENOTFOUND {
		t.Errorf("an unknown import: %v", err)
	}
}

// TestRosterImportTransitionsAreGuarded: each status change applies only
// from the status it leaves, and says whether it applied: a rollback
// (STAGING to FAILED) does not undo an import committed meanwhile, and a
// commit does not revive one rolled back.
func TestRosterImportTransitionsAreGuarded(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	newImport := func(sec int) string {
		st := store.RosterImportState{RosterImport: coverage.RosterImport{ID: store.NewRosterImportID(at.Add(time.Duration(sec) * time.Second)),
			FileName: "a.csv", StartedAt: at, Rows: 1, Valid: 1}, Owner: "p1"}
		if err := s.CreateRosterImport(ctx, st); err != nil {
			t.Fatal(err)
		}
		return st.ID
	}
	status := func(id string) (coverage.RosterImportStatus, bool) {
		r, err := s.RosterImport(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status, r.Pending
	}

	committed := newImport(0)
	if err := s.CommitRosterImport(ctx, committed, 1, at); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.FinishRosterImport(ctx, committed, coverage.ImportStaging, coverage.ImportFailed, "nothing was written", at, false); err != nil || ok {
		t.Errorf("rolling back a committed import: applied %v, %v", ok, err)
	}
	if st, pending := status(committed); st != coverage.ImportCommitting || !pending {
		t.Errorf("after a late rollback: %s pending %v, want COMMITTING pending", st, pending)
	}
	if ok, err := s.FinishRosterImport(ctx, committed, coverage.ImportCommitting, coverage.ImportCommitted, "", at, false); err != nil || !ok {
		t.Errorf("commit's end: applied %v, %v", ok, err)
	}
	if ok, err := s.FinishRosterImport(ctx, committed, coverage.ImportCommitting, coverage.ImportCommitted, "", at, false); err != nil || ok {
		t.Errorf("a second end: applied %v, %v", ok, err)
	}

	failed := newImport(1)
	if ok, err := s.FinishRosterImport(ctx, failed, coverage.ImportStaging, coverage.ImportFailed, "nothing was written", at, true); err != nil || !ok {
		t.Fatalf("rollback: applied %v, %v", ok, err)
	}
	if err := s.CommitRosterImport(ctx, failed, 1, at); coverage.ErrorCode(err) != coverage.ECONFLICT {
		t.Errorf("committing a rolled back import: %v, want CONFLICT", err)
	}
	if ok, err := s.FinishRosterImport(ctx, failed, coverage.ImportCommitting, coverage.ImportCommitted, "", at, false); err != nil || ok {
		t.Errorf("ending a rolled back import COMMITTED: applied %v, %v", ok, err)
	}
	if st, pending := status(failed); st != coverage.ImportFailed || !pending {
		t.Errorf("rolled back, rows not deleted: %s pending %v", st, pending)
	}
	if ok, err := s.FinishRosterImport(ctx, failed, coverage.ImportFailed, coverage.ImportFailed, "", at, false); err != nil || !ok {
		t.Errorf("clearing pending: applied %v, %v", ok, err)
	}
	if r, err := s.RosterImport(ctx, failed); err != nil || r.Status != coverage.ImportFailed || r.Pending || r.Failure != "nothing was written" {
		t.Errorf("rolled back: %+v %v", r, err)
	}
	if _, err := s.FinishRosterImport(ctx, failed, coverage.ImportStaging, coverage.ImportCommitted, "", at, false); err == nil {
		t.Error("STAGING to COMMITTED was accepted")
	}
}

// TestRosterImportErrorsNeverWithoutTheirImport: the row errors (NIKs,
// names) are stored after the import document, so that a failure between
// leaves none without an owner. Here the import document cannot be stored
// (its id is taken): none of its row errors is.
func TestRosterImportErrorsNeverWithoutTheirImport(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	st := store.RosterImportState{RosterImport: coverage.RosterImport{ID: store.NewRosterImportID(at), FileName: "a.csv",
		StartedAt: at, Rows: 1, Rejected: 1, Errors: []coverage.RowError{{Row: 2, Column: "nik", Value: "3672011205900003", Reason: "first"}}}, Owner: "p1"}
	if err := s.CreateRosterImport(ctx, st); err != nil {
		t.Fatal(err)
	}
	again := st
	again.Errors = []coverage.RowError{{Row: 2, Column: "name", Value: "Budi Santoso", Reason: "second"}}
	if err := s.CreateRosterImport(ctx, again); err == nil {
		t.Fatal("an import stored twice")
	}
	r, err := s.RosterImport(ctx, st.ID)
	if err != nil || len(r.Errors) != 1 || r.Errors[0] != st.Errors[0] {
		t.Errorf("row errors: %+v %v, want the first import's only", r.Errors, err)
	}
}

// TestRosterImportRetention: the reports of finished imports begun before
// the retention's start go, with their row errors; newer ones and pending
// ones stay.
func TestRosterImportRetention(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	newImport := func(started time.Time, finish bool) string {
		st := store.RosterImportState{RosterImport: coverage.RosterImport{ID: store.NewRosterImportID(started), FileName: "a.csv",
			StartedAt: started, Rows: 1, Rejected: 1, Errors: []coverage.RowError{{Row: 2, Column: "nik", Value: "3672011205900003", Reason: "x"}}}, Owner: "p1"}
		if err := s.CreateRosterImport(ctx, st); err != nil {
			t.Fatal(err)
		}
		if finish {
			if ok, err := s.FinishRosterImport(ctx, st.ID, coverage.ImportStaging, coverage.ImportFailed, "nothing was written", started, false); err != nil || !ok {
				t.Fatal(ok, err)
			}
		}
		return st.ID
	}
	old, oldPending, recent := newImport(at, true), newImport(at.Add(time.Second), false), newImport(at.Add(48*time.Hour), true)
	if n, err := s.PruneRosterImports(ctx, at.Add(24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("prune: %d %v, want 1", n, err)
	}
	if _, err := s.RosterImport(ctx, old); coverage.ErrorCode(err) != coverage.ENOTFOUND {
		t.Errorf("the old report: %v, want gone", err)
	}
	if n, err := s.RosterImportErrorDocs(ctx, old); err != nil || n != 0 {
		t.Errorf("the old report's row errors: %d %v, want gone", n, err)
	}
	for _, id := range []string{oldPending, recent} {
		if r, err := s.RosterImport(ctx, id); err != nil || len(r.Errors) != 1 {
			t.Errorf("report %s: %+v %v, want kept", id, r, err)
		}
	}
}
