package coverage

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar date written YYYY-MM-DD. The zero value "" means no date
// (JSON null). Dates compare correctly as strings.
type Date string

// Period is a contribution month written YYYY-MM. The zero value "" means none.
// Periods compare correctly as strings.
type Period string

// ParseDate parses YYYY-MM-DD and checks that the date exists.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return "", Errorf(EINVALID, "date %q is not a valid YYYY-MM-DD date", Clip(s))
	}
	return Date(s), nil
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date { return Date(t.Format(time.DateOnly)) }

// Time returns midnight UTC of the date; the zero time for "".
func (d Date) Time() time.Time {
	t, _ := time.Parse(time.DateOnly, string(d))
	return t
}

// Period returns the month the date falls in.
func (d Date) Period() Period {
	if len(d) < 7 {
		return ""
	}
	return Period(d[:7])
}

// IsZero reports whether d is the empty date.
func (d Date) IsZero() bool { return d == "" }

// Validate checks d is empty or a real date.
func (d Date) Validate() error {
	if d == "" {
		return nil
	}
	_, err := ParseDate(string(d))
	return err
}

// MarshalJSON writes the date as a string, or null when empty.
func (d Date) MarshalJSON() ([]byte, error) {
	if d == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(d))
}

// ParsePeriod parses YYYY-MM.
func ParsePeriod(s string) (Period, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || t.Format("2006-01") != s {
		return "", Errorf(EINVALID, "period %q is not a valid YYYY-MM month", Clip(s))
	}
	return Period(s), nil
}

// PeriodOf returns the month of t.
func PeriodOf(t time.Time) Period { return Period(t.Format("2006-01")) }

// MakePeriod returns the period of the given year and month.
func MakePeriod(year int, month time.Month) Period {
	return PeriodOf(time.Date(year, month, 1, 0, 0, 0, 0, time.UTC))
}

// Year returns the period's year, 0 for "". A period reached by AddMonths
// past 9999 has a longer year ("10000-01"), read whole.
func (p Period) Year() int {
	i := strings.LastIndexByte(string(p), '-')
	if i < 4 {
		return 0
	}
	y, _ := strconv.Atoi(string(p[:i]))
	return y
}

// Month returns the period's month, 0 for "".
func (p Period) Month() time.Month {
	i := strings.LastIndexByte(string(p), '-')
	if i < 4 || len(p) != i+3 {
		return 0
	}
	m, _ := strconv.Atoi(string(p[i+1:]))
	return time.Month(m)
}

// AddMonths returns the period n months later (earlier when n < 0).
func (p Period) AddMonths(n int) Period {
	return PeriodOf(time.Date(p.Year(), p.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC))
}

// First returns the first day of the period.
func (p Period) First() Date { return Date(string(p) + "-01") }

// Last returns the last day of the period.
func (p Period) Last() Date {
	return DateOf(time.Date(p.Year(), p.Month()+1, 0, 0, 0, 0, 0, time.UTC))
}

// IsZero reports whether p is the empty period.
func (p Period) IsZero() bool { return p == "" }

// Validate checks p is empty or a real month.
func (p Period) Validate() error {
	if p == "" {
		return nil
	}
	_, err := ParsePeriod(string(p))
	return err
}

// MarshalJSON writes the period as a string, or null when empty.
func (p Period) MarshalJSON() ([]byte, error) {
	if p == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(p))
}

// MonthsBetween returns the number of months from a to b (b - a).
func MonthsBetween(a, b Period) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}
