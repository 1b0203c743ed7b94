package graph_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store"
)

// The reconciliation's mutations and queries through the real schema, as the
// admin, over accessFixture (its reconciliation found eleven discrepancies): what
// each answers, what it changes, and each error case with its code.

// expect posts query as the admin and checks the field aliased f (checkCell:
// its JSON exactly, or an error code on it alone); it returns the field.
func expect(t *testing.T, f *fixture, query string, vars map[string]any, want cell) json.RawMessage {
	t.Helper()
	_, resp := f.post(t, query, vars)
	checkCell(t, admin, want, resp)
	var data map[string]json.RawMessage
	_ = json.Unmarshal(resp.Data, &data)
	return data["f"]
}

// discrepancyIDs returns the id of each discrepancy by kind (the last one of
// a kind with several).
func discrepancyIDs(t *testing.T, f *fixture) map[string]string {
	t.Helper()
	var ds struct {
		Discrepancies struct {
			Edges []struct{ Node struct{ ID, Kind string } }
		}
	}
	f.client.MustPost(`{ discrepancies { edges { node { id kind } } } }`, &ds)
	ids := map[string]string{}
	for _, e := range ds.Discrepancies.Edges {
		ids[e.Node.Kind] = e.Node.ID
	}
	for _, k := range []string{"UNPAID_MONTHS", "INACTIVE_3_MONTHS", "DOUBLE_FUNDED", "DECLARED_TOTAL_MISMATCH"} {
		if ids[k] == "" {
			t.Fatalf("the fixture's reconciliation found no %s: %+v", k, ds)
		}
	}
	return ids
}

const lifeCycleFields = `id status acknowledgedBy resolvedBy resolutionNote autoResolved`

func TestAcknowledgeDiscrepancy(t *testing.T) {
	f := accessFixture(t, graph.Config{})
	ids := discrepancyIDs(t, f)
	id := ids["UNPAID_MONTHS"]
	ack := `mutation($id: ID!) { f: acknowledgeDiscrepancy(id: $id) { ` + lifeCycleFields + ` acknowledgedAt } }`

	got := expect(t, f, ack, map[string]any{"id": id}, anyAnswer)
	var d struct {
		ID, Status, AcknowledgedBy string
		AcknowledgedAt             *time.Time
		ResolvedBy                 *string
	}
	if err := json.Unmarshal(got, &d); err != nil {
		t.Fatal(err)
	}
	if d.ID != id || d.Status != "ACKNOWLEDGED" || d.AcknowledgedBy != "root" || d.AcknowledgedAt == nil || d.AcknowledgedAt.IsZero() || d.ResolvedBy != nil {
		t.Errorf("acknowledged: got %s, want ACKNOWLEDGED by root, with a time", got)
	}
	// Stored: the query reads it back.
	expect(t, f, `query($id: ID!) { f: discrepancy(id: $id) { status acknowledgedBy } }`, map[string]any{"id": id},
		`{"status":"ACKNOWLEDGED","acknowledgedBy":"root"}`)

	t.Run("twice", func(t *testing.T) {
		expect(t, f, ack, map[string]any{"id": id}, "CONFLICT")
	})
	t.Run("unknown id", func(t *testing.T) {
		expect(t, f, ack, map[string]any{"id": "UNPAID_MONTHS-00000000000000000000"}, "NOT_FOUND")
	})
	t.Run("a resolved one", func(t *testing.T) {
		other := ids["INACTIVE_3_MONTHS"]
		expect(t, f, `mutation($id: ID!) { f: resolveDiscrepancy(id: $id, note: "paid at the branch") { status } }`,
			map[string]any{"id": other}, `{"status":"RESOLVED"}`)
		expect(t, f, ack, map[string]any{"id": other}, "CONFLICT")
	})
	t.Run("without the reconciliation", func(t *testing.T) {
		expect(t, newFixture(t, graph.Config{}), ack, map[string]any{"id": id}, "UNAVAILABLE")
	})
	t.Run("not an admin", func(t *testing.T) {
		_, resp := f.postAs(t, keyOf(analyst), ack, map[string]any{"id": ids["DOUBLE_FUNDED"]})
		checkCell(t, analyst, forbidden, resp)
		expect(t, f, `query($id: ID!) { f: discrepancy(id: $id) { status } }`, map[string]any{"id": ids["DOUBLE_FUNDED"]}, `{"status":"OPEN"}`)
	})
}

