package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

func TestScenarioSavedListedNewestFirst(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	var ids []string
	for i, name := range []string{"marbot 2027", "ojek 2027", "both"} {
		sc := coverage.SavedScenario{Name: name, Author: "root", SavedAt: t0.Add(time.Duration(i) * time.Minute), Year: 2027,
			Input: `{"year":2027}`, RollupVersion: int64(3 + i), Result: `{"year":2027}`}
		if err := s.SaveScenario(ctx, &sc); err != nil {
			t.Fatal(err)
		}
		if sc.ID == "" || slices.Contains(ids, sc.ID) {
			t.Fatalf("id %q: not new", sc.ID)
		}
		ids = append(ids, sc.ID)
	}
	list, err := s.SavedScenarios(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "both" || list[1].Name != "ojek 2027" {
		t.Fatalf("newest 2: %+v", list)
	}
	got, err := s.SavedScenario(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	want := coverage.SavedScenario{ID: ids[0], Name: "marbot 2027", Author: "root", SavedAt: t0, Year: 2027,
		Input: `{"year":2027}`, RollupVersion: 3, Result: `{"year":2027}`}
	if *got != want {
		t.Errorf("got %+v\nwant %+v", *got, want)
	}
	if _, err := s.SavedScenario(ctx, "SC-nope"); coverage.ErrorCode(err) != coverage.ENOTFOUND {
		t.Errorf("unknown id: %v, want NOT_FOUND", err)
	}
	if err := s.SaveScenario(ctx, &coverage.SavedScenario{Author: "root", Input: "{}", Result: "{}"}); coverage.ErrorCode(err) != coverage.EINVALID {
		t.Errorf("no name: %v, want INVALID", err)
	}
}

func TestScenarioRosterRowsOnlyById(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	rows := []coverage.ScenarioRosterRow{{NIK: "3672011205900001", Kelurahan: "3672011001"}, {NIK: "3672085206850012", Kelurahan: "3672081007"}}
	var problems []string
	for i := range 25 {
		problems = append(problems, "row "+string(rune('a'+i)))
	}
	first := coverage.ScenarioRoster{Category: "MARBOT", FileName: "marbot.csv", UploadedBy: "root", UploadedAt: t0,
		Rows: rows, Rejected: 25, Problems: problems}
	if err := s.SaveScenarioRoster(ctx, &first); err != nil {
		t.Fatal(err)
	}
	second := coverage.ScenarioRoster{Category: "OJEK_PANGKALAN", FileName: "ojek.xlsx", UploadedBy: "root", UploadedAt: t0.Add(time.Hour),
		Rows: rows[:1]}
	if err := s.SaveScenarioRoster(ctx, &second); err != nil {
		t.Fatal(err)
	}
	list, err := s.ScenarioRosters(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
		t.Fatalf("list: %+v", list)
	}
	for _, r := range list {
		if r.Rows != nil {
			t.Errorf("%s: the list holds rows", r.ID)
		}
	}
	if l := list[1]; l.RowCount != 2 || l.Rejected != 25 || len(l.Problems) != coverage.MaxScenarioProblems || l.Category != "MARBOT" || !l.UploadedAt.Equal(t0) {
		t.Errorf("first roster listed as %+v", l)
	}
	got, err := s.ScenarioRoster(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Rows, rows) || got.FileName != "marbot.csv" {
		t.Errorf("by id: %+v", got)
	}
	if _, err := s.ScenarioRoster(ctx, "SR-nope"); coverage.ErrorCode(err) != coverage.ENOTFOUND {
		t.Errorf("unknown id: %v, want NOT_FOUND", err)
	}
	if err := s.SaveScenarioRoster(ctx, &coverage.ScenarioRoster{Category: "MARBOT"}); coverage.ErrorCode(err) != coverage.EINVALID {
		t.Errorf("no rows: %v, want INVALID", err)
	}
}

// TestScenarioParticipantsByNIK looks memberships up by NIK on both paths:
// the embedded engine's in-memory index and the finds MongoDB answers.
func TestScenarioParticipantsByNIK(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.Store{"index": storetest.Open, "find": storetest.OpenWithoutIndex} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			ctx := context.Background()
			at := time.Date(2024, 8, 1, 7, 0, 0, 0, time.UTC)
			p := func(kpj, nik string, payer coverage.PayerType) store.Record {
				v := &coverage.Participant{KPJ: kpj, NIK: nik, Name: "X", BirthDate: "1990-05-12", Gender: "M", Segment: "BPU",
					Occupation: "MARBOT", Programs: []coverage.Program{"JKK", "JKM"}, PayerType: payer, Status: "ACTIVE",
					RegisteredAt: "2023-01-02", CoverageStart: "2023-01-02", KelurahanCode: "3672011001", DeclaredIncome: 1_000_000, UpdatedAt: at}
				return store.Record{Key: v.Key(), Value: v}
			}
			if _, err := s.Apply(ctx, coverage.FeedParticipants, []store.Record{
				p("10000000001", "3672011205900001", "APBD"), p("10000000002", "3672011205900001", "SELF"),
				p("10000000003", "3672085206850012", "EMPLOYER"), p("10000000004", "3672011205900009", "APBD"),
			}); err != nil {
				t.Fatal(err)
			}
			niks := []string{"3672011205900001", "3672085206850012", "3672011205900077", "3672011205900001"}
			for i := range 2 * store.ParticipantsByNIKBatch { // more than one batch
				niks = append(niks, "36720112059"+string(rune('1'+i%9))+"0"+string(rune('0'+i/100%10))+string(rune('0'+i/10%10))+string(rune('0'+i%10)))
			}
			got, err := s.ParticipantsByNIK(ctx, niks)
			if err != nil {
				t.Fatal(err)
			}
			kpjs := func(nik string) []string {
				var out []string
				for _, p := range got[nik] {
					out = append(out, p.KPJ)
				}
				return out
			}
			if k := kpjs("3672011205900001"); !slices.Equal(k, []string{"10000000001", "10000000002"}) {
				t.Errorf("nikA: %v", k)
			}
			if k := kpjs("3672085206850012"); !slices.Equal(k, []string{"10000000003"}) {
				t.Errorf("nikB: %v", k)
			}
			if len(got) != 2 {
				t.Errorf("%d NIKs found, want 2: %v", len(got), got)
			}
			ctx, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := s.ParticipantsByNIK(ctx, niks); !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled: %v", err)
			}
		})
	}
}
