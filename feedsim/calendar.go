package feedsim

import (
	"strconv"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// mon is a month as one number, year*12 + month - 1, so months add and compare
// as integers in the hot loops.
type mon int

func monOf(t time.Time) mon { return mon(t.Year()*12 + int(t.Month()) - 1) }

func monOfDate(d coverage.Date) mon { return monOf(d.Time()) }

func monOfPeriod(p coverage.Period) mon { return mon(p.Year()*12 + int(p.Month()) - 1) }

func (m mon) year() int           { return int(m) / 12 }
func (m mon) month() time.Month   { return time.Month(int(m)%12 + 1) }
func (m mon) first() time.Time    { return time.Date(m.year(), m.month(), 1, 0, 0, 0, 0, time.UTC) }
func (m mon) day(d int) time.Time { return time.Date(m.year(), m.month(), d, 0, 0, 0, 0, time.UTC) }
func (m mon) days() int           { return m.day(1).AddDate(0, 1, -1).Day() }

// Periods and the days of the month as strings, built once: a contribution needs
// both and there are hundreds of thousands of them.
const (
	firstCachedYear = 1990
	lastCachedYear  = 2040
)

var (
	periodCache [(lastCachedYear - firstCachedYear + 1) * 12]coverage.Period
	dateCache   [(lastCachedYear - firstCachedYear + 1) * 12][32]coverage.Date
	dayCache    [32]string
)

func init() {
	for i := range periodCache {
		periodCache[i] = coverage.PeriodOf(mon(firstCachedYear*12 + i).first())
	}
	for d := range dayCache {
		dayCache[d] = strconv.Itoa(100 + d)[1:]
	}
	for i := range dateCache {
		for d := 1; d < 32; d++ {
			dateCache[i][d] = coverage.Date(string(periodCache[i]) + "-" + dayCache[d])
		}
	}
}

func (m mon) period() coverage.Period {
	if i := int(m) - firstCachedYear*12; i >= 0 && i < len(periodCache) {
		return periodCache[i]
	}
	return coverage.PeriodOf(m.first())
}

// yyyymm is the period without its dash, as in contribution ids.
func (m mon) yyyymm() string { p := m.period(); return string(p[:4]) + string(p[5:]) }

// date returns the date of day d of the month.
func (m mon) date(d int) coverage.Date {
	if i := int(m) - firstCachedYear*12; i >= 0 && i < len(periodCache) {
		return dateCache[i][d]
	}
	return coverage.Date(string(m.period()) + "-" + dayCache[d])
}

// dateOf is the calendar date of a time (UTC).
func dateOf(t time.Time) coverage.Date { return coverage.DateOf(t.UTC()) }

// midnight truncates a UTC time to its day.
func midnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// days between two midnights.
func daysBetween(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// wib is Asia/Jakarta (UTC+7, no daylight saving): the city's calendar.
var wib = time.FixedZone("WIB", 7*3600)

// WIBMidnight returns 00:00 WIB on a day (17:00 UTC the day before), plus
// offset: WIBMidnight(2024, 8, 16, -time.Second) is 23:59:59 WIB on the 15th,
// the last second before August's contribution is overdue.
func WIBMidnight(year int, month time.Month, day int, offset time.Duration) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, wib).Add(offset).UTC()
}

// dueMonthAt is the last month whose contribution is overdue at instant t:
// a month's is due by its 15th and overdue from 00:00 WIB on the 16th.
func dueMonthAt(t time.Time) mon {
	w := t.In(wib)
	m := mon(w.Year()*12 + int(w.Month()) - 1)
	if w.Day() < 16 {
		m--
	}
	return m
}
