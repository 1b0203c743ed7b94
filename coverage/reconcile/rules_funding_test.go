package reconcile_test

// City money on records built by hand: DOUBLE_FUNDED by two APBD
// memberships, FUNDED_NOT_PAID and PAID_AFTER_DEATH. Tariffs written out
// (docs/domain.md): JKK+JKM at Rp1,000,000 = 16,800, with JHT 36,800; JKK+JKM at
// Rp2,000,000 = 26,800.

import (
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// TestDoubleFundedTwoAPBD: two memberships paid by the city covering the
// same months fund the person twice: the city's payments of those months,
// on both memberships, are at stake. One after the other, they do not.
func TestDoubleFundedTwoAPBD(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	// W: KADER from January; APBD membership 1 from January, ended in May;
	// APBD membership 2 from March. Both paid March to May.
	const nikW, kpjW1, kpjW2 = "3672010101800301", "30000000201", "30000000202"
	h.roster(nikW, coverage.CategoryKader, kel, "2024-01", "")
	w1 := h.member(kpjW1, nikW, kel, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	w1.Status, w1.CoverageEnd = coverage.StatusTerminated, "2024-05-31"
	h.member(kpjW2, nikW, kel, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-03-01", bpu)
	for _, m := range months("2024-01", "2024-05") {
		h.bill(kpjW1, nikW, m, coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	}
	for _, m := range months("2024-03", "2024-08") {
		h.bill(kpjW2, nikW, m, coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	}
	// V: KADER from January; APBD membership 1 January to February, 2 from
	// March: one after the other.
	const nikV, kpjV1, kpjV2 = "3672010101800302", "30000000203", "30000000204"
	h.roster(nikV, coverage.CategoryKader, kel, "2024-01", "")
	v1 := h.member(kpjV1, nikV, kel, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	v1.Status, v1.CoverageEnd = coverage.StatusTerminated, "2024-02-29"
	h.member(kpjV2, nikV, kel, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-03-01", bpu)
	for _, m := range months("2024-01", "2024-02") {
		h.bill(kpjV1, nikV, m, coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	}
	for _, m := range months("2024-03", "2024-08") {
		h.bill(kpjV2, nikV, m, coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	}

	res := runWith(t, &h.ds, reconcile.Config{})
	// March to May, 2 x 16,800 a month: 6 x 16,800 = 100,800.
	if f := expect(t, res, coverage.KindDoubleFunded, nikW, months("2024-03", "2024-05"), 100_800); f != nil && f.KPJ != kpjW2 {
		t.Errorf("KPJ %s, want the second city membership %s", f.KPJ, kpjW2)
	}
	expectNone(t, res, coverage.KindDoubleFunded, nikV)
	if len(res.Findings) != 1 {
		t.Errorf("want only W's double funding:%s", describe(res.Findings))
	}
}

// TestFundedNotPaid: months a roster entry funds the person, past their due
// date, with a city membership covering them, in which the city paid
// nothing, each at the tariff of that membership's programs at the income
// in force (JKK+JKM at Rp1,000,000 when unknown).
func TestFundedNotPaid(t *testing.T) {
	var h handCity
	h.ds.AsOf = wibTime(2024, 8, 10, 10, 0) // August not yet due
	// F: LINMAS from January, city membership with JHT at Rp1,000,000
	// (36,800) from January. January paid; February billed, nothing paid;
	// March not billed; April paid by F itself; May the city paid 5,000 of
	// it; June, July paid; August not paid, not yet due.
	const nikF, kpjF = "3672010101800311", "30000000211"
	h.roster(nikF, coverage.CategoryLinmas, kel, "2024-01", "")
	h.member(kpjF, nikF, kel, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu3)
	h.bill(kpjF, nikF, "2024-01", coverage.PayerAPBD, bpu3, jkkJkmJht1M, jkkJkmJht1M)
	h.bill(kpjF, nikF, "2024-02", coverage.PayerAPBD, bpu3, jkkJkmJht1M, 0)
	h.bill(kpjF, nikF, "2024-04", coverage.PayerSelf, bpu3, jkkJkmJht1M, jkkJkmJht1M)
	h.bill(kpjF, nikF, "2024-05", coverage.PayerAPBD, bpu3, jkkJkmJht1M, 5_000)
	h.bill(kpjF, nikF, "2024-06", coverage.PayerAPBD, bpu3, jkkJkmJht1M, jkkJkmJht1M)
	h.bill(kpjF, nikF, "2024-07", coverage.PayerAPBD, bpu3, jkkJkmJht1M, jkkJkmJht1M)
	h.bill(kpjF, nikF, "2024-08", coverage.PayerAPBD, bpu3, jkkJkmJht1M, 0)
	// U: the same months unpaid (February to April never billed), income
	// known only from 10 April (Rp2,000,000): February and March at the
	// unknown-income 16,800, April at the income in force on 10 April,
	// 26,800.
	const nikU, kpjU = "3672010101800312", "30000000212"
	h.roster(nikU, coverage.CategoryLinmas, kel, "2024-01", "")
	u := h.member(kpjU, nikU, kel, coverage.SegmentBPU, coverage.PayerAPBD, 2_000_000, "2024-01-01", bpu)
	u.IncomeHistory = []coverage.IncomeChange{{At: "2024-04-10", Income: 2_000_000}}
	h.bill(kpjU, nikU, "2024-01", coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	for _, m := range months("2024-05", "2024-07") {
		h.bill(kpjU, nikU, m, coverage.PayerAPBD, bpu, jkkJkm2M, jkkJkm2M)
	}
	// N: funded January to March only, on a city membership from January
	// that the city never paid; X: no city membership at all.
	const nikN, kpjN = "3672010101800313", "30000000213"
	h.roster(nikN, coverage.CategoryRTRW, kel, "2024-01", "2024-03")
	h.member(kpjN, nikN, kel, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	const nikX, kpjX = "3672010101800314", "30000000214"
	h.roster(nikX, coverage.CategoryRTRW, kel, "2024-01", "")
	h.member(kpjX, nikX, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)

	res := runWith(t, &h.ds, reconcile.Config{})
	// February, March, April: 3 x 36,800 = 110,400.
	if f := expect(t, res, coverage.KindFundedNotPaid, nikF, months("2024-02", "2024-04"), 110_400); f != nil {
		if f.Severity != coverage.SeverityHigh || f.KPJ != kpjF || f.Category != coverage.CategoryLinmas {
			t.Errorf("F: %+v", f)
		}
	}
	// 16,800 + 16,800 + 26,800 = 60,400.
	expect(t, res, coverage.KindFundedNotPaid, nikU, months("2024-02", "2024-04"), 60_400)
	// N: January to March, 3 x 16,800; none after its funding ended.
	expect(t, res, coverage.KindFundedNotPaid, nikN, months("2024-01", "2024-03"), 50_400)
	expectNone(t, res, coverage.KindFundedNotPaid, nikX)
}

// TestPaidAfterDeath: contributions paid for months after the month of
// death (a PAID JKM death claim of the person, or the coverage end of a
// TERMINATED membership): the rupiah paid, HIGH when the city paid.
func TestPaidAfterDeath(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	// D: city-funded, died on 2024-05-20 (JKM death claim paid); the city
	// paid May (the month of death: not after), June and July, and billed
	// August unpaid.
	const nikD, kpjD = "3672010101800321", "30000000221"
	h.roster(nikD, coverage.CategoryKader, kel, "2024-01", "")
	h.member(kpjD, nikD, kel, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-01", "2024-07") {
		h.bill(kpjD, nikD, m, coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	}
	h.bill(kpjD, nikD, "2024-08", coverage.PayerAPBD, bpu, jkkJkm1M, 0)
	h.claimFor("KLM-X1", kpjD, nikD, coverage.ProgramJKM, coverage.BenefitDeath, "2024-05-20", coverage.ClaimPaid, 20_000_000, 20_000_000)
	// T: pays itself at Rp2,000,000, TERMINATED with coverage end
	// 2024-04-30; paid May in part (10,000) and June in full.
	const nikT, kpjT = "3672010101800322", "30000000222"
	tm := h.member(kpjT, nikT, kel, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-01-01", bpu)
	tm.Status, tm.CoverageEnd = coverage.StatusTerminated, "2024-04-30"
	for _, m := range months("2024-01", "2024-04") {
		h.bill(kpjT, nikT, m, coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)
	}
	h.bill(kpjT, nikT, "2024-05", coverage.PayerSelf, bpu, jkkJkm2M, 10_000)
	h.bill(kpjT, nikT, "2024-06", coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)
	// Q: a JKM death claim not yet paid, contributions paid after it; R:
	// died in August, paid to August.
	const nikQ, kpjQ = "3672010101800323", "30000000223"
	h.member(kpjQ, nikQ, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-01", "2024-08") {
		h.bill(kpjQ, nikQ, m, coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	}
	h.claimFor("KLM-X2", kpjQ, nikQ, coverage.ProgramJKM, coverage.BenefitDeath, "2024-03-02", coverage.ClaimVerified, 20_000_000, 0)
	const nikR, kpjR = "3672010101800324", "30000000224"
	h.member(kpjR, nikR, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-01", "2024-08") {
		h.bill(kpjR, nikR, m, coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	}
	h.claimFor("KLM-X3", kpjR, nikR, coverage.ProgramJKM, coverage.BenefitDeath, "2024-08-01", coverage.ClaimPaid, 20_000_000, 20_000_000)

	res := runWith(t, &h.ds, reconcile.Config{})
	// June and July, 2 x 16,800, the city's money.
	if f := expect(t, res, coverage.KindPaidAfterDeath, kpjD, months("2024-06", "2024-07"), 33_600); f != nil && f.Severity != coverage.SeverityHigh {
		t.Errorf("D: severity %s, want HIGH", f.Severity)
	}
	// May 10,000 + June 26,800 = 36,800, T's own money.
	if f := expect(t, res, coverage.KindPaidAfterDeath, kpjT, months("2024-05", "2024-06"), 36_800); f != nil && f.Severity != coverage.SeverityMedium {
		t.Errorf("T: severity %s, want MEDIUM", f.Severity)
	}
	expectNone(t, res, coverage.KindPaidAfterDeath, kpjQ)
	expectNone(t, res, coverage.KindPaidAfterDeath, kpjR)
}

// TestPaidAfterDeathStaleFeeds: the rule reads the records whatever the
// as-of: a stale contributions feed only has fewer payments to show.
func TestPaidAfterDeathStaleFeeds(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	const nikD, kpjD = "3672010101800331", "30000000231"
	h.member(kpjD, nikD, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-01", "2024-06") {
		h.bill(kpjD, nikD, m, coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	}
	h.claimFor("KLM-Y1", kpjD, nikD, coverage.ProgramJKM, coverage.BenefitDeath, "2024-04-30", coverage.ClaimPaid, 20_000_000, 20_000_000)
	res := runWith(t, &h.ds, reconcile.Config{FeedAsOf: map[coverage.Feed]time.Time{coverage.FeedContributions: wibTime(2024, 7, 1, 0, 0)}})
	expect(t, res, coverage.KindPaidAfterDeath, kpjD, months("2024-05", "2024-06"), 33_600)
}
