package rosterfile_test

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/worker/rosterfile"
	"github.com/xuri/excelize/v2"
)

var importedAt = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// Kelurahan of Kota Cilegon, as in coverage's tests.
const (
	cibeber   = "3672011001"
	suralaya  = "3672031004"
	citangkil = "3672081007"
)

func entry(nik, name string, cat coverage.Category, agency, kel string, from, until coverage.Period) coverage.RosterEntry {
	return coverage.RosterEntry{NIK: nik, Name: name, Category: cat, Agency: agency, KelurahanCode: kel,
		FundedFrom: from, FundedUntil: until, UpdatedAt: importedAt}
}

func read(t *testing.T, name, data string) *rosterfile.Result {
	t.Helper()
	res, err := rosterfile.Read(strings.NewReader(data), name, coverage.Cilegon(), importedAt)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return res
}

func check(t *testing.T, res *rosterfile.Result, rows int, entries []coverage.RosterEntry, errs []rosterfile.RowError) {
	t.Helper()
	if res.Rows != rows {
		t.Errorf("Rows = %d, want %d", res.Rows, rows)
	}
	if !reflect.DeepEqual(res.Entries, entries) {
		t.Errorf("Entries:\n got %+v\nwant %+v", res.Entries, entries)
	}
	if !reflect.DeepEqual(res.Errors, errs) {
		t.Errorf("Errors:")
		for _, e := range res.Errors {
			t.Errorf("  got  %#v", e)
		}
		for _, e := range errs {
			t.Errorf("  want %#v", e)
		}
	}
	if res.ErrorCount != len(errs) {
		t.Errorf("ErrorCount = %d, want %d", res.ErrorCount, len(errs))
	}
	// Every entry passes the feed's validation.
	for _, e := range res.Entries {
		if err := e.Validate(coverage.Cilegon()); err != nil {
			t.Errorf("entry %s does not validate: %v", e.Key(), err)
		}
	}
}

func TestCSVComma(t *testing.T) {
	data := `nik,name,category,agency,kelurahan_code,funded_from,funded_until,notes
3672011205900003,Ahmad Fauzi,RT_RW,Bagian Pemerintahan,3672011001,2024-01,,ketua RT 03
'3672085206850012 , Siti Aminah ,KADER,Dinas Kesehatan,3672081007,2024-02-15,2024-12,
367201120590003,Budi,RT_RW,Bagian Pemerintahan,3672011001,2024-01,,
3672011205900011,Citra,KADER,Dinas Kesehatan,3672019999,2024-01,,
3672011205900029,Dedi,Kader Kesehatan,Dinas Kesehatan,3672011001,2024-01,,
3672011205900037,Eka,LINMAS,Satpol PP,3672031004,2024-13,,
3672011205900045,Fajar,LINMAS,Satpol PP,3672031004,2024-06,2024-03,
 , ,,,,,,
3672011205900003,Ahmad Fauzi,RT_RW,Kelurahan Cibeber,3672011001,2024-03,,
3672011205900003,Ahmad Fauzi,LINMAS,Satpol PP,3672011001,2024-03,,
3672011205900052,Gita,PENJAGA_MAKAM,"DLH, Bidang Pemakaman",3672031004,2023-11,2024-10,
3672011205900060,,KADER,,3672011001,,,
3672011205900078,Hana,KADER,Dinas Kesehatan,367201100,Januari 2024,2024/12
`
	res := read(t, "roster.csv", data)
	check(t, res, 12, []coverage.RosterEntry{
		entry("3672011205900003", "Ahmad Fauzi", coverage.CategoryRTRW, "Bagian Pemerintahan", cibeber, "2024-01", ""),
		entry("3672085206850012", "Siti Aminah", coverage.CategoryKader, "Dinas Kesehatan", citangkil, "2024-02", "2024-12"),
		entry("3672011205900003", "Ahmad Fauzi", coverage.CategoryLinmas, "Satpol PP", cibeber, "2024-03", ""),
		// A new, well-formed category code is accepted, as in the feed.
		entry("3672011205900052", "Gita", "PENJAGA_MAKAM", "DLH, Bidang Pemakaman", suralaya, "2023-11", "2024-10"),
	}, []rosterfile.RowError{
		{Row: 4, Column: "nik", Value: "367201120590003", Reason: "NIK must have 16 digits, got 15 characters"},
		{Row: 5, Column: "kelurahan_code", Value: "3672019999", Reason: `kelurahan code "3672019999" is not a kelurahan of Kota Cilegon`},
		{Row: 6, Column: "category", Value: "Kader Kesehatan", Reason: `category "Kader Kesehatan" is not a code of upper-case letters, digits and underscores`},
		{Row: 7, Column: "funded_from", Value: "2024-13", Reason: `funded_from "2024-13" is not a month (YYYY-MM) or a date (YYYY-MM-DD)`},
		{Row: 8, Column: "funded_until", Value: "2024-03", Reason: "funded_until is before funded_from"},
		{Row: 10, Value: "3672011205900003:RT_RW", Reason: "duplicate of row 2: same nik and category; the first row is kept"},
		{Row: 13, Column: "name", Reason: "name is missing"},
		{Row: 13, Column: "agency", Reason: "agency is missing"},
		{Row: 13, Column: "funded_from", Reason: "funded_from is missing"},
		{Row: 14, Column: "kelurahan_code", Value: "367201100", Reason: `kelurahan_code "367201100" is not 10 digits`},
		{Row: 14, Column: "funded_from", Value: "Januari 2024", Reason: `funded_from "Januari 2024" is not a month (YYYY-MM) or a date (YYYY-MM-DD)`},
		{Row: 14, Column: "funded_until", Value: "2024/12", Reason: `funded_until "2024/12" is not a month (YYYY-MM) or a date (YYYY-MM-DD)`},
	})
}

