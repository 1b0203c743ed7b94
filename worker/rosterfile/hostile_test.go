package rosterfile_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Hand-made workbooks: the parts of an XLSX file written with archive/zip,
// so that a test controls every byte of the sheet (excelize would not write
// the hostile ones).

const (
	xlsxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`
	xlsxRootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	xlsxWorkbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	xlsxWorkbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`
	xlsxStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>`
	sheetTail = `</sheetData></worksheet>`
)

// headerRow is row 1 of a roster sheet, as inline strings.
var headerRow = inlineRow(1, "nik", "name", "category", "agency", "kelurahan_code", "funded_from", "funded_until")

// inlineRow writes a row of inline-string cells from column A.
func inlineRow(num int, vals ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, num)
	for i, v := range vals {
		if v == "" {
			continue
		}
		fmt.Fprintf(&b, `<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>`, string(rune('A'+i)), num, v)
	}
	b.WriteString(`</row>`)
	return b.String()
}

// workbook zips the parts of a one-sheet workbook: the sheet's XML is the
// concatenation of what sheet writes, and the shared strings those given.
func workbook(t testing.TB, sheet func(w io.Writer) error, shared []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	part := func(name string, write func(w io.Writer) error) {
		t.Helper()
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := write(w); err != nil {
			t.Fatal(err)
		}
	}
	text := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	part("[Content_Types].xml", text(xlsxContentTypes))
	part("_rels/.rels", text(xlsxRootRels))
	part("xl/workbook.xml", text(xlsxWorkbook))
	part("xl/_rels/workbook.xml.rels", text(xlsxWorkbookRels))
	part("xl/styles.xml", text(xlsxStyles))
	part("xl/sharedStrings.xml", func(w io.Writer) error {
		bw := &errWriter{w: w}
		fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(shared), len(shared))
		for _, s := range shared {
			fmt.Fprintf(bw, `<si><t>%s</t></si>`, s)
		}
		io.WriteString(bw, `</sst>`)
		return bw.err
	})
	part("xl/worksheets/sheet1.xml", func(w io.Writer) error {
		if _, err := io.WriteString(w, sheetHead); err != nil {
			return err
		}
		if err := sheet(w); err != nil {
			return err
		}
		_, err := io.WriteString(w, sheetTail)
		return err
	})
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// formulaAtXFD is a roster sheet whose header is followed by rows holding
// only a formula cell, without a cached value, in the last column (XFD).
func formulaAtXFD(t testing.TB, rows int) []byte {
	return workbook(t, func(w io.Writer) error {
		bw := &errWriter{w: w}
		io.WriteString(bw, headerRow)
		for r := 2; r <= rows+1; r++ {
			fmt.Fprintf(bw, `<row r="%d"><c r="XFD%d"><f>""</f></c></row>`, r, r)
		}
		return bw.err
	}, nil)
}

// expanding is a roster sheet whose XML is size bytes, nearly all of it
// whitespace between two rows: a few hundred KB zipped.
func expanding(t testing.TB, size int) []byte {
	return workbook(t, func(w io.Writer) error {
		bw := &errWriter{w: w}
		io.WriteString(bw, headerRow)
		pad := bytes.Repeat([]byte(" "), 1<<20)
		for n := 0; n < size; n += len(pad) {
			bw.Write(pad)
		}
		io.WriteString(bw, inlineRow(2, "3672011205900003", "Ahmad Fauzi", "RT_RW", "Bagian Pemerintahan", "3672011001", "2024-01", ""))
		return bw.err
	}, nil)
}

// validRoster is an ordinary roster of rows valid rows, names and agencies in
// shared strings, as spreadsheet programs write them: the baseline of the
// measurements.
func validRoster(t testing.TB, rows int) []byte {
	shared := []string{"nik", "name", "category", "agency", "kelurahan_code", "funded_from", "funded_until", "KADER", "Dinas Kesehatan", "2024-01"}
	return workbook(t, func(w io.Writer) error {
		bw := &errWriter{w: w}
		io.WriteString(bw, `<row r="1">`)
		for i := range 7 {
			fmt.Fprintf(bw, `<c r="%c1" t="s"><v>%d</v></c>`, 'A'+i, i)
		}
		io.WriteString(bw, `</row>`)
		for r := 2; r <= rows+1; r++ {
			fmt.Fprintf(bw, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>3672%012d</t></is></c><c r="B%d" t="inlineStr"><is><t>Nama Pekerja %d</t></is></c>`+
				`<c r="C%d" t="s"><v>7</v></c><c r="D%d" t="s"><v>8</v></c><c r="E%d"><v>3672011001</v></c><c r="F%d" t="s"><v>9</v></c></row>`,
				r, r, r, r, r, r, r, r, r)
		}
		return bw.err
	}, shared)
}

// measure runs f and returns the bytes it allocated and the largest heap seen
// (sampled every millisecond, after a GC before the start).
func measure(f func()) (allocated, peakHeap uint64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > peak.Load() {
		peak.Store(after.HeapAlloc)
	}
	p := peak.Load()
	if p > before.HeapAlloc {
		p -= before.HeapAlloc
	} else {
		p = 0
	}
	return after.TotalAlloc - before.TotalAlloc, p
}
