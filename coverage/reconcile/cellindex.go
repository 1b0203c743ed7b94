package reconcile

import (
	"cmp"
	"slices"
	"strings"

	"github.com/cilegon/jamsostek/coverage"
)

// The rollup cells of a pass, indexed for the engine's hot path: every
// person adds to dozens of cells, each found by its Key, seven strings. A
// map keyed by Key hashes them all and holds 112 bytes of key per cell; the
// index instead numbers each dimension's values (a handful each, a few
// hundred months and kelurahan codes) and packs a key into 64 bits, so a
// lookup hashes one integer in a compact map. The measures live in pages that
// never move (a pointer from cell stays valid). A key whose numbers do not
// fit (more distinct values than its bits, never seen in real data) goes to
// an ordinary map: the results are the same.

const cellPage = 1024

type cellIndex struct {
	// Within the rollup's months [lo, lo+span), a key's other dimensions
	// (its row) find the cell numbers of all its months at once: a person's
	// months follow one another in the same row, so most lookups reuse the
	// last row and touch no map. Numbers in a row are cell number + 1, 0 for
	// none yet.
	lo, span                                          uint32
	rows                                              map[uint64][]int32
	lastRow                                           []int32
	lastRest                                          uint64
	packed                                            map[uint64]int32 // other packed keys -> cell number
	wide                                              map[Key]int32    // keys that do not pack
	pages                                             []*[cellPage]Measures
	n                                                 int32
	kelurahan, category, payer, segment, gender, band dict
	periods                                           map[uint32]coverage.Period // unpack's memo
}

// newCellIndex returns an index whose rows span the months from to to.
func newCellIndex(from, to coverage.Period) cellIndex {
	x := cellIndex{rows: map[uint64][]int32{}, packed: map[uint64]int32{}, wide: map[Key]int32{}}
	if lo, hi := periodNum(from), periodNum(to); lo < 1<<bitsPeriod && hi < 1<<bitsPeriod && lo <= hi && hi-lo < 1200 {
		x.lo, x.span = lo, hi-lo+1
	}
	return x
}

// Bits of each dimension in a packed key (64 in all).
const (
	bitsPeriod, bitsKelurahan, bitsCategory, bitsPayer, bitsSegment, bitsGender, bitsBand = 18, 18, 10, 5, 5, 4, 4
)

// dict numbers the values of one dimension in the order first seen.
type dict struct {
	vals   []string
	ids    map[string]uint32 // once there are more than a few values
	last   string
	lastID uint32
	lastOK bool
}

const dictLinear = 16

func (d *dict) id(s string) uint32 {
	if d.lastOK && s == d.last {
		return d.lastID
	}
	var id uint32
	if d.ids == nil {
		found := false
		for i, v := range d.vals {
			if v == s {
				id, found = uint32(i), true
				break
			}
		}
		if !found {
			id = uint32(len(d.vals))
			s = strings.Clone(s) // kept: not a string of a record's document
			d.vals = append(d.vals, s)
			if len(d.vals) > dictLinear {
				d.ids = make(map[string]uint32, 2*len(d.vals))
				for i, v := range d.vals {
					d.ids[v] = uint32(i)
				}
			}
		}
	} else {
		var ok bool
		if id, ok = d.ids[s]; !ok {
			id = uint32(len(d.vals))
			s = strings.Clone(s)
			d.vals = append(d.vals, s)
			d.ids[s] = id
		}
	}
	d.last, d.lastID, d.lastOK = s, id, true
	return id
}

// periodNum numbers a month written YYYY-MM (month 01 to 12): year*12 +
// month-1, read back by periodString; 1<<bitsPeriod (does not pack) when
// written otherwise.
func periodNum(p coverage.Period) uint32 {
	s := string(p)
	if len(s) != 7 || s[4] != '-' {
		return 1 << bitsPeriod
	}
	y, ok1 := digits(s[:4])
	m, ok2 := digits(s[5:])
	if !ok1 || !ok2 || m < 1 || m > 12 {
		return 1 << bitsPeriod
	}
	return uint32(y*12 + m - 1)
}

