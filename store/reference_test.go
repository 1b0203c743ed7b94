package store_test

// The reference of the filter matrix (matrix_test.go): what every record list
// must answer, computed here in plain Go over the records the test wrote.
//
// It is written from the field semantics documented in coverage/query.go and
// coverage/discrepancy.go, and on purpose calls no store code (nor
// store/memindex) to filter or order: a misreading of a filter must not hide
// in both the store and its reference. The only store function used is
// store.QuarantineID, the documented identity of a quarantined record, to
// know its key.
//
// The semantics, as the reference reads them:
//   - Empty filter fields do not filter; a list matches any of its values.
//   - Area codes (city 4 digits, kecamatan 6, kelurahan 10) are prefixes of the
//     10-digit kelurahan codes under them.
//   - Date and period bounds are inclusive and compared as ISO strings. A bound
//     on an optional date (paid_at) never matches a record without that date.
//   - Contributions' and claims' AreaCode is the member's (the participant
//     with the same KPJ) domicile, claims' PayerTypes the member's payer; a
//     record whose KPJ has no participant matches neither. Contributions'
//     PayerTypes is the contribution's own payer.
//   - RosterCategories: the person with the same NIK is on the roster in any of
//     the categories, in any month. Roster FundedIn: funded_from <= month and
//     (no funded_until or month <= funded_until).
//   - ActiveOn: status ACTIVE and coverage_start <= date and (no coverage_end
//     or date <= coverage_end).
//   - Unpaid true: amount_paid < amount_due; false: amount_paid >= amount_due.
//   - NameContains: case-insensitive substring.
//   - Discrepancy Period: one of the finding's months.
//   - Orders: text values (keys, names, codes, dates, periods) compare as
//     strings with "" first, amounts as integers, instants as times; ties
//     break by the key in the same direction; descending reverses the whole
//     order.

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
)

// world is what the store holds, as the test wrote it: every record of every
// list, and two lookups the membership joins need (rebuilt by index after
// every change).
type world struct {
	participants  []coverage.Participant
	contributions []coverage.Contribution
	claims        []coverage.Claim
	roster        []coverage.RosterEntry
	discrepancies []coverage.Discrepancy
	quarantine    []coverage.Quarantined

	members    map[string]*coverage.Participant      // by KPJ
	rosterCats map[string]map[coverage.Category]bool // categories each NIK is on the roster in
}

// index rebuilds the join lookups.
func (w *world) index() {
	w.members = make(map[string]*coverage.Participant, len(w.participants))
	for i := range w.participants {
		w.members[w.participants[i].KPJ] = &w.participants[i]
	}
	w.rosterCats = map[string]map[coverage.Category]bool{}
	for _, r := range w.roster {
		if w.rosterCats[r.NIK] == nil {
			w.rosterCats[r.NIK] = map[coverage.Category]bool{}
		}
		w.rosterCats[r.NIK][r.Category] = true
	}
}

// clone copies the world, so that a path's mid-paging writes do not change
// another path's reference.
func (w *world) clone() *world {
	c := &world{
		participants:  slices.Clone(w.participants),
		contributions: slices.Clone(w.contributions),
		claims:        slices.Clone(w.claims),
		roster:        slices.Clone(w.roster),
		discrepancies: slices.Clone(w.discrepancies),
		quarantine:    slices.Clone(w.quarantine),
	}
	c.index()
	return c
}

// --- filter semantics -------------------------------------------------------

func inArea(kelurahan, area string) bool { return area == "" || strings.HasPrefix(kelurahan, area) }

func equalOrAny[T ~string](want, got T) bool { return want == "" || want == got }

func oneOf[T comparable](list []T, v T) bool { return len(list) == 0 || slices.Contains(list, v) }

func anyShared[T comparable](list, have []T) bool {
	if len(list) == 0 {
		return true
	}
	for _, v := range have {
		if slices.Contains(list, v) {
			return true
		}
	}
	return false
}

// within: an inclusive range of a required date or period; "" bounds are open.
func within[T ~string](v, from, to T) bool {
	return (from == "" || from <= v) && (to == "" || v <= to)
}

// optionalWithin: the same for an optional date; with any bound, a record
// without the date does not match.
func optionalWithin[T ~string](v, from, to T) bool {
	if from == "" && to == "" {
		return true
	}
	return v != "" && within(v, from, to)
}

