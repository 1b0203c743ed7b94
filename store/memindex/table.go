package memindex

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/btree"

	"github.com/cilegon/jamsostek/coverage"
)

// A table holds the rows of one list: each row's filterable fields in compact
// form (codes as symbol ids, dates as integers), found by key, plus one
// ordered tree per sort field in use, built the first time the order is asked
// for and kept up to date from then on.
type table[R any] struct {
	rows  []R
	keys  []string // key of each row slot; "" for a free slot
	byKey map[string]int32
	free  []int32

	value  func(r *R, f coverage.SortField) sortValue // a row's value of a sort field
	orders map[coverage.SortField]*btree.BTreeG[entry]

	// byParent indexes rows by an interned KPJ or NIK: the small candidate
	// sets of a member's or person's records.
	parents  []func(r *R) int32
	byParent []map[int32][]int32

	// track, while the index loads (NewLoading), notes the key of every
	// write, to be read again from the database once the load is in.
	track func(key string)
}

// sortValue is a row's value of a sort field: text in s, or an integer in n
// (amounts, dates as yyyymmdd, periods as yyyymm, instants in ns). Integers
// encode dates and periods so that their order is their text order, "" (0)
// first.
type sortValue struct {
	s string
	n int64
}

// entry is one row in an order: its value, then its key for ties.
type entry struct {
	sortValue
	key string
	row int32
}

func compareEntries(a, b entry) int {
	if c := compareValues(a.sortValue, b.sortValue); c != 0 {
		return c
	}
	return strings.Compare(a.key, b.key)
}

func compareValues(a, b sortValue) int {
	if a.n != b.n {
		if a.n < b.n {
			return -1
		}
		return 1
	}
	return strings.Compare(a.s, b.s)
}

func newTable[R any](value func(*R, coverage.SortField) sortValue, parents ...func(*R) int32) *table[R] {
	t := &table[R]{
		byKey:   map[string]int32{},
		value:   value,
		orders:  map[coverage.SortField]*btree.BTreeG[entry]{},
		parents: parents,
	}
	for range parents {
		t.byParent = append(t.byParent, map[int32][]int32{})
	}
	return t
}

func (t *table[R]) len() int { return len(t.byKey) }

// put inserts or replaces the row of key.
func (t *table[R]) put(key string, r R) {
	if t.track != nil {
		t.track(key)
	}
	if i, ok := t.byKey[key]; ok {
		t.unlink(i)
		t.rows[i] = r
		t.link(i)
		return
	}
	key = strings.Clone(key) // the caller's strings may share a decoding buffer
	var i int32
	if n := len(t.free); n > 0 {
		i, t.free = t.free[n-1], t.free[:n-1]
		t.rows[i], t.keys[i] = r, key
	} else {
		i = int32(len(t.rows))
		t.rows, t.keys = append(t.rows, r), append(t.keys, key)
	}
	t.byKey[key] = i
	t.link(i)
}

// remove deletes the row of key, if any.
func (t *table[R]) remove(key string) {
	if t.track != nil {
		t.track(key)
	}
	i, ok := t.byKey[key]
	if !ok {
		return
	}
	t.unlink(i)
	delete(t.byKey, key)
	var zero R
	t.rows[i], t.keys[i] = zero, ""
	t.free = append(t.free, i)
}

// link adds row i to the orders and parent sets; unlink removes it.
func (t *table[R]) link(i int32) {
	for f, tr := range t.orders {
		tr.ReplaceOrInsert(t.entry(i, f))
	}
	for p, parent := range t.parents {
		if id := parent(&t.rows[i]); id >= 0 {
			t.byParent[p][id] = append(t.byParent[p][id], i)
		}
	}
}

func (t *table[R]) unlink(i int32) {
	for f, tr := range t.orders {
		tr.Delete(t.entry(i, f))
	}
	for p, parent := range t.parents {
		if id := parent(&t.rows[i]); id >= 0 {
			rows := t.byParent[p][id]
			if k := slices.Index(rows, i); k >= 0 {
				rows = slices.Delete(rows, k, k+1)
			}
			if len(rows) == 0 {
				delete(t.byParent[p], id)
			} else {
				t.byParent[p][id] = rows
			}
		}
	}
}

func (t *table[R]) entry(i int32, f coverage.SortField) entry {
	return entry{sortValue: t.value(&t.rows[i], f), key: t.keys[i], row: i}
}