func periodString(n uint32) coverage.Period {
	y, m := n/12, n%12+1
	return coverage.Period([]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-', byte('0' + m/10), byte('0' + m%10)})
}

// pack returns the packed key of k, false when a number does not fit.
func (x *cellIndex) pack(k *Key) (uint64, bool) {
	var key uint64
	shift := 0
	for _, f := range [...]struct {
		id   uint32
		bits int
	}{
		{periodNum(k.Period), bitsPeriod},
		{x.kelurahan.id(k.Kelurahan), bitsKelurahan},
		{x.category.id(string(k.Category)), bitsCategory},
		{x.payer.id(string(k.Payer)), bitsPayer},
		{x.segment.id(string(k.Segment)), bitsSegment},
		{x.gender.id(string(k.Gender)), bitsGender},
		{x.band.id(string(k.AgeBand)), bitsBand},
	} {
		if f.id >= 1<<f.bits {
			return 0, false
		}
		key |= uint64(f.id) << shift
		shift += f.bits
	}
	return key, true
}

// unpack returns the key packed in key.
func (x *cellIndex) unpack(key uint64) Key {
	next := func(d *dict, bits int) string {
		v := d.vals[key&(1<<bits-1)]
		key >>= bits
		return v
	}
	var k Key
	pn := uint32(key & (1<<bitsPeriod - 1))
	key >>= bitsPeriod
	if k.Period = x.periods[pn]; k.Period == "" {
		k.Period = periodString(pn)
		if x.periods == nil {
			x.periods = map[uint32]coverage.Period{}
		}
		x.periods[pn] = k.Period
	}
	k.Kelurahan = next(&x.kelurahan, bitsKelurahan)
	k.Category = coverage.Category(next(&x.category, bitsCategory))
	k.Payer = coverage.PayerType(next(&x.payer, bitsPayer))
	k.Segment = coverage.Segment(next(&x.segment, bitsSegment))
	k.Gender = coverage.Gender(next(&x.gender, bitsGender))
	k.AgeBand = AgeBand(next(&x.band, bitsBand))
	return k
}

// get returns the measures at k, creating them.
func (x *cellIndex) get(k *Key) *Measures {
	var i int32
	if pk, ok := x.pack(k); ok {
		if off := uint32(pk&(1<<bitsPeriod-1)) - x.lo; off < x.span { // unsigned: below lo wraps over span
			rest := pk >> bitsPeriod
			row := x.lastRow
			if row == nil || rest != x.lastRest {
				if row = x.rows[rest]; row == nil {
					row = make([]int32, x.span)
					x.rows[rest] = row
				}
				x.lastRow, x.lastRest = row, rest
			}
			if row[off] == 0 {
				row[off] = x.add() + 1
			}
			i = row[off] - 1
			return &x.pages[i/cellPage][i%cellPage]
		}
		var found bool
		if i, found = x.packed[pk]; !found {
			i = x.add()
			x.packed[pk] = i
		}
	} else {
		var found bool
		if i, found = x.wide[*k]; !found {
			i = x.add()
			x.wide[Key{Period: coverage.Period(strings.Clone(string(k.Period))), Kelurahan: strings.Clone(k.Kelurahan),
				Category: coverage.Category(strings.Clone(string(k.Category))), Payer: coverage.PayerType(strings.Clone(string(k.Payer))),
				Segment: coverage.Segment(strings.Clone(string(k.Segment))), Gender: coverage.Gender(strings.Clone(string(k.Gender))),
				AgeBand: AgeBand(strings.Clone(string(k.AgeBand)))}] = i
		}
	}
	return &x.pages[i/cellPage][i%cellPage]
}

func (x *cellIndex) add() int32 {
	i := x.n
	if int(i/cellPage) == len(x.pages) {
		x.pages = append(x.pages, new([cellPage]Measures))
	}
	x.n++
	return i
}

// len returns the number of cells.
func (x *cellIndex) len() int { return int(x.n) }

// each calls f with every cell, in no order.
func (x *cellIndex) each(f func(k Key, m *Measures)) {
	for rest, row := range x.rows {
		for off, n := range row {
			if n > 0 {
				i := n - 1
				f(x.unpack(rest<<bitsPeriod|uint64(x.lo+uint32(off))), &x.pages[i/cellPage][i%cellPage])
			}
		}
	}
	for pk, i := range x.packed {
		f(x.unpack(pk), &x.pages[i/cellPage][i%cellPage])
	}
	for k, i := range x.wide {
		f(k, &x.pages[i/cellPage][i%cellPage])
	}
}

// sorted returns the cells in Key.Compare order. When every key packs, they
// sort as integers: each dimension's numbers are replaced by their rank in
// the sorted values of the dimension, the month (whose number already sorts
// as its string) in the high bits, so that comparing two integers compares
// the keys field by field. Otherwise the keys are compared as strings.
func (x *cellIndex) sorted() []Cell {
	cells := make([]Cell, 0, x.len())
	if len(x.wide) > 0 {
		type keyed struct {
			k Key
			m *Measures
		}
		keys := make([]keyed, 0, x.len())
		x.each(func(k Key, m *Measures) { keys = append(keys, keyed{k, m}) })
		slices.SortFunc(keys, func(a, b keyed) int { return a.k.Compare(b.k) })
		for _, k := range keys {
			cells = append(cells, Cell{Key: k.k, Measures: *k.m})
		}
		return cells
	}
	dims := [...]struct {
		d    *dict
		bits int
	}{{&x.kelurahan, bitsKelurahan}, {&x.category, bitsCategory}, {&x.payer, bitsPayer},
		{&x.segment, bitsSegment}, {&x.gender, bitsGender}, {&x.band, bitsBand}}
	var ranks [len(dims)][]uint32
	for i, f := range dims {
		order := make([]uint32, len(f.d.vals))
		for id := range order {
			order[id] = uint32(id)
		}
		slices.SortFunc(order, func(a, b uint32) int { return cmp.Compare(f.d.vals[a], f.d.vals[b]) })
		ranks[i] = make([]uint32, len(order))
		for r, id := range order {
			ranks[i][id] = uint32(r)
		}
	}
	// sortKey reorders a packed key (month in the low bits, then the
	// dimensions in the order of dims) into ranks, most significant first.
	sortKey := func(pk uint64) uint64 {
		sk := pk & (1<<bitsPeriod - 1)
		pk >>= bitsPeriod
		for i, f := range dims {
			sk = sk<<f.bits | uint64(ranks[i][pk&(1<<f.bits-1)])
			pk >>= f.bits
		}
		return sk
	}
	type packedCell struct {
		sk, pk uint64
		i      int32
	}
	all := make([]packedCell, 0, x.len())
	for rest, row := range x.rows {
		for off, n := range row {
			if n > 0 {
				pk := rest<<bitsPeriod | uint64(x.lo+uint32(off))
				all = append(all, packedCell{sortKey(pk), pk, n - 1})
			}
		}
	}
	for pk, i := range x.packed {
		all = append(all, packedCell{sortKey(pk), pk, i})
	}
	slices.SortFunc(all, func(a, b packedCell) int { return cmp.Compare(a.sk, b.sk) })
	for _, c := range all {
		cells = append(cells, Cell{Key: x.unpack(c.pk), Measures: x.pages[c.i/cellPage][c.i%cellPage]})
	}
	return cells
}
