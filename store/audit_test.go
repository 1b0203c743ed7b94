package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

var auditBase = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

// auditEntries makes n entries over ten minutes, some in the same
// millisecond, with sub-millisecond parts the log drops. Records is the
// entry's number, so that each can be recognised.
func auditEntries(n int) []coverage.AuditEntry {
	rng := rand.New(rand.NewPCG(10, 4))
	principals := []string{"admin", "dashboard", "officer-cibeber", "analyst <dinas>", "anonymous"}
	operations := []string{"Participants", "OneMember", "", "Roster"}
	out := make([]coverage.AuditEntry, n)
	for i := range out {
		ms := rng.IntN(600_000)
		if i%10 == 9 {
			ms = int(out[i-1].At.Sub(auditBase) / time.Millisecond) // a tie
		}
		p := principals[rng.IntN(len(principals))]
		out[i] = coverage.AuditEntry{
			At:        auditBase.Add(time.Duration(ms)*time.Millisecond + time.Duration(rng.IntN(1_000_000))),
			Principal: p, Role: coverage.RoleAnalyst, Method: "api-key", KeyID: "k-" + p,
			Operation: operations[rng.IntN(len(operations))], Kind: "query",
			Fields:  []string{"Participant.name", "Participant.nik"},
			Records: int64(i), People: int64(rng.IntN(50)), Masked: rng.IntN(2) == 0, Failed: rng.IntN(7) == 0,
		}
	}
	return out
}

