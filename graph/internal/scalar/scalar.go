// Package scalar marshals the API's custom scalars for gqlgen: Rupiah (int64
// whole rupiah), Date (coverage.Date), Period (coverage.Period) and Time
// (time.Time), plus the open code sets (worker category, benefit type) that the
// schema carries as String. Input errors are *coverage.Error with code EINVALID,
// so the API shows them as BAD_USER_INPUT with their message.
package scalar

import (
	"encoding/json"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cilegon/jamsostek/coverage"
)

// MarshalRupiah writes whole rupiah as a JSON number, exact over the whole int64
// range (GraphQL's Int stops at 2^31-1, about Rp2.1 billion).
func MarshalRupiah(v int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { _, _ = io.WriteString(w, strconv.FormatInt(v, 10)) })
}

// UnmarshalRupiah accepts a whole number of rupiah: an integer literal, a JSON
// number without fraction or exponent, or a string of decimal digits (for
// clients whose numbers lose precision above 2^53). Anything written with a
// decimal point or an exponent (1.5, 16800.0, 1e6), any other string, and a
// value outside int64 are errors: a float may already have lost digits, and
// money is never fractional.
func UnmarshalRupiah(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case json.Number:
		return parseRupiah(string(x))
	case string:
		return parseRupiah(x)
	case float64, float32:
		return 0, coverage.Errorf(coverage.EINVALID, "Rupiah must be a whole number of rupiah written without a decimal point or exponent, got %v", x)
	case nil:
		return 0, coverage.Errorf(coverage.EINVALID, "Rupiah must not be null")
	}
	return 0, coverage.Errorf(coverage.EINVALID, "Rupiah must be an integer, got %T", v)
}

func parseRupiah(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return n, nil
	}
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return 0, coverage.Errorf(coverage.EINVALID, "Rupiah %s is out of range: it must lie between %d and %d", s, int64(math.MinInt64), int64(math.MaxInt64))
	}
	return 0, coverage.Errorf(coverage.EINVALID, "Rupiah must be a whole number of rupiah written without a decimal point or exponent, got %q", s)
}

// MarshalDate writes YYYY-MM-DD, or null for no date.
func MarshalDate(d coverage.Date) graphql.Marshaler {
	if d == "" {
		return graphql.Null
	}
	return graphql.MarshalString(string(d))
}

// MinYear is the earliest year a Date or Period argument may name: the
// data holds nothing older, and a bound of year 0 would only make the store
// pass over a whole list.
const MinYear = 1900

// UnmarshalDate accepts a real calendar date written YYYY-MM-DD, from MinYear
// on.
func UnmarshalDate(v any) (coverage.Date, error) {
	s, ok := v.(string)
	if !ok {
		return "", coverage.Errorf(coverage.EINVALID, "Date must be a YYYY-MM-DD string, got %T", v)
	}
	d, err := coverage.ParseDate(s)
	if err != nil {
		return "", err
	}
	if d.Period().Year() < MinYear {
		return "", coverage.Errorf(coverage.EINVALID, "date %s is before the year %d", d, MinYear)
	}
	return d, nil
}

// MarshalPeriod writes YYYY-MM, or null for no period.
func MarshalPeriod(p coverage.Period) graphql.Marshaler {
	if p == "" {
		return graphql.Null
	}
	return graphql.MarshalString(string(p))
}

// UnmarshalPeriod accepts a month written YYYY-MM, from MinYear on.
func UnmarshalPeriod(v any) (coverage.Period, error) {
	s, ok := v.(string)
	if !ok {
		return "", coverage.Errorf(coverage.EINVALID, "Period must be a YYYY-MM string, got %T", v)
	}
	p, err := coverage.ParsePeriod(s)
	if err != nil {
		return "", err
	}
	if p.Year() < MinYear {
		return "", coverage.Errorf(coverage.EINVALID, "period %s is before the year %d", p, MinYear)
	}
	return p, nil
}

// MarshalTime writes RFC 3339 in UTC, or null for the zero time.
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.MarshalString(t.UTC().Format(time.RFC3339Nano))
}

// UnmarshalTime accepts RFC 3339 with a zone, e.g. 2024-08-22T07:00:00+07:00.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, coverage.Errorf(coverage.EINVALID, "Time must be an RFC 3339 string, got %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, coverage.Errorf(coverage.EINVALID, "Time %q is not RFC 3339 (e.g. 2024-08-22T00:00:00Z)", s)
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		// 9999-12-31T23:59:59-23:59 is in the year 10000 in UTC, which RFC
		// 3339 cannot write (found by FuzzTime).
		return time.Time{}, coverage.Errorf(coverage.EINVALID, "Time %q is outside the years 0000 to 9999 in UTC", s)
	}
	return t, nil
}

// MarshalCategory writes a worker category code as a String.
func MarshalCategory(c coverage.Category) graphql.Marshaler {
	return graphql.MarshalString(string(c))
}

// UnmarshalCategory accepts a category code of the documented shape (upper-case
// letters, digits, underscores), known or new.
func UnmarshalCategory(v any) (coverage.Category, error) {
	s, ok := v.(string)
	if !ok {
		return "", coverage.Errorf(coverage.EINVALID, "category must be a string, got %T", v)
	}
	c := coverage.Category(s)
	return c, c.Validate()
}

// MarshalBenefit writes a benefit code as a String.
func MarshalBenefit(b coverage.Benefit) graphql.Marshaler {
	return graphql.MarshalString(string(b))
}

// UnmarshalBenefit accepts any non-empty benefit code: the set is open.
func UnmarshalBenefit(v any) (coverage.Benefit, error) {
	s, ok := v.(string)
	if !ok || s == "" {
		return "", coverage.Errorf(coverage.EINVALID, "benefit must be a non-empty string")
	}
	return coverage.Benefit(s), nil
}
