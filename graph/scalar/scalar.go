// Package scalar marshals the API's custom scalars: Rupiah (int64), Date,
// Period and Time, plus the open code sets (worker category, benefit type) that
// the schema exposes as String.
package scalar

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cilegon/jamsostek/coverage"
)

// MarshalRupiah writes whole rupiah as a JSON number, exact to 2^63.
func MarshalRupiah(v int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { _, _ = io.WriteString(w, strconv.FormatInt(v, 10)) })
}

// UnmarshalRupiah accepts an integer (JSON number or numeric string); a
// fraction, a non-number or a value beyond int64 is an error.
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
	case float64:
		if x != math.Trunc(x) || x > math.MaxInt64 || x < math.MinInt64 {
			return 0, coverage.Errorf(coverage.EINVALID, "Rupiah must be a whole number of rupiah, got %v", x)
		}
		return int64(x), nil
	}
	return 0, coverage.Errorf(coverage.EINVALID, "Rupiah must be an integer, got %T", v)
}

func parseRupiah(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, coverage.Errorf(coverage.EINVALID, "Rupiah must be a whole number of rupiah within 64 bits, got %q", s)
	}
	return n, nil
}

// MarshalDate writes YYYY-MM-DD, or null for no date.
func MarshalDate(d coverage.Date) graphql.Marshaler {
	if d == "" {
		return graphql.Null
	}
	return graphql.MarshalString(string(d))
}

// UnmarshalDate accepts YYYY-MM-DD.
func UnmarshalDate(v any) (coverage.Date, error) {
	s, ok := v.(string)
	if !ok {
		return "", coverage.Errorf(coverage.EINVALID, "Date must be a YYYY-MM-DD string, got %T", v)
	}
	return coverage.ParseDate(s)
}

// MarshalPeriod writes YYYY-MM, or null for no period.
func MarshalPeriod(p coverage.Period) graphql.Marshaler {
	if p == "" {
		return graphql.Null
	}
	return graphql.MarshalString(string(p))
}

// UnmarshalPeriod accepts YYYY-MM.
func UnmarshalPeriod(v any) (coverage.Period, error) {
	s, ok := v.(string)
	if !ok {
		return "", coverage.Errorf(coverage.EINVALID, "Period must be a YYYY-MM string, got %T", v)
	}
	return coverage.ParsePeriod(s)
}

// MarshalTime writes RFC 3339 in UTC, or null for the zero time.
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.MarshalString(t.UTC().Format(time.RFC3339Nano))
}

// UnmarshalTime accepts RFC 3339.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, coverage.Errorf(coverage.EINVALID, "Time must be an RFC 3339 string, got %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, coverage.Errorf(coverage.EINVALID, "Time %q is not RFC 3339", s)
	}
	return t, nil
}

// MarshalCategory writes a category code as a String.
func MarshalCategory(c coverage.Category) graphql.Marshaler { return graphql.MarshalString(string(c)) }

// UnmarshalCategory accepts a category code of the documented shape.
func UnmarshalCategory(v any) (coverage.Category, error) {
	s, ok := v.(string)
	if !ok {
		return "", coverage.Errorf(coverage.EINVALID, "category must be a string, got %T", v)
	}
	c := coverage.Category(s)
	return c, c.Validate()
}

// MarshalBenefit writes a benefit code as a String.
func MarshalBenefit(b coverage.Benefit) graphql.Marshaler { return graphql.MarshalString(string(b)) }

// UnmarshalBenefit accepts any benefit code.
func UnmarshalBenefit(v any) (coverage.Benefit, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("benefit must be a string, got %T", v)
	}
	return coverage.Benefit(s), nil
}
