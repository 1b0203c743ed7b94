package reconcile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cilegon/jamsostek/coverage"
)

// rosterFindings: funded but not enrolled, or enrolled with another payer;
// invalid NIK; domicile outside the city.
func (pp *personPass) rosterFindings() {
	e, p := pp.e, pp.p
	if len(p.Roster) > 0 {
		first := p.Roster[0].FundedFrom
		for _, r := range p.Roster {
			first = min(first, r.FundedFrom)
		}
		switch {
		case len(pp.members) == 0:
			e.find(p.NIK, coverage.Finding{Kind: coverage.KindRosterNotEnrolled, Severity: coverage.SeverityHigh,
				NIK: p.NIK, Category: pp.category(), AreaCode: pp.area(),
				Detail: fmt.Sprintf("on the %s roster (%s) since %s, with no BPJS membership", categories(p.Roster), p.Roster[0].Agency, first)})
		case len(pp.apbd()) == 0:
			var payers []string
			for _, m := range pp.members {
				payers = append(payers, string(m.p.PayerType))
			}
			e.find(p.NIK, coverage.Finding{Kind: coverage.KindRosterOtherPayer, Severity: coverage.SeverityMedium,
				NIK: p.NIK, KPJ: pp.members[0].p.KPJ, Category: pp.category(), AreaCode: pp.area(),
				Detail: fmt.Sprintf("on the %s roster since %s, enrolled paid by %s, not by the city", categories(p.Roster), first, strings.Join(payers, ", "))})
		}
	}
	if len(p.Roster) == 0 && len(pp.members) == 0 {
		return
	}
	if _, err := coverage.ParseNIK(p.NIK); err != nil {
		where := "membership"
		if len(p.Roster) > 0 {
			where = "roster entry and membership"
			if len(pp.members) == 0 {
				where = "roster entry"
			}
		}
		e.find(p.NIK, coverage.Finding{Kind: coverage.KindInvalidNIK, Severity: coverage.SeverityMedium,
			NIK: p.NIK, Category: pp.category(), AreaCode: pp.area(), Amount: pp.apbdPaid(nil),
			Detail: fmt.Sprintf("the NIK of a %s does not parse: %s", where, coverage.ErrorMessage(err))})
	}
	city := e.cfg.Areas.City().Code
	var outside []string
	for _, r := range p.Roster {
		if !strings.HasPrefix(r.KelurahanCode, city) && !slices.Contains(outside, r.KelurahanCode) {
			outside = append(outside, r.KelurahanCode)
		}
	}
	for _, m := range pp.apbd() {
		if !strings.HasPrefix(m.p.KelurahanCode, city) && !slices.Contains(outside, m.p.KelurahanCode) {
			outside = append(outside, m.p.KelurahanCode)
		}
	}
	if len(outside) > 0 {
		e.find(p.NIK, coverage.Finding{Kind: coverage.KindDomicileOutsideCity, Severity: coverage.SeverityMedium,
			NIK: p.NIK, Category: pp.category(), AreaCode: outside[0], Amount: pp.apbdPaid(nil),
			Detail: fmt.Sprintf("funded by the city while living in %s, outside %s", strings.Join(outside, ", "), e.cfg.Areas.City().Name)})
	}
}
