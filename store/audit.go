package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	json "github.com/goccy/go-json"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
)

// The audit log: who read personal data, when, with which operation, which
// fields and about how many people (coverage.AuditEntry; never the data).
//
// It is append-only: the store inserts entries and never updates them; the
// only removal is retention (PruneAudit, and on MongoDB the TTL index made by
// SetAuditRetention).
//
// Every entry's _id starts with the time it records, so the key order is the
// time order: an id is 12 hex digits of At in Unix milliseconds, then 16 hex
// digits drawn at random (0193a4c1f2e0 9c41d2...). Newest first is the _id
// order backwards, a time range is an _id range, and a page after a cursor is
// the ids below the cursor's: (At, ID) descending, as coverage.AuditLog asks,
// because At is stored to the millisecond (a BSON date) and the id carries
// exactly that millisecond.
//
// On MongoDB a list is one find on the _id index, or on (principal, _id) or
// (operation, _id) when it filters on those (indexes.go), and a count on the
// same index. On the embedded engine FerretDB would decode every entry of
// the collection for any filter but {_id: value}, so there the list is read
// from SQLite directly, on the _id expression index (fixIDIndexes) or on the
// (principal, _id) and (operation, _id) expression indexes made here, and the
// documents decoded from FerretDB's storage format as scan.go does.

const colAuditLog = "audit_log"

var _ coverage.AuditLog = (*Store)(nil)

// Bounds of what one entry stores: an operation name comes from the client,
// and the log must not grow by what a client chooses to send.
const (
	auditMaxText   = 256 // bytes of principal, role, area, method, key id, operation, kind
	auditMaxFields = 64  // personal-data fields named ("Participant.nik", ...)
)

// auditDoc is an entry as stored. At is a BSON date (milliseconds): the TTL
// index needs a date.
type auditDoc struct {
	ID        string    `bson:"_id"`
	At        time.Time `bson:"at"`
	Principal string    `bson:"principal"`
	Role      string    `bson:"role"`
	Area      string    `bson:"area"`
	Method    string    `bson:"method"`
	KeyID     string    `bson:"key_id"`
	Operation string    `bson:"operation"`
	Kind      string    `bson:"kind"`
	Fields    []string  `bson:"fields"`
	Records   int64     `bson:"records"`
	People    int64     `bson:"people"`
	Masked    bool      `bson:"masked"`
	Failed    bool      `bson:"failed"`
}

func (d auditDoc) entry() coverage.AuditEntry {
	fields := d.Fields
	if len(fields) == 0 {
		fields = nil
	}
	return coverage.AuditEntry{
		ID: d.ID, At: d.At.UTC(), Principal: d.Principal, Role: coverage.Role(d.Role), Area: d.Area, Method: d.Method,
		KeyID: d.KeyID, Operation: d.Operation, Kind: d.Kind, Fields: fields, Records: d.Records, People: d.People,
		Masked: d.Masked, Failed: d.Failed,
	}
}

