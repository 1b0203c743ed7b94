package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/graph/internal/model"
)

// Analytics answers the coverage questions from the latest rollup and runs the
// reconciliation (package analytics implements it; graph depends on the
// rollup's types only, not on the package that reads the database). Each
// figure comes with the rollup version that answered it.
type Analytics interface {
	Coverage(f reconcile.Filter, groupBy []reconcile.Dimension, g reconcile.Granularity) (reconcile.Answer, *reconcile.Rollup, error)
	UniversalCoverage(year int, area string) (reconcile.UCJ, *reconcile.Rollup, error)
	APBDProgram(year int) (reconcile.Program, []reconcile.DeclaredComparison, *reconcile.Rollup, error)
	DeclaredTotals(year int) ([]reconcile.DeclaredComparison, error)
	Reconcile(ctx context.Context, trigger string) (coverage.ReconcileRun, error)
	SetDeclaredTotal(ctx context.Context, d coverage.DeclaredTotal) (reconcile.DeclaredComparison, error)
	SetWorkforceTarget(ctx context.Context, w coverage.WorkforceTarget, by string) (coverage.WorkforceTarget, error)
}

// ReconcileLog reads and updates the reconciliation's records.
type ReconcileLog interface {
	coverage.Discrepancies
	ReconcileRuns(ctx context.Context, first int) ([]coverage.ReconcileRun, error)
}

func rollupInfo(r *reconcile.Rollup) *model.RollupInfo {
	return &model.RollupInfo{Version: int(r.Version), AsOf: r.AsOf, BuiltAt: r.BuiltAt, RunID: r.RunID, Cells: len(r.Cells)}
}

func measures(m *reconcile.Measures) *model.CoverageMeasures {
	claims := m.ClaimsTotal()
	out := &model.CoverageMeasures{
		ActiveParticipants: int(m.Active), NewMembers: int(m.New), LapsedMembers: int(m.Lapsed),
		ContributionsBilled: int(m.Billed), ContributionsDue: m.DueAmount, ContributionsPaidCount: int(m.PaidCount),
		ContributionsPaid: m.PaidAmount, UnpaidOverdue: int(m.UnpaidOverdue), Arrears: m.Arrears,
		ClaimsSubmitted: int(claims.SubmittedCount), ClaimsSubmittedAmount: claims.SubmittedAmount,
		ClaimsPaid: int(claims.PaidCount), ClaimsPaidAmount: claims.PaidAmount,
		FundedWorkers: int(m.Funded), FundedEnrolled: int(m.FundedEnrolled), FundedMonthlyCost: m.FundedMonthlyDue,
	}
	for i, p := range coverage.Programs {
		c := m.Claims[i]
		out.ClaimsByProgram = append(out.ClaimsByProgram, model.ProgramClaims{Program: p, Submitted: int(c.SubmittedCount),
			SubmittedAmount: c.SubmittedAmount, Paid: int(c.PaidCount), PaidAmount: c.PaidAmount})
	}
	return out
}

// opt returns nil for the zero value, else a pointer to v.
func opt[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// coverageRowsList is the list of a coverage answer's rows, for cursors: a
// row's cursor holds its index in the answer (the key) and the question it
// answers (the value), so that it pages only that question.
var coverageRowsList = list{"coverage rows", "ROW", []coverage.SortField{coverage.SortKey}}

// coverageQuestion identifies a question (the caller's area, the filter, the
// grouping) and the rollup version that answers it.
func coverageQuestion(area string, f reconcile.Filter, groupBy []reconcile.Dimension, g reconcile.Granularity, version int64) string {
	b, _ := json.Marshal(struct {
		Area        string
		Filter      reconcile.Filter
		GroupBy     []reconcile.Dimension
		Granularity reconcile.Granularity
		Version     int64
	}{area, f, groupBy, g, version})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:9])
}

// coverageResult is the answer of a coverage question. Of its rows it keeps
// those that the query's rows fields ask for: a question of 100,000 rows
// asked a page at a time is not held whole.
func (r *resolver) coverageResult(ctx context.Context, ans *reconcile.Answer, rollup *reconcile.Rollup, question string) *model.CoverageResult {
	out := &model.CoverageResult{Totals: measures(&ans.Totals), From: opt(ans.From), To: opt(ans.To), Rollup: rollupInfo(rollup),
		TotalRows: len(ans.Rows), Question: question}
	lo, hi := len(ans.Rows), 0
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{"CoverageResult"}) {
		if f.Name != "rows" {
			continue
		}
		args := f.ArgumentMap(graphql.GetOperationContext(ctx).Variables)
		var first *int
		if n, ok := args["first"].(int64); ok && n >= 1 && n <= MaxCoverageRows {
			first = new(int(n))
		}
		var after *string
		if a, ok := args["after"].(string); ok {
			after = &a
		}
		if start, end, err := r.rowsWindow(first, after, question, len(ans.Rows)); err == nil && start < end {
			lo, hi = min(lo, start), max(hi, end)
		}
	}
	if lo < hi {
		out.Rows, out.Offset = slices.Clone(ans.Rows[lo:hi]), lo
	}
	return out
}

