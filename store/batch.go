package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store/memindex"
)

// Batched reads for nested lists (a page of participants with their
// contributions, claims and roster entries): one store call, and one round
// trip to the database, answers every member of the page.

// ContributionsByKPJ returns a page of each member's contributions matching f.
func (s *Store) ContributionsByKPJ(ctx context.Context, kpjs []string, f coverage.ContributionFilter, p coverage.PageRequest) (map[string]coverage.Page[coverage.Contribution], error) {
	f.KPJ = ""
	if err := checkContributionFilter(f); err != nil {
		return nil, err
	}
	if s.mem != nil {
		return memPages(ctx, s, listContributions, kpjs, p, s.decodeContributions, func(p coverage.PageRequest) (map[string]memindex.Result, error) {
			return s.mem.ContributionsByKPJ(kpjs, f, p)
		})
	}
	q, err := s.contributionQuery(ctx, f)
	if err != nil {
		return nil, err
	}
	return pagesBy[coverage.Contribution](ctx, s, listContributions, "kpj", kpjs, q, p)
}

// ClaimsByKPJ returns a page of each member's claims matching f.
func (s *Store) ClaimsByKPJ(ctx context.Context, kpjs []string, f coverage.ClaimFilter, p coverage.PageRequest) (map[string]coverage.Page[coverage.Claim], error) {
	f.KPJ = ""
	if err := checkClaimFilter(f); err != nil {
		return nil, err
	}
	if s.mem != nil {
		return memPages(ctx, s, listClaims, kpjs, p, s.decodeClaims, func(p coverage.PageRequest) (map[string]memindex.Result, error) {
			return s.mem.ClaimsByKPJ(kpjs, f, p)
		})
	}
	q, err := s.claimQuery(ctx, f)
	if err != nil {
		return nil, err
	}
	return pagesBy[coverage.Claim](ctx, s, listClaims, "kpj", kpjs, q, p)
}

// RosterByNIK returns the roster entries of each person, in key order.
func (s *Store) RosterByNIK(ctx context.Context, niks []string) (map[string][]coverage.RosterEntry, error) {
	p := coverage.PageRequest{First: coverage.MaxPageSize}
	var pages map[string]coverage.Page[coverage.RosterEntry]
	var err error
	if s.mem != nil {
		pages, err = memPages(ctx, s, listRoster, niks, p, s.decodeRoster, func(p coverage.PageRequest) (map[string]memindex.Result, error) {
			return s.mem.RosterByNIK(niks), nil
		})
	} else {
		pages, err = pagesBy[coverage.RosterEntry](ctx, s, listRoster, "nik", niks, query{}, p)
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string][]coverage.RosterEntry, len(pages))
	for k, pg := range pages {
		out[k] = pg.Items
	}
	return out, nil
}

// memPages reads the documents of several pages of the in-memory index in one
// SQLite query.
func memPages[T any](ctx context.Context, s *Store, l list, parents []string, p coverage.PageRequest, decode func(context.Context, []string) (map[string]T, error), find func(coverage.PageRequest) (map[string]memindex.Result, error)) (map[string]coverage.Page[T], error) {
	p, err := checkPage(l, p)
	if err == nil {
		err = s.indexReady(ctx)
	}
	if err != nil {
		return nil, err
	}
	results, err := find(p)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, r := range results {
		for _, c := range r.Cursors {
			keys = append(keys, c.Key)
		}
	}
	docs, err := decode(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]coverage.Page[T], len(parents))
	for _, parent := range parents {
		r := results[parent]
		pg := coverage.Page[T]{TotalCount: r.Total, HasNextPage: r.HasNext}
		for _, c := range r.Cursors {
			if d, ok := docs[c.Key]; ok {
				pg.Items = append(pg.Items, d)
				pg.Cursors = append(pg.Cursors, c)
			}
		}
		out[parent] = pg
	}
	return out, nil
}

// pagesBy answers many parents with one find (MongoDB path): the documents of
// every parent matching q, sorted by parent then the order, are read once;
// each parent's count is the number of its documents and its page the first
// ones past the cursor. A member has at most a few hundred records, so the
// read is bounded by the page of parents.
func pagesBy[T any](ctx context.Context, s *Store, l list, parentField string, parents []string, q query, p coverage.PageRequest) (map[string]coverage.Page[T], error) {
	p, err := checkPage(l, p)
	if err != nil {
		return nil, err
	}
	out := make(map[string]coverage.Page[T], len(parents))
	for _, k := range parents {
		out[k] = coverage.Page[T]{}
	}
	if len(parents) == 0 {
		return out, nil
	}
	vals := make(bson.A, len(parents))
	for i, k := range parents {
		vals[i] = k
	}
	q.add(parentField, bson.D{{Key: "$in", Value: vals}})
	// Within one parent its field is constant: an order by it is the key
	// order (and MongoDB refuses a sort that names a field twice).
	sort := bson.D{{Key: parentField, Value: 1}}
	for _, e := range sortDoc(p.Order) {
		if e.Key != parentField {
			sort = append(sort, e)
		}
	}
	cur, err := s.db.Collection(l.col).Find(ctx, q.doc(), options.Find().SetSort(sort))
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", l.name, err)
	}
	defer cur.Close(ctx)
	field := storedField(p.Order.Field)
	for cur.Next(ctx) {
		parent, _ := cur.Current.Lookup(parentField).StringValueOK()
		pg := out[parent]
		pg.TotalCount++
		c := coverage.Cursor{Key: cur.Current.Lookup("_id").StringValue()}
		if p.Order.Field != coverage.SortKey {
			c.Value = formatValue(p.Order.Field, cur.Current.Lookup(field))
		}
		switch {
		case p.After != nil && !past(p.Order, c, *p.After):
		case len(pg.Items) == p.First:
			pg.HasNextPage = true
		default:
			var item T
			if err := cur.Decode(&item); err != nil {
				return nil, fmt.Errorf("decode %s: %w", l.name, err)
			}
			pg.Items = append(pg.Items, item)
			pg.Cursors = append(pg.Cursors, c)
		}
		out[parent] = pg
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", l.name, err)
	}
	return out, nil
}

// past reports whether position c comes after the cursor in the order.
func past(o coverage.Order, c, after coverage.Cursor) bool {
	cmp := 0
	if o.Field != coverage.SortKey {
		cmp = compareValues(o.Field, c.Value, after.Value)
	}
	if cmp == 0 {
		cmp = compareStrings(c.Key, after.Key)
	}
	if o.Desc {
		return cmp < 0
	}
	return cmp > 0
}

func compareValues(f coverage.SortField, a, b string) int {
	switch f.Kind() {
	case coverage.SortRupiah:
		x, _ := strconv.ParseInt(a, 10, 64)
		y, _ := strconv.ParseInt(b, 10, 64)
		return compareInts(x, y)
	case coverage.SortInstant:
		x, _ := time.Parse(time.RFC3339Nano, a)
		y, _ := time.Parse(time.RFC3339Nano, b)
		return x.Compare(y)
	}
	return compareStrings(a, b)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compareInts(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
