package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/graph"
)

// The scenario export (issue 14) against the API's own answer to the same
// caller: `scenario` for one input, `compareScenarios` for several.

// scenarioInputs are the scenarios the tests ask: MARBOT added in two
// kecamatan, and the programmes widened with JHT.
var scenarioInputs = []string{
	`{"year":2025,"changes":[{"kind":"ADD_CATEGORY","category":"MARBOT","headcount":500,` +
		`"distribution":[{"area":"367201","count":300},{"area":"367202","count":200}],"programs":["JKK","JKM"],"months":12}]}`,
	`{"year":2025,"changes":[{"kind":"ADD_CATEGORY","category":"JURU_PARKIR","headcount":120,"programs":["JKK","JKM"],"months":6},` +
		`{"kind":"SET_PROGRAMS","programs":["JKK","JKM","JHT"]}],"simulations":500,"seed":7}`,
}

const scenarioTestFields = `year rollupVersion asOf asOfMonth denominatorYear experienceFrom experienceTo simulations seed lowPercent highPercent
	baseline { ...S } scenario { ...S } monthlyCostChange annualCostChange participantsChange changePoints
	groups { category name newlyCovered movers alreadyCity loseCoverage assumed
		baseline { ...G } scenario { ...G }
		programs { program memberMonths expectedClaims expectedPaid basis
			experience { category basis program exposureMemberMonths claims paidAmount contributions frequency severity lossRatio } } }
	areas { areaCode name workforce baseline scenario baselineRate scenarioRate changePoints }
	notes`

const scenarioTestFragments = `
fragment S on ScenarioSide { funded memberMonths monthlyCost annualCost participants workforce rate expectedClaims expectedPaid paidLow paidHigh lossRatio }
fragment G on ScenarioGroupSide { funded memberMonths monthlyCost annualCost expectedClaims expectedPaid }`

// requireScenarios fails the test when the API answers no scenario.
func requireScenarios(t *testing.T, x *exportFixture) {
	t.Helper()
	var in map[string]any
	_ = json.Unmarshal([]byte(scenarioInputs[0]), &in)
	_, resp := x.postAs(t, "viewer-key", `query($i: ScenarioInput!) { scenario(input: $i) { year } }`, map[string]any{"i": in})
	if len(resp.Errors) > 0 {
		t.Fatalf("scenario as a viewer: %+v", resp.Errors)
	}
}