// order returns the tree of a sort field, building it on first use. The
// caller holds the index's write lock when it may build.
func (t *table[R]) order(f coverage.SortField) *btree.BTreeG[entry] {
	if tr, ok := t.orders[f]; ok {
		return tr
	}
	tr := btree.NewG(32, func(a, b entry) bool { return compareEntries(a, b) < 0 })
	for i, k := range t.keys {
		if k != "" {
			tr.ReplaceOrInsert(t.entry(int32(i), f))
		}
	}
	t.orders[f] = tr
	return tr
}

// bound is an inclusive range of a sort field's values that a filter implies
// (a period range on the period order): the walk of the order starts at its
// low end and stops past its high end.
type bound struct {
	field  coverage.SortField
	lo, hi *sortValue
}

// query is a compiled filter: the predicate, and optionally the candidate
// rows (a member's or person's records) and a range of the order to walk.
type query[R any] struct {
	match      func(*R) bool
	candidates []int32 // nil: every row
	narrowed   bool    // candidates is set, possibly empty
	bounds     []bound
}

// Result is a page of a list: the cursors of its records in order, the number
// of records matching in all pages, and whether more follow.
type Result struct {
	Cursors []coverage.Cursor
	Total   int64
	HasNext bool
}

// smallSet is the number of matches up to which a page is cut from the sorted
// matches instead of walking the order: below it sorting costs less than a
// walk that may pass many non-matching rows.
var smallSet = 4096

// page answers a page request: it counts every match (a pass over the rows
// or the candidates: no document is read), then cuts the page from the
// sorted matches when they are few, or walks the order's tree from the
// cursor when they are many.
func (t *table[R]) page(q query[R], p coverage.PageRequest, ordered func(coverage.SortField) *btree.BTreeG[entry]) (Result, error) {
	var res Result
	var after *entry
	if p.After != nil {
		v, err := parseValue(p.Order.Field, p.After.Value)
		if err != nil {
			return res, err
		}
		after = &entry{sortValue: v, key: p.After.Key}
	}
	var small []int32
	if q.narrowed {
		for _, i := range q.candidates {
			if q.match(&t.rows[i]) {
				small = append(small, i)
			}
		}
		res.Total = int64(len(small))
	} else {
		for i := range t.rows {
			if t.keys[i] != "" && q.match(&t.rows[i]) {
				res.Total++
				if res.Total <= int64(smallSet) {
					small = append(small, int32(i))
				}
			}
		}
	}
	want := p.First + 1
	var got []entry
	if q.narrowed || res.Total <= int64(smallSet) {
		es := make([]entry, len(small))
		for k, i := range small {
			es[k] = t.entry(i, p.Order.Field)
		}
		slices.SortFunc(es, compareEntries)
		if p.Order.Desc {
			slices.Reverse(es)
		}
		start := 0
		if after != nil {
			start = len(es)
			for k, e := range es {
				if beyond(e, *after, p.Order.Desc) {
					start = k
					break
				}
			}
		}
		got = es[start:min(len(es), start+want)]
	} else {
		got = t.walk(q, p, after, want, ordered(p.Order.Field))
	}
	if len(got) > p.First {
		res.HasNext, got = true, got[:p.First]
	}
	res.Cursors = make([]coverage.Cursor, len(got))
	for k, e := range got {
		res.Cursors[k] = coverage.Cursor{Value: formatValue(p.Order.Field, e.sortValue), Key: e.key}
	}
	return res, nil
}

// beyond reports whether e comes after the cursor position in the direction.
func beyond(e, after entry, desc bool) bool {
	c := compareEntries(e, after)
	if desc {
		return c < 0
	}
	return c > 0
}

