// Package reconcile_test checks the reconciliation engine from outside: every
// planted discrepancy of simulated cities found and nothing else, the figures
// against sums over the simulator's records, and the rupiah at stake of every
// finding kind on records built by hand (TestAmountsByHand), whose expected
// amounts are literals worked out from docs/domain.md's rates, never computed with
// the production tariff table.
//
// The simulator bills with the production tariffs, so the simulated cities
// alone cannot notice a wrong rate or formula: the hand-built records do.
// mutation_check.sh proves it. It applies deliberate mutations to the
// production code through a build overlay (go test -overlay; the tree is not
// touched): each finding kind's amount formula replaced with a constant, the
// claim amount taken from the wrong field, the JHT rate raised from 2% to 3%
// and the JKK floor lowered; `go test ./coverage/reconcile/` must fail under
// every one of them:
//
//	coverage/reconcile/mutation_check.sh
package reconcile_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/feedsim"
)

// The tariffs the hand-built records are billed with (docs/domain.md, BPU):
// JKK 1% of declared income, at least Rp10,000; JKM Rp6,800 flat; JHT 2% of
// declared income, at least Rp20,000. Written out, not looked up.
const (
	// income Rp1,000,000: JKK max(1% = 10,000, 10,000) + JKM 6,800
	jkkJkm1M = 16_800
	// income Rp1,000,000: 16,800 + JHT max(2% = 20,000, 20,000)
	jkkJkmJht1M = 36_800
	// income Rp2,000,000: JKK 1% = 20,000 + JKM 6,800
	jkkJkm2M = 26_800
	// income Rp2,000,000: 26,800 + JHT 2% = 40,000
	jkkJkmJht2M = 66_800
)

var (
	bpu  = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM}
	bpu3 = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT}
)

// handCity builds records, person by person, each meant to raise the findings
// listed in TestAmountsByHand and nothing else.
type handCity struct{ ds feedsim.Dataset }

func (h *handCity) member(kpj, nik, kel string, seg coverage.Segment, payer coverage.PayerType, income int64, start coverage.Date, progs []coverage.Program) *coverage.Participant {
	h.ds.Participants = append(h.ds.Participants, coverage.Participant{
		KPJ: kpj, NIK: nik, Name: "Warga " + kpj, BirthDate: "1980-01-01", Gender: coverage.GenderMale, Segment: seg,
		Programs: progs, PayerType: payer, Status: coverage.StatusActive, RegisteredAt: start, CoverageStart: start,
		KelurahanCode: kel, DeclaredIncome: income, UpdatedAt: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC),
	})
	return &h.ds.Participants[len(h.ds.Participants)-1]
}

// bill adds a contribution of a month: due, paid (on the 10th when paid), the
// payer and programs billed.
func (h *handCity) bill(kpj, nik string, month coverage.Period, payer coverage.PayerType, progs []coverage.Program, due, paid int64) {
	c := coverage.Contribution{ID: kpj + "-" + string(month), KPJ: kpj, NIK: nik, Period: month, Programs: progs,
		AmountDue: due, AmountPaid: paid, PayerType: payer}
	if paid > 0 {
		c.PaidAt = coverage.Date(string(month) + "-10")
	}
	h.ds.Contributions = append(h.ds.Contributions, c)
}

func (h *handCity) roster(nik string, cat coverage.Category, kel string, from, until coverage.Period) {
	h.ds.Roster = append(h.ds.Roster, coverage.RosterEntry{NIK: nik, Name: "Warga", Category: cat, Agency: "Pemkot",
		KelurahanCode: kel, FundedFrom: from, FundedUntil: until})
}