func TestResolveDiscrepancy(t *testing.T) {
	f := accessFixture(t, graph.Config{})
	ids := discrepancyIDs(t, f)
	id := ids["UNPAID_MONTHS"]
	resolve := `mutation($id: ID!, $note: String!) { f: resolveDiscrepancy(id: $id, note: $note) { ` + lifeCycleFields + ` resolvedAt } }`
	vars := func(id, note string) map[string]any { return map[string]any{"id": id, "note": note} }

	t.Run("without a note", func(t *testing.T) {
		for _, note := range []string{"", "  \n"} {
			expect(t, f, resolve, vars(id, note), "BAD_USER_INPUT")
		}
		expect(t, f, `query($id: ID!) { f: discrepancy(id: $id) { status } }`, map[string]any{"id": id}, `{"status":"OPEN"}`)
	})

	// An acknowledged discrepancy can be resolved, and is then RESOLVED by
	// the caller with the note, not automatically.
	expect(t, f, `mutation($id: ID!) { f: acknowledgeDiscrepancy(id: $id) { status } }`, map[string]any{"id": id}, `{"status":"ACKNOWLEDGED"}`)
	got := expect(t, f, resolve, vars(id, "the February contribution was paid at the branch"), anyAnswer)
	var d struct {
		ID, Status, AcknowledgedBy, ResolvedBy, ResolutionNote string
		AutoResolved                                           bool
		ResolvedAt                                             *time.Time
	}
	if err := json.Unmarshal(got, &d); err != nil {
		t.Fatal(err)
	}
	if d.ID != id || d.Status != "RESOLVED" || d.ResolvedBy != "root" || d.ResolutionNote != "the February contribution was paid at the branch" ||
		d.AutoResolved || d.ResolvedAt == nil || d.AcknowledgedBy != "root" {
		t.Errorf("resolved: got %s, want RESOLVED by root with the note, not automatically", got)
	}

	t.Run("twice", func(t *testing.T) {
		expect(t, f, resolve, vars(id, "again"), "CONFLICT")
	})
	t.Run("unknown id", func(t *testing.T) {
		expect(t, f, resolve, vars("nope", "done"), "NOT_FOUND")
	})
	t.Run("without the reconciliation", func(t *testing.T) {
		expect(t, newFixture(t, graph.Config{}), resolve, vars(id, "done"), "UNAVAILABLE")
	})
	// The condition is still in the data, unchanged: a new pass leaves the
	// officer's resolution alone.
	t.Run("a pass over unchanged data", func(t *testing.T) {
		expect(t, f, `mutation { f: reconcileNow { status findings { opened reopened resolved } } }`, nil,
			`{"status":"SUCCEEDED","findings":{"opened":0,"reopened":0,"resolved":0}}`)
		expect(t, f, `query($id: ID!) { f: discrepancy(id: $id) { status resolvedBy autoResolved } }`, map[string]any{"id": id},
			`{"status":"RESOLVED","resolvedBy":"root","autoResolved":false}`)
	})
}