// rowsWindow reads the arguments of a rows field: the indexes of the page's
// first row and past its last.
func (r *resolver) rowsWindow(first *int, after *string, question string, total int) (start, end int, err error) {
	n := DefaultCoverageRows
	if first != nil {
		if *first < 1 || *first > MaxCoverageRows {
			return 0, 0, coverage.Errorf(coverage.EINVALID, "first must be between 1 and %d, got %d", MaxCoverageRows, *first)
		}
		n = *first
	}
	if after != nil && *after != "" {
		c, err := coverageRowsList.decodeCursor(r.cursors, *after, coverage.Order{})
		if err != nil {
			return 0, 0, err
		}
		if c.Value != question {
			return 0, 0, coverage.Errorf(coverage.EINVALID, "after is the cursor of a row of another coverage question, or of figures rebuilt since: ask with the same filter, groupBy and granularity, or omit after to start again")
		}
		i, err := strconv.Atoi(c.Key)
		if err != nil || i < 0 || i >= total {
			return 0, 0, coverage.Errorf(coverage.EINVALID, "after is not a cursor of this API: pass the cursor of a row of a previous page")
		}
		start = i + 1
	}
	return min(start, total), min(start+n, total), nil
}

// coverageRows is a page of a coverage answer's rows.
func (r *resolver) coverageRows(obj *model.CoverageResult, first *int, after *string) ([]model.CoverageRow, error) {
	start, end, err := r.rowsWindow(first, after, obj.Question, obj.TotalRows)
	if err != nil {
		return nil, err
	}
	if start < end && (start < obj.Offset || end > obj.Offset+len(obj.Rows)) {
		return nil, fmt.Errorf("coverage rows %d to %d asked, %d to %d kept", start, end, obj.Offset, obj.Offset+len(obj.Rows))
	}
	out := make([]model.CoverageRow, 0, end-start)
	for i := start; i < end; i++ {
		row := r.coverageRow(&obj.Rows[i-obj.Offset])
		row.Cursor = coverageRowsList.encodeCursor(r.cursors, coverage.Order{}, coverage.Cursor{Value: obj.Question, Key: strconv.Itoa(i)})
		out = append(out, row)
	}
	return out, nil
}

func (r *resolver) coverageRow(row *reconcile.Row) model.CoverageRow {
	out := model.CoverageRow{Bucket: opt(row.Bucket), From: row.From, To: row.To,
		KecamatanCode: opt(row.Kecamatan), KelurahanCode: opt(row.Kelurahan), Category: opt(string(row.Category)),
		Payer: opt(row.Payer), Segment: opt(row.Segment), Gender: opt(row.Gender), AgeBand: opt(row.AgeBand),
		Measures: measures(&row.Measures)}
	if row.Kecamatan != "" {
		out.Kecamatan = r.lookupArea(row.Kecamatan)
	}
	if row.Kelurahan != "" {
		out.Kelurahan = r.lookupArea(row.Kelurahan)
	}
	return out
}

func coverageFilter(f *model.CoverageFilter, areas *coverage.Areas) (reconcile.Filter, error) {
	var out reconcile.Filter
	if f == nil {
		return out, nil
	}
	out.From, out.To = deref(f.From), deref(f.To)
	if out.From != "" && out.To != "" && out.From > out.To {
		return out, coverage.Errorf(coverage.EINVALID, "from %s is after to %s", out.From, out.To)
	}
	if f.AreaCode != nil {
		if err := areas.CheckArea(*f.AreaCode); err != nil {
			return out, err
		}
		out.AreaCode = *f.AreaCode
	}
	var err error
	if out.Categories, err = categories(f.Categories); err != nil {
		return out, err
	}
	out.Payers, out.Segments, out.Genders, out.AgeBands, out.CityFunded = f.Payers, f.Segments, f.Genders, f.AgeBands, f.CityFunded
	return out, nil
}

func ucjYear(y *reconcile.YearCoverage) *model.YearCoverage {
	if y == nil {
		return nil
	}
	out := &model.YearCoverage{Year: y.Year, Month: y.Month, Participants: int(y.Participants), Rate: y.Rate}
	if d := y.Denominator; d != nil {
		w := int(d.Workforce)
		out.Workforce, out.Basis, out.Source = &w, opt(d.Basis), opt(d.Source)
	}
	return out
}

