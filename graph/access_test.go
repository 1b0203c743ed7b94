package graph_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store"
)

// accessFixture is the fixture with the reconciliation run over it (eleven
// discrepancies: three in Cibeber 367201, where Ahmad owes February and died
// in March; Siti, in Citangkil, lapsed after January; Joko, in Cikerai, city
// money in months no contribution paid) and figures declared for the city and
// for Cibeber, its audit log in the store.
func accessFixture(t *testing.T, cfg graph.Config) *fixture {
	t.Helper()
	return newFixtureWith(t, cfg, func(s *store.Store, cfg *graph.Config) {
		ctx := context.Background()
		svc := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Logger: slog.New(slog.DiscardHandler)}
		for _, area := range []string{"", "367201"} {
			d := coverage.DeclaredTotal{Metric: coverage.MetricCityFundedWorkers, Year: 2024, AreaCode: area, Value: 1, Source: "test", SetBy: "test"}
			if _, err := svc.SetDeclaredTotal(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Reconcile(ctx, "test"); err != nil {
			t.Fatal(err)
		}
		cfg.Analytics, cfg.ReconcileLog = svc, s
		if cfg.Scenarios == nil {
			cfg.Scenarios = s
		}
		if cfg.AuditLog == nil {
			cfg.AuditLog = s
		}
	})
}

// The roles of the matrix, in the order of its cells.
var matrixRoles = []graph.Principal{viewer, officer, analyst, admin}

// cell is the expected outcome of one field for one role:
//   - a GraphQL error code (FORBIDDEN, NOT_FOUND, UNAVAILABLE): the field is
//     null with that error on it, and nothing else fails;
//   - "ANY": an answer, no error;
//   - otherwise the field's JSON exactly ("null": null without an error).
type cell = string

type matrixRow struct {
	name  string
	query string   // the field, aliased f; mutation rows start with "mutation"
	want  [4]cell  // viewer, officer (Cibeber 367201), analyst, admin
	vars  []string // names of ids to substitute ($own, $other discrepancies)
}

const (
	forbidden = "FORBIDDEN"
	anyAnswer = "ANY"

	maskedA = "3672********0001" // nikA as an analyst sees it
	maskedB = "3672********0012"
)

// TestAccessMatrix runs every role, and no credentials, against every root
// field, every personal-data field (directly and nested) and every mutation,
// and checks each cell: allowed and what it shows (scoped counts for the
// officer, masked values for the analyst), FORBIDDEN on that field only,
// another area's record not found, UNAUTHENTICATED without credentials.
func TestAccessMatrix(t *testing.T) {
	f := accessFixture(t, graph.Config{RosterImporter: rejectAll{}})

	// The findings' ids are hashes: look up one of Cibeber and one of Cikerai.
	var ds struct {
		Discrepancies struct {
			Edges []struct {
				Node struct{ ID, Kind, AreaCode string }
			}
		}
	}
	f.client.MustPost(`{ discrepancies { edges { node { id kind areaCode } } } }`, &ds)
	ids := map[string]string{}
	for _, e := range ds.Discrepancies.Edges {
		switch e.Node.Kind {
		case "UNPAID_MONTHS":
			if strings.HasPrefix(e.Node.AreaCode, "367201") { // Ahmad's, in Cibeber
				ids["own"] = e.Node.ID
			}
		case "INACTIVE_3_MONTHS":
			if strings.HasPrefix(e.Node.AreaCode, "367202") { // Joko's, in Cikerai
				ids["other"] = e.Node.ID
			}
		}
	}
	if ids["own"] == "" || ids["other"] == "" {
		t.Fatalf("the reconciliation found %+v", ds)
	}

	fullA := `{"nik":"` + nikA + `","name":"Ahmad Fauzi","birthDate":"1990-05-12","birthYear":1990,"nikInfo":{"valid":true,"birthDate":"1990-05-12"},` +
		`"roster":[{"nik":"` + nikA + `","name":"Ahmad Fauzi"}],"contributions":{"totalCount":3,"edges":[{"node":{"nik":"` + nikA + `"}}]}}`
	maskA := `{"nik":"` + maskedA + `","name":"A. F.","birthDate":null,"birthYear":1990,"nikInfo":{"valid":true,"birthDate":null},` +
		`"roster":[{"nik":"` + maskedA + `","name":"A. F."}],"contributions":{"totalCount":3,"edges":[{"node":{"nik":"` + maskedA + `"}}]}}`
	pageA := func(total int, nik, name, birth string) string {
		return `{"totalCount":` + itoa(total) + `,"edges":[{"node":{"kpj":"10000000001","nik":"` + nik + `","name":"` + name + `","birthDate":` + birth + `,"birthYear":1990}}]}`
	}
	allKinds := `[{"kind":"UNPAID_MONTHS","count":2},{"kind":"INACTIVE_3_MONTHS","count":2},{"kind":"CLAIM_OUTSIDE_COVERAGE","count":2},{"kind":"DOUBLE_FUNDED","count":1},{"kind":"DECLARED_TOTAL_MISMATCH","count":1},{"kind":"FUNDED_NOT_PAID","count":3}]`
	cibeberKinds := `[{"kind":"UNPAID_MONTHS","count":1},{"kind":"DOUBLE_FUNDED","count":1},{"kind":"FUNDED_NOT_PAID","count":1}]`

	// Times only, the same for every role: what the dashboard shows.
	fresh := `[{"feed":"WORKFORCE","lastSucceededAt":null,"asOf":null,"latestStatus":null,"latestStartedAt":null},` +
		`{"feed":"ROSTER","lastSucceededAt":null,"asOf":null,"latestStatus":null,"latestStartedAt":null},` +
		`{"feed":"PARTICIPANTS","lastSucceededAt":"2024-08-22T01:01:00Z","asOf":"2024-08-22T01:00:00Z","latestStatus":"SUCCEEDED","latestStartedAt":"2024-08-22T01:00:00Z"},` +
		`{"feed":"CONTRIBUTIONS","lastSucceededAt":null,"asOf":null,"latestStatus":"RUNNING","latestStartedAt":"2024-08-22T01:04:00Z"},` +
		`{"feed":"CLAIMS","lastSucceededAt":null,"asOf":null,"latestStatus":"FAILED","latestStartedAt":"2024-08-22T01:02:00Z"}]`

	rows := []matrixRow{
		// Reference: everyone.
		{name: "me", query: `f: me { name role areaCode }`, want: [4]cell{
			`{"name":"dashboard","role":"VIEWER","areaCode":null}`, `{"name":"camat-cibeber","role":"OFFICER","areaCode":"367201"}`,
			`{"name":"bappeda","role":"ANALYST","areaCode":null}`, `{"name":"root","role":"ADMIN","areaCode":null}`}},
		{name: "city", query: `f: city { code }`, want: [4]cell{`{"code":"3672"}`, `{"code":"3672"}`, `{"code":"3672"}`, `{"code":"3672"}`}},
		{name: "areas", query: `f: areas { code }`, want: [4]cell{anyAnswer, anyAnswer, anyAnswer, anyAnswer}},
		{name: "area", query: `f: area(code: "367208") { code }`, want: [4]cell{`{"code":"367208"}`, `{"code":"367208"}`, `{"code":"367208"}`, `{"code":"367208"}`}},

		// Aggregates: everyone, the officer's of its area.
		{name: "workforce", query: `f: workforce(year: 2024) { areaCode workforce }`, want: [4]cell{
			`[{"areaCode":"3672","workforce":176000},{"areaCode":"367201","workforce":20000}]`, `[{"areaCode":"367201","workforce":20000}]`,
			`[{"areaCode":"3672","workforce":176000},{"areaCode":"367201","workforce":20000}]`, `[{"areaCode":"3672","workforce":176000},{"areaCode":"367201","workforce":20000}]`}},
		{name: "coverage", query: `f: coverage(filter: {to: "2024-02"}) { totals { activeParticipants } }`, want: [4]cell{
			`{"totals":{"activeParticipants":3}}`, `{"totals":{"activeParticipants":1}}`, `{"totals":{"activeParticipants":3}}`, `{"totals":{"activeParticipants":3}}`}},
		{name: "coverage of a kelurahan of the officer's", query: `f: coverage(filter: {areaCode: "3672011001", to: "2024-02"}) { totals { activeParticipants } }`, want: [4]cell{
			`{"totals":{"activeParticipants":1}}`, `{"totals":{"activeParticipants":1}}`, `{"totals":{"activeParticipants":1}}`, `{"totals":{"activeParticipants":1}}`}},
		{name: "coverage of another area", query: `f: coverage(filter: {areaCode: "367208", to: "2024-02"}) { totals { activeParticipants } }`, want: [4]cell{
			`{"totals":{"activeParticipants":1}}`, forbidden, `{"totals":{"activeParticipants":1}}`, `{"totals":{"activeParticipants":1}}`}},
		{name: "coverage grouped by kecamatan", query: `f: coverage(groupBy: [KECAMATAN]) { rows { kecamatanCode } }`, want: [4]cell{
			`{"rows":[{"kecamatanCode":"367201"},{"kecamatanCode":"367202"},{"kecamatanCode":"367208"}]}`, `{"rows":[{"kecamatanCode":"367201"}]}`,
			`{"rows":[{"kecamatanCode":"367201"},{"kecamatanCode":"367202"},{"kecamatanCode":"367208"}]}`, `{"rows":[{"kecamatanCode":"367201"},{"kecamatanCode":"367202"},{"kecamatanCode":"367208"}]}`}},
		{name: "universalCoverage", query: `f: universalCoverage(year: 2023) { areaCode current { participants } }`, want: [4]cell{
			`{"areaCode":"3672","current":{"participants":4}}`, `{"areaCode":"367201","current":{"participants":1}}`,
			`{"areaCode":"3672","current":{"participants":4}}`, `{"areaCode":"3672","current":{"participants":4}}`}},
		{name: "apbdProgram", query: `f: apbdProgram(year: 2024) { year total { workers } }`, want: [4]cell{
			`{"year":2024,"total":{"workers":3}}`, forbidden, `{"year":2024,"total":{"workers":3}}`, `{"year":2024,"total":{"workers":3}}`}},
		{name: "declaredTotals", query: `f: declaredTotals(year: 2024) { areaCode declared }`, want: [4]cell{
			`[{"areaCode":"367201","declared":1},{"areaCode":null,"declared":1}]`, `[{"areaCode":"367201","declared":1}]`,
			`[{"areaCode":"367201","declared":1},{"areaCode":null,"declared":1}]`, `[{"areaCode":"367201","declared":1},{"areaCode":null,"declared":1}]`}},
		{name: "discrepancyCounts", query: `f: discrepancyCounts { total byKind { kind count } }`, want: [4]cell{
			`{"total":11,"byKind":` + allKinds + `}`, `{"total":3,"byKind":` + cibeberKinds + `}`,
			`{"total":11,"byKind":` + allKinds + `}`, `{"total":11,"byKind":` + allKinds + `}`}},

		{name: "feedFreshness", query: `f: feedFreshness { feed lastSucceededAt asOf latestStatus latestStartedAt }`, want: [4]cell{fresh, fresh, fresh, fresh}},

		// Records: officer (its area), analyst (masked), admin.
		{name: "participants", query: `f: participants(first: 1) { totalCount edges { node { kpj nik name birthDate birthYear } } }`, want: [4]cell{
			forbidden, pageA(2, nikA, "Ahmad Fauzi", `"1990-05-12"`), pageA(5, maskedA, "A. F.", "null"), pageA(5, nikA, "Ahmad Fauzi", `"1990-05-12"`)}},
		{name: "participants of another area", query: `f: participants(filter: {areaCode: "367208"}) { totalCount }`, want: [4]cell{
			forbidden, `{"totalCount":0}`, `{"totalCount":1}`, `{"totalCount":1}`}},
		{name: "participants by name", query: `f: participants(filter: {nameContains: "siti"}) { totalCount }`, want: [4]cell{
			forbidden, `{"totalCount":0}`, forbidden, `{"totalCount":1}`}},
		{name: "participant, with every personal field and nested list", query: `f: participant(kpj: "10000000001") { nik name birthDate birthYear
			nikInfo { valid birthDate } roster { nik name } contributions(first: 1) { totalCount edges { node { nik } } } }`,
			want: [4]cell{forbidden, fullA, maskA, fullA}},
		{name: "participant of another area", query: `f: participant(kpj: "10000000003") { kpj }`, want: [4]cell{
			forbidden, "null", `{"kpj":"10000000003"}`, `{"kpj":"10000000003"}`}},
		{name: "participant that does not exist", query: `f: participant(kpj: "19999999999") { kpj }`, want: [4]cell{forbidden, "null", "null", "null"}},
		{name: "participantByNik", query: `f: participantByNik(nik: "` + nikA + `") { kpj }`, want: [4]cell{
			forbidden, `[{"kpj":"10000000001"},{"kpj":"10000000002"}]`, forbidden, `[{"kpj":"10000000001"},{"kpj":"10000000002"}]`}},
		{name: "participantByNik of another area", query: `f: participantByNik(nik: "` + nikB + `") { kpj }`, want: [4]cell{
			forbidden, `[]`, forbidden, `[{"kpj":"10000000003"}]`}},
		{name: "contributions", query: `f: contributions(first: 1) { totalCount edges { node { id nik } } }`, want: [4]cell{
			forbidden, `{"totalCount":3,"edges":[{"node":{"id":"C1","nik":"` + nikA + `"}}]}`,
			`{"totalCount":4,"edges":[{"node":{"id":"C1","nik":"` + maskedA + `"}}]}`, `{"totalCount":4,"edges":[{"node":{"id":"C1","nik":"` + nikA + `"}}]}`}},
		{name: "contributions of another area", query: `f: contributions(filter: {areaCode: "367208"}) { totalCount }`, want: [4]cell{
			forbidden, `{"totalCount":0}`, `{"totalCount":1}`, `{"totalCount":1}`}},
		{name: "contributions by NIK", query: `f: contributions(filter: {nik: "` + nikB + `"}) { totalCount }`, want: [4]cell{
			forbidden, `{"totalCount":0}`, forbidden, `{"totalCount":1}`}},
		{name: "claims", query: `f: claims(first: 1, orderBy: {field: AMOUNT_CLAIMED, direction: DESC}) { totalCount edges { node { claimNo nik } } }`, want: [4]cell{
			forbidden, `{"totalCount":1,"edges":[{"node":{"claimNo":"K1","nik":"` + nikA + `"}}]}`,
			`{"totalCount":3,"edges":[{"node":{"claimNo":"K2","nik":"` + maskedB + `"}}]}`, `{"totalCount":3,"edges":[{"node":{"claimNo":"K2","nik":"` + nikB + `"}}]}`}},
		{name: "roster", query: `f: roster(first: 1, orderBy: {field: NAME, direction: DESC}) { totalCount edges { node { nik name } } }`, want: [4]cell{
			forbidden, `{"totalCount":1,"edges":[{"node":{"nik":"` + nikA + `","name":"Ahmad Fauzi"}}]}`,
			`{"totalCount":3,"edges":[{"node":{"nik":"` + maskedB + `","name":"S. A."}}]}`, `{"totalCount":3,"edges":[{"node":{"nik":"` + nikB + `","name":"Siti Aminah"}}]}`}},
		{name: "roster by NIK", query: `f: roster(filter: {nik: "` + nikB + `"}) { totalCount }`, want: [4]cell{
			forbidden, `{"totalCount":0}`, forbidden, `{"totalCount":1}`}},
		{name: "discrepancies", query: `f: discrepancies(filter: {kinds: [UNPAID_MONTHS, INACTIVE_3_MONTHS]}) { totalCount countsByKind { kind count } edges { node { kind nik } } }`, want: [4]cell{
			forbidden, `{"totalCount":1,"countsByKind":[{"kind":"UNPAID_MONTHS","count":1}],"edges":[{"node":{"kind":"UNPAID_MONTHS","nik":"` + nikA + `"}}]}`,
			`{"totalCount":4,"countsByKind":[{"kind":"UNPAID_MONTHS","count":2},{"kind":"INACTIVE_3_MONTHS","count":2}],"edges":[{"node":{"kind":"INACTIVE_3_MONTHS","nik":"` + maskedB + `"}},{"node":{"kind":"INACTIVE_3_MONTHS","nik":"3672********0004"}},{"node":{"kind":"UNPAID_MONTHS","nik":"` + maskedB + `"}},{"node":{"kind":"UNPAID_MONTHS","nik":"` + maskedA + `"}}]}`,
			`{"totalCount":4,"countsByKind":[{"kind":"UNPAID_MONTHS","count":2},{"kind":"INACTIVE_3_MONTHS","count":2}],"edges":[{"node":{"kind":"INACTIVE_3_MONTHS","nik":"` + nikB + `"}},{"node":{"kind":"INACTIVE_3_MONTHS","nik":"3672021111800004"}},{"node":{"kind":"UNPAID_MONTHS","nik":"` + nikB + `"}},{"node":{"kind":"UNPAID_MONTHS","nik":"` + nikA + `"}}]}`}},
		{name: "discrepancy", query: `f: discrepancy(id: $own) { kind nik }`, vars: []string{"own"}, want: [4]cell{
			forbidden, `{"kind":"UNPAID_MONTHS","nik":"` + nikA + `"}`, forbidden, `{"kind":"UNPAID_MONTHS","nik":"` + nikA + `"}`}}, // analysts: ids are masked, no lookup by id
		{name: "discrepancy of another area", query: `f: discrepancy(id: $other) { kind }`, vars: []string{"other"}, want: [4]cell{
			forbidden, "null", forbidden, `{"kind":"INACTIVE_3_MONTHS"}`}},

		// What-if scenarios: city-wide figures, every role but the officer.
		{name: "claimExperience", query: `f: claimExperience { rollupVersion }`, want: cityWide(anyAnswer)},
		{name: "scenario", query: `f: scenario(input: ` + scenarioMarbot + `) { year }`, want: cityWide(anyAnswer)},
		{name: "compareScenarios", query: `f: compareScenarios(inputs: [` + scenarioMarbot + `, {year: 2025, changes: []}]) { year }`,
			want: cityWide(anyAnswer)},
		{name: "savedScenarios", query: `f: savedScenarios { id }`, want: cityWide("[]")},
		{name: "savedScenario", query: `f: savedScenario(id: "SC-nope") { id }`, want: cityWide("null")},
		{name: "scenarioRosters", query: `f: scenarioRosters { id rows }`, want: [4]cell{forbidden, forbidden, forbidden, anyAnswer}},

		// Operations: analyst and admin.
		{name: "syncRun", query: `f: syncRun(id: "run-1") { id }`, want: [4]cell{forbidden, forbidden, `{"id":"run-1"}`, `{"id":"run-1"}`}},
		{name: "syncRuns", query: `f: syncRuns(first: 1) { id }`, want: [4]cell{forbidden, forbidden, `[{"id":"run-3"}]`, `[{"id":"run-3"}]`}},
		{name: "reconcileRuns", query: `f: reconcileRuns(first: 1) { trigger }`, want: [4]cell{forbidden, forbidden, `[{"trigger":"test"}]`, `[{"trigger":"test"}]`}},

		// Admin only.
		{name: "quarantine", query: `f: quarantine(filter: {feed: CLAIMS}) { totalCount edges { node { key raw } } }`, want: [4]cell{
			forbidden, forbidden, forbidden, `{"totalCount":1,"edges":[{"node":{"key":"K9","raw":"{\"claim_no\":\"K9\",\"program\":\"XYZ\"}"}}]}`}},
		{name: "auditLog", query: `f: auditLog(first: 1) { totalCount }`, want: [4]cell{forbidden, forbidden, forbidden, anyAnswer}},

		// Mutations: admin only (what the admin gets shows the policy let it through).
		{name: "reconcileNow", query: `mutation { f: reconcileNow { trigger } }`, want: [4]cell{forbidden, forbidden, forbidden, `{"trigger":"reconcileNow:root"}`}},
		{name: "acknowledgeDiscrepancy", query: `mutation { f: acknowledgeDiscrepancy(id: "nope") { id } }`, want: [4]cell{forbidden, forbidden, forbidden, "NOT_FOUND"}},
		{name: "resolveDiscrepancy", query: `mutation { f: resolveDiscrepancy(id: "nope", note: "done") { id } }`, want: [4]cell{forbidden, forbidden, forbidden, "NOT_FOUND"}},
		{name: "setWorkforceTarget", query: `mutation { f: setWorkforceTarget(input: {year: 2030, areaCode: "367201", workforce: 10, basis: "UCJ_TARGET", source: "test"}) { year areaCode } }`,
			want: [4]cell{forbidden, forbidden, forbidden, `{"year":2030,"areaCode":"367201"}`}},
		{name: "setDeclaredTotal", query: `mutation { f: setDeclaredTotal(input: {metric: ACTIVE_PARTICIPANTS, year: 2030, value: 1, source: "test"}) { year setBy } }`,
			want: [4]cell{forbidden, forbidden, forbidden, `{"year":2030,"setBy":"root"}`}},
		{name: "triggerSync", query: `mutation { f: triggerSync(feed: CLAIMS) { id } }`, want: [4]cell{forbidden, forbidden, forbidden, "UNAVAILABLE"}},
		{name: "cancelSync", query: `mutation { f: cancelSync(run: "run-3") { id } }`, want: [4]cell{forbidden, forbidden, forbidden, "UNAVAILABLE"}},
		{name: "saveScenario", query: `mutation { f: saveScenario(name: "marbot", input: ` + scenarioMarbot + `) { author } }`,
			want: [4]cell{forbidden, forbidden, forbidden, `{"author":"root"}`}},
	}

	for _, row := range rows {
		query, vars := row.query, map[string]any{}
		if !strings.HasPrefix(query, "mutation") {
			var decl []string
			for _, v := range row.vars {
				decl, vars[v] = append(decl, "$"+v+": ID!"), ids[v]
			}
			op := "query"
			if len(decl) > 0 {
				op += "(" + strings.Join(decl, ", ") + ")"
			}
			query = op + ` { c: city { code } ` + query + ` }`
		}
		t.Run(row.name, func(t *testing.T) {
			status, resp := f.postAs(t, "", query, vars)
			if status != http.StatusUnauthorized || len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "UNAUTHENTICATED" || len(resp.Data) > 0 {
				t.Errorf("no credentials: got %d %+v %s, want 401 UNAUTHENTICATED and no data", status, resp.Errors, resp.Data)
			}
			for i, p := range matrixRoles {
				_, resp := f.postAs(t, keyOf(p), query, vars)
				checkCell(t, p, row.want[i], resp)
			}
		})
	}

	t.Run("importRoster", func(t *testing.T) {
		for i, p := range matrixRoles {
			resp := upload(t, f, keyOf(p), `mutation($file: Upload!) { f: importRoster(file: $file) { rows errors { row value } } }`)
			checkCell(t, p, [4]cell{forbidden, forbidden, forbidden, `{"rows":1,"errors":[{"row":2,"value":"` + nikB + `"}]}`}[i], resp)
		}
	})
	t.Run("uploadScenarioRoster", func(t *testing.T) {
		for i, p := range matrixRoles {
			resp := uploadFile(t, f, keyOf(p), `mutation($file: Upload!) { f: uploadScenarioRoster(category: "MARBOT", file: $file) { rows rejected problems } }`,
				nil, "marbot.csv", "nik,kelurahan_code\n"+nikA+",3672011001\n"+nikB+",9999999999\n")
			checkCell(t, p, [4]cell{forbidden, forbidden, forbidden, `{"rows":1,"rejected":1,"problems":["row 3: kelurahan_code is not a kelurahan of Kota Cilegon"]}`}[i], resp)
		}
	})
}

// checkCell checks one cell of the matrix: the field f's answer and errors.
func checkCell(t *testing.T, p graph.Principal, want cell, resp response) {
	t.Helper()
	var data map[string]json.RawMessage
	if len(resp.Data) > 0 && string(resp.Data) != "null" {
		if err := json.Unmarshal(resp.Data, &data); err != nil {
			t.Fatalf("%s: %v", p.Role, err)
		}
	}
	if c, ok := data["c"]; ok && string(c) != `{"code":"3672"}` {
		t.Errorf("%s: the sibling field is %s: the rest of the answer is not intact", p.Role, c)
	}
	got, ok := data["f"]
	if !ok {
		t.Errorf("%s: no field f in %s (errors %+v)", p.Role, resp.Data, resp.Errors)
		return
	}
	switch {
	case want == anyAnswer:
		if string(got) == "null" || len(resp.Errors) > 0 {
			t.Errorf("%s: got %s %+v, want an answer", p.Role, got, resp.Errors)
		}
	case want == "null" || strings.HasPrefix(want, "{") || strings.HasPrefix(want, "["):
		var buf bytes.Buffer
		_ = json.Compact(&buf, []byte(want))
		if string(got) != buf.String() || len(resp.Errors) > 0 {
			t.Errorf("%s:\n got %s %+v\nwant %s", p.Role, got, resp.Errors, buf.String())
		}
	default: // an error code on f, and only there
		if string(got) != "null" || len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != want ||
			len(resp.Errors[0].Path) == 0 || resp.Errors[0].Path[0] != "f" {
			t.Errorf("%s: got %s %+v, want null with %s on f only", p.Role, got, resp.Errors, want)
		}
	}
}

// rejectAll is a roster importer that rejects every row, quoting its NIK.
type rejectAll struct{}

func (rejectAll) ImportRoster(_ context.Context, name string, _ io.Reader) (coverage.RosterImport, error) {
	return coverage.RosterImport{FileName: name, Rows: 1, Rejected: 1,
		Errors: []coverage.RowError{{Row: 2, Column: "nik", Value: nikB, Reason: "not on any agency's list"}}}, nil
}

// upload posts a multipart request with one small CSV as $file.
func upload(t *testing.T, f *fixture, key, query string) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"file": nil}})
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
	fw, _ := mw.CreateFormFile("0", "roster.csv")
	_, _ = fw.Write([]byte("nik,name\n"))
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/query", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+key)
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, req)
	var resp response
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	return resp
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestSubscriptionsFollowThePolicy: syncRunProgress (Server-Sent Events) is
// an operations field: analyst and admin, nobody else.
func TestSubscriptionsFollowThePolicy(t *testing.T) {
	f := newFixture(t, graph.Config{})
	sse := func(key string) (int, string) {
		body, _ := json.Marshal(map[string]any{"query": `subscription { f: syncRunProgress(id: "run-1") { id status } }`})
		req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		w := httptest.NewRecorder()
		f.handler.ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}
	if code, body := sse(""); code != http.StatusUnauthorized || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Errorf("no credentials: got %d %s", code, body)
	}
	for _, p := range []graph.Principal{viewer, officer, lurah} {
		if _, body := sse(keyOf(p)); !strings.Contains(body, `"FORBIDDEN"`) || strings.Contains(body, `"SUCCEEDED"`) {
			t.Errorf("%s: got %s, want FORBIDDEN", p.Name, body)
		}
	}
	for _, p := range []graph.Principal{analyst, admin} {
		if _, body := sse(keyOf(p)); !strings.Contains(body, `{"f":{"id":"run-1","status":"SUCCEEDED"}}`) || strings.Contains(body, "errors") {
			t.Errorf("%s: got %s, want the run", p.Name, body)
		}
	}
}