func TestDiscrepancyByID(t *testing.T) {
	f := accessFixture(t, graph.Config{})
	ids := discrepancyIDs(t, f)
	var runs struct{ ReconcileRuns []struct{ ID, AsOf string } }
	f.client.MustPost(`{ reconcileRuns { id asOf } }`, &runs)
	if len(runs.ReconcileRuns) != 1 {
		t.Fatalf("reconcile runs: %+v, want the fixture's one", runs)
	}
	run := runs.ReconcileRuns[0]
	const fields = `id kind severity status nik kpj category claimNo areaCode kelurahan { name } periods amount firstSeen lastSeen firstRun
		acknowledgedBy acknowledgedAt resolvedBy resolvedAt resolutionNote autoResolved`
	one := `query($id: ID!) { f: discrepancy(id: $id) { ` + fields + ` } }`

	// Ahmad's city-paid membership: February 2024 billed Rp16,800, nothing
	// paid; HIGH because the city is the payer.
	expect(t, f, one, map[string]any{"id": ids["UNPAID_MONTHS"]}, `{"id":"`+ids["UNPAID_MONTHS"]+`","kind":"UNPAID_MONTHS","severity":"HIGH","status":"OPEN",`+
		`"nik":"`+nikA+`","kpj":"10000000001","category":"NELAYAN","claimNo":null,"areaCode":"3672011001","kelurahan":{"name":"Cibeber"},`+
		`"periods":["2024-02"],"amount":16800,"firstSeen":"`+run.AsOf+`","lastSeen":"`+run.AsOf+`","firstRun":"`+run.ID+`",`+
		`"acknowledgedBy":null,"acknowledgedAt":null,"resolvedBy":null,"resolvedAt":null,"resolutionNote":null,"autoResolved":false}`)
	// The city's declared 1 city-funded worker against 3 counted: about no
	// person, no money.
	expect(t, f, `query($id: ID!) { f: discrepancy(id: $id) { kind nik kpj areaCode amount periods } }`, map[string]any{"id": ids["DECLARED_TOTAL_MISMATCH"]},
		`{"kind":"DECLARED_TOTAL_MISMATCH","nik":null,"kpj":null,"areaCode":null,"amount":0,"periods":["2024-01","2024-02","2024-03","2024-04","2024-05","2024-06","2024-07","2024-08","2024-09","2024-10","2024-11","2024-12"]}`)

	t.Run("unknown id", func(t *testing.T) {
		expect(t, f, one, map[string]any{"id": "UNPAID_MONTHS-ffffffffffffffffffff"}, "null")
		expect(t, f, one, map[string]any{"id": ""}, "null")
	})
	t.Run("without the reconciliation", func(t *testing.T) {
		expect(t, newFixture(t, graph.Config{}), one, map[string]any{"id": ids["UNPAID_MONTHS"]}, "UNAVAILABLE")
	})
}

func TestSetWorkforceTarget(t *testing.T) {
	f := accessFixture(t, graph.Config{})
	const ucj = `query($area: String) { f: universalCoverage(year: 2024, areaCode: $area) { current { participants workforce basis source rate } } }`
	set := `mutation($in: WorkforceTargetInput!) { f: setWorkforceTarget(input: $in) { year areaCode workforce basis source } }`
	in := func(year int, area string, workforce int64, basis, source string) map[string]any {
		return map[string]any{"in": map[string]any{"year": year, "areaCode": area, "workforce": workforce, "basis": basis, "source": source}}
	}

	// The feed's denominator of the city: 176,000 (the fixture's); 1 person
	// covered at the as-of (Joko: Ahmad died in March, Siti lapsed).
	feed := `{"current":{"participants":1,"workforce":176000,"basis":"UCJ_TARGET","source":"Pemkot Cilegon and BPJS, Dec 2025","rate":` + rate(1, 176_000) + `}}`
	expect(t, f, ucj, map[string]any{"area": "3672"}, feed)

	t.Run("refused", func(t *testing.T) {
		for name, vars := range map[string]map[string]any{
			"workforce 0":          in(2024, "3672", 0, "BPS_EMPLOYED", "BPS"),
			"negative workforce":   in(2024, "3672", -5, "BPS_EMPLOYED", "BPS"),
			"year 1800":            in(1800, "3672", 200_000, "BPS_EMPLOYED", "BPS"),
			"area of another city": in(2024, "3604", 200_000, "BPS_EMPLOYED", "BPS"),
			"kelurahan unknown":    in(2024, "3672019999", 200_000, "BPS_EMPLOYED", "BPS"),
			"no basis":             in(2024, "3672", 200_000, " ", "BPS"),
			"no source":            in(2024, "3672", 200_000, "BPS_EMPLOYED", ""),
		} {
			t.Run(name, func(t *testing.T) { expect(t, f, set, vars, "BAD_USER_INPUT") })
		}
		_, resp := f.postAs(t, keyOf(analyst), set, in(2024, "3672", 1, "BPS_EMPLOYED", "BPS"))
		checkCell(t, analyst, forbidden, resp)
		expect(t, f, ucj, map[string]any{"area": "3672"}, feed) // nothing changed
	})

	// An admin's figure replaces the feed's of the same year and area, at once.
	expect(t, f, set, in(2024, "3672", 200_000, "BPS_EMPLOYED", "BPS Kota Cilegon 2024"),
		`{"year":2024,"areaCode":"3672","workforce":200000,"basis":"BPS_EMPLOYED","source":"BPS Kota Cilegon 2024"}`)
	expect(t, f, ucj, map[string]any{"area": "3672"},
		`{"current":{"participants":1,"workforce":200000,"basis":"BPS_EMPLOYED","source":"BPS Kota Cilegon 2024","rate":`+rate(1, 200_000)+`}}`)
	// A year and area the feed has no figure for: kecamatan 367202 (Joko, covered).
	expect(t, f, ucj, map[string]any{"area": "367202"}, `{"current":{"participants":1,"workforce":null,"basis":null,"source":null,"rate":null}}`)
	expect(t, f, set, in(2024, "367202", 8_000, "UCJ_TARGET", "Kecamatan 367202"),
		`{"year":2024,"areaCode":"367202","workforce":8000,"basis":"UCJ_TARGET","source":"Kecamatan 367202"}`)
	expect(t, f, ucj, map[string]any{"area": "367202"},
		`{"current":{"participants":1,"workforce":8000,"basis":"UCJ_TARGET","source":"Kecamatan 367202","rate":`+rate(1, 8_000)+`}}`)
	// Setting it again replaces it.
	expect(t, f, set, in(2024, "367202", 10_000, "UCJ_TARGET", "Kecamatan 367202, revised"),
		`{"year":2024,"areaCode":"367202","workforce":10000,"basis":"UCJ_TARGET","source":"Kecamatan 367202, revised"}`)
	expect(t, f, ucj, map[string]any{"area": "367202"},
		`{"current":{"participants":1,"workforce":10000,"basis":"UCJ_TARGET","source":"Kecamatan 367202, revised","rate":`+rate(1, 10_000)+`}}`)

	t.Run("without the reconciliation", func(t *testing.T) {
		expect(t, newFixture(t, graph.Config{}), set, in(2024, "3672", 200_000, "BPS_EMPLOYED", "BPS"), "UNAVAILABLE")
	})
}

