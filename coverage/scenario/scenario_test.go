package scenario

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// The figures of these tests are worked out by hand in the comments, on a
// rollup built by hand: two categories in the plan, claim experience in
// three pools, people covered in two kecamatan.

const (
	cibeber  = "3672011001" // kecamatan 367201
	grogolKl = "3672061002" // kecamatan 367206
)

var (
	jkkJkm  = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM}
	withJHT = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT}
)

// handRollup: as-of August 2024, plan year 2025.
//
// Plan: KADER in Cibeber, 10 entries x 12 months at Rp16,800 (JKK+JKM on
// Rp1,000,000): Rp168,000 a month, Rp2,016,000 a year; 8 enrolled, 6 of them
// with no other cover. RT_RW in Grogol, 5 x 12 at Rp36,800 (with JHT):
// Rp184,000 a month, Rp2,208,000 a year; 5 enrolled and exclusive.
//
// Experience (BPU; the default window is 2023-01 to 2024-07):
//   - KADER JKK: 200 member-months, 2 claims paid 1,000,000 and 2,000,000;
//     JKM: 200 member-months, no claim.
//   - not city-funded: JKK 1,000 member-months, 5 claims of 100,000 to
//     500,000 (1,500,000); JKM 1,000, one death 42,000,000; JHT 100, one
//     5,000,000.
//   - KADER JKK in August 2024, outside the window: 9,999,999.
//   - RT_RW wage earners (PU) in March 2024: 3 JKK claims, not BPU.
//
// People covered at the end of August 2024: 100 in Cibeber, 50 in Grogol.
func handRollup() *reconcile.Rollup {
	exp := func(p coverage.Period, cat coverage.Category, seg coverage.Segment, ms map[coverage.Program]reconcile.ExperienceMeasures) reconcile.ExperienceRow {
		r := reconcile.ExperienceRow{ExperienceKey: reconcile.ExperienceKey{Period: p, Category: cat, Segment: seg}}
		for prog, m := range ms {
			r.Programs[slices.Index(coverage.Programs, prog)] = m
		}
		return r
	}
	bpu, pu := coverage.SegmentBPU, coverage.SegmentPU
	jkk, jkm, jht := coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT
	return &reconcile.Rollup{
		Version: 7, AsOf: time.Date(2024, 8, 22, 3, 0, 0, 0, time.UTC), From: "2023-01", To: "2024-08", PlanYear: 2025,
		Cells: []reconcile.Cell{
			{Key: reconcile.Key{Period: "2024-07", Kelurahan: cibeber}, Measures: reconcile.Measures{Active: 90, People: 90}},
			{Key: reconcile.Key{Period: "2024-08", Kelurahan: cibeber}, Measures: reconcile.Measures{Active: 100, People: 100}},
			{Key: reconcile.Key{Period: "2024-08", Kelurahan: grogolKl, Payer: coverage.PayerAPBD}, Measures: reconcile.Measures{Active: 50, People: 50}},
		},
		Plan: []reconcile.PlanLine{
			{Category: coverage.CategoryKader, Kelurahan: cibeber, Programs: jkkJkm, Income: 1_000_000, Entries: 10, MemberMonths: 120,
				MonthDue: 168_000, Due: 2_016_000, Enrolled: 8, Exclusive: 6, CoverKelurahan: cibeber},
			{Category: coverage.CategoryRTRW, Kelurahan: grogolKl, Programs: withJHT, Income: 1_000_000, Entries: 5, MemberMonths: 60,
				MonthDue: 184_000, Due: 2_208_000, Enrolled: 5, Exclusive: 5, CoverKelurahan: grogolKl},
		},
		Experience: []reconcile.ExperienceRow{
			exp("2024-01", coverage.CategoryKader, bpu, map[coverage.Program]reconcile.ExperienceMeasures{
				jkk: {Exposure: 200, Contributions: 2_000_000, Claims: 2, PaidAmount: 3_000_000, Amounts: []int64{1_000_000, 2_000_000}},
				jkm: {Exposure: 200, Contributions: 1_360_000}}),
			exp("2024-02", "", bpu, map[coverage.Program]reconcile.ExperienceMeasures{
				jkk: {Exposure: 1_000, Contributions: 10_000_000, Claims: 5, PaidAmount: 1_500_000, Amounts: []int64{100_000, 200_000, 300_000, 400_000, 500_000}},
				jkm: {Exposure: 1_000, Contributions: 6_800_000, Claims: 1, PaidAmount: 42_000_000, Amounts: []int64{42_000_000}},
				jht: {Exposure: 100, Contributions: 2_000_000, Claims: 1, PaidAmount: 5_000_000, Amounts: []int64{5_000_000}}}),
			exp("2024-03", coverage.CategoryRTRW, pu, map[coverage.Program]reconcile.ExperienceMeasures{
				jkk: {Exposure: 50, Claims: 3, PaidAmount: 30_000_000, Amounts: []int64{10_000_000, 10_000_000, 10_000_000}}}),
			exp("2024-08", coverage.CategoryKader, bpu, map[coverage.Program]reconcile.ExperienceMeasures{
				jkk: {Exposure: 10, Claims: 1, PaidAmount: 9_999_999, Amounts: []int64{9_999_999}}}),
		},
	}
}