// auditFromSJSON decodes an entry from FerretDB's storage format (dates are
// milliseconds; see scan.go).
func auditFromSJSON(b []byte) (coverage.AuditEntry, error) {
	var v struct {
		ID        string   `json:"_id"`
		At        int64    `json:"at"`
		Principal string   `json:"principal"`
		Role      string   `json:"role"`
		Area      string   `json:"area"`
		Method    string   `json:"method"`
		KeyID     string   `json:"key_id"`
		Operation string   `json:"operation"`
		Kind      string   `json:"kind"`
		Fields    []string `json:"fields"`
		Records   int64    `json:"records"`
		People    int64    `json:"people"`
		Masked    bool     `json:"masked"`
		Failed    bool     `json:"failed"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return coverage.AuditEntry{}, err
	}
	return auditDoc{ID: v.ID, At: time.UnixMilli(v.At).UTC(), Principal: v.Principal, Role: v.Role, Area: v.Area,
		Method: v.Method, KeyID: v.KeyID, Operation: v.Operation, Kind: v.Kind, Fields: v.Fields, Records: v.Records,
		People: v.People, Masked: v.Masked, Failed: v.Failed}.entry(), nil
}

// Audit ids.
const (
	auditTimeDigits = 12 // hex digits of Unix milliseconds: up to the year 10889
	auditRandDigits = 16
	auditIDLen      = auditTimeDigits + auditRandDigits
	auditMaxMillis  = 1<<(4*auditTimeDigits) - 1
)

// auditTimePrefix is the id prefix of a millisecond: every id of an entry at
// that millisecond starts with it, and sorts after it.
func auditTimePrefix(ms int64) string {
	return fmt.Sprintf("%0*x", auditTimeDigits, ms)
}

// newAuditID returns a fresh id for an entry at ms.
func newAuditID(ms int64) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return auditTimePrefix(ms) + fmt.Sprintf("%0*x", auditRandDigits, binary.BigEndian.Uint64(b[:]))
}

// parseAuditID checks an id's shape and returns its millisecond.
func parseAuditID(id string) (int64, error) {
	if len(id) != auditIDLen {
		return 0, coverage.Errorf(coverage.EINVALID, "%q is not an audit entry id", id)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return 0, coverage.Errorf(coverage.EINVALID, "%q is not an audit entry id", id)
		}
	}
	ms, err := strconv.ParseInt(id[:auditTimeDigits], 16, 64)
	if err != nil {
		return 0, coverage.Errorf(coverage.EINVALID, "%q is not an audit entry id", id)
	}
	return ms, nil
}

// ceilMillis is the first millisecond at or after t; an entry stored at
// millisecond m is at or after t exactly when m >= ceilMillis(t).
func ceilMillis(t time.Time) int64 {
	ms := t.UnixMilli()
	if time.UnixMilli(ms).Before(t) {
		ms++
	}
	return ms
}

// auditIDBound is the id bound of an instant: ids at or after t are >= it,
// ids before t are < it. Instants outside the ids' range clamp to their ends.
func auditIDBound(t time.Time) string {
	return auditTimePrefix(min(max(ceilMillis(t), 0), auditMaxMillis))
}

// clip cuts s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Append stores one entry. At zero is now; At is kept to the millisecond (a
// BSON date). ID empty gets a fresh time-ordered id; a given ID must be an
// audit id of At's millisecond (ids are how the log orders), and appending an
// id already stored does nothing, so a retried Append writes one entry. Text
// fields are cut at 256 bytes and the field list at 64 names.
func (s *Store) Append(ctx context.Context, e coverage.AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	ms := e.At.UnixMilli()
	if ms < 0 || ms > auditMaxMillis {
		return coverage.Errorf(coverage.EINVALID, "audit entry time %s is out of range", e.At.UTC().Format(time.RFC3339))
	}
	if e.ID == "" {
		e.ID = newAuditID(ms)
	} else if idMs, err := parseAuditID(e.ID); err != nil {
		return err
	} else if idMs != ms {
		return coverage.Errorf(coverage.EINVALID, "audit entry id %s is not of its time %s", e.ID, e.At.UTC().Format(time.RFC3339Nano))
	}
	fields := e.Fields
	if len(fields) > auditMaxFields {
		fields = fields[:auditMaxFields]
	}
	clipped := make([]string, len(fields))
	for i, f := range fields {
		clipped[i] = clip(f, auditMaxText)
	}
	doc := auditDoc{
		ID: e.ID, At: time.UnixMilli(ms).UTC(), Principal: clip(e.Principal, auditMaxText), Role: clip(string(e.Role), auditMaxText),
		Area: clip(e.Area, auditMaxText), Method: clip(e.Method, auditMaxText), KeyID: clip(e.KeyID, auditMaxText),
		Operation: clip(e.Operation, auditMaxText), Kind: clip(e.Kind, auditMaxText), Fields: clipped,
		Records: e.Records, People: e.People, Masked: e.Masked, Failed: e.Failed,
	}
	_, err := s.db.Collection(colAuditLog).InsertOne(ctx, doc)
	if mongo.IsDuplicateKeyError(err) {
		return nil // a retry of an entry already written
	}
	if err != nil {
		return coverage.Errorf(coverage.EUNAVAILABLE, "write the audit log: %v", err)
	}
	return nil
}

// auditRange is a list's id range: [lo, hi), "" for an open end.
type auditRange struct{ lo, hi string }

func (r auditRange) empty() bool { return r.lo != "" && r.hi != "" && r.lo >= r.hi }

// below narrows the range to the ids below id (a cursor's).
func (r auditRange) below(id string) auditRange {
	if r.hi == "" || id < r.hi {
		r.hi = id
	}
	return r
}

// checkAuditPage checks a list request: the filter, the page, the order (the
// log has one, newest first) and the cursor (an id, and its time when given).
func checkAuditPage(f coverage.AuditFilter, p coverage.PageRequest) (coverage.PageRequest, auditRange, error) {
	var r auditRange
	if err := f.Validate(); err != nil {
		return p, r, err
	}
	p, err := p.Normalize()
	if err != nil {
		return p, r, err
	}
	if p.Order != (coverage.Order{}) {
		return p, r, coverage.Errorf(coverage.EINVALID, "the audit log is listed newest first only, not ordered by %q", p.Order.Field)
	}
	if p.After != nil {
		ms, err := parseAuditID(p.After.Key)
		if err != nil {
			return p, r, coverage.Errorf(coverage.EINVALID, "after is not a cursor of the audit log")
		}
		if p.After.Value != "" {
			t, err := time.Parse(time.RFC3339Nano, p.After.Value)
			if err != nil || t.UnixMilli() != ms {
				return p, r, coverage.Errorf(coverage.EINVALID, "after is not a cursor of the audit log: its time and id disagree")
			}
		}
	}
	if !f.From.IsZero() {
		r.lo = auditIDBound(f.From)
	}
	if !f.To.IsZero() {
		r.hi = auditIDBound(f.To)
	}
	return p, r, nil
}

func auditCursor(e coverage.AuditEntry) coverage.Cursor {
	return coverage.Cursor{Value: e.At.UTC().Format(time.RFC3339Nano), Key: e.ID}
}

// AuditEntries lists the entries matching f, newest first (At, then ID,
// descending), with their total count. p.Order must be the zero Order.
func (s *Store) AuditEntries(ctx context.Context, f coverage.AuditFilter, p coverage.PageRequest) (coverage.Page[coverage.AuditEntry], error) {
	var out coverage.Page[coverage.AuditEntry]
	p, r, err := checkAuditPage(f, p)
	if err != nil {
		return out, err
	}
	if r.empty() {
		return out, nil
	}
	page := r
	if p.After != nil {
		page = r.below(p.After.Key)
	}
	if table, ok := s.auditTable(); ok {
		return s.auditEntriesSQLite(ctx, table, f, p.First, r, page)
	}
	return s.auditEntriesFind(ctx, f, p.First, r, page)
}

// auditTable is the SQLite table of the audit log when the embedded engine's
// lists are read from SQLite (not with Config.NoRecordIndex, which sends them
// through FerretDB's finds as on MongoDB).
func (s *Store) auditTable() (string, bool) {
	if s.embedded == nil || s.embedded.reader == nil || s.mem == nil {
		return "", false
	}
	t, ok := s.embedded.tables[colAuditLog]
	return t, ok
}

// auditQuery is the find filter of a range and the filter's fields.
func auditQuery(f coverage.AuditFilter, r auditRange) bson.D {
	var q bson.D
	if f.Principal != "" {
		q = append(q, bson.E{Key: "principal", Value: f.Principal})
	}
	if f.Operation != "" {
		q = append(q, bson.E{Key: "operation", Value: f.Operation})
	}
	var id bson.D
	if r.lo != "" {
		id = append(id, bson.E{Key: "$gte", Value: r.lo})
	}
	if r.hi != "" {
		id = append(id, bson.E{Key: "$lt", Value: r.hi})
	}
	if id != nil {
		q = append(q, bson.E{Key: "_id", Value: id})
	}
	if q == nil {
		q = bson.D{}
	}
	return q
}

// auditEntriesFind is the MongoDB path: a count and a find on an index.
func (s *Store) auditEntriesFind(ctx context.Context, f coverage.AuditFilter, first int, all, page auditRange) (coverage.Page[coverage.AuditEntry], error) {
	var out coverage.Page[coverage.AuditEntry]
	col := s.db.Collection(colAuditLog)
	copts := options.Count()
	if f.Principal == "" && f.Operation == "" && !s.idLookups {
		copts.SetHint("_id_")
	}
	n, err := col.CountDocuments(ctx, auditQuery(f, all), copts)
	if err != nil {
		return out, coverage.Errorf(coverage.EUNAVAILABLE, "count the audit log: %v", err)
	}
	out.TotalCount = n
	if page.empty() {
		return out, nil
	}
	cur, err := col.Find(ctx, auditQuery(f, page), options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(first)+1))
	if err != nil {
		return out, coverage.Errorf(coverage.EUNAVAILABLE, "read the audit log: %v", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		if len(out.Items) == first {
			out.HasNextPage = true
			break
		}
		var d auditDoc
		if err := cur.Decode(&d); err != nil {
			return out, fmt.Errorf("decode an audit entry: %w", err)
		}
		e := d.entry()
		out.Items = append(out.Items, e)
		out.Cursors = append(out.Cursors, auditCursor(e))
	}
	if err := cur.Err(); err != nil {
		return out, coverage.Errorf(coverage.EUNAVAILABLE, "read the audit log: %v", err)
	}
	return out, nil
}

// The embedded engine's expression indexes of the audit log: (field, _id),
// the field read as SQL text (->>), which is how the lists compare it.
var auditSQLiteIndexes = []string{"principal", "operation"}

// prepareAuditSQLite creates the audit log's expression indexes on the
// embedded engine (the _id one is fixIDIndexes'). Idempotent.
func (s *Store) prepareAuditSQLite(ctx context.Context) error {
	if s.embedded == nil || s.embedded.reader == nil {
		return nil
	}
	t, ok := s.embedded.tables[colAuditLog]
	if !ok {
		return nil
	}
	for _, f := range auditSQLiteIndexes {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->>'$.%s', _ferretdb_sjson->'$._id')`, t+"_jamsostek_"+f, t, f)
		if _, err := s.embedded.reader.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("index %s.%s: %w", colAuditLog, f, err)
		}
	}
	return nil
}

