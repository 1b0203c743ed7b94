package memindex

import (
	"strings"

	"github.com/cilegon/jamsostek/coverage"
)

// The rows of each list and their filters. Every filter here has the
// semantics of the same filter on the MongoDB path (store/read.go).

type participant struct {
	kpj, nik                       int32
	kelurahan                      string
	name, lowerName                string
	segment, payer, status, gender int32
	programs                       uint64
	registered, covStart, covEnd   int32
}

type contribution struct {
	kpj, nik  int32
	period    int32
	due, paid int64
	paidAt    int32
	payer     int32
}

type claim struct {
	kpj, nik                    int32
	program, benefit, status    int32
	incident, submitted, paidAt int32
	claimed, paid               int64
}

type rosterRow struct {
	nik               int32
	name              string
	category, agency  int32
	kelurahan         string
	fundedFrom, until int32
}

type discrepancy struct {
	kind, severity, status, category int32
	nik, kpj                         int32
	area                             string
	periods                          []int32
	amount                           int64
	firstSeen, lastSeen              int64
}

type quarantined struct {
	feed, run int32
	received  int64
}

// PutParticipants adds or replaces participants.
func (x *Index) PutParticipants(ps []coverage.Participant) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range ps {
		p := &ps[i]
		var programs uint64
		for _, pr := range p.Programs {
			programs |= 1 << x.programBit(pr)
		}
		x.participants.put(p.KPJ, participant{
			kpj: x.kpjs.id(p.KPJ), nik: x.niks.id(p.NIK), kelurahan: strings.Clone(p.KelurahanCode),
			name: strings.Clone(p.Name), lowerName: strings.Clone(strings.ToLower(p.Name)),
			segment: x.syms.id(string(p.Segment)), payer: x.syms.id(string(p.PayerType)),
			status: x.syms.id(string(p.Status)), gender: x.syms.id(string(p.Gender)), programs: programs,
			registered: dateNum(p.RegisteredAt), covStart: dateNum(p.CoverageStart), covEnd: dateNum(p.CoverageEnd),
		})
	}
}

// programBit is the bit of a program in a participant's program set. Programs
// are a closed list of five; a sixth and later share the last bit, which only
// widens a programs filter on such unknown codes, never narrows it.
func (x *Index) programBit(p coverage.Program) uint {
	if b, ok := x.programs[p]; ok {
		return b
	}
	b := min(uint(len(x.programs)), 63)
	x.programs[p] = b
	return b
}

// PutContributions adds or replaces contributions.
func (x *Index) PutContributions(cs []coverage.Contribution) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range cs {
		c := &cs[i]
		x.contributions.put(c.ID, contribution{
			kpj: x.kpjs.id(c.KPJ), nik: x.niks.id(c.NIK), period: periodNum(c.Period),
			due: c.AmountDue, paid: c.AmountPaid, paidAt: dateNum(c.PaidAt), payer: x.syms.id(string(c.PayerType)),
		})
	}
}

// PutClaims adds or replaces claims.
func (x *Index) PutClaims(cs []coverage.Claim) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range cs {
		c := &cs[i]
		x.claims.put(c.ClaimNo, claim{
			kpj: x.kpjs.id(c.KPJ), nik: x.niks.id(c.NIK),
			program: x.syms.id(string(c.Program)), benefit: x.syms.id(string(c.Benefit)), status: x.syms.id(string(c.Status)),
			incident: dateNum(c.IncidentDate), submitted: dateNum(c.SubmittedAt), paidAt: dateNum(c.PaidAt),
			claimed: c.AmountClaimed, paid: c.AmountPaid,
		})
	}
}

// PutRoster adds or replaces roster entries.
func (x *Index) PutRoster(es []coverage.RosterEntry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range es {
		e := &es[i]
		x.roster.put(e.Key(), rosterRow{
			nik: x.niks.id(e.NIK), name: strings.Clone(e.Name), category: x.syms.id(string(e.Category)), agency: x.syms.id(e.Agency),
			kelurahan: strings.Clone(e.KelurahanCode), fundedFrom: periodNum(e.FundedFrom), until: periodNum(e.FundedUntil),
		})
	}
}

