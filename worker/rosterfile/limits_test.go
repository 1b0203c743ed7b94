package rosterfile_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/worker/rosterfile"
	"github.com/xuri/excelize/v2"
)

// Hostile workbooks (issue 15, item 4) and overlong values (item 5): each is
// refused, or read in bounded memory, before it is read whole. Memory is
// bounded by measuring what the reader allocates (runtime.MemStats), never
// by timing.

// readBounded reads data as an XLSX roster and fails the test when reading
// allocates more than limit bytes.
func readBounded(t *testing.T, data []byte, limit uint64) (*rosterfile.Result, error) {
	t.Helper()
	var res *rosterfile.Result
	var err error
	alloc, _ := measure(func() {
		res, err = rosterfile.Read(bytes.NewReader(data), "roster.xlsx", coverage.Cilegon(), importedAt)
	})
	if alloc > limit {
		t.Errorf("reading a %d-byte file allocated %d MB, more than %d MB", len(data), alloc>>20, limit>>20)
	}
	return res, err
}

func wantInvalid(t *testing.T, err error, want string) {
	t.Helper()
	if coverage.ErrorCode(err) != coverage.EINVALID || !strings.Contains(coverage.ErrorMessage(err), want) {
		t.Errorf("got %v, want EINVALID: ...%s...", err, want)
	}
}

// TestXLSXFormulaInTheLastColumn: 20,000 rows holding only a formula at
// XFD (100 KB zipped) were each padded to 16,384 cells (29 GB allocated).
// A value or formula beyond column IV now refuses the file at its first cell.
func TestXLSXFormulaInTheLastColumn(t *testing.T) {
	data := formulaAtXFD(t, 20_000)
	_, err := readBounded(t, data, 8<<20)
	wantInvalid(t, err, "cell XFD2 is beyond column IV: a roster uses at most 256 columns; delete what is right of the data")
}

// TestXLSXBlankRowsAreBounded: rows that show nothing (a formula with an
// empty result, formatted empty cells) are skipped, as before, but they no
// longer escape the limits: every row and every cell counts toward the
// sheet's limits, and no row is padded.
func TestXLSXBlankRowsAreBounded(t *testing.T) {
	// 100,000 blank rows with a formula in the last allowed column, then a
	// valid row: read in a few MB (padded rows took gigabytes).
	res, err := readBounded(t, blankFormulaRows(t, 100_000), 16<<20)
	if err != nil || res.Rows != 1 || len(res.Entries) != 1 || res.Entries[0].Name != "Ahmad Fauzi" {
		t.Fatalf("got %+v, %v; want the one valid row", res, err)
	}

	t.Run("cells", func(t *testing.T) {
		// Formatted empty cells without a reference (each the next column),
		// 16,384 to a row: past MaxCells, the file is refused there.
		row := strings.Repeat(`<c s="1"/>`, 16_384)
		data := workbook(t, func(w io.Writer) error {
			bw := &errWriter{w: w}
			io.WriteString(bw, headerRow)
			for r := 2; r <= rosterfile.MaxCells/16_384+2; r++ {
				fmt.Fprintf(bw, `<row r="%d">%s</row>`, r, row)
			}
			return bw.err
		}, nil)
		_, err := readBounded(t, data, 16<<20)
		wantInvalid(t, err, fmt.Sprintf("the sheet has more than %d cells", rosterfile.MaxCells))
	})
	t.Run("rows", func(t *testing.T) {
		for _, rows := range []string{`<row r="1048577"/>`, `<row r="3"/><row r="2"/>`} {
			data := workbook(t, func(w io.Writer) error {
				_, err := io.WriteString(w, headerRow+rows)
				return err
			}, nil)
			_, err := readBounded(t, data, 4<<20)
			wantInvalid(t, err, "(rows go from 1 to 1048576, in order)")
		}
	})
}

// TestXLSXSheetThatExpands: a 500 KB file whose sheet unzips to 300 MB (it
// was read whole: 2.3 GB of heap for 500 MB) is refused before the sheet is
// read, from the size the archive declares.
func TestXLSXSheetThatExpands(t *testing.T) {
	data := expanding(t, 300<<20)
	if len(data) > 1<<20 {
		t.Fatalf("the file has %d bytes, want a small one", len(data))
	}
	_, err := readBounded(t, data, 4<<20)
	wantInvalid(t, err, "its sheet unzips to more than 256 MB, more than a roster workbook holds")
}

