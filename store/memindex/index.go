// Package memindex is the embedded engine's index of the record lists: for
// every participant, contribution, claim, roster entry, discrepancy and
// quarantined record, the fields the lists filter and sort on, held in memory
// in compact form, with ordered trees per sort field and candidate sets per
// member (KPJ) and person (NIK).
//
// Why: FerretDB 1.24 on SQLite answers every filter but {_id: value} by
// decoding each document of the collection (about 100 µs a document on two
// cores: 21 s for a filtered participants page of the whole city, 83 s for a
// filtered contributions page) and never uses a secondary index. A page and
// its count from this index cost a pass over compact rows (a few milliseconds
// for the city's 666,000 contributions) and a walk of a tree from the cursor;
// the store then reads the page's documents from SQLite by _id.
//
// The index holds no document: only keys, codes, dates, amounts and names.
// The store loads it from the database at start and applies every write it
// makes (one process owns an embedded data directory), so it answers what the
// database holds. It answers the same filters as the MongoDB path of the store
// (store/read.go), with the same semantics; the store's matrix test holds the
// two paths and an independent reference equal record for record.
//
// It is safe for concurrent use: queries share a read lock, writes take the
// write lock for the time of one page of records.
package memindex

import (
	"strings"
	"sync"

	"github.com/cilegon/jamsostek/coverage"
)

// Index is the in-memory index of the record lists.
type Index struct {
	mu sync.RWMutex
	// Interned values: KPJs and NIKs (shared by every list, so that joins are
	// array lookups) and codes (payers, statuses, categories, kinds, ...).
	kpjs, niks, syms symbols
	programs         map[coverage.Program]uint // bit of each program

	participants  *table[participant]
	contributions *table[contribution]
	claims        *table[claim]
	roster        *table[rosterRow]
	discrepancies *table[discrepancy]
	quarantine    *table[quarantined]

	// ready is closed once the index answers what the database holds: at
	// once for New, after Settle for NewLoading. Queries wait for it.
	ready chan struct{}
	// pending, while loading, are the keys written to each list since
	// the load began (see NewLoading).
	pending map[List]map[string]struct{}
}

// closed is a closed channel: the ready of an index that needs no load.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// New returns an empty index, ready.
func New() *Index {
	x := newIndex()
	x.ready = closed
	return x
}

// NewLoading returns an empty index that is not ready: its queries wait
// until MarkReady. Meanwhile the store loads the database into another
// index (New) and hands it over with Adopt, and the writes it makes go to
// this one as usual; each written key is noted, so that the store reads it
// again from the database after Adopt (TakePending): a load that read a
// record before a write does not leave it stale.
func NewLoading() *Index {
	x := newIndex()
	x.ready = make(chan struct{})
	x.pending = map[List]map[string]struct{}{}
	x.setTracking(true)
	return x
}

// setTracking turns the noting of written keys on or off (under the lock or
// before the index is shared).
func (x *Index) setTracking(on bool) {
	track := func(l List) func(string) {
		if !on {
			return nil
		}
		return func(k string) {
			m := x.pending[l]
			if m == nil {
				m = map[string]struct{}{}
				x.pending[l] = m
			}
			m[strings.Clone(k)] = struct{}{}
		}
	}
	x.participants.track, x.contributions.track, x.claims.track = track(Participants), track(Contributions), track(Claims)
	x.roster.track, x.discrepancies.track, x.quarantine.track = track(Roster), track(Discrepancies), track(Quarantine)
}

// Adopt replaces the index's rows with those of loaded (which must not be
// used afterwards), keeping the index's readiness and its noting of writes.
func (x *Index) Adopt(loaded *Index) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.adopt(loaded)
}

// adopt is Adopt under the lock.
func (x *Index) adopt(n *Index) {
	x.kpjs, x.niks, x.syms, x.programs = n.kpjs, n.niks, n.syms, n.programs
	x.participants, x.contributions, x.claims = n.participants, n.contributions, n.claims
	x.roster, x.discrepancies, x.quarantine = n.roster, n.discrepancies, n.quarantine
	// The tables' value functions are bound to n: rebind them to x.
	x.participants.value, x.contributions.value, x.claims.value = x.participantValue, x.contributionValue, x.claimValue
	x.roster.value, x.discrepancies.value, x.quarantine.value = x.rosterValue, x.discrepancyValue, x.quarantinedValue
	x.setTracking(x.pending != nil)
}

