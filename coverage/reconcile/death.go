package reconcile

import (
	"fmt"

	"github.com/cilegon/jamsostek/coverage"
)

// deathMonth returns the month of the person's death the records show: the
// incident month of the earliest PAID JKM DEATH claim, "" when none.
func (pp *personPass) deathMonth() coverage.Period { return deathDate(pp.p.Claims, pp.byKPJ).Period() }

// deathDate is the incident date of the earliest PAID JKM DEATH claim under
// one of the person's memberships (byKPJ), "" when none.
func deathDate(claims []coverage.Claim, byKPJ map[string]*member) coverage.Date {
	var d coverage.Date
	for i := range claims {
		c := &claims[i]
		if byKPJ[c.KPJ] == nil {
			continue
		}
		if c.Program == coverage.ProgramJKM && c.Benefit == coverage.BenefitDeath && c.Status == coverage.ClaimPaid {
			if c.IncidentDate != "" && (d == "" || c.IncidentDate < d) {
				d = c.IncidentDate
			}
		}
	}
	return d
}

// paidAfterDeath: contributions paid (amount_paid > 0) for months after the
// month of death (PAID_AFTER_DEATH): the incident month of a PAID JKM DEATH
// claim of the person, for every membership of the person; or, for a
// TERMINATED membership with a coverage end, the month of that end, for that
// membership. HIGH when the city paid any of it. The rupiah at stake is what
// was paid for those months.
func (pp *personPass) paidAfterDeath() {
	e := pp.e
	death := pp.deathMonth()
	for _, m := range pp.members {
		end, why := death, "the month of death (a paid JKM death claim)"
		if m.p.Status == coverage.StatusTerminated && m.end != "" && (end == "" || m.end < end) {
			end, why = m.end, "the month the membership was terminated"
		}
		if end == "" {
			continue
		}
		var months []coverage.Period
		var paid int64
		city := false
		for _, c := range m.contribs {
			if c.Period <= end || c.AmountPaid <= 0 {
				continue
			}
			months = append(months, c.Period)
			paid += c.AmountPaid
			city = city || c.PayerType == coverage.PayerAPBD
		}
		if len(months) == 0 {
			continue
		}
		f := coverage.Finding{Kind: coverage.KindPaidAfterDeath, Severity: coverage.SeverityMedium,
			NIK: m.p.NIK, KPJ: m.p.KPJ, Category: pp.category(), AreaCode: m.p.KelurahanCode, Periods: dedupe(months)}
		if city {
			f.Severity = coverage.SeverityHigh
		}
		f.Amount = paid
		f.Detail = fmt.Sprintf("contributions paid for %d month(s) (%s) after %s, %s", len(f.Periods), spans(f.Periods), end, why)
		e.find(m.p.KPJ, f)
	}
}
