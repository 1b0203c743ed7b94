package reconcile

import (
	"cmp"
	"slices"

	"github.com/cilegon/jamsostek/coverage"
)

// The month of a membership: one model, read by every rule (lapse,
// UNPAID_MONTHS, INACTIVE_3_MONTHS, CLAIM_OUTSIDE_COVERAGE, TARIFF_MISMATCH)
// and by the rollup's Active and Lapsed measures. For a membership billed per
// month (it has at least one contribution), each month from its first billed
// month to the contributions as-of month, within its coverage dates, is PAID,
// UNPAID, NOT BILLED or PENDING (docs/reconciliation.md, "The month of a
// membership").

// monthState is what a month of a membership billed per month is.
type monthState uint8

const (
	// monthPaid: the month's bills together paid at least its amount due.
	monthPaid monthState = iota + 1
	// monthUnpaid: billed, not paid in full (a partial payment is unpaid),
	// and overdue.
	monthUnpaid
	// monthNotBilled: no bill for the month (a billing gap after the first
	// bill), and overdue: nothing was paid, exactly as unpaid.
	monthNotBilled
	// monthPending: not paid in full and not yet overdue; neither extends
	// nor ends a run of unpaid months.
	monthPending
)

// month is one month of a membership.
type month struct {
	period coverage.Period
	state  monthState
	// bills are the month's contribution records: one bill, possibly billed
	// twice. None when the month was not billed.
	bills []*coverage.Contribution
	due   int64 // the highest amount_due of the bills: one bill, not several
	paid  int64 // the amount_paid of the bills added up
	// arrears is the rupiah at stake when unpaid: due - paid when billed;
	// when not billed, the tariff of the membership's programs at the income
	// in force (0 when unknown).
	arrears int64
	lapsed  bool // the 3-month rule makes the membership inactive this month
}

// unpaid reports whether the month counts towards a lapse: unpaid or not
// billed, and overdue.
func (mo *month) unpaid() bool { return mo.state == monthUnpaid || mo.state == monthNotBilled }

// highest returns the month's bill with the highest amount due (the first of
// them), nil when the month was not billed.
func (mo *month) highest() *coverage.Contribution {
	var best *coverage.Contribution
	for _, c := range mo.bills {
		if best == nil || c.AmountDue > best.AmountDue {
			best = c
		}
	}
	return best
}

// programs returns the programs of the month's bill: those of the bill with
// the highest amount due.
func (mo *month) programs() []coverage.Program {
	if b := mo.highest(); b != nil {
		return b.Programs
	}
	return nil
}

// model groups a membership's contributions by month and reads each month of
// the model, then the lapses: the third consecutive unpaid (or not billed)
// month makes the membership lapsed from that month on, until a month is
// paid again; a pending month neither extends nor ends a run, and is lapsed
// when it falls in a lapse.
func (e *Engine) model(m *member) {
	if len(m.contribs) == 0 {
		return
	}
	// The contributions come sorted by period (Engine.Add sorts them by KPJ,
	// period and ID): a month's bills are consecutive, and the months come
	// in order. One allocation holds the billed months.
	if !slices.IsSortedFunc(m.contribs, func(a, b *coverage.Contribution) int { return cmp.Compare(a.Period, b.Period) }) {
		slices.SortStableFunc(m.contribs, func(a, b *coverage.Contribution) int { return cmp.Compare(a.Period, b.Period) })
	}
	n := 1
	for i := 1; i < len(m.contribs); i++ {
		if m.contribs[i].Period != m.contribs[i-1].Period {
			n++
		}
	}
	billed := e.scratch.months(n)
	m.billed = e.scratch.monthPtrs(n)
	for i := 0; i < len(m.contribs); {
		j := i + 1
		for j < len(m.contribs) && m.contribs[j].Period == m.contribs[i].Period {
			j++
		}
		billed = append(billed, month{period: m.contribs[i].Period, bills: m.contribs[i:j:j]})
		mo := &billed[len(billed)-1]
		for _, c := range mo.bills {
			mo.due = max(mo.due, c.AmountDue)
			mo.paid += c.AmountPaid
		}
		m.billed = append(m.billed, mo)
		i = j
	}
	for _, mo := range m.billed {
		switch {
		case mo.paid >= mo.due:
			mo.state = monthPaid
		case e.overdue(mo.period):
			mo.state, mo.arrears = monthUnpaid, mo.due-mo.paid
		default:
			mo.state = monthPending
		}
	}
	m.first = m.billed[0].period
	last := max(e.payMonth, m.billed[len(m.billed)-1].period)
	var run []*month
	open := false
	m.months = e.scratch.monthPtrs(len(m.billed) + 1)
	next := 0 // the first billed month not before p
	for p := m.first; p <= last; p = e.cal.nextMonth(p) {
		if !m.covers(p) {
			continue
		}
		for next < len(m.billed) && m.billed[next].period < p {
			next++
		}
		var mo *month
		if next < len(m.billed) && m.billed[next].period == p {
			mo = m.billed[next]
		} else {
			mo = &e.scratch.months(1)[:1][0]
			*mo = month{period: p, state: monthPending}
			if e.overdue(p) {
				mo.state = monthNotBilled
				if inc, ok := m.monthIncome(p); ok && m.p.Segment == coverage.SegmentBPU {
					if due, err := e.cfg.Tariffs.Due(m.p.Programs, inc, p); err == nil {
						mo.arrears = due
					}
				}
			}
		}
		m.months = append(m.months, mo)
		switch {
		case mo.state == monthPaid:
			if open {
				m.lapses[len(m.lapses)-1][1] = p
				open = false
			}
			run = nil
		case mo.unpaid():
			run = append(run, mo)
			if len(run) == 3 && !open {
				m.lapses = append(m.lapses, [2]coverage.Period{p, ""})
				open = true
			}
		}
		mo.lapsed = open
	}
	if len(run) >= 3 {
		m.lastRun = run
	}
}

