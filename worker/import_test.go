package worker_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store/storetest"
	"github.com/cilegon/jamsostek/worker"
)

// TestRosterImportIsIdempotent imports a CSV roster with good and bad rows,
// then the same file again (nothing changes), then an XLSX version with one
// row changed (one update), and reads the roster back from the store.
func TestRosterImportIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	clock := time.Date(2024, 9, 2, 8, 0, 0, 0, time.UTC)
	imp := &worker.RosterImporter{Store: s, Areas: coverage.Cilegon(), Now: func() time.Time { clock = clock.Add(time.Hour); return clock }}
	csv := "nik;nama;kategori;instansi;kode_kelurahan;funded_from;funded_until\r\n" +
		"3672011205900003;Ahmad Fauzi;RT_RW;Bagian Pemerintahan;3672011001;2024-01;\r\n" +
		"3672085206850012;Siti Aminah;KADER;Dinas Kesehatan;3672081007;2024-02;2024-12\r\n" +
		"367201120590003;Budi;RT_RW;Bagian Pemerintahan;3672011001;2024-01;\r\n" +
		"3672011205900011;Citra;KADER;Dinas Kesehatan;3672019999;2024-01;\r\n"

	first, err := imp.ImportRoster(ctx, "roster.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if first.Rows != 4 || first.Valid != 2 || first.Rejected != 2 || first.Counts.Inserted != 2 || len(first.Errors) != 2 ||
		first.Errors[0].Row != 4 || first.Errors[0].Column != "nik" || first.Errors[1].Row != 5 || first.Errors[1].Column != "kelurahan_code" {
		t.Fatalf("first import: %+v", first)
	}
	again, err := imp.ImportRoster(ctx, "roster.csv", strings.NewReader(csv))
	if err != nil || again.Counts.Inserted != 0 || again.Counts.Updated != 0 || again.Counts.Unchanged != 2 {
		t.Fatalf("the same file again: %+v %v, want 2 unchanged", again.Counts, err)
	}

	f := excelize.NewFile()
	rows := [][]any{
		{"NIK", "Name", "Category", "Agency", "Kelurahan_Code", "Funded_From", "Funded_Until"},
		{"3672011205900003", "Ahmad Fauzi", "RT_RW", "Bagian Pemerintahan", "3672011001", "2024-01", ""},
		{"3672085206850012", "Siti Aminah", "KADER", "Dinas Kesehatan", "3672081007", "2024-02", "2024-09"}, // ended early
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	changed, err := imp.ImportRoster(ctx, "roster.xlsx", &buf)
	if err != nil || changed.Counts.Updated != 1 || changed.Counts.Unchanged != 1 || changed.Rejected != 0 {
		t.Fatalf("XLSX with one row changed: %+v %v", changed, err)
	}
	got := all(t, func(p coverage.PageRequest) (coverage.Page[coverage.RosterEntry], error) {
		return s.Roster(ctx, coverage.RosterFilter{}, p)
	})
	if len(got) != 2 {
		t.Fatalf("stored roster: %+v", got)
	}
	for _, e := range got {
		if e.NIK == "3672085206850012" && (e.FundedUntil != "2024-09" || !e.UpdatedAt.Equal(time.Date(2024, 9, 2, 11, 0, 0, 0, time.UTC))) {
			t.Errorf("changed entry: %+v, want funded until 2024-09 as of the third import", e)
		}
		if e.NIK == "3672011205900003" && !e.UpdatedAt.Equal(time.Date(2024, 9, 2, 9, 0, 0, 0, time.UTC)) {
			t.Errorf("unchanged entry: updated_at %v, want the first import's", e.UpdatedAt)
		}
	}
	if _, err := imp.ImportRoster(ctx, "roster.pdf", strings.NewReader("x")); coverage.ErrorCode(err) != coverage.EINVALID {
		t.Errorf("a PDF: got %v, want EINVALID", err)
	}
}
