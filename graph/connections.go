package graph

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph/internal/model"
)

// Lists are Relay connections over the store's keyset pages: a page is the
// records after a position (the sort field's value and the key) in one order,
// so a page boundary does not move when records are written. The cursor of a
// record names its list, the order and that position; a cursor of another
// list or order is refused, never taken for the first page. Cursors are sealed
// (cursorCodec): the position holds a sort value and a key (a NIK in roster
// key order, a name when ordered by name), and none of it may leave readable.

// list is one of the API's record lists.
type list struct {
	name  string               // as cursors and messages name it
	key   string               // the sort field enum's value for the key: KPJ, ID, ...
	sorts []coverage.SortField // the fields it can be ordered by
}

var (
	participantList  = list{"participants", "KPJ", coverage.ParticipantSorts}
	contributionList = list{"contributions", "ID", coverage.ContributionSorts}
	claimList        = list{"claims", "CLAIM_NO", coverage.ClaimSorts}
	rosterList       = list{"roster", "NIK_CATEGORY", coverage.RosterSorts}
	quarantineList   = list{"quarantine", "ID", coverage.QuarantineSorts}
	discrepancyList  = list{"discrepancies", "ID", coverage.DiscrepancySorts}
	auditList        = list{"auditLog", "AT", []coverage.SortField{coverage.SortKey}} // newest first, in one order only
)

// fieldName is the sort field enum's value of a field: the key's name, or the
// field's stored name in upper case (period: PERIOD, amount_due: AMOUNT_DUE).
func (l list) fieldName(f coverage.SortField) string {
	if f == coverage.SortKey {
		return l.key
	}
	return strings.ToUpper(string(f))
}

// orderName writes an order as the API does: "PERIOD DESC".
func (l list) orderName(o coverage.Order) string {
	if o.Desc {
		return l.fieldName(o.Field) + " DESC"
	}
	return l.fieldName(o.Field) + " ASC"
}

// pageArgs are the paging arguments every list field takes, with the codec
// of their cursors.
type pageArgs struct {
	cursors *cursorCodec
	orderBy *model.Order
	first   *int
	after   *string
}

// pageArgs collects a list field's paging arguments.
func (r *resolver) pageArgs(orderBy *model.Order, first *int, after *string) pageArgs {
	return pageArgs{r.cursors, orderBy, first, after}
}

// order turns an orderBy argument into a coverage.Order; nil is the key,
// ascending.
func order(o *model.Order) coverage.Order {
	if o == nil {
		return coverage.Order{}
	}
	return coverage.Order{Field: o.Field, Desc: o.Direction == model.Descending}
}

// request checks the paging arguments and turns them into the store's page
// request. first omitted means coverage.DefaultPageSize; an explicit 0 is an
// error rather than the default, so that no client gets 50 records when it
// asked for none. after null or "" is the first page.
func (l list) request(a pageArgs) (coverage.PageRequest, error) {
	req := coverage.PageRequest{Order: order(a.orderBy)}
	if a.first != nil {
		if *a.first < 1 || *a.first > coverage.MaxPageSize {
			return req, coverage.Errorf(coverage.EINVALID, "first must be between 1 and %d, got %d", coverage.MaxPageSize, *a.first)
		}
		req.First = *a.first
	}
	if err := req.Order.Check(l.name, l.sorts); err != nil {
		return req, err
	}
	if a.after != nil && *a.after != "" {
		c, err := l.decodeCursor(a.cursors, *a.after, req.Order)
		if err != nil {
			return req, err
		}
		req.After = c
	}
	return req.Normalize()
}

// cursor is what a cursor carries: compact JSON, sealed.
type cursor struct {
	List  string             `json:"l"`
	Field coverage.SortField `json:"f,omitempty"`
	Desc  bool               `json:"d,omitempty"`
	Value string             `json:"v,omitempty"`
	Key   string             `json:"k"`
}

func (l list) encodeCursor(cc *cursorCodec, o coverage.Order, c coverage.Cursor) string {
	b, _ := json.Marshal(cursor{List: l.name, Field: o.Field, Desc: o.Desc, Value: c.Value, Key: c.Key}) // strings and a bool: cannot fail
	return cc.seal(b)
}

// decodeCursor reads a cursor of this list in order o.
func (l list) decodeCursor(cc *cursorCodec, s string, o coverage.Order) (*coverage.Cursor, error) {
	var c cursor
	b, err := cc.open(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.List == "" || c.Key == "" {
		return nil, coverage.Errorf(coverage.EINVALID, "after is not a cursor of this API: pass the endCursor (or an edge's cursor) of a previous page")
	}
	if c.List != l.name {
		return nil, coverage.Errorf(coverage.EINVALID, "after is a cursor of %s, not of %s: pass the endCursor of a previous page of %s", c.List, l.name, l.name)
	}
	if got := (coverage.Order{Field: c.Field, Desc: c.Desc}); got != o {
		return nil, coverage.Errorf(coverage.EINVALID, "after is a cursor of %s ordered by %s, but this query orders them by %s: pass a cursor of the same orderBy, or omit after to start again",
			l.name, l.orderName(got), l.orderName(o))
	}
	return &coverage.Cursor{Value: c.Value, Key: c.Key}, nil
}

// page is a page of a list as the store answered it, with the list and order
// its cursors are written for.
type page[T any] struct {
	coverage.Page[T]
	list    list
	order   coverage.Order
	cursors *cursorCodec
}

// read asks one of the store's list methods for the page the arguments ask for.
func read[F, T any](ctx context.Context, l list, method func(context.Context, F, coverage.PageRequest) (coverage.Page[T], error), f F, a pageArgs) (page[T], error) {
	req, err := l.request(a)
	if err != nil {
		return page[T]{}, err
	}
	pg, err := method(ctx, f, req)
	return page[T]{pg, l, req.Order, a.cursors}, err
}

// edges pairs each item of a page with its cursor.
func edges[T, E any](pg page[T], edge func(cursor string, node *T) E) []E {
	out := make([]E, len(pg.Items))
	for i := range pg.Items {
		out[i] = edge(pg.list.encodeCursor(pg.cursors, pg.order, pg.Cursors[i]), &pg.Items[i])
	}
	return out
}

func pageInfo[T any](pg page[T]) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: pg.HasNextPage}
	if n := len(pg.Cursors); n > 0 {
		c := pg.list.encodeCursor(pg.cursors, pg.order, pg.Cursors[n-1])
		info.EndCursor = &c
	}
	return info
}

