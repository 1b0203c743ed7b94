package analytics_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestEngineConfig (issue 12): what a pass gives the engine. FeedAsOf is each
// feed's as-of of its newest successful sync run (a newer failed run does not
// count; a feed never synced has none), AsOf the newest of them;
// RejectedRoster has one row per current roster rejection, its fields read
// one by one from the raw record (a field that is not a string is empty; the
// NIK is never read), Ref the quarantine id, Reason the stored error; the
// rules are the configured ones, else the defaults.
func TestEngineConfig(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	day := func(d int) time.Time { return time.Date(2024, 8, d, 17, 0, 0, 0, time.UTC) }
	runs := []coverage.SyncRun{
		{ID: "c1", Feed: coverage.FeedContributions, Status: coverage.RunSucceeded, StartedAt: day(10), AsOf: day(10)},
		{ID: "c2", Feed: coverage.FeedContributions, Status: coverage.RunSucceeded, StartedAt: day(20), AsOf: day(20)},
		{ID: "c3", Feed: coverage.FeedContributions, Status: coverage.RunFailed, StartedAt: day(25), AsOf: day(25)},
		{ID: "p1", Feed: coverage.FeedParticipants, Status: coverage.RunSucceeded, StartedAt: day(22), AsOf: day(22)},
		{ID: "k1", Feed: coverage.FeedClaims, Status: coverage.RunSucceeded, StartedAt: day(21), AsOf: day(21)},
		{ID: "w1", Feed: coverage.FeedWorkforce, Status: coverage.RunSucceeded, StartedAt: day(28), AsOf: day(28)},
	}
	for _, r := range runs {
		r.Trigger, r.FinishedAt = "cli", r.StartedAt.Add(time.Minute)
		if err := s.SaveRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	raw := `{"nik":"3672010101900001","name":"Siti","category":"KADER","agency":"Dinas Kesehatan","kelurahan_code":"3672011001","funded_from":"2024-13","funded_until":202412,"updated_at":"2024-08-01T00:00:00Z"}`
	if err := s.AddQuarantined(ctx, []coverage.Quarantined{
		{Feed: coverage.FeedRoster, RunID: "r1", Key: "3672010101900001:KADER", Raw: raw, Reason: "funded_from: period \"2024-13\" is not a valid YYYY-MM month", ReceivedAt: day(1)},
		{Feed: coverage.FeedRoster, RunID: "r1", Raw: `[1,2]`, Reason: "record is not a valid JSON object of the roster feed", ReceivedAt: day(1)},
		{Feed: coverage.FeedParticipants, RunID: "p1", Key: "11000000001", Raw: `{"kpj":"11000000001"}`, Reason: "nik is missing", ReceivedAt: day(1)},
	}); err != nil {
		t.Fatal(err)
	}

	svc := &analytics.Service{Store: s, Areas: coverage.Cilegon()}
	cfg, err := svc.EngineConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantAsOf := map[coverage.Feed]time.Time{coverage.FeedContributions: day(20), coverage.FeedParticipants: day(22), coverage.FeedClaims: day(21)}
	if !reflect.DeepEqual(cfg.FeedAsOf, wantAsOf) || !cfg.AsOf.Equal(day(22)) {
		t.Errorf("as-of %s, per feed %v; want %s, %v", cfg.AsOf, cfg.FeedAsOf, day(22), wantAsOf)
	}
	wantRows := []reconcile.RejectedRosterRow{
		{Ref: store.QuarantineID(coverage.FeedRoster, raw), Agency: "Dinas Kesehatan", Category: "KADER", KelurahanCode: "3672011001",
			FundedFrom: "2024-13", Reason: "funded_from: period \"2024-13\" is not a valid YYYY-MM month"},
		{Ref: store.QuarantineID(coverage.FeedRoster, `[1,2]`), Reason: "record is not a valid JSON object of the roster feed"},
	}
	if len(cfg.RejectedRoster) != 2 {
		t.Fatalf("rejected roster rows %+v", cfg.RejectedRoster)
	}
	got := map[string]reconcile.RejectedRosterRow{}
	for _, r := range cfg.RejectedRoster {
		got[r.Ref] = r
	}
	for _, w := range wantRows {
		if got[w.Ref] != w {
			t.Errorf("rejected row %+v, want %+v", got[w.Ref], w)
		}
	}
	def := coverage.DefaultRuleSet()
	if !reflect.DeepEqual(cfg.Tariffs, def.Tariffs) || !reflect.DeepEqual(cfg.Benefits, def.Benefits) {
		t.Errorf("default rules: %+v %+v", cfg.Tariffs, cfg.Benefits)
	}

	svc.Rules = coverage.RuleSet{
		Tariffs:  coverage.Tariffs{{Program: coverage.ProgramJKM, ValidFrom: "2021-02", Flat: 7_000, Source: "test"}},
		Benefits: coverage.BenefitRules{{Program: coverage.ProgramJKM, Benefit: coverage.BenefitDeath, ValidFrom: "2019-01", MaxAmount: 42_000_000, Source: "test"}},
	}
	if cfg, err = svc.EngineConfig(ctx); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Tariffs, svc.Rules.Tariffs) || !reflect.DeepEqual(cfg.Benefits, svc.Rules.Benefits) {
		t.Errorf("configured rules not passed: %+v %+v", cfg.Tariffs, cfg.Benefits)
	}
}