func amountWithin(v int64, lo, hi *int64) bool {
	return (lo == nil || *lo <= v) && (hi == nil || v <= *hi)
}

func (w *world) onRosterIn(nik string, cats []coverage.Category) bool {
	if len(cats) == 0 {
		return true
	}
	for _, c := range cats {
		if w.rosterCats[nik][c] {
			return true
		}
	}
	return false
}

// memberIn reports whether the member of kpj lives in the area and pays with
// one of the payers; with neither asked, any record matches, member or not.
func (w *world) memberIn(kpj, area string, payers []coverage.PayerType) bool {
	if area == "" && len(payers) == 0 {
		return true
	}
	p := w.members[kpj]
	return p != nil && inArea(p.KelurahanCode, area) && oneOf(payers, p.PayerType)
}

func matchParticipant(w *world, p *coverage.Participant, f coverage.ParticipantFilter) bool {
	activeOn := f.ActiveOn == "" ||
		(p.Status == coverage.StatusActive && p.CoverageStart <= f.ActiveOn && (p.CoverageEnd == "" || f.ActiveOn <= p.CoverageEnd))
	name := f.NameContains == "" || strings.Contains(strings.ToLower(p.Name), strings.ToLower(f.NameContains))
	return inArea(p.KelurahanCode, f.AreaCode) &&
		equalOrAny(f.NIK, p.NIK) &&
		oneOf(f.Segments, p.Segment) &&
		oneOf(f.PayerTypes, p.PayerType) &&
		oneOf(f.Statuses, p.Status) &&
		oneOf(f.Genders, p.Gender) &&
		anyShared(f.Programs, p.Programs) &&
		within(p.RegisteredAt, f.RegisteredFrom, f.RegisteredTo) &&
		activeOn && name &&
		w.onRosterIn(p.NIK, f.RosterCategories)
}

func matchContribution(w *world, c *coverage.Contribution, f coverage.ContributionFilter) bool {
	unpaid := f.Unpaid == nil || *f.Unpaid == (c.AmountPaid < c.AmountDue)
	return equalOrAny(f.KPJ, c.KPJ) &&
		equalOrAny(f.NIK, c.NIK) &&
		oneOf(f.PayerTypes, c.PayerType) &&
		within(c.Period, f.PeriodFrom, f.PeriodTo) &&
		unpaid &&
		optionalWithin(c.PaidAt, f.PaidFrom, f.PaidTo) &&
		w.memberIn(c.KPJ, f.AreaCode, nil) &&
		w.onRosterIn(c.NIK, f.RosterCategories)
}

func matchClaim(w *world, c *coverage.Claim, f coverage.ClaimFilter) bool {
	return equalOrAny(f.KPJ, c.KPJ) &&
		equalOrAny(f.NIK, c.NIK) &&
		oneOf(f.Programs, c.Program) &&
		oneOf(f.Benefits, c.Benefit) &&
		oneOf(f.Statuses, c.Status) &&
		within(c.IncidentDate, f.IncidentFrom, f.IncidentTo) &&
		within(c.SubmittedAt, f.SubmittedFrom, f.SubmittedTo) &&
		optionalWithin(c.PaidAt, f.PaidFrom, f.PaidTo) &&
		amountWithin(c.AmountClaimed, f.AmountClaimedMin, f.AmountClaimedMax) &&
		amountWithin(c.AmountPaid, f.AmountPaidMin, f.AmountPaidMax) &&
		w.memberIn(c.KPJ, f.AreaCode, f.PayerTypes)
}

func matchRoster(_ *world, r *coverage.RosterEntry, f coverage.RosterFilter) bool {
	funded := f.FundedIn == "" || (r.FundedFrom <= f.FundedIn && (r.FundedUntil == "" || f.FundedIn <= r.FundedUntil))
	return inArea(r.KelurahanCode, f.AreaCode) &&
		equalOrAny(f.NIK, r.NIK) &&
		oneOf(f.Categories, r.Category) &&
		equalOrAny(f.Agency, r.Agency) &&
		funded
}

