package export_test

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cilegon/jamsostek/export"
)

// Hostile text: what a spreadsheet would run as a formula, and what it
// would not.
var hostile = []struct{ in, want string }{
	{`=HYPERLINK("http://evil.example/","klik")`, `'=HYPERLINK("http://evil.example/","klik")`},
	{"@SUM(1)", "'@SUM(1)"},
	{"-1+2", "'-1+2"},
	{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
	{"   =1+1", "'   =1+1"},
	{"\t=1", "'\t=1"},
	{"\r=1", "'\r=1"},
	{"Cibeber", "Cibeber"},
	{"Rp -5", "Rp -5"},
	{"a=b", "a=b"},
	{"'=quoted", "'=quoted"},
	{"   ", "   "},
}

func TestNeutralize(t *testing.T) {
	for _, h := range hostile {
		if got := export.Neutralize(h.in); got != h.want {
			t.Errorf("Neutralize(%q) = %q, want %q", h.in, got, h.want)
		}
	}
}

var (
	asOf      = time.Date(2024, 8, 22, 1, 0, 0, 0, time.UTC) // 08:00 WIB
	generated = time.Date(2026, 12, 3, 18, 30, 15, 0, time.UTC)
	meta      = export.Meta{
		Title:   "Cakupan kepesertaan",
		Filters: []export.Filter{{"Wilayah", "367201 Cibeber"}, {"Kategori", "=HYPERLINK(1)"}},
		AsOf:    asOf, RollupVersion: 7, GeneratedAt: generated, By: "@SUM(1) (ANALYST)",
	}
	columns = []export.Column{
		{Header: "Wilayah", Kind: export.Text},
		{Header: "Peserta", Kind: export.Int},
		{Header: "Iuran (Rp)", Kind: export.Money},
		{Header: "Rasio", Kind: export.Rate},
		{Header: "Tanggal", Kind: export.Date},
		{Header: "Bulan", Kind: export.Period},
		{Header: "Ditemukan (WIB)", Kind: export.Time},
	}
	second = []export.Column{{Header: "Kategori", Kind: export.Text}, {Header: "Biaya (Rp)", Kind: export.Money}}
)

// rows are the first table's rows: every hostile text, then numbers at the
// edges and empty cells.
func rows() [][]any {
	var out [][]any
	for i, h := range hostile {
		out = append(out, []any{h.in, i, int64(-5_000 * i), 0.125, "2024-02-29", "2024-12", asOf})
	}
	ratio := 0.5213
	out = append(out, []any{nil, int64(9_007_199_254_740_993), int64(-1), &ratio, "", nil, time.Time{}})
	var none *float64
	out = append(out, []any{(*string)(nil), (*int64)(nil), (*int64)(nil), none, nil, "", (*time.Time)(nil)})
	return out
}

func write(t *testing.T, f export.Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := export.New(f, &buf, meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Table(export.Table{Sheet: "Cakupan", Title: "Cakupan", Columns: columns}); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows() {
		if err := w.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Table(export.Table{Sheet: "Per bulan", Title: "Bulan demi bulan", Columns: second}); err != nil {
		t.Fatal(err)
	}
	if err := w.Row("-KADER", int64(-7)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCSV(t *testing.T) {
	b := write(t, export.CSV)
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no byte order mark: %q", b[:10])
	}
	if bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
		t.Errorf("a line does not end with CRLF")
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Cakupan kepesertaan"},
		{"Filter", "Wilayah: 367201 Cibeber; Kategori: =HYPERLINK(1)"},
		{"Data per", "2024-08-22T08:00:00+07:00"},
		{"Versi rollup", "7"},
		{"Dibuat", "2026-12-04T01:30:15+07:00"},
		{"Oleh", "'@SUM(1) (ANALYST)"},
		// the blank row: encoding/csv skips it
		{"Wilayah", "Peserta", "Iuran (Rp)", "Rasio", "Tanggal", "Bulan", "Ditemukan (WIB)"},
	}
	for i, h := range hostile {
		want = append(want, []string{h.want, strconv.Itoa(i), strconv.Itoa(-5000 * i), "0.125", "2024-02-29", "2024-12", "2024-08-22T08:00:00+07:00"})
	}
	want = append(want,
		[]string{"", "9007199254740993", "-1", "0.5213", "", "", ""},
		[]string{"", "", "", "", "", "", ""},
		[]string{"Bulan demi bulan"},
		[]string{"Kategori", "Biaya (Rp)"},
		[]string{"'-KADER", "-7"},
	)
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d:\n%q", len(recs), len(want), recs)
	}
	for i := range want {
		// encoding/csv drops a CR inside a quoted field: checked on the bytes below.
		if strings.ReplaceAll(strings.Join(recs[i], "|"), "\r", "") != strings.ReplaceAll(strings.Join(want[i], "|"), "\r", "") {
			t.Errorf("record %d:\n got %q\nwant %q", i, recs[i], want[i])
		}
	}
	// The blank rows: after the header block and before the second table.
	if !bytes.Contains(b, []byte("(ANALYST)\r\n\r\nWilayah,")) || !bytes.Contains(b, []byte(",,,,,,\r\n\r\nBulan demi bulan\r\n")) {
		t.Errorf("the blank rows are missing:\n%s", b)
	}
	// (encoding/csv's writer drops a lone CR with UseCRLF: the cell stays quoted.)
	if !bytes.Contains(b, []byte("\r\n\"'=1\",6,")) || !bytes.Contains(b, []byte("\r\n'\t=1,5,")) {
		t.Errorf("the CR and TAB cells are not neutralised:\n%q", b)
	}
}

func TestXLSX(t *testing.T) {
	b := write(t, export.XLSX)
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, "|") != "Cakupan|Per bulan" {
		t.Fatalf("sheets %q", got)
	}
	raw := excelize.Options{RawCellValue: true}
	get := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref, raw)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	numFmt := func(sheet, ref string) string {
		t.Helper()
		id, err := f.GetCellStyle(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.CustomNumFmt == nil {
			return ""
		}
		return *st.CustomNumFmt
	}
	serial := func(tm time.Time) string { // the wall clock's date serial
		t.Helper()
		d := tm.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, tm.Location()))
		return strconv.FormatFloat(d.Hours()/24, 'f', -1, 64)
	}
	wib := asOf.In(export.WIB)
	// The header block.
	for ref, want := range map[string]string{
		"A1": "Cakupan kepesertaan", "A2": "Filter", "B2": "Wilayah: 367201 Cibeber; Kategori: =HYPERLINK(1)",
		"A3": "Data per", "A4": "Versi rollup", "B4": "7", "A5": "Dibuat", "A6": "Oleh", "B6": "'@SUM(1) (ANALYST)", "A7": "",
		"A8": "Wilayah", "G8": "Ditemukan (WIB)",
	} {
		if got := get("Cakupan", ref); got != want {
			t.Errorf("%s: got %q, want %q", ref, got, want)
		}
	}
	if v, _ := strconv.ParseFloat(get("Cakupan", "B3"), 64); excelTime(v).Format(time.DateTime) != wib.Format(time.DateTime) {
		t.Errorf("as-of: got %s (%v), want %s", get("Cakupan", "B3"), excelTime(v), wib)
	}
	if numFmt("Cakupan", "B3") != "dd/mm/yyyy hh:mm" {
		t.Errorf("as-of's format %q", numFmt("Cakupan", "B3"))
	}
	// The rows, from row 9.
	for i, h := range hostile {
		r := strconv.Itoa(9 + i)
		typ, _ := f.GetCellType("Cakupan", "A"+r)
		formula, _ := f.GetCellFormula("Cakupan", "A"+r)
		if got := get("Cakupan", "A"+r); got != h.want || typ != excelize.CellTypeInlineString || formula != "" {
			t.Errorf("A%s: got %q (type %v, formula %q), want the string %q", r, got, typ, formula, h.want)
		}
		for col, want := range map[string]string{"B": strconv.Itoa(i), "C": strconv.Itoa(-5000 * i), "D": "0.125",
			"E": serial(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)), "F": serial(time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)), "G": serial(wib)} {
			if got := get("Cakupan", col+r); got != want {
				t.Errorf("%s%s: got %q, want %q", col, r, got, want)
			}
		}
	}
	r := strconv.Itoa(9 + len(hostile))
	if get("Cakupan", "B"+r) != "9007199254740993" || get("Cakupan", "C"+r) != "-1" || get("Cakupan", "D"+r) != "0.5213" || get("Cakupan", "E"+r) != "" {
		t.Errorf("row %s: %q %q %q %q", r, get("Cakupan", "B"+r), get("Cakupan", "C"+r), get("Cakupan", "D"+r), get("Cakupan", "E"+r))
	}
	for col, want := range map[string]string{"B": "#,##0", "C": `"Rp"#,##0`, "D": "0.0%", "E": "dd/mm/yyyy", "F": "mm/yyyy", "G": "dd/mm/yyyy hh:mm"} {
		if got := numFmt("Cakupan", col+"9"); got != want {
			t.Errorf("%s9's format: got %q, want %q", col, got, want)
		}
		if typ, _ := f.GetCellType("Cakupan", col+"9"); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
			t.Errorf("%s9 is a string", col)
		}
	}
	// Frozen under the header, an autofilter over the table, widths.
	panes, err := f.GetPanes("Cakupan")
	if err != nil || !panes.Freeze || panes.YSplit != 8 || panes.TopLeftCell != "A9" {
		t.Errorf("panes %+v %v", panes, err)
	}
	tables, err := f.GetTables("Cakupan")
	if err != nil || len(tables) != 1 || tables[0].Range != "A8:G"+strconv.Itoa(10+len(hostile)) {
		t.Errorf("tables %+v %v", tables, err)
	}
	if w, _ := f.GetColWidth("Cakupan", "C"); w < 15 {
		t.Errorf("money column width %v", w)
	}
	if st, _ := f.GetCellStyle("Cakupan", "A8"); st != 0 {
		if s, _ := f.GetStyle(st); s.Font == nil || !s.Font.Bold {
			t.Errorf("the table header is not bold")
		}
	}
	// The second sheet: its own header block and table.
	if get("Per bulan", "A1") != "Cakupan kepesertaan: Bulan demi bulan" || get("Per bulan", "A8") != "Kategori" ||
		get("Per bulan", "A9") != "'-KADER" || get("Per bulan", "B9") != "-7" {
		t.Errorf("second sheet: %q %q %q %q", get("Per bulan", "A1"), get("Per bulan", "A8"), get("Per bulan", "A9"), get("Per bulan", "B9"))
	}
}