// wantScenarios asks the API as key and lays its answer out as the export's
// six tables.
func wantScenarios(t *testing.T, x *exportFixture, key string, inputs []string, names []string) ([]wantTable, []map[string]any) {
	t.Helper()
	var ins []any
	for _, s := range inputs {
		var m any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		ins = append(ins, m)
	}
	// Numbers as written: rupiah beyond 2^53 stay exact.
	askExact := func(query string, vars map[string]any, out any) {
		t.Helper()
		_, resp := x.postAs(t, key, query, vars)
		if len(resp.Errors) > 0 {
			t.Fatalf("%s: %+v", query, resp.Errors)
		}
		dec := json.NewDecoder(bytes.NewReader(resp.Data))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	var results []map[string]any
	if len(ins) == 1 {
		var ans struct{ Scenario map[string]any }
		askExact(`query($i: ScenarioInput!) { scenario(input: $i) { `+scenarioTestFields+` } }`+scenarioTestFragments, map[string]any{"i": ins[0]}, &ans)
		results = []map[string]any{ans.Scenario}
	} else {
		var ans struct{ CompareScenarios []map[string]any }
		askExact(`query($i: [ScenarioInput!]) { compareScenarios(inputs: $i) { `+scenarioTestFields+` } }`+scenarioTestFragments, map[string]any{"i": ins}, &ans)
		results = ans.CompareScenarios
	}
	if len(results) != len(inputs) {
		t.Fatalf("%d results for %d inputs", len(results), len(inputs))
	}
	// Cells: counts and rupiah are whole.
	i64 := func(v any) any {
		if v == nil {
			return nil
		}
		n, err := v.(json.Number).Int64()
		if err != nil {
			t.Fatalf("%v is not a whole number: %v", v, err)
		}
		return n
	}
	f64 := func(v any) any {
		if v == nil {
			return nil
		}
		f, err := v.(json.Number).Float64()
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	str := func(v any) any {
		if v == nil {
			return nil
		}
		return v.(string)
	}
	tm := func(v any) any {
		d, err := time.Parse(time.RFC3339Nano, v.(string))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	m := func(v any) map[string]any { return v.(map[string]any) }
	l := func(v any) []any { a, _ := v.([]any); return a }
	side := func(s map[string]any) []any {
		return []any{i64(s["funded"]), f64(s["memberMonths"]), i64(s["monthlyCost"]), i64(s["annualCost"]), i64(s["participants"]),
			i64(s["workforce"]), f64(s["rate"]), f64(s["expectedClaims"]), i64(s["expectedPaid"]), i64(s["paidLow"]), i64(s["paidHigh"]), f64(s["lossRatio"])}
	}
	group := func(s map[string]any) []any {
		return []any{i64(s["funded"]), f64(s["memberMonths"]), i64(s["monthlyCost"]), i64(s["annualCost"]), f64(s["expectedClaims"]), i64(s["expectedPaid"])}
	}
	sideCols := func(p string) []wantCol {
		return []wantCol{{p + ": dibiayai", kNum}, {p + ": anggota-bulan", kRate}, {p + ": biaya per bulan (Rp)", kNum}, {p + ": biaya per tahun (Rp)", kNum},
			{p + ": peserta aktif", kNum}, {p + ": penyebut", kNum}, {p + ": tingkat cakupan", kRate}, {p + ": klaim diharapkan", kRate},
			{p + ": klaim diharapkan (Rp)", kNum}, {p + ": batas bawah klaim (Rp)", kNum}, {p + ": batas atas klaim (Rp)", kNum}, {p + ": rasio klaim", kRate}}
	}
	groupCols := func(p string) []wantCol {
		return []wantCol{{p + ": dibiayai", kNum}, {p + ": anggota-bulan", kRate}, {p + ": biaya per bulan (Rp)", kNum}, {p + ": biaya per tahun (Rp)", kNum},
			{p + ": klaim diharapkan", kRate}, {p + ": klaim diharapkan (Rp)", kNum}}
	}
	id := []wantCol{{"No", kNum}, {"Skenario", kText}}
	sum := wantTable{cols: append(append(append(append(append([]wantCol{}, id...), []wantCol{{"Tahun", kNum}, {"Versi rollup", kNum}, {"Data per (WIB)", kTime},
		{"Bulan data", kPeriod}, {"Tahun penyebut", kNum}, {"Pengalaman klaim dari", kPeriod}, {"Pengalaman klaim sampai", kPeriod}, {"Simulasi", kNum},
		{"Seed", kNum}, {"Persentil bawah", kNum}, {"Persentil atas", kNum}}...), sideCols("Dasar")...), sideCols("Skenario")...),
		wantCol{"Perubahan biaya per bulan (Rp)", kNum}, wantCol{"Perubahan biaya per tahun (Rp)", kNum}, wantCol{"Perubahan peserta", kNum},
		wantCol{"Perubahan cakupan (poin)", kRate})}
	groups := wantTable{cols: append(append(append(append([]wantCol{}, id...), wantCol{"Kategori", kText}, wantCol{"Nama kategori", kText},
		wantCol{"Diasumsikan belum tercakup", kText}), groupCols("Dasar")...), append(groupCols("Skenario"), wantCol{"Baru tercakup", kNum},
		wantCol{"Pindah dari pembayar lain", kNum}, wantCol{"Sudah dibiayai kota", kNum}, wantCol{"Kehilangan perlindungan", kNum})...)}
	progs := wantTable{cols: append(append([]wantCol{}, id...), wantCol{"Kategori", kText}, wantCol{"Program", kText}, wantCol{"Dasar pengalaman", kText},
		wantCol{"Anggota-bulan skenario", kRate}, wantCol{"Klaim diharapkan", kRate}, wantCol{"Klaim diharapkan (Rp)", kNum},
		wantCol{"Pengalaman: kategori", kText}, wantCol{"Pengalaman: anggota-bulan", kRate}, wantCol{"Pengalaman: jumlah klaim", kNum},
		wantCol{"Pengalaman: klaim dibayar (Rp)", kNum}, wantCol{"Pengalaman: iuran (Rp)", kNum},
		wantCol{"Pengalaman: frekuensi per 1.000 anggota-bulan", kRate}, wantCol{"Pengalaman: rata-rata klaim (Rp)", kNum},
		wantCol{"Pengalaman: rasio klaim", kRate})}
	areas := wantTable{cols: append(append([]wantCol{}, id...), wantCol{"Kode kecamatan", kText}, wantCol{"Kecamatan", kText}, wantCol{"Penyebut", kNum},
		wantCol{"Peserta dasar", kNum}, wantCol{"Peserta skenario", kNum}, wantCol{"Cakupan dasar", kRate}, wantCol{"Cakupan skenario", kRate},
		wantCol{"Perubahan (poin)", kRate})}
	notes := wantTable{cols: append(append([]wantCol{}, id...), wantCol{"Catatan", kText})}
	input := wantTable{cols: append(append([]wantCol{}, id...), wantCol{"Skenario tersimpan", kText}, wantCol{"Masukan (JSON)", kText})}
	basis := map[string]string{"CATEGORY": "kategori sendiri", "CITY_FUNDED": "semua pekerja dibiayai kota", "BPU": "semua peserta BPU", "NONE": "tidak ada"}
	for i, r := range results {
		no, name := int64(i+1), "Masukan "+strconv.Itoa(i+1)
		if i < len(names) && names[i] != "" {
			name = names[i]
		}
		row := append([]any{no, name, i64(r["year"]), i64(r["rollupVersion"]), tm(r["asOf"]), str(r["asOfMonth"]), i64(r["denominatorYear"]),
			str(r["experienceFrom"]), str(r["experienceTo"]), i64(r["simulations"]), i64(r["seed"]), i64(r["lowPercent"]), i64(r["highPercent"])},
			side(m(r["baseline"]))...)
		row = append(append(row, side(m(r["scenario"]))...), i64(r["monthlyCostChange"]), i64(r["annualCostChange"]),
			i64(r["participantsChange"]), f64(r["changePoints"]))
		sum.rows = append(sum.rows, row)
		for _, g := range l(r["groups"]) {
			g := m(g)
			assumed := map[bool]string{true: "ya", false: "tidak"}[g["assumed"].(bool)]
			row := append(append([]any{no, name, g["category"], g["name"], assumed}, group(m(g["baseline"]))...), group(m(g["scenario"]))...)
			groups.rows = append(groups.rows, append(row, i64(g["newlyCovered"]), i64(g["movers"]), i64(g["alreadyCity"]), i64(g["loseCoverage"])))
			for _, p := range l(g["programs"]) {
				p := m(p)
				e := m(p["experience"])
				progs.rows = append(progs.rows, []any{no, name, g["category"], p["program"], basis[p["basis"].(string)], f64(p["memberMonths"]),
					f64(p["expectedClaims"]), i64(p["expectedPaid"]), str(e["category"]), f64(e["exposureMemberMonths"]), i64(e["claims"]),
					i64(e["paidAmount"]), i64(e["contributions"]), f64(e["frequency"]), i64(e["severity"]), f64(e["lossRatio"])})
			}
		}
		for _, a := range l(r["areas"]) {
			a := m(a)
			areas.rows = append(areas.rows, []any{no, name, str(a["areaCode"]), a["name"], i64(a["workforce"]), i64(a["baseline"]), i64(a["scenario"]),
				f64(a["baselineRate"]), f64(a["scenarioRate"]), f64(a["changePoints"])})
		}
		for _, n := range l(r["notes"]) {
			notes.rows = append(notes.rows, []any{no, name, n})
		}
		input.rows = append(input.rows, []any{no, name, nil, inputs[i]})
	}
	return []wantTable{sum, groups, progs, areas, notes, input}, results
}

func scenarioPath(format string, inputs, names []string) string {
	q := url.Values{"input": inputs}
	if len(names) > 0 {
		q["name"] = names
	}
	return "/export/scenario." + format + "?" + q.Encode()
}

// TestExportScenario: one scenario and a comparison of two, in both formats,
// as the viewer the dashboard signs in with: every cell equals the API's.
func TestExportScenario(t *testing.T) {
	x := newExportFixture(t, graph.ExportConfig{}, graph.Config{})
	requireScenarios(t, x)
	for _, format := range formats {
		for _, tc := range []struct {
			name          string
			inputs, names []string
		}{
			{"one", scenarioInputs[:1], nil},
			{"compared", scenarioInputs, []string{"Marbot 2025", "=Parkir dan JHT"}},
			{"compared, the first unnamed", scenarioInputs, []string{"", "Parkir"}},
		} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				want, results := wantScenarios(t, x, "viewer-key", tc.inputs, tc.names)
				w := x.get(t, "viewer-key", scenarioPath(format, tc.inputs, tc.names))
				rep := parse(t, format, w.Body.Bytes())
				asOf, _ := time.Parse(time.RFC3339Nano, results[0]["asOf"].(string))
				v, _ := results[0]["rollupVersion"].(json.Number).Int64()
				roll := apiRollup{Version: int(v), AsOf: asOf}
				checkHead(t, w, format, "scenario", rep, "Skenario Perwal: biaya, cakupan dan klaim", roll, "dashboard (VIEWER)",
					"Skenario 1: ", "tahun 2025: tambah kategori MARBOT 500 orang di 2 wilayah, JKK+JKM, 12 bulan")
				if len(rep.tables) != len(want) {
					t.Fatalf("%d tables, want %d", len(rep.tables), len(want))
				}
				for i, name := range []string{"summary", "by category", "by programme", "by kecamatan", "notes", "inputs"} {
					check(t, format, name, rep.tables[i], want[i])
				}
				if len(want[1].rows) == 0 || len(want[2].rows) == 0 || len(want[3].rows) == 0 {
					t.Errorf("the answer is too small to test: %d categories, %d programme lines, %d areas", len(want[1].rows), len(want[2].rows), len(want[3].rows))
				}
			})
		}
	}
}