// PutDiscrepancies adds or replaces discrepancies.
func (x *Index) PutDiscrepancies(ds []coverage.Discrepancy) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range ds {
		d := &ds[i]
		periods := make([]int32, len(d.Periods))
		for k, p := range d.Periods {
			periods[k] = periodNum(p)
		}
		row := discrepancy{
			kind: x.syms.id(string(d.Kind)), severity: x.syms.id(string(d.Severity)), status: x.syms.id(string(d.Status)),
			category: x.syms.id(string(d.Category)), nik: -1, kpj: -1, area: strings.Clone(d.AreaCode), periods: periods,
			amount: d.Amount, firstSeen: d.FirstSeen.UnixNano(), lastSeen: d.LastSeen.UnixNano(),
		}
		if d.NIK != "" {
			row.nik = x.niks.id(d.NIK)
		}
		if d.KPJ != "" {
			row.kpj = x.kpjs.id(d.KPJ)
		}
		x.discrepancies.put(d.ID, row)
	}
}

// PutQuarantined adds or replaces quarantined records.
func (x *Index) PutQuarantined(qs []coverage.Quarantined) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range qs {
		q := &qs[i]
		x.quarantine.put(q.ID, quarantined{feed: x.syms.id(string(q.Feed)), run: x.syms.id(q.RunID), received: q.ReceivedAt.UnixNano()})
	}
}

// List names a list, for Delete.
type List int

const (
	Participants List = iota
	Contributions
	Claims
	Roster
	Discrepancies
	Quarantine
)

// Delete removes the records of the keys from a list.
func (x *Index) Delete(l List, keys []string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	var remove func(string)
	switch l {
	case Participants:
		remove = x.participants.remove
	case Contributions:
		remove = x.contributions.remove
	case Claims:
		remove = x.claims.remove
	case Roster:
		remove = x.roster.remove
	case Discrepancies:
		remove = x.discrepancies.remove
	case Quarantine:
		remove = x.quarantine.remove
	}
	for _, k := range keys {
		remove(k)
	}
}

// Sort values of each list.

func (x *Index) participantValue(r *participant, f coverage.SortField) sortValue {
	switch f {
	case coverage.SortName:
		return sortValue{s: r.name}
	case coverage.SortRegisteredAt:
		return sortValue{n: int64(r.registered)}
	case coverage.SortCoverageStart:
		return sortValue{n: int64(r.covStart)}
	}
	return sortValue{}
}

func (x *Index) contributionValue(r *contribution, f coverage.SortField) sortValue {
	switch f {
	case coverage.SortKPJ:
		return sortValue{s: x.kpjs.name(r.kpj)}
	case coverage.SortPeriod:
		return sortValue{n: int64(r.period)}
	case coverage.SortAmountDue:
		return sortValue{n: r.due}
	case coverage.SortAmountPaid:
		return sortValue{n: r.paid}
	case coverage.SortPaidAt:
		return sortValue{n: int64(r.paidAt)}
	}
	return sortValue{}
}

func (x *Index) claimValue(r *claim, f coverage.SortField) sortValue {
	switch f {
	case coverage.SortKPJ:
		return sortValue{s: x.kpjs.name(r.kpj)}
	case coverage.SortIncidentDate:
		return sortValue{n: int64(r.incident)}
	case coverage.SortSubmittedAt:
		return sortValue{n: int64(r.submitted)}
	case coverage.SortPaidAt:
		return sortValue{n: int64(r.paidAt)}
	case coverage.SortAmountClaimed:
		return sortValue{n: r.claimed}
	case coverage.SortAmountPaid:
		return sortValue{n: r.paid}
	}
	return sortValue{}
}

func (x *Index) rosterValue(r *rosterRow, f coverage.SortField) sortValue {
	switch f {
	case coverage.SortName:
		return sortValue{s: r.name}
	case coverage.SortCategory:
		return sortValue{s: x.syms.name(r.category)}
	case coverage.SortFundedFrom:
		return sortValue{n: int64(r.fundedFrom)}
	}
	return sortValue{}
}

func (x *Index) discrepancyValue(r *discrepancy, f coverage.SortField) sortValue {
	switch f {
	case coverage.SortAmount:
		return sortValue{n: r.amount}
	case coverage.SortFirstSeen:
		return sortValue{n: r.firstSeen}
	case coverage.SortLastSeen:
		return sortValue{n: r.lastSeen}
	}
	return sortValue{}
}