// TakePending returns the keys written since the load began (or since the
// last call), by list, and forgets them.
func (x *Index) TakePending() map[List][]string {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := map[List][]string{}
	for l, m := range x.pending {
		for k := range m {
			out[l] = append(out[l], k)
		}
		delete(x.pending, l)
	}
	return out
}

// MarkReady ends the load: the index stops noting writes and its queries
// run. The store calls it after reading the pending keys again, with its
// writes to the index held meanwhile.
func (x *Index) MarkReady() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.pending == nil {
		return
	}
	x.pending = nil
	x.setTracking(false)
	close(x.ready)
}

// Loading reports whether the index is loading (NewLoading, until
// MarkReady): a writer then orders its updates after the load's re-reads.
// Once false it stays false.
func (x *Index) Loading() bool {
	select {
	case <-x.ready:
		return false
	default:
		return true
	}
}

// Ready is closed once the index answers queries.
func (x *Index) Ready() <-chan struct{} { return x.ready }

func newIndex() *Index {
	x := &Index{kpjs: newSymbols(), niks: newSymbols(), syms: newSymbols(), programs: map[coverage.Program]uint{}}
	x.participants = newTable(x.participantValue, func(r *participant) int32 { return r.nik })
	x.contributions = newTable(x.contributionValue, func(r *contribution) int32 { return r.kpj }, func(r *contribution) int32 { return r.nik })
	x.claims = newTable(x.claimValue, func(r *claim) int32 { return r.kpj }, func(r *claim) int32 { return r.nik })
	x.roster = newTable(x.rosterValue, func(r *rosterRow) int32 { return r.nik })
	x.discrepancies = newTable(x.discrepancyValue, func(r *discrepancy) int32 { return r.nik })
	x.quarantine = newTable(x.quarantinedValue)
	return x
}

// Reset empties the index (the database was dropped).
func (x *Index) Reset() {
	n := newIndex()
	x.mu.Lock()
	defer x.mu.Unlock()
	x.adopt(n)
}

// Sizes returns the number of rows of each list, for logs and tests.
func (x *Index) Sizes() map[string]int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return map[string]int{
		"participants": x.participants.len(), "contributions": x.contributions.len(), "claims": x.claims.len(),
		"roster": x.roster.len(), "discrepancies": x.discrepancies.len(), "quarantine": x.quarantine.len(),
	}
}

// BuildKeyOrders builds the key order of every list, the default order of
// the API's lists, so that the first request does not pay for it. The other
// orders are built on first use (about 0.5 s for the city's contributions).
func (x *Index) BuildKeyOrders() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.participants.order(coverage.SortKey)
	x.contributions.order(coverage.SortKey)
	x.claims.order(coverage.SortKey)
	x.roster.order(coverage.SortKey)
	x.discrepancies.order(coverage.SortKey)
	x.quarantine.order(coverage.SortKey)
}

