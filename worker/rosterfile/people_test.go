package rosterfile_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/worker/rosterfile"
)

func TestReadPeopleCSV(t *testing.T) {
	file := "Nama;NIK;Kode Kelurahan;catatan\n" +
		"Ahmad;3672011205900001;3672011001;x\n" +
		"Bad;36720112059;3672011001;\n" +
		"Out;3672011205900002;3201011001;\n" +
		"Dup;'3672011205900001;3672011002;\n" +
		";;;\n" +
		"Siti;3672085206850012;'3672081007;\n"
	got, err := rosterfile.ReadPeople(strings.NewReader(file), "marbot.CSV", coverage.Cilegon())
	if err != nil {
		t.Fatal(err)
	}
	want := []coverage.ScenarioRosterRow{{NIK: "3672011205900001", Kelurahan: "3672011001"}, {NIK: "3672085206850012", Kelurahan: "3672081007"}}
	if !slices.Equal(got.Rows, want) || got.Rejected != 3 || got.Read != 5 || len(got.Problems) != 3 {
		t.Fatalf("got %+v", got)
	}
	for i, row := range []string{"row 3: ", "row 4: kelurahan_code", "row 5: duplicate of row 2"} {
		if !strings.HasPrefix(got.Problems[i], row) {
			t.Errorf("problem %d: %q, want it to start %q", i, got.Problems[i], row)
		}
	}
	for _, p := range got.Problems {
		if strings.Contains(p, "36720112059") {
			t.Errorf("a problem quotes a NIK: %q", p)
		}
	}
	if _, err := rosterfile.ReadPeople(strings.NewReader("nik,name\n3672011205900001,A\n"), "a.csv", coverage.Cilegon()); err == nil ||
		!strings.Contains(err.Error(), "kelurahan_code") {
		t.Errorf("no kelurahan column: %v", err)
	}
	if _, err := rosterfile.ReadPeople(strings.NewReader(""), "a.txt", coverage.Cilegon()); coverage.ErrorCode(err) != coverage.EINVALID {
		t.Errorf("a .txt file: %v", err)
	}
}

func TestReadPeopleProblemsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("nik,kelurahan_code\n")
	for range 30 {
		b.WriteString("123,3672011001\n")
	}
	got, err := rosterfile.ReadPeople(strings.NewReader(b.String()), "a.csv", coverage.Cilegon())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != 0 || got.Rejected != 30 || len(got.Problems) != rosterfile.MaxPeopleProblems {
		t.Errorf("got %d rows, %d rejected, %d problems", len(got.Rows), got.Rejected, len(got.Problems))
	}
}

func TestReadPeopleXLSXNumberNIK(t *testing.T) {
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	_ = f.SetSheetRow(sheet, "A1", &[]any{"nik", "kelurahan_code"})
	_ = f.SetSheetRow(sheet, "A2", &[]any{"3672011205900001", "3672011001"})
	_ = f.SetSheetRow(sheet, "A3", &[]any{3672011205900002, "3672011001"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := rosterfile.ReadPeople(&buf, "p.xlsx", coverage.Cilegon())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != 1 || got.Rejected != 1 || !strings.HasPrefix(got.Problems[0], "row 3: nik is stored as a number") {
		t.Fatalf("got %+v", got)
	}
}
