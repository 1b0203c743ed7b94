package reconcile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cilegon/jamsostek/coverage"
)

// personPass reconciles one person.
type personPass struct {
	e       *Engine
	p       *Person
	members []*member // by KPJ
	byKPJ   map[string]*member

	apbdList []*member // apbd's answer, once apbdRead
	apbdRead bool
}

// fundingCount counts the roster entries funding month m.
func (pp *personPass) fundingCount(m coverage.Period) int {
	n := 0
	for i := range pp.p.Roster {
		if pp.p.Roster[i].FundedIn(m) {
			n++
		}
	}
	return n
}

func (pp *personPass) funded(m coverage.Period) bool {
	for i := range pp.p.Roster {
		if pp.p.Roster[i].FundedIn(m) {
			return true
		}
	}
	return false
}

// apbd returns the memberships paid by the city.
func (pp *personPass) apbd() []*member {
	if !pp.apbdRead {
		out := pp.e.scratch.apbd[:0]
		for _, m := range pp.members {
			if m.p.PayerType == coverage.PayerAPBD {
				out = append(out, m)
			}
		}
		pp.apbdList, pp.apbdRead = out, true
		pp.e.scratch.apbd = out[:0] // the next person's, grown
	}
	return pp.apbdList
}

// primary returns the membership that carries the person's roster category in
// month m: the first paid by the city covering m, else the first covering m.
func (pp *personPass) primary(m coverage.Period) *member {
	var first *member
	for _, mb := range pp.members {
		if !mb.covers(m) {
			continue
		}
		if mb.p.PayerType == coverage.PayerAPBD {
			return mb
		}
		if first == nil {
			first = mb
		}
	}
	return first
}

// area returns the kelurahan the person's findings are filed under.
func (pp *personPass) area() string {
	if len(pp.p.Roster) > 0 {
		return pp.p.Roster[0].KelurahanCode
	}
	if len(pp.members) > 0 {
		return pp.members[0].p.KelurahanCode
	}
	return ""
}

func (pp *personPass) category() coverage.Category {
	if len(pp.p.Roster) > 0 {
		return pp.p.Roster[0].Category
	}
	return ""
}

// apbdPaid sums what the city paid for the person in the months for which
// keep returns true (every month when keep is nil).
func (pp *personPass) apbdPaid(keep func(coverage.Period) bool) int64 {
	var sum int64
	for _, m := range pp.members {
		for _, c := range m.contribs {
			if c.PayerType == coverage.PayerAPBD && (keep == nil || keep(c.Period)) {
				sum += c.AmountPaid
			}
		}
	}
	return sum
}

func categories(rs []coverage.RosterEntry) string {
	var cs []string
	for _, r := range rs {
		cs = append(cs, string(r.Category))
	}
	return strings.Join(cs, " and ")
}