// rate writes participants/workforce as the API's JSON does (gqlgen's Float:
// the shortest %g).
func rate(participants, workforce int64) string {
	return strconv.FormatFloat(float64(participants)/float64(workforce), 'g', -1, 64)
}

func TestDeclaredTotals(t *testing.T) {
	f := accessFixture(t, graph.Config{})
	const list = `query($year: Int) { f: declaredTotals(year: $year) { metric year areaCode category declared counted difference source setBy } }`
	// The fixture declared 1 city-funded worker in 2024 for the city (3
	// counted: Ahmad, Siti, Joko) and for Cibeber (1 counted: Ahmad).
	cibeber2024 := `{"metric":"CITY_FUNDED_WORKERS","year":2024,"areaCode":"367201","category":null,"declared":1,"counted":1,"difference":0,"source":"test","setBy":"test"}`
	city2024 := `{"metric":"CITY_FUNDED_WORKERS","year":2024,"areaCode":null,"category":null,"declared":1,"counted":3,"difference":2,"source":"test","setBy":"test"}`
	expect(t, f, list, map[string]any{"year": 2024}, `[`+cibeber2024+`,`+city2024+`]`)

	// 2023: Ahmad (from January) and Joko (from October) were funded.
	expect(t, f, `mutation { f: setDeclaredTotal(input: {metric: CITY_FUNDED_WORKERS, year: 2023, value: 5, source: "LKPJ 2023"}) { declared counted difference } }`, nil,
		`{"declared":5,"counted":2,"difference":-3}`)
	// 2030 is not counted yet.
	expect(t, f, `mutation { f: setDeclaredTotal(input: {metric: APBD_CONTRIBUTIONS_PAID, year: 2030, value: 1000000, source: "RAPBD"}) { declared counted difference } }`, nil,
		`{"declared":1000000,"counted":null,"difference":null}`)
	city2023 := `{"metric":"CITY_FUNDED_WORKERS","year":2023,"areaCode":null,"category":null,"declared":5,"counted":2,"difference":-3,"source":"LKPJ 2023","setBy":"root"}`
	contribs2030 := `{"metric":"APBD_CONTRIBUTIONS_PAID","year":2030,"areaCode":null,"category":null,"declared":1000000,"counted":null,"difference":null,"source":"RAPBD","setBy":"root"}`

	expect(t, f, list, map[string]any{"year": 2023}, `[`+city2023+`]`)
	expect(t, f, list, map[string]any{"year": 2030}, `[`+contribs2030+`]`)
	expect(t, f, list, map[string]any{"year": 2021}, `[]`)
	all := expect(t, f, list, nil, anyAnswer)
	for _, want := range []string{cibeber2024, city2024, city2023, contribs2030} {
		if !strings.Contains(string(all), want) {
			t.Errorf("declaredTotals without a year: %s lacks %s", all, want)
		}
	}
	var n []json.RawMessage
	if err := json.Unmarshal(all, &n); err != nil || len(n) != 4 {
		t.Errorf("declaredTotals without a year: %s, want the 4 figures", all)
	}

	t.Run("refused figures", func(t *testing.T) {
		for name, q := range map[string]string{
			"negative":       `mutation { f: setDeclaredTotal(input: {metric: CITY_FUNDED_WORKERS, year: 2024, value: -1, source: "x"}) { declared } }`,
			"year 1999":      `mutation { f: setDeclaredTotal(input: {metric: CITY_FUNDED_WORKERS, year: 1999, value: 1, source: "x"}) { declared } }`,
			"unknown area":   `mutation { f: setDeclaredTotal(input: {metric: CITY_FUNDED_WORKERS, year: 2024, areaCode: "3604", value: 1, source: "x"}) { declared } }`,
			"a bad category": `mutation { f: setDeclaredTotal(input: {metric: CITY_FUNDED_WORKERS, year: 2024, category: "rt rw", value: 1, source: "x"}) { declared } }`,
		} {
			t.Run(name, func(t *testing.T) { expect(t, f, q, nil, "BAD_USER_INPUT") })
		}
		expect(t, f, list, map[string]any{"year": 2024}, `[`+cibeber2024+`,`+city2024+`]`)
	})
	t.Run("without the reconciliation", func(t *testing.T) {
		expect(t, newFixture(t, graph.Config{}), list, nil, "UNAVAILABLE")
	})
}

