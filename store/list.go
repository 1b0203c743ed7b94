package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store/memindex"
)

// Record lists: one keyset-paginated page in any of a list's orders, with its
// total count. On MongoDB a page is one find on an index (sort field, _id)
// after the cursor's position, and the count a count on the filter's index
// (indexes.go lists them). On the embedded engine both come from the
// in-memory index (memindex), and the page's documents are read from SQLite
// by _id (embedded_read.go).

// list describes one record list.
type list struct {
	name  string // as the API names it, for errors
	col   string
	sorts []coverage.SortField
}

var (
	listParticipants  = list{"participants", colParticipants, coverage.ParticipantSorts}
	listContributions = list{"contributions", colContributions, coverage.ContributionSorts}
	listClaims        = list{"claims", colClaims, coverage.ClaimSorts}
	listRoster        = list{"roster", colRoster, coverage.RosterSorts}
	listDiscrepancies = list{"discrepancies", colDiscrepancies, coverage.DiscrepancySorts}
	listQuarantine    = list{"quarantine", colQuarantine, coverage.QuarantineSorts}
)

// storedField is the document field of a sort field.
func storedField(f coverage.SortField) string {
	switch f {
	case coverage.SortKey:
		return "_id"
	case coverage.SortReceivedAt:
		return "first_seen"
	}
	return string(f)
}

// checkPage normalizes a page request and checks its order and cursor.
func checkPage(l list, p coverage.PageRequest) (coverage.PageRequest, error) {
	p, err := p.Normalize()
	if err != nil {
		return p, err
	}
	if err := p.Order.Check(l.name, l.sorts); err != nil {
		return p, err
	}
	if p.After != nil {
		if _, err := cursorValue(p.Order.Field, p.After.Value); err != nil {
			return p, err
		}
	}
	return p, nil
}

// cursorValue turns a cursor's value into the BSON value of its sort field.
func cursorValue(f coverage.SortField, v string) (any, error) {
	switch f.Kind() {
	case coverage.SortRupiah:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, coverage.Errorf(coverage.EINVALID, "the cursor's %s is not an amount", f)
		}
		return n, nil
	case coverage.SortInstant:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, coverage.Errorf(coverage.EINVALID, "the cursor's %s is not a time", f)
		}
		return t, nil
	}
	if f == coverage.SortKey && v != "" {
		return nil, coverage.Errorf(coverage.EINVALID, "a cursor in key order has no value")
	}
	return v, nil
}

// formatValue writes a document's sort field value as a cursor value.
func formatValue(f coverage.SortField, v bson.RawValue) string {
	switch f.Kind() {
	case coverage.SortRupiah:
		if n, ok := v.AsInt64OK(); ok {
			return strconv.FormatInt(n, 10)
		}
		return "0"
	case coverage.SortInstant:
		if dt, ok := v.DateTimeOK(); ok {
			return time.UnixMilli(dt).UTC().Format(time.RFC3339Nano)
		}
		return time.Time{}.Format(time.RFC3339Nano)
	}
	s, _ := v.StringValueOK()
	return s
}

// afterCursor adds the keyset condition: past (value, key) in the order.
func afterCursor(q *query, o coverage.Order, c *coverage.Cursor) {
	if c == nil {
		return
	}
	op := "$gt"
	if o.Desc {
		op = "$lt"
	}
	if o.Field == coverage.SortKey {
		q.add("_id", bson.D{{Key: op, Value: c.Key}})
		return
	}
	v, _ := cursorValue(o.Field, c.Value) // checked by checkPage
	field := storedField(o.Field)
	q.add("$or", bson.A{
		bson.D{{Key: field, Value: bson.D{{Key: op, Value: v}}}},
		bson.D{{Key: field, Value: v}, {Key: "_id", Value: bson.D{{Key: op, Value: c.Key}}}},
	})
}

// sortDoc is the find's sort: the field, then _id, both in the order's direction.
func sortDoc(o coverage.Order) bson.D {
	dir := 1
	if o.Desc {
		dir = -1
	}
	if o.Field == coverage.SortKey {
		return bson.D{{Key: "_id", Value: dir}}
	}
	return bson.D{{Key: storedField(o.Field), Value: dir}, {Key: "_id", Value: dir}}
}

// page runs a keyset-paginated find and counts the matches (MongoDB path).
func page[T any](ctx context.Context, s *Store, l list, q query, p coverage.PageRequest) (coverage.Page[T], error) {
	var out coverage.Page[T]
	p, err := checkPage(l, p)
	if err != nil {
		return out, err
	}
	col := s.db.Collection(l.col)
	out.TotalCount, err = s.count(ctx, col, q)
	if err != nil {
		return out, err
	}
	afterCursor(&q, p.Order, p.After)
	opts := options.Find().SetSort(sortDoc(p.Order)).SetLimit(int64(p.First) + 1)
	cur, err := col.Find(ctx, q.doc(), opts)
	if err != nil {
		return out, fmt.Errorf("find %s: %w", l.name, err)
	}
	defer cur.Close(ctx)
	field := storedField(p.Order.Field)
	for cur.Next(ctx) {
		if len(out.Items) == p.First {
			out.HasNextPage = true
			break
		}
		var item T
		if err := cur.Decode(&item); err != nil {
			return out, fmt.Errorf("decode %s: %w", l.name, err)
		}
		out.Items = append(out.Items, item)
		c := coverage.Cursor{Key: cur.Current.Lookup("_id").StringValue()}
		if p.Order.Field != coverage.SortKey {
			c.Value = formatValue(p.Order.Field, cur.Current.Lookup(field))
		}
		out.Cursors = append(out.Cursors, c)
	}
	if err := cur.Err(); err != nil {
		return out, fmt.Errorf("read %s: %w", l.name, err)
	}
	return out, nil
}

// count counts the documents matching q. An empty filter counts the _id
// index's keys (a hint, so that no document is read).
func (s *Store) count(ctx context.Context, col *mongo.Collection, q query) (int64, error) {
	opts := options.Count()
	if len(q.d) == 0 && !s.idLookups {
		opts.SetHint("_id_")
	}
	n, err := col.CountDocuments(ctx, q.doc(), opts)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", col.Name(), err)
	}
	return n, nil
}

// memPage serves a page on the embedded engine: the in-memory index gives
// the page's cursors and the count, SQLite the documents.
func memPage[T any](ctx context.Context, s *Store, l list, p coverage.PageRequest, decode func(context.Context, []string) (map[string]T, error), find func(coverage.PageRequest) (memindex.Result, error)) (coverage.Page[T], error) {
	var out coverage.Page[T]
	p, err := checkPage(l, p)
	if err == nil {
		err = s.indexReady(ctx)
	}
	if err != nil {
		return out, err
	}
	res, err := find(p)
	if err != nil {
		return out, err
	}
	keys := make([]string, len(res.Cursors))
	for i, c := range res.Cursors {
		keys[i] = c.Key
	}
	docs, err := decode(ctx, keys)
	if err != nil {
		return out, err
	}
	out.TotalCount, out.HasNextPage = res.Total, res.HasNext
	for _, c := range res.Cursors {
		d, ok := docs[c.Key]
		if !ok {
			continue // deleted since the index was read
		}
		out.Items = append(out.Items, d)
		out.Cursors = append(out.Cursors, c)
	}
	return out, nil
}