// incomeAt returns the declared monthly income in force on a date: the last
// change of the income history at or before it. With no history (records
// built by hand) the declared income is in force on every day; before the
// first known change the income is unknown.
func (m *member) incomeAt(d coverage.Date) (int64, bool) {
	return m.incomeWhere(func(at coverage.Date) bool { return at <= d })
}

// incomeWhere is the income of the last change of the history whose date
// passes in (the declared income when there is no history).
func (m *member) incomeWhere(in func(coverage.Date) bool) (int64, bool) {
	h := m.p.IncomeHistory
	if len(h) == 0 {
		return m.p.DeclaredIncome, true
	}
	var at coverage.Date
	var inc int64
	found := false
	for _, c := range h {
		if in(c.At) && (!found || c.At >= at) {
			at, inc, found = c.At, c.Income, true
		}
	}
	return inc, found
}

// incomesIn appends to incomes the declared incomes in force on some day of
// month p, in order, and reports whether the income is unknown on some day of
// it. The callers pass a buffer of their own stack: one month's incomes are
// read once, not kept.
func (m *member) incomesIn(p coverage.Period, incomes []int64) (_ []int64, partlyUnknown bool) {
	first, ok := m.incomeAt(p.First())
	if ok {
		incomes = append(incomes, first)
	} else {
		partlyUnknown = true
	}
	if len(m.p.IncomeHistory) == 0 {
		return incomes, partlyUnknown
	}
	day1 := p.First()
	during := false // a change after the first day of the month, within it
	for _, c := range m.p.IncomeHistory {
		if c.At > day1 && c.At.Period() == p {
			during = true
			break
		}
	}
	if !during {
		return incomes, partlyUnknown
	}
	changes := slices.Clone(m.p.IncomeHistory)
	slices.SortStableFunc(changes, func(a, b coverage.IncomeChange) int { return cmp.Compare(a.At, b.At) })
	for _, c := range changes {
		if c.At > p.First() && c.At.Period() == p && !slices.Contains(incomes, c.Income) {
			incomes = append(incomes, c.Income)
		}
	}
	return incomes, partlyUnknown
}

// monthIncome returns the income a month is priced at when no bill says: the
// income in force on its first day, else the first declared during it.
func (m *member) monthIncome(p coverage.Period) (int64, bool) {
	var buf [4]int64
	incomes, _ := m.incomesIn(p, buf[:0])
	if len(incomes) == 0 {
		return 0, false
	}
	return incomes[0], true
}

// monthOf returns the model's month p of the membership, nil when the month
// is not in the model (before the first bill, outside coverage, or never
// billed).
func (m *member) monthOf(p coverage.Period) *month {
	i, ok := slices.BinarySearchFunc(m.months, p, func(mo *month, p coverage.Period) int {
		return cmp.Compare(mo.period, p)
	})
	if !ok {
		return nil
	}
	return m.months[i]
}