func apbdLine(l *reconcile.ProgramLine) *model.ApbdLine {
	out := &model.ApbdLine{Category: opt(string(l.Category)), Workers: int(l.Workers), ContributionsDue: l.ContributionsDue,
		ContributionsPaid: l.ContributionsPaid, ClaimsPaidCount: int(l.ClaimsPaidCount), ClaimsPaid: l.ClaimsPaid, Net: l.Net,
		LossRatio: l.LossRatio, MonthlyCost: l.MonthlyCost, NextYearCost: l.NextYearCost}
	if l.Category != "" {
		out.CategoryName = opt(l.Category.Name())
	}
	for _, m := range l.Months {
		out.Months = append(out.Months, model.ApbdMonth{Period: m.Period, Funded: int(m.Funded), FundedEnrolled: int(m.FundedEnrolled),
			ContributionsDue: m.ContributionsDue, ContributionsPaid: m.ContributionsPaid, ClaimsPaidCount: int(m.ClaimsPaidCount),
			ClaimsPaid: m.ClaimsPaid})
	}
	return out
}

func declaredTotal(d *reconcile.DeclaredComparison) model.DeclaredTotal {
	out := model.DeclaredTotal{Metric: d.Metric, Year: d.Year, AreaCode: opt(d.AreaCode), Category: opt(string(d.Category)),
		Declared: d.Value, Source: d.Source, SetBy: d.SetBy, SetAt: d.SetAt}
	if d.Known {
		counted, diff := d.Counted, d.Difference
		out.Counted, out.Difference = &counted, &diff
	}
	return out
}

func declaredTotals(ds []reconcile.DeclaredComparison) []model.DeclaredTotal {
	out := make([]model.DeclaredTotal, 0, len(ds))
	for i := range ds {
		out = append(out, declaredTotal(&ds[i]))
	}
	return out
}

func discrepancyFilter(f *model.DiscrepancyFilter) coverage.DiscrepancyFilter {
	if f == nil {
		return coverage.DiscrepancyFilter{}
	}
	return coverage.DiscrepancyFilter{Kinds: f.Kinds, Severities: f.Severities, Statuses: f.Statuses, AreaCode: deref(f.AreaCode),
		Category: coverage.Category(deref(f.Category)), NIK: deref(f.Nik), KPJ: deref(f.Kpj), Period: deref(f.Period)}
}

// discrepancies reads a page of discrepancies and their counts by kind.
func (r *resolver) discrepancies(ctx context.Context, f coverage.DiscrepancyFilter, a pageArgs) (*model.DiscrepancyConnection, error) {
	pg, err := read(ctx, discrepancyList, r.reconcileLog.Discrepancies, f, a)
	if err != nil {
		return nil, err
	}
	// countsByKind is one more count: made only when it is asked for.
	var counts map[coverage.DiscrepancyKind]coverage.KindTally
	if slices.ContainsFunc(graphql.CollectFieldsCtx(ctx, []string{"DiscrepancyConnection"}), func(f graphql.CollectedField) bool { return f.Name == "countsByKind" }) {
		if counts, err = r.reconcileLog.DiscrepancyCounts(ctx, f); err != nil {
			return nil, err
		}
	}
	out := &model.DiscrepancyConnection{
		Edges: edges(pg, func(c string, n *coverage.Discrepancy) model.DiscrepancyEdge {
			return model.DiscrepancyEdge{Cursor: c, Node: n}
		}),
		PageInfo:     pageInfo(pg),
		TotalCount:   int(pg.TotalCount),
		CountsByKind: kindCounts(counts),
	}
	return out, nil
}

// kindCounts lists the kinds with discrepancies, in the kinds' order.
func kindCounts(counts map[coverage.DiscrepancyKind]coverage.KindTally) []model.KindCount {
	out := []model.KindCount{}
	for _, k := range coverage.DiscrepancyKinds {
		if n := counts[k]; n.Count > 0 {
			out = append(out, model.KindCount{Kind: k, Count: int(n.Count), Amount: n.Amount})
		}
	}
	return out
}

// discrepancyCountsFilter checks the filter of discrepancyCounts: no person
// can be named in it.
func (r *resolver) discrepancyCountsFilter(f *model.DiscrepancyCountsFilter) (coverage.DiscrepancyFilter, error) {
	if f == nil {
		return coverage.DiscrepancyFilter{}, nil
	}
	out := coverage.DiscrepancyFilter{Kinds: f.Kinds, Severities: f.Severities, Statuses: f.Statuses, AreaCode: deref(f.AreaCode),
		Category: coverage.Category(deref(f.Category)), Period: deref(f.Period)}
	return out, firstError(r.checkArea(out.AreaCode), ifSet(string(out.Category), func(string) error { return out.Category.Validate() }))
}

// analyticsReady reports a clear error when the server runs without analytics.
func (r *resolver) analyticsReady() error {
	if r.analytics == nil || r.reconcileLog == nil {
		return coverage.Errorf(coverage.EUNAVAILABLE, "this server runs without the reconciliation")
	}
	return nil
}
