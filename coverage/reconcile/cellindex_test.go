package reconcile

import (
	"fmt"
	"math/rand/v2"
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

// TestCellIndexSorted: sorted returns every cell once, with its measures, in
// Key.Compare order, whether the keys pack (sorted as integers of ranks) or
// some do not (sorted as strings), for values first seen in any order.
func TestCellIndexSorted(t *testing.T) {
	for _, wide := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(7, uint64(len(fmt.Sprint(wide)))))
		pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
		x := newCellIndex("2024-02", "2024-12") // 2023 and January in the packed map
		want := map[Key]int64{}
		for i := range 5000 {
			k := Key{Period: coverage.Period(pick("2024-03", "2023-12", "2024-01", "2024-12", "2024-02", "2024-10")),
				Kelurahan: pick("3672031002", "3672011001", "3672011010", "3601011001", ""),
				Category:  coverage.Category(pick("", "MARBOT", "KADER", "RT_RW", "ADHOC_KPU")),
				Payer:     coverage.PayerType(pick("PU", "APBD", "", "BPU_MANDIRI")),
				Segment:   coverage.Segment(pick("BPU", "PU", "")),
				Gender:    coverage.Gender(pick("F", "M", "")),
				AgeBand:   AgeBand(pick("45-54", "15-24", "UNKNOWN", "25-34"))}
			if wide && i%100 == 0 {
				k.AgeBand = AgeBand(fmt.Sprint("band", i)) // 50 bands: past 16, keys stop packing
			}
			x.get(&k).Active += int64(i)
			want[k] += int64(i)
		}
		if (len(x.wide) > 0) != wide {
			t.Fatalf("wide=%v: %d wide keys", wide, len(x.wide))
		}
		cells := x.sorted()
		if len(cells) != len(want) {
			t.Fatalf("wide=%v: %d cells, want %d", wide, len(cells), len(want))
		}
		for i, c := range cells {
			if c.Measures.Active != want[c.Key] {
				t.Errorf("wide=%v: %+v: active %d, want %d", wide, c.Key, c.Measures.Active, want[c.Key])
			}
			if i > 0 && cells[i-1].Key.Compare(c.Key) >= 0 {
				t.Fatalf("wide=%v: cell %d %+v not after %+v", wide, i, c.Key, cells[i-1].Key)
			}
		}
	}
}