func TestReconcileRuns(t *testing.T) {
	f := accessFixture(t, graph.Config{})
	const list = `query($first: Int) { f: reconcileRuns(first: $first) { trigger status error people findings { found opened unchanged resolved } rollupVersion newVersion } }`
	// The fixture's pass: 4 people (NIKs), 6 discrepancies opened, the first
	// rollup version.
	first := `{"trigger":"test","status":"SUCCEEDED","error":null,"people":4,"findings":{"found":11,"opened":11,"unchanged":0,"resolved":0},"rollupVersion":1,"newVersion":true}`
	expect(t, f, list, nil, `[`+first+`]`)

	// A second pass over the same data changes nothing: the same findings,
	// the same cells (no new version).
	again := `{"trigger":"reconcileNow:root","status":"SUCCEEDED","error":null,"people":4,"findings":{"found":11,"opened":0,"unchanged":11,"resolved":0},"rollupVersion":1,"newVersion":false}`
	expect(t, f, `mutation { f: reconcileNow { trigger status error people findings { found opened unchanged resolved } rollupVersion newVersion } }`, nil, again)
	expect(t, f, list, nil, `[`+again+`,`+first+`]`)
	expect(t, f, list, map[string]any{"first": 1}, `[`+again+`]`)
	expect(t, f, list, map[string]any{"first": 100}, `[`+again+`,`+first+`]`)

	// One reconciliation at a time across replicas: while another process
	// holds the lease, reconcileNow answers CONFLICT naming it and since when,
	// and records no run.
	t.Run("while another replica reconciles", func(t *testing.T) {
		ctx := context.Background()
		l, err := f.store.AcquireLease(ctx, store.LeaseRequest{Job: "reconcile", Owner: "replica-2/41/abc", RunID: "reconcile-other", TTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		const now = `mutation { f: reconcileNow { status } }`
		expect(t, f, now, nil, "CONFLICT")
		e := f.mustFail(t, now, nil)
		if !strings.Contains(e.Message, "replica-2/41/abc") || !strings.Contains(e.Message, "reconcile-other") ||
			!strings.Contains(e.Message, l.AcquiredAt.UTC().Format(time.RFC3339)) {
			t.Errorf("the conflict does not say who reconciles since when: %s", e.Message)
		}
		if err := f.store.ReleaseLease(ctx, l); err != nil {
			t.Fatal(err)
		}
		expect(t, f, list, map[string]any{"first": 2}, `[`+again+`,`+first+`]`)
		expect(t, f, now, nil, `{"status":"SUCCEEDED"}`)
	})

	t.Run("first out of range", func(t *testing.T) {
		for _, n := range []int{0, -1, 101} {
			expect(t, f, list, map[string]any{"first": n}, "BAD_USER_INPUT")
		}
	})
	t.Run("without the reconciliation", func(t *testing.T) {
		expect(t, newFixture(t, graph.Config{}), list, nil, "UNAVAILABLE")
	})
}