func matchDiscrepancy(_ *world, d *coverage.Discrepancy, f coverage.DiscrepancyFilter) bool {
	// A finding without an area (a declared total) is in no area.
	area := f.AreaCode == "" || (d.AreaCode != "" && strings.HasPrefix(d.AreaCode, f.AreaCode))
	return oneOf(f.Kinds, d.Kind) &&
		oneOf(f.Severities, d.Severity) &&
		oneOf(f.Statuses, d.Status) &&
		area &&
		equalOrAny(f.Category, d.Category) &&
		equalOrAny(f.NIK, d.NIK) &&
		equalOrAny(f.KPJ, d.KPJ) &&
		(f.Period == "" || slices.Contains(d.Periods, f.Period))
}

func matchQuarantined(_ *world, q *coverage.Quarantined, f coverage.QuarantineFilter) bool {
	return equalOrAny(f.Feed, q.Feed) && equalOrAny(f.RunID, q.RunID)
}

// --- order semantics --------------------------------------------------------

// sortVal is a record's value of a sort field, as the reference orders it.
type sortVal struct {
	kind byte // 't' text, 'r' rupiah, 'i' instant
	s    string
	n    int64
	t    time.Time
}

func text[T ~string](v T) sortVal { return sortVal{kind: 't', s: string(v)} }
func rupiah(n int64) sortVal      { return sortVal{kind: 'r', n: n} }
func instant(t time.Time) sortVal { return sortVal{kind: 'i', t: t} }

func (a sortVal) compare(b sortVal) int {
	switch a.kind {
	case 'r':
		return cmp.Compare(a.n, b.n)
	case 'i':
		return a.t.Compare(b.t)
	}
	return strings.Compare(a.s, b.s)
}

// cursor is the value a page's cursor carries for it (coverage.Cursor): the
// text itself, an amount in decimal, an instant in RFC 3339 UTC.
func (a sortVal) cursor() string {
	switch a.kind {
	case 'r':
		return strconv.FormatInt(a.n, 10)
	case 'i':
		return a.t.UTC().Format(time.RFC3339Nano)
	}
	return a.s
}

// noField marks a sort field a list does not have: the reference panics, the
// list definitions below must cover their Sorts.
func noField(list string, f coverage.SortField) sortVal {
	panic("reference: " + list + " has no sort field " + string(f))
}

func participantValue(p *coverage.Participant, f coverage.SortField) sortVal {
	switch f {
	case coverage.SortName:
		return text(p.Name)
	case coverage.SortRegisteredAt:
		return text(p.RegisteredAt)
	case coverage.SortCoverageStart:
		return text(p.CoverageStart)
	}
	return noField("participants", f)
}

func contributionValue(c *coverage.Contribution, f coverage.SortField) sortVal {
	switch f {
	case coverage.SortKPJ:
		return text(c.KPJ)
	case coverage.SortPeriod:
		return text(c.Period)
	case coverage.SortAmountDue:
		return rupiah(c.AmountDue)
	case coverage.SortAmountPaid:
		return rupiah(c.AmountPaid)
	case coverage.SortPaidAt:
		return text(c.PaidAt)
	}
	return noField("contributions", f)
}

func claimValue(c *coverage.Claim, f coverage.SortField) sortVal {
	switch f {
	case coverage.SortKPJ:
		return text(c.KPJ)
	case coverage.SortIncidentDate:
		return text(c.IncidentDate)
	case coverage.SortSubmittedAt:
		return text(c.SubmittedAt)
	case coverage.SortPaidAt:
		return text(c.PaidAt)
	case coverage.SortAmountClaimed:
		return rupiah(c.AmountClaimed)
	case coverage.SortAmountPaid:
		return rupiah(c.AmountPaid)
	}
	return noField("claims", f)
}

func rosterValue(r *coverage.RosterEntry, f coverage.SortField) sortVal {
	switch f {
	case coverage.SortName:
		return text(r.Name)
	case coverage.SortCategory:
		return text(r.Category)
	case coverage.SortFundedFrom:
		return text(r.FundedFrom)
	}
	return noField("roster", f)
}

func discrepancyValue(d *coverage.Discrepancy, f coverage.SortField) sortVal {
	switch f {
	case coverage.SortAmount:
		return rupiah(d.Amount)
	case coverage.SortFirstSeen:
		return instant(d.FirstSeen)
	case coverage.SortLastSeen:
		return instant(d.LastSeen)
	}
	return noField("discrepancies", f)
}

