package store_test

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// checkScan compares a stream with the simulator's records: the same records,
// in NIK order.
func checkScan[T any](t *testing.T, name string, got func(func(T, error) bool), want []T, nik func(*T) string, key func(*T) string) {
	t.Helper()
	var recs []T
	prev := ""
	for r, err := range got {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if nik(&r) < prev {
			t.Fatalf("%s: NIK %s after %s", name, nik(&r), prev)
		}
		prev = nik(&r)
		recs = append(recs, r)
	}
	byKey := func(a, b T) int { return cmp.Compare(key(&a), key(&b)) }
	slices.SortFunc(recs, byKey)
	want = slices.Clone(want)
	slices.SortFunc(want, byKey)
	if len(recs) != len(want) {
		t.Fatalf("%s: got %d records, want %d", name, len(recs), len(want))
	}
	for i := range recs {
		if !reflect.DeepEqual(recs[i], want[i]) {
			t.Fatalf("%s: got %+v\nwant %+v", name, recs[i], want[i])
		}
	}
}

// TestScanMatchesFind: the NIK-ordered streams (SQLite on the embedded engine,
// a sorted find on MongoDB) return exactly the stored records.
func TestScanMatchesFind(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	ds, err := feedsim.Generate(feedsim.Config{Seed: 4, Scale: 0.003})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Load(t, s, ds)
	checkScan(t, "roster", s.ScanRoster(ctx), ds.Roster, func(r *coverage.RosterEntry) string { return r.NIK }, (*coverage.RosterEntry).Key)
	// A participant written once has one income: the one it was stored with.
	wib := time.FixedZone("WIB", 7*60*60)
	participants := slices.Clone(ds.Participants)
	for i := range participants {
		p := &participants[i]
		p.IncomeHistory = []coverage.IncomeChange{{At: coverage.DateOf(p.UpdatedAt.In(wib)), Income: p.DeclaredIncome}}
	}
	checkScan(t, "participants", s.ScanParticipants(ctx), participants, func(r *coverage.Participant) string { return r.NIK }, (*coverage.Participant).Key)
	checkScan(t, "participants (find)", s.ScanParticipantsByFind(ctx), participants, func(r *coverage.Participant) string { return r.NIK }, (*coverage.Participant).Key)
	checkScan(t, "contributions", s.ScanContributions(ctx), ds.Contributions, func(r *coverage.Contribution) string { return r.NIK }, (*coverage.Contribution).Key)
	checkScan(t, "claims", s.ScanClaims(ctx), ds.Claims, func(r *coverage.Claim) string { return r.NIK }, (*coverage.Claim).Key)
}

// TestFindingsLifeCycle: findings open, stay, update, resolve automatically,
// reopen; an officer's resolution stands while the condition is unchanged.
// Both ways the lists are answered: the embedded engine's record index, and
// the finds MongoDB answers them with.
func TestFindingsLifeCycle(t *testing.T) {
	t.Run("index", func(t *testing.T) { testFindingsLifeCycle(t, storetest.Open(t)) })
	t.Run("finds", func(t *testing.T) { testFindingsLifeCycle(t, storetest.OpenWithoutIndex(t)) })
}

