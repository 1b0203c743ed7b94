package store_test

import (
	"context"
	"iter"
	"reflect"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestIncomeHistory (issue 12): a participant's declared incomes are kept
// as the store sees them: the first write's, then one entry each time a write
// changes declared_income (at the Asia/Jakarta date of the record's
// updated_at), in order; a write that changes other fields, or the same
// income back, adds nothing; an unchanged re-sync writes nothing, and a late
// record older than the stored one changes nothing. Both scans (SQLite on the
// embedded engine, the driver's find) fill Participant.IncomeHistory.
func TestIncomeHistory(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	member := func(kpj, nik string, income int64, updated string, name string) *coverage.Participant {
		at, err := time.Parse(time.RFC3339, updated)
		if err != nil {
			t.Fatal(err)
		}
		return &coverage.Participant{KPJ: kpj, NIK: nik, Name: name, Segment: coverage.SegmentBPU, PayerType: coverage.PayerSelf,
			Status: coverage.StatusActive, Programs: []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM},
			KelurahanCode: "3672011001", DeclaredIncome: income, UpdatedAt: at}
	}
	apply := func(want coverage.SyncCounts, ps ...*coverage.Participant) {
		t.Helper()
		recs := make([]store.Record, len(ps))
		for i, p := range ps {
			recs[i] = store.Record{Key: p.KPJ, Value: p, UpdatedAt: p.UpdatedAt}
		}
		got, err := s.Apply(ctx, coverage.FeedParticipants, recs)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("counts %+v, want %+v", got, want)
		}
	}
	type history = []coverage.IncomeChange
	check := func(step string, want map[string]history) {
		t.Helper()
		for name, scan := range map[string]func(context.Context) iter.Seq2[coverage.Participant, error]{
			"scan": s.ScanParticipants, "find": s.ScanParticipantsByFind} {
			got := map[string]history{}
			for p, err := range scan(ctx) {
				if err != nil {
					t.Fatalf("%s: %s: %v", step, name, err)
				}
				got[p.KPJ] = p.IncomeHistory
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s: income histories\n got %+v\nwant %+v", step, name, got, want)
			}
		}
	}

	// 18:00 UTC on 31 January is 1 February in Jakarta.
	a := member("11000000001", "3672010101900001", 1_000_000, "2024-01-31T18:00:00Z", "Ahmad")
	b := member("11000000002", "3672010101900002", 2_500_000, "2024-01-05T01:00:00Z", "Budi")
	apply(coverage.SyncCounts{Inserted: 2}, a, b)
	check("first sync", map[string]history{
		a.KPJ: {{At: "2024-02-01", Income: 1_000_000}},
		b.KPJ: {{At: "2024-01-05", Income: 2_500_000}},
	})

	apply(coverage.SyncCounts{Unchanged: 2}, a, b) // the same records: nothing written

	renamed := member(a.KPJ, a.NIK, 1_000_000, "2024-03-01T02:00:00Z", "Ahmad Fauzi")
	apply(coverage.SyncCounts{Updated: 1}, renamed)
	check("a change of name", map[string]history{
		a.KPJ: {{At: "2024-02-01", Income: 1_000_000}},
		b.KPJ: {{At: "2024-01-05", Income: 2_500_000}},
	})

	raised := member(a.KPJ, a.NIK, 1_500_000, "2024-05-10T03:00:00Z", "Ahmad Fauzi")
	apply(coverage.SyncCounts{Updated: 1, Unchanged: 1}, raised, b)
	lowered := member(a.KPJ, a.NIK, 1_000_000, "2024-07-01T20:00:00Z", "Ahmad Fauzi")
	apply(coverage.SyncCounts{Updated: 1}, lowered)
	want := map[string]history{
		a.KPJ: {{At: "2024-02-01", Income: 1_000_000}, {At: "2024-05-10", Income: 1_500_000}, {At: "2024-07-02", Income: 1_000_000}},
		b.KPJ: {{At: "2024-01-05", Income: 2_500_000}},
	}
	check("two changes of income", want)

	apply(coverage.SyncCounts{Unchanged: 1}, lowered) // a re-sync
	late := member(a.KPJ, a.NIK, 9_000_000, "2024-06-01T00:00:00Z", "Ahmad Fauzi")
	apply(coverage.SyncCounts{Unchanged: 1}, late) // older than the stored record
	check("a re-sync and a late record", want)
}