func (x *Index) quarantinedValue(r *quarantined, f coverage.SortField) sortValue {
	if f == coverage.SortReceivedAt {
		return sortValue{n: r.received}
	}
	return sortValue{}
}

// Joins: the members (KPJs) in an area with a payer, the people (NIKs) on the
// roster in a category. Each is a pass over the participants or the roster,
// marking ids, so that the filter itself is an array lookup per row.

func (x *Index) members(area string, payers []coverage.PayerType) set {
	in := setOf(&x.syms, payers)
	out := make(set, len(x.kpjs.names))
	t := x.participants
	for i := range t.rows {
		r := &t.rows[i]
		if t.keys[i] != "" && strings.HasPrefix(r.kelurahan, area) && (len(payers) == 0 || in.has(r.payer)) {
			out[r.kpj] = true
		}
	}
	return out
}

func (x *Index) onRoster(cats []coverage.Category) set {
	in := setOf(&x.syms, cats)
	out := make(set, len(x.niks.names))
	t := x.roster
	for i := range t.rows {
		if t.keys[i] != "" && in.has(t.rows[i].category) {
			out[t.rows[i].nik] = true
		}
	}
	return out
}

// Participants answers a page of participants. The filter has been checked
// (store/read.go).
func (x *Index) Participants(f coverage.ParticipantFilter, p coverage.PageRequest) (Result, error) {
	return run(x, func() *table[participant] { return x.participants }, func() query[participant] { return x.participantQuery(f) }, p)
}

func (x *Index) participantQuery(f coverage.ParticipantFilter) query[participant] {
	var q filter[participant]
	if f.AreaCode != "" {
		q.where(func(r *participant) bool { return strings.HasPrefix(r.kelurahan, f.AreaCode) })
	}
	member(&q, &x.niks, f.NIK, x.participants, 0, func(r *participant) int32 { return r.nik })
	anyOf(&q, &x.syms, f.Segments, func(r *participant) int32 { return r.segment })
	anyOf(&q, &x.syms, f.PayerTypes, func(r *participant) int32 { return r.payer })
	anyOf(&q, &x.syms, f.Statuses, func(r *participant) int32 { return r.status })
	anyOf(&q, &x.syms, f.Genders, func(r *participant) int32 { return r.gender })
	if len(f.Programs) > 0 {
		var mask uint64
		for _, pr := range f.Programs {
			if b, ok := x.programs[pr]; ok {
				mask |= 1 << b
			}
		}
		q.where(func(r *participant) bool { return r.programs&mask != 0 })
	}
	dateRange(&q, coverage.SortRegisteredAt, dateNum(f.RegisteredFrom), dateNum(f.RegisteredTo), false, func(r *participant) int32 { return r.registered })
	if f.ActiveOn != "" {
		on := dateNum(f.ActiveOn)
		active, ok := x.syms.lookup(string(coverage.StatusActive))
		if !ok {
			active = -2
		}
		q.where(func(r *participant) bool {
			return r.status == active && r.covStart <= on && (r.covEnd == 0 || r.covEnd >= on)
		})
	}
	if f.NameContains != "" {
		sub := strings.ToLower(f.NameContains)
		q.where(func(r *participant) bool { return strings.Contains(r.lowerName, sub) })
	}
	if len(f.RosterCategories) > 0 {
		niks := x.onRoster(f.RosterCategories)
		q.where(func(r *participant) bool { return niks.has(r.nik) })
	}
	return q.query()
}

// Contributions answers a page of contributions.
func (x *Index) Contributions(f coverage.ContributionFilter, p coverage.PageRequest) (Result, error) {
	return run(x, func() *table[contribution] { return x.contributions }, func() query[contribution] { return x.contributionQuery(f) }, p)
}

// ContributionsByKPJ answers a page of each member's contributions.
func (x *Index) ContributionsByKPJ(kpjs []string, f coverage.ContributionFilter, p coverage.PageRequest) (map[string]Result, error) {
	f.KPJ = ""
	return runBy(x, func() *table[contribution] { return x.contributions }, 0, &x.kpjs, kpjs, func() query[contribution] { return x.contributionQuery(f) }, p)
}