// excelTime reads a date serial as a wall clock (UTC location).
func excelTime(v float64) time.Time {
	t, _ := excelize.ExcelDateToTime(v, false)
	return t.Round(time.Second)
}

func TestRowsAreChecked(t *testing.T) {
	var buf bytes.Buffer
	w, _ := export.New(export.CSV, &buf, meta)
	if err := w.Row("x"); err == nil {
		t.Error("a row before a table was taken")
	}
	_ = w.Table(export.Table{Columns: second})
	for _, r := range [][]any{{"x"}, {1, int64(1)}, {"x", 1.5}, {"x", "1"}} {
		if err := w.Row(r...); err == nil {
			t.Errorf("row %v was taken", r)
		}
	}
	d := []export.Column{{Header: "d", Kind: export.Date}}
	_ = w.Table(export.Table{Columns: d})
	if err := w.Row("2024-13-01"); err == nil {
		t.Error("a bad date was taken")
	}
}

func TestLabels(t *testing.T) {
	for _, k := range []string{"ROSTER_NOT_ENROLLED", "ROSTER_OTHER_PAYER", "APBD_NOT_ON_ROSTER", "UNPAID_MONTHS", "INACTIVE_3_MONTHS",
		"TARIFF_MISMATCH", "CLAIM_OUTSIDE_COVERAGE", "DOUBLE_FUNDED", "INVALID_NIK", "DOMICILE_OUTSIDE_CITY", "DECLARED_TOTAL_MISMATCH",
		"FUNDED_NOT_PAID", "PAID_AFTER_DEATH", "CLAIM_ABOVE_BENEFIT", "ROSTER_ROW_REJECTED", "KPJ_NIK_MISMATCH"} {
		if export.Label(export.KindLabels, k) == k {
			t.Errorf("kind %s has no label", k)
		}
	}
	if got := export.MonthName("2026-01"); got != "Januari 2026" {
		t.Errorf("MonthName: %q", got)
	}
	if got := export.Labels(export.StatusLabels, []string{"OPEN", "NEW"}); got != "terbuka, NEW" {
		t.Errorf("Labels: %q", got)
	}
}