func quarantinedValue(q *coverage.Quarantined, f coverage.SortField) sortVal {
	if f == coverage.SortReceivedAt {
		return instant(q.ReceivedAt)
	}
	return noField("quarantine", f)
}

// Natural keys, as docs/store.md gives the _id of each collection.
func participantKey(p *coverage.Participant) string   { return p.KPJ }
func contributionKey(c *coverage.Contribution) string { return c.ID }
func claimKey(c *coverage.Claim) string               { return c.ClaimNo }
func rosterKey(r *coverage.RosterEntry) string        { return r.NIK + ":" + string(r.Category) }
func discrepancyKey(d *coverage.Discrepancy) string   { return d.ID }
func quarantinedKey(q *coverage.Quarantined) string   { return store.QuarantineID(q.Feed, q.Raw) }

// --- lists ------------------------------------------------------------------

// listDef is one record list: how the reference reads it and how the store is
// asked for it.
type listDef[R, F any] struct {
	name    string
	sorts   []coverage.SortField
	records func(*world) *[]R
	key     func(*R) string
	value   func(*R, coverage.SortField) sortVal
	match   func(*world, *R, F) bool
	fetch   func(context.Context, *store.Store, F, coverage.PageRequest) (coverage.Page[R], error)
	same    func(got, want *R) bool // content equality; nil: equal JSON

	// Writes, for the lists a sync writes (nil for the others).
	feed coverage.Feed
}

// reference returns the records matching f in the order o.
func (l *listDef[R, F]) reference(w *world, f F, o coverage.Order) []R {
	var out []R
	recs := l.records(w)
	for i := range *recs {
		if l.match(w, &(*recs)[i], f) {
			out = append(out, (*recs)[i])
		}
	}
	slices.SortFunc(out, func(a, b R) int { return l.compare(o, &a, &b) })
	return out
}

// compare orders two records: the sort field's value, then the key, both in
// the order's direction.
func (l *listDef[R, F]) compare(o coverage.Order, a, b *R) int {
	c := 0
	if o.Field != coverage.SortKey {
		c = l.value(a, o.Field).compare(l.value(b, o.Field))
	}
	if c == 0 {
		c = strings.Compare(l.key(a), l.key(b))
	}
	if o.Desc {
		return -c
	}
	return c
}

// pastCursor reports whether r comes after the cursor position in the order.
func (l *listDef[R, F]) pastCursor(o coverage.Order, r *R, c coverage.Cursor) bool {
	v := 0
	if o.Field != coverage.SortKey {
		mine := l.value(r, o.Field)
		v = mine.compare(parseCursorValue(mine.kind, c.Value))
	}
	if v == 0 {
		v = strings.Compare(l.key(r), c.Key)
	}
	if o.Desc {
		return v < 0
	}
	return v > 0
}

func parseCursorValue(kind byte, s string) sortVal {
	switch kind {
	case 'r':
		n, _ := strconv.ParseInt(s, 10, 64)
		return rupiah(n)
	case 'i':
		t, _ := time.Parse(time.RFC3339Nano, s)
		return instant(t)
	}
	return text(s)
}

// cursorOf is the cursor the store must give r in the order o.
func (l *listDef[R, F]) cursorOf(o coverage.Order, r *R) coverage.Cursor {
	c := coverage.Cursor{Key: l.key(r)}
	if o.Field != coverage.SortKey {
		c.Value = l.value(r, o.Field).cursor()
	}
	return c
}