// TestExportScenarioRefusals: what the export refuses before asking the API,
// and what the API refuses.
func TestExportScenarioRefusals(t *testing.T) {
	x := newExportFixture(t, graph.ExportConfig{}, graph.Config{})
	seven := make([]string, 7)
	for i := range seven {
		seven[i] = scenarioInputs[0]
	}
	tests := []struct {
		key, path string
		status    int
		code      string
		says      []string
	}{
		{"", scenarioPath("csv", scenarioInputs[:1], nil), 401, "UNAUTHENTICATED", []string{"credentials"}},
		{"nobody", scenarioPath("xlsx", scenarioInputs[:1], nil), 401, "UNAUTHENTICATED", nil},
		{"viewer-key", "/export/scenario.csv?input=" + url.QueryEscape(`{"year":2025,"changes":[`), 400, "BAD_REQUEST", []string{"parameter input", "ScenarioInput as JSON"}},
		{"viewer-key", "/export/scenario.csv?input=" + url.QueryEscape(`[1,2]`), 400, "BAD_REQUEST", []string{"parameter input"}},
		{"viewer-key", "/export/scenario.csv?input=" + url.QueryEscape(`{"year":2025} {}`), 400, "BAD_REQUEST", []string{"more than one"}},
		{"viewer-key", "/export/scenario.csv?input=null", 400, "BAD_REQUEST", []string{"parameter input"}},
		{"viewer-key", scenarioPath("csv", seven, nil), 400, "BAD_REQUEST", []string{"7 scenarios", "6 at most"}},
		{"viewer-key", "/export/scenario.xlsx", 400, "BAD_REQUEST", []string{"input=", "saved="}},
		{"viewer-key", scenarioPath("csv", scenarioInputs[:1], []string{"a", "b"}), 400, "BAD_REQUEST", []string{"2 names for 1 inputs"}},
		{"viewer-key", "/export/scenario.csv?saved=" + url.QueryEscape("a b"), 400, "BAD_REQUEST", []string{"saved"}},
		{"viewer-key", scenarioPath("csv", scenarioInputs[:1], nil) + "&year=2025", 400, "BAD_REQUEST", []string{`"year"`, "input, saved, name"}},
		{"viewer-key", "/export/scenario.pdf?input=" + url.QueryEscape(scenarioInputs[0]), 400, "BAD_REQUEST", []string{`"pdf"`}},
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
		if w.Code != tc.status || len(body.Errors) != 1 || body.Errors[0].Extensions.Code != tc.code ||
			w.Header().Get("Content-Disposition") != "" || w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s as %q: got %d %s, want %d %s", tc.path, tc.key, w.Code, w.Body, tc.status, tc.code)
			continue
		}
		for _, s := range tc.says {
			if !strings.Contains(body.Errors[0].Message, s) {
				t.Errorf("%s: %q does not say %q", tc.path, body.Errors[0].Message, s)
			}
		}
	}
	// A field the input may not have is the API's to refuse: 400 either way
	// (GRAPHQL_VALIDATION_FAILED or BAD_USER_INPUT).
	w := x.get(t, "viewer-key", "/export/scenario.csv?input="+url.QueryEscape(`{"year":2025,"changes":[],"bogus":1}`))
	if w.Code != http.StatusBadRequest || w.Header().Get("Content-Disposition") != "" {
		t.Errorf("an input with an unknown field: %d %s", w.Code, w.Body)
	}
}

