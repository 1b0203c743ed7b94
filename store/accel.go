package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// Accelerated reads on the embedded engine.
//
// FerretDB 1.24 evaluates every filter but {_id: value} by decoding each
// document of the collection (measured here: about 100 µs a document, so 1.4 s
// for 14,000 contributions), and it never uses secondary indexes. The record
// lists an officer uses most, a whole collection in key order and the records
// of one KPJ or NIK, are therefore served on the embedded engine from SQLite
// directly: expression indexes give the page's keys and the count, and the
// documents are then read through FerretDB one {_id} at a time (indexed, see
// fixIDIndexes). Any other filter goes through FerretDB as on MongoDB.
//
// Only keys and counts are read here, never documents, so the document format
// stays FerretDB's business.

// acceleratedFields lists, per collection, the fields with an equality index.
var acceleratedFields = map[string][]string{
	colParticipants:  {"nik"},
	colContributions: {"kpj", "nik"},
	colClaims:        {"kpj", "nik"},
	colRoster:        {"nik"},
}

// accelerated reports whether a page of col with filter q can be served from
// the indexes, and which field and value it selects ("" for all).
func (s *Store) accelerated(col string, q query) (field, value string, ok bool) {
	if s.embedded == nil || s.embedded.reader == nil {
		return "", "", false
	}
	if _, known := s.embedded.tables[col]; !known {
		return "", "", false
	}
	switch len(q.d) {
	case 0:
		return "", "", true
	case 1:
		v, isString := q.d[0].Value.(string)
		if !isString {
			return "", "", false
		}
		for _, f := range acceleratedFields[col] {
			if f == q.d[0].Key {
				return f, v, true
			}
		}
	}
	return "", "", false
}

// createFieldIndexes adds the expression indexes of acceleratedFields.
func createFieldIndexes(ctx context.Context, db *sql.DB, tables map[string]string) error {
	for col, fields := range acceleratedFields {
		t, ok := tables[col]
		if !ok {
			continue
		}
		for _, f := range fields {
			q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$.%s', _ferretdb_sjson->'$._id')`, t+"_jamsostek_"+f, t, f)
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("index %s.%s: %w", col, f, err)
			}
		}
	}
	return nil
}

// pageKeys returns up to limit keys after `after` (exclusive) in key order of
// the documents whose field equals value (all documents when field is ""), and
// how many documents match in all.
func (e *embedded) pageKeys(ctx context.Context, col, field, value, after string, limit int) ([]string, int64, error) {
	table := e.tables[col]
	where, args := "", []any{}
	if field != "" {
		where = fmt.Sprintf(" WHERE _ferretdb_sjson->'$.%s' = ?", field)
		args = append(args, jsonString(value))
	}
	var total int64
	if err := e.reader.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %q%s`, table, where), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", col, err)
	}
	if after != "" {
		if where == "" {
			where = " WHERE "
		} else {
			where += " AND "
		}
		where += "_ferretdb_sjson->'$._id' > ?"
		args = append(args, jsonString(after))
	}
	args = append(args, limit)
	rows, err := e.reader.QueryContext(ctx, fmt.Sprintf(`SELECT _ferretdb_sjson->>'$._id' FROM %q%s ORDER BY _ferretdb_sjson->'$._id' LIMIT ?`, table, where), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("keys of %s: %w", col, err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, 0, err
		}
		keys = append(keys, k)
	}
	return keys, total, rows.Err()
}

// jsonString is a string as FerretDB's sjson stores it (a JSON string), which
// is what the -> operator returns.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