func (x *Index) contributionQuery(f coverage.ContributionFilter) query[contribution] {
	var q filter[contribution]
	member(&q, &x.kpjs, f.KPJ, x.contributions, 0, func(r *contribution) int32 { return r.kpj })
	member(&q, &x.niks, f.NIK, x.contributions, 1, func(r *contribution) int32 { return r.nik })
	anyOf(&q, &x.syms, f.PayerTypes, func(r *contribution) int32 { return r.payer })
	dateRange(&q, coverage.SortPeriod, periodNum(f.PeriodFrom), periodNum(f.PeriodTo), false, func(r *contribution) int32 { return r.period })
	if f.Unpaid != nil {
		unpaid := *f.Unpaid
		q.where(func(r *contribution) bool { return (r.due-r.paid > 0) == unpaid })
	}
	dateRange(&q, coverage.SortPaidAt, dateNum(f.PaidFrom), dateNum(f.PaidTo), true, func(r *contribution) int32 { return r.paidAt })
	if f.AreaCode != "" {
		in := x.members(f.AreaCode, nil)
		q.where(func(r *contribution) bool { return in.has(r.kpj) })
	}
	if len(f.RosterCategories) > 0 {
		niks := x.onRoster(f.RosterCategories)
		q.where(func(r *contribution) bool { return niks.has(r.nik) })
	}
	return q.query()
}

// Claims answers a page of claims.
func (x *Index) Claims(f coverage.ClaimFilter, p coverage.PageRequest) (Result, error) {
	return run(x, func() *table[claim] { return x.claims }, func() query[claim] { return x.claimQuery(f) }, p)
}

// ClaimsByKPJ answers a page of each member's claims.
func (x *Index) ClaimsByKPJ(kpjs []string, f coverage.ClaimFilter, p coverage.PageRequest) (map[string]Result, error) {
	f.KPJ = ""
	return runBy(x, func() *table[claim] { return x.claims }, 0, &x.kpjs, kpjs, func() query[claim] { return x.claimQuery(f) }, p)
}

func (x *Index) claimQuery(f coverage.ClaimFilter) query[claim] {
	var q filter[claim]
	member(&q, &x.kpjs, f.KPJ, x.claims, 0, func(r *claim) int32 { return r.kpj })
	member(&q, &x.niks, f.NIK, x.claims, 1, func(r *claim) int32 { return r.nik })
	anyOf(&q, &x.syms, f.Programs, func(r *claim) int32 { return r.program })
	anyOf(&q, &x.syms, f.Benefits, func(r *claim) int32 { return r.benefit })
	anyOf(&q, &x.syms, f.Statuses, func(r *claim) int32 { return r.status })
	dateRange(&q, coverage.SortIncidentDate, dateNum(f.IncidentFrom), dateNum(f.IncidentTo), false, func(r *claim) int32 { return r.incident })
	dateRange(&q, coverage.SortSubmittedAt, dateNum(f.SubmittedFrom), dateNum(f.SubmittedTo), false, func(r *claim) int32 { return r.submitted })
	dateRange(&q, coverage.SortPaidAt, dateNum(f.PaidFrom), dateNum(f.PaidTo), true, func(r *claim) int32 { return r.paidAt })
	amountRange(&q, coverage.SortAmountClaimed, f.AmountClaimedMin, f.AmountClaimedMax, func(r *claim) int64 { return r.claimed })
	amountRange(&q, coverage.SortAmountPaid, f.AmountPaidMin, f.AmountPaidMax, func(r *claim) int64 { return r.paid })
	if f.AreaCode != "" || len(f.PayerTypes) > 0 {
		in := x.members(f.AreaCode, f.PayerTypes)
		q.where(func(r *claim) bool { return in.has(r.kpj) })
	}
	return q.query()
}

// Roster answers a page of roster entries.
func (x *Index) Roster(f coverage.RosterFilter, p coverage.PageRequest) (Result, error) {
	return run(x, func() *table[rosterRow] { return x.roster }, func() query[rosterRow] { return x.rosterQuery(f) }, p)
}

// RosterByNIK returns the keys of each person's roster entries, in key order.
func (x *Index) RosterByNIK(niks []string) map[string]Result {
	p := coverage.PageRequest{First: coverage.MaxPageSize}
	out, _ := runBy(x, func() *table[rosterRow] { return x.roster }, 0, &x.niks, niks, func() query[rosterRow] { return x.rosterQuery(coverage.RosterFilter{}) }, p)
	return out
}

