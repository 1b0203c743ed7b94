package graph

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// The resolvers read through the stores and analytics of this file, never
// the configured ones directly: each call limits its answer to the caller of
// the request it serves (the Principal in ctx), whichever field, nesting or
// batch it comes from.
//
//   - A caller limited to an area (an officer: Principal.Area, a kecamatan or
//     kelurahan) sees that area only. Every filter's AreaCode is intersected
//     with it: a narrower code is kept, a broader or empty one becomes the
//     area, a disjoint one matches nothing (an empty page, no store call). A
//     single record of another area is ENOTFOUND, answered exactly as a
//     record that does not exist. Figures are computed for the area; one that
//     cannot be (the APBD programme) is FORBIDDEN rather than city-wide.
//   - A caller who sees personal data masked (an analyst) cannot select
//     records by it either: a filter by NIK or name is FORBIDDEN, or the
//     masking would be undone by asking; nor look a discrepancy up by id
//     (discrepancyid.go).
//   - A selection by NIK or name that others make is audited as a read of
//     personal data ("selection:nik", "selection:name"), with the records
//     it returned, whatever fields the query asks for.
//   - A context without a caller gets nothing (UNAUTHENTICATED): the scope
//     fails closed.
//
// Nested lists under an in-scope record (a participant's contributions,
// claims and roster entries) are still intersected with the area: a roster
// entry filed under another kelurahan is not shown.

// scope is the part of the data a caller may see.
type scope struct {
	area   string // "" for the whole city and beyond
	masked bool   // personal data masked: no selection by it
}

// scopeOf returns the scope of ctx's caller.
func scopeOf(ctx context.Context) (scope, error) {
	p, ok := PrincipalFrom(ctx)
	switch {
	case !ok:
		return scope{}, coverage.Errorf(coverage.EUNAUTHENTICATED, "no caller in this request")
	case p.Role == RoleOfficer && p.Area == "":
		return scope{}, coverage.Errorf(coverage.EFORBIDDEN, "%s is an OFFICER without an area: its key or token must name a kecamatan or kelurahan", p.Name)
	}
	return scope{area: p.Area, masked: p.Role == RoleAnalyst}, nil
}

// contains reports whether an area code (a record's kelurahan, a finding's
// area) lies within the scope. The city's codes nest by prefix: 3672,
// 367201, 3672011001.
func (s scope) contains(code string) bool {
	return s.area == "" || strings.HasPrefix(code, s.area)
}

// narrow intersects a filter's area code with the scope: the code when it is
// within, the scope's area when the code is broader or empty; false when
// they are disjoint.
func (s scope) narrow(code string) (string, bool) {
	switch {
	case s.area == "" || (code != "" && strings.HasPrefix(code, s.area)):
		return code, true
	case code == "" || strings.HasPrefix(s.area, code):
		return s.area, true
	}
	return "", false
}

// restrict applies ctx's scope to a filter: it narrows *area and refuses
// selectors of personal data (a NIK, a name) for masked callers. ok false
// with a nil error means nothing can match.
func restrict(ctx context.Context, area *string, personal ...string) (ok bool, err error) {
	s, err := scopeOf(ctx)
	if err != nil {
		return false, err
	}
	if s.masked && slices.ContainsFunc(personal, func(v string) bool { return v != "" }) {
		return false, coverage.Errorf(coverage.EFORBIDDEN, "%s sees personal data masked and cannot select records by NIK or name", caller(ctx).Name)
	}
	*area, ok = s.narrow(*area)
	return ok, nil
}

// selector is a filter's selection by personal data: its audit field and
// the value asked for ("" when not selected).
type selector struct{ field, value string }

func byNIK(v string) selector  { return selector{"selection:nik", v} }
func byName(v string) selector { return selector{"selection:name", v} }

// auditSelection counts a selection by a NIK or a name in the request's
// audit entry as a personal-data read of the records it returned (audit.go).
// A selection refused (err, e.g. FORBIDDEN to a masked caller) read nothing.
func auditSelection[T any](ctx context.Context, err error, items []T, by ...selector) {
	a := auditOf(ctx)
	if a == nil || err != nil {
		return
	}
	var fields []string
	for _, s := range by {
		if s.value != "" {
			fields = append(fields, s.field)
		}
	}
	if len(fields) == 0 {
		return
	}
	recs := make([]any, len(items))
	for i := range items {
		recs[i] = &items[i]
	}
	a.selected(fields, recs)
}

// inScope returns ENOTFOUND (as missing) for a record outside ctx's scope.
func inScope(ctx context.Context, code string, missing *coverage.Error) error {
	s, err := scopeOf(ctx)
	if err != nil {
		return err
	}
	if !s.contains(code) {
		return missing
	}
	return nil
}

