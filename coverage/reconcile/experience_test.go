package reconcile_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// expKey sums experience over months: category, segment and programme.
type expKey struct {
	cat  coverage.Category
	seg  coverage.Segment
	prog coverage.Program
}

type expSum struct {
	exposure, contributions, claims, paid int64
	amounts                               []int64
}

func sumExperience(rows []reconcile.ExperienceRow) map[expKey]expSum {
	out := map[expKey]expSum{}
	for _, r := range rows {
		for i, m := range r.Programs {
			if m.Exposure == 0 && m.Contributions == 0 && m.Claims == 0 && m.PaidAmount == 0 && len(m.Amounts) == 0 {
				continue
			}
			k := expKey{r.Category, r.Segment, coverage.Programs[i]}
			s := out[k]
			s.exposure += m.Exposure
			s.contributions += m.Contributions
			s.claims += m.Claims
			s.paid += m.PaidAmount
			s.amounts = append(s.amounts, m.Amounts...)
			slices.Sort(s.amounts)
			out[k] = s
		}
	}
	return out
}

// TestExperienceAndPlanByHand checks the claim experience and the plan
// year's roster on five people built by hand, every figure a literal worked
// out in its comment; no other line may appear.
func TestExperienceAndPlanByHand(t *testing.T) {
	const (
		cibeber = "3672011001"
		grogol  = "3672061002"
		nikA    = "3672014107800001" // MARBOT, city-paid since January 2024, two paid claims and a rejected one
		nikB    = "3672010101800002" // KADER funded 2023-06 to 2025-03, never enrolled
		nikC    = "3672010101800003" // pays itself, JKK+JKM+JHT at Rp2,000,000, August half paid
		nikD    = "3672010101800004" // LINMAS on the roster, enrolled by an employer only
		nikE    = "3672010101800005" // RT_RW, city-paid and employed at once
		nikF    = "3672010101800006" // KADER then RT_RW in the plan year
		nikG    = "3672010101800007" // NELAYAN, living elsewhere than its roster row
	)
	jhtToo := []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT}
	pu := []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT, coverage.ProgramJP}
	var h handCity
	// A: 8 member-months (January to the as-of month, August) of JKK and
	// JKM as MARBOT; each month's Rp16,800 is JKK 10,000 + JKM 6,800.
	h.roster(nikA, coverage.CategoryMarbot, cibeber, "2024-01", "")
	h.member("30000000001", nikA, cibeber, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-01", "2024-08") {
		h.bill("30000000001", nikA, m, coverage.PayerAPBD, bpu, 16_800, 16_800)
	}
	h.claim("K1", "30000000001", nikA, "2024-03-05", coverage.ClaimPaid, 3_000_000, 2_500_000)
	h.claim("K2", "30000000001", nikA, "2024-05-10", coverage.ClaimPaid, 1_000_000, 1_000_000)
	h.claim("K3", "30000000001", nikA, "2024-06-10", coverage.ClaimRejected, 900_000, 0)
	// B: on the roster only; 3 months of 2025 at the default JKK+JKM on
	// Rp1,000,000: Rp16,800 a month, Rp50,400.
	h.roster(nikB, coverage.CategoryKader, grogol, "2023-06", "2025-03")
	// C: June to August, JKK 20,000 + JKM 6,800 + JHT 40,000 = 66,800 due;
	// June and July paid in full, August 33,400: JKK 10,000, JKM 3,400,
	// JHT 20,000 of it. Contributions JKK 50,000, JKM 17,000, JHT 100,000.
	h.member("30000000003", nikC, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-06-01", jhtToo)
	h.bill("30000000003", nikC, "2024-06", coverage.PayerSelf, jhtToo, 66_800, 66_800)
	h.bill("30000000003", nikC, "2024-07", coverage.PayerSelf, jhtToo, 66_800, 66_800)
	h.bill("30000000003", nikC, "2024-08", coverage.PayerSelf, jhtToo, 66_800, 33_400)
	// D: LINMAS from 2024-01, open; employed (PU) from 2024-05: 4 months
	// of four programmes as LINMAS (the person's only membership carries
	// the category, as in the cells, whoever pays it); priced at the
	// default in the plan, not being city-paid: 12 x 16,800 = 201,600.
	h.roster(nikD, coverage.CategoryLinmas, grogol, "2024-01", "")
	h.member("30000000004", nikD, grogol, coverage.SegmentPU, coverage.PayerEmployer, 5_000_000, "2024-05-01", pu)
	// E: RT_RW from 2024-07, city-paid JKK+JKM from July (2 months as
	// RT_RW) and employed from July (2 months of PU without a category):
	// enrolled, but not exclusive.
	h.roster(nikE, coverage.CategoryRTRW, cibeber, "2024-07", "")
	h.member("30000000005", nikE, cibeber, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-07-01", bpu)
	h.bill("30000000005", nikE, "2024-07", coverage.PayerAPBD, bpu, 16_800, 16_800)
	h.bill("30000000005", nikE, "2024-08", coverage.PayerAPBD, bpu, 16_800, 16_800)
	h.member("30000000006", nikE, cibeber, coverage.SegmentPU, coverage.PayerEmployer, 5_000_000, "2024-07-01", pu)
	// F: KADER until June 2025 then RT_RW, city-paid, living in Grogol:
	// both entries are Shared, neither exclusive; 8 months as KADER.
	h.roster(nikF, coverage.CategoryKader, cibeber, "2024-01", "2025-06")
	h.roster(nikF, coverage.CategoryRTRW, cibeber, "2025-07", "")
	h.member("30000000007", nikF, grogol, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	// G: NELAYAN on the Cibeber roster, city-paid, living in Grogol:
	// exclusive, counted covered in Grogol; 8 months as NELAYAN.
	h.roster(nikG, coverage.CategoryNelayan, cibeber, "2024-01", "")
	h.member("30000000008", nikG, grogol, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-01", "2024-08") {
		h.bill("30000000007", nikF, m, coverage.PayerAPBD, bpu, 16_800, 16_800)
		h.bill("30000000008", nikG, m, coverage.PayerAPBD, bpu, 16_800, 16_800)
	}

	res := runConfig(t, &h, reconcile.Config{AsOf: wibTime(2024, time.August, 22, 10, 0)})
	r := res.Rollup
	if r.PlanYear != 2025 {
		t.Fatalf("plan year %d, want 2025", r.PlanYear)
	}
	bpuSeg, puSeg := coverage.SegmentBPU, coverage.SegmentPU
	jkk, jkm, jht, jp := coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT, coverage.ProgramJP
	want := map[expKey]expSum{
		{coverage.CategoryMarbot, bpuSeg, jkk}:  {exposure: 8, contributions: 80_000, claims: 2, paid: 3_500_000, amounts: []int64{1_000_000, 2_500_000}},
		{coverage.CategoryMarbot, bpuSeg, jkm}:  {exposure: 8, contributions: 54_400},
		{"", bpuSeg, jkk}:                       {exposure: 3, contributions: 50_000},
		{"", bpuSeg, jkm}:                       {exposure: 3, contributions: 17_000},
		{"", bpuSeg, jht}:                       {exposure: 3, contributions: 100_000},
		{coverage.CategoryLinmas, puSeg, jkk}:   {exposure: 4},
		{coverage.CategoryLinmas, puSeg, jkm}:   {exposure: 4},
		{coverage.CategoryLinmas, puSeg, jht}:   {exposure: 4},
		{coverage.CategoryLinmas, puSeg, jp}:    {exposure: 4},
		{"", puSeg, jkk}:                        {exposure: 2},
		{"", puSeg, jkm}:                        {exposure: 2},
		{"", puSeg, jht}:                        {exposure: 2},
		{"", puSeg, jp}:                         {exposure: 2},
		{coverage.CategoryRTRW, bpuSeg, jkk}:    {exposure: 2, contributions: 20_000},
		{coverage.CategoryRTRW, bpuSeg, jkm}:    {exposure: 2, contributions: 13_600},
		{coverage.CategoryKader, bpuSeg, jkk}:   {exposure: 8, contributions: 80_000},
		{coverage.CategoryKader, bpuSeg, jkm}:   {exposure: 8, contributions: 54_400},
		{coverage.CategoryNelayan, bpuSeg, jkk}: {exposure: 8, contributions: 80_000},
		{coverage.CategoryNelayan, bpuSeg, jkm}: {exposure: 8, contributions: 54_400},
	}
	got := sumExperience(r.Experience)
	for k, w := range want {
		if g := got[k]; !reflect.DeepEqual(g, w) {
			t.Errorf("%v: got %+v, want %+v", k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%v: unexpected %+v", k, g)
		}
	}
	// The claims sit in their incident's month.
	for _, row := range r.Experience {
		if n := row.Programs[0].Claims; n > 0 && !(row.Category == coverage.CategoryMarbot && (row.Period == "2024-03" || row.Period == "2024-05") && n == 1) {
			t.Errorf("claims in %+v: %d", row.ExperienceKey, n)
		}
	}
	wantPlan := []reconcile.PlanLine{
		{Category: coverage.CategoryKader, Kelurahan: cibeber, Programs: bpu, Income: 1_000_000, Entries: 1, MemberMonths: 6, MonthDue: 16_800, Due: 100_800, Enrolled: 1, Shared: 1},
		{Category: coverage.CategoryKader, Kelurahan: grogol, Programs: bpu, Income: 1_000_000, Entries: 1, MemberMonths: 3, MonthDue: 16_800, Due: 50_400},
		{Category: coverage.CategoryLinmas, Kelurahan: grogol, Programs: bpu, Income: 1_000_000, Entries: 1, MemberMonths: 12, MonthDue: 16_800, Due: 201_600},
		{Category: coverage.CategoryMarbot, Kelurahan: cibeber, Programs: bpu, Income: 1_000_000, Entries: 1, MemberMonths: 12, MonthDue: 16_800, Due: 201_600, Enrolled: 1, Exclusive: 1, CoverKelurahan: cibeber},
		{Category: coverage.CategoryNelayan, Kelurahan: cibeber, Programs: bpu, Income: 1_000_000, Entries: 1, MemberMonths: 12, MonthDue: 16_800, Due: 201_600, Enrolled: 1, Exclusive: 1, CoverKelurahan: grogol},
		// E (not exclusive: employed too) and F's second entry (Shared).
		{Category: coverage.CategoryRTRW, Kelurahan: cibeber, Programs: bpu, Income: 1_000_000, Entries: 2, MemberMonths: 18, MonthDue: 33_600, Due: 302_400, Enrolled: 2, Shared: 1},
	}
	if !reflect.DeepEqual(r.Plan, wantPlan) {
		t.Errorf("plan:\n got %+v\nwant %+v", r.Plan, wantPlan)
	}
	// The plan's cost is the cells' next-year cost of the as-of month.
	var due, cells int64
	for _, l := range r.Plan {
		due += l.Due
	}
	for _, c := range r.Cells {
		if c.Period == r.To {
			cells += c.FundedNextYearDue
		}
	}
	if due != cells {
		t.Errorf("plan due %d, cells' next-year cost %d", due, cells)
	}
	// Another pass over the same records has the same hash; a claim more
	// changes it (the tables are in the hash).
	again := runConfig(t, &h, reconcile.Config{AsOf: wibTime(2024, time.August, 22, 10, 0)})
	if again.Rollup.Hash != r.Hash {
		t.Errorf("same records, hash %s then %s", r.Hash, again.Rollup.Hash)
	}
	h.claim("K4", "30000000001", nikA, "2024-07-01", coverage.ClaimPaid, 10, 10)
	more := runConfig(t, &h, reconcile.Config{AsOf: wibTime(2024, time.August, 22, 10, 0)})
	if more.Rollup.Hash == r.Hash {
		t.Errorf("a claim more, same hash")
	}
}
