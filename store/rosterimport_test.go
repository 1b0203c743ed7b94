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
	if err := s.FinishRosterImport(ctx, st.ID, coverage.ImportCommitted, "", at, false); err != nil {
		t.Fatal(err)
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