func appendAll(t *testing.T, log coverage.AuditLog, entries []coverage.AuditEntry) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, len(entries))
	work := make(chan coverage.AuditEntry)
	for range 8 {
		wg.Go(func() {
			for e := range work {
				if err := log.Append(ctx, e); err != nil {
					errs <- err
				}
			}
		})
	}
	for _, e := range entries {
		work <- e
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// walk reads every page of a list, checking each page's count and cursors.
func walk(t *testing.T, log coverage.AuditLog, f coverage.AuditFilter, first int) []coverage.AuditEntry {
	t.Helper()
	var out []coverage.AuditEntry
	p := coverage.PageRequest{First: first}
	var total int64 = -1
	for pages := 0; ; pages++ {
		if pages > 10_000 {
			t.Fatal("more than 10,000 pages")
		}
		pg, err := log.AuditEntries(context.Background(), f, p)
		if err != nil {
			t.Fatalf("filter %+v first %d: %v", f, first, err)
		}
		if total >= 0 && pg.TotalCount != total {
			t.Fatalf("filter %+v: total count moved from %d to %d", f, total, pg.TotalCount)
		}
		total = pg.TotalCount
		if len(pg.Items) != len(pg.Cursors) || len(pg.Items) > first || (pg.HasNextPage && len(pg.Items) != first) {
			t.Fatalf("filter %+v: a page of %d items, %d cursors, first %d, next %t", f, len(pg.Items), len(pg.Cursors), first, pg.HasNextPage)
		}
		for i, e := range pg.Items {
			if c := pg.Cursors[i]; c.Key != e.ID || c.Value != e.At.Format(time.RFC3339Nano) {
				t.Fatalf("cursor %+v of entry %s at %s", c, e.ID, e.At)
			}
		}
		out = append(out, pg.Items...)
		next := pg.Next(p)
		if next == nil {
			if int64(len(out)) != total {
				t.Fatalf("filter %+v first %d: %d entries in the pages, total count %d", f, first, len(out), total)
			}
			return out
		}
		p = *next
	}
}

// TestAuditLogPages appends a few thousand entries and pages through them with
// every filter, on the embedded engine's SQLite path and on the find path
// (MongoDB's, here FerretDB's), against a reference computed in Go.
func TestAuditLogPages(t *testing.T) {
	// FerretDB's finds decode every entry of the collection (about 100 µs
	// each) for each page and count: the find path pages in larger pages.
	for _, path := range []struct {
		name  string
		open  func(testing.TB) *store.Store
		sizes []int
	}{{"sqlite", storetest.Open, []int{7, 100}}, {"find", storetest.OpenWithoutIndex, []int{400}}} {
		t.Run(path.name, func(t *testing.T) {
			s := path.open(t)
			entries := auditEntries(2500)
			appendAll(t, s, entries)

			// Everything: each entry once, as appended (At to the
			// millisecond), newest first, ties by id, ids in time order.
			all := walk(t, s, coverage.AuditFilter{}, 1000)
			if len(all) != len(entries) {
				t.Fatalf("%d entries listed, %d appended", len(all), len(entries))
			}
			seen := map[int64]bool{}
			for i, e := range all {
				w := entries[e.Records]
				w.ID, w.At = e.ID, w.At.Truncate(time.Millisecond)
				if seen[e.Records] || !reflect.DeepEqual(e, w) {
					t.Fatalf("entry %d: got %+v, want %+v (seen before: %t)", i, e, w, seen[e.Records])
				}
				seen[e.Records] = true
				if i > 0 {
					prev := all[i-1]
					if !(prev.At.After(e.At) || (prev.At.Equal(e.At) && prev.ID > e.ID)) || prev.ID <= e.ID {
						t.Fatalf("entries %d and %d out of order: %s %s, %s %s", i-1, i, prev.At, prev.ID, e.At, e.ID)
					}
				}
			}

			filters := []coverage.AuditFilter{
				{Principal: "dashboard"},
				{Principal: "analyst <dinas>"},
				{Principal: "nobody"},
				{Operation: "Participants"},
				{Principal: "admin", Operation: "Roster"},
				{From: auditBase.Add(2*time.Minute + 123456789)},
				{To: auditBase.Add(4*time.Minute + 999)},
				{From: auditBase.Add(3 * time.Minute), To: auditBase.Add(5*time.Minute + 500*time.Microsecond)},
				{Principal: "officer-cibeber", From: auditBase.Add(time.Minute), To: auditBase.Add(9 * time.Minute)},
				{From: all[len(all)/2].At, To: all[len(all)/2].At.Add(time.Millisecond)}, // one millisecond
				{From: auditBase.Add(time.Hour)},
			}
			for _, f := range filters {
				var want []coverage.AuditEntry
				for _, e := range all {
					if f.Match(e) {
						want = append(want, e)
					}
				}
				sizes := path.sizes
				if len(want) < 40 {
					sizes = append(sizes, 1)
				}
				for _, first := range sizes {
					got := walk(t, s, f, first)
					if !slices.EqualFunc(got, want, func(a, b coverage.AuditEntry) bool { return a.ID == b.ID }) {
						t.Errorf("filter %+v first %d: %d entries, want %d", f, first, len(got), len(want))
					}
				}
			}

			// Retention: everything before the fifth minute goes.
			cut := auditBase.Add(5*time.Minute + 1)
			var keep []coverage.AuditEntry
			for _, e := range all {
				if !e.At.Before(cut) {
					keep = append(keep, e)
				}
			}
			n, err := s.PruneAudit(context.Background(), cut)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(all)-len(keep)) {
				t.Errorf("pruned %d entries, want %d", n, len(all)-len(keep))
			}
			got := walk(t, s, coverage.AuditFilter{}, 1000)
			if !slices.EqualFunc(got, keep, func(a, b coverage.AuditEntry) bool { return a.ID == b.ID }) {
				t.Errorf("after pruning: %d entries, want %d", len(got), len(keep))
			}
			if n, err := s.PruneAudit(context.Background(), cut); err != nil || n != 0 {
				t.Errorf("pruning again: %d, %v; want 0, nil", n, err)
			}
		})
	}
}

