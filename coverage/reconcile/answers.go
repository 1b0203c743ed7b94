package reconcile

import (
	"cmp"
	"slices"

	"github.com/cilegon/jamsostek/coverage"
)

// Denominator is the workforce a coverage rate divides by.
type Denominator struct {
	Workforce int64
	Basis     string // e.g. BPS_EMPLOYED, UCJ_TARGET
	Source    string
}

// Workforce looks up the denominator of a year and area.
type Workforce func(year int, area string) (Denominator, bool)

// YearCoverage is the coverage of one year.
type YearCoverage struct {
	Year         int
	Month        coverage.Period // the month counted: December, or the as-of month
	Participants int64           // people (NIKs) with an active membership at the end of Month
	Denominator  *Denominator    // nil when none is known
	Rate         *float64        // Participants / Workforce, nil without a denominator
}

// UCJ is the universal-coverage answer for a year and area.
type UCJ struct {
	AreaCode     string
	Current      YearCoverage
	Previous     *YearCoverage // nil when the rollup does not hold the year before
	ChangePoints *float64      // (rate - previous rate) x 100, when both are known
}

// yearCoverage counts the people covered in an area at the end of a year.
func (r *Rollup) yearCoverage(year int, area string, wf Workforce) (YearCoverage, bool) {
	_, to, ok := r.yearRange(year)
	if !ok {
		return YearCoverage{}, false
	}
	n := r.peopleAt(to, area)
	yc := YearCoverage{Year: year, Month: to, Participants: n}
	if wf != nil {
		if d, ok := wf(year, area); ok && d.Workforce > 0 {
			yc.Denominator = &d
			rate := float64(n) / float64(d.Workforce)
			yc.Rate = &rate
		}
	}
	return yc, true
}

// peopleAt counts the people covered at the end of month mo in an area (""
// for all). A rollup built before People existed (stored cells without it)
// has no People in a month with Active memberships, which a rollup built
// since never has: for it, the active memberships are counted instead.
func (r *Rollup) peopleAt(mo coverage.Period, area string) int64 {
	f := Filter{From: mo, To: mo, AreaCode: area}
	var people, active, allPeople int64
	for i := range r.Cells {
		c := &r.Cells[i]
		if c.Period != mo {
			continue
		}
		allPeople += c.People
		if f.match(c) {
			people += c.People
			active += c.Active
		}
	}
	if allPeople == 0 {
		return active
	}
	return people
}

// PeopleAt counts the people covered at the end of month mo in an area (""
// for all): UniversalCoverage's numerator.
func (r *Rollup) PeopleAt(mo coverage.Period, area string) int64 { return r.peopleAt(mo, area) }

// UniversalCoverage answers the coverage rate of a year in an area (the city
// when area is ""), with the year before and the change in points.
func (r *Rollup) UniversalCoverage(year int, area string, wf Workforce) (UCJ, error) {
	cur, ok := r.yearCoverage(year, area, wf)
	if !ok {
		return UCJ{}, coverage.Errorf(coverage.ENOTFOUND, "the rollup covers %s to %s, not %d", r.From, r.To, year)
	}
	u := UCJ{AreaCode: area, Current: cur}
	if prev, ok := r.yearCoverage(year-1, area, wf); ok {
		u.Previous = &prev
		if prev.Rate != nil && cur.Rate != nil {
			d := (*cur.Rate - *prev.Rate) * 100
			u.ChangePoints = &d
		}
	}
	return u, nil
}

// ProgramMonth is one month of the city-funded programme.
type ProgramMonth struct {
	Period            coverage.Period
	Funded            int64 // roster entries funded
	FundedEnrolled    int64 // of them with an active city-paid membership
	ContributionsDue  int64 // rupiah due on city-paid memberships
	ContributionsPaid int64 // rupiah the city paid
	ClaimsPaid        int64 // rupiah of claims paid to city-paid members
	ClaimsPaidCount   int64
}

