package reconcile

import (
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// The engine walks months person by person: the next month, the last day of
// a month and the year of a date are asked millions of times, and each asks
// package time to parse and format. The calendar answers them from small
// memos (a few hundred distinct months in any data) and parses dates
// arithmetically, with exactly the results of coverage.Period.AddMonths,
// coverage.Period.Last and coverage.Date.Time.

// memoLimit bounds each memo: months beyond it are computed, not kept.
const memoLimit = 4096

type calendar struct {
	// Months written YYYY-MM within a hundred years before the as-of month
	// are answered from tables indexed by periodNum (filled as asked);
	// others from the memos.
	base    uint32
	nextTab []coverage.Period
	lastTab []coverage.Date
	next    map[coverage.Period]coverage.Period
	last    map[coverage.Period]coverage.Date
	years   map[int]*[12]coverage.Period
}

func newCalendar(asOf coverage.Period) calendar {
	c := calendar{next: map[coverage.Period]coverage.Period{}, last: map[coverage.Period]coverage.Date{},
		years: map[int]*[12]coverage.Period{}}
	if n := periodNum(asOf); n < 1<<bitsPeriod && n >= 1200 {
		c.base = n - 1200
		c.nextTab, c.lastTab = make([]coverage.Period, 1201), make([]coverage.Date, 1201)
	}
	return c
}

// nextMonth is p.AddMonths(1).
func (c *calendar) nextMonth(p coverage.Period) coverage.Period {
	if i := periodNum(p) - c.base; i < uint32(len(c.nextTab)) { // unsigned: below base wraps
		if c.nextTab[i] == "" {
			c.nextTab[i] = p.AddMonths(1)
		}
		return c.nextTab[i]
	}
	if n, ok := c.next[p]; ok {
		return n
	}
	n := p.AddMonths(1)
	if len(c.next) < memoLimit {
		c.next[coverage.Period(strings.Clone(string(p)))] = n // not a record's string: see Engine.own
	}
	return n
}

// lastDay is p.Last().
func (c *calendar) lastDay(p coverage.Period) coverage.Date {
	if i := periodNum(p) - c.base; i < uint32(len(c.lastTab)) {
		if c.lastTab[i] == "" {
			c.lastTab[i] = p.Last()
		}
		return c.lastTab[i]
	}
	if d, ok := c.last[p]; ok {
		return d
	}
	d := p.Last()
	if len(c.last) < memoLimit {
		c.last[coverage.Period(strings.Clone(string(p)))] = d
	}
	return d
}

// months returns the twelve months of a year, January first (each as
// coverage.MakePeriod makes it).
func (c *calendar) months(year int) *[12]coverage.Period {
	if ms, ok := c.years[year]; ok {
		return ms
	}
	ms := new([12]coverage.Period)
	for i := range ms {
		ms[i] = coverage.MakePeriod(year, time.Month(i+1))
	}
	if len(c.years) < memoLimit {
		c.years[year] = ms
	}
	return ms
}

// yearOf is d.Time().Year(): the year of a valid YYYY-MM-DD date, read
// without package time; anything else goes through it (an invalid date is
// the zero time's year, 1).
func yearOf(d coverage.Date) int {
	if y, ok := fastYear(string(d)); ok {
		return y
	}
	return d.Time().Year()
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// fastYear returns the year of s when s is a real date written YYYY-MM-DD,
// as time.Parse(time.DateOnly, s) would accept it.
func fastYear(s string) (int, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return 0, false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	if d > days {
		return 0, false
	}
	return y, true
}