// scopedRecords is coverage.Records within the caller's scope.
type scopedRecords struct{ next coverage.Records }

var _ coverage.Records = scopedRecords{}

func (s scopedRecords) Participants(ctx context.Context, f coverage.ParticipantFilter, p coverage.PageRequest) (coverage.Page[coverage.Participant], error) {
	if ok, err := restrict(ctx, &f.AreaCode, f.NIK, f.NameContains); !ok {
		auditSelection[coverage.Participant](ctx, err, nil, byNIK(f.NIK), byName(f.NameContains))
		return coverage.Page[coverage.Participant]{}, err
	}
	pg, err := s.next.Participants(ctx, f, p)
	auditSelection(ctx, err, pg.Items, byNIK(f.NIK), byName(f.NameContains))
	return pg, err
}

func (s scopedRecords) Participant(ctx context.Context, kpj string) (*coverage.Participant, error) {
	p, err := s.next.Participant(ctx, kpj)
	if err != nil {
		return nil, err
	}
	if err := inScope(ctx, p.KelurahanCode, coverage.Errorf(coverage.ENOTFOUND, "no participant with KPJ %s", kpj)); err != nil {
		return nil, err
	}
	return p, nil
}

func (s scopedRecords) Contributions(ctx context.Context, f coverage.ContributionFilter, p coverage.PageRequest) (coverage.Page[coverage.Contribution], error) {
	if ok, err := restrict(ctx, &f.AreaCode, f.NIK); !ok {
		auditSelection[coverage.Contribution](ctx, err, nil, byNIK(f.NIK))
		return coverage.Page[coverage.Contribution]{}, err
	}
	pg, err := s.next.Contributions(ctx, f, p)
	auditSelection(ctx, err, pg.Items, byNIK(f.NIK))
	return pg, err
}

func (s scopedRecords) Claims(ctx context.Context, f coverage.ClaimFilter, p coverage.PageRequest) (coverage.Page[coverage.Claim], error) {
	if ok, err := restrict(ctx, &f.AreaCode, f.NIK); !ok {
		auditSelection[coverage.Claim](ctx, err, nil, byNIK(f.NIK))
		return coverage.Page[coverage.Claim]{}, err
	}
	pg, err := s.next.Claims(ctx, f, p)
	auditSelection(ctx, err, pg.Items, byNIK(f.NIK))
	return pg, err
}

func (s scopedRecords) Roster(ctx context.Context, f coverage.RosterFilter, p coverage.PageRequest) (coverage.Page[coverage.RosterEntry], error) {
	if ok, err := restrict(ctx, &f.AreaCode, f.NIK); !ok {
		auditSelection[coverage.RosterEntry](ctx, err, nil, byNIK(f.NIK))
		return coverage.Page[coverage.RosterEntry]{}, err
	}
	pg, err := s.next.Roster(ctx, f, p)
	auditSelection(ctx, err, pg.Items, byNIK(f.NIK))
	return pg, err
}

// Workforce keeps the targets of areas within the scope (the filter's area
// is exact, not a prefix).
func (s scopedRecords) Workforce(ctx context.Context, f coverage.WorkforceFilter) ([]coverage.WorkforceTarget, error) {
	sc, err := scopeOf(ctx)
	if err != nil || (f.AreaCode != "" && !sc.contains(f.AreaCode)) {
		return nil, err
	}
	ts, err := s.next.Workforce(ctx, f)
	return slices.DeleteFunc(ts, func(t coverage.WorkforceTarget) bool { return !sc.contains(t.AreaCode) }), err
}

func (s scopedRecords) ContributionsByKPJ(ctx context.Context, kpjs []string, f coverage.ContributionFilter, p coverage.PageRequest) (map[string]coverage.Page[coverage.Contribution], error) {
	if ok, err := restrict(ctx, &f.AreaCode); !ok {
		return nil, err
	}
	return s.next.ContributionsByKPJ(ctx, kpjs, f, p)
}

func (s scopedRecords) ClaimsByKPJ(ctx context.Context, kpjs []string, f coverage.ClaimFilter, p coverage.PageRequest) (map[string]coverage.Page[coverage.Claim], error) {
	if ok, err := restrict(ctx, &f.AreaCode); !ok {
		return nil, err
	}
	return s.next.ClaimsByKPJ(ctx, kpjs, f, p)
}

