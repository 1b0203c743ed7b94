package rosterfile_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/worker/rosterfile"
)

// longCells is a roster whose rows hold one shared string of size bytes in
// column col (0 = nik, 1 = name), on rows rows.
func longCells(t testing.TB, col, rows, size int) []byte {
	long := strings.Repeat("A", size)
	shared := []string{long}
	return workbook(t, func(w io.Writer) error {
		bw := &errWriter{w: w}
		io.WriteString(bw, headerRow)
		for r := 2; r <= rows+1; r++ {
			vals := []string{fmt.Sprintf("3672%012d", r), "Nama", "KADER", "Dinas Kesehatan", "3672011001", "2024-01"}
			fmt.Fprintf(bw, `<row r="%d">`, r)
			for i, v := range vals {
				if i == col {
					fmt.Fprintf(bw, `<c r="%c%d" t="s"><v>0</v></c>`, 'A'+i, r)
					continue
				}
				fmt.Fprintf(bw, `<c r="%c%d" t="inlineStr"><is><t>%s</t></is></c>`, 'A'+i, r, v)
			}
			io.WriteString(bw, `</row>`)
		}
		return bw.err
	}, shared)
}

// blankFormulaRows is a roster whose header is followed by rows holding only
// a formula with an empty result in column IV, then one valid row.
func blankFormulaRows(t testing.TB, rows int) []byte {
	return workbook(t, func(w io.Writer) error {
		bw := &errWriter{w: w}
		io.WriteString(bw, headerRow)
		for r := 2; r <= rows+1; r++ {
			fmt.Fprintf(bw, `<row r="%d"><c r="IV%d" t="str"><f>IF(A%d="","",A%d)</f><v></v></c></row>`, r, r, r, r)
		}
		io.WriteString(bw, inlineRow(rows+2, "3672011205900003", "Ahmad Fauzi", "RT_RW", "Bagian Pemerintahan", "3672011001", "2024-01", ""))
		return bw.err
	}, nil)
}

// resultBytes is the size of the text a result keeps: entries' fields and
// row errors' values and reasons.
func resultBytes(res *rosterfile.Result) int {
	if res == nil {
		return 0
	}
	n := 0
	for _, e := range res.Entries {
		n += len(e.NIK) + len(e.Name) + len(e.Category) + len(e.Agency) + len(e.KelurahanCode) + len(e.FundedFrom) + len(e.FundedUntil)
	}
	for _, e := range res.Errors {
		n += len(e.Column) + len(e.Value) + len(e.Reason)
	}
	return n
}

// TestMeasureHostileXLSX prints what reading each hostile workbook costs, as
// multiples of reading an ordinary roster of 20,000 rows in the same run.
// Figures are printed, never asserted: JAMSOSTEK_MEASURE=1 go test -run
// TestMeasureHostileXLSX -v ./worker/rosterfile/
func TestMeasureHostileXLSX(t *testing.T) {
	if os.Getenv("JAMSOSTEK_MEASURE") == "" {
		t.Skip("set JAMSOSTEK_MEASURE=1 to measure")
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"baseline: 20,000 valid rows", validRoster(t, 20_000)},
		{"formula at XFD on 20,000 rows", formulaAtXFD(t, 20_000)},
		{"sheet XML of 500 MB", expanding(t, 500<<20)},
		{"sheet XML of 250 MB (within the limit)", expanding(t, 250<<20)},
		{"100,000 blank formula rows at IV", blankFormulaRows(t, 100_000)},
		{"1 MB shared string in 50 name cells", longCells(t, 1, 50, 1<<20)},
		{"1 MB shared string in 100 nik cells", longCells(t, 0, 100, 1<<20)},
	}
	var base uint64
	for i, c := range cases {
		var res *rosterfile.Result
		var err error
		start := time.Now()
		alloc, peak := measure(func() {
			res, err = rosterfile.Read(bytes.NewReader(c.data), "r.xlsx", coverage.Cilegon(), importedAt)
		})
		took := time.Since(start)
		if i == 0 {
			base = alloc
		}
		outcome := ""
		if err != nil {
			outcome = "error: " + coverage.ErrorMessage(err)
		} else {
			outcome = fmt.Sprintf("%d rows, %d entries, %d errors", res.Rows, len(res.Entries), res.ErrorCount)
		}
		t.Logf("%-38s file %7d B | allocated %8.1f MB (x%.2f of baseline) | peak heap %8.1f MB | result text %9d B | %s | %s",
			c.name, len(c.data), float64(alloc)/1e6, float64(alloc)/float64(base), float64(peak)/1e6, resultBytes(res), took.Round(time.Millisecond), outcome)
	}
}