func (x *Index) rosterQuery(f coverage.RosterFilter) query[rosterRow] {
	var q filter[rosterRow]
	if f.AreaCode != "" {
		q.where(func(r *rosterRow) bool { return strings.HasPrefix(r.kelurahan, f.AreaCode) })
	}
	member(&q, &x.niks, f.NIK, x.roster, 0, func(r *rosterRow) int32 { return r.nik })
	anyOf(&q, &x.syms, f.Categories, func(r *rosterRow) int32 { return r.category })
	equal(&q, &x.syms, f.Agency, func(r *rosterRow) int32 { return r.agency })
	if f.FundedIn != "" {
		in := periodNum(f.FundedIn)
		q.where(func(r *rosterRow) bool { return r.fundedFrom <= in && (r.until == 0 || r.until >= in) })
	}
	return q.query()
}

// Discrepancies answers a page of discrepancies.
func (x *Index) Discrepancies(f coverage.DiscrepancyFilter, p coverage.PageRequest) (Result, error) {
	return run(x, func() *table[discrepancy] { return x.discrepancies }, func() query[discrepancy] { return x.discrepancyQuery(f) }, p)
}

// DiscrepancyCounts counts the matching discrepancies by kind.
func (x *Index) DiscrepancyCounts(f coverage.DiscrepancyFilter) map[coverage.DiscrepancyKind]coverage.KindTally {
	<-x.ready
	x.mu.RLock()
	defer x.mu.RUnlock()
	q := x.discrepancyQuery(f)
	t := x.discrepancies
	out := map[coverage.DiscrepancyKind]coverage.KindTally{}
	for i := range t.rows {
		if t.keys[i] != "" && q.match(&t.rows[i]) {
			k := coverage.DiscrepancyKind(x.syms.name(t.rows[i].kind))
			n := out[k]
			n.Count++
			n.Amount += t.rows[i].amount
			out[k] = n
		}
	}
	return out
}

func (x *Index) discrepancyQuery(f coverage.DiscrepancyFilter) query[discrepancy] {
	var q filter[discrepancy]
	anyOf(&q, &x.syms, f.Kinds, func(r *discrepancy) int32 { return r.kind })
	anyOf(&q, &x.syms, f.Severities, func(r *discrepancy) int32 { return r.severity })
	anyOf(&q, &x.syms, f.Statuses, func(r *discrepancy) int32 { return r.status })
	equal(&q, &x.syms, f.Category, func(r *discrepancy) int32 { return r.category })
	member(&q, &x.niks, f.NIK, x.discrepancies, 0, func(r *discrepancy) int32 { return r.nik })
	equal(&q, &x.kpjs, f.KPJ, func(r *discrepancy) int32 { return r.kpj })
	if f.Period != "" {
		p := periodNum(f.Period)
		q.where(func(r *discrepancy) bool {
			for _, rp := range r.periods {
				if rp == p {
					return true
				}
			}
			return false
		})
	}
	if f.AreaCode != "" {
		q.where(func(r *discrepancy) bool { return strings.HasPrefix(r.area, f.AreaCode) })
	}
	return q.query()
}

// Quarantine answers a page of quarantined records.
func (x *Index) Quarantine(f coverage.QuarantineFilter, p coverage.PageRequest) (Result, error) {
	return run(x, func() *table[quarantined] { return x.quarantine }, func() query[quarantined] { return x.quarantineQuery(f) }, p)
}

func (x *Index) quarantineQuery(f coverage.QuarantineFilter) query[quarantined] {
	var q filter[quarantined]
	equal(&q, &x.syms, f.Feed, func(r *quarantined) int32 { return r.feed })
	equal(&q, &x.syms, f.RunID, func(r *quarantined) int32 { return r.run })
	return q.query()
}

// ParticipantsByNIK returns the keys of each person's memberships, in key
// order.
func (x *Index) ParticipantsByNIK(niks []string) map[string]Result {
	p := coverage.PageRequest{First: coverage.MaxPageSize}
	out, _ := runBy(x, func() *table[participant] { return x.participants }, 0, &x.niks, niks, func() query[participant] { return x.participantQuery(coverage.ParticipantFilter{}) }, p)
	return out
}