func TestAuditLogAppendAndRequests(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	at := time.Date(2025, 3, 1, 8, 0, 0, 123456789, time.UTC)
	e := coverage.AuditEntry{At: at, Principal: "admin", Role: coverage.RoleAdmin, Operation: strings.Repeat("Ä", 300), Fields: []string{"Participant.nik"}, Records: 1, People: 1}
	if err := s.Append(ctx, e); err != nil {
		t.Fatal(err)
	}
	pg, err := s.AuditEntries(ctx, coverage.AuditFilter{}, coverage.PageRequest{})
	if err != nil || len(pg.Items) != 1 {
		t.Fatalf("got %+v, %v", pg, err)
	}
	got := pg.Items[0]
	if !got.At.Equal(at.Truncate(time.Millisecond)) {
		t.Errorf("At %s, want %s", got.At, at.Truncate(time.Millisecond))
	}
	if len(got.Operation) != 256 || got.Operation != strings.Repeat("Ä", 128) {
		t.Errorf("an operation name of 600 bytes is stored as %d bytes, want 256 on a rune boundary", len(got.Operation))
	}

	// A retried append of the same entry writes nothing more.
	again := got
	again.Operation = "Retry"
	if err := s.Append(ctx, again); err != nil {
		t.Errorf("append of an id already stored: %v", err)
	}
	if pg, _ := s.AuditEntries(ctx, coverage.AuditFilter{}, coverage.PageRequest{}); pg.TotalCount != 1 || pg.Items[0].Operation != got.Operation {
		t.Errorf("after a retried append: %d entries, operation %.10q", pg.TotalCount, pg.Items[0].Operation)
	}
	// Without a time: the time of the call, between the clock read before it
	// and after it (stored to the millisecond).
	before := time.Now().Truncate(time.Millisecond)
	if err := s.Append(ctx, coverage.AuditEntry{Principal: "viewer"}); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	pg, _ = s.AuditEntries(ctx, coverage.AuditFilter{Principal: "viewer"}, coverage.PageRequest{})
	if len(pg.Items) != 1 || pg.Items[0].At.Before(before) || pg.Items[0].At.After(after) {
		t.Errorf("an entry without a time: %+v, want one stamped between %v and %v", pg.Items, before, after)
	}

	for _, c := range []struct {
		name string
		err  func() error
		want string
	}{
		{"an id of another time", func() error {
			return s.Append(ctx, coverage.AuditEntry{ID: got.ID, At: at.Add(time.Second)})
		}, "is not of its time"},
		{"a malformed id", func() error { return s.Append(ctx, coverage.AuditEntry{ID: "x", At: at}) }, "not an audit entry id"},
		{"a time before 1970", func() error {
			return s.Append(ctx, coverage.AuditEntry{At: time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC)})
		}, "out of range"},
		{"an order", func() error {
			_, err := s.AuditEntries(ctx, coverage.AuditFilter{}, coverage.PageRequest{Order: coverage.Order{Field: coverage.SortKey, Desc: true}})
			return err
		}, "newest first only"},
		{"an empty range", func() error {
			_, err := s.AuditEntries(ctx, coverage.AuditFilter{From: at, To: at}, coverage.PageRequest{})
			return err
		}, "from must be before to"},
		{"a cursor of another list", func() error {
			_, err := s.AuditEntries(ctx, coverage.AuditFilter{}, coverage.PageRequest{After: &coverage.Cursor{Key: "10000000001"}})
			return err
		}, "not a cursor of the audit log"},
		{"a cursor whose time is not its id's", func() error {
			c := coverage.Cursor{Key: got.ID, Value: at.Add(time.Hour).Format(time.RFC3339Nano)}
			_, err := s.AuditEntries(ctx, coverage.AuditFilter{}, coverage.PageRequest{After: &c})
			return err
		}, "disagree"},
		{"too large a page", func() error {
			_, err := s.AuditEntries(ctx, coverage.AuditFilter{}, coverage.PageRequest{First: 1001})
			return err
		}, "first must be"},
	} {
		err := c.err()
		if coverage.ErrorCode(err) != coverage.EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want EINVALID with %q", c.name, err, c.want)
		}
	}

	// A cursor without its time (the id alone) pages as well.
	pg, err = s.AuditEntries(ctx, coverage.AuditFilter{}, coverage.PageRequest{After: &coverage.Cursor{Key: fmt.Sprintf("%028x", 0)}})
	if err != nil || len(pg.Items) != 0 || pg.TotalCount != 2 {
		t.Errorf("after the smallest id: %+v, %v", pg, err)
	}
}