// auditWhere is the SQL condition of a range and the filter's fields.
func auditWhere(f coverage.AuditFilter, r auditRange) (string, []any) {
	conds, args := []string{"1"}, []any{}
	if r.lo != "" {
		conds, args = append(conds, `_ferretdb_sjson->'$._id' >= ?`), append(args, jsonString(r.lo))
	}
	if r.hi != "" {
		conds, args = append(conds, `_ferretdb_sjson->'$._id' < ?`), append(args, jsonString(r.hi))
	}
	if f.Principal != "" {
		conds, args = append(conds, `_ferretdb_sjson->>'$.principal' = ?`), append(args, f.Principal)
	}
	if f.Operation != "" {
		conds, args = append(conds, `_ferretdb_sjson->>'$.operation' = ?`), append(args, f.Operation)
	}
	return strings.Join(conds, " AND "), args
}

// auditEntriesSQLite is the embedded engine's path: SQLite's indexes.
// Ids are hex digits only, so their JSON form (quoted) sorts as they do.
func (s *Store) auditEntriesSQLite(ctx context.Context, table string, f coverage.AuditFilter, first int, all, page auditRange) (coverage.Page[coverage.AuditEntry], error) {
	var out coverage.Page[coverage.AuditEntry]
	where, args := auditWhere(f, all)
	if err := s.embedded.reader.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %q WHERE %s`, table, where), args...).Scan(&out.TotalCount); err != nil {
		return out, coverage.Errorf(coverage.EUNAVAILABLE, "count the audit log: %v", err)
	}
	if page.empty() {
		return out, nil
	}
	where, args = auditWhere(f, page)
	rows, err := s.embedded.reader.QueryContext(ctx, fmt.Sprintf(`SELECT _ferretdb_sjson FROM %q WHERE %s ORDER BY _ferretdb_sjson->'$._id' DESC LIMIT ?`, table, where),
		append(args, first+1)...)
	if err != nil {
		return out, coverage.Errorf(coverage.EUNAVAILABLE, "read the audit log: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		if len(out.Items) == first {
			out.HasNextPage = true
			break
		}
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return out, coverage.Errorf(coverage.EUNAVAILABLE, "read the audit log: %v", err)
		}
		e, err := auditFromSJSON(b)
		if err != nil {
			return out, fmt.Errorf("decode an audit entry: %w", err)
		}
		out.Items = append(out.Items, e)
		out.Cursors = append(out.Cursors, auditCursor(e))
	}
	if err := rows.Err(); err != nil {
		return out, coverage.Errorf(coverage.EUNAVAILABLE, "read the audit log: %v", err)
	}
	return out, nil
}

// auditPruneBatch is how many entries one round of PruneAudit removes on the
// embedded engine.
const auditPruneBatch = 1000

// PruneAudit removes the entries before the time (retention) and returns how
// many it removed. On MongoDB it is one delete on the _id range (the TTL index
// does the same within a minute of expiry; this covers servers without TTL,
// FerretDB among them). On the embedded engine the expired ids are read from
// SQLite's _id index and deleted by _id, 50 to a command, so that nothing
// scans the collection.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	if before.IsZero() || ceilMillis(before) <= 0 {
		return 0, nil
	}
	hi := auditIDBound(before)
	col := s.db.Collection(colAuditLog)
	if s.embedded == nil || s.embedded.reader == nil {
		res, err := col.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$lt", Value: hi}}}})
		if err != nil {
			return 0, coverage.Errorf(coverage.EUNAVAILABLE, "prune the audit log: %v", err)
		}
		return res.DeletedCount, nil
	}
	table, ok := s.embedded.tables[colAuditLog]
	if !ok {
		return 0, nil
	}
	var removed int64
	for {
		ids, err := s.auditIDsBelow(ctx, table, hi)
		if err != nil || len(ids) == 0 {
			return removed, err
		}
		full := len(ids) == auditPruneBatch
		for len(ids) > 0 {
			n := min(len(ids), maxEmbeddedUpdates)
			models := make([]mongo.WriteModel, n)
			for i, id := range ids[:n] {
				models[i] = mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: id}})
			}
			res, err := col.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
			if res != nil {
				removed += res.DeletedCount
			}
			if err != nil {
				return removed, coverage.Errorf(coverage.EUNAVAILABLE, "prune the audit log: %v", err)
			}
			ids = ids[n:]
		}
		if !full {
			return removed, nil
		}
	}
}

// auditIDsBelow reads up to auditPruneBatch ids below hi, oldest first.
func (s *Store) auditIDsBelow(ctx context.Context, table, hi string) ([]string, error) {
	rows, err := s.embedded.reader.QueryContext(ctx, fmt.Sprintf(`SELECT _ferretdb_sjson->>'$._id' FROM %q WHERE _ferretdb_sjson->'$._id' < ? ORDER BY _ferretdb_sjson->'$._id' LIMIT ?`, table),
		jsonString(hi), auditPruneBatch)
	if err != nil {
		return nil, coverage.Errorf(coverage.EUNAVAILABLE, "prune the audit log: %v", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, coverage.Errorf(coverage.EUNAVAILABLE, "prune the audit log: %v", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, coverage.Errorf(coverage.EUNAVAILABLE, "prune the audit log: %v", err)
	}
	return ids, nil
}

// auditTTLIndex is the name of the audit log's TTL index on MongoDB.
const auditTTLIndex = "at_1"

// SetAuditRetention keeps audit entries for the period: on MongoDB a TTL
// index on at (created, or its period changed with collMod); on the embedded
// engine, whose TTL does not run, nothing (its owner runs PruneAudit, at
// start and daily). The period must be at least a second.
func (s *Store) SetAuditRetention(ctx context.Context, retention time.Duration) error {
	secs := int32(min(retention/time.Second, 1<<31-1))
	if secs < 1 {
		return coverage.Errorf(coverage.EINVALID, "audit retention must be at least a second, got %s", retention)
	}
	if s.embedded != nil {
		return nil
	}
	col := s.db.Collection(colAuditLog)
	cur, err := col.Indexes().List(ctx)
	if err != nil {
		return fmt.Errorf("list the audit log's indexes: %w", err)
	}
	var specs []bson.M
	if err := cur.All(ctx, &specs); err != nil {
		return fmt.Errorf("list the audit log's indexes: %w", err)
	}
	for _, spec := range specs {
		if spec["name"] != auditTTLIndex {
			continue
		}
		if have, ok := asInt64(spec["expireAfterSeconds"]); ok && have == int64(secs) {
			return nil
		}
		err := s.db.RunCommand(ctx, bson.D{{Key: "collMod", Value: colAuditLog}, {Key: "index", Value: bson.D{
			{Key: "name", Value: auditTTLIndex}, {Key: "expireAfterSeconds", Value: secs}}}}).Err()
		if err != nil {
			return fmt.Errorf("set the audit log's retention: %w", err)
		}
		return nil
	}
	_, err = col.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "at", Value: 1}},
		Options: options.Index().SetName(auditTTLIndex).SetExpireAfterSeconds(secs),
	})
	if err != nil {
		return fmt.Errorf("create the audit log's TTL index: %w", err)
	}
	return nil
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		return int64(x), true
	}
	return 0, false
}
