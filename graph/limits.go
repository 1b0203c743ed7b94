package graph

import (
	"context"
	"encoding/json"
	"math"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/coverage/scenario"
)

// Query cost, computed before anything runs (costLimit): a number that
// follows the work a query asks of the server, so that one limit
// (Config.ComplexityLimit) bounds what one request may cost.
//
//   - Scalar and enum fields are free; every object field costs 1 plus what is
//     selected under it.
//   - A list costs the most items it can return times what is selected under
//     each item: a connection its page (first, or 50), once for reading it
//     (the store reads it whatever is selected) and again for what each edge
//     selects, its pageInfo and totalCount once; coverage rows their page
//     (first, or 5,000) but never more than the rows the grouping can have;
//     the lists without a first their bound (participantsPerNIK, the 11
//     discrepancy kinds, ...). TestEveryListIsCounted keeps every list of
//     the schema counted.
//   - Every list call of the store also counts its matches (totalCount is
//     always computed): countCost when its filter names no member or person,
//     so that the store passes over the list's index; 1 when it names one (a
//     KPJ, a NIK), or for a participant's nested lists, read by member. A
//     discrepancies' countsByKind is one more count; so is discrepancyCounts.
//   - An answer from the rollup in memory (coverage, universalCoverage,
//     apbdProgram) costs aggregateCost, the pass over its cells, and coverage
//     one more point per groupsPerPoint rows its grouping can make
//     (coverageGroups), which it builds whatever the page.
//   - A what-if scenario (scenario, saveScenario) costs aggregateCost for
//     each 2,000 years it resamples (simulations, rounded up) and countCost
//     more per uploaded roster it names (its people looked up by NIK);
//     compareScenarios costs each scenario's work and selection, a saved
//     one's at the most simulations (its stored input is read only when it
//     runs); claimExperience costs aggregateCost.
//
// So a page of records costs about two points per record, multiplied through
// nested lists, plus 100 for its count: a full page of 1,000 participants with
// their kelurahan and kecamatan about 4,100, 50 participants with 50 contributions each
// about 5,300, and 100 with 100 each about 20,000, which the default limit
// refuses; so are 99 lists of one record each under a filter that names no
// member (99 x 102), and, at the demo's scale (38,007 cells), a coverage
// grouped by every dimension and month asked three times with pages of 10
// rows (3,900 each). TestCosts pins these rules.

// DefaultComplexityLimit is the largest query cost served when
// Config.ComplexityLimit is 0.
const DefaultComplexityLimit = 10_000

// DefaultMaxDepth is the deepest selection served when Config.MaxDepth is 0.
// The deepest useful query, a participant's contributions through a
// connection, is 7 deep (participants.edges.node.contributions.edges.node.id).
const DefaultMaxDepth = 10

// Costs of the work behind a field, besides the items it returns.
const (
	// countCost is a count of the records matching a filter that names no
	// member or person: a pass over the list (the in-memory index's rows
	// on the embedded engine, an index's keys on MongoDB), as much work as
	// a page of about 100 records.
	countCost = 100
	// aggregateCost is an answer from the rollup in memory: a pass over its
	// cells (25 ms for the city's 99,000 cells on two cores).
	aggregateCost = 100
	// groupsPerPoint: coverage builds every row of its answer, whatever page
	// of them is asked for; grouping cells into rows costs a point per this
	// many rows (the city's 99,000 rows of every dimension by month take
	// 0.9 s on two cores, three times what 10,000 points of records take).
	groupsPerPoint = 10
)

// Bounds of the lists that have no first argument: their size is bounded by
// the data (one NIK rarely holds more than a few KPJs or roster categories;
// workforce has one target a year per area; a year has a few declared
// figures).
const (
	participantsPerNIK  = 10
	rosterEntriesPerNIK = 10
	workforceTargets    = 60
	declaredFigures     = 100
	monthsPerYear       = 12
	// maxReconcileRuns is the most reconcileRuns answers (first).
	maxReconcileRuns = 100
)