// run answers a page of a table under the read lock. A first request for an
// order builds its tree, under the write lock.
func run[R any](x *Index, t func() *table[R], compile func() query[R], p coverage.PageRequest) (Result, error) {
	<-x.ready
	x.mu.RLock()
	_, built := t().orders[p.Order.Field]
	x.mu.RUnlock()
	if !built {
		x.mu.Lock()
		t().order(p.Order.Field)
		x.mu.Unlock()
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	tab := t()
	return tab.page(compile(), p, tab.order)
}

// runBy answers one page per parent (KPJ or NIK) from the parent's
// candidate set.
func runBy[R any](x *Index, t func() *table[R], parent int, ids *symbols, keys []string, compile func() query[R], p coverage.PageRequest) (map[string]Result, error) {
	<-x.ready
	x.mu.RLock()
	defer x.mu.RUnlock()
	tab := t()
	base := compile()
	out := make(map[string]Result, len(keys))
	for _, k := range keys {
		q := base
		q.narrowed, q.candidates = true, nil
		if id, ok := ids.lookup(k); ok {
			q.candidates = tab.byParent[parent][id]
		}
		r, err := tab.page(q, p, tab.order)
		if err != nil {
			return nil, err
		}
		out[k] = r
	}
	return out, nil
}

// symbols interns strings as dense ids.
type symbols struct {
	ids   map[string]int32
	names []string
}

func newSymbols() symbols { return symbols{ids: map[string]int32{}} }

// id interns s; the caller holds the write lock.
func (s *symbols) id(v string) int32 {
	if i, ok := s.ids[v]; ok {
		return i
	}
	i := int32(len(s.names))
	v = strings.Clone(v)
	s.ids[v] = i
	s.names = append(s.names, v)
	return i
}

func (s *symbols) lookup(v string) (int32, bool) {
	i, ok := s.ids[v]
	return i, ok
}

func (s *symbols) name(i int32) string {
	if i < 0 {
		return ""
	}
	return s.names[i]
}

// set is a set of symbol ids, for "any of these values" filters.
type set []bool

func (s set) has(i int32) bool { return i >= 0 && int(i) < len(s) && s[i] }

// setOf returns the set of the values' ids; values never interned match no
// row, so they are left out.
func setOf[T ~string](s *symbols, vs []T) set {
	out := make(set, len(s.names))
	for _, v := range vs {
		if i, ok := s.lookup(string(v)); ok {
			out[i] = true
		}
	}
	return out
}

// filter builds a query's predicate as a conjunction of conditions.
type filter[R any] struct {
	conds  []func(*R) bool
	q      query[R]
	bounds []bound
}

func (f *filter[R]) where(c func(*R) bool) { f.conds = append(f.conds, c) }

// narrow restricts the candidates to a parent's rows (its own condition is
// also in the predicate, so narrowing is only a shortcut).
func (f *filter[R]) narrow(rows []int32) {
	if !f.q.narrowed || len(rows) < len(f.q.candidates) {
		f.q.narrowed, f.q.candidates = true, rows
	}
}

func (f *filter[R]) query() query[R] {
	conds := f.conds
	f.q.bounds = f.bounds
	switch len(conds) {
	case 0:
		f.q.match = func(*R) bool { return true }
	case 1:
		f.q.match = conds[0]
	default:
		f.q.match = func(r *R) bool {
			for _, c := range conds {
				if !c(r) {
					return false
				}
			}
			return true
		}
	}
	return f.q
}

// anyOf adds "the row's code is one of vs" when vs is not empty.
func anyOf[R any, T ~string](f *filter[R], s *symbols, vs []T, code func(*R) int32) {
	if len(vs) == 0 {
		return
	}
	in := setOf(s, vs)
	f.where(func(r *R) bool { return in.has(code(r)) })
}

// equal adds "the row's code is v" when v is not "": a value never interned
// matches nothing.
func equal[R any, T ~string](f *filter[R], s *symbols, v T, code func(*R) int32) {
	if v == "" {
		return
	}
	id, ok := s.lookup(string(v))
	if !ok {
		id = -2
	}
	f.where(func(r *R) bool { return code(r) == id })
}

// member adds "the row's KPJ or NIK is v", with the parent's rows as
// candidates.
func member[R any](f *filter[R], s *symbols, v string, t *table[R], parent int, code func(*R) int32) {
	if v == "" {
		return
	}
	id, ok := s.lookup(v)
	if !ok {
		f.narrow([]int32{})
		f.where(func(*R) bool { return false })
		return
	}
	f.narrow(t.byParent[parent][id])
	f.where(func(r *R) bool { return code(r) == id })
}

// dateRange adds from <= date <= to on a yyyymmdd (or yyyymm) field; with
// optional set, a row without the date (0) never matches a bound.
func dateRange[R any](f *filter[R], sf coverage.SortField, from, to int32, optional bool, get func(*R) int32) {
	if from == 0 && to == 0 {
		return
	}
	f.where(func(r *R) bool {
		v := get(r)
		return (from == 0 || v >= from) && (to == 0 || v <= to) && (!optional || v != 0)
	})
	b := bound{field: sf}
	if from != 0 {
		b.lo = &sortValue{n: int64(from)}
	} else if optional {
		b.lo = &sortValue{n: 1}
	}
	if to != 0 {
		b.hi = &sortValue{n: int64(to)}
	}
	f.bounds = append(f.bounds, b)
}

// amountRange adds lo <= amount <= hi; nil bounds are open.
func amountRange[R any](f *filter[R], sf coverage.SortField, lo, hi *int64, get func(*R) int64) {
	if lo == nil && hi == nil {
		return
	}
	f.where(func(r *R) bool {
		v := get(r)
		return (lo == nil || v >= *lo) && (hi == nil || v <= *hi)
	})
	b := bound{field: sf}
	if lo != nil {
		b.lo = &sortValue{n: *lo}
	}
	if hi != nil {
		b.hi = &sortValue{n: *hi}
	}
	f.bounds = append(f.bounds, b)
}
