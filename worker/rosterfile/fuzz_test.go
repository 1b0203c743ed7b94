package rosterfile_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/worker/rosterfile"
)

// Fuzz tests of roster spreadsheets (an admin's upload): any bytes as a CSV
// file and as an XLSX file give a result or an EINVALID error, and every
// entry of a result is valid.

func checkRead(t *testing.T, name string, data []byte) {
	t.Helper()
	start := time.Now()
	res, err := rosterfile.Read(bytes.NewReader(data), name, coverage.Cilegon(), time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC))
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("%s: %d bytes took %s", name, len(data), d)
	}
	if err != nil {
		if coverage.ErrorCode(err) != coverage.EINVALID {
			t.Fatalf("%s: %v, want EINVALID", name, err)
		}
		return
	}
	for _, e := range res.Entries {
		if err := e.Validate(coverage.Cilegon()); err != nil {
			t.Fatalf("%s: entry %+v does not validate: %v", name, e, err)
		}
	}
	if res.ErrorCount < len(res.Errors) || len(res.Errors) > rosterfile.MaxErrors || res.Rows > rosterfile.MaxRows {
		t.Fatalf("%s: %d rows, %d errors listed of %d", name, res.Rows, len(res.Errors), res.ErrorCount)
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"nik,name,category,agency,kelurahan_code,funded_from,funded_until\n3672011205900003,Ahmad Fauzi,RT_RW,Bagian Pemerintahan,3672011001,2024-01,\n",
		"\ufeff NIK ;Nama;KATEGORI;Instansi;Kode Kelurahan;Funded_From;funded_until\r\n3672085206850012;\"Siti; Aminah\";KADER;Dinkes;3672081007;2024-02;\r\n",
		"nik\tname\n1\t2\n", "nik,nik,name\n", "nik,name,category,agency,kelurahan_code,funded_from\n\"unterminated", "", "\n\n\n", "a\"b,c\n",
		"nik,name,category,agency,kelurahan_code,funded_from,funded_until\n'3672011205900003,x,RT_RW,y,3672011001,2024-06-30,2024-05-31\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkRead(t, "roster.csv", data) })
}

func FuzzXLSX(f *testing.F) {
	x := excelize.NewFile()
	sheet := x.GetSheetName(0)
	for i, v := range []any{"NIK", "Nama", "Kategori", "Instansi", "Kode_Kelurahan", "Funded From", "Funded Until",
		"3672011205900003", "Ahmad Fauzi", "RT_RW", "Bagian Pemerintahan", "3672011001", time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), "2024-12",
		int64(3672085206850012), "Siti", "KADER", "Dinkes", 3672081007, 202401, ""} {
		cell, _ := excelize.CoordinatesToCellName(i%7+1, i/7+1)
		if err := x.SetCellValue(sheet, cell, v); err != nil {
			f.Fatal(err)
		}
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		f.Fatal(err)
	}
	x.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) { checkRead(t, "roster.xlsx", data) })
}
