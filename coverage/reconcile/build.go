package reconcile

import (
	"slices"

	"github.com/cilegon/jamsostek/coverage"
)

// defaultFundedPrograms and defaultFundedIncome price a funded roster entry
// without a city-paid membership: the lowest BPU tariff (JKK and JKM on the
// Rp1,000,000 income band), what the city pays for its workers.
var defaultFundedPrograms = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM}

const defaultFundedIncome = 1_000_000

// cell returns the measures at k, creating them.
func (e *Engine) cell(k Key) *Measures {
	return e.cells.get(&k)
}

// inWindow reports whether month m has cells.
func (e *Engine) inWindow(m coverage.Period) bool { return m >= e.cfg.From && m <= e.asOfMonth }

// memberKey is the cell key of a membership in month m, with payer.
func (pp *personPass) memberKey(m *member, mo coverage.Period, payer coverage.PayerType, cat coverage.Category) Key {
	return Key{Period: mo, Kelurahan: m.p.KelurahanCode, Category: cat, Payer: payer, Segment: m.p.Segment,
		Gender: m.p.Gender, AgeBand: m.band(pp.e.endOf(mo))}
}

// categoryOf returns the roster category a membership carries in month m: the
// first category funding the person then, if the membership is the person's
// primary one that month.
func (pp *personPass) categoryOf(m *member, mo coverage.Period) coverage.Category {
	if len(pp.p.Roster) == 0 {
		return ""
	}
	cat := pp.categoryIn(mo)
	if cat == "" {
		return ""
	}
	if prim := pp.primary(mo); prim != nil && prim != m {
		return ""
	}
	return cat
}

// active reports whether a membership covers the end of month mo (the as-of
// date in the as-of month) and is not lapsed.
func (pp *personPass) active(m *member, mo coverage.Period) bool {
	p, d := m.p, pp.e.endOf(mo)
	if p.Status == coverage.StatusTerminated && p.CoverageEnd == "" {
		return false // ended without a date: not counted as covered
	}
	return m.covers(mo) && p.CoverageStart <= d && (p.CoverageEnd == "" || d <= p.CoverageEnd) && (m.died == "" || d < m.died) && !m.lapsed(mo)
}

// personCell returns the membership whose cell counts the person in month mo
// (People): the primary one when it is active, else the first active one by
// KPJ; nil when none is active.
func (pp *personPass) personCell(mo coverage.Period) *member {
	if prim := pp.primary(mo); prim != nil && pp.active(prim, mo) {
		return prim
	}
	for _, m := range pp.members {
		if pp.active(m, mo) {
			return m
		}
	}
	return nil
}