// Coverage rows: a page is first rows (DefaultCoverageRows when omitted, at
// most MaxCoverageRows).
const (
	DefaultCoverageRows = 5000
	MaxCoverageRows     = 5000
)

// The grouping estimate of coverage (coverageGroups): a time range counts
// the months the rollup holds in it, or until the first answer tells what
// the rollup holds, openRangeMonths for an open range and up to
// maxRangeMonths for a closed one; and no answer has more rows than the
// rollup has cells in its range (maxGroups until known).
const (
	openRangeMonths = 36
	maxRangeMonths  = 120
	maxGroups       = 100_000
)

// errComplexityLimit is gqlgen's code for a query that costs too much.
const errComplexityLimit = "COMPLEXITY_LIMIT_EXCEEDED"

// costLimit refuses operations that cost more than max, after validation and
// before anything runs.
type costLimit struct {
	max   int
	model *costModel
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = costLimit{}

func (costLimit) ExtensionName() string                   { return "CostLimit" }
func (costLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (l costLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	if cost := l.model.cost(op, oc.Variables); cost > l.max {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d: ask for smaller pages (first), fewer nested lists or fewer aliases, or narrow the filters", cost, l.max)
		errcode.Set(err, errComplexityLimit)
		return err
	}
	return nil
}

// costModel holds the bounds of the lists that depend on the city and the
// rule of every list field.
type costModel struct {
	kecamatan, kelurahan, children int // the city's kecamatan, kelurahan, most kelurahan of one kecamatan
	areas                          *coverage.Areas
	rules                          map[string]costRule
	rollup                         atomic.Pointer[rollupShape] // what the latest rollup seen holds
	// probe asks the analytics for the current rollup, nil without one.
	probe func() *reconcile.Rollup
}

// rollupShape is the size and range of a rollup.
type rollupShape struct {
	cells    int
	from, to coverage.Period
	at       time.Time
}

// rollupProbeEvery is how often the cost model asks for the current rollup.
const rollupProbeEvery = time.Minute

// learn notes the rollup an answer came from: coverageGroups bounds its
// estimates by its cells.
func (m *costModel) learn(r *reconcile.Rollup) {
	if m != nil && r != nil && r.From != "" && r.From <= r.To {
		m.rollup.Store(&rollupShape{cells: len(r.Cells), from: r.From, to: r.To, at: time.Now()})
	}
}

// shape is what the current rollup holds, nil when unknown: learned from
// the answers, else asked for at most every rollupProbeEvery.
func (m *costModel) shape() *rollupShape {
	r := m.rollup.Load()
	if m.probe != nil && (r == nil || time.Since(r.at) > rollupProbeEvery) {
		m.learn(m.probe())
		r = m.rollup.Load()
	}
	return r
}

// rollupProbe asks the analytics for its rollup with a question whose range
// holds nothing, answered without a pass over the cells.
func rollupProbe(a Analytics) func() *reconcile.Rollup {
	return func() *reconcile.Rollup {
		_, r, err := a.Coverage(reconcile.Filter{From: "9999-12"}, nil, "")
		if err != nil || r == nil {
			return nil
		}
		return r
	}
}

// costRule is the cost of one field, given its arguments.
type costRule func(w *costWalker, f *ast.Field, args map[string]any) int

func newCostModel(areas *coverage.Areas) *costModel {
	m := &costModel{areas: areas, kecamatan: len(areas.Kecamatan()), kelurahan: len(areas.Kelurahan())}
	// A list of areas costs as many items as the largest kecamatan has
	// kelurahan (or the city kecamatan), which undercounts only the city's
	// own list of all kelurahan, a single object.
	m.children = m.kecamatan
	for _, k := range areas.Kecamatan() {
		m.children = max(m.children, len(areas.Children(k.Code)))
	}
	kinds := len(coverage.DiscrepancyKinds)
	m.rules = map[string]costRule{
		"Query.participants":        connection(countUnless("nik")),
		"Query.contributions":       connection(countUnless("kpj", "nik")),
		"Query.claims":              connection(countUnless("kpj", "nik")),
		"Query.roster":              connection(countUnless("nik")),
		"Query.quarantine":          connection(countUnless()),
		"Query.discrepancies":       connection(countUnless("nik", "kpj")),
		"Query.auditLog":            connection(countUnless()),
		"Participant.contributions": connection(perMember), // batched by member: the count is one member's
		"Participant.claims":        connection(perMember),

		"Query.participantByNik":             listOf(fixed(participantsPerNIK), 1),
		"Query.workforce":                    listOf(fixed(workforceTargets), 1),
		"Query.syncRuns":                     listOf(firstOr(20, coverage.MaxPageSize), 1),
		"Query.reconcileRuns":                listOf(firstOr(20, maxReconcileRuns), 1),
		"Query.rosterImports":                listOf(firstOr(20, 100), 1),
		"Query.declaredTotals":               listOf(fixed(declaredFigures), 0),
		"Query.discrepancyCounts":            aggregate(countCost),
		"Query.feedFreshness":                listOf(fixed(len(coverage.Feeds)), 2*len(coverage.Feeds)), // two finds per feed
		"Query.universalCoverage":            aggregate(aggregateCost),
		"Query.apbdProgram":                  aggregate(aggregateCost),
		"Query.coverage":                     coverageCost,
		"Query.areas":                        listOf(fixed(m.kecamatan), 0),
		"Area.kelurahan":                     listOf(fixed(m.children), 0),
		"Area.children":                      listOf(fixed(m.children), 0),
		"Participant.roster":                 listOf(fixed(rosterEntriesPerNIK), 0),
		"DiscrepancyCounts.byKind":           listOf(fixed(kinds), 0),
		"DiscrepancyConnection.countsByKind": listOf(fixed(kinds), 0),
		"CoverageMeasures.claimsByProgram":   listOf(fixed(len(coverage.Programs)), 0),
		"ApbdProgram.categories":             listOf(fixed(len(coverage.CategoryNames)+1), 0),
		"ApbdProgram.declared":               listOf(fixed(declaredFigures), 0),
		"ApbdLine.months":                    listOf(fixed(monthsPerYear), 0),

		// What-if scenarios (scenario.go).
		"Query.claimExperience":         aggregate(aggregateCost),
		"Query.scenario":                scenarioCost,
		"Query.compareScenarios":        compareCost,
		"Query.savedScenarios":          listOf(firstOr(20, maxScenarioList), 1),
		"Query.scenarioRosters":         listOf(firstOr(20, maxScenarioList), 1),
		"Mutation.saveScenario":         scenarioCost,
		"ClaimExperience.lines":         listOf(fixed(experienceLines), 0),
		"ScenarioResult.groups":         listOf(fixed(scenarioGroups), 0),
		"ScenarioResult.areas":          listOf(fixed(m.kecamatan+1), 0), // and people added without an area
		"ScenarioGroup.programs":        listOf(fixed(len(coverage.Programs)), 0),
		"SavedScenario.result":          aggregate(0),
		"Query.savedScenario":           aggregate(1),
		"Mutation.uploadScenarioRoster": aggregate(countCost), // a file of up to 200,000 rows read and stored
	}
	return m
}

// Bounds of the scenarios' lists: the experience has a line per category and
// pool (CITY_FUNDED, BPU) and programme; a scenario a group per category
// (the known ones, and new codes added).
var (
	experienceLines = (len(coverage.CategoryNames) + 2) * len(coverage.Programs)
	scenarioGroups  = len(coverage.CategoryNames) + 2
)

// scenarioWork is the work of computing one scenario: a pass over the
// rollup's cells (aggregateCost) for each 2,000 years resampled
// (simulations, rounded up; the default is 2,000), and a count's work per
// uploaded roster named, whose people are looked up by NIK.
func scenarioWork(input any) int {
	in, _ := input.(map[string]any)
	sims := scenario.DefaultSimulations
	if v, ok := in["simulations"]; ok && v != nil {
		sims = pageSize(v, scenario.DefaultSimulations, scenario.MaxSimulations)
	}
	work := aggregateCost * max((sims+scenario.DefaultSimulations-1)/scenario.DefaultSimulations, 1)
	for _, c := range listOfArg(in["changes"]) {
		if ch, _ := c.(map[string]any); ch != nil {
			if id, _ := ch["rosterId"].(string); id != "" {
				work = addCost(work, countCost)
			}
		}
	}
	return work
}

// listOfArg is a list argument as GraphQL takes it: a single value where a
// list is expected is a list of one (input coercion), so it costs as one.
func listOfArg(v any) []any {
	switch l := v.(type) {
	case nil:
		return nil
	case []any:
		return l
	}
	return []any{v}
}

// scenarioCost is a scenario's work and its selection.
func scenarioCost(w *costWalker, f *ast.Field, args map[string]any) int {
	return addCost(1+scenarioWork(args["input"]), w.set(f.SelectionSet))
}

// compareCost is each compared scenario's work and selection: an input's
// work by its simulations, a saved one's as the most simulations cost (its
// stored input is not read before the query runs).
func compareCost(w *costWalker, f *ast.Field, args map[string]any) int {
	sel := max(w.set(f.SelectionSet), 1)
	total := 1
	for _, in := range listOfArg(args["inputs"]) {
		total = addCost(total, addCost(scenarioWork(in), sel))
	}
	saved := listOfArg(args["saved"])
	savedWork := aggregateCost * (scenario.MaxSimulations / scenario.DefaultSimulations)
	total = addCost(total, mulCost(min(len(saved), maxCompared), addCost(savedWork, sel)))
	return total
}

// uncounted are the lists of objects that no rule counts: a connection's
// edges and coverage's rows (their field's rule does), and a roster import's
// row errors, which the import has already bounded (10,000 a file) and which
// only admins read; the answer's size limit bounds them too.
var uncounted = map[string]bool{"CoverageResult.rows": true, "RosterImport.errors": true}

// cost is the cost of an operation with its variables.
func (m *costModel) cost(op *ast.OperationDefinition, vars map[string]any) int {
	return (&costWalker{model: m, vars: vars}).set(op.SelectionSet)
}

// costWalker sums the cost of a selection, fragments included.
type costWalker struct {
	model *costModel
	vars  map[string]any
	// rows bounds the coverage rows below (coverageCost): the rows its
	// grouping can make.
	rows int
}

func (w *costWalker) set(set ast.SelectionSet) int {
	total := 0
	eachField(set, func(f *ast.Field) { total = addCost(total, w.field(f)) })
	return total
}

func (w *costWalker) field(f *ast.Field) int {
	if f.Definition == nil || f.Name == "__schema" || f.Name == "__typename" {
		return 0
	}
	if f.ObjectDefinition != nil {
		if rule, ok := w.model.rules[f.ObjectDefinition.Name+"."+f.Name]; ok {
			return rule(w, f, f.ArgumentMap(w.vars))
		}
	}
	return w.plain(f)
}

// plain is the cost of a field without a rule: 0 for a scalar or an enum, 1
// plus its selection for an object.
func (w *costWalker) plain(f *ast.Field) int {
	if len(f.SelectionSet) == 0 {
		return 0
	}
	return addCost(1, w.set(f.SelectionSet))
}

// eachField calls fn with every field of a selection set, through fragments.
func eachField(set ast.SelectionSet, fn func(*ast.Field)) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			fn(s)
		case *ast.InlineFragment:
			eachField(s.SelectionSet, fn)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				eachField(s.Definition.SelectionSet, fn)
			}
		}
	}
}