func (h *handCity) claim(no, kpj, nik string, incident coverage.Date, status coverage.ClaimStatus, claimed, paid int64) {
	c := coverage.Claim{ClaimNo: no, KPJ: kpj, NIK: nik, Program: coverage.ProgramJKK, Benefit: coverage.BenefitMedical,
		IncidentDate: incident, SubmittedAt: incident, Status: status, AmountClaimed: claimed, AmountPaid: paid}
	if paid > 0 {
		c.PaidAt = incident
	}
	h.ds.Claims = append(h.ds.Claims, c)
}

// wantFinding is one expected finding.
type wantFinding struct {
	kind     coverage.DiscrepancyKind
	subject  string // NIK, KPJ, claim number or declared key, as the kind takes
	severity coverage.Severity
	periods  []coverage.Period
	amount   int64
}

func months(from, to coverage.Period) []coverage.Period {
	var out []coverage.Period
	for m := from; m <= to; m = m.AddMonths(1) {
		out = append(out, m)
	}
	return out
}

// TestAmountsByHand runs the engine over records built by hand, one person
// per condition, and checks every finding exactly: kind, subject, severity,
// months and the rupiah at stake, each a literal worked out in its comment.
// No other finding may appear.
func TestAmountsByHand(t *testing.T) {
	const (
		cibeber  = "3672011001"
		suralaya = "3672031004" // only person A lives here: the declared totals count A alone
		outside  = "3604011001" // a kelurahan of another regency
	)
	var h handCity
	// The data's as-of time, 07:00 WIB on 2024-08-22: today is 2024-08-22,
	// so every month up to 2024-08 is past its due date (the 15th).
	h.ds.AsOf = time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC)

	// A: funded by the RT_RW roster January to March 2024, the city paid
	// April and May too (May billed with JHT); the membership ended in May
	// (no later month is billed, and none needs to be).
	const nikA, kpjA = "3672010101800001", "20000000001"
	h.roster(nikA, coverage.CategoryRTRW, suralaya, "2024-01", "2024-03")
	a := h.member(kpjA, nikA, suralaya, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	a.Status, a.CoverageEnd = coverage.StatusTerminated, "2024-05-31"
	for _, m := range months("2024-01", "2024-04") {
		h.bill(kpjA, nikA, m, coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	}
	h.bill(kpjA, nikA, "2024-05", coverage.PayerAPBD, bpu3, jkkJkmJht1M, jkkJkmJht1M)

	// B: pays for itself, income Rp2,000,000 (JKK+JKM Rp26,800); June paid
	// in part, July not at all, and a claim for an accident in July: two
	// unpaid months do not lapse a membership, so the claim is covered.
	const nikB, kpjB = "3672010101800002", "20000000002"
	h.member(kpjB, nikB, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-01-01", bpu)
	h.bill(kpjB, nikB, "2024-05", coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)
	h.bill(kpjB, nikB, "2024-06", coverage.PayerSelf, bpu, jkkJkm2M, 10_000)
	h.bill(kpjB, nikB, "2024-07", coverage.PayerSelf, bpu, jkkJkm2M, 0)
	h.bill(kpjB, nikB, "2024-08", coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)
	h.claim("KLM-B1", kpjB, nikB, "2024-07-03", coverage.ClaimVerified, 3_300_000, 0)

	// C: city-funded KADER; February unpaid alone, then May to August unpaid
	// (June in part): lapsed by the 3-month rule from July (the third),
	// status still ACTIVE; a claim for an accident in August, while lapsed.
	const nikC, kpjC = "3672010101800003", "20000000003"
	h.roster(nikC, coverage.CategoryKader, cibeber, "2024-01", "")
	h.member(kpjC, nikC, cibeber, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	for m, paid := range map[coverage.Period]int64{"2024-01": jkkJkm1M, "2024-02": 0, "2024-03": jkkJkm1M, "2024-04": jkkJkm1M,
		"2024-05": 0, "2024-06": 6_800, "2024-07": 0, "2024-08": 0} {
		h.bill(kpjC, nikC, m, coverage.PayerAPBD, bpu, jkkJkm1M, paid)
	}
	h.claim("KLM-C1", kpjC, nikC, "2024-08-05", coverage.ClaimPaid, 2_000_000, 2_000_000)

	// C2: status INACTIVE with no contribution to show why.
	const nikC2, kpjC2 = "3672010101800004", "20000000004"
	h.member(kpjC2, nikC2, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu).Status = coverage.StatusInactive

	// D: income Rp2,000,000 with JHT (tariff Rp66,800): June billed right,
	// July Rp10,000 under, August Rp3,200 over.
	const nikD, kpjD = "3672010101800005", "20000000005"
	h.member(kpjD, nikD, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-01-01", bpu3)
	h.bill(kpjD, nikD, "2024-06", coverage.PayerSelf, bpu3, jkkJkmJht2M, jkkJkmJht2M)
	h.bill(kpjD, nikD, "2024-07", coverage.PayerSelf, bpu3, 56_800, 56_800)
	h.bill(kpjD, nikD, "2024-08", coverage.PayerSelf, bpu3, 70_000, 70_000)

	// E: a wage earner (PU, not billed by the BPU tariff) covered March to
	// July 2024, every month paid; claims before, during and after.
	const nikE, kpjE = "3672010101800006", "20000000006"
	e := h.member(kpjE, nikE, cibeber, coverage.SegmentPU, coverage.PayerEmployer, 5_000_000, "2024-03-01",
		[]coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT, coverage.ProgramJP})
	e.Status, e.CoverageEnd = coverage.StatusTerminated, "2024-07-31"
	for _, m := range months("2024-03", "2024-07") {
		h.bill(kpjE, nikE, m, coverage.PayerEmployer, e.Programs, 150_000, 150_000)
	}
	h.claim("KLM-E1", kpjE, nikE, "2024-02-10", coverage.ClaimPaid, 5_000_000, 4_500_000) // before the start, paid
	h.claim("KLM-E2", kpjE, nikE, "2024-01-05", coverage.ClaimSubmitted, 2_750_000, 0)    // before the start, pending
	h.claim("KLM-E3", kpjE, nikE, "2024-02-20", coverage.ClaimRejected, 1_000_000, 0)     // before the start, rejected
	h.claim("KLM-E4", kpjE, nikE, "2024-04-10", coverage.ClaimPaid, 800_000, 800_000)     // covered
	h.claim("KLM-E5", kpjE, nikE, "2024-08-05", coverage.ClaimPaid, 1_200_000, 1_150_000) // after the end, paid

	// F: on the RT_RW roster January to June and the LINMAS roster from
	// April, city-paid all year (May with JHT), and enrolled again paying for
	// itself from June.
	const nikF, kpjF, kpjF2 = "3672010101800007", "20000000007", "20000000008"
	h.roster(nikF, coverage.CategoryRTRW, cibeber, "2024-01", "2024-06")
	h.roster(nikF, coverage.CategoryLinmas, cibeber, "2024-04", "")
	h.member(kpjF, nikF, cibeber, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	h.member(kpjF2, nikF, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-06-01", bpu)
	for _, m := range months("2024-01", "2024-08") {
		if m == "2024-05" {
			h.bill(kpjF, nikF, m, coverage.PayerAPBD, bpu3, jkkJkmJht1M, jkkJkmJht1M)
		} else {
			h.bill(kpjF, nikF, m, coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
		}
	}

	// G: a NIK whose birth day is 35, on a roster from June and city-paid.
	const nikG, kpjG = "3672013505900001", "20000000009"
	h.roster(nikG, coverage.CategoryKader, cibeber, "2024-06", "")
	h.member(kpjG, nikG, cibeber, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	h.bill(kpjG, nikG, "2024-06", coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	h.bill(kpjG, nikG, "2024-07", coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	h.bill(kpjG, nikG, "2024-08", coverage.PayerAPBD, bpu3, jkkJkmJht1M, jkkJkmJht1M)

	// H: living outside the city, on the NELAYAN roster and city-paid from
	// July; June it paid itself.
	const nikH, kpjH = "3672010101800008", "20000000010"
	h.roster(nikH, coverage.CategoryNelayan, outside, "2024-07", "")
	h.member(kpjH, nikH, outside, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	h.bill(kpjH, nikH, "2024-06", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	h.bill(kpjH, nikH, "2024-07", coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	h.bill(kpjH, nikH, "2024-08", coverage.PayerAPBD, bpu3, jkkJkmJht1M, jkkJkmJht1M)

	// K: declares Rp600,000, under both floors, and is billed right: JKK
	// max(1% = 6,000, 10,000) + JKM 6,800 + JHT max(2% = 12,000, 20,000) =
	// 36,800. No finding.
	const nikK, kpjK = "3672010101800011", "20000000012"
	h.member(kpjK, nikK, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 600_000, "2024-01-01", bpu3)
	h.bill(kpjK, nikK, "2024-08", coverage.PayerSelf, bpu3, jkkJkmJht1M, jkkJkmJht1M)

	// L: pays for itself at Rp1,000,000, every month paid, died on
	// 2024-05-20 (a JKM death claim paid Rp20,000,000, the lump sum exactly:
	// not above the benefit), and June to August were paid all the same.
	const nikL, kpjL = "3672010101800012", "20000000013"
	h.member(kpjL, nikL, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-01", "2024-08") {
		h.bill(kpjL, nikL, m, coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	}
	h.claimFor("KLM-L1", kpjL, nikL, coverage.ProgramJKM, coverage.BenefitDeath, "2024-05-20", coverage.ClaimPaid, 20_000_000, 20_000_000)

	// M: pays for itself at Rp2,000,000, died in a work accident on
	// 2024-08-03; the JKK death benefit paid Rp100,000,000.
	const nikM, kpjM = "3672010101800013", "20000000014"
	h.member(kpjM, nikM, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-07-01", bpu)
	h.bill(kpjM, nikM, "2024-07", coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)
	h.bill(kpjM, nikM, "2024-08", coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)
	h.claimFor("KLM-M1", kpjM, nikM, coverage.ProgramJKK, coverage.BenefitDeath, "2024-08-03", coverage.ClaimPaid, 100_000_000, 100_000_000)

	// I: on a roster, never enrolled. J: on a roster, enrolled paying itself.
	const nikI, nikJ, kpjJ = "3672010101800009", "3672010101800010", "20000000011"
	h.roster(nikI, coverage.CategoryMarbot, cibeber, "2024-02", "")
	h.roster(nikJ, coverage.CategoryUMKM, cibeber, "2024-02", "")
	h.member(kpjJ, nikJ, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-02-01", bpu)

	// N: no membership of its own; the city paid July under a KPJ that is
	// not N's, and a claim under it was paid.
	const nikN, kpjN = "3672010101800015", "20000000099"
	h.bill(kpjN, nikN, "2024-07", coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	h.claim("KLM-N1", kpjN, nikN, "2024-06-20", coverage.ClaimPaid, 1_000_000, 1_000_000)

	// A roster row the sync rejected.
	rejected := reconcile.RejectedRosterRow{Ref: "quarantine-1", Agency: "Pemkot", Category: "RT_RW", KelurahanCode: cibeber,
		Reason: "nik: a NIK has 16 digits"}

	// Figures the city declared for Suralaya, where only A lives.
	contribs := coverage.DeclaredTotal{Metric: coverage.MetricAPBDContributionsPaid, Year: 2024, AreaCode: suralaya, Value: 100_000}
	workers := coverage.DeclaredTotal{Metric: coverage.MetricCityFundedWorkers, Year: 2024, AreaCode: suralaya, Value: 3}
	right := coverage.DeclaredTotal{Metric: coverage.MetricAPBDContributionsPaid, Year: 2023, AreaCode: suralaya, Value: 0}

	high, medium, low := coverage.SeverityHigh, coverage.SeverityMedium, coverage.SeverityLow
	wants := []wantFinding{
		// A: the city paid April 16,800 + May 36,800 with no roster funding A.
		{coverage.KindAPBDNotOnRoster, kpjA, high, []coverage.Period{"2024-04", "2024-05"}, 53_600},
		// B: June 26,800 - 10,000 = 16,800, July 26,800 - 0 = 26,800; 16,800 + 26,800.
		// (Its claim KLM-B1, in the second unpaid month, is covered: no finding.)
		{coverage.KindUnpaidMonths, kpjB, medium, []coverage.Period{"2024-06", "2024-07"}, 43_600},
		// C: February 16,800 + May 16,800 + June (16,800 - 6,800 = 10,000) +
		// July 16,800 + August 16,800 = 77,200; HIGH, the city is the payer.
		{coverage.KindUnpaidMonths, kpjC, high, []coverage.Period{"2024-02", "2024-05", "2024-06", "2024-07", "2024-08"}, 77_200},
		// C: the open run May to August: 16,800 + 10,000 + 16,800 + 16,800
		// (February's lone month is not part of it).
		{coverage.KindInactive3Months, kpjC, high, []coverage.Period{"2024-05", "2024-06", "2024-07", "2024-08"}, 60_400},
		// C: funded by the KADER roster and enrolled paid by the city, which
		// paid nothing in February, May, July and August (June's Rp6,800 is
		// something): 4 x the tariff of JKK+JKM at Rp1,000,000, 16,800.
		{coverage.KindFundedNotPaid, nikC, high, []coverage.Period{"2024-02", "2024-05", "2024-07", "2024-08"}, 67_200},
		// C: an accident in August, lapsed since July: paid, the amount paid.
		{coverage.KindClaimOutsideCoverage, "KLM-C1", high, []coverage.Period{"2024-08"}, 2_000_000},
		// C2: INACTIVE with no unpaid run: nothing at stake.
		{coverage.KindInactive3Months, kpjC2, medium, nil, 0},
		// D: tariff 20,000 + 6,800 + 40,000 = 66,800; July |56,800 - 66,800| =
		// 10,000, August |70,000 - 66,800| = 3,200; 10,000 + 3,200.
		{coverage.KindTariffMismatch, kpjD, medium, []coverage.Period{"2024-07", "2024-08"}, 13_200},
		// E: before the start and paid: the amount paid, not the 5,000,000 claimed.
		{coverage.KindClaimOutsideCoverage, "KLM-E1", high, []coverage.Period{"2024-02"}, 4_500_000},
		// E: before the start and pending: the amount claimed.
		{coverage.KindClaimOutsideCoverage, "KLM-E2", medium, []coverage.Period{"2024-01"}, 2_750_000},
		// E: rejected: nothing at stake.
		{coverage.KindClaimOutsideCoverage, "KLM-E3", low, []coverage.Period{"2024-02"}, 0},
		// E: after the end and paid: the amount paid.
		{coverage.KindClaimOutsideCoverage, "KLM-E5", high, []coverage.Period{"2024-08"}, 1_150_000},
		// F: two rosters April to June, the city and F itself June to August:
		// the city's payments of those months, April 16,800 + May 36,800 +
		// June, July, August 3 x 16,800 = 50,400; 16,800 + 36,800 + 50,400.
		{coverage.KindDoubleFunded, nikF, high, months("2024-04", "2024-08"), 104_000},
		// G: everything the city paid for G: 16,800 + 16,800 + 36,800.
		{coverage.KindInvalidNIK, nikG, medium, nil, 70_400},
		// H: what the city paid, July 16,800 + August 36,800 (not June's
		// 16,800, which H paid).
		{coverage.KindDomicileOutsideCity, nikH, medium, nil, 53_600},
		// L: paid after the month of death (May): June, July, August, 3 x
		// 16,800; MEDIUM, L's own money.
		{coverage.KindPaidAfterDeath, kpjL, medium, months("2024-06", "2024-08"), 50_400},
		// M: JKK death 48 x Rp2,000,000 = 96,000,000; paid 100,000,000 -
		// 96,000,000 = 4,000,000 above.
		{coverage.KindClaimAboveBenefit, "KLM-M1", high, []coverage.Period{"2024-08"}, 4_000_000},
		// I and J: a protection gap, no money.
		{coverage.KindRosterNotEnrolled, nikI, high, nil, 0},
		{coverage.KindRosterOtherPayer, nikJ, medium, nil, 0},
		// Suralaya 2024: A's city-paid months 4 x 16,800 + 36,800 = 104,000
		// counted against 100,000 declared: a difference of 4,000.
		{coverage.KindDeclaredTotalMismatch, contribs.Key(), high, months("2024-01", "2024-12"), 4_000},
		// Suralaya 2024: 1 funded worker (A) against 3 declared; not money.
		{coverage.KindDeclaredTotalMismatch, workers.Key(), medium, months("2024-01", "2024-12"), 0},
		// The rejected roster row: a data problem, no money.
		{coverage.KindRosterRowRejected, rejected.Ref, medium, nil, 0},
		// L: the city's July 16,800 + the claim's 1,000,000 paid; HIGH, the
		// city's money; the months of the contribution and of the incident.
		{coverage.KindKPJNIKMismatch, nikN + "|" + kpjN, high, []coverage.Period{"2024-06", "2024-07"}, 1_016_800},
	}

	res, err := reconcile.Run(reconcile.Config{Areas: coverage.Cilegon(), AsOf: h.ds.AsOf, Declared: []coverage.DeclaredTotal{contribs, workers, right},
		RejectedRoster: []reconcile.RejectedRosterRow{rejected}}, streams(&h.ds))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]coverage.Finding{}
	for _, f := range res.Findings {
		got[f.ID] = f
	}
	kinds := map[coverage.DiscrepancyKind]bool{}
	for _, w := range wants {
		kinds[w.kind] = true
		id := reconcile.FindingID(w.kind, w.subject)
		f, ok := got[id]
		if !ok {
			t.Errorf("%s of %s: not found", w.kind, w.subject)
			continue
		}
		delete(got, id)
		if f.Amount != w.amount {
			t.Errorf("%s of %s: amount Rp%d, want Rp%d", w.kind, w.subject, f.Amount, w.amount)
		}
		if f.Severity != w.severity {
			t.Errorf("%s of %s: severity %s, want %s", w.kind, w.subject, f.Severity, w.severity)
		}
		if !slices.Equal(f.Periods, w.periods) {
			t.Errorf("%s of %s: months %v, want %v", w.kind, w.subject, f.Periods, w.periods)
		}
		if f.Detail == "" || (f.NIK != "" && strings.Contains(f.Detail, f.NIK)) {
			t.Errorf("%s of %s: detail %q: empty or naming the NIK", w.kind, w.subject, f.Detail)
		}
	}
	for _, f := range got {
		t.Errorf("unexpected finding %s (KPJ %s, claim %s): %s, Rp%d, %v: %s", f.Kind, f.KPJ, f.ClaimNo, f.Severity, f.Amount, f.Periods, f.Detail)
	}
	for _, k := range coverage.DiscrepancyKinds {
		if !kinds[k] {
			t.Errorf("kind %s has no hand-built case", k)
		}
	}
	if t.Failed() {
		t.Log(describe(res.Findings))
	}
}

func describe(fs []coverage.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n%s %s KPJ=%s claim=%s %v Rp%d: %s", f.Kind, f.Severity, f.KPJ, f.ClaimNo, f.Periods, f.Amount, f.Detail)
	}
	return b.String()
}