func testFindingsLifeCycle(t *testing.T, s *store.Store) {
	ctx := context.Background()
	asOf := time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC)
	f := func(subject string, amount int64) coverage.Finding {
		return coverage.Finding{ID: reconcile.FindingID(coverage.KindUnpaidMonths, subject), Kind: coverage.KindUnpaidMonths,
			Severity: coverage.SeverityMedium, KPJ: subject, AreaCode: "3672011001", Periods: []coverage.Period{"2024-05"},
			Amount: amount, Detail: "unpaid"}
	}
	save := func(run string, at time.Time, fs []coverage.Finding, want coverage.FindingCounts) {
		t.Helper()
		got, err := s.SaveFindings(ctx, run, at, fs)
		if err != nil {
			t.Fatal(err)
		}
		want.Found = int64(len(fs))
		if got != want {
			t.Errorf("%s: got %+v, want %+v", run, got, want)
		}
	}
	a, b, c := f("A", 16800), f("B", 16800), f("C", 36800)
	save("r1", asOf, []coverage.Finding{a, b, c}, coverage.FindingCounts{Opened: 3})
	save("r2", asOf, []coverage.Finding{a, b, c}, coverage.FindingCounts{Unchanged: 3})
	b2 := f("B", 33600)
	save("r3", asOf, []coverage.Finding{a, b2}, coverage.FindingCounts{Unchanged: 1, Updated: 1, Resolved: 1})
	d, err := s.Discrepancy(ctx, c.ID)
	if err != nil || d.Status != coverage.StatusResolved || !d.AutoResolved || d.ResolvedBy != store.ReconcilerName {
		t.Fatalf("C after it disappeared: %+v %v", d, err)
	}
	if _, err := s.ResolveDiscrepancy(ctx, a.ID, "officer@cilegon", "paid in cash at the branch", asOf); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResolveDiscrepancy(ctx, a.ID, "officer@cilegon", "again", asOf); coverage.ErrorCode(err) != coverage.ECONFLICT {
		t.Errorf("resolving twice: %v", err)
	}
	if _, err := s.AcknowledgeDiscrepancy(ctx, b.ID, "analyst", asOf); err != nil {
		t.Fatal(err)
	}
	later := asOf.Add(24 * time.Hour)
	save("r4", later, []coverage.Finding{a, b2, c}, coverage.FindingCounts{Unchanged: 2, Reopened: 1})
	for id, want := range map[string]coverage.DiscrepancyStatus{a.ID: coverage.StatusResolved, b.ID: coverage.StatusAcknowledged, c.ID: coverage.StatusOpen} {
		d, err := s.Discrepancy(ctx, id)
		if err != nil || d.Status != want {
			t.Errorf("%s: got %+v %v, want %s", id, d, err, want)
		}
		if id == b.ID && (!d.LastSeen.Equal(later) || !d.FirstSeen.Equal(asOf) || d.FirstRun != "r1") {
			t.Errorf("B seen %s to %s, first run %s", d.FirstSeen, d.LastSeen, d.FirstRun)
		}
	}
	a2, dd := f("A", 50400), f("D", 36800) // D: the same amount as C
	save("r5", later, []coverage.Finding{a2, b2, c, dd}, coverage.FindingCounts{Unchanged: 2, Reopened: 1, Opened: 1})
	counts, err := s.DiscrepancyCounts(ctx, coverage.DiscrepancyFilter{Statuses: []coverage.DiscrepancyStatus{coverage.StatusOpen}})
	if err != nil || counts[coverage.KindUnpaidMonths] != (coverage.KindTally{Count: 3, Amount: 50400 + 2*36800}) || len(counts) != 1 {
		t.Errorf("open counts: %v %v", counts, err)
	}
	page, err := s.Discrepancies(ctx, coverage.DiscrepancyFilter{AreaCode: "367201", Period: "2024-05"}, coverage.PageRequest{First: 2})
	if err != nil || page.TotalCount != 4 || len(page.Items) != 2 || !page.HasNextPage {
		t.Errorf("page: %+v %v", page, err)
	}
}

