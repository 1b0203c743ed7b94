package reconcile

import (
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// TestCalendarMatchesTime: the calendar's answers are package time's.
func TestCalendarMatchesTime(t *testing.T) {
	c := newCalendar("2025-06")
	for _, p := range []coverage.Period{"2024-01", "2024-02", "2023-12", "1999-12", "2024-11", "1925-06", "1925-05", "1925-07", "2025-06", "2025-07", "2026-01", "0001-01", "9999-12", "2024-13", "", "24-01", "2024-1"} {
		for range 2 { // memoized the second time
			if got, want := c.nextMonth(p), p.AddMonths(1); got != want {
				t.Errorf("nextMonth(%q) = %q, want %q", p, got, want)
			}
			if got, want := c.lastDay(p), p.Last(); got != want {
				t.Errorf("lastDay(%q) = %q, want %q", p, got, want)
			}
		}
	}
	for y := 1999; y <= 2026; y++ {
		for i, m := range c.months(y) {
			if want := coverage.MakePeriod(y, timeMonth(i+1)); m != want {
				t.Errorf("months(%d)[%d] = %q, want %q", y, i, m, want)
			}
		}
	}
	for _, d := range []coverage.Date{"2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "2024-04-31", "2024-04-30", "2024-00-10",
		"2024-12-00", "2024-12-31", "0000-01-01", "abcd-01-01", "2024/01/01", "", "2024-1-01", "+202-01-01", "2024-01-0a", "9999-12-31"} {
		if got, want := yearOf(d), d.Time().Year(); got != want {
			t.Errorf("yearOf(%q) = %d, want %d", d, got, want)
		}
	}
}

func timeMonth(m int) time.Month { return time.Month(m) }
