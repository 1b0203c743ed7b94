package scalar

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestRupiah(t *testing.T) {
	var buf bytes.Buffer
	MarshalRupiah(9_000_000_000_000).MarshalGQL(&buf)
	if buf.String() != "9000000000000" {
		t.Errorf("marshal: got %s", buf.String())
	}
	tests := []struct {
		in   any
		want int64
		ok   bool
	}{
		{int64(480_457_660), 480_457_660, true},
		{json.Number("9000000000000"), 9_000_000_000_000, true},
		{"-309542340", -309_542_340, true},
		{float64(16800), 16800, true},
		{1.5, 0, false},
		{"abc", 0, false},
		{json.Number("1e3"), 0, false},
		{"99999999999999999999", 0, false},
		{true, 0, false},
	}
	for _, tc := range tests {
		got, err := UnmarshalRupiah(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("UnmarshalRupiah(%v): got %d, %v, want %d ok=%t", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestDatesAndPeriods(t *testing.T) {
	if _, err := UnmarshalDate("2024-02-29"); err != nil {
		t.Error(err)
	}
	for _, bad := range []any{"2023-02-29", "2024-1-01", 20240101} {
		if _, err := UnmarshalDate(bad); err == nil {
			t.Errorf("UnmarshalDate(%v) accepted", bad)
		}
	}
	if _, err := UnmarshalPeriod("2024-13"); err == nil {
		t.Error("UnmarshalPeriod accepted 2024-13")
	}
	var buf bytes.Buffer
	MarshalDate("").MarshalGQL(&buf)
	MarshalTime(time.Time{}).MarshalGQL(&buf)
	if buf.String() != "nullnull" {
		t.Errorf("empty date and time: got %s, want null", buf.String())
	}
	if _, err := UnmarshalTime("yesterday"); err == nil {
		t.Error("UnmarshalTime accepted yesterday")
	}
}
