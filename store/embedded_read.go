package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store/memindex"
)

// Reads of the embedded engine from SQLite directly (see embedded.go for the
// engine, memindex for why lists need their own index there).
//
// The documents of a page are read by _id with one query on the _id
// expression index (fixIDIndexes), and decoded from FerretDB's storage format
// with the decoders of scan.go. The in-memory index is loaded the same way at
// start, and after every write the store refreshes the written keys from the
// same tables (refresh), so the index holds what SQLite holds, whatever the
// outcome of the write.

// scanIndexes are the (field, _id) expression indexes of the embedded engine:
// the NIK order of the reconciliation's streams (scan.go).
var scanIndexes = map[string][]string{
	colParticipants:  {"nik"},
	colContributions: {"nik"},
	colClaims:        {"nik"},
	colRoster:        {"nik"},
}

// droppedIndexes were created by earlier versions for lists now served by
// the in-memory index; they only slow writes.
var droppedIndexes = map[string][]string{
	colContributions: {"kpj"},
	colClaims:        {"kpj"},
}

// createFieldIndexes adds the expression indexes of scanIndexes and drops
// those of droppedIndexes.
func createFieldIndexes(ctx context.Context, db *sql.DB, tables map[string]string) error {
	for col, fields := range scanIndexes {
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
	for col, fields := range droppedIndexes {
		if t, ok := tables[col]; ok {
			for _, f := range fields {
				if _, err := db.ExecContext(ctx, fmt.Sprintf(`DROP INDEX IF EXISTS %q`, t+"_jamsostek_"+f)); err != nil {
					return fmt.Errorf("drop index %s.%s: %w", col, f, err)
				}
			}
		}
	}
	return nil
}

// jsonString is a string as FerretDB's sjson stores it (a JSON string), which
// is what the -> operator returns.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// idBatch bounds the keys of one IN (...) query, well under SQLite's limit
// of bound variables.
const idBatch = 500

// readByKeys reads the documents of the keys that exist, decoded.
func readByKeys[T any](ctx context.Context, s *Store, col string, keys []string, decode func([]byte) (T, error), key func(*T) string) (map[string]T, error) {
	out := make(map[string]T, len(keys))
	table, ok := s.embedded.tables[col]
	if !ok || len(keys) == 0 {
		return out, nil
	}
	for len(keys) > 0 {
		n := min(len(keys), idBatch)
		args := make([]any, n)
		for i, k := range keys[:n] {
			args[i] = jsonString(k)
		}
		q := fmt.Sprintf(`SELECT _ferretdb_sjson FROM %q WHERE _ferretdb_sjson->'$._id' IN (%s)`, table, strings.TrimSuffix(strings.Repeat("?,", n), ","))
		rows, err := s.embedded.reader.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", col, err)
		}
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read %s: %w", col, err)
			}
			v, err := decode(b)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("decode %s: %w", col, err)
			}
			out[key(&v)] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read %s: %w", col, err)
		}
		keys = keys[n:]
	}
	return out, nil
}

func (s *Store) decodeParticipants(ctx context.Context, keys []string) (map[string]coverage.Participant, error) {
	return readByKeys(ctx, s, colParticipants, keys, participantFromSJSON, (*coverage.Participant).Key)
}

func (s *Store) decodeContributions(ctx context.Context, keys []string) (map[string]coverage.Contribution, error) {
	return readByKeys(ctx, s, colContributions, keys, contributionFromSJSON, (*coverage.Contribution).Key)
}

func (s *Store) decodeClaims(ctx context.Context, keys []string) (map[string]coverage.Claim, error) {
	return readByKeys(ctx, s, colClaims, keys, claimFromSJSON, (*coverage.Claim).Key)
}

func (s *Store) decodeRoster(ctx context.Context, keys []string) (map[string]coverage.RosterEntry, error) {
	return readByKeys(ctx, s, colRoster, keys, rosterFromSJSON, (*coverage.RosterEntry).Key)
}

func discrepancyID(d *coverage.Discrepancy) string { return d.ID }
func quarantinedID(q *coverage.Quarantined) string { return q.ID }

func (s *Store) decodeDiscrepancies(ctx context.Context, keys []string) (map[string]coverage.Discrepancy, error) {
	return readByKeys(ctx, s, colDiscrepancies, keys, discrepancyFromSJSON, discrepancyID)
}

func (s *Store) decodeQuarantined(ctx context.Context, keys []string) (map[string]coverage.Quarantined, error) {
	return readByKeys(ctx, s, colQuarantine, keys, quarantinedFromSJSON, quarantinedID)
}

// indexed ties a collection to its list in the in-memory index.
type indexed struct {
	list memindex.List
	// refresh reads the keys from SQLite and puts those found into the
	// index; it returns the keys found.
	refresh func(ctx context.Context, s *Store, keys []string) (map[string]bool, error)
	// load puts every document of the table into the index x.
	load func(ctx context.Context, s *Store, x *memindex.Index, col, table string) error
}