func TestCSVSemicolonBOMCRLF(t *testing.T) {
	lines := []string{
		"\ufeff NIK ;Nama;KATEGORI;Instansi;Kode Kelurahan;Funded_From;funded_until",
		"3672011205900003;Rahmat, S.Pd;RT_RW;Bagian Pemerintahan;3672011001;2024-01;2024-06",
		`3672085206850012;"Siti; Aminah";KADER;Dinas Kesehatan;3672081007;2024-02;`,
		"", // a blank line: skipped, but it is still row 4
		"36720112059000A1;Budi;RT_RW;Bagian Pemerintahan;3672011001;2024-01;",
		"3672011205900011;Citra;KADER;Dinas Kesehatan;3672099001;2024-01;",
		"3672011205900029;Dedi;UNKNOWN-CAT;Dinas Kesehatan;3672011001;2024-01;",
		"3672011205900037;Eka;LINMAS;Satpol PP;3672031004;2024-00;",
		"3672011205900045;Fajar;LINMAS;Satpol PP;3672031004;2024-06-30;2024-05-31",
		";;;;;;",
		"3672085206850012;Siti Aminah;KADER;Puskesmas Citangkil;3672081007;2024-05;",
		// A domicile outside the city is accepted (reconciliation reports it).
		"3672011205900052;Gita;NELAYAN;DKP;3604011001;2024-01;",
	}
	res := read(t, "ROSTER.CSV", strings.Join(lines, "\r\n")+"\r\n")
	check(t, res, 9, []coverage.RosterEntry{
		entry("3672011205900003", "Rahmat, S.Pd", coverage.CategoryRTRW, "Bagian Pemerintahan", cibeber, "2024-01", "2024-06"),
		entry("3672085206850012", "Siti; Aminah", coverage.CategoryKader, "Dinas Kesehatan", citangkil, "2024-02", ""),
		entry("3672011205900052", "Gita", coverage.CategoryNelayan, "DKP", "3604011001", "2024-01", ""),
	}, []rosterfile.RowError{
		{Row: 5, Column: "nik", Value: "36720112059000A1", Reason: "NIK must be digits only"},
		{Row: 6, Column: "kelurahan_code", Value: "3672099001", Reason: `kelurahan code "3672099001" is not a kelurahan of Kota Cilegon`},
		{Row: 7, Column: "category", Value: "UNKNOWN-CAT", Reason: `category "UNKNOWN-CAT" is not a code of upper-case letters, digits and underscores`},
		{Row: 8, Column: "funded_from", Value: "2024-00", Reason: `funded_from "2024-00" is not a month (YYYY-MM) or a date (YYYY-MM-DD)`},
		{Row: 9, Column: "funded_until", Value: "2024-05-31", Reason: "funded_until is before funded_from"},
		{Row: 11, Value: "3672085206850012:KADER", Reason: "duplicate of row 3: same nik and category; the first row is kept"},
	})
}

func TestXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	set := func(cell string, v any) {
		t.Helper()
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range []string{"No", "NIK", "Nama", "Kategori", "Instansi", "Kode_Kelurahan", "Funded From", "Funded Until"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		set(cell, h)
	}
	row := func(r int, vals ...any) {
		t.Helper()
		for i, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(i+1, r)
			set(cell, v)
		}
	}
	// Row 2: the NIK as text, funded_from a date cell, funded_until text.
	row(2, 1, "3672011205900003", "Ahmad Fauzi", "RT_RW", "Bagian Pemerintahan", cibeber, time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), "2024-12")
	// Row 3: the NIK typed as a number is rejected, although excelize stored all
	// 16 digits: Excel itself would have kept 15, and even here the displayed
	// value is 3.67208520685001E+15.
	row(3, 2, int64(3672085206850012), "Siti Aminah", "KADER", "Dinas Kesehatan", citangkil, "2024-02", "")
	// Row 4 is empty. Row 5: an apostrophe-prefixed NIK, the kelurahan code as a
	// number (10 digits are safe), month-only date cells on both ends.
	row(5, 3, "'3672011205900011", " Citra ", "KADER", "Dinas Kesehatan", 3672031004,
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
	// Row 6: a number that is not a date where a month belongs.
	row(6, 4, "3672011205900029", "Dedi", "LINMAS", "Satpol PP", suralaya, 202401, "")
	// Row 7: only the ignored "No" column is filled: counted, and rejected.
	row(7, 5)
	// Another sheet is ignored.
	if _, err := f.NewSheet("Catatan"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("Catatan", "A1", "nik"); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	res, err := rosterfile.Read(bytes.NewReader(buf.Bytes()), "Daftar Ketua RT.XLSX", coverage.Cilegon(), importedAt)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	check(t, res, 5, []coverage.RosterEntry{
		entry("3672011205900003", "Ahmad Fauzi", coverage.CategoryRTRW, "Bagian Pemerintahan", cibeber, "2024-03", "2024-12"),
		entry("3672011205900011", "Citra", coverage.CategoryKader, "Dinas Kesehatan", suralaya, "2024-01", "2024-06"),
	}, []rosterfile.RowError{
		{Row: 3, Column: "nik", Value: "3.67208520685001E+15", Reason: "nik is stored as a number, which keeps only 15 significant digits, so the NIK may have lost digits: format the nik column as Text (or type an apostrophe before each NIK, '3672…) and type the NIKs again"},
		{Row: 6, Column: "funded_from", Value: "202401", Reason: `funded_from "202401" is not a month (YYYY-MM) or a date (YYYY-MM-DD)`},
		{Row: 7, Column: "nik", Reason: "NIK must have 16 digits, got 0 characters"},
		{Row: 7, Column: "name", Reason: "name is missing"},
		{Row: 7, Column: "category", Value: "", Reason: `category "" is not a code of upper-case letters, digits and underscores`},
		{Row: 7, Column: "agency", Reason: "agency is missing"},
		{Row: 7, Column: "kelurahan_code", Reason: `kelurahan_code "" is not 10 digits`},
		{Row: 7, Column: "funded_from", Reason: "funded_from is missing"},
	})
}

func TestFileErrors(t *testing.T) {
	header := "nik,name,category,agency,kelurahan_code,funded_from,funded_until\n"
	tests := []struct {
		name, file, data, want string
	}{
		{"unknown extension", "roster.xls", header, `file "roster.xls" is a .xls file: a roster must be a .csv or .xlsx file`},
		{"no extension", "roster", header, `file "roster" has no extension: a roster must be a .csv or .xlsx file`},
		{"missing column", "r.csv", "nik;nama;kategori;instansi;funded_from;funded_until\n", "the header (row 1) has no column kelurahan_code"},
		{"missing columns", "r.csv", "NIK,Name,Agency\n", "the header (row 1) has no columns category, kelurahan_code, funded_from, funded_until"},
		{"column twice", "r.csv", "nik,name,nama,category,agency,kelurahan_code,funded_from,funded_until\n",
			`the header names column name twice ("name" in column B and "nama" in column C)`},
		{"empty file", "r.csv", "", "the file is empty: row 1 must be a header naming the columns nik, name, category, agency, kelurahan_code, funded_from, funded_until"},
		{"empty first row", "r.csv", "\n" + header, "row 1 is empty: it must be a header naming the columns nik, name, category, agency, kelurahan_code, funded_from, funded_until"},
		{"bad quotes", "r.csv", header + "1,\"a\"b,c,d,e,f,g\n", `the file is not valid CSV at line 2: extraneous or missing " in quoted-field`},
		{"not a workbook", "r.xlsx", header, "the file is not a valid XLSX workbook: zip: not a valid zip file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rosterfile.Read(strings.NewReader(tt.data), tt.file, coverage.Cilegon(), importedAt)
			if coverage.ErrorCode(err) != coverage.EINVALID || coverage.ErrorMessage(err) != tt.want {
				t.Errorf("err = %v, want invalid: %s", err, tt.want)
			}
		})
	}
}