// ProgramLine is the programme of one category (Category "" for city money on
// no roster in the line of a category, and for the total line).
type ProgramLine struct {
	Category          coverage.Category
	Workers           int64 // roster entries funded in some month of the year
	ContributionsDue  int64
	ContributionsPaid int64
	ClaimsPaid        int64
	ClaimsPaidCount   int64
	Net               int64    // contributions paid minus claims paid
	LossRatio         *float64 // claims paid / contributions paid
	MonthlyCost       int64    // tariff a month of the entries funded in the last month
	NextYearCost      int64    // the entries funded in the last month (or starting later) over their funded months of the next year, at the last month's tariffs
	Months            []ProgramMonth
}

// Program is the city-funded programme of a year.
type Program struct {
	Year       int
	From, To   coverage.Period
	Categories []ProgramLine // sorted by category; "" (off-roster city money) last
	Total      ProgramLine
}

// APBDProgram answers the city-funded programme of a year: the roster's
// categories, what the city paid for them and what came back in claims.
func (r *Rollup) APBDProgram(year int) (Program, error) {
	from, to, ok := r.yearRange(year)
	if !ok {
		return Program{}, coverage.Errorf(coverage.ENOTFOUND, "the rollup covers %s to %s, not %d", r.From, r.To, year)
	}
	prog := Program{Year: year, From: from, To: to}
	lines := map[coverage.Category]*ProgramLine{}
	months := map[coverage.Category]map[coverage.Period]*ProgramMonth{}
	line := func(c coverage.Category) (*ProgramLine, map[coverage.Period]*ProgramMonth) {
		if lines[c] == nil {
			lines[c] = &ProgramLine{Category: c}
			months[c] = map[coverage.Period]*ProgramMonth{}
		}
		return lines[c], months[c]
	}
	for i := range r.Cells {
		c := &r.Cells[i]
		if c.Period < from || c.Period > to {
			continue
		}
		apbd := c.Payer == coverage.PayerAPBD
		if c.Funded == 0 && c.FundedNextYearDue == 0 && !apbd {
			continue
		}
		l, ms := line(c.Category)
		pm := ms[c.Period]
		if pm == nil {
			pm = &ProgramMonth{Period: c.Period}
			ms[c.Period] = pm
		}
		pm.Funded += c.Funded
		pm.FundedEnrolled += c.FundedEnrolled
		l.Workers += c.FundedFirstYear
		if c.Period == to {
			l.MonthlyCost += c.FundedMonthlyDue
			l.NextYearCost += c.FundedNextYearDue
		}
		if apbd {
			claims := c.ClaimsTotal()
			pm.ContributionsDue += c.DueAmount
			pm.ContributionsPaid += c.PaidAmount
			pm.ClaimsPaid += claims.PaidAmount
			pm.ClaimsPaidCount += claims.PaidCount
		}
	}
	total := ProgramLine{}
	totalMonths := map[coverage.Period]*ProgramMonth{}
	for cat, l := range lines {
		for _, pm := range months[cat] {
			l.ContributionsDue += pm.ContributionsDue
			l.ContributionsPaid += pm.ContributionsPaid
			l.ClaimsPaid += pm.ClaimsPaid
			l.ClaimsPaidCount += pm.ClaimsPaidCount
			t := totalMonths[pm.Period]
			if t == nil {
				t = &ProgramMonth{Period: pm.Period}
				totalMonths[pm.Period] = t
			}
			t.Funded += pm.Funded
			t.FundedEnrolled += pm.FundedEnrolled
			t.ContributionsDue += pm.ContributionsDue
			t.ContributionsPaid += pm.ContributionsPaid
			t.ClaimsPaid += pm.ClaimsPaid
			t.ClaimsPaidCount += pm.ClaimsPaidCount
		}
		l.Months = fillMonths(from, to, months[cat])
		l.finish()
		total.Workers += l.Workers
		total.ContributionsDue += l.ContributionsDue
		total.ContributionsPaid += l.ContributionsPaid
		total.ClaimsPaid += l.ClaimsPaid
		total.ClaimsPaidCount += l.ClaimsPaidCount
		total.MonthlyCost += l.MonthlyCost
		total.NextYearCost += l.NextYearCost
		prog.Categories = append(prog.Categories, *l)
	}
	total.Months = fillMonths(from, to, totalMonths)
	total.finish()
	prog.Total = total
	slices.SortFunc(prog.Categories, func(a, b ProgramLine) int {
		if (a.Category == "") != (b.Category == "") {
			if a.Category == "" {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.Category, b.Category)
	})
	return prog, nil
}

func (l *ProgramLine) finish() {
	l.Net = l.ContributionsPaid - l.ClaimsPaid
	if l.ContributionsPaid > 0 {
		r := float64(l.ClaimsPaid) / float64(l.ContributionsPaid)
		l.LossRatio = &r
	}
}

// fillMonths lists every month from..to, zero where nothing happened.
func fillMonths(from, to coverage.Period, ms map[coverage.Period]*ProgramMonth) []ProgramMonth {
	var out []ProgramMonth
	for m := from; m <= to; m = m.AddMonths(1) {
		if pm := ms[m]; pm != nil {
			out = append(out, *pm)
		} else {
			out = append(out, ProgramMonth{Period: m})
		}
	}
	return out
}

// DeclaredComparison is a declared figure next to the counted one.
type DeclaredComparison struct {
	coverage.DeclaredTotal
	Counted    int64
	Difference int64 // counted minus declared
	Known      bool  // false when the rollup does not cover the year
}

// CompareDeclared compares declared totals with the rollup.
func (r *Rollup) CompareDeclared(ds []coverage.DeclaredTotal) []DeclaredComparison {
	out := make([]DeclaredComparison, 0, len(ds))
	for _, d := range ds {
		n, ok := Counted(r, d.Metric, d.Year, d.AreaCode, d.Category)
		dc := DeclaredComparison{DeclaredTotal: d, Counted: n, Known: ok}
		if ok {
			dc.Difference = n - d.Value
		}
		out = append(out, dc)
	}
	return out
}

// FundedLine is the city-funded roster of one category at the end of a month.
type FundedLine struct {
	Category       coverage.Category // "" in the total
	Funded         int64             // roster entries funded in the month
	FundedEnrolled int64             // of them, with an active city-paid membership
	MonthlyCost    int64             // what they cost a month at the month's tariff
}

// FundedAt answers the roster entries funded in month m by category, in an
// area (a city, kecamatan or kelurahan code; "" for all, outside the city
// too): a point-in-time figure, any month the rollup holds. Lines are sorted
// by category; the total sums them.
func (r *Rollup) FundedAt(m coverage.Period, area string) ([]FundedLine, FundedLine, error) {
	if err := m.Validate(); err != nil || m == "" {
		return nil, FundedLine{}, coverage.Errorf(coverage.EINVALID, "month %q is not a YYYY-MM month", coverage.Clip(string(m)))
	}
	if m < r.From || m > r.To {
		return nil, FundedLine{}, coverage.Errorf(coverage.ENOTFOUND, "the rollup covers %s to %s, not %s", r.From, r.To, m)
	}
	f := Filter{From: m, To: m, AreaCode: area}
	lines := map[coverage.Category]*FundedLine{}
	var total FundedLine
	for i := range r.Cells {
		c := &r.Cells[i]
		if c.Period != m || c.Category == "" || c.Funded == 0 || !f.match(c) {
			continue
		}
		l := lines[c.Category]
		if l == nil {
			l = &FundedLine{Category: c.Category}
			lines[c.Category] = l
		}
		for _, x := range []*FundedLine{l, &total} {
			x.Funded += c.Funded
			x.FundedEnrolled += c.FundedEnrolled
			x.MonthlyCost += c.FundedMonthlyDue
		}
	}
	out := make([]FundedLine, 0, len(lines))
	for _, l := range lines {
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b FundedLine) int { return cmp.Compare(a.Category, b.Category) })
	return out, total, nil
}
