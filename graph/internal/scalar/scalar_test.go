package scalar

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cilegon/jamsostek/coverage"
)

func marshal(m graphql.Marshaler) string {
	var buf bytes.Buffer
	m.MarshalGQL(&buf)
	return buf.String()
}

func TestRupiahRoundTrip(t *testing.T) {
	for _, v := range []int64{0, 16_800, 480_457_660, -309_542_340, 2_147_483_648, 9_000_000_000_000, 1<<63 - 1, -1 << 63} {
		out := marshal(MarshalRupiah(v))
		// A JSON client decoding with UseNumber, as gqlgen's transports do.
		dec := json.NewDecoder(strings.NewReader(out))
		dec.UseNumber()
		var n any
		if err := dec.Decode(&n); err != nil {
			t.Fatalf("MarshalRupiah(%d) = %s: not JSON: %v", v, out, err)
		}
		if _, ok := n.(json.Number); !ok {
			t.Fatalf("MarshalRupiah(%d) = %s: got %T, want a JSON number", v, out, n)
		}
		got, err := UnmarshalRupiah(n)
		if err != nil || got != v {
			t.Errorf("round trip of %d via %s: got %d, %v", v, out, got, err)
		}
	}
	if got := marshal(MarshalRupiah(9_000_000_000_000)); got != "9000000000000" {
		t.Errorf("MarshalRupiah(9e12): got %s, want 9000000000000", got)
	}
}

func TestUnmarshalRupiah(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want int64
		err  string // "" for success, else a part of the message
	}{
		{"literal", int64(480_457_660), 480_457_660, ""},
		{"int", 16_800, 16_800, ""},
		{"json number beyond 32 bits", json.Number("9000000000000"), 9_000_000_000_000, ""},
		{"digit string", "9000000000000", 9_000_000_000_000, ""},
		{"negative string", "-309542340", -309_542_340, ""},
		{"fraction", 1.5, 0, "whole number"},
		{"float literal", 16800.0, 0, "decimal point"},
		{"fraction as json", json.Number("1.5"), 0, "whole number"},
		{"exponent", json.Number("1e3"), 0, "whole number"},
		{"fraction string", "1.5", 0, "whole number"},
		{"word", "abc", 0, "whole number"},
		{"empty string", "", 0, "whole number"},
		{"beyond int64", json.Number("9223372036854775808"), 0, "out of range"},
		{"beyond int64 string", "-9223372036854775809", 0, "out of range"},
		{"float beyond 2^53", 1e19, 0, "decimal point"},
		{"boolean", true, 0, "integer"},
		{"null", nil, 0, "null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := UnmarshalRupiah(tc.in)
			if tc.err == "" {
				if err != nil || got != tc.want {
					t.Errorf("got %d, %v, want %d", got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("got %d, %v, want an error mentioning %q", got, err, tc.err)
			}
			if code := coverage.ErrorCode(err); code != coverage.EINVALID {
				t.Errorf("code: got %q, want %q", code, coverage.EINVALID)
			}
		})
	}
}

func TestDate(t *testing.T) {
	for _, ok := range []string{"2024-02-29", "1990-05-12", "2025-12-31", "1900-01-01", "9999-12-31"} {
		if got, err := UnmarshalDate(ok); err != nil || string(got) != ok {
			t.Errorf("UnmarshalDate(%q): got %q, %v", ok, got, err)
		}
	}
	for _, bad := range []any{"2023-02-29", "2024-1-01", "2024-13-01", "12-05-1990", "2024-02-30T00:00:00Z", "", 20240101, nil,
		"0000-01-01", "0001-01-01", "1899-12-31"} { // before MinYear
		if _, err := UnmarshalDate(bad); coverage.ErrorCode(err) != coverage.EINVALID {
			t.Errorf("UnmarshalDate(%#v): got %v, want an EINVALID error", bad, err)
		}
	}
	if got := marshal(MarshalDate("2024-08-22")); got != `"2024-08-22"` {
		t.Errorf("MarshalDate: got %s", got)
	}
	if got := marshal(MarshalDate("")); got != "null" {
		t.Errorf("MarshalDate(empty): got %s, want null", got)
	}
}

func TestPeriod(t *testing.T) {
	for _, ok := range []string{"2024-08", "1900-01", "9999-12"} {
		if got, err := UnmarshalPeriod(ok); err != nil || string(got) != ok {
			t.Errorf("UnmarshalPeriod(%q): got %q, %v", ok, got, err)
		}
	}
	for _, bad := range []any{"2024-13", "2024-00", "2024-8", "2024-08-01", "Agustus 2024", 202408, "0000-01", "1899-12"} {
		if _, err := UnmarshalPeriod(bad); coverage.ErrorCode(err) != coverage.EINVALID {
			t.Errorf("UnmarshalPeriod(%#v): got %v, want an EINVALID error", bad, err)
		}
	}
	if got := marshal(MarshalPeriod("")); got != "null" {
		t.Errorf("MarshalPeriod(empty): got %s, want null", got)
	}
}

func TestTime(t *testing.T) {
	wib := time.FixedZone("WIB", 7*3600)
	in := time.Date(2024, 8, 22, 7, 0, 0, 0, wib)
	if got := marshal(MarshalTime(in)); got != `"2024-08-22T00:00:00Z"` {
		t.Errorf("MarshalTime: got %s, want UTC", got)
	}
	got, err := UnmarshalTime("2024-08-22T07:00:00+07:00")
	if err != nil || !got.Equal(in) {
		t.Errorf("UnmarshalTime: got %v, %v", got, err)
	}
	for _, bad := range []any{"yesterday", "2024-08-22", "2024-08-22T07:00:00", 1724284800} {
		if _, err := UnmarshalTime(bad); coverage.ErrorCode(err) != coverage.EINVALID {
			t.Errorf("UnmarshalTime(%#v): got %v, want an EINVALID error", bad, err)
		}
	}
	if got := marshal(MarshalTime(time.Time{})); got != "null" {
		t.Errorf("MarshalTime(zero): got %s, want null", got)
	}
}

func TestCodes(t *testing.T) {
	if _, err := UnmarshalCategory("ADHOC_KPU"); err != nil {
		t.Errorf("UnmarshalCategory(ADHOC_KPU): %v", err)
	}
	if _, err := UnmarshalCategory("kader"); coverage.ErrorCode(err) != coverage.EINVALID {
		t.Errorf("UnmarshalCategory(kader): got %v, want EINVALID", err)
	}
	if b, err := UnmarshalBenefit("RETURN_TO_WORK"); err != nil || b != "RETURN_TO_WORK" {
		t.Errorf("UnmarshalBenefit: got %q, %v; new codes are kept", b, err)
	}
	if got := marshal(MarshalCategory(coverage.CategoryNelayan)); got != `"NELAYAN"` {
		t.Errorf("MarshalCategory: got %s", got)
	}
}