func TestHeaderOnly(t *testing.T) {
	res := read(t, "r.csv", "nik,name,category,agency,kelurahan_code,funded_from,funded_until\r\n,,,,,,\r\n")
	check(t, res, 0, nil, nil)
}

func TestLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("nik,name,category,agency,kelurahan_code,funded_from,funded_until\n")
	bad := 0
	for i := range rosterfile.MaxRows {
		if i%20 == 0 || i == 1 { // one error each: 10,001 of them
			bad++
			fmt.Fprintf(&b, "x%d,Nama,KADER,Dinkes,3672011001,2024-01,\n", i)
		} else {
			fmt.Fprintf(&b, "3672%012d,Nama,KADER,Dinkes,3672011001,2024-01,\n", i)
		}
	}
	res := read(t, "big.csv", b.String())
	if res.Rows != rosterfile.MaxRows || len(res.Entries) != rosterfile.MaxRows-bad {
		t.Errorf("Rows = %d, entries = %d; want %d, %d", res.Rows, len(res.Entries), rosterfile.MaxRows, rosterfile.MaxRows-bad)
	}
	if res.ErrorCount != bad || len(res.Errors) != rosterfile.MaxErrors {
		t.Errorf("ErrorCount = %d, len(Errors) = %d; want %d, %d", res.ErrorCount, len(res.Errors), bad, rosterfile.MaxErrors)
	}
	// The listed errors are the first ones: rows 2 (i=0), 3 (i=1), 22 (i=20)...
	if last := res.Errors[len(res.Errors)-1]; last.Row != 2+20*(rosterfile.MaxErrors-2) || last.Column != "nik" {
		t.Errorf("last listed error = %+v", last)
	}

	b.WriteString("3672999999999999,Nama,KADER,Dinkes,3672011001,2024-01,\n")
	_, err := rosterfile.Read(strings.NewReader(b.String()), "big.csv", coverage.Cilegon(), importedAt)
	if coverage.ErrorCode(err) != coverage.EINVALID || coverage.ErrorMessage(err) != "the file has more than 200000 data rows; split it into smaller files" {
		t.Errorf("err = %v, want too many rows", err)
	}
}