// TestXLSXSheetThatLiesAboutItsSize: the same sheet, declared in the archive
// as 1 MB, is refused as soon as more than the declared size comes out.
func TestXLSXSheetThatLiesAboutItsSize(t *testing.T) {
	var sheet bytes.Buffer
	sheet.WriteString(sheetHead + headerRow)
	var zipped bytes.Buffer
	fw, _ := flate.NewWriter(&zipped, flate.BestCompression)
	io.WriteString(fw, sheet.String())
	crc := crc32.NewIEEE()
	crc.Write(sheet.Bytes())
	pad := bytes.Repeat([]byte(" "), 1<<20)
	for range 300 {
		fw.Write(pad)
		crc.Write(pad)
	}
	io.WriteString(fw, sheetTail)
	crc.Write([]byte(sheetTail))
	fw.Close()
	honest := workbook(t, func(w io.Writer) error { return nil }, nil)
	zr, err := zip.NewReader(bytes.NewReader(honest), int64(len(honest)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
			continue
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, CRC32: crc.Sum32(),
			CompressedSize64: uint64(zipped.Len()), UncompressedSize64: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(zipped.Bytes())
	}
	zw.Close()
	_, err = readBounded(t, out.Bytes(), 4<<20)
	wantInvalid(t, err, "the file is not a valid XLSX workbook: its sheet: zip: not a valid zip file")
}

// TestLongValues: a 1 MB value (a 5 KB XLSX file: one shared string in many
// cells) was stored as a name 50 times, or echoed whole by 100 row errors (a
// 100 MB report). Now each row is rejected, its value quoted cut, in CSV and
// XLSX alike.
func TestLongValues(t *testing.T) {
	const size = 1 << 20
	check := func(t *testing.T, res *rosterfile.Result, rows int, column, reason string) {
		t.Helper()
		if res.Rows != rows || len(res.Entries) != 0 || res.ErrorCount != rows {
			t.Fatalf("%d rows, %d entries, %d errors; want %d rows rejected", res.Rows, len(res.Entries), res.ErrorCount, rows)
		}
		report := 0
		for _, e := range res.Errors {
			report += len(e.Value) + len(e.Reason)
			if e.Column != column || e.Reason != reason || utf8.RuneCountInString(e.Value) != coverage.MaxQuotedRunes+1 || !strings.HasSuffix(e.Value, "…") {
				t.Fatalf("row error %+v, want %s: %s with the value cut", e, column, reason)
			}
		}
		if report > rows*300 {
			t.Errorf("the report has %d bytes for %d rows", report, rows)
		}
	}
	t.Run("xlsx name", func(t *testing.T) {
		res, err := readBounded(t, longCells(t, 1, 50, size), 8<<20)
		if err != nil {
			t.Fatal(err)
		}
		check(t, res, 50, "name", "name is longer than 200 characters")
	})
	t.Run("xlsx nik", func(t *testing.T) {
		res, err := readBounded(t, longCells(t, 0, 100, size), 8<<20)
		if err != nil {
			t.Fatal(err)
		}
		check(t, res, 100, "nik", "nik is longer than 16 characters")
	})
	t.Run("csv", func(t *testing.T) {
		long := strings.Repeat("B", size)
		var b strings.Builder
		b.WriteString("nik,name,category,agency,kelurahan_code,funded_from,funded_until\n")
		for i := range 20 {
			fmt.Fprintf(&b, "3672%012d,%s,KADER,Dinkes,3672011001,2024-01,\n", i+1, long)
		}
		check(t, read(t, "r.csv", b.String()), 20, "name", "name is longer than 200 characters")
		b.Reset()
		b.WriteString("nik,name,category,agency,kelurahan_code,funded_from,funded_until\n")
		for range 20 {
			fmt.Fprintf(&b, "%s,Nama,KADER,Dinkes,3672011001,2024-01,\n", long[:100_000])
		}
		check(t, read(t, "r.csv", b.String()), 20, "nik", "NIK must have 16 digits, got 100000 characters")
	})
}

// TestNIKFromASpreadsheet: a NIK that a spreadsheet turned into a number and
// then wrote as text (a CSV saved from Excel) says so and how to keep it
// text.
func TestNIKFromASpreadsheet(t *testing.T) {
	res := read(t, "r.csv", "nik;nama;kategori;instansi;kode_kelurahan;funded_from;funded_until\n"+
		"3.67201E+15;Ahmad;RT_RW;Kelurahan;3672011001;2024-01;\n"+
		"3672011205900003.0;Budi;RT_RW;Kelurahan;3672011001;2024-01;\n"+
		"'3672011205900003;Citra;RT_RW;Kelurahan;3672011001;2024-01;\n")
	check(t, res, 3, []coverage.RosterEntry{
		entry("3672011205900003", "Citra", coverage.CategoryRTRW, "Kelurahan", cibeber, "2024-01", ""),
	}, []rosterfile.RowError{
		{Row: 2, Column: "nik", Value: "3.67201E+15", Reason: "NIK must have 16 digits, got 11 characters: it was turned into a number by a spreadsheet program, which shows it in scientific notation and keeps at most 15 digits, so its last digits are lost: format the column as Text (or type an apostrophe before the value, '0123…) and type the values again"},
		{Row: 3, Column: "nik", Value: "3672011205900003.0", Reason: "NIK must have 16 digits, got 18 characters: it ends in a decimal part: a spreadsheet program stored it as a number, which keeps at most 15 digits: format the column as Text (or type an apostrophe before the value, '0123…) and type the values again"},
	})
}

// TestXLSXAsWritten reads rosters as excelize writes them, cell by cell and
// streamed, with text that XML escapes, rich text, dates in both date
// systems and numbers: the streaming reader sees what a spreadsheet shows.
func TestXLSXAsWritten(t *testing.T) {
	names := []string{`Siti "Ucu" <Nur> & Ña`, "  Dewi\tLestari ", "R̈ahmat 𝔸", "O'Brien & Sons", "Ṡaṫu"}
	for _, stream := range []bool{false, true} {
		for _, date1904 := range []bool{false, true} {
			t.Run(fmt.Sprintf("stream=%v date1904=%v", stream, date1904), func(t *testing.T) {
				f := excelize.NewFile()
				defer f.Close()
				if date1904 {
					yes := true
					if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
						t.Fatal(err)
					}
				}
				sheet := f.GetSheetName(0)
				dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
				if err != nil {
					t.Fatal(err)
				}
				rows := [][]any{{"No", "NIK", "Nama", "Kategori", "Instansi", "Kode Kelurahan", "Funded From", "Funded Until", "Aktif"}}
				for i, n := range names {
					rows = append(rows, []any{i + 1, fmt.Sprintf("3672%012d", i+1), n, "KADER", "Dinas & Kesehatan", 3672011001,
						excelize.Cell{StyleID: dateStyle, Value: time.Date(2024, time.Month(i+1), 15, 0, 0, 0, 0, time.UTC)}, "2024-12", true})
				}
				if stream {
					sw, err := f.NewStreamWriter(sheet)
					if err != nil {
						t.Fatal(err)
					}
					for i, r := range rows {
						cell, _ := excelize.CoordinatesToCellName(1, i+1)
						if err := sw.SetRow(cell, r); err != nil {
							t.Fatal(err)
						}
					}
					if err := sw.Flush(); err != nil {
						t.Fatal(err)
					}
				} else {
					for i, r := range rows {
						for j, v := range r {
							cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
							if c, ok := v.(excelize.Cell); ok {
								v = c.Value
								if err := f.SetCellStyle(sheet, cell, cell, c.StyleID); err != nil {
									t.Fatal(err)
								}
							}
							if err := f.SetCellValue(sheet, cell, v); err != nil {
								t.Fatal(err)
							}
						}
					}
					// The last name as rich text: runs of several fonts.
					if err := f.SetCellRichText(sheet, fmt.Sprintf("C%d", len(names)+1), []excelize.RichTextRun{
						{Text: "Ṡa", Font: &excelize.Font{Bold: true}}, {Text: "ṫu"}}); err != nil {
						t.Fatal(err)
					}
				}
				buf, err := f.WriteToBuffer()
				if err != nil {
					t.Fatal(err)
				}
				res, err := rosterfile.Read(bytes.NewReader(buf.Bytes()), "r.xlsx", coverage.Cilegon(), importedAt)
				if err != nil {
					t.Fatal(err)
				}
				var want []coverage.RosterEntry
				for i, n := range names {
					want = append(want, entry(fmt.Sprintf("3672%012d", i+1), strings.TrimSpace(n), coverage.CategoryKader, "Dinas & Kesehatan", cibeber,
						coverage.MakePeriod(2024, time.Month(i+1)), "2024-12"))
				}
				check(t, res, len(names), want, nil)
			})
		}
	}
}