// The connection of each list, from a page or the error reading it; the top
// lists and the nested ones of a participant share them.

func participantConnection(pg page[coverage.Participant], err error) (*model.ParticipantConnection, error) {
	if err != nil {
		return nil, err
	}
	return &model.ParticipantConnection{
		Edges: edges(pg, func(c string, n *coverage.Participant) model.ParticipantEdge {
			return model.ParticipantEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(pg),
		TotalCount: int(pg.TotalCount),
	}, nil
}

func contributionConnection(pg page[coverage.Contribution], err error) (*model.ContributionConnection, error) {
	if err != nil {
		return nil, err
	}
	return &model.ContributionConnection{
		Edges: edges(pg, func(c string, n *coverage.Contribution) model.ContributionEdge {
			return model.ContributionEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(pg),
		TotalCount: int(pg.TotalCount),
	}, nil
}

func claimConnection(pg page[coverage.Claim], err error) (*model.ClaimConnection, error) {
	if err != nil {
		return nil, err
	}
	return &model.ClaimConnection{
		Edges: edges(pg, func(c string, n *coverage.Claim) model.ClaimEdge {
			return model.ClaimEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(pg),
		TotalCount: int(pg.TotalCount),
	}, nil
}

func rosterConnection(pg page[coverage.RosterEntry], err error) (*model.RosterConnection, error) {
	if err != nil {
		return nil, err
	}
	return &model.RosterConnection{
		Edges: edges(pg, func(c string, n *coverage.RosterEntry) model.RosterEdge {
			return model.RosterEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(pg),
		TotalCount: int(pg.TotalCount),
	}, nil
}

func quarantineConnection(pg page[coverage.Quarantined], err error) (*model.QuarantineConnection, error) {
	if err != nil {
		return nil, err
	}
	return &model.QuarantineConnection{
		Edges: edges(pg, func(c string, n *coverage.Quarantined) model.QuarantineEdge {
			return model.QuarantineEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(pg),
		TotalCount: int(pg.TotalCount),
	}, nil
}

// cursorCodec seals cursors with AES-256-GCM under a server key
// (Config.CursorKey), so that a cursor is opaque, cannot be forged, and
// carries no readable personal data. The nonce is derived from the cursor
// (HMAC-SHA256 under a key of its own): the same position always seals to
// the same string, as an edge's cursor and the page's endCursor must, and
// two positions never share a nonce. Both keys are derived from the server
// key with HKDF.
type cursorCodec struct {
	aead     cipher.AEAD
	nonceKey []byte
}

// CursorKeySize is the length of Config.CursorKey.
const CursorKeySize = 32

// cursorAD binds sealed cursors to their use.
var cursorAD = []byte("jamsostek cursor v1")

func newCursorCodec(key []byte) (*cursorCodec, error) {
	if len(key) != CursorKeySize {
		return nil, fmt.Errorf("graph: the cursor key must be %d bytes, got %d", CursorKeySize, len(key))
	}
	encKey, err := hkdf.Key(sha256.New, key, nil, "jamsostek cursor encryption", 32)
	if err != nil {
		return nil, err
	}
	nonceKey, err := hkdf.Key(sha256.New, key, nil, "jamsostek cursor nonce", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &cursorCodec{aead: aead, nonceKey: nonceKey}, nil
}

func (c *cursorCodec) seal(plain []byte) string {
	mac := hmac.New(sha256.New, c.nonceKey)
	mac.Write(plain)
	nonce := mac.Sum(nil)[:c.aead.NonceSize()]
	return base64.RawURLEncoding.EncodeToString(c.aead.Seal(nonce, nonce, plain, cursorAD))
}

func (c *cursorCodec) open(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	n := c.aead.NonceSize()
	if len(b) < n+c.aead.Overhead() {
		return nil, fmt.Errorf("cursor too short")
	}
	return c.aead.Open(nil, b[:n], b[n:], cursorAD)
}

func auditConnection(pg page[coverage.AuditEntry], err error) (*model.AuditConnection, error) {
	if err != nil {
		return nil, err
	}
	return &model.AuditConnection{
		Edges: edges(pg, func(c string, n *coverage.AuditEntry) model.AuditEdge {
			return model.AuditEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(pg),
		TotalCount: int(pg.TotalCount),
	}, nil
}