// BenchmarkWrite writes 10,000 rows of a discrepancy-like table (23
// columns) in each format.
func BenchmarkWrite(b *testing.B) {
	cols := make([]export.Column, 0, 23)
	for i := range 23 {
		k := []export.Kind{export.Text, export.Text, export.Money, export.Time, export.Int}[i%5]
		cols = append(cols, export.Column{Header: "k" + strconv.Itoa(i), Kind: k})
	}
	row := make([]any, len(cols))
	for i, c := range cols {
		row[i] = map[export.Kind]any{export.Text: "FUNDED_NOT_PAID-2529d7688d0d94f1d25c", export.Money: int64(218400), export.Time: asOf, export.Int: 3}[c.Kind]
	}
	for _, f := range []export.Format{export.CSV, export.XLSX} {
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				var buf bytes.Buffer
				w, _ := export.New(f, &buf, meta)
				_ = w.Table(export.Table{Columns: cols})
				for range 10_000 {
					if err := w.Row(row...); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(buf.Len()), "bytes")
			}
		})
	}
}

// TestEmptyTable: a table without rows is still a table (an XLSX table
// needs two rows: its header and an empty one).
func TestEmptyTable(t *testing.T) {
	for _, f := range []export.Format{export.CSV, export.XLSX} {
		var buf bytes.Buffer
		w, _ := export.New(f, &buf, export.Meta{Title: "Kosong"})
		if err := w.Table(export.Table{Columns: second}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if f == export.CSV {
			if !strings.HasSuffix(buf.String(), "\r\n\r\nKategori,Biaya (Rp)\r\n") || !strings.Contains(buf.String(), "Filter,tidak ada") ||
				!strings.Contains(buf.String(), "Versi rollup,tidak ada\r\n") {
				t.Errorf("CSV: %q", buf.String())
			}
			continue
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		tables, _ := x.GetTables("Tabel 1")
		if v, _ := x.GetCellValue("Tabel 1", "A8"); v != "Kategori" || len(tables) != 1 || tables[0].Range != "A8:B9" {
			t.Errorf("XLSX: A8 %q, tables %+v", v, tables)
		}
		if v, _ := x.GetCellValue("Tabel 1", "B4"); v != "tidak ada" {
			t.Errorf("XLSX: no rollup version shows %q", v)
		}
		x.Close()
	}
}
