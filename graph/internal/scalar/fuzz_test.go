package scalar

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Fuzz tests of the custom scalars' input: what a client sends as a literal
// or a variable. Errors must be EINVALID (BAD_USER_INPUT), values must write
// back as they were read.

func FuzzRupiah(f *testing.F) {
	for _, s := range []string{"0", "16800", "-1", "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
		"1.5", "16800.0", "1e6", "abc", "", " 1", "+1", "0x10", "١٢٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, in := range []any{s, json.Number(s)} {
			v, err := UnmarshalRupiah(in)
			if err != nil {
				if coverage.ErrorCode(err) != coverage.EINVALID {
					t.Fatalf("UnmarshalRupiah(%#v): %v, want EINVALID", in, err)
				}
				continue
			}
			if want, perr := strconv.ParseInt(s, 10, 64); perr != nil || want != v {
				t.Fatalf("UnmarshalRupiah(%#v) = %d, want what ParseInt reads (%d, %v)", in, v, want, perr)
			}
			if back := marshal(MarshalRupiah(v)); back != strconv.FormatInt(v, 10) {
				t.Fatalf("MarshalRupiah(%d) = %s", v, back)
			}
		}
		// A float from a JSON number is never taken.
		if x, err := strconv.ParseFloat(s, 64); err == nil {
			if _, err := UnmarshalRupiah(x); err == nil {
				t.Fatalf("UnmarshalRupiah(float64 %v) accepted", x)
			}
		}
	})
}

func FuzzDateAndPeriod(f *testing.F) {
	for _, s := range []string{"2024-08-22", "2024-02-30", "2024-08", "2024-13", "30-01-2024", "", "2024-08-22T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := UnmarshalDate(s); err == nil {
			if back := marshal(MarshalDate(d)); back != strconv.Quote(s) && s != "" {
				t.Fatalf("Date %q writes back as %s", s, back)
			}
		} else if coverage.ErrorCode(err) != coverage.EINVALID {
			t.Fatalf("UnmarshalDate(%q): %v", s, err)
		}
		if p, err := UnmarshalPeriod(s); err == nil {
			if back := marshal(MarshalPeriod(p)); back != strconv.Quote(s) && s != "" {
				t.Fatalf("Period %q writes back as %s", s, back)
			}
		} else if coverage.ErrorCode(err) != coverage.EINVALID {
			t.Fatalf("UnmarshalPeriod(%q): %v", s, err)
		}
		if _, err := UnmarshalCategory(s); err != nil && coverage.ErrorCode(err) != coverage.EINVALID {
			t.Fatalf("UnmarshalCategory(%q): %v", s, err)
		}
		if _, err := UnmarshalBenefit(s); err != nil && coverage.ErrorCode(err) != coverage.EINVALID {
			t.Fatalf("UnmarshalBenefit(%q): %v", s, err)
		}
	})
}

func FuzzTime(f *testing.F) {
	for _, s := range []string{"2024-08-22T07:00:00+07:00", "2024-08-22T00:00:00Z", "2024-08-22T00:00:00.123456789Z", "2024-08-22", "9999-12-31T23:59:59-23:59", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := UnmarshalTime(s)
		if err != nil {
			if coverage.ErrorCode(err) != coverage.EINVALID {
				t.Fatalf("UnmarshalTime(%q): %v", s, err)
			}
			return
		}
		if v.IsZero() {
			return
		}
		var back string
		if err := json.Unmarshal([]byte(marshal(MarshalTime(v))), &back); err != nil {
			t.Fatalf("MarshalTime(%v) is not a JSON string: %v", v, err)
		}
		again, err := time.Parse(time.RFC3339Nano, back)
		if err != nil || !again.Equal(v) {
			t.Fatalf("Time %q writes back as %q, which reads as %v, %v", s, back, again, err)
		}
	})
}