// RosterByNIK answers a participant's roster entries within the scope: a
// person's entries are filed under the kelurahan each roster names, which
// need not be the participant's, so an entry of another area is dropped.
func (s scopedRecords) RosterByNIK(ctx context.Context, niks []string) (map[string][]coverage.RosterEntry, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.next.RosterByNIK(ctx, niks)
	if err != nil || sc.area == "" {
		return m, err
	}
	out := make(map[string][]coverage.RosterEntry, len(m)) // the store's slices may be shared: copied, not filtered in place
	for nik, es := range m {
		for _, e := range es {
			if sc.contains(e.KelurahanCode) {
				out[nik] = append(out[nik], e)
			}
		}
	}
	return out, nil
}

// scopedSyncLog is coverage.SyncLog within the caller's scope: runs are
// operations (the policy keeps officers out), quarantined records have no
// area and are nothing to an area-limited caller.
type scopedSyncLog struct{ next coverage.SyncLog }

var _ coverage.SyncLog = scopedSyncLog{}

func (s scopedSyncLog) SyncRuns(ctx context.Context, feed coverage.Feed, first int) ([]coverage.SyncRun, error) {
	if _, err := scopeOf(ctx); err != nil {
		return nil, err
	}
	return s.next.SyncRuns(ctx, feed, first)
}

func (s scopedSyncLog) LatestSucceededRun(ctx context.Context, feed coverage.Feed) (*coverage.SyncRun, error) {
	if _, err := scopeOf(ctx); err != nil {
		return nil, err
	}
	return s.next.LatestSucceededRun(ctx, feed)
}

func (s scopedSyncLog) SyncRun(ctx context.Context, id string) (*coverage.SyncRun, error) {
	if _, err := scopeOf(ctx); err != nil {
		return nil, err
	}
	return s.next.SyncRun(ctx, id)
}

func (s scopedSyncLog) Quarantine(ctx context.Context, f coverage.QuarantineFilter, p coverage.PageRequest) (coverage.Page[coverage.Quarantined], error) {
	if sc, err := scopeOf(ctx); err != nil || sc.area != "" {
		return coverage.Page[coverage.Quarantined]{}, err
	}
	return s.next.Quarantine(ctx, f, p)
}

// scopedReconcileLog is ReconcileLog within the caller's scope: findings are
// filed under the kelurahan of the person's domicile (Finding.AreaCode); a
// city-wide one (a declared total) is outside every area.
type scopedReconcileLog struct{ next ReconcileLog }

var _ ReconcileLog = scopedReconcileLog{}

func (s scopedReconcileLog) Discrepancies(ctx context.Context, f coverage.DiscrepancyFilter, p coverage.PageRequest) (coverage.Page[coverage.Discrepancy], error) {
	if ok, err := restrict(ctx, &f.AreaCode, f.NIK); !ok {
		auditSelection[coverage.Discrepancy](ctx, err, nil, byNIK(f.NIK))
		return coverage.Page[coverage.Discrepancy]{}, err
	}
	pg, err := s.next.Discrepancies(ctx, f, p)
	auditSelection(ctx, err, pg.Items, byNIK(f.NIK))
	return pg, err
}

func (s scopedReconcileLog) DiscrepancyCounts(ctx context.Context, f coverage.DiscrepancyFilter) (map[coverage.DiscrepancyKind]coverage.KindTally, error) {
	if ok, err := restrict(ctx, &f.AreaCode, f.NIK); !ok {
		auditSelection[coverage.Discrepancy](ctx, err, nil, byNIK(f.NIK))
		return map[coverage.DiscrepancyKind]coverage.KindTally{}, err
	}
	counts, err := s.next.DiscrepancyCounts(ctx, f)
	auditSelection[coverage.Discrepancy](ctx, err, nil, byNIK(f.NIK))
	return counts, err
}