// walk visits the order from the cursor (or the filter's bound on the
// order's field) and collects up to want matching rows.
func (t *table[R]) walk(q query[R], p coverage.PageRequest, after *entry, want int, tr *btree.BTreeG[entry]) []entry {
	var lo, hi *sortValue
	for _, b := range q.bounds {
		if b.field == p.Order.Field {
			lo, hi = b.lo, b.hi
		}
	}
	if p.Order.Desc {
		lo, hi = hi, lo
	}
	// start: the later of the cursor and the bound's near end.
	var start *entry
	if lo != nil {
		s := entry{sortValue: *lo}
		if p.Order.Desc {
			s.key = "\U0010FFFF\U0010FFFF" // after every key of that value
		}
		start = &s
	}
	if after != nil && (start == nil || !beyond(*start, *after, p.Order.Desc)) {
		start = after
	}
	var out []entry
	visit := func(e entry) bool {
		if start != nil && start == after && compareEntries(e, *after) == 0 {
			return true // the cursor's own record
		}
		if hi != nil {
			c := compareValues(e.sortValue, *hi)
			if (!p.Order.Desc && c > 0) || (p.Order.Desc && c < 0) {
				return false
			}
		}
		if q.match(&t.rows[e.row]) {
			out = append(out, e)
		}
		return len(out) < want
	}
	switch {
	case p.Order.Desc && start != nil:
		tr.DescendLessOrEqual(*start, visit)
	case p.Order.Desc:
		tr.Descend(visit)
	case start != nil:
		tr.AscendGreaterOrEqual(*start, visit)
	default:
		tr.Ascend(visit)
	}
	return out
}

// Values of sort fields, as cursors carry them: the text forms of the
// MongoDB path (store/list.go), so a cursor means the same on both paths.

func parseValue(f coverage.SortField, v string) (sortValue, error) {
	bad := func() (sortValue, error) {
		return sortValue{}, coverage.Errorf(coverage.EINVALID, "the cursor's value %q is not a %s", v, f)
	}
	switch kindOf(f) {
	case kindRupiah:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return bad()
		}
		return sortValue{n: n}, nil
	case kindInstant:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return bad()
		}
		return sortValue{n: t.UnixNano()}, nil
	case kindDate:
		if err := coverage.Date(v).Validate(); err != nil {
			return bad()
		}
		return sortValue{n: int64(dateNum(coverage.Date(v)))}, nil
	case kindPeriod:
		if err := coverage.Period(v).Validate(); err != nil {
			return bad()
		}
		return sortValue{n: int64(periodNum(coverage.Period(v)))}, nil
	case kindKey:
		if v != "" {
			return bad()
		}
	}
	return sortValue{s: v}, nil
}

func formatValue(f coverage.SortField, v sortValue) string {
	switch kindOf(f) {
	case kindRupiah:
		return strconv.FormatInt(v.n, 10)
	case kindInstant:
		return time.Unix(0, v.n).UTC().Format(time.RFC3339Nano)
	case kindDate:
		return string(numDate(int32(v.n)))
	case kindPeriod:
		return string(numPeriod(int32(v.n)))
	case kindKey:
		return ""
	}
	return v.s
}

type valueKind int

const (
	kindKey valueKind = iota
	kindText
	kindRupiah
	kindInstant
	kindDate
	kindPeriod
)

func kindOf(f coverage.SortField) valueKind {
	switch f {
	case coverage.SortKey:
		return kindKey
	case coverage.SortPeriod, coverage.SortFundedFrom:
		return kindPeriod
	case coverage.SortRegisteredAt, coverage.SortCoverageStart, coverage.SortPaidAt, coverage.SortIncidentDate, coverage.SortSubmittedAt:
		return kindDate
	}
	switch f.Kind() {
	case coverage.SortRupiah:
		return kindRupiah
	case coverage.SortInstant:
		return kindInstant
	}
	return kindText
}

// dateNum is a date as yyyymmdd, 0 for none; numDate is its inverse.
func dateNum(d coverage.Date) int32 {
	if len(d) != 10 {
		return 0
	}
	n, _ := strconv.Atoi(string(d[0:4]) + string(d[5:7]) + string(d[8:10]))
	return int32(n)
}

func numDate(n int32) coverage.Date {
	if n == 0 {
		return ""
	}
	s := strconv.Itoa(int(n) + 100000000)[1:] // zero-padded to 8 digits
	return coverage.Date(s[0:4] + "-" + s[4:6] + "-" + s[6:8])
}

// periodNum is a period as yyyymm, 0 for none; numPeriod is its inverse.
func periodNum(p coverage.Period) int32 {
	if len(p) != 7 {
		return 0
	}
	n, _ := strconv.Atoi(string(p[0:4]) + string(p[5:7]))
	return int32(n)
}

func numPeriod(n int32) coverage.Period {
	if n == 0 {
		return ""
	}
	s := strconv.Itoa(int(n) + 1000000)[1:]
	return coverage.Period(s[0:4] + "-" + s[4:6])
}