func (l *listDef[R, F]) equal(got, want *R) bool {
	if l.same != nil {
		return l.same(got, want)
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	return string(g) == string(w)
}

// put writes records into the world (by key) and delete removes keys.
func (l *listDef[R, F]) put(w *world, rs ...R) {
	recs := l.records(w)
	for _, r := range rs {
		k := l.key(&r)
		if i := slices.IndexFunc(*recs, func(x R) bool { return l.key(&x) == k }); i >= 0 {
			(*recs)[i] = r
		} else {
			*recs = append(*recs, r)
		}
	}
	w.index()
}

func (l *listDef[R, F]) delete(w *world, keys ...string) {
	recs := l.records(w)
	*recs = slices.DeleteFunc(*recs, func(x R) bool { return slices.Contains(keys, l.key(&x)) })
	w.index()
}

var (
	participantList = &listDef[coverage.Participant, coverage.ParticipantFilter]{
		name: "participants", sorts: coverage.ParticipantSorts, feed: coverage.FeedParticipants,
		records: func(w *world) *[]coverage.Participant { return &w.participants },
		key:     participantKey, value: participantValue, match: matchParticipant,
		fetch: func(ctx context.Context, s *store.Store, f coverage.ParticipantFilter, p coverage.PageRequest) (coverage.Page[coverage.Participant], error) {
			return s.Participants(ctx, f, p)
		},
	}
	contributionList = &listDef[coverage.Contribution, coverage.ContributionFilter]{
		name: "contributions", sorts: coverage.ContributionSorts, feed: coverage.FeedContributions,
		records: func(w *world) *[]coverage.Contribution { return &w.contributions },
		key:     contributionKey, value: contributionValue, match: matchContribution,
		fetch: func(ctx context.Context, s *store.Store, f coverage.ContributionFilter, p coverage.PageRequest) (coverage.Page[coverage.Contribution], error) {
			return s.Contributions(ctx, f, p)
		},
	}
	claimList = &listDef[coverage.Claim, coverage.ClaimFilter]{
		name: "claims", sorts: coverage.ClaimSorts, feed: coverage.FeedClaims,
		records: func(w *world) *[]coverage.Claim { return &w.claims },
		key:     claimKey, value: claimValue, match: matchClaim,
		fetch: func(ctx context.Context, s *store.Store, f coverage.ClaimFilter, p coverage.PageRequest) (coverage.Page[coverage.Claim], error) {
			return s.Claims(ctx, f, p)
		},
	}
	rosterList = &listDef[coverage.RosterEntry, coverage.RosterFilter]{
		name: "roster", sorts: coverage.RosterSorts, feed: coverage.FeedRoster,
		records: func(w *world) *[]coverage.RosterEntry { return &w.roster },
		key:     rosterKey, value: rosterValue, match: matchRoster,
		fetch: func(ctx context.Context, s *store.Store, f coverage.RosterFilter, p coverage.PageRequest) (coverage.Page[coverage.RosterEntry], error) {
			return s.Roster(ctx, f, p)
		},
	}
	discrepancyList = &listDef[coverage.Discrepancy, coverage.DiscrepancyFilter]{
		name: "discrepancies", sorts: coverage.DiscrepancySorts,
		records: func(w *world) *[]coverage.Discrepancy { return &w.discrepancies },
		key:     discrepancyKey, value: discrepancyValue, match: matchDiscrepancy,
		fetch: func(ctx context.Context, s *store.Store, f coverage.DiscrepancyFilter, p coverage.PageRequest) (coverage.Page[coverage.Discrepancy], error) {
			return s.Discrepancies(ctx, f, p)
		},
		same: sameDiscrepancy,
	}
	quarantineList = &listDef[coverage.Quarantined, coverage.QuarantineFilter]{
		name: "quarantine", sorts: coverage.QuarantineSorts,
		records: func(w *world) *[]coverage.Quarantined { return &w.quarantine },
		key:     quarantinedKey, value: quarantinedValue, match: matchQuarantined,
		fetch: func(ctx context.Context, s *store.Store, f coverage.QuarantineFilter, p coverage.PageRequest) (coverage.Page[coverage.Quarantined], error) {
			return s.Quarantine(ctx, f, p)
		},
		same: func(got, want *coverage.Quarantined) bool {
			return got.ID == quarantinedKey(want) && got.Feed == want.Feed && got.RunID == want.RunID && got.Key == want.Key &&
				got.Raw == want.Raw && got.Reason == want.Reason && got.ReceivedAt.Equal(want.ReceivedAt)
		},
	}
)

// sameDiscrepancy compares what the test set: the finding, the status and
// the first and last seen times (the officers' fields are not modelled).
func sameDiscrepancy(got, want *coverage.Discrepancy) bool {
	gf, wf := got.Finding, want.Finding
	if len(gf.Periods) == 0 && len(wf.Periods) == 0 { // no months: nil or empty alike
		gf.Periods, wf.Periods = nil, nil
	}
	g, _ := json.Marshal(gf)
	w, _ := json.Marshal(wf)
	return string(g) == string(w) && got.Status == want.Status &&
		got.FirstSeen.Equal(want.FirstSeen) && got.LastSeen.Equal(want.LastSeen)
}
