package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/export"
)

// The scenario export (issue 14, docs/exports.md): GET
// /export/scenario.{csv|xlsx}?input=<ScenarioInput as JSON>, or several
// input= and saved=<id> for a comparison (2 to 6 in all, inputs first as
// compareScenarios orders them). One scenario is asked of `scenario`, a
// comparison of `compareScenarios`, a single saved one is read
// (savedScenario's inputJson) and recomputed with `scenario`: like a
// comparison, on the latest rollup. Every request goes through the API as the
// caller, as the other exports'.
//
// The file has one table per aspect, each with a row per scenario (or per
// scenario and category, programme, kecamatan), the scenario's number and
// name first, so scenarios compare down a column: Ringkasan (baseline,
// scenario and the changes), Per kategori, Per program (the expected claims
// and the experience behind them, its claims count included), Per
// kecamatan, Catatan (the API's notes) and Masukan (each scenario's input as
// JSON, to ask it again).

// Bounds of the scenario export.
const (
	scenarioMaxCompare = 6        // compareScenarios' most
	scenarioMaxInput   = 64 << 10 // bytes of one input's JSON
)

// scenarioParam reads input (each a JSON object), saved (each an id) and
// name (the inputs' names, in their order): none is split at commas.
func scenarioParam(name string, vals []string) (any, error) {
	var out []string
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if v == "" {
			if name == "name" { // a name's place is its input's: an empty one keeps it
				out = append(out, "")
			}
			continue
		}
		switch name {
		case "input":
			if len(v) > scenarioMaxInput {
				return nil, badParam("parameter input: %d bytes, more than %d", len(v), scenarioMaxInput)
			}
			if _, err := scenarioInputJSON(v); err != nil {
				return nil, badParam("parameter input: not a ScenarioInput as JSON (%v): e.g. input=%s", err,
					url.QueryEscape(`{"year":2027,"changes":[{"kind":"ADD_CATEGORY","category":"MARBOT","headcount":500}]}`))
			}
		case "name":
			if len(v) > 200 {
				return nil, badParam("parameter name: %d bytes, more than 200", len(v))
			}
		case "saved":
			if len(v) > 100 || strings.ContainsAny(v, " \t\r\n") {
				return nil, badParam("parameter saved: %q is not a saved scenario's id", clipParam(v))
			}
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// scenarioInputJSON decodes one input: a JSON object, its numbers kept as
// written (the API checks its fields and types).
func scenarioInputJSON(s string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("null")
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return m, nil
}

func clipParam(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// The API's answer.

type exportScenarioSide struct {
	Funded         int64    `json:"funded"`
	MemberMonths   float64  `json:"memberMonths"`
	MonthlyCost    int64    `json:"monthlyCost"`
	AnnualCost     int64    `json:"annualCost"`
	Participants   int64    `json:"participants"`
	Workforce      *int64   `json:"workforce"`
	Rate           *float64 `json:"rate"`
	ExpectedClaims float64  `json:"expectedClaims"`
	ExpectedPaid   int64    `json:"expectedPaid"`
	PaidLow        int64    `json:"paidLow"`
	PaidHigh       int64    `json:"paidHigh"`
	LossRatio      *float64 `json:"lossRatio"`
}

type exportScenarioGroupSide struct {
	Funded         int64   `json:"funded"`
	MemberMonths   float64 `json:"memberMonths"`
	MonthlyCost    int64   `json:"monthlyCost"`
	AnnualCost     int64   `json:"annualCost"`
	ExpectedClaims float64 `json:"expectedClaims"`
	ExpectedPaid   int64   `json:"expectedPaid"`
}

type exportExperienceLine struct {
	Category             *string  `json:"category"`
	Basis                string   `json:"basis"`
	Program              string   `json:"program"`
	ExposureMemberMonths float64  `json:"exposureMemberMonths"`
	Claims               int64    `json:"claims"`
	PaidAmount           int64    `json:"paidAmount"`
	Contributions        int64    `json:"contributions"`
	Frequency            *float64 `json:"frequency"`
	Severity             *int64   `json:"severity"`
	LossRatio            *float64 `json:"lossRatio"`
}

type exportScenarioResult struct {
	Year            int                `json:"year"`
	RollupVersion   int                `json:"rollupVersion"`
	AsOf            time.Time          `json:"asOf"`
	AsOfMonth       string             `json:"asOfMonth"`
	DenominatorYear *int64             `json:"denominatorYear"`
	ExperienceFrom  string             `json:"experienceFrom"`
	ExperienceTo    string             `json:"experienceTo"`
	Simulations     int64              `json:"simulations"`
	Seed            int64              `json:"seed"`
	LowPercent      int64              `json:"lowPercent"`
	HighPercent     int64              `json:"highPercent"`
	Baseline        exportScenarioSide `json:"baseline"`
	Scenario        exportScenarioSide `json:"scenario"`
	MonthlyChange   int64              `json:"monthlyCostChange"`
	AnnualChange    int64              `json:"annualCostChange"`
	ParticipantsChg int64              `json:"participantsChange"`
	ChangePoints    *float64           `json:"changePoints"`
	Groups          []struct {
		Category     string                  `json:"category"`
		Name         string                  `json:"name"`
		Baseline     exportScenarioGroupSide `json:"baseline"`
		Scenario     exportScenarioGroupSide `json:"scenario"`
		NewlyCovered int64                   `json:"newlyCovered"`
		Movers       int64                   `json:"movers"`
		AlreadyCity  int64                   `json:"alreadyCity"`
		LoseCoverage int64                   `json:"loseCoverage"`
		Assumed      bool                    `json:"assumed"`
		Programs     []struct {
			Program        string               `json:"program"`
			MemberMonths   float64              `json:"memberMonths"`
			ExpectedClaims float64              `json:"expectedClaims"`
			ExpectedPaid   int64                `json:"expectedPaid"`
			Basis          string               `json:"basis"`
			Experience     exportExperienceLine `json:"experience"`
		} `json:"programs"`
	} `json:"groups"`
	Areas []struct {
		AreaCode     *string  `json:"areaCode"`
		Name         string   `json:"name"`
		Workforce    *int64   `json:"workforce"`
		Baseline     int64    `json:"baseline"`
		Scenario     int64    `json:"scenario"`
		BaselineRate *float64 `json:"baselineRate"`
		ScenarioRate *float64 `json:"scenarioRate"`
		ChangePoints *float64 `json:"changePoints"`
	} `json:"areas"`
	Notes []string `json:"notes"`
}

const scenarioSideFields = `funded memberMonths monthlyCost annualCost participants workforce rate expectedClaims expectedPaid paidLow paidHigh lossRatio`

// scenarioResultFields is every field of a ScenarioResult the export writes.
const scenarioResultFields = `year rollupVersion asOf asOfMonth denominatorYear experienceFrom experienceTo simulations seed lowPercent highPercent
	baseline { ` + scenarioSideFields + ` } scenario { ` + scenarioSideFields + ` }
	monthlyCostChange annualCostChange participantsChange changePoints
	groups { category name newlyCovered movers alreadyCity loseCoverage assumed
		baseline { funded memberMonths monthlyCost annualCost expectedClaims expectedPaid }
		scenario { funded memberMonths monthlyCost annualCost expectedClaims expectedPaid }
		programs { program memberMonths expectedClaims expectedPaid basis
			experience { category basis program exposureMemberMonths claims paidAmount contributions frequency severity lossRatio } } }
	areas { areaCode name workforce baseline scenario baselineRate scenarioRate changePoints }
	notes`

// experienceBasisLabels are the bases of a claim experience in words.
var experienceBasisLabels = map[string]string{
	"CATEGORY": "kategori sendiri", "CITY_FUNDED": "semua pekerja dibiayai kota", "BPU": "semua peserta BPU", "NONE": "tidak ada",
}

// scenarioChangeLabels are the kinds of change in words.
var scenarioChangeLabels = map[string]string{
	"ADD_CATEGORY": "tambah kategori", "REMOVE_CATEGORY": "hapus kategori", "SET_PROGRAMS": "ubah program",
	"SET_INCOME": "ubah tarif (penghasilan)", "SET_MONTHS": "ubah bulan dibiayai",
}

// scenarioEntry is one scenario of the export: an input, or a saved one.
type scenarioEntry struct {
	input   map[string]any // as given, or the saved one's
	raw     string         // its JSON
	savedID string
	name    string
}

func (j *exportJob) scenario() error {
	inputs, saved, names := j.list("input"), j.list("saved"), j.list("name")
	n := len(inputs) + len(saved)
	switch {
	case len(names) > len(inputs):
		return badParam("%d names for %d inputs: name= names the inputs in their order (a saved scenario has its own)", len(names), len(inputs))
	case n == 0:
		return badParam("give the scenario: input=<ScenarioInput as JSON> (URL-encoded), or saved=<id>; 2 to %d of them for a comparison", scenarioMaxCompare)
	case n > scenarioMaxCompare:
		return badParam("%d scenarios: a comparison holds %d at most", n, scenarioMaxCompare)
	}
	var entries []*scenarioEntry
	for i, s := range inputs {
		m, _ := scenarioInputJSON(s) // checked by parse
		e := &scenarioEntry{input: m, raw: s, name: fmt.Sprintf("Masukan %d", i+1)}
		if i < len(names) && names[i] != "" {
			e.name = names[i]
		}
		entries = append(entries, e)
	}
	for _, id := range saved {
		entries = append(entries, &scenarioEntry{savedID: id})
	}

	// One request: the caller, the saved scenarios' names and inputs, and
	// the results (a single saved scenario's the next request).
	head, _ := j.headFields()
	vars := map[string]any{}
	var args, fields []string
	for i, e := range entries[len(inputs):] {
		v := "s" + strconv.Itoa(i)
		vars[v] = e.savedID
		args = append(args, "$"+v+": ID!")
		fields = append(fields, v+": savedScenario(id: $"+v+") { id name inputJson }")
	}
	single := n == 1 && len(inputs) == 1
	switch {
	case single:
		vars["input"] = entries[0].input
		args = append(args, "$input: ScenarioInput!")
		fields = append(fields, "results: scenario(input: $input) { ...R }")
	case n > 1:
		in := make([]any, len(inputs))
		for i, e := range entries[:len(inputs)] {
			in[i] = e.input
		}
		vars["inputs"], vars["saved"] = in, saved
		args = append(args, "$inputs: [ScenarioInput!]", "$saved: [ID!]")
		fields = append(fields, "results: compareScenarios(inputs: $inputs, saved: $saved) { ...R }")
	}
	query := "query ExportScenario(" + strings.Join(args, ", ") + ") { " + head + " " + strings.Join(fields, " ") + " }"
	if n > 1 || single {
		query += "\nfragment R on ScenarioResult { " + scenarioResultFields + " }"
	}
	var ans map[string]json.RawMessage
	if err := j.api.ask("ExportScenario", query, vars, &ans, false); err != nil {
		return err
	}
	var hd exportHead
	if err := json.Unmarshal(mustJSON(ans), &hd); err != nil {
		return err
	}
	for i, e := range entries[len(inputs):] {
		var s *struct {
			ID        string `json:"id"`
			Name      string `json:"name"`
			InputJSON string `json:"inputJson"`
		}
		if err := json.Unmarshal(ans["s"+strconv.Itoa(i)], &s); err != nil {
			return err
		}
		if s == nil {
			return &exportError{status: 404, code: "NOT_FOUND", msg: fmt.Sprintf("there is no saved scenario %q", clipParam(e.savedID))}
		}
		e.name, e.raw = s.Name, s.InputJSON
		e.input, _ = scenarioInputJSON(s.InputJSON)
	}
	var results []exportScenarioResult
	switch {
	case single:
		var r exportScenarioResult
		if err := json.Unmarshal(ans["results"], &r); err != nil {
			return err
		}
		results = []exportScenarioResult{r}
	case n > 1:
		if err := json.Unmarshal(ans["results"], &results); err != nil {
			return err
		}
	default: // one saved scenario: recomputed on the latest rollup
		if entries[0].input == nil {
			return fmt.Errorf("export: saved scenario %s holds no input", entries[0].savedID)
		}
		var r struct {
			Results exportScenarioResult `json:"results"`
		}
		if err := j.api.ask("ExportScenario", "query ExportScenario($input: ScenarioInput!) { results: scenario(input: $input) { ...R } }\nfragment R on ScenarioResult { "+scenarioResultFields+" }",
			map[string]any{"input": entries[0].input}, &r, false); err != nil {
			return err
		}
		results = []exportScenarioResult{r.Results}
	}
	if len(results) != len(entries) {
		return fmt.Errorf("export: %d scenarios asked, %d answered", len(entries), len(results))
	}
	return j.writeScenarios(hd, entries, results)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// scenarioWords describes a scenario's input in a line.
func scenarioWords(in map[string]any) string {
	var parts []string
	changes, _ := in["changes"].([]any)
	for _, c := range changes {
		m, _ := c.(map[string]any)
		if m == nil {
			continue
		}
		kind := fmt.Sprint(m["kind"])
		w := export.Label(scenarioChangeLabels, kind)
		if cat, ok := m["category"].(string); ok && cat != "" {
			w += " " + cat
		} else if kind != "ADD_CATEGORY" && kind != "REMOVE_CATEGORY" {
			w += " semua kategori"
		}
		if h, ok := m["headcount"].(json.Number); ok {
			w += " " + h.String() + " orang"
		}
		if d, ok := m["distribution"].([]any); ok && len(d) > 0 {
			w += fmt.Sprintf(" di %d wilayah", len(d))
		}
		if p, ok := m["programs"].([]any); ok && len(p) > 0 {
			ps := make([]string, len(p))
			for i, x := range p {
				ps[i] = fmt.Sprint(x)
			}
			w += ", " + strings.Join(ps, "+")
		}
		if v, ok := m["income"].(json.Number); ok {
			w += ", penghasilan Rp" + v.String()
		}
		if v, ok := m["months"].(json.Number); ok {
			w += ", " + v.String() + " bulan"
		}
		parts = append(parts, w)
	}
	return strings.Join(parts, "; ")
}

// writeScenarios writes the file.
func (j *exportJob) writeScenarios(head exportHead, entries []*scenarioEntry, results []exportScenarioResult) error {
	filters := make([]export.Filter, len(entries))
	for i, e := range entries {
		label := fmt.Sprintf("Skenario %d", i+1)
		v := e.name
		if e.savedID != "" {
			v = "tersimpan " + e.savedID + " " + strconv.Quote(e.name)
		}
		filters[i] = export.Filter{Label: label, Value: fmt.Sprintf("%s, tahun %d: %s", v, results[i].Year, scenarioWords(e.input))}
	}
	// The header's as-of and version: the first result's (a comparison is
	// answered on one rollup).
	if err := j.open("Skenario Perwal: biaya, cakupan dan klaim", head, exportRollup{Version: results[0].RollupVersion, AsOf: results[0].AsOf}, filters); err != nil {
		return err
	}
	id := []export.Column{{Header: "No", Kind: export.Int, Width: 5}, {Header: "Skenario", Kind: export.Text, Width: 24}}
	name := func(i int) []any { return []any{i + 1, entries[i].name} }
	row := func(cells ...any) error {
		j.rows++
		return j.w.Row(cells...)
	}
	side := func(prefix string) []export.Column {
		return []export.Column{{Header: prefix + ": dibiayai", Kind: export.Int}, {Header: prefix + ": anggota-bulan", Kind: export.Decimal},
			{Header: prefix + ": biaya per bulan (Rp)", Kind: export.Money}, {Header: prefix + ": biaya per tahun (Rp)", Kind: export.Money},
			{Header: prefix + ": peserta aktif", Kind: export.Int}, {Header: prefix + ": penyebut", Kind: export.Int},
			{Header: prefix + ": tingkat cakupan", Kind: export.Rate}, {Header: prefix + ": klaim diharapkan", Kind: export.Decimal},
			{Header: prefix + ": klaim diharapkan (Rp)", Kind: export.Money}, {Header: prefix + ": batas bawah klaim (Rp)", Kind: export.Money},
			{Header: prefix + ": batas atas klaim (Rp)", Kind: export.Money}, {Header: prefix + ": rasio klaim", Kind: export.Rate}}
	}
	sideCells := func(s *exportScenarioSide) []any {
		return []any{s.Funded, s.MemberMonths, s.MonthlyCost, s.AnnualCost, s.Participants, s.Workforce, s.Rate, s.ExpectedClaims,
			s.ExpectedPaid, s.PaidLow, s.PaidHigh, s.LossRatio}
	}
	cols := append(slices.Clone(id),
		export.Column{Header: "Tahun", Kind: export.Int, Width: 7}, export.Column{Header: "Versi rollup", Kind: export.Int, Width: 8},
		export.Column{Header: "Data per (WIB)", Kind: export.Time}, export.Column{Header: "Bulan data", Kind: export.Period},
		export.Column{Header: "Tahun penyebut", Kind: export.Int, Width: 9}, export.Column{Header: "Pengalaman klaim dari", Kind: export.Period},
		export.Column{Header: "Pengalaman klaim sampai", Kind: export.Period}, export.Column{Header: "Simulasi", Kind: export.Int},
		export.Column{Header: "Seed", Kind: export.Int}, export.Column{Header: "Persentil bawah", Kind: export.Int, Width: 9},
		export.Column{Header: "Persentil atas", Kind: export.Int, Width: 9})
	cols = append(cols, side("Dasar")...)
	cols = append(cols, side("Skenario")...)
	cols = append(cols, export.Column{Header: "Perubahan biaya per bulan (Rp)", Kind: export.Money},
		export.Column{Header: "Perubahan biaya per tahun (Rp)", Kind: export.Money},
		export.Column{Header: "Perubahan peserta", Kind: export.Int}, export.Column{Header: "Perubahan cakupan (poin)", Kind: export.Decimal})
	if err := j.w.Table(export.Table{Sheet: "Ringkasan", Title: "Ringkasan", Columns: cols}); err != nil {
		return err
	}
	for i := range results {
		r := &results[i]
		cells := append(name(i), r.Year, r.RollupVersion, r.AsOf, r.AsOfMonth, r.DenominatorYear, r.ExperienceFrom, r.ExperienceTo,
			r.Simulations, r.Seed, r.LowPercent, r.HighPercent)
		cells = append(append(append(cells, sideCells(&r.Baseline)...), sideCells(&r.Scenario)...), r.MonthlyChange, r.AnnualChange, r.ParticipantsChg, r.ChangePoints)
		if err := row(cells...); err != nil {
			return err
		}
	}

	group := func(prefix string) []export.Column {
		return []export.Column{{Header: prefix + ": dibiayai", Kind: export.Int}, {Header: prefix + ": anggota-bulan", Kind: export.Decimal},
			{Header: prefix + ": biaya per bulan (Rp)", Kind: export.Money}, {Header: prefix + ": biaya per tahun (Rp)", Kind: export.Money},
			{Header: prefix + ": klaim diharapkan", Kind: export.Decimal}, {Header: prefix + ": klaim diharapkan (Rp)", Kind: export.Money}}
	}
	groupCells := func(s *exportScenarioGroupSide) []any {
		return []any{s.Funded, s.MemberMonths, s.MonthlyCost, s.AnnualCost, s.ExpectedClaims, s.ExpectedPaid}
	}
	cols = append(slices.Clone(id), export.Column{Header: "Kategori", Kind: export.Text},
		export.Column{Header: "Nama kategori", Kind: export.Text, Width: 24}, export.Column{Header: "Diasumsikan belum tercakup", Kind: export.Text, Width: 11})
	cols = append(cols, group("Dasar")...)
	cols = append(cols, group("Skenario")...)
	cols = append(cols, export.Column{Header: "Baru tercakup", Kind: export.Int}, export.Column{Header: "Pindah dari pembayar lain", Kind: export.Int},
		export.Column{Header: "Sudah dibiayai kota", Kind: export.Int}, export.Column{Header: "Kehilangan perlindungan", Kind: export.Int})
	if err := j.w.Table(export.Table{Sheet: "Per kategori", Title: "Per kategori", Columns: cols}); err != nil {
		return err
	}
	for i := range results {
		for _, g := range results[i].Groups {
			cells := append(name(i), g.Category, g.Name, yesNo(g.Assumed))
			cells = append(append(append(cells, groupCells(&g.Baseline)...), groupCells(&g.Scenario)...), g.NewlyCovered, g.Movers, g.AlreadyCity, g.LoseCoverage)
			if err := row(cells...); err != nil {
				return err
			}
		}
	}

	cols = append(slices.Clone(id), export.Column{Header: "Kategori", Kind: export.Text}, export.Column{Header: "Program", Kind: export.Text, Width: 8},
		export.Column{Header: "Dasar pengalaman", Kind: export.Text, Width: 24}, export.Column{Header: "Anggota-bulan skenario", Kind: export.Decimal},
		export.Column{Header: "Klaim diharapkan", Kind: export.Decimal}, export.Column{Header: "Klaim diharapkan (Rp)", Kind: export.Money},
		export.Column{Header: "Pengalaman: kategori", Kind: export.Text}, export.Column{Header: "Pengalaman: anggota-bulan", Kind: export.Decimal},
		export.Column{Header: "Pengalaman: jumlah klaim", Kind: export.Int}, export.Column{Header: "Pengalaman: klaim dibayar (Rp)", Kind: export.Money},
		export.Column{Header: "Pengalaman: iuran (Rp)", Kind: export.Money}, export.Column{Header: "Pengalaman: frekuensi per 1.000 anggota-bulan", Kind: export.Decimal},
		export.Column{Header: "Pengalaman: rata-rata klaim (Rp)", Kind: export.Money}, export.Column{Header: "Pengalaman: rasio klaim", Kind: export.Rate})
	if err := j.w.Table(export.Table{Sheet: "Per program", Title: "Per kategori dan program: klaim diharapkan dan pengalamannya", Columns: cols}); err != nil {
		return err
	}
	for i := range results {
		for _, g := range results[i].Groups {
			for _, p := range g.Programs {
				x := &p.Experience
				if err := row(append(name(i), g.Category, p.Program, export.Label(experienceBasisLabels, p.Basis), p.MemberMonths, p.ExpectedClaims,
					p.ExpectedPaid, x.Category, x.ExposureMemberMonths, x.Claims, x.PaidAmount, x.Contributions, x.Frequency, x.Severity, x.LossRatio)...); err != nil {
					return err
				}
			}
		}
	}

	cols = append(slices.Clone(id), export.Column{Header: "Kode kecamatan", Kind: export.Text, Width: 10},
		export.Column{Header: "Kecamatan", Kind: export.Text}, export.Column{Header: "Penyebut", Kind: export.Int},
		export.Column{Header: "Peserta dasar", Kind: export.Int}, export.Column{Header: "Peserta skenario", Kind: export.Int},
		export.Column{Header: "Cakupan dasar", Kind: export.Rate}, export.Column{Header: "Cakupan skenario", Kind: export.Rate},
		export.Column{Header: "Perubahan (poin)", Kind: export.Decimal})
	if err := j.w.Table(export.Table{Sheet: "Per kecamatan", Title: "Per kecamatan", Columns: cols}); err != nil {
		return err
	}
	for i := range results {
		for _, a := range results[i].Areas {
			if err := row(append(name(i), a.AreaCode, a.Name, a.Workforce, a.Baseline, a.Scenario, a.BaselineRate, a.ScenarioRate, a.ChangePoints)...); err != nil {
				return err
			}
		}
	}

	cols = append(slices.Clone(id), export.Column{Header: "Catatan", Kind: export.Text, Width: 80})
	if err := j.w.Table(export.Table{Sheet: "Catatan", Title: "Catatan", Columns: cols}); err != nil {
		return err
	}
	for i := range results {
		for _, note := range results[i].Notes {
			if err := row(append(name(i), note)...); err != nil {
				return err
			}
		}
	}

	cols = append(slices.Clone(id), export.Column{Header: "Skenario tersimpan", Kind: export.Text, Width: 14},
		export.Column{Header: "Masukan (JSON)", Kind: export.Text, Width: 80})
	if err := j.w.Table(export.Table{Sheet: "Masukan", Title: "Masukan", Columns: cols}); err != nil {
		return err
	}
	for i, e := range entries {
		var b bytes.Buffer
		if err := json.Compact(&b, []byte(e.raw)); err != nil {
			b.Reset()
			b.WriteString(e.raw)
		}
		if err := row(append(name(i), e.savedID, b.String())...); err != nil {
			return err
		}
	}
	return nil
}

func yesNo(b bool) string { return map[bool]string{true: "ya", false: "tidak"}[b] }
