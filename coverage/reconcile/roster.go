package reconcile

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// rosterYear returns the roster's as-of year: the year of the Asia/Jakarta
// date of the roster feed's as-of instant (Config.AsOf when the feed has none).
func (e *Engine) rosterYear() int {
	return e.cfg.feedAsOf(coverage.FeedRoster).In(wib).Year()
}

// rejectedRows files each roster row the sync rejected as a finding on the
// roster it came from: its kelurahan when that is an area of the city (else
// the city) and its category when the code is well formed. The detail is the
// sync's reason with the values it quotes withheld.
func (e *Engine) rejectedRows() {
	city := e.cfg.Areas.City().Code
	for _, row := range e.cfg.RejectedRoster {
		f := coverage.Finding{Kind: coverage.KindRosterRowRejected, Severity: coverage.SeverityMedium, AreaCode: city}
		if row.KelurahanCode != "" && e.cfg.Areas.CheckArea(row.KelurahanCode) == nil {
			f.AreaCode = row.KelurahanCode
		}
		if cat := coverage.Category(row.Category); cat.Validate() == nil {
			f.Category = cat
		}
		// The reason alone: the row's other fields (agency, funded months)
		// are what the row said, possibly shifted columns holding a NIK or
		// a name; and the reason itself quotes the values it refused
		// (`category "Siti Aminah" is not a code`): they are withheld, the
		// finding is read by officers, the raw row only by admins.
		f.Detail = withholdValues(strings.TrimSpace(row.Reason))
		if f.Detail == "" {
			f.Detail = "roster row rejected by the sync (no reason given)"
		}
		e.find(row.Ref, f)
	}
}

// rosterFindings: funded but not enrolled, or enrolled with another payer;
// invalid NIK; domicile outside the city.
func (pp *personPass) rosterFindings() {
	e, p := pp.e, pp.p
	// Only entries still funded in the roster's as-of year are current; an
	// entry whose funded months ended before it is history.
	jan := coverage.MakePeriod(e.rosterYear(), time.January)
	var current []coverage.RosterEntry
	for _, r := range p.Roster {
		if r.FundedUntil == "" || r.FundedUntil >= jan {
			current = append(current, r)
		}
	}
	if len(current) > 0 {
		first := current[0].FundedFrom
		for _, r := range current {
			first = min(first, r.FundedFrom)
		}
		cat, area := current[0].Category, current[0].KelurahanCode
		switch {
		case len(pp.members) == 0:
			e.find(p.NIK, coverage.Finding{Kind: coverage.KindRosterNotEnrolled, Severity: coverage.SeverityHigh,
				NIK: p.NIK, Category: cat, AreaCode: area,
				Detail: fmt.Sprintf("on the %s roster (%s) since %s, with no BPJS membership", categories(current), current[0].Agency, first)})
		case len(pp.apbd()) == 0:
			var payers []string
			for _, m := range pp.members {
				payers = append(payers, string(m.p.PayerType))
			}
			e.find(p.NIK, coverage.Finding{Kind: coverage.KindRosterOtherPayer, Severity: coverage.SeverityMedium,
				NIK: p.NIK, KPJ: pp.members[0].p.KPJ, Category: cat, AreaCode: area,
				Detail: fmt.Sprintf("on the %s roster since %s, enrolled paid by %s, not by the city", categories(current), first, strings.Join(payers, ", "))})
		}
	}
	if len(p.Roster) == 0 && len(pp.members) == 0 {
		return
	}
	if err := coverage.CheckNIK(p.NIK); err != nil {
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

var (
	quotedValue = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	digitRun    = regexp.MustCompile(`[0-9]{6,}`)
)

// withholdValues replaces the values a validation message quotes, and any
// run of six or more digits (a NIK, a KPJ, a phone number), by "…".
func withholdValues(reason string) string {
	reason = quotedValue.ReplaceAllString(reason, `"…"`)
	return digitRun.ReplaceAllString(reason, "…")
}