// A connection: 1, the count of its matches, its page (the store reads it
// whatever is selected: a point a record) and what each edge selects, and
// the rest of its selection (pageInfo, totalCount) once. countsByKind is one
// more count.
func connection(count func(args map[string]any) int) costRule {
	return func(w *costWalker, f *ast.Field, args map[string]any) int {
		n := pageSize(args["first"], coverage.DefaultPageSize, coverage.MaxPageSize)
		c := count(args)
		total := addCost(addCost(1, c), n)
		eachField(f.SelectionSet, func(sub *ast.Field) {
			switch sub.Name {
			case "edges":
				total = addCost(total, mulCost(n, w.set(sub.SelectionSet)))
			case "countsByKind":
				total = addCost(total, addCost(c, w.field(sub)))
			default:
				total = addCost(total, w.field(sub))
			}
		})
		return total
	}
}

// perMember is the count of a participant's nested list: the batch reads the
// members' own records, so the count is one member's.
func perMember(map[string]any) int { return 1 }

// countUnless is the cost of a list's count: 1 when the filter names one of
// the fields (a member, a person), else countCost.
func countUnless(fields ...string) func(args map[string]any) int {
	return func(args map[string]any) int {
		filter, _ := args["filter"].(map[string]any)
		for _, name := range fields {
			if s, _ := filter[name].(string); s != "" {
				return 1
			}
		}
		return countCost
	}
}