// cells adds the person's facts to the rollup cells.
func (pp *personPass) cells() {
	e := pp.e
	for _, m := range pp.members {
		p := m.p
		// The cells the stock loop found, by month from base: a contribution
		// of the membership's own payer in one of those months has the same
		// key (memberKey of the same membership, month and payer), so it
		// takes the cell without building and looking up the key again.
		var stock []*Measures
		var rows []*ExperienceRow // the experience rows of its active months, by month from base
		var base uint32
		var pbuf [5]int
		progs := programIndexes(p.Programs, pbuf[:0])
		// Stocks and flows of membership.
		if m.start != "" {
			from := max(m.start, e.cfg.From)
			to := e.asOfMonth
			if m.end != "" {
				to = min(to, m.end)
			}
			if lo, hi := periodNum(from), periodNum(to); lo <= hi && hi < 1<<bitsPeriod {
				base = lo
				stock = carve(&e.scratch.cellSlab, int(hi-lo+1))[:hi-lo+1]
				clear(stock)
				rows = carve(&e.scratch.expSlab, int(hi-lo+1))[:hi-lo+1]
				clear(rows)
			}
			for mo := from; mo <= to; mo = e.cal.nextMonth(mo) {
				// Four counts, added to the cell's own (a whole Measures
				// zeroed, compared and added every member-month cost more
				// than the lookup).
				var active, people, isNew, lapsed int64
				if pp.active(m, mo) {
					active = 1
					if pp.personCell(mo) == m {
						people = 1
					}
				}
				if mo == m.start {
					isNew = 1
				}
				if m.end == mo || slices.ContainsFunc(m.lapses, func(l [2]coverage.Period) bool { return l[0] == mo }) {
					lapsed = 1
				}
				if active|isNew|lapsed != 0 {
					cat := pp.categoryOf(m, mo)
					var row *ExperienceRow
					if active == 1 {
						row = pp.exposure(m, progs, mo, cat)
					}
					c := e.cell(pp.memberKey(m, mo, p.PayerType, cat))
					c.Active += active
					c.People += people
					c.New += isNew
					c.Lapsed += lapsed
					if off := periodNum(mo) - base; off < uint32(len(stock)) {
						stock[off], rows[off] = c, row
					}
				}
			}
		}
		// Contributions, in the cell of their month and payer.
		for _, c := range m.contribs {
			if !e.inWindow(c.Period) {
				continue
			}
			// The experience row of an active month is the stock loop's
			// (its key has no payer).
			var meas *Measures
			var row *ExperienceRow
			if off := periodNum(c.Period) - base; off < uint32(len(stock)) {
				if c.PayerType == p.PayerType {
					meas = stock[off]
				}
				row = rows[off]
			}
			if meas == nil || (row == nil && c.AmountPaid > 0) {
				cat := pp.categoryOf(m, c.Period)
				if meas == nil {
					meas = e.cell(pp.memberKey(m, c.Period, c.PayerType, cat))
				}
				if row == nil && c.AmountPaid > 0 {
					row = e.experience(ExperienceKey{Period: c.Period, Category: cat, Segment: p.Segment})
				}
			}
			if c.AmountPaid > 0 {
				pp.contributionShares(m, c, row)
			}
			meas.Billed++
			meas.DueAmount += c.AmountDue
			meas.PaidAmount += c.AmountPaid
			if c.AmountPaid > 0 {
				meas.PaidCount++
			}
		}
		// Arrears by the month model: a month billed twice is one bill whose
		// payments add up, so a month paid in two halves owes nothing; a
		// month not billed is not counted here (it has no bill), only in
		// UNPAID_MONTHS.
		for _, mo := range m.months {
			if mo.state != monthUnpaid || !e.inWindow(mo.period) {
				continue
			}
			payer := m.p.PayerType
			if b := mo.highest(); b != nil {
				payer = b.PayerType
			}
			meas := e.cell(pp.memberKey(m, mo.period, payer, pp.categoryOf(m, mo.period)))
			meas.UnpaidOverdue++
			meas.Arrears += mo.arrears
		}
	}
	// Claims: submitted in the month of submission, paid in the month of
	// payment; the category is the one of the incident's month.
	for i := range pp.p.Claims {
		c := &pp.p.Claims[i]
		m := pp.byKPJ[c.KPJ]
		if m == nil {
			continue
		}
		prog := slices.Index(coverage.Programs, c.Program)
		if prog < 0 {
			continue
		}
		cat := pp.categoryOf(m, c.IncidentDate.Period())
		pp.claimExperience(m, c, prog, cat)
		if mo := c.SubmittedAt.Period(); e.inWindow(mo) {
			cm := &e.cell(pp.memberKey(m, mo, m.p.PayerType, cat)).Claims[prog]
			cm.SubmittedCount++
			cm.SubmittedAmount += c.AmountClaimed
		}
		if c.Status == coverage.ClaimPaid && c.PaidAt != "" {
			if mo := c.PaidAt.Period(); e.inWindow(mo) {
				cm := &e.cell(pp.memberKey(m, mo, m.p.PayerType, cat)).Claims[prog]
				cm.PaidCount++
				cm.PaidAmount += c.AmountPaid
			}
		}
	}
	// Roster entries: headcount and monthly cost of the funded, and what
	// they cost in the next calendar year.
	nik, nikErr := coverage.ParseNIK(pp.p.NIK)
	for i := range pp.p.Roster {
		r := &pp.p.Roster[i]
		pp.planEntry(r)
		from := max(r.FundedFrom, e.cfg.From)
		to := e.asOfMonth
		if r.FundedUntil != "" {
			to = min(to, r.FundedUntil)
		}
		for mo := from; mo <= to; mo = e.cal.nextMonth(mo) {
			pp.rosterCell(r, mo, mo == from || mo.Month() == 1, nik, nikErr)
		}
		// An entry whose funding starts after the as-of month costs nothing
		// yet, but counts in next year's cost as seen in the as-of month.
		if r.FundedFrom > e.asOfMonth && e.fundedMonths(r, e.asOfMonth.Year()+1) > 0 {
			pp.rosterCell(r, e.asOfMonth, false, nik, nikErr)
		}
	}
}

// rosterCell adds a roster entry to its cell of month mo: funded (unless its
// funding starts later: then only its next year's cost), first funded month
// of the year when first, its monthly cost, and its cost in the year after
// mo's. A funded entry is priced at its APBD membership's programs and income
// (JKK+JKM on Rp1,000,000 without one), at the month's tariff.
func (pp *personPass) rosterCell(r *coverage.RosterEntry, mo coverage.Period, first bool, nik coverage.NIK, nikErr error) {
	e := pp.e
	funded := r.FundedIn(mo)
	k := Key{Period: mo, Kelurahan: r.KelurahanCode, Category: r.Category, AgeBand: AgeUnknown}
	programs, income := defaultFundedPrograms, int64(defaultFundedIncome)
	var meas Measures
	if funded {
		meas.Funded = 1
		if first {
			meas.FundedFirstYear = 1
		}
	}
	prim := pp.primary(mo)
	switch {
	case prim != nil:
		k.Payer, k.Segment, k.Gender = prim.p.PayerType, prim.p.Segment, prim.p.Gender
		k.AgeBand = BandOf(prim.p.BirthDate, e.endOf(mo))
		if prim.p.PayerType == coverage.PayerAPBD {
			programs, income = prim.p.Programs, prim.p.DeclaredIncome
			if funded && prim.covers(mo) && !prim.lapsed(mo) && e.endOf(mo) >= prim.p.CoverageStart &&
				(prim.p.CoverageEnd == "" || e.endOf(mo) <= prim.p.CoverageEnd) {
				meas.FundedEnrolled = 1
			}
		}
	case nikErr == nil:
		k.Gender, k.AgeBand = nik.Gender, BandOf(nik.BirthDate, e.endOf(mo))
	}
	if due, err := e.cfg.Tariffs.Due(programs, income, mo); err == nil {
		if funded {
			meas.FundedMonthlyDue = due
		}
		meas.FundedNextYearDue = due * int64(e.fundedMonths(r, mo.Year()+1))
	}
	if !meas.zero() {
		e.cell(k).Add(&meas, true)
	}
}

// fundedMonths counts the months of a year a roster entry funds.
func (e *Engine) fundedMonths(r *coverage.RosterEntry, year int) int {
	n := 0
	for _, mo := range e.cal.months(year) {
		if r.FundedIn(mo) {
			n++
		}
	}
	return n
}
