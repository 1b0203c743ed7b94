package reconcile

import (
	"fmt"
	"slices"

	"github.com/cilegon/jamsostek/coverage"
)

// fundedNotPaid: months a roster entry funds the person, past their due date,
// in which the person has a membership paid by the city covering the month
// and the city paid nothing: no contribution of the person for the month paid
// by APBD with amount_paid > 0 (FUNDED_NOT_PAID). The rupiah at stake is, per
// month, the tariff of the city's membership's programs at the income in
// force (JKK and JKM at Rp1,000,000, Rp16,800, when unknown).
func (pp *personPass) fundedNotPaid() {
	e, p := pp.e, pp.p
	if len(p.Roster) == 0 {
		return
	}
	apbd := pp.apbd()
	if len(apbd) == 0 {
		return
	}
	// The months the city paid something for: a few dozen at most, in a
	// slice (a map per person was most of this rule's cost).
	var buf [32]coverage.Period
	cityPaid := buf[:0]
	for i := range p.Contributions {
		if c := &p.Contributions[i]; c.PayerType == coverage.PayerAPBD && c.AmountPaid > 0 && !slices.Contains(cityPaid, c.Period) {
			cityPaid = append(cityPaid, c.Period)
		}
	}
	first := e.payMonth
	for _, r := range p.Roster {
		first = min(first, r.FundedFrom)
	}
	var months []coverage.Period
	var amount int64
	var kpj string
	for mo := first; mo <= e.payMonth; mo = e.cal.nextMonth(mo) {
		if !e.overdue(mo) || slices.Contains(cityPaid, mo) || !pp.funded(mo) {
			continue
		}
		var city *member
		for _, m := range apbd {
			if m.covers(mo) {
				city = m
				break
			}
		}
		if city == nil {
			continue
		}
		months = append(months, mo)
		amount += e.fundedDue(city, mo)
		if kpj == "" {
			kpj = city.p.KPJ
		}
	}
	if len(months) == 0 {
		return
	}
	f := coverage.Finding{Kind: coverage.KindFundedNotPaid, Severity: coverage.SeverityHigh, NIK: p.NIK, KPJ: kpj,
		Category: pp.categoryIn(months[0]), AreaCode: pp.area(), Periods: months, Amount: amount}
	f.Detail = fmt.Sprintf("funded by the %s roster and enrolled paid by the city, but the city paid nothing for %d month(s) past their due date (%s)",
		categories(p.Roster), len(months), spans(months))
	e.find(p.NIK, f)
}

// fundedDue is what the city owes for a month of its membership: the tariff
// of the membership's programs at the income in force, or JKK and JKM at
// Rp1,000,000 when the income is unknown (or the programs have no tariff).
func (e *Engine) fundedDue(m *member, mo coverage.Period) int64 {
	if inc, ok := m.monthIncome(mo); ok {
		if due, err := e.cfg.Tariffs.Due(m.p.Programs, inc, mo); err == nil {
			return due
		}
	}
	due, _ := e.cfg.Tariffs.Due(defaultFundedPrograms, defaultFundedIncome, mo)
	return due
}