// TestOfficerOfAKelurahan: an officer limited to a kelurahan sees that
// kelurahan within its kecamatan, and its kecamatan's filter is narrowed to it.
func TestOfficerOfAKelurahan(t *testing.T) {
	f := accessFixture(t, graph.Config{})
	_, resp := f.postAs(t, "lurah-key", `{
		all: participants { totalCount }
		kecamatan: participants(filter: {areaCode: "367202"}) { totalCount }
		same: participants(filter: {areaCode: "3672021001"}) { edges { node { kpj } } }
		other: participants(filter: {areaCode: "3672021002"}) { totalCount }
		claims { totalCount }
		counts: discrepancyCounts { total }
		ucj: universalCoverage(year: 2024, areaCode: "3672") { areaCode }
	}`, nil)
	want := `{"all":{"totalCount":2},"kecamatan":{"totalCount":2},"same":{"edges":[{"node":{"kpj":"10000000004"}},{"node":{"kpj":"10000000005"}}]},` +
		`"other":{"totalCount":0},"claims":{"totalCount":1},"counts":{"total":3},"ucj":{"areaCode":"3672021001"}}`
	if string(resp.Data) != want || len(resp.Errors) > 0 {
		t.Errorf("got %s %+v\nwant %s", resp.Data, resp.Errors, want)
	}
}