// Discrepancy is FORBIDDEN to a masked caller: its ids are not the stored
// ones (discrepancyid.go).
func (s scopedReconcileLog) Discrepancy(ctx context.Context, id string) (*coverage.Discrepancy, error) {
	if sc, err := scopeOf(ctx); err != nil {
		return nil, err
	} else if sc.masked {
		return nil, errDiscrepancyByID(ctx)
	}
	d, err := s.next.Discrepancy(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := inScope(ctx, d.AreaCode, coverage.Errorf(coverage.ENOTFOUND, "no discrepancy %q", id)); err != nil {
		return nil, err
	}
	return d, nil
}

func (s scopedReconcileLog) AcknowledgeDiscrepancy(ctx context.Context, id, by string, at time.Time) (*coverage.Discrepancy, error) {
	if _, err := s.Discrepancy(ctx, id); err != nil {
		return nil, err
	}
	return s.next.AcknowledgeDiscrepancy(ctx, id, by, at)
}

func (s scopedReconcileLog) ResolveDiscrepancy(ctx context.Context, id, by, note string, at time.Time) (*coverage.Discrepancy, error) {
	if _, err := s.Discrepancy(ctx, id); err != nil {
		return nil, err
	}
	return s.next.ResolveDiscrepancy(ctx, id, by, note, at)
}

func (s scopedReconcileLog) ReconcileRuns(ctx context.Context, first int) ([]coverage.ReconcileRun, error) {
	if _, err := scopeOf(ctx); err != nil {
		return nil, err
	}
	return s.next.ReconcileRuns(ctx, first)
}

// scopedAnalytics is Analytics within the caller's scope. Analytics answers
// from memory without a context; these methods take the request's.
type scopedAnalytics struct{ next Analytics }

// areaOf intersects the area a figure is asked for with ctx's scope; a
// disjoint area is FORBIDDEN (figures of zero would be false, not empty).
func areaOf(ctx context.Context, code string) (string, error) {
	s, err := scopeOf(ctx)
	if err != nil {
		return "", err
	}
	area, ok := s.narrow(code)
	if !ok {
		return "", coverage.Errorf(coverage.EFORBIDDEN, "area %s is outside your area %s", code, s.area)
	}
	return area, nil
}

// The figures are computed one at a time in a request (requestlimits.go): a
// request's many aliases of a figure do not all hold their answers, or the
// CPU, at once. The changes go through the request's store call slots.

func (a scopedAnalytics) Coverage(ctx context.Context, f reconcile.Filter, groupBy []reconcile.Dimension, g reconcile.Granularity) (ans reconcile.Answer, snap *reconcile.Rollup, err error) {
	if f.AreaCode, err = areaOf(ctx, f.AreaCode); err != nil {
		return reconcile.Answer{}, nil, err
	}
	err = figure(ctx, func() (err error) {
		ans, snap, err = a.next.Coverage(f, groupBy, g)
		return err
	})
	return ans, snap, err
}

func (a scopedAnalytics) UniversalCoverage(ctx context.Context, year int, area string) (u reconcile.UCJ, snap *reconcile.Rollup, err error) {
	if area, err = areaOf(ctx, area); err != nil {
		return reconcile.UCJ{}, nil, err
	}
	err = figure(ctx, func() (err error) {
		u, snap, err = a.next.UniversalCoverage(year, area)
		return err
	})
	return u, snap, err
}

// APBDProgram is city-wide: it has no answer for an area.
func (a scopedAnalytics) APBDProgram(ctx context.Context, year int) (reconcile.Program, []reconcile.DeclaredComparison, *reconcile.Rollup, error) {
	s, err := scopeOf(ctx)
	if err == nil && s.area != "" {
		err = coverage.Errorf(coverage.EFORBIDDEN, "the APBD programme is city-wide and cannot be limited to your area %s", s.area)
	}
	if err != nil {
		return reconcile.Program{}, nil, nil, err
	}
	var (
		p        reconcile.Program
		declared []reconcile.DeclaredComparison
		snap     *reconcile.Rollup
	)
	err = figure(ctx, func() (err error) {
		p, declared, snap, err = a.next.APBDProgram(year)
		return err
	})
	return p, declared, snap, err
}

// DeclaredTotals keeps the figures declared for areas within the scope (a
// city-wide one is outside every area).
func (a scopedAnalytics) DeclaredTotals(ctx context.Context, year int) ([]reconcile.DeclaredComparison, error) {
	s, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	var ds []reconcile.DeclaredComparison
	err = figure(ctx, func() (err error) {
		ds, err = a.next.DeclaredTotals(year)
		return err
	})
	return slices.DeleteFunc(ds, func(d reconcile.DeclaredComparison) bool { return !s.contains(d.AreaCode) }), err
}

func (a scopedAnalytics) Reconcile(ctx context.Context, trigger string) (coverage.ReconcileRun, error) {
	return slot(ctx, "Reconcile", func(ctx context.Context) (coverage.ReconcileRun, error) { return a.next.Reconcile(ctx, trigger) })
}

func (a scopedAnalytics) SetDeclaredTotal(ctx context.Context, d coverage.DeclaredTotal) (reconcile.DeclaredComparison, error) {
	return slot(ctx, "SetDeclaredTotal", func(ctx context.Context) (reconcile.DeclaredComparison, error) {
		return a.next.SetDeclaredTotal(ctx, d)
	})
}

func (a scopedAnalytics) SetWorkforceTarget(ctx context.Context, w coverage.WorkforceTarget, by string) (coverage.WorkforceTarget, error) {
	return slot(ctx, "SetWorkforceTarget", func(ctx context.Context) (coverage.WorkforceTarget, error) {
		return a.next.SetWorkforceTarget(ctx, w, by)
	})
}
