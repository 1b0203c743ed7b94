package reconcile

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"

	"github.com/cilegon/jamsostek/coverage"
)

// Claim experience and the funding plan are two small tables a pass builds
// beside the cells, for the scenarios of package coverage/scenario: what a
// category's members cost and claimed per programme (the cells count claims
// per programme, but not the member-months each programme covered, nor each
// claim's amount), and the roster as it will be funded in the year after
// the as-of month.

// ExperienceKey is a month of incidents and the members exposed in it: the
// city-funded category they carry that month ("" when none) and their
// segment.
type ExperienceKey struct {
	Period   coverage.Period
	Category coverage.Category
	Segment  coverage.Segment
}

// ExperienceMeasures are one programme's figures in an experience row.
type ExperienceMeasures struct {
	// Exposure counts member-months: memberships active at the end of the
	// month (as the cells' Active) whose programmes include this one.
	Exposure int64
	// Contributions are the rupiah paid for the month's bills, this
	// programme's share by tariff at the member's income (a programme with
	// no BPU tariff, JP or JKP, weighs Rp1: its share is not known).
	Contributions int64
	// Claims and PaidAmount count the paid claims of the programme whose
	// incident was in the month; Amounts are their paid amounts, ascending.
	Claims     int64
	PaidAmount int64
	Amounts    []int64
}

// ExperienceRow is one key's figures, by programme (coverage.Programs order).
type ExperienceRow struct {
	ExperienceKey
	Programs [5]ExperienceMeasures
}

// PlanLine is the roster of the plan year (the year after the as-of month)
// as known in the as-of month: the entries of a category and kelurahan
// priced at the same programmes and income.
type PlanLine struct {
	Category  coverage.Category
	Kelurahan string
	Programs  []coverage.Program // the programmes priced, in coverage.Programs order
	Income    int64              // the declared income priced (the tariff band)
	// Entries are roster entries funded in some month of the plan year,
	// MemberMonths their funded months.
	Entries      int64
	MemberMonths int64
	// MonthDue is the entries' tariff for a month, each at its city-paid
	// membership's income (Rp1,000,000 without one), at the as-of month's
	// tariffs; Due is what their funded months cost (the cells'
	// FundedNextYearDue of the as-of month, for these entries).
	MonthDue int64
	Due      int64
	// Enrolled entries have an active city-paid membership at the as-of
	// date; Exclusive ones of them have no other active membership and no
	// other entry funded in the plan year, so they lose their cover when
	// their funding stops. CoverKelurahan is where the exclusive entries'
	// people are counted covered (their membership's domicile; "" on a
	// line of entries not exclusive): lines differ by it.
	Enrolled       int64
	Exclusive      int64
	CoverKelurahan string
	// Shared entries belong to people with another entry funded in the
	// plan year (another category).
	Shared int64
}

// expSeries are the experience rows of one category and segment, by month
// from the rollup's first: a member-month finds its row by index, not by
// hashing its key (the exposure loop runs once per member-month).
type expSeries struct {
	cat  coverage.Category
	seg  coverage.Segment
	rows []*ExperienceRow
}

type seriesKey struct {
	cat coverage.Category
	seg coverage.Segment
}

// experience returns the row of a key (a month of the rollup), creating it.
func (e *Engine) experience(k ExperienceKey) *ExperienceRow {
	s := e.lastSeries
	if s == nil || s.cat != k.Category || s.seg != k.Segment {
		if e.series == nil {
			e.series = map[seriesKey]*expSeries{}
		}
		s = e.series[seriesKey{k.Category, k.Segment}]
		if s == nil {
			s = &expSeries{cat: k.Category, seg: k.Segment, rows: make([]*ExperienceRow, periodNum(e.asOfMonth)-periodNum(e.cfg.From)+1)}
			e.series[seriesKey{k.Category, k.Segment}] = s
		}
		e.lastSeries = s
	}
	off := periodNum(k.Period) - e.fromNum
	if off >= uint32(len(s.rows)) {
		return &ExperienceRow{ExperienceKey: k} // outside the rollup's months: counted nowhere
	}
	r := s.rows[off]
	if r == nil {
		r = &ExperienceRow{ExperienceKey: k}
		s.rows[off] = r
	}
	return r
}

// tariffAt returns the tariff of programme i (coverage.Programs) in force in
// month mo, off months after the rollup's first, from a table built once a
// pass.
func (e *Engine) tariffAt(i int, off uint32, mo coverage.Period) (*coverage.Tariff, bool) {
	if off >= uint32(len(e.tariffs)) {
		t, ok := e.cfg.Tariffs.For(coverage.Programs[i], mo)
		return &t, ok
	}
	t := e.tariffs[off][i]
	return t, t != nil
}

