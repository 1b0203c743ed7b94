package store

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/cilegon/jamsostek/coverage"
)

// TestAuditListsUseSQLiteIndexes checks the query plans of the embedded
// engine's audit lists: each filter walks an index, none scans the table.
func TestAuditListsUseSQLiteIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	table, ok := s.auditTable()
	if !ok {
		t.Fatal("no audit_log table on the embedded engine")
	}
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	r := auditRange{lo: auditIDBound(at), hi: auditIDBound(at.Add(time.Hour))}
	for _, c := range []struct {
		f     coverage.AuditFilter
		index string
	}{
		{coverage.AuditFilter{}, "_jamsostek_id"},
		{coverage.AuditFilter{Principal: "admin"}, "_jamsostek_principal"},
		{coverage.AuditFilter{Operation: "Participants"}, "_jamsostek_operation"},
	} {
		for _, rr := range []auditRange{{}, r} {
			where, args := auditWhere(c.f, rr)
			for _, q := range []string{
				fmt.Sprintf(`SELECT _ferretdb_sjson FROM %q WHERE %s ORDER BY _ferretdb_sjson->'$._id' DESC LIMIT 10`, table, where),
				fmt.Sprintf(`SELECT count(*) FROM %q WHERE %s`, table, where),
			} {
				plan := queryPlan(t, s, q, args)
				if !strings.Contains(plan, c.index) || strings.Contains(plan, "TEMP B-TREE") {
					if c.f == (coverage.AuditFilter{}) && rr == (auditRange{}) && strings.Contains(q, "count(*)") && strings.Contains(plan, "COVERING INDEX") {
						continue // a count of everything may walk any index
					}
					t.Errorf("filter %+v range %+v: %s\nplan: %s", c.f, rr, q, plan)
				}
			}
		}
	}
}

func queryPlan(t *testing.T, s *Store, q string, args []any) string {
	t.Helper()
	rows, err := s.embedded.reader.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

func TestAuditIDs(t *testing.T) {
	at := time.Date(2025, 1, 1, 0, 0, 0, 999_999, time.UTC)
	id := newAuditID(at.UnixMilli())
	ms, err := parseAuditID(id)
	if err != nil || ms != at.UnixMilli() {
		t.Fatalf("parseAuditID(%s) = %d, %v", id, ms, err)
	}
	// Bounds: an id at the instant's millisecond is at or after the bound
	// of an instant at that millisecond's start, before that of any later one.
	if b := auditIDBound(at.Truncate(time.Millisecond)); id < b {
		t.Errorf("id %s below the bound %s of its own millisecond", id, b)
	}
	if b := auditIDBound(at); id >= b {
		t.Errorf("id %s (millisecond %d) not below the bound %s of %s", id, ms, b, at)
	}
	for _, bad := range []string{"", strings.Repeat("g", auditIDLen), strings.ToUpper(id), id + "0"} {
		if _, err := parseAuditID(bad); err == nil {
			t.Errorf("parseAuditID(%q) accepted", bad)
		}
	}
}

// FuzzAuditRequest: a page request of the audit log (its cursor comes from a
// client, through the API's sealed cursor) is refused with EINVALID or gives
// an id range inside the filter's.
func FuzzAuditRequest(f *testing.F) {
	id := newAuditID(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	f.Add(id, "2025-01-01T00:00:00Z", int64(0), int64(0), 10)
	f.Add(id, "", int64(1735689600000000000), int64(1735689600000000001), 0)
	f.Add("x", "not a time", int64(-1), int64(1<<62), -1)
	f.Add(strings.Repeat("f", auditIDLen), "9999-12-31T23:59:59Z", int64(-1<<63), int64(1<<63-1), 1001)
	f.Fuzz(func(t *testing.T, key, value string, from, to int64, first int) {
		fl := coverage.AuditFilter{}
		if from != 0 {
			fl.From = time.Unix(0, from)
		}
		if to != 0 {
			fl.To = time.Unix(0, to)
		}
		p := coverage.PageRequest{First: first, After: &coverage.Cursor{Key: key, Value: value}}
		p, r, err := checkAuditPage(fl, p)
		if err != nil {
			if coverage.ErrorCode(err) != coverage.EINVALID {
				t.Fatalf("%v, want EINVALID", err)
			}
			return
		}
		if p.First < 1 || p.First > coverage.MaxPageSize {
			t.Fatalf("first %d accepted", p.First)
		}
		if _, err := parseAuditID(key); err != nil {
			t.Fatalf("cursor key %q accepted", key)
		}
		if (r.lo != "" && len(r.lo) != auditTimeDigits) || (r.hi != "" && len(r.hi) != auditTimeDigits) {
			t.Fatalf("range %+v", r)
		}
		page := r.below(key)
		if page.hi == "" || page.hi > key || (r.hi != "" && page.hi > r.hi) {
			t.Fatalf("range %+v below %s: %+v", r, key, page)
		}
	})
}

// TestAuditOnMongoDB (MONGODB_URI, a real MongoDB): every audit list shape is
// answered from an index, never a collection scan (explain, as
// TestExplainListShapes does for the record lists), and the retention is a
// TTL index on at whose period follows the setting.
func TestAuditOnMongoDB(t *testing.T) {
	uri := os.Getenv("MONGODB_URI")
	if uri == "" {
		t.Skip("MONGODB_URI is not set: explain and TTL indexes need a real MongoDB")
	}
	ctx := context.Background()
	x := openExplainer(ctx, t, uri)
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 300 {
		e := coverage.AuditEntry{At: at.Add(time.Duration(i) * time.Second), Principal: fmt.Sprintf("p%d", i%7), Operation: fmt.Sprintf("Q%d", i%5)}
		if err := x.s.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	first, err := x.s.AuditEntries(ctx, coverage.AuditFilter{}, coverage.PageRequest{First: 10})
	if err != nil || len(first.Cursors) != 10 {
		t.Fatalf("first page: %d entries, %v", len(first.Items), err)
	}
	after := first.Cursors[9]
	for _, f := range []coverage.AuditFilter{
		{}, {Principal: "p3"}, {Operation: "Q1"}, {Principal: "p3", Operation: "Q1"},
		{From: at.Add(time.Minute)}, {To: at.Add(2 * time.Minute)}, {Principal: "p2", From: at.Add(time.Minute), To: at.Add(3 * time.Minute)},
	} {
		for _, c := range []*coverage.Cursor{nil, &after} {
			label := fmt.Sprintf("audit %+v after %v", f, c != nil)
			cmds, err := x.record(ctx, func(ctx context.Context) error {
				_, err := x.s.AuditEntries(ctx, f, coverage.PageRequest{First: 20, After: c})
				return err
			})
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			x.check(ctx, t, label, cmds, true)
		}
	}

	ttl := func() any {
		cur, err := x.s.db.Collection(colAuditLog).Indexes().List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var specs []bson.M
		if err := cur.All(ctx, &specs); err != nil {
			t.Fatal(err)
		}
		for _, s := range specs {
			if s["name"] == auditTTLIndex {
				return s["expireAfterSeconds"]
			}
		}
		return nil
	}
	for _, d := range []time.Duration{400 * 24 * time.Hour, 400 * 24 * time.Hour, 30 * 24 * time.Hour} {
		if err := x.s.SetAuditRetention(ctx, d); err != nil {
			t.Fatalf("retention %s: %v", d, err)
		}
		if got, ok := asInt64(ttl()); !ok || got != int64(d/time.Second) {
			t.Errorf("retention %s: the TTL index expires after %v, want %d s", d, ttl(), int64(d/time.Second))
		}
	}
}
