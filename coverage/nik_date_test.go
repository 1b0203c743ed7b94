package coverage

import (
	"fmt"
	"testing"
	"time"
)

// TestParseNIKDatesAgainstTime checks ParseNIK's own calendar (daysIn,
// dateOfYMD) against package time on every day and month field a NIK can
// carry, valid or not, men's and women's, in both centuries: the same dates
// accepted, the same written.
func TestParseNIKDatesAgainstTime(t *testing.T) {
	checked := 0
	for yy := range 100 {
		for month := range 100 {
			for dd := range 100 {
				s := fmt.Sprintf("367201%02d%02d%02d0001", dd, month, yy)
				n, err := ParseNIK(s)
				day, gender := dd, GenderMale
				if day > 40 {
					day, gender = day-40, GenderFemale
				}
				year := 1900 + yy
				if yy <= NIKCenturyPivot {
					year = 2000 + yy
				}
				ref := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
				valid := day >= 1 && month >= 1 && month <= 12 && ref.Day() == day && int(ref.Month()) == month
				if valid != (err == nil) {
					t.Fatalf("%s: ParseNIK error %v, package time says valid=%v", s, err, valid)
				}
				if CheckNIK(s) == nil != valid {
					t.Fatalf("%s: CheckNIK disagrees with ParseNIK", s)
				}
				if !valid {
					continue
				}
				if want := DateOf(ref); n.BirthDate != want || n.Gender != gender {
					t.Fatalf("%s: birth %s %s, want %s %s", s, n.BirthDate, n.Gender, want, gender)
				}
				checked++
			}
		}
	}
	// A century of days (25 leap days from 1926 to 2025, 2000 one of them),
	// once for men and once for women.
	if want := 2 * (100*365 + 25); checked != want {
		t.Errorf("%d valid dates, want %d", checked, want)
	}
}