// handWorkforce: 2024 only (the plan year has none): city 1,000, Cibeber
// 400, Grogol 200.
func handWorkforce(year int, area string) (reconcile.Denominator, bool) {
	w := map[string]int64{"3672": 1_000, "367201": 400, "367206": 200}[area]
	if year != 2024 || w == 0 {
		return reconcile.Denominator{}, false
	}
	return reconcile.Denominator{Workforce: w, Basis: "TEST"}, true
}

func ptr[T any](v T) *T { return &v }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func nearPtr(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || near(*a, *b)) }

// TestScenarioByHand checks every figure of the baseline and of a scenario
// of five changes.
func TestScenarioByHand(t *testing.T) {
	r := handRollup()
	before := deepCopy(r)
	in := Input{Year: 2025, MinClaims: 2, Simulations: 500, Changes: []Change{
		// MARBOT, 20 people for 6 months, 15 in kecamatan Cibeber and 5 in
		// kelurahan Grogol: 120 member-months at Rp16,800.
		{Kind: AddCategory, Category: coverage.CategoryMarbot, Headcount: 20, Months: 6,
			Distribution: []AreaCount{{Area: "367201", Count: 15}, {Area: grogolKl, Count: 5}}},
		// Half of KADER: 5 entries and 60 member-months left; of the 6
		// exclusive, 3 lose their cover.
		{Kind: RemoveCategory, Category: coverage.CategoryKader, Headcount: 5},
		// RT_RW without JHT: Rp16,800 a head.
		{Kind: SetPrograms, Category: coverage.CategoryRTRW, Programs: jkkJkm},
		// MARBOT on Rp2,000,000: JKK 20,000 + JKM 6,800 = 26,800 a head.
		{Kind: SetIncome, Category: coverage.CategoryMarbot, Income: 2_000_000},
		// KADER 10 months: 5 x 10 = 50 member-months.
		{Kind: SetMonths, Category: coverage.CategoryKader, Months: 10},
	}}
	res, err := Compute(r, handWorkforce, coverage.Cilegon(), coverage.BPUTariffs, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, before) {
		t.Fatal("Compute changed the rollup")
	}
	if res.ExperienceFrom != "2023-01" || res.ExperienceTo != "2024-07" || res.DenominatorYear != 2024 || res.RollupVersion != 7 {
		t.Errorf("window %s-%s, denominator year %d, version %d", res.ExperienceFrom, res.ExperienceTo, res.DenominatorYear, res.RollupVersion)
	}
	// Claims per member-month, by the basis each line takes (MinClaims 2):
	// KADER JKK its own, 2 claims / 200 = 0.01, Rp15,000; JKM: KADER has
	// none, the city-funded pool (KADER alone: PU rows are not BPU) none,
	// so BPU: 1 / 1,200, Rp35,000. RT_RW and MARBOT JKK: the city-funded
	// pool (KADER's), 0.01 and Rp15,000; JKM BPU; JHT BPU: 1 / 100,
	// Rp50,000.
	//
	// Baseline: KADER 120 x (15,000 + 35,000) = 6,000,000, 1.2 + 0.1
	// claims; RT_RW 60 x (15,000 + 35,000 + 50,000) = 6,000,000, 0.6 +
	// 0.05 + 0.6. Rp12,000,000, 2.55 claims, on Rp4,224,000.
	wantBase := Side{Funded: 15, MemberMonths: 180, MonthlyCost: 352_000, AnnualCost: 4_224_000, Participants: 150, Workforce: 1_000,
		Rate: ptr(0.15), ExpectedCount: 2.55, ExpectedPaid: 12_000_000, LossRatio: ptr(12_000_000.0 / 4_224_000)}
	// Scenario: KADER 5 entries, 50 months: Rp84,000 a month, 840,000 a
	// year, 50 x 50,000 = 2,500,000 in claims (0.5 + 50/1,200). MARBOT 20,
	// 120 months at 26,800: 536,000 and 3,216,000, 120 x 50,000 =
	// 6,000,000 (1.2 + 0.1). RT_RW 5, 60 at 16,800: 84,000 and 1,008,000,
	// 60 x 50,000 = 3,000,000 (0.6 + 0.05). People: 150 + 20 - 3 = 167.
	wantScen := Side{Funded: 30, MemberMonths: 230, MonthlyCost: 704_000, AnnualCost: 5_064_000, Participants: 167, Workforce: 1_000,
		Rate: ptr(0.167), ExpectedCount: 0.5 + 50.0/1200 + 1.2 + 0.1 + 0.6 + 0.05, ExpectedPaid: 11_500_000, LossRatio: ptr(11_500_000.0 / 5_064_000)}
	for _, c := range []struct {
		name      string
		got, want Side
	}{{"baseline", res.Baseline, wantBase}, {"scenario", res.Scenario, wantScen}} {
		g, w := c.got, c.want
		if !nearPtr(g.Rate, w.Rate) || !nearPtr(g.LossRatio, w.LossRatio) || !near(g.ExpectedCount, w.ExpectedCount) {
			t.Errorf("%s: rate %v loss ratio %v count %v, want %v %v %v", c.name, deref(g.Rate), deref(g.LossRatio), g.ExpectedCount, deref(w.Rate), deref(w.LossRatio), w.ExpectedCount)
		}
		g.Rate, g.LossRatio, g.ExpectedCount, g.PaidLow, g.PaidHigh = nil, nil, 0, 0, 0
		w.Rate, w.LossRatio, w.ExpectedCount = nil, nil, 0
		if g != w {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, g, w)
		}
	}
	if !nearPtr(res.ChangePoints, ptr(1.7)) {
		t.Errorf("change in points %v, want 1.7", deref(res.ChangePoints))
	}
	// Groups.
	type g struct {
		cat                          coverage.Category
		base, scen                   GroupSide
		newly, movers, already, lose int64
		assumed                      bool
		bases                        []Basis
	}
	want := []g{
		{coverage.CategoryKader, GroupSide{10, 120, 168_000, 2_016_000, 1.3, 6_000_000}, GroupSide{5, 50, 84_000, 840_000, 0.5 + 50.0/1200, 2_500_000},
			0, 0, 0, 3, false, []Basis{BasisCategory, BasisBPU}},
		{coverage.CategoryMarbot, GroupSide{}, GroupSide{20, 120, 536_000, 3_216_000, 1.3, 6_000_000}, 20, 0, 0, 0, true, []Basis{BasisCityFunded, BasisBPU}},
		{coverage.CategoryRTRW, GroupSide{5, 60, 184_000, 2_208_000, 1.25, 6_000_000}, GroupSide{5, 60, 84_000, 1_008_000, 0.65, 3_000_000},
			0, 0, 0, 0, false, []Basis{BasisCityFunded, BasisBPU}},
	}
	if len(res.Groups) != len(want) {
		t.Fatalf("%d groups, want %d", len(res.Groups), len(want))
	}
	for i, w := range want {
		gl := res.Groups[i]
		var bases []Basis
		for _, p := range gl.Programs {
			bases = append(bases, p.Basis)
		}
		if gl.Category != w.cat || !sameGroupSide(gl.Baseline, w.base) || !sameGroupSide(gl.Scenario, w.scen) || gl.NewlyCovered != w.newly ||
			gl.Movers != w.movers || gl.AlreadyCity != w.already || gl.LoseCoverage != w.lose || gl.Assumed != w.assumed || !slices.Equal(bases, w.bases) {
			t.Errorf("group %d:\n got %+v bases %v\nwant %+v", i, gl, bases, w)
		}
	}
	// The experience behind MARBOT's JKK: the city-funded pool, 2 claims.
	if e := res.Groups[1].Programs[0].Experience; e.Claims != 2 || e.Exposure != 200 || *e.Severity != 1_500_000 || !near(*e.Frequency, 10) || !near(*e.LossRatio, 1.5) {
		t.Errorf("MARBOT JKK experience %+v", e)
	}
	// Kecamatan: Cibeber 100 -> 112 of 400 (+3 points), Grogol 50 -> 55 of
	// 200 (+2.5), the six others 0 of no denominator.
	for _, a := range res.Areas {
		switch a.AreaCode {
		case "367201":
			if a.Baseline != 100 || a.Scenario != 112 || a.Workforce != 400 || a.DenominatorYear != 2024 || !nearPtr(a.ChangePoints, ptr(3.0)) {
				t.Errorf("Cibeber %+v", a)
			}
		case "367206":
			if a.Baseline != 50 || a.Scenario != 55 || a.Workforce != 200 || !nearPtr(a.ChangePoints, ptr(2.5)) {
				t.Errorf("Grogol %+v", a)
			}
		default:
			if a.Baseline != 0 || a.Scenario != 0 || a.BaselineRate != nil {
				t.Errorf("area %s %+v", a.AreaCode, a)
			}
		}
	}
	if len(res.Areas) != 8 {
		t.Errorf("%d area lines, want the 8 kecamatan", len(res.Areas))
	}
	// The same input gives the same answer, range included.
	again, err := Compute(r, handWorkforce, coverage.Cilegon(), coverage.BPUTariffs, nil, in)
	if err != nil || !reflect.DeepEqual(again, res) {
		t.Errorf("a second computation differs: %v", err)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func sameGroupSide(a, b GroupSide) bool {
	ok := near(a.ExpectedCount, b.ExpectedCount)
	a.ExpectedCount, b.ExpectedCount = 0, 0
	return ok && a == b
}

func deepCopy(r *reconcile.Rollup) *reconcile.Rollup {
	c := *r
	c.Cells = slices.Clone(r.Cells)
	c.Plan = slices.Clone(r.Plan)
	for i := range c.Plan {
		c.Plan[i].Programs = slices.Clone(r.Plan[i].Programs)
	}
	c.Experience = slices.Clone(r.Experience)
	for i := range c.Experience {
		for p := range c.Experience[i].Programs {
			c.Experience[i].Programs[p].Amounts = slices.Clone(r.Experience[i].Programs[p].Amounts)
		}
	}
	return &c
}

// TestScenarioNamedRoster: people named by a roster are funded when new or
// moving from another payer, add cover only when new, and cost nothing when
// the city already pays for them.
func TestScenarioNamedRoster(t *testing.T) {
	r := handRollup()
	named := []Named{{RosterID: "r1", Category: coverage.CategoryMarbot, ByArea: map[string]NamedCounts{
		cibeber: {New: 3, Movers: 2, AlreadyCity: 1}}}}
	in := Input{Year: 2025, MinClaims: 2, Simulations: 100, Changes: []Change{{Kind: AddCategory, Category: coverage.CategoryMarbot, RosterID: "r1"}}}
	res, err := Compute(r, handWorkforce, coverage.Cilegon(), coverage.BPUTariffs, named, in)
	if err != nil {
		t.Fatal(err)
	}
	// 5 funded x 12 x 16,800 = 1,008,000 more; 3 more people covered.
	if d := res.Scenario.AnnualCost - res.Baseline.AnnualCost; d != 1_008_000 {
		t.Errorf("annual cost change %d, want 1,008,000", d)
	}
	if d := res.Scenario.Participants - res.Baseline.Participants; d != 3 {
		t.Errorf("participants change %d, want 3", d)
	}
	m := res.Groups[1]
	if m.Category != coverage.CategoryMarbot || m.NewlyCovered != 3 || m.Movers != 2 || m.AlreadyCity != 1 || m.Assumed || m.Scenario.Funded != 5 {
		t.Errorf("MARBOT %+v", m)
	}
	// A change naming the roster alone takes its category.
	in.Changes[0].Category = ""
	if again, err := Compute(r, handWorkforce, coverage.Cilegon(), coverage.BPUTariffs, named, in); err != nil || again.Groups[1].Category != coverage.CategoryMarbot || again.Groups[1].Movers != 2 {
		t.Errorf("roster alone: %v %+v", err, again.Groups)
	}
	in.Changes[0].RosterID = "nope"
	if _, err := Compute(r, handWorkforce, coverage.Cilegon(), coverage.BPUTariffs, named, in); coverage.ErrorCode(err) != coverage.ENOTFOUND {
		t.Errorf("unknown roster: %v", err)
	}
}

// TestClassify sorts hand-made memberships on a date: on the plan year's
// roster (whatever pays), active under any payer, or none active; a NIK
// named before counts once.
func TestClassify(t *testing.T) {
	on := coverage.Date("2024-08-22")
	p := func(payer coverage.PayerType, status coverage.ParticipantStatus, end coverage.Date) coverage.Participant {
		return coverage.Participant{PayerType: payer, Status: status, CoverageStart: "2024-01-01", CoverageEnd: end}
	}
	byNIK := map[string][]coverage.Participant{
		"A": {p(coverage.PayerAPBD, coverage.StatusActive, "")},                                                               // city-paid and on the roster: already
		"B": {p(coverage.PayerEmployer, coverage.StatusActive, "")},                                                           // mover
		"C": {p(coverage.PayerSelf, coverage.StatusInactive, ""), p(coverage.PayerAPBD, coverage.StatusActive, "2024-06-30")}, // nothing active: new
		"D": {p(coverage.PayerAPBD, coverage.StatusActive, "")},                                                               // city-paid without a roster entry: mover
		"F": {p(coverage.PayerSelf, coverage.StatusActive, "")},                                                               // on the roster, self-paying: already
	}
	funded := map[string]bool{"A": true, "F": true, "G": true} // G: on the roster, not enrolled: already
	rows := []RosterRow{{"A", cibeber}, {"B", cibeber}, {"C", grogolKl}, {"D", grogolKl}, {"E", grogolKl}, {"B", grogolKl},
		{"F", cibeber}, {"G", grogolKl}, {"H", cibeber}}
	seen := map[string]bool{"H": true} // named by an earlier roster
	n := Classify("r", coverage.CategoryMarbot, rows, byNIK, funded, seen, on)
	want := map[string]NamedCounts{cibeber: {AlreadyCity: 2, Movers: 1}, grogolKl: {New: 2, Movers: 1, AlreadyCity: 1}}
	if !reflect.DeepEqual(n.ByArea, want) || n.Repeated != 2 {
		t.Errorf("got %+v repeated %d, want %+v repeated 2", n.ByArea, n.Repeated, want)
	}
	if !seen["A"] || !seen["E"] {
		t.Error("the rows' NIKs are not added to seen")
	}
}

// TestRemovals: a removal in one change or in several leaves the same
// counts; taking back people a change added loses no cover; entries of
// people funded in two categories keep their cover; the lost cover is
// where those people are counted covered.
func TestRemovals(t *testing.T) {
	r := handRollup()
	run := func(changes ...Change) Result {
		t.Helper()
		res, err := Compute(r, handWorkforce, coverage.Cilegon(), coverage.BPUTariffs, nil, Input{Year: 2025, MinClaims: 2, Simulations: 10, Changes: changes})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	kader := func(res Result) GroupLine {
		for _, g := range res.Groups {
			if g.Category == coverage.CategoryKader {
				return g
			}
		}
		return GroupLine{}
	}
	// KADER: 10 entries, 120 months, 6 exclusive. Nine at once: 1 entry,
	// 120 - 108 = 12 months, 6 - round(5.4) = 1 exclusive left, 5 lost.
	once := run(Change{Kind: RemoveCategory, Category: "KADER", Headcount: 9})
	var ones []Change
	for range 9 {
		ones = append(ones, Change{Kind: RemoveCategory, Category: "KADER", Headcount: 1})
	}
	nine := run(ones...)
	for _, res := range []Result{once, nine} {
		g := kader(res)
		if g.Scenario.Funded != 1 || g.Scenario.MemberMonths != 12 || g.LoseCoverage != 5 || res.Scenario.Participants != 145 {
			t.Errorf("KADER less 9: %+v lose %d, participants %d; want 1 entry, 12 months, 5 lost, 145", g.Scenario, g.LoseCoverage, res.Scenario.Participants)
		}
	}
	// 20 MARBOT added, 15 taken back: 5 newly covered, none lost.
	res := run(Change{Kind: AddCategory, Category: "MARBOT", Headcount: 20}, Change{Kind: RemoveCategory, Category: "MARBOT", Headcount: 15})
	m := res.Groups[1]
	if m.Category != "MARBOT" || m.NewlyCovered != 5 || m.LoseCoverage != 0 || m.Scenario.Funded != 5 || res.Scenario.Participants != 155 {
		t.Errorf("MARBOT added and taken back: %+v, participants %d", m, res.Scenario.Participants)
	}
	// Months after a removal: 5 entries left x 3 months.
	res = run(Change{Kind: RemoveCategory, Category: "KADER", Headcount: 5}, Change{Kind: SetMonths, Category: "KADER", Months: 3},
		Change{Kind: RemoveCategory, Category: "KADER", Headcount: 1})
	if g := kader(res); g.Scenario.Funded != 4 || g.Scenario.MemberMonths != 12 {
		t.Errorf("KADER less 5, 3 months, less 1: %+v, want 4 entries and 12 months", g.Scenario)
	}
	// Cover elsewhere, and shared entries.
	r = handRollup()
	r.Plan = append(r.Plan, reconcile.PlanLine{Category: coverage.CategoryNelayan, Kelurahan: cibeber, Programs: jkkJkm, Income: 1_000_000,
		Entries: 4, MemberMonths: 48, MonthDue: 67_200, Due: 806_400, Enrolled: 4, Exclusive: 2, Shared: 2, CoverKelurahan: grogolKl})
	res = run(Change{Kind: RemoveCategory, Category: "NELAYAN"})
	for _, a := range res.Areas {
		if (a.AreaCode == "367206" && a.Scenario != 48) || (a.AreaCode == "367201" && a.Scenario != 100) {
			t.Errorf("NELAYAN of Cibeber's roster living in Grogol removed: %s %d", a.AreaCode, a.Scenario)
		}
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool {
		return strings.Contains(n, "2 of the entries removed are of people funded in another category")
	}) {
		t.Errorf("no note of the shared entries: %q", res.Notes)
	}
}

// TestRangeOnFixedSeed: with every claim of one amount the range is that
// amount times the Poisson count's percentiles (mean 100: the 10th is 87,
// the 90th 113, within a claim for 20,000 years); a seed gives one range,
// another seed another.
func TestRangeOnFixedSeed(t *testing.T) {
	lines := []claimLine{{lambda: 100, amounts: []int64{1_000, 1_000, 1_000}}}
	in := Input{Simulations: 20_000, Seed: 42, LowPercent: 10, HighPercent: 90}
	lo, hi := simulate(lines, in)
	if lo < 86_000 || lo > 88_000 || hi < 112_000 || hi > 114_000 || lo%1_000 != 0 {
		t.Errorf("range %d to %d, want about 87,000 to 113,000", lo, hi)
	}
	if lo2, hi2 := simulate(lines, in); lo2 != lo || hi2 != hi {
		t.Errorf("same seed, %d-%d then %d-%d", lo, hi, lo2, hi2)
	}
	// Amounts drawn from several: the range of 1,000 and 3,000 in equal
	// shares is wider than either amount's alone would be at the mean.
	lines = []claimLine{{lambda: 10, amounts: []int64{1_000, 3_000}}}
	in.Simulations = 2_000
	differ := false
	for seed := uint64(1); seed <= 5 && !differ; seed++ {
		in.Seed = seed
		l1, h1 := simulate(lines, in)
		in.Seed = seed + 100
		l2, h2 := simulate(lines, in)
		differ = l1 != l2 || h1 != h2
	}
	if !differ {
		t.Error("five pairs of seeds gave the same ranges")
	}
	// No claims expected: nothing.
	if lo, hi := simulate([]claimLine{{lambda: 0, amounts: []int64{5}}}, in); lo != 0 || hi != 0 {
		t.Errorf("no claims: %d-%d", lo, hi)
	}
	// Nearest rank.
	vals := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if percentile(vals, 10) != 1 || percentile(vals, 90) != 9 || percentile(vals, 11) != 2 {
		t.Errorf("percentiles of 1..10: %d %d %d", percentile(vals, 10), percentile(vals, 90), percentile(vals, 11))
	}
}

// TestScenarioRangeOnHand: the hand baseline's range on seed 1 and 2,000
// years is a golden figure (it changes only when the resampling does): 2.55
// claims expected, none in 7.8 % of years (e^-2.55), so the 10th
// percentile is a year of one small claim; a JKM death (Rp42,000,000, 0.15
// a year expected, in 14 % of years) is in the 90th.
func TestScenarioRangeOnHand(t *testing.T) {
	res, err := Compute(handRollup(), handWorkforce, coverage.Cilegon(), coverage.BPUTariffs, nil, Input{Year: 2025, MinClaims: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b := res.Baseline
	if res.Seed != 1 || res.Simulations != 2_000 || res.LowPercent != 10 || res.HighPercent != 90 {
		t.Errorf("defaults: %+v", res)
	}
	if b.PaidLow != 1_000_000 || b.PaidHigh != 44_000_000 {
		t.Errorf("baseline range %d to %d, want 1,000,000 to 44,000,000", b.PaidLow, b.PaidHigh)
	}
}

// TestScenarioRefusals: inputs that cannot be computed get EINVALID naming
// what is wrong.
func TestScenarioRefusals(t *testing.T) {
	r := handRollup()
	for _, c := range []struct {
		name string
		in   Input
	}{
		{"another year", Input{Year: 2024}},
		{"distribution not adding up", Input{Year: 2025, Changes: []Change{{Kind: AddCategory, Category: "MARBOT", Headcount: 5, Distribution: []AreaCount{{"367201", 4}}}}}},
		{"area outside the city", Input{Year: 2025, Changes: []Change{{Kind: AddCategory, Category: "MARBOT", Headcount: 5, Distribution: []AreaCount{{"317101", 5}}}}}},
		{"the city as an area", Input{Year: 2025, Changes: []Change{{Kind: AddCategory, Category: "MARBOT", Headcount: 5, Distribution: []AreaCount{{"3672", 5}}}}}},
		{"JP for BPU", Input{Year: 2025, Changes: []Change{{Kind: SetPrograms, Programs: []coverage.Program{"JKK", "JKM", "JP"}}}}},
		{"without JKM", Input{Year: 2025, Changes: []Change{{Kind: SetPrograms, Programs: []coverage.Program{"JKK"}}}}},
		{"remove more than funded", Input{Year: 2025, Changes: []Change{{Kind: RemoveCategory, Category: "KADER", Headcount: 11}}}},
		{"remove a category nobody has", Input{Year: 2025, Changes: []Change{{Kind: RemoveCategory, Category: "PETANI"}}}},
		{"13 months", Input{Year: 2025, Changes: []Change{{Kind: SetMonths, Months: 13}}}},
		{"headcount with a roster", Input{Year: 2025, Changes: []Change{{Kind: AddCategory, Category: "MARBOT", Headcount: 3, RosterID: "r"}}}},
		{"no headcount", Input{Year: 2025, Changes: []Change{{Kind: AddCategory, Category: "MARBOT"}}}},
		{"income with a removal", Input{Year: 2025, Changes: []Change{{Kind: RemoveCategory, Category: "KADER", Income: 5}}}},
		{"window outside the rollup", Input{Year: 2025, ExperienceFrom: "2022-01"}},
		{"low above high", Input{Year: 2025, LowPercent: 90, HighPercent: 10}},
		{"a roster named twice", Input{Year: 2025, Changes: []Change{{Kind: AddCategory, Category: "MARBOT", RosterID: "r"}, {Kind: AddCategory, Category: "MARBOT", RosterID: "r"}}}},
		{"bad kind", Input{Year: 2025, Changes: []Change{{Kind: "DOUBLE"}}}},
	} {
		if _, err := Compute(r, handWorkforce, coverage.Cilegon(), coverage.BPUTariffs, nil, c.in); coverage.ErrorCode(err) != coverage.EINVALID {
			t.Errorf("%s: %v", c.name, err)
		} else {
			t.Logf("%s: %s", c.name, coverage.ErrorMessage(err))
		}
	}
	// Too many claims to resample: fewer years, or no range; the cost
	// and coverage are answered. 200,000 MARBOT a year make 200,000 x 12
	// x (2/200 + 1/1,200) = 26,000 claims, with the baseline's 2.55 on
	// each side 26,005.1: 50,000,000 / 26,005.1 = 1,922.7 years.
	for _, c := range []struct {
		people int64
		sims   int
	}{{200_000, 1_922}, {MaxHeadcount, 0}} {
		res, err := Compute(r, handWorkforce, coverage.Cilegon(), coverage.BPUTariffs, nil, Input{Year: 2025, MinClaims: 2, Simulations: MaxSimulations,
			Changes: []Change{{Kind: AddCategory, Category: "MARBOT", Headcount: c.people}}})
		if err != nil || res.Simulations != c.sims || res.Scenario.Funded != 15+c.people || (c.sims == 0) != (res.Scenario.PaidHigh == 0) {
			t.Errorf("%d people: %v, %d simulations (want %d), %d funded, range %d-%d", c.people, err, res.Simulations, c.sims, res.Scenario.Funded, res.Scenario.PaidLow, res.Scenario.PaidHigh)
		}
	}
	old := handRollup()
	old.PlanYear, old.Plan, old.Experience = 0, nil, nil
	if _, err := Compute(old, handWorkforce, coverage.Cilegon(), coverage.BPUTariffs, nil, Input{Year: 2025}); coverage.ErrorCode(err) != coverage.EUNAVAILABLE {
		t.Errorf("a rollup without tables: %v", err)
	}
}

// TestObservedExperience: the categories' lines then the pools', over the
// default window.
func TestObservedExperience(t *testing.T) {
	lines, from, to, err := ObservedExperience(handRollup(), "", "")
	if err != nil || from != "2023-01" || to != "2024-07" {
		t.Fatalf("%v %s %s", err, from, to)
	}
	type l struct {
		cat      coverage.Category
		basis    Basis
		prog     coverage.Program
		exposure int64
		claims   int64
		paid     int64
	}
	var got []l
	for _, e := range lines {
		got = append(got, l{e.Category, e.Pool, e.Program, e.Exposure, e.Claims, e.PaidAmount})
	}
	want := []l{
		{"KADER", BasisCategory, "JKK", 200, 2, 3_000_000},
		{"KADER", BasisCategory, "JKM", 200, 0, 0},
		{"", BasisCityFunded, "JKK", 200, 2, 3_000_000},
		{"", BasisCityFunded, "JKM", 200, 0, 0},
		{"", BasisBPU, "JKK", 1_200, 7, 4_500_000},
		{"", BasisBPU, "JKM", 1_200, 1, 42_000_000},
		{"", BasisBPU, "JHT", 100, 1, 5_000_000},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// BPU JKK: 7 claims in 1,200 member-months = 5.8333 per 1,000;
	// severity 4,500,000 / 7 = 642,857; loss ratio 4,500,000 / 12,000,000.
	e := lines[4]
	if !near(*e.Frequency, 7000.0/1200) || *e.Severity != 642_857 || !near(*e.LossRatio, 0.375) {
		t.Errorf("BPU JKK %v %v %v", *e.Frequency, *e.Severity, *e.LossRatio)
	}
	if lines[1].Severity != nil || lines[1].Frequency == nil || *lines[1].Frequency != 0 {
		t.Errorf("KADER JKM without claims: %+v", lines[1])
	}
	// A window with the August claim.
	lines, _, _, err = ObservedExperience(handRollup(), "2024-08", "2024-08")
	if err != nil || len(lines) != 3 || lines[0].PaidAmount != 9_999_999 {
		t.Errorf("August: %+v %v", lines, err)
	}
}