// incomeAtStart is incomeAt on the first day of month p, without building
// the date.
func (m *member) incomeAtStart(p coverage.Period) (int64, bool) {
	return m.incomeWhere(func(at coverage.Date) bool { return onOrBeforeStart(at, p) })
}

// onOrBeforeStart reports whether d <= the first day of month p.
func onOrBeforeStart(d coverage.Date, p coverage.Period) bool {
	s := string(d)
	if len(s) != 10 || len(p) != 7 {
		return d <= p.First()
	}
	if s[:7] != string(p) {
		return s[:7] < string(p)
	}
	return s[8:] <= "01"
}

// buildTariffs fills the table of tariffAt.
func (e *Engine) buildTariffs() {
	e.fromNum = periodNum(e.cfg.From)
	for mo := e.cfg.From; mo <= e.asOfMonth; mo = mo.AddMonths(1) {
		var row [5]*coverage.Tariff
		for i, p := range coverage.Programs {
			if t, ok := e.cfg.Tariffs.For(p, mo); ok {
				row[i] = &t
			}
		}
		e.tariffs = append(e.tariffs, row)
	}
}

// programIndexes returns the coverage.Programs indexes of a list, each once,
// in that order.
func programIndexes(ps []coverage.Program, buf []int) []int {
	var mask uint8
	for _, p := range ps {
		switch p {
		case coverage.ProgramJKK:
			mask |= 1
		case coverage.ProgramJKM:
			mask |= 2
		case coverage.ProgramJHT:
			mask |= 4
		case coverage.ProgramJP:
			mask |= 8
		case coverage.ProgramJKP:
			mask |= 16
		}
	}
	for i := range coverage.Programs {
		if mask&(1<<i) != 0 {
			buf = append(buf, i)
		}
	}
	return buf
}

// exposure adds a member-month of an active membership whose programmes are
// idx (programIndexes) and returns its row (nil when it has no programme).
func (pp *personPass) exposure(m *member, idx []int, mo coverage.Period, cat coverage.Category) *ExperienceRow {
	if len(idx) == 0 {
		return nil
	}
	row := pp.e.experience(ExperienceKey{Period: mo, Category: cat, Segment: m.p.Segment})
	for _, i := range idx {
		row.Programs[i].Exposure++
	}
	return row
}

// contributionShares adds a paid bill to its month's row, split over its
// programmes by their tariffs at the member's income; the last share takes
// the rounding, so the shares add up to the amount paid.
func (pp *personPass) contributionShares(m *member, c *coverage.Contribution, row *ExperienceRow) {
	var buf [5]int
	idx := programIndexes(c.Programs, buf[:0])
	if len(idx) == 0 || row == nil {
		return
	}
	income, ok := m.incomeAtStart(c.Period)
	if !ok {
		income = m.p.DeclaredIncome
	}
	var weights [5]int64
	var sum int64
	off := periodNum(c.Period) - pp.e.fromNum
	for _, i := range idx {
		w := int64(1)
		if t, ok := pp.e.tariffAt(i, off, c.Period); ok {
			w = t.Amount(income)
		}
		weights[i] = w
		sum += w
	}
	left := c.AmountPaid
	for n, i := range idx {
		share := left
		if n < len(idx)-1 && sum > 0 {
			if hi, lo := bits.Mul64(uint64(c.AmountPaid), uint64(weights[i])); hi < uint64(sum) {
				q, _ := bits.Div64(hi, lo, uint64(sum)) // the product may pass int64 on absurd incomes
				share = int64(q)
			}
		}
		row.Programs[i].Contributions += share
		left -= share
	}
}

// claimExperience adds a paid claim to the row of its incident's month.
func (pp *personPass) claimExperience(m *member, c *coverage.Claim, prog int, cat coverage.Category) {
	if c.Status != coverage.ClaimPaid || c.AmountPaid <= 0 {
		return
	}
	mo := c.IncidentDate.Period()
	if !pp.e.inWindow(mo) {
		return
	}
	em := &pp.e.experience(ExperienceKey{Period: mo, Category: cat, Segment: m.p.Segment}).Programs[prog]
	em.Claims++
	em.PaidAmount += c.AmountPaid
	em.Amounts = append(em.Amounts, c.AmountPaid)
}