// TestCredentials: a key the server does not know, an area that is not the
// city's, an officer without an area.
func TestCredentials(t *testing.T) {
	nowhere := graph.Principal{Name: "elsewhere", Role: graph.RoleOfficer, Area: "367299"}
	noArea := graph.Principal{Name: "lost", Role: graph.RoleOfficer}
	f := newFixture(t, graph.Config{Authenticate: graph.StaticKeys(map[string]graph.Principal{"nowhere": nowhere, "no-area": noArea})})
	for _, key := range []string{"unknown", "nowhere"} {
		status, resp := f.postAs(t, key, `{ city { code } }`, nil)
		if status != http.StatusUnauthorized || len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "UNAUTHENTICATED" {
			t.Errorf("%s: got %d %+v, want 401 UNAUTHENTICATED", key, status, resp.Errors)
		}
	}
	_, resp := f.postAs(t, "no-area", `{ city { code } participants { totalCount } workforce { year } }`, nil)
	if string(resp.Data) != `{"city":{"code":"3672"},"participants":null,"workforce":null}` || len(resp.Errors) != 2 ||
		resp.Errors[0].Extensions.Code != "FORBIDDEN" || resp.Errors[1].Extensions.Code != "FORBIDDEN" {
		t.Errorf("an officer without an area: got %s %+v", resp.Data, resp.Errors)
	}

	// An in-process caller may put the principal in the request's context.
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(`{"query":"{ me { name } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(graph.WithPrincipal(req.Context(), analyst))
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, req)
	if w.Body.String() != `{"data":{"me":{"name":"bappeda"}}}` {
		t.Errorf("WithPrincipal: got %s", w.Body)
	}
}

// TestCursorsAreSealed: no cursor lets personal data out, whatever the
// order, and a changed byte makes it no cursor at all.
func TestCursorsAreSealed(t *testing.T) {
	f := newFixture(t, graph.Config{})
	var resp struct{ C page }
	f.client.MustPost(`{ c: roster(orderBy: {field: NAME}) { edges { cursor node { nik category } } pageInfo { endCursor } } }`, &resp)
	for _, e := range resp.C.Edges {
		raw, err := base64.RawURLEncoding.DecodeString(e.Cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{e.Node.Nik, e.Node.Nik[12:], "Ahmad", "Siti", "Joko", "roster", "name"} {
			if bytes.Contains(raw, []byte(secret)) || strings.Contains(e.Cursor, secret) {
				t.Errorf("cursor %s carries %q", e.Cursor, secret)
			}
		}
	}
	// The same position seals alike: an edge's cursor and the endCursor.
	last := resp.C.Edges[len(resp.C.Edges)-1].Cursor
	if resp.C.PageInfo.EndCursor == nil || *resp.C.PageInfo.EndCursor != last {
		t.Errorf("endCursor %v, last edge's %s", resp.C.PageInfo.EndCursor, last)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(last)
	raw[len(raw)/2] ^= 1
	e := f.mustFail(t, `query($after: String) { roster(orderBy: {field: NAME}, after: $after) { totalCount } }`,
		map[string]any{"after": base64.RawURLEncoding.EncodeToString(raw)})
	if e.Extensions.Code != "BAD_USER_INPUT" || !strings.Contains(e.Message, "not a cursor") {
		t.Errorf("a tampered cursor: got %s %q", e.Extensions.Code, e.Message)
	}
}

// auditSpy is an AuditLog over the store that keeps what it was given and
// can be made to fail.
type auditSpy struct {
	graph.AuditLog
	mu      sync.Mutex
	entries []coverage.AuditEntry
	fail    bool
}

func (a *auditSpy) Append(ctx context.Context, e coverage.AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail {
		return errors.New("audit log unreachable")
	}
	a.entries = append(a.entries, e)
	return a.AuditLog.Append(ctx, e)
}

func (a *auditSpy) take() []coverage.AuditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	es := a.entries
	a.entries = nil
	return es
}

// TestAudit: each request that reads personal data writes one entry (who,
// when, operation, fields, how many records and people, never the data),
// also when it fails half-way; a request without personal data writes none;
// a failed write is logged and counted and the caller still gets its answer;
// admins read the log back.
func TestAudit(t *testing.T) {
	spy := &auditSpy{}
	var logs bytes.Buffer
	f := accessFixture(t, graph.Config{AuditLog: spy, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	spy.AuditLog = f.store

	// Two participants of one person, their roster entry, masked.
	_, resp := f.postAs(t, "analyst-key", `query Masked { participants(first: 2) { edges { node { nik name birthDate birthYear roster { nik } } } } }`, nil)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	es := spy.take()
	if len(es) != 1 {
		t.Fatalf("got %d entries, want 1: %+v", len(es), es)
	}
	e := es[0]
	if e.Principal != "bappeda" || e.Role != graph.RoleAnalyst || e.Method != "jwt" || e.KeyID != "sub-analyst" || e.Operation != "Masked" ||
		e.Kind != "query" || e.Records != 3 || e.People != 1 || !e.Masked || e.Failed || e.At.IsZero() ||
		!slices.Equal(e.Fields, []string{"Participant.birthYear", "Participant.name", "Participant.nik", "RosterEntry.nik"}) {
		t.Errorf("entry: got %+v", e)
	}
	if b, _ := json.Marshal(e); bytes.Contains(b, []byte(nikA[12:])) || bytes.Contains(b, []byte("Ahmad")) || bytes.Contains(b, []byte("A. F.")) {
		t.Errorf("the entry carries personal data: %s", b)
	}

	// No personal data, no entry; a field withheld is not a read.
	f.postAs(t, "viewer-key", `{ city { code } coverage { totals { activeParticipants } } participants { edges { node { nik } } } }`, nil)
	f.postAs(t, "admin-key", `{ participants { totalCount edges { node { kpj } } } }`, nil)
	if es := spy.take(); len(es) != 0 {
		t.Errorf("requests without personal data wrote %+v", es)
	}

	// Failing half-way: personal data was read, then another field failed.
	_, resp = f.postAs(t, "officer-key", `query Half { participants { edges { node { name } } } quarantine { totalCount } }`, nil)
	if len(resp.Errors) != 1 || !strings.Contains(string(resp.Data), "Ahmad Fauzi") {
		t.Fatalf("got %s %+v", resp.Data, resp.Errors)
	}
	if es := spy.take(); len(es) != 1 || !es[0].Failed || es[0].Operation != "Half" || es[0].Records != 2 || es[0].People != 1 || es[0].Area != "367201" {
		t.Errorf("a request failing half-way: got %+v", es)
	}

	// The log cannot be written: the caller gets its answer, the failure is
	// logged at error level and counted.
	spy.fail = true
	before := graph.AuditFailures()
	_, resp = f.postAs(t, "admin-key", `{ participant(kpj: "10000000003") { name } }`, nil)
	if string(resp.Data) != `{"participant":{"name":"Siti Aminah"}}` || len(resp.Errors) > 0 {
		t.Errorf("with the audit log down: got %s %+v", resp.Data, resp.Errors)
	}
	if graph.AuditFailures() != before+1 || !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "audit log unreachable") {
		t.Errorf("failures %d (was %d), log %q", graph.AuditFailures(), before, logs.String())
	}
	if strings.Contains(logs.String(), "Siti") {
		t.Errorf("the log carries personal data: %s", logs.String())
	}
	spy.fail = false

	// Admins read the log back, newest first, filtered and paged.
	var log struct {
		AuditLog struct {
			TotalCount int
			Edges      []struct {
				Cursor string
				Node   struct {
					Principal, Role, Operation, Kind string
					Area                             *string
					Fields                           []string
					Records, People                  int
					Masked, Failed                   bool
				}
			}
		}
	}
	f.client.MustPost(`{ auditLog(filter: {principal: "camat-cibeber"}) { totalCount edges { cursor node { principal role area operation kind fields records people masked failed } } } }`, &log)
	if log.AuditLog.TotalCount != 1 || log.AuditLog.Edges[0].Node.Operation != "Half" || *log.AuditLog.Edges[0].Node.Area != "367201" ||
		!log.AuditLog.Edges[0].Node.Failed || log.AuditLog.Edges[0].Node.Records != 2 {
		t.Errorf("auditLog by principal: got %+v", log.AuditLog)
	}
	f.client.MustPost(`{ auditLog(first: 1) { totalCount edges { cursor node { principal role area operation kind fields records people masked failed } } } }`, &log)
	if log.AuditLog.TotalCount != 2 || log.AuditLog.Edges[0].Node.Operation != "Half" {
		t.Errorf("auditLog: got %+v", log.AuditLog)
	}
	var next struct {
		AuditLog struct {
			Edges []struct{ Node struct{ Operation string } }
		}
	}
	f.client.MustPost(`query($after: String) { auditLog(first: 1, after: $after) { edges { node { operation } } } }`, &next,
		client.Var("after", log.AuditLog.Edges[0].Cursor))
	if len(next.AuditLog.Edges) != 1 || next.AuditLog.Edges[0].Node.Operation != "Masked" {
		t.Errorf("auditLog, second page: got %+v", next.AuditLog)
	}
}

// TestDiscrepancyCountsAmount: the rupiah at stake by kind is the sum of the
// listed discrepancies' amounts, city-wide for the admin and within its area
// for the officer, and the viewer (who may not list them) is told the
// admin's figures.
func TestDiscrepancyCountsAmount(t *testing.T) {
	f := accessFixture(t, graph.Config{})
	type kindCount struct {
		Kind   string
		Count  int
		Amount int64
	}
	sums := func(key string) map[string]kindCount {
		_, resp := f.postAs(t, key, `{ f: discrepancies(first: 1000) { totalCount edges { node { kind amount } } } }`, nil)
		var d struct {
			F struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Kind   string
						Amount int64
					}
				}
			}
		}
		if err := json.Unmarshal(resp.Data, &d); err != nil || len(resp.Errors) > 0 || d.F.TotalCount != len(d.F.Edges) {
			t.Fatalf("list: %v %+v %s", err, resp.Errors, resp.Data)
		}
		out := map[string]kindCount{}
		for _, e := range d.F.Edges {
			k := out[e.Node.Kind]
			k.Kind, k.Count, k.Amount = e.Node.Kind, k.Count+1, k.Amount+e.Node.Amount
			out[e.Node.Kind] = k
		}
		return out
	}
	counts := func(key string) map[string]kindCount {
		_, resp := f.postAs(t, key, `{ f: discrepancyCounts { total byKind { kind count amount } } }`, nil)
		var d struct{ F struct{ ByKind []kindCount } }
		if err := json.Unmarshal(resp.Data, &d); err != nil || len(resp.Errors) > 0 {
			t.Fatalf("counts: %v %+v %s", err, resp.Errors, resp.Data)
		}
		out := map[string]kindCount{}
		for _, k := range d.F.ByKind {
			out[k.Kind] = k
		}
		return out
	}
	admin, officer, viewer := keyOf(matrixRoles[3]), keyOf(matrixRoles[1]), keyOf(matrixRoles[0])
	all := sums(admin)
	var rupiah int64
	for _, k := range all {
		rupiah += k.Amount
	}
	if rupiah == 0 {
		t.Fatalf("the fixture's discrepancies are worth nothing: %+v", all)
	}
	if got := counts(admin); !reflect.DeepEqual(got, all) {
		t.Errorf("admin: counts %+v, listed %+v", got, all)
	}
	if got := counts(viewer); !reflect.DeepEqual(got, all) {
		t.Errorf("viewer: counts %+v, the admin's list %+v", got, all)
	}
	own := sums(officer)
	if got := counts(officer); !reflect.DeepEqual(got, own) || reflect.DeepEqual(own, all) {
		t.Errorf("officer: counts %+v, listed in its area %+v (city %+v)", got, own, all)
	}
}
