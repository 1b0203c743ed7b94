package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

func participant(i int, kel string, payer coverage.PayerType) *coverage.Participant {
	return &coverage.Participant{
		KPJ: fmt.Sprintf("%011d", 10000000000+i), NIK: fmt.Sprintf("36720112059%05d", i+1),
		Name: fmt.Sprintf("Peserta %d", i), BirthDate: "1990-05-12", Gender: coverage.GenderMale,
		Segment: coverage.SegmentBPU, Occupation: "NELAYAN",
		Programs:  []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM},
		PayerType: payer, Status: coverage.StatusActive, RegisteredAt: "2023-01-05", CoverageStart: "2023-01-05",
		KelurahanCode: kel, DeclaredIncome: 1_000_000,
		UpdatedAt: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC),
	}
}

func records(ps ...*coverage.Participant) []store.Record {
	out := make([]store.Record, len(ps))
	for i, p := range ps {
		out[i] = store.Record{Key: p.KPJ, Value: p}
	}
	return out
}

func TestApplyIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	var ps []*coverage.Participant
	for i := range 30 {
		ps = append(ps, participant(i, "3672011001", coverage.PayerAPBD))
	}
	check := func(name string, recs []store.Record, want coverage.SyncCounts) {
		t.Helper()
		got, err := s.Apply(ctx, coverage.FeedParticipants, recs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
	check("first", records(ps...), coverage.SyncCounts{Inserted: 30})
	check("again", records(ps...), coverage.SyncCounts{Unchanged: 30})

	changed := *ps[3]
	changed.Status = coverage.StatusInactive
	fresh := participant(99, "3672021002", coverage.PayerSelf)
	recs := records(ps[1], &changed, fresh, ps[1])
	recs = append(recs, store.Record{Key: ps[5].KPJ, Deleted: true}, store.Record{Key: "99999999999", Deleted: true})
	check("mixed", recs, coverage.SyncCounts{Inserted: 1, Updated: 1, Unchanged: 3, Deleted: 1})

	got, err := s.Participant(ctx, changed.KPJ)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != coverage.StatusInactive || got.Programs[1] != coverage.ProgramJKM || !got.UpdatedAt.Equal(changed.UpdatedAt) {
		t.Errorf("participant read back: got %+v, want %+v", got, changed)
	}
	if _, err := s.Participant(ctx, ps[5].KPJ); coverage.ErrorCode(err) != coverage.ENOTFOUND {
		t.Errorf("deleted participant: got error %v, want not found", err)
	}
}

func TestParticipantsPagesAndFilters(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	var ps []*coverage.Participant
	for i := range 25 {
		kel := "3672011001"
		if i%5 == 0 {
			kel = "3672081007"
		}
		payer := coverage.PayerSelf
		if i%2 == 0 {
			payer = coverage.PayerAPBD
		}
		ps = append(ps, participant(i, kel, payer))
	}
	if _, err := s.Apply(ctx, coverage.FeedParticipants, records(ps...)); err != nil {
		t.Fatal(err)
	}
	// Walk all pages of 7.
	var seen []string
	for req := &(coverage.PageRequest{First: 7}); req != nil; {
		pg, err := s.Participants(ctx, coverage.ParticipantFilter{}, *req)
		if err != nil {
			t.Fatal(err)
		}
		if pg.TotalCount != 25 {
			t.Fatalf("totalCount: got %d, want 25", pg.TotalCount)
		}
		for _, c := range pg.Cursors {
			seen = append(seen, c.Key)
		}
		req = pg.Next(*req)
	}
	if len(seen) != 25 || seen[0] != ps[0].KPJ || seen[24] != ps[24].KPJ {
		t.Errorf("walked %d keys (%v), want 25 in order", len(seen), seen)
	}
	tests := []struct {
		name string
		f    coverage.ParticipantFilter
		want int64
	}{
		{"kecamatan", coverage.ParticipantFilter{AreaCode: "367208"}, 5},
		{"kelurahan", coverage.ParticipantFilter{AreaCode: "3672011001"}, 20},
		{"city", coverage.ParticipantFilter{AreaCode: "3672"}, 25},
		{"payer", coverage.ParticipantFilter{PayerTypes: []coverage.PayerType{coverage.PayerAPBD}}, 13},
		{"payer and area", coverage.ParticipantFilter{AreaCode: "367208", PayerTypes: []coverage.PayerType{coverage.PayerAPBD}}, 3},
		{"active on", coverage.ParticipantFilter{ActiveOn: "2024-01-01"}, 25},
		{"before coverage", coverage.ParticipantFilter{ActiveOn: "2022-12-31"}, 0},
		{"name", coverage.ParticipantFilter{NameContains: "peserta 1"}, 11},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pg, err := s.Participants(ctx, tc.f, coverage.PageRequest{First: 100})
			if err != nil {
				t.Fatal(err)
			}
			if pg.TotalCount != tc.want || int64(len(pg.Items)) != tc.want {
				t.Errorf("got total %d and %d items, want %d", pg.TotalCount, len(pg.Items), tc.want)
			}
		})
	}
	if _, err := s.Participants(ctx, coverage.ParticipantFilter{AreaCode: "36x"}, coverage.PageRequest{}); coverage.ErrorCode(err) != coverage.EINVALID {
		t.Errorf("bad area code: got %v, want invalid", err)
	}
}

func TestCheckpointsRunsQuarantine(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	cp, err := s.Checkpoint(ctx, coverage.FeedClaims)
	if err != nil || !cp.IsZero() {
		t.Fatalf("new checkpoint: got %v, %v, want zero", cp, err)
	}
	at := time.Date(2024, 8, 1, 10, 0, 0, 0, time.UTC)
	if err := s.SaveCheckpoint(ctx, coverage.FeedClaims, at, "r1", 1); err != nil {
		t.Fatal(err)
	}
	if cp, _ = s.Checkpoint(ctx, coverage.FeedClaims); !cp.Equal(at) {
		t.Errorf("checkpoint: got %v, want %v", cp, at)
	}
	run := coverage.SyncRun{ID: "r1", Feed: coverage.FeedClaims, Status: coverage.RunRunning, StartedAt: at}
	if err := s.SaveRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	run.Status, run.Counts = coverage.RunSucceeded, coverage.SyncCounts{Pages: 2, Read: 10, Inserted: 9, Quarantined: 1}
	if err := s.SaveRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	runs, err := s.SyncRuns(ctx, coverage.FeedClaims, 5)
	if err != nil || len(runs) != 1 || runs[0].Counts != run.Counts || runs[0].Status != coverage.RunSucceeded {
		t.Errorf("sync runs: got %+v, %v, want the saved run", runs, err)
	}
	q := coverage.Quarantined{Feed: coverage.FeedClaims, RunID: "r1", Key: "K1", Raw: `{"claim_no":"K1"}`, Reason: "bad", ReceivedAt: at}
	for range 2 { // the same record twice is one entry
		if err := s.AddQuarantined(ctx, []coverage.Quarantined{q}); err != nil {
			t.Fatal(err)
		}
	}
	pg, err := s.Quarantine(ctx, coverage.QuarantineFilter{Feed: coverage.FeedClaims}, coverage.PageRequest{})
	if err != nil || pg.TotalCount != 1 || pg.Items[0].Raw != q.Raw || pg.Items[0].Reason != "bad" {
		t.Errorf("quarantine: got %+v, %v", pg, err)
	}
}
