package reconcile

import (
	"fmt"
	"strings"

	"github.com/cilegon/jamsostek/coverage"
)

// lapseOf returns the month a lapse covering month mo began (the third
// consecutive unpaid month), "" when mo is not lapsed.
func (m *member) lapseOf(mo coverage.Period) coverage.Period {
	for _, l := range m.lapses {
		if l[0] <= mo && (l[1] == "" || mo < l[1]) {
			return l[0]
		}
	}
	return ""
}

// claimsAboveBenefit: PAID claims whose amount paid exceeds the benefit rule
// in force in the incident month (CLAIM_ABOVE_BENEFIT): a fixed ceiling, a
// multiple of the declared monthly income in force on the incident date, or
// the lower of both. A claim with no rule for its program and benefit, or
// with a rule by income and the income unknown, is not checked
// (Stats.BenefitUnchecked). The rupiah at stake is what was paid above the
// ceiling.
func (pp *personPass) claimsAboveBenefit() {
	e := pp.e
	for i := range pp.p.Claims {
		c := &pp.p.Claims[i]
		m := pp.byKPJ[c.KPJ]
		if m == nil || c.Status != coverage.ClaimPaid {
			continue // orphan claims are counted by claimFindings
		}
		mo := c.IncidentDate.Period()
		rule, ok := e.cfg.Benefits.For(c.Program, c.Benefit, mo)
		if !ok {
			e.stats.BenefitUnchecked++
			continue
		}
		income, known := m.incomeAt(c.IncidentDate)
		ceiling, ok := rule.Ceiling(income, known)
		if !ok {
			e.stats.BenefitUnchecked++
			continue
		}
		if c.AmountPaid <= ceiling {
			continue
		}
		f := coverage.Finding{Kind: coverage.KindClaimAboveBenefit, Severity: coverage.SeverityHigh,
			NIK: m.p.NIK, KPJ: m.p.KPJ, ClaimNo: c.ClaimNo, Category: pp.categoryIn(mo), AreaCode: m.p.KelurahanCode,
			Periods: []coverage.Period{mo}}
		f.Amount = c.AmountPaid - ceiling
		f.Detail = fmt.Sprintf("claim %s (%s %s) for an incident on %s paid Rp%s, Rp%s above the ceiling of Rp%s (%s)",
			c.ClaimNo, c.Program, c.Benefit, c.IncidentDate, groupDigits(c.AmountPaid), groupDigits(f.Amount), groupDigits(ceiling), describeRule(rule, income, known))
		e.find(c.ClaimNo, f)
	}
}

// describeRule says what a benefit rule allows, for a finding's detail.
func describeRule(r coverage.BenefitRule, income int64, known bool) string {
	var parts []string
	if r.MaxAmount > 0 {
		parts = append(parts, "at most Rp"+groupDigits(r.MaxAmount))
	}
	if r.IncomeMultiple > 0 && known {
		parts = append(parts, fmt.Sprintf("%d x the declared income of Rp%s", r.IncomeMultiple, groupDigits(income)))
	}
	s := strings.Join(parts, " and ")
	if r.Source != "" {
		s += "; " + r.Source
	}
	return s
}