// listOf is a list of at most size(args) items, with extra work besides.
func listOf(size func(args map[string]any) int, extra int) costRule {
	return func(w *costWalker, f *ast.Field, args map[string]any) int {
		return addCost(1+extra, mulCost(size(args), max(w.set(f.SelectionSet), 1)))
	}
}

func fixed(n int) func(map[string]any) int { return func(map[string]any) int { return n } }

// firstOr is the size of a list with a first argument: first, or def.
func firstOr(def, most int) func(map[string]any) int {
	return func(args map[string]any) int { return pageSize(args["first"], def, most) }
}

// aggregate is an answer that takes work besides its selection.
func aggregate(work int) costRule {
	return func(w *costWalker, f *ast.Field, _ map[string]any) int {
		return addCost(1+work, w.set(f.SelectionSet))
	}
}

// coverageCost is the cost of a coverage question: the pass over the cells,
// the rows its grouping can make (groupsPerPoint a point), and the selection,
// whose rows page is at most those rows.
func coverageCost(w *costWalker, f *ast.Field, args map[string]any) int {
	groups := w.model.coverageGroups(args)
	inner := &costWalker{model: w.model, vars: w.vars, rows: groups}
	total := addCost(1+aggregateCost, (groups+groupsPerPoint-1)/groupsPerPoint)
	eachField(f.SelectionSet, func(sub *ast.Field) {
		if sub.Name == "rows" {
			n := min(pageSize(sub.ArgumentMap(w.vars)["first"], DefaultCoverageRows, MaxCoverageRows), max(groups, 1))
			total = addCost(total, addCost(1, mulCost(n, max(inner.set(sub.SelectionSet), 1))))
			return
		}
		total = addCost(total, inner.field(sub))
	})
	return total
}

