package reconcile

import (
	"slices"

	"github.com/cilegon/jamsostek/coverage"
)

// bpuCompulsory are the programs every BPU membership must be billed for
// (docs/domain.md: JKK and JKM are compulsory for non-wage workers).
var bpuCompulsory = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM}

// tariffMismatch checks each billed month of a BPU membership (TARIFF_MISMATCH):
// the month's due (the highest amount_due of its bills) must be the tariff of
// its billed programs at the declared income in force in the month; it is
// right when it matches the income in force on any day of the month. A month
// whose income is unknown on some day and matches none known is not checked
// (Stats.TariffUnknownMonths). A month billed without JKK or JKM is off too,
// by the tariff of the missing programs (at the income in force, or at the
// lowest band, Rp1,000,000, when unknown). It returns the months off and the
// rupiah at stake: per month, the smallest difference from a tariff in force
// plus the tariff of the missing programs.
func (e *Engine) tariffMismatch(m *member) (months []coverage.Period, amount int64) {
	if m.p.Segment != coverage.SegmentBPU {
		return nil, 0
	}
	for _, mo := range m.billed {
		progs := mo.programs()
		var off int64
		bad := false
		var missing []coverage.Program
		for _, p := range bpuCompulsory {
			if !slices.Contains(progs, p) {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			inc, ok := m.monthIncome(mo.period)
			if !ok {
				inc = defaultFundedIncome
			}
			miss, _ := e.cfg.Tariffs.Due(missing, inc, mo.period)
			off += miss
			bad = true
		}
		var buf [4]int64
		incomes, partlyUnknown := m.incomesIn(mo.period, buf[:0])
		diff, checked := e.dueDiff(mo.due, progs, incomes, partlyUnknown, mo.period)
		switch {
		case !checked:
			e.stats.TariffUnknownMonths++
		case diff != 0:
			off += diff
			bad = true
		}
		if bad {
			months = append(months, mo.period)
			amount += off
		}
	}
	return months, amount
}

// dueDiff returns how far a month's due is from the tariff of its programs at
// the incomes in force in the month: 0 when it matches one of them, else the
// smallest difference. checked is false when it matches none and the income
// is unknown on some day of the month (the unknown income might be right). A
// program with no BPU tariff in force prices the month at 0: its whole due is
// off.
func (e *Engine) dueDiff(due int64, progs []coverage.Program, incomes []int64, partlyUnknown bool, p coverage.Period) (diff int64, checked bool) {
	best := int64(-1)
	for _, inc := range incomes {
		want, err := e.cfg.Tariffs.Due(progs, inc, p)
		if err != nil {
			want = 0
		}
		d := max(due-want, want-due)
		if best < 0 || d < best {
			best = d
		}
	}
	switch {
	case best == 0:
		return 0, true
	case partlyUnknown:
		return 0, false
	}
	return best, true
}
