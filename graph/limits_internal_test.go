package graph

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/graph/internal/generated"
)

// TestEveryListIsCounted: every field that gives a list of objects, or a
// connection, has a cost rule (limits.go), or is counted by its field's
// rule; a new list fails here until it is counted.
func TestEveryListIsCounted(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	m := newCostModel(coverage.Cilegon())
	for _, d := range s.Types {
		if builtin(d) {
			continue
		}
		for _, f := range d.Fields {
			name := d.Name + "." + f.Name
			elem := s.Types[f.Type.Name()]
			connection := strings.HasSuffix(elem.Name, "Connection")
			list := f.Type.Elem != nil && elem.Kind == ast.Object
			if !connection && !list || uncounted[name] || strings.HasSuffix(d.Name, "Connection") && f.Name == "edges" {
				continue
			}
			if _, ok := m.rules[name]; !ok {
				t.Errorf("%s (%s) has no cost rule", name, f.Type)
			}
		}
	}
}

// TestCosts pins the cost of typical and abusive queries.
func TestCosts(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	m := newCostModel(coverage.Cilegon())
	for _, tc := range []struct {
		query string
		want  int
	}{
		{`{ city { code } }`, 1},
		{`{ participants(first: 100) { edges { node { kpj } } } }`, 1 + countCost + 100 + 100},
		{`{ participants(first: 1000) { totalCount } }`, 1 + countCost + 1000},
		{`{ participants { totalCount pageInfo { endCursor } } }`, 1 + countCost + 50 + 1},
		{`{ contributions(first: 1, filter: {unpaid: true}) { totalCount } }`, 102},
		{`{ contributions(first: 1, filter: {kpj: "10000000001"}) { totalCount } }`, 3},
		{`{ participants(first: 10) { edges { node { contributions(first: 5) { totalCount edges { node { id } } } } } } }`,
			1 + countCost + 10 + 10*(1+(1+1+5+5))},
		{`{ discrepancies(first: 10) { totalCount } }`, 1 + countCost + 10},
		{`{ discrepancies(first: 10) { countsByKind { kind } } }`, 1 + countCost + 10 + countCost + 1 + len(coverage.DiscrepancyKinds)},
		{`{ discrepancyCounts { total } }`, 1 + countCost},
		{`{ feedFreshness { feed asOf } }`, 1 + 2*5 + 5},
		{`{ coverage { totals { activeParticipants } } }`, 1 + aggregateCost + 1 + 1},
		{`{ coverage(groupBy: [KECAMATAN], granularity: QUARTER) { rows { bucket } } }`, 1 + aggregateCost + 12 + 1 + 117}, // 9 x 13 quarters
		{`{ coverage(groupBy: [KECAMATAN], granularity: QUARTER) { rows(first: 10) { bucket } } }`, 1 + aggregateCost + 12 + 1 + 10},
		{`{ coverage(filter: {areaCode: "367201"}, groupBy: [KELURAHAN]) { rows { bucket } } }`, 1 + aggregateCost + 1 + 1 + len(coverage.Cilegon().Children("367201"))},
		{`{ coverage(groupBy: [KELURAHAN, CATEGORY, PAYER, SEGMENT, GENDER, AGE_BAND], granularity: MONTH) { rows { bucket } } }`,
			1 + aggregateCost + (maxGroups+groupsPerPoint-1)/groupsPerPoint + 1 + MaxCoverageRows},
		{`{ participants(first: 9223372036854775807) { edges { node { contributions(first: 9223372036854775807) { totalCount } } } } }`,
			1 + countCost + 1000 + 1000*(1+(1+1+1000))},
		{`{ syncRuns { id } reconcileRuns(first: 5) { id } }`, (1 + 1 + 20) + (1 + 1 + 5)},

		// Scenarios: a pass over the cells per 2,000 years resampled, a
		// count's work per roster named; compared scenarios each (a saved
		// one at the most simulations).
		{`{ claimExperience { from lines { program } } }`, 1 + aggregateCost + 1 + experienceLines},
		{`{ scenario(input: {year: 2024, changes: []}) { year notes } }`, 1 + aggregateCost},
		{`{ scenario(input: {year: 2024, changes: [], simulations: 2001}) { year } }`, 1 + 2*aggregateCost},
		{`{ scenario(input: {year: 2024, changes: [], simulations: 20000}) { year } }`, 1 + 10*aggregateCost},
		{`{ scenario(input: {year: 2024, changes: [], simulations: 9223372036854775807}) { year } }`, 1 + 10*aggregateCost},
		{`{ scenario(input: {year: 2024, changes: [{kind: ADD_CATEGORY, rosterId: "SR-1"}]}) { year } }`, 1 + aggregateCost + countCost},
		{`{ scenario(input: {year: 2024, changes: []}) { groups { category programs { program } } areas { name } baseline { funded } } }`,
			1 + aggregateCost + (1 + scenarioGroups*(1+5)) + (1 + 9) + 1},
		{`{ compareScenarios(inputs: [{year: 2024, changes: []}, {year: 2024, changes: [], simulations: 4000}]) { year } }`,
			1 + (aggregateCost + 1) + (2*aggregateCost + 1)},
		{`{ compareScenarios(inputs: [{year: 2024, changes: []}], saved: ["SC-1"]) { baseline { funded } } }`,
			1 + (aggregateCost + 1) + (10*aggregateCost + 1)},
		// A single value where a list is expected is a list of one, and
		// costs as one.
		{`{ compareScenarios(inputs: {year: 2024, changes: [], simulations: 20000}, saved: "SC-1") { baseline { funded } } }`,
			1 + (10*aggregateCost + 1) + (10*aggregateCost + 1)},
		{`{ scenario(input: {year: 2024, changes: {kind: ADD_CATEGORY, rosterId: "SR-1"}}) { year } }`, 1 + aggregateCost + countCost},
		{`{ savedScenarios { id } scenarioRosters(first: 5) { id problems } }`, (1 + 1 + 20) + (1 + 1 + 5)},
		{`{ savedScenarios(first: 100) { result { year } } }`, 1 + 1 + 100*1},
		{`{ savedScenario(id: "SC-1") { id } }`, 2},
		{`mutation { saveScenario(name: "x", input: {year: 2024, changes: [], simulations: 6000}) { id } }`, 1 + 3*aggregateCost},
		{`mutation($f: Upload!) { uploadScenarioRoster(category: "MARBOT", file: $f) { id } }`, 1 + countCost},
	} {
		doc, err := gqlparser.LoadQuery(s, tc.query)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if got := m.cost(doc.Operations[0], nil); got != tc.want {
			t.Errorf("%s: cost %d, want %d", tc.query, got, tc.want)
		}
	}

	// Once an answer tells the rollup's size, no grouping counts more rows
	// than the rollup has cells in the range asked.
	m.learn(&reconcile.Rollup{From: "2022-01", To: "2024-08", Cells: make([]reconcile.Cell, 32_000)})
	for _, tc := range []struct {
		filter string
		rows   int
	}{
		{``, 32_000},
		{`filter: {from: "2024-08", to: "2024-08"}, `, 1000},
		{`filter: {from: "2024-01"}, `, 8000},
		{`filter: {from: "2030-01"}, `, 1},
	} {
		q := `{ coverage(` + tc.filter + `groupBy: [KELURAHAN, CATEGORY, PAYER, SEGMENT, GENDER, AGE_BAND], granularity: MONTH) { rows(first: 1) { bucket } } }`
		doc, err := gqlparser.LoadQuery(s, q)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := m.cost(doc.Operations[0], nil), 1+aggregateCost+(tc.rows+groupsPerPoint-1)/groupsPerPoint+1+1; got != want {
			t.Errorf("%s: cost %d, want %d", q, got, want)
		}
	}
}