// coverageGroups estimates the most rows a coverage question can have: the
// product of the grouped dimensions' values (narrowed by the filter) and of
// the time buckets, up to maxGroups.
func (m *costModel) coverageGroups(args map[string]any) int {
	filter, _ := args["filter"].(map[string]any)
	values := func(name string, all int) int {
		if l, ok := filter[name].([]any); ok && len(l) > 0 {
			return min(len(l), all)
		}
		return all
	}
	area, _ := filter["areaCode"].(string)
	dims := map[string]bool{}
	if l, ok := args["groupBy"].([]any); ok {
		for _, d := range l {
			if s, ok := d.(string); ok {
				dims[s] = true
			}
		}
	}
	groups := 1
	mul := func(n int) { groups = min(mulCost(groups, max(n, 1)), maxGroups) }
	for d := range dims {
		switch d {
		case "KECAMATAN":
			switch {
			case dims["KELURAHAN"]: // the kelurahan name their kecamatan
			case len(area) >= 6:
				mul(1)
			default:
				mul(m.kecamatan + 1) // and domiciles outside the city
			}
		case "KELURAHAN":
			switch {
			case len(area) >= 10:
				mul(1)
			case len(area) >= 6:
				mul(len(m.areas.Children(area)))
			default:
				mul(m.kelurahan + 1)
			}
		case "CATEGORY":
			mul(values("categories", len(coverage.CategoryNames)+2)) // new codes, and none
		case "PAYER":
			mul(values("payers", len(coverage.PayerTypes)+1)) // and none
		case "SEGMENT":
			mul(values("segments", len(coverage.Segments)))
		case "GENDER":
			mul(values("genders", 2))
		case "AGE_BAND":
			mul(values("ageBands", 7))
		}
	}
	from, _ := filter["from"].(string)
	to, _ := filter["to"].(string)
	months, bound := openRangeMonths, maxGroups
	switch r := m.shape(); {
	case r != nil:
		lo, hi := max(r.from, coverage.Period(from)), r.to
		if to != "" {
			hi = min(hi, coverage.Period(to))
		}
		if months = coverage.MonthsBetween(lo, hi) + 1; months < 1 {
			months, bound = 1, 1 // nothing held in the range
		} else {
			bound = max(r.cells*months/(coverage.MonthsBetween(r.from, r.to)+1), 1)
		}
	case from != "" && to != "":
		months = min(max(coverage.MonthsBetween(coverage.Period(from), coverage.Period(to))+1, 1), maxRangeMonths)
	}
	switch g, _ := args["granularity"].(string); g {
	case "MONTH":
		mul(months)
	case "QUARTER":
		mul(months/3 + 1)
	case "YEAR":
		mul(months/12 + 1)
	}
	return min(groups, bound)
}

