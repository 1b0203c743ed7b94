package reconcile

import (
	"fmt"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
)

// TestCellIndex: every key finds its own measures, packed or not (more
// distinct values than a dimension's bits go to the wide map), and each
// returns every cell with its key.
func TestCellIndex(t *testing.T) {
	x := newCellIndex("2024-02", "2024-12") // January in the packed map, the rest in rows
	want := map[Key]int64{}
	for i := range 40 { // 40 age bands: 16 pack, the rest do not
		for j := range 3 {
			k := Key{Period: coverage.Period(fmt.Sprintf("2024-%02d", 1+j)), Kelurahan: "3672011001", Category: coverage.CategoryKader,
				Payer: coverage.PayerAPBD, Segment: coverage.SegmentBPU, Gender: coverage.GenderFemale, AgeBand: AgeBand(fmt.Sprint("band", i))}
			for range i + 1 {
				x.get(&k).Active++
			}
			m := x.get(&k)
			m.Billed = int64(j)
			want[k] = int64(i + 1)
		}
	}
	if len(x.wide) == 0 || len(x.packed) == 0 || len(x.rows) == 0 {
		t.Fatalf("rows %d, packed %d, wide %d: want all", len(x.rows), len(x.packed), len(x.wide))
	}
	if x.len() != len(want) {
		t.Fatalf("%d cells, want %d", x.len(), len(want))
	}
	seen := 0
	x.each(func(k Key, m *Measures) {
		seen++
		if m.Active != want[k] {
			t.Errorf("%+v: active %d, want %d", k, m.Active, want[k])
		}
	})
	if seen != len(want) {
		t.Errorf("each saw %d cells, want %d", seen, len(want))
	}
}

func TestPeriodNum(t *testing.T) {
	for _, p := range []coverage.Period{"2024-01", "2024-12", "0000-01", "9999-12", "1999-10"} {
		n := periodNum(p)
		if n >= 1<<bitsPeriod || periodString(n) != p {
			t.Errorf("%q: %d, back %q", p, n, periodString(n))
		}
	}
	for _, p := range []coverage.Period{"", "2024-13", "2024-00", "2024-1", "24-01", "2024/01", "10000-01", "202a-01"} {
		if n := periodNum(p); n < 1<<bitsPeriod {
			t.Errorf("%q packs as %d", p, n)
		}
	}
}
