package coverage_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cilegon/jamsostek/coverage"
)

// Fuzz tests of the domain's parsers of untrusted input (feed records, API
// arguments, spreadsheet cells). Seeds are the f.Add calls; `go test -fuzz
// FuzzX ./coverage` searches further (.ci/run runs each briefly).

func FuzzParseNIK(f *testing.F) {
	for _, s := range []string{"3672011205900001", "3672085206850012", "3672014101000001", "1100000000000000", "3672013102990001",
		"3672012902000001", "3672012902010001", "9999999999999999", "367201120590000", "36720112059000011", "367201120590000x", "", "３６７２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := coverage.ParseNIK(s)
		m := coverage.MaskNIK(s)
		if len(m) != 16 {
			t.Fatalf("MaskNIK(%q) = %q, not 16 bytes", s, m)
		}
		if utf8.ValidString(s) && coverage.CheckNIKShape(s) == nil && !utf8.ValidString(m) {
			t.Fatalf("MaskNIK(%q) = %q, not UTF-8", s, m)
		}
		if err != nil {
			if coverage.ErrorCode(err) != coverage.EINVALID {
				t.Fatalf("ParseNIK(%q): %v, want EINVALID", s, err)
			}
			return
		}
		if coverage.CheckNIKShape(s) != nil || n.Number != s || !strings.HasPrefix(s, n.KecamatanCode) {
			t.Fatalf("ParseNIK(%q) = %+v", s, n)
		}
		if _, err := coverage.ParseDate(string(n.BirthDate)); err != nil {
			t.Fatalf("ParseNIK(%q): birth date %q: %v", s, n.BirthDate, err)
		}
		if back := coverage.FormatNIK(n.KecamatanCode, n.BirthDate, n.Gender, n.Serial); back != s {
			t.Fatalf("FormatNIK(ParseNIK(%q)) = %q", s, back)
		}
		if strings.Contains(m, s[6:14]) && s[6:14] != "********" {
			t.Fatalf("MaskNIK(%q) = %q shows the birth date and serial", s, m)
		}
	})
}

func FuzzParseDateAndPeriod(f *testing.F) {
	for _, s := range []string{"2024-08-22", "2024-02-29", "2023-02-29", "2024-13-01", "0000-01-01", "9999-12-31", "2024-1-1", "2024-08", "2024-00", " 2024-08", "2024-08-22T00:00:00Z", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := coverage.ParseDate(s); err == nil {
			if string(d) != s || d.Validate() != nil || coverage.DateOf(d.Time()) != d {
				t.Fatalf("ParseDate(%q) = %q, which does not read back", s, d)
			}
			if _, err := coverage.ParsePeriod(string(d.Period())); err != nil {
				t.Fatalf("ParseDate(%q): period %q: %v", s, d.Period(), err)
			}
		} else if coverage.ErrorCode(err) != coverage.EINVALID {
			t.Fatalf("ParseDate(%q): %v, want EINVALID", s, err)
		}
		if p, err := coverage.ParsePeriod(s); err == nil {
			if string(p) != s || p.Validate() != nil || p.AddMonths(0) != p || p.Last().Period() != p || p.First().Period() != p {
				t.Fatalf("ParsePeriod(%q) = %q, which does not read back", s, p)
			}
			if q := p.AddMonths(13); coverage.MonthsBetween(p, q) != 13 {
				t.Fatalf("ParsePeriod(%q): 13 months on is %q, %d months apart", s, q, coverage.MonthsBetween(p, q))
			}
		} else if coverage.ErrorCode(err) != coverage.EINVALID {
			t.Fatalf("ParsePeriod(%q): %v, want EINVALID", s, err)
		}
	})
}

func FuzzAreaCodeAndCategory(f *testing.F) {
	for _, s := range []string{"3672", "367201", "3672011001", "367299", "3673011001", "36x", "", "RT_RW", "KADER", "kader", "ADHOC_KPU"} {
		f.Add(s)
	}
	areas := coverage.Cilegon()
	f.Fuzz(func(t *testing.T, s string) {
		_, lerr := coverage.AreaLevelOf(s)
		if err := areas.CheckArea(s); err == nil {
			if lerr != nil {
				t.Fatalf("CheckArea(%q) accepts a code whose level is unknown: %v", s, lerr)
			}
			if _, ok := areas.Lookup(s); !ok {
				t.Fatalf("CheckArea(%q) accepts an area Lookup does not know", s)
			}
		}
		if coverage.Category(s).Validate() == nil && (s == "" || strings.ToUpper(s) != s) {
			t.Fatalf("category %q accepted", s)
		}
	})
}