// pageSize reads a first argument: def when it is omitted or not a positive
// number, at most most. A first out of range is refused by the resolver with
// a clear message; clamping it here keeps the products from overflowing.
func pageSize(v any, def, most int) int {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case float64:
		n = int64(min(max(x, -1), float64(most)))
	case json.Number:
		n, _ = x.Int64()
	default:
		return def
	}
	if n < 1 {
		return def
	}
	return int(min(n, int64(most)))
}

// addCost and mulCost saturate instead of overflowing.
func addCost(a, b int) int {
	if c := a + b; c >= a {
		return c
	}
	return math.MaxInt
}

func mulCost(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt/b {
		return math.MaxInt
	}
	return a * b
}

// errDepthLimit is the extensions.code of a query nested too deeply.
const errDepthLimit = "DEPTH_LIMIT_EXCEEDED"

func init() { errcode.RegisterErrorType(errDepthLimit, errcode.KindProtocol) }

// depthLimit rejects operations nested deeper than max fields, before they run.
// Introspection fields (__schema, __type) are not counted: GraphiQL's own
// schema query is deeper than any data query.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	if depth := selectionDepth(op.SelectionSet); depth > d.max {
		err := gqlerror.Errorf("operation is nested %d fields deep, more than the limit of %d", depth, d.max)
		errcode.Set(err, errDepthLimit)
		return err
	}
	return nil
}

// selectionDepth is the number of fields on the longest path through a
// selection set; fragments add no depth of their own. Validation has already
// rejected fragment cycles.
func selectionDepth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				continue
			}
			d = 1 + selectionDepth(s.SelectionSet)
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = selectionDepth(s.Definition.SelectionSet)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}