// planEntry adds a roster entry funded in the plan year to its plan line.
func (pp *personPass) planEntry(r *coverage.RosterEntry) {
	e := pp.e
	planYear := e.asOfMonth.Year() + 1
	months := e.fundedMonths(r, planYear)
	if months == 0 {
		return
	}
	// A person with another entry funded in the plan year keeps the cover
	// when one category is removed: not exclusive on either (Shared).
	var shared int64
	for i := range pp.p.Roster {
		if o := &pp.p.Roster[i]; o != r && e.fundedMonths(o, planYear) > 0 {
			shared = 1
		}
	}
	mo := e.asOfMonth
	programs, income := defaultFundedPrograms, int64(defaultFundedIncome)
	var enrolled, exclusive int64
	var cover string
	if prim := pp.primary(mo); prim != nil && prim.p.PayerType == coverage.PayerAPBD {
		programs, income = prim.p.Programs, prim.p.DeclaredIncome
		if pp.active(prim, mo) {
			enrolled, exclusive = 1, 1-shared
			for _, o := range pp.members {
				if o != prim && pp.active(o, mo) {
					exclusive = 0
				}
			}
			if exclusive == 1 {
				// Counted covered (People) where its only active
				// membership says it lives, not where the roster does.
				cover = prim.p.KelurahanCode
			}
		}
	}
	var buf [5]coverage.Program
	sorted, mask := buf[:0], uint8(0)
	for i, p := range coverage.Programs {
		if slices.Contains(programs, p) {
			sorted = append(sorted, p)
			mask |= 1 << i
		}
	}
	due, err := e.cfg.Tariffs.Due(sorted, income, mo)
	if err != nil {
		due = 0 // no tariff in force: priced at nothing, as the cells do
	}
	k := planKey{cat: r.Category, kel: r.KelurahanCode, progs: mask, income: income, cover: cover}
	if e.plan == nil {
		e.plan = map[planKey]*PlanLine{}
	}
	l := e.plan[k]
	if l == nil {
		l = &PlanLine{Category: r.Category, Kelurahan: r.KelurahanCode, Programs: slices.Clone(sorted), Income: income, CoverKelurahan: cover}
		e.plan[k] = l
	}
	l.Entries++
	l.MemberMonths += int64(months)
	l.MonthDue += due
	l.Due += due * int64(months)
	l.Enrolled += enrolled
	l.Exclusive += exclusive
	l.Shared += shared
}

type planKey struct {
	cat    coverage.Category
	kel    string
	progs  uint8 // bit i: coverage.Programs[i]
	income int64
	cover  string
}

func programsKey(ps []coverage.Program) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

// finishTables sorts the experience and the plan into the rollup.
func (e *Engine) finishTables(r *Rollup) {
	r.PlanYear = e.asOfMonth.Year() + 1
	r.Experience = nil
	for _, s := range e.series {
		for _, row := range s.rows {
			if row == nil {
				continue
			}
			for i := range row.Programs {
				slices.Sort(row.Programs[i].Amounts)
			}
			r.Experience = append(r.Experience, *row)
		}
	}
	slices.SortFunc(r.Experience, func(a, b ExperienceRow) int { return a.ExperienceKey.Compare(b.ExperienceKey) })
	r.Plan = make([]PlanLine, 0, len(e.plan))
	for _, l := range e.plan {
		r.Plan = append(r.Plan, *l)
	}
	slices.SortFunc(r.Plan, func(a, b PlanLine) int {
		return cmp.Or(cmp.Compare(a.Category, b.Category), cmp.Compare(a.Kelurahan, b.Kelurahan),
			slices.Compare(a.Programs, b.Programs), cmp.Compare(a.Income, b.Income), cmp.Compare(a.CoverKelurahan, b.CoverKelurahan))
	})
}

// Compare orders experience keys by month, category and segment.
func (k ExperienceKey) Compare(o ExperienceKey) int {
	return cmp.Or(cmp.Compare(k.Period, o.Period), cmp.Compare(k.Category, o.Category), cmp.Compare(k.Segment, o.Segment))
}

// hashTables returns the content hash of the experience and the plan.
func hashTables(planYear int, exp []ExperienceRow, plan []PlanLine) string {
	h := sha256.New()
	var b []byte
	num := func(v int64) { b = binary.LittleEndian.AppendUint64(b, uint64(v)) }
	str := func(s string) { b = append(append(b, s...), '|') }
	num(int64(planYear))
	for i := range exp {
		r := &exp[i]
		str(string(r.Period))
		str(string(r.Category))
		str(string(r.Segment))
		for _, m := range r.Programs {
			num(m.Exposure)
			num(m.Contributions)
			num(m.Claims)
			num(m.PaidAmount)
			num(int64(len(m.Amounts)))
			for _, a := range m.Amounts {
				num(a)
			}
		}
		h.Write(b)
		b = b[:0]
	}
	str("plan")
	for i := range plan {
		l := &plan[i]
		str(string(l.Category))
		str(l.Kelurahan)
		str(programsKey(l.Programs))
		str(l.CoverKelurahan)
		for _, v := range [...]int64{l.Income, l.Entries, l.MemberMonths, l.MonthDue, l.Due, l.Enrolled, l.Exclusive, l.Shared} {
			num(v)
		}
		h.Write(b)
		b = b[:0]
	}
	h.Write(b)
	return string(h.Sum(nil))
}