// memberFindings: city money for months off every roster, unpaid months,
// memberships lapsed by the 3-month rule, amounts off the tariff.
func (pp *personPass) memberFindings() {
	e := pp.e
	for _, m := range pp.members {
		var offRoster []coverage.Period
		var offPaid int64
		for _, c := range m.contribs {
			if c.PayerType == coverage.PayerAPBD && c.AmountPaid > 0 && !pp.funded(c.Period) {
				offRoster = append(offRoster, c.Period)
				offPaid += c.AmountPaid
			}
		}
		// Unpaid and not billed months of the month model (months.go).
		var unpaid, notBilled []coverage.Period
		var arrears int64
		for _, mo := range m.months {
			if !mo.unpaid() {
				continue
			}
			unpaid = append(unpaid, mo.period)
			arrears += mo.arrears
			if mo.state == monthNotBilled {
				notBilled = append(notBilled, mo.period)
			}
		}
		mismatch, mismatchAmount := e.tariffMismatch(m)
		base := coverage.Finding{NIK: m.p.NIK, KPJ: m.p.KPJ, Category: pp.category(), AreaCode: m.p.KelurahanCode}
		if len(offRoster) > 0 {
			f := base
			f.Kind, f.Severity, f.Periods, f.Amount = coverage.KindAPBDNotOnRoster, coverage.SeverityHigh, dedupe(offRoster), offPaid
			f.Detail = fmt.Sprintf("the city paid contributions for %d month(s) (%s) in which no roster entry funds this person", len(f.Periods), spans(f.Periods))
			e.find(m.p.KPJ, f)
		}
		if len(unpaid) > 0 {
			f := base
			f.Kind, f.Severity, f.Periods, f.Amount = coverage.KindUnpaidMonths, coverage.SeverityMedium, unpaid, arrears
			if m.p.PayerType == coverage.PayerAPBD {
				f.Severity = coverage.SeverityHigh
			}
			f.Detail = fmt.Sprintf("%d month(s) past their due date unpaid (%s)", len(f.Periods), spans(f.Periods))
			if len(notBilled) > 0 {
				f.Detail += fmt.Sprintf(", of which %d not billed (%s)", len(notBilled), spans(notBilled))
			}
			f.Detail += fmt.Sprintf(", payer %s", m.p.PayerType)
			e.find(m.p.KPJ, f)
		}
		if len(mismatch) > 0 {
			f := base
			f.Kind, f.Severity, f.Periods, f.Amount = coverage.KindTariffMismatch, coverage.SeverityMedium, mismatch, mismatchAmount
			f.Detail = fmt.Sprintf("amount due differs from the BPU tariff of the billed programs (JKK and JKM compulsory) at the declared income in force in %d month(s) (%s)", len(f.Periods), spans(f.Periods))
			e.find(m.p.KPJ, f)
		}
		if m.lastRun != nil || m.p.Status == coverage.StatusInactive {
			f := base
			f.Kind, f.Severity = coverage.KindInactive3Months, coverage.SeverityMedium
			if m.p.PayerType == coverage.PayerAPBD {
				f.Severity = coverage.SeverityHigh
			}
			for _, mo := range m.lastRun {
				f.Periods = append(f.Periods, mo.period)
				f.Amount += mo.arrears
			}
			switch {
			case m.lastRun == nil:
				f.Detail = "status INACTIVE, but the contributions show no 3 consecutive unpaid months"
			case m.p.Status != coverage.StatusInactive:
				f.Detail = fmt.Sprintf("%d consecutive unpaid months (%s) but status still %s", len(f.Periods), spans(f.Periods), m.p.Status)
			default:
				f.Detail = fmt.Sprintf("inactive since %s after %d consecutive unpaid months (%s)", f.Periods[2], len(f.Periods), spans(f.Periods))
			}
			e.find(m.p.KPJ, f)
		}
	}
}

// claimFindings: claims whose incident is outside the member's coverage:
// before its start, after its end, or in a month in which the membership is
// lapsed by the 3-month rule of the month model (months.go), a month not yet
// due included. One or two unpaid months do not put a claim outside coverage;
// before the first bill, and for memberships paid per payroll, the coverage
// dates alone decide.
func (pp *personPass) claimFindings() {
	e := pp.e
	for i := range pp.p.Claims {
		c := &pp.p.Claims[i]
		m := pp.byKPJ[c.KPJ]
		if m == nil {
			e.stats.OrphanClaims++
			continue
		}
		p := m.p
		var why string
		mo := c.IncidentDate.Period()
		switch {
		case c.IncidentDate < p.CoverageStart:
			why = "before coverage started on " + string(p.CoverageStart)
		case p.CoverageEnd != "" && c.IncidentDate > p.CoverageEnd:
			why = "after coverage ended on " + string(p.CoverageEnd)
		case m.died != "" && c.IncidentDate > m.died:
			why = "after the member's death on " + string(m.died) + " (a paid JKM death claim)"
		case m.lapsed(mo):
			why = "in " + string(mo) + ", while the membership is lapsed (3 consecutive months unpaid, the third " + string(m.lapseOf(mo)) + ")"
		default:
			continue
		}
		f := coverage.Finding{Kind: coverage.KindClaimOutsideCoverage, Severity: coverage.SeverityHigh,
			NIK: p.NIK, KPJ: p.KPJ, ClaimNo: c.ClaimNo, Category: pp.categoryIn(mo), AreaCode: p.KelurahanCode,
			Periods: []coverage.Period{mo}}
		switch c.Status {
		case coverage.ClaimPaid:
			f.Amount = c.AmountPaid
		case coverage.ClaimRejected:
			f.Severity = coverage.SeverityLow
		default:
			f.Amount, f.Severity = c.AmountClaimed, coverage.SeverityMedium
		}
		f.Detail = fmt.Sprintf("claim %s (%s %s, %s) for an incident on %s, %s", c.ClaimNo, c.Program, c.Benefit, c.Status, c.IncidentDate, why)
		e.find(c.ClaimNo, f)
	}
}