// TestExportSavedScenario: a saved scenario alone (read, then recomputed
// with `scenario`) and beside an input (`compareScenarios`, inputs first),
// for the viewer; an id with none is 404.
func TestExportSavedScenario(t *testing.T) {
	x := newExportFixture(t, graph.ExportConfig{}, graph.Config{})
	requireScenarios(t, x)
	var in map[string]any
	if err := json.Unmarshal([]byte(scenarioInputs[1]), &in); err != nil {
		t.Fatal(err)
	}
	var saved struct {
		SaveScenario struct{ ID, InputJSON string }
	}
	x.ask(t, "admin-key", `mutation($i: ScenarioInput!) { saveScenario(name: "+Parkir tersimpan", input: $i) { id inputJSON: inputJson } }`,
		map[string]any{"i": in}, &saved)
	id := saved.SaveScenario.ID
	for _, format := range formats {
		t.Run("alone/"+format, func(t *testing.T) {
			want, _ := wantScenarios(t, x, "viewer-key", []string{saved.SaveScenario.InputJSON}, []string{"+Parkir tersimpan"})
			want[5].rows[0][2] = id
			w := x.get(t, "viewer-key", "/export/scenario."+format+"?saved="+url.QueryEscape(id))
			rep := parse(t, format, w.Body.Bytes())
			if w.Code != http.StatusOK || len(rep.tables) != len(want) {
				t.Fatalf("%d %d tables: %.300s", w.Code, len(rep.tables), w.Body)
			}
			if !strings.Contains(rep.header["Filter"], "Skenario 1: tersimpan "+id) {
				t.Errorf("filters %q", rep.header["Filter"])
			}
			for i := range want {
				check(t, format, "saved alone", rep.tables[i], want[i])
			}
		})
		t.Run("beside an input/"+format, func(t *testing.T) {
			want, _ := wantScenarios(t, x, "viewer-key", []string{scenarioInputs[0], saved.SaveScenario.InputJSON}, []string{"Marbot", "+Parkir tersimpan"})
			want[5].rows[1][2] = id
			w := x.get(t, "viewer-key", scenarioPath(format, scenarioInputs[:1], []string{"Marbot"})+"&saved="+url.QueryEscape(id))
			rep := parse(t, format, w.Body.Bytes())
			if w.Code != http.StatusOK || len(rep.tables) != len(want) {
				t.Fatalf("%d %d tables: %.300s", w.Code, len(rep.tables), w.Body)
			}
			for i := range want {
				check(t, format, "saved beside an input", rep.tables[i], want[i])
			}
		})
	}
	if w := x.get(t, "viewer-key", "/export/scenario.csv?saved=nope-404"); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `"NOT_FOUND"`) {
		t.Errorf("an unknown saved scenario: %d %s", w.Code, w.Body)
	}
}