func indexer[T any](list memindex.List, decode func([]byte) (T, error), key func(*T) string, put func(*memindex.Index, []T)) indexed {
	return indexed{
		list: list,
		refresh: func(ctx context.Context, s *Store, keys []string) (map[string]bool, error) {
			docs, err := readByKeys(ctx, s, colOf[list], keys, decode, key)
			if err != nil {
				return nil, err
			}
			found := make(map[string]bool, len(docs))
			vals := make([]T, 0, len(docs))
			for k, d := range docs {
				found[k] = true
				vals = append(vals, d)
			}
			put(s.mem, vals)
			return found, nil
		},
		load: func(ctx context.Context, s *Store, x *memindex.Index, col, table string) error {
			rows, err := s.embedded.reader.QueryContext(ctx, fmt.Sprintf(`SELECT _ferretdb_sjson FROM %q`, table))
			if err != nil {
				return fmt.Errorf("load the record index of %s: %w", col, err)
			}
			defer rows.Close()
			batch := make([]T, 0, 5000)
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					return fmt.Errorf("load the record index of %s: %w", col, err)
				}
				v, err := decode(b)
				if err != nil {
					return fmt.Errorf("load the record index of %s: decode: %w", col, err)
				}
				if batch = append(batch, v); len(batch) == cap(batch) {
					put(x, batch)
					batch = batch[:0]
				}
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("load the record index of %s: %w", col, err)
			}
			put(x, batch)
			return nil
		},
	}
}

var colOf = map[memindex.List]string{
	memindex.Participants: colParticipants, memindex.Contributions: colContributions, memindex.Claims: colClaims,
	memindex.Roster: colRoster, memindex.Discrepancies: colDiscrepancies, memindex.Quarantine: colQuarantine,
}

var indexedCollections = map[string]indexed{
	colParticipants:  indexer(memindex.Participants, participantFromSJSON, (*coverage.Participant).Key, (*memindex.Index).PutParticipants),
	colContributions: indexer(memindex.Contributions, contributionFromSJSON, (*coverage.Contribution).Key, (*memindex.Index).PutContributions),
	colClaims:        indexer(memindex.Claims, claimFromSJSON, (*coverage.Claim).Key, (*memindex.Index).PutClaims),
	colRoster:        indexer(memindex.Roster, rosterFromSJSON, (*coverage.RosterEntry).Key, (*memindex.Index).PutRoster),
	colDiscrepancies: indexer(memindex.Discrepancies, discrepancyFromSJSON, discrepancyID, (*memindex.Index).PutDiscrepancies),
	colQuarantine:    indexer(memindex.Quarantine, quarantinedFromSJSON, quarantinedID, (*memindex.Index).PutQuarantined),
}

// refresh brings the index's rows of the keys in line with the database:
// found keys are put, missing ones removed. Every write of an indexed
// collection calls it, after the write and whatever its outcome. It runs
// on a context of its own: a write cut by its caller's cancellation may
// still land, and the index must not miss it.
func (s *Store) refresh(ctx context.Context, col string, keys []string) error {
	if s.mem == nil {
		return nil
	}
	if !s.mem.Loading() {
		return s.refreshLocked(ctx, col, keys)
	}
	s.memMu.Lock()
	defer s.memMu.Unlock()
	return s.refreshLocked(ctx, col, keys)
}

// refreshLocked is refresh with memMu held.
func (s *Store) refreshLocked(ctx context.Context, col string, keys []string) error {
	ix, ok := indexedCollections[col]
	if s.mem == nil || !ok || len(keys) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	found, err := ix.refresh(ctx, s, keys)
	if err != nil {
		// The index may now differ from the database: say so loudly; the
		// next write of these records, or a restart, repairs it.
		s.log.Error("record index: refresh failed; lists may be stale until the next write of these records or a restart", "collection", col, "err", err)
		return fmt.Errorf("refresh the record index of %s: %w", col, err)
	}
	var gone []string
	for _, k := range keys {
		if !found[k] {
			gone = append(gone, k)
		}
	}
	s.mem.Delete(ix.list, gone)
	return nil
}

// loadIndex fills the in-memory index from the database (at start, and
// after DropDatabase). It loads into an index of its own, which s.mem then
// adopts; the keys written meanwhile (s.mem notes them while it loads) are
// read again from the database, and s.mem is ready: its queries waited
// until then.
func (s *Store) loadIndex(ctx context.Context) error {
	start := time.Now()
	loaded := memindex.New()
	// Contributions are most of the records: one goroutine loads them while
	// another loads the rest (decoding is most of the time; the index's
	// lock is held only to put a batch).
	errs := make(chan error, 2)
	for _, big := range []bool{true, false} {
		go func() {
			var err error
			for col, ix := range indexedCollections {
				if table, ok := s.embedded.tables[col]; ok && (col == colContributions) == big && err == nil {
					err = ix.load(ctx, s, loaded, col, table)
				}
			}
			errs <- err
		}()
	}
	if err := errors.Join(<-errs, <-errs); err != nil {
		return err
	}
	loaded.BuildKeyOrders()
	// The writes' own index updates wait (memMu) while the records they
	// wrote during the load are read again: each is then newer than what
	// the load read, and a write that lands now updates the index after.
	s.memMu.Lock()
	defer s.memMu.Unlock()
	s.mem.Adopt(loaded)
	for list, keys := range s.mem.TakePending() {
		if err := s.refreshLocked(ctx, colOf[list], keys); err != nil {
			return err
		}
	}
	s.mem.MarkReady()
	s.log.Info("record index loaded", "took", time.Since(start).Round(time.Millisecond), "rows", s.mem.Sizes())
	return nil
}

// putRecords puts records just written (pointers to the coverage types that
// Apply takes) into the index, grouped by type.
func putRecords(x *memindex.Index, values []any) {
	var ps []coverage.Participant
	var cs []coverage.Contribution
	var ls []coverage.Claim
	var rs []coverage.RosterEntry
	for _, v := range values {
		switch r := v.(type) {
		case *coverage.Participant:
			ps = append(ps, *r)
		case *coverage.Contribution:
			cs = append(cs, *r)
		case *coverage.Claim:
			ls = append(ls, *r)
		case *coverage.RosterEntry:
			rs = append(rs, *r)
		}
	}
	x.PutParticipants(ps)
	x.PutContributions(cs)
	x.PutClaims(ls)
	x.PutRoster(rs)
}