// TestRollupVersions: a rollup round-trips; the same cells make no new version.
func TestRollupVersions(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	ds, err := feedsim.Generate(feedsim.Config{Seed: 4, Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.LatestRollup(ctx); err != nil || r != nil {
		t.Fatalf("empty store: %v %v", r, err)
	}
	e, err := reconcile.New(reconcile.Config{Areas: coverage.Cilegon(), AsOf: ds.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	byNIK := map[string]*reconcile.Person{}
	person := func(nik string) *reconcile.Person {
		if byNIK[nik] == nil {
			byNIK[nik] = &reconcile.Person{NIK: nik}
		}
		return byNIK[nik]
	}
	for _, r := range ds.Roster {
		person(r.NIK).Roster = append(person(r.NIK).Roster, r)
	}
	for _, p := range ds.Participants {
		person(p.NIK).Participants = append(person(p.NIK).Participants, p)
	}
	for _, c := range ds.Contributions {
		person(c.NIK).Contributions = append(person(c.NIK).Contributions, c)
	}
	for _, c := range ds.Claims {
		person(c.NIK).Claims = append(person(c.NIK).Claims, c)
	}
	for _, p := range byNIK {
		if err := e.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	res := e.Finish()
	res.Rollup.RunID, res.Rollup.BuiltAt = "run-1", time.Now()
	v, isNew, err := s.SaveRollup(ctx, &res.Rollup)
	if err != nil || v != 1 || !isNew {
		t.Fatalf("first save: %d %v %v", v, isNew, err)
	}
	if v, isNew, err := s.SaveRollup(ctx, &res.Rollup); err != nil || v != 1 || isNew {
		t.Fatalf("same cells: %d %v %v", v, isNew, err)
	}
	got, err := s.LatestRollup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Hash != res.Rollup.Hash || !reflect.DeepEqual(got.Cells, res.Rollup.Cells) || got.From != res.Rollup.From || got.To != res.Rollup.To {
		t.Fatalf("round trip: version %d hash %s, %d cells (want %d)", got.Version, got.Hash, len(got.Cells), len(res.Rollup.Cells))
	}
	// The experience and plan tables come back equal (and the pass made some).
	if len(res.Rollup.Experience) == 0 || len(res.Rollup.Plan) == 0 || res.Rollup.PlanYear == 0 {
		t.Fatalf("the pass made no tables: %d experience rows, %d plan lines, plan year %d", len(res.Rollup.Experience), len(res.Rollup.Plan), res.Rollup.PlanYear)
	}
	if got.PlanYear != res.Rollup.PlanYear || !reflect.DeepEqual(got.Experience, res.Rollup.Experience) || !reflect.DeepEqual(got.Plan, res.Rollup.Plan) {
		t.Fatalf("tables round trip: plan year %d (want %d), %d experience rows (want %d), %d plan lines (want %d)", got.PlanYear, res.Rollup.PlanYear,
			len(got.Experience), len(res.Rollup.Experience), len(got.Plan), len(res.Rollup.Plan))
	}
	for i := 2; i <= 5; i++ {
		res.Rollup.Cells[0].Active++
		res.Rollup.Hash = res.Rollup.Hash + "x"
		if v, isNew, err := s.SaveRollup(ctx, &res.Rollup); err != nil || v != int64(i) || !isNew {
			t.Fatalf("version %d: %d %v %v", i, v, isNew, err)
		}
	}
	got, err = s.LatestRollup(ctx)
	if err != nil || got.Version != 5 || got.Cells[0].Active != res.Rollup.Cells[0].Active {
		t.Fatalf("latest: %+v %v", got.Version, err)
	}
	// Pruned versions leave no table pieces behind.
	ids, err := s.RollupChunkIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tables := 0
	for _, id := range ids {
		if id < "v000000000003" {
			t.Errorf("chunk %s of a pruned version is left", id)
		}
		if strings.Contains(id, "-t") {
			tables++
		}
	}
	if tables != 3 {
		t.Errorf("%d table pieces for the 3 versions kept, want 3: %v", tables, ids)
	}
}

// TestRollupKeepsEveryMeasure: a cell whose every measure is set (by
// reflection, so a measure added later is covered) comes back equal.
func TestRollupKeepsEveryMeasure(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	var m reconcile.Measures
	n := int64(0)
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Int64:
			n++
			v.SetInt(n)
		case reflect.Struct:
			for i := range v.NumField() {
				fill(v.Field(i))
			}
		case reflect.Array:
			for i := range v.Len() {
				fill(v.Index(i))
			}
		default:
			t.Fatalf("measure of kind %s: extend the test", v.Kind())
		}
	}
	fill(reflect.ValueOf(&m).Elem())
	r := reconcile.Rollup{AsOf: time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC), From: "2024-08", To: "2024-08", RunID: "run-1", BuiltAt: time.Now(),
		Cells: []reconcile.Cell{{Key: reconcile.Key{Period: "2024-08", Kelurahan: "3672011001", Category: coverage.CategoryKader,
			Payer: coverage.PayerAPBD, Segment: coverage.SegmentBPU, Gender: coverage.GenderFemale, AgeBand: reconcile.Age25To34}, Measures: m}}}
	r.Hash = "h"
	if _, _, err := s.SaveRollup(ctx, &r); err != nil {
		t.Fatal(err)
	}
	got, err := s.LatestRollup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Cells) != 1 || !reflect.DeepEqual(got.Cells[0], r.Cells[0]) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got.Cells, r.Cells)
	}
}