// categoryIn returns the first roster category funding month m, "" if none.
func (pp *personPass) categoryIn(m coverage.Period) coverage.Category {
	for i := range pp.p.Roster {
		if pp.p.Roster[i].FundedIn(m) {
			return pp.p.Roster[i].Category
		}
	}
	return ""
}

// doubleFunding: a month in which two roster entries fund the person, in
// which a membership paid by the city and one paid by another payer both cover
// the person, or in which two memberships paid by the city both cover them.
func (pp *personPass) doubleFunding() {
	e, p := pp.e, pp.p
	apbd := pp.apbd()
	if len(p.Roster) == 0 && len(apbd) == 0 {
		return
	}
	first := e.asOfMonth
	for _, r := range p.Roster {
		first = min(first, r.FundedFrom)
	}
	for _, m := range apbd {
		if m.start != "" {
			first = min(first, m.start)
		}
	}
	var months []coverage.Period
	var why []string
	for mo := first; mo <= e.asOfMonth; mo = e.cal.nextMonth(mo) {
		var reasons []string
		if pp.fundingCount(mo) >= 2 {
			reasons = append(reasons, "rosters")
		}
		cities := 0
		for _, m := range apbd {
			if m.covers(mo) {
				cities++
			}
		}
		if cities >= 2 {
			reasons = append(reasons, "city twice")
		}
		if cities >= 1 {
			for _, m := range pp.members {
				if m.p.PayerType != coverage.PayerAPBD && m.covers(mo) {
					reasons = append(reasons, string(m.p.PayerType))
					break
				}
			}
		}
		if len(reasons) == 0 {
			continue
		}
		months = append(months, mo)
		for _, r := range reasons {
			if !slices.Contains(why, r) {
				why = append(why, r)
			}
		}
	}
	if len(months) == 0 {
		return
	}
	var detail []string
	for _, w := range why {
		switch w {
		case "rosters":
			detail = append(detail, "on the "+categories(p.Roster)+" rosters at once")
		case "city twice":
			detail = append(detail, "enrolled twice paid by the city")
		default:
			detail = append(detail, "paid by the city and enrolled again paid by "+w)
		}
	}
	f := coverage.Finding{Kind: coverage.KindDoubleFunded, Severity: coverage.SeverityHigh, NIK: p.NIK,
		Category: pp.category(), AreaCode: pp.area(), Periods: months,
		Amount: pp.apbdPaid(func(m coverage.Period) bool { return slices.Contains(months, m) })}
	for _, m := range pp.members {
		if m.p.PayerType != coverage.PayerAPBD && slices.ContainsFunc(months, m.covers) {
			f.KPJ = m.p.KPJ
			break
		}
	}
	if f.KPJ == "" && slices.Contains(why, "city twice") {
		f.KPJ = apbd[1].p.KPJ // the second membership paid by the city
	}
	if f.KPJ == "" && len(apbd) > 0 {
		f.KPJ = apbd[0].p.KPJ
	}
	f.Detail = fmt.Sprintf("funded twice in %d month(s) (%s): %s", len(months), spans(months), strings.Join(detail, "; "))
	e.find(p.NIK, f)
}

// dedupe sorts months and drops repeats.
func dedupe(ms []coverage.Period) []coverage.Period {
	slices.Sort(ms)
	return slices.Compact(ms)
}

// spans writes sorted months as ranges: 2024-01 to 2024-03, 2024-07.
func spans(ms []coverage.Period) string {
	var parts []string
	for i := 0; i < len(ms); {
		j := i
		for j+1 < len(ms) && ms[j+1] == ms[j].AddMonths(1) {
			j++
		}
		if j == i {
			parts = append(parts, string(ms[i]))
		} else {
			parts = append(parts, string(ms[i])+" to "+string(ms[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
