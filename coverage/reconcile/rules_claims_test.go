package reconcile_test

// Claims on records built by hand: CLAIM_OUTSIDE_COVERAGE by the 3-month
// rule, and CLAIM_ABOVE_BENEFIT against the benefit rules of PP 82/2019
// (ceilings written out: JKM death Rp20,000,000, periodic Rp12,000,000,
// funeral Rp10,000,000; JKK death 48 x the declared monthly income).

import (
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// TestClaimOutsideCoverageLapsed: a claim in a month in which the membership
// is lapsed (the third consecutive unpaid month on, until a month is paid)
// is outside coverage: paid, the amount paid; pending, the amount claimed;
// rejected, nothing. In the first or second unpaid month it is covered.
func TestClaimOutsideCoverageLapsed(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	// Income Rp1,000,000; March paid, April to June unpaid (lapsed from
	// June), July paid, August unpaid.
	const kpj, nik = "30000000101", "3672010101800201"
	h.member(kpj, nik, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	h.bill(kpj, nik, "2024-03", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	for _, m := range months("2024-04", "2024-06") {
		h.bill(kpj, nik, m, coverage.PayerSelf, bpu, jkkJkm1M, 0)
	}
	h.bill(kpj, nik, "2024-07", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	h.bill(kpj, nik, "2024-08", coverage.PayerSelf, bpu, jkkJkm1M, 0)
	h.claim("KLM-C01", kpj, nik, "2024-04-10", coverage.ClaimPaid, 1_000_000, 950_000)   // first unpaid month: covered
	h.claim("KLM-C02", kpj, nik, "2024-05-31", coverage.ClaimPaid, 1_000_000, 960_000)   // second: covered
	h.claim("KLM-C03", kpj, nik, "2024-06-01", coverage.ClaimPaid, 1_000_000, 970_000)   // third: lapsed, paid
	h.claim("KLM-C04", kpj, nik, "2024-06-15", coverage.ClaimVerified, 2_500_000, 0)     // lapsed, pending
	h.claim("KLM-C05", kpj, nik, "2024-06-20", coverage.ClaimRejected, 3_000_000, 0)     // lapsed, rejected
	h.claim("KLM-C06", kpj, nik, "2024-07-01", coverage.ClaimPaid, 1_000_000, 980_000)   // paid again: covered
	h.claim("KLM-C07", kpj, nik, "2024-08-20", coverage.ClaimSubmitted, 1_000_000, 0)    // one unpaid month: covered
	h.claim("KLM-C08", kpj, nik, "2023-12-20", coverage.ClaimSubmitted, 1_100_000, 0)    // before the start
	h.claim("KLM-C09", kpj, nik, "2024-02-20", coverage.ClaimPaid, 1_200_000, 1_200_000) // before the first bill: covered

	res := runWith(t, &h.ds, reconcile.Config{})
	for _, no := range []string{"KLM-C01", "KLM-C02", "KLM-C06", "KLM-C07", "KLM-C09"} {
		expectNone(t, res, coverage.KindClaimOutsideCoverage, no)
	}
	if f := expect(t, res, coverage.KindClaimOutsideCoverage, "KLM-C03", []coverage.Period{"2024-06"}, 970_000); f != nil && f.Severity != coverage.SeverityHigh {
		t.Errorf("KLM-C03: severity %s", f.Severity)
	}
	if f := expect(t, res, coverage.KindClaimOutsideCoverage, "KLM-C04", []coverage.Period{"2024-06"}, 2_500_000); f != nil && f.Severity != coverage.SeverityMedium {
		t.Errorf("KLM-C04: severity %s", f.Severity)
	}
	if f := expect(t, res, coverage.KindClaimOutsideCoverage, "KLM-C05", []coverage.Period{"2024-06"}, 0); f != nil && f.Severity != coverage.SeverityLow {
		t.Errorf("KLM-C05: severity %s", f.Severity)
	}
	expect(t, res, coverage.KindClaimOutsideCoverage, "KLM-C08", []coverage.Period{"2023-12"}, 1_100_000)
	// April to June, August: 4 x 16,800.
	expect(t, res, coverage.KindUnpaidMonths, kpj, []coverage.Period{"2024-04", "2024-05", "2024-06", "2024-08"}, 67_200)
	expectNone(t, res, coverage.KindInactive3Months, kpj)
}

// TestClaimOutsideCoverageNotYetDue: a claim in a month not yet due of a
// lapsed member is outside coverage; of a member with two unpaid months it
// is not.
func TestClaimOutsideCoverageNotYetDue(t *testing.T) {
	var h handCity
	h.ds.AsOf = wibTime(2024, 8, 12, 8, 0)
	// Lapsed from July (May to July unpaid); August billed, not yet due.
	const kpj, nik = "30000000111", "3672010101800211"
	h.member(kpj, nik, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	h.bill(kpj, nik, "2024-04", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	for _, m := range months("2024-05", "2024-08") {
		h.bill(kpj, nik, m, coverage.PayerSelf, bpu, jkkJkm1M, 0)
	}
	h.claim("KLM-D01", kpj, nik, "2024-08-05", coverage.ClaimPaid, 4_000_000, 3_900_000)
	// Lapsed from July, August not even billed yet.
	const kpj2, nik2 = "30000000112", "3672010101800212"
	h.member(kpj2, nik2, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	h.bill(kpj2, nik2, "2024-04", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	h.claim("KLM-D02", kpj2, nik2, "2024-08-05", coverage.ClaimPaid, 4_100_000, 4_100_000)
	// June and July unpaid, August not yet due: covered.
	const kpj3, nik3 = "30000000113", "3672010101800213"
	h.member(kpj3, nik3, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	h.bill(kpj3, nik3, "2024-05", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	h.bill(kpj3, nik3, "2024-06", coverage.PayerSelf, bpu, jkkJkm1M, 0)
	h.bill(kpj3, nik3, "2024-07", coverage.PayerSelf, bpu, jkkJkm1M, 16_000)
	h.claim("KLM-D03", kpj3, nik3, "2024-08-05", coverage.ClaimPaid, 4_200_000, 4_200_000)

	res := runWith(t, &h.ds, reconcile.Config{})
	expect(t, res, coverage.KindClaimOutsideCoverage, "KLM-D01", []coverage.Period{"2024-08"}, 3_900_000)
	expect(t, res, coverage.KindClaimOutsideCoverage, "KLM-D02", []coverage.Period{"2024-08"}, 4_100_000)
	expectNone(t, res, coverage.KindClaimOutsideCoverage, "KLM-D03")
	// 16,800 + (16,800 - 16,000) = 17,600.
	expect(t, res, coverage.KindUnpaidMonths, kpj3, months("2024-06", "2024-07"), 17_600)
}

// TestClaimAboveBenefit: a PAID claim above the ceiling of the rule in
// force in the incident month, by what was paid above it; at the ceiling,
// not paid yet, or with no rule: no finding (no rule: counted unchecked).
func TestClaimAboveBenefit(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	const kpj, nik = "30000000121", "3672010101800221"
	p := h.member(kpj, nik, kel, coverage.SegmentBPU, coverage.PayerSelf, 2_500_000, "2024-01-01", bpu)
	// Declared Rp1,500,000 from January, Rp2,500,000 from 1 March 2024.
	p.IncomeHistory = []coverage.IncomeChange{{At: "2024-01-01", Income: 1_500_000}, {At: "2024-03-01", Income: 2_500_000}}
	jkm, jkk := coverage.ProgramJKM, coverage.ProgramJKK
	paid := coverage.ClaimPaid
	h.claimFor("KLM-B01", kpj, nik, jkm, coverage.BenefitDeath, "2024-05-01", paid, 20_000_001, 20_000_001)            // 1 above 20,000,000
	h.claimFor("KLM-B02", kpj, nik, jkm, coverage.BenefitPeriodic, "2024-05-01", paid, 12_500_000, 12_500_000)         // 500,000 above 12,000,000
	h.claimFor("KLM-B03", kpj, nik, jkm, coverage.BenefitFuneral, "2024-05-01", paid, 10_000_000, 10_000_000)          // at the ceiling
	h.claimFor("KLM-B04", kpj, nik, jkk, coverage.BenefitDeath, "2024-02-29", paid, 80_000_000, 80_000_000)            // 48 x 1,500,000 = 72,000,000: 8,000,000 above
	h.claimFor("KLM-B05", kpj, nik, jkk, coverage.BenefitDeath, "2024-03-01", paid, 100_000_000, 100_000_000)          // 48 x 2,500,000 = 120,000,000: under
	h.claimFor("KLM-B06", kpj, nik, jkm, coverage.BenefitFuneral, "2024-05-01", coverage.ClaimVerified, 15_000_000, 0) // not paid
	h.claimFor("KLM-B07", kpj, nik, jkk, coverage.BenefitMedical, "2024-05-01", paid, 900_000_000, 900_000_000)        // no rule: unchecked
	h.claimFor("KLM-B08", kpj, nik, jkk, coverage.BenefitDeath, "2023-12-31", paid, 1_000_000, 1_000_000)              // income unknown: unchecked
	h.claimFor("KLM-B09", kpj, nik, jkm, coverage.BenefitFuneral, "2019-11-30", paid, 15_000_000, 15_000_000)          // before PP 82/2019: unchecked
	h.claimFor("KLM-B10", kpj, nik, jkm, coverage.BenefitFuneral, "2024-06-01", paid, 10_000_100, 10_000_100)          // 100 above 10,000,000

	res := runWith(t, &h.ds, reconcile.Config{})
	expect(t, res, coverage.KindClaimAboveBenefit, "KLM-B01", []coverage.Period{"2024-05"}, 1)
	expect(t, res, coverage.KindClaimAboveBenefit, "KLM-B02", []coverage.Period{"2024-05"}, 500_000)
	expect(t, res, coverage.KindClaimAboveBenefit, "KLM-B04", []coverage.Period{"2024-02"}, 8_000_000)
	expect(t, res, coverage.KindClaimAboveBenefit, "KLM-B10", []coverage.Period{"2024-06"}, 100)
	for _, no := range []string{"KLM-B03", "KLM-B05", "KLM-B06", "KLM-B07", "KLM-B08", "KLM-B09"} {
		expectNone(t, res, coverage.KindClaimAboveBenefit, no)
	}
	for _, f := range res.Findings {
		if f.Kind == coverage.KindClaimAboveBenefit && f.Severity != coverage.SeverityHigh {
			t.Errorf("%s: severity %s, want HIGH", f.ClaimNo, f.Severity)
		}
	}
	if res.Stats.BenefitUnchecked != 3 {
		t.Errorf("benefit unchecked %d, want 3 (B07, B08, B09)", res.Stats.BenefitUnchecked)
	}

	// Config.Benefits replaces the defaults: a funeral ceiling of
	// Rp8,000,000 until April 2024 and Rp12,000,000 from May; a rule with
	// both ceilings takes the lower.
	res = runWith(t, &h.ds, reconcile.Config{Benefits: coverage.BenefitRules{
		{Program: jkm, Benefit: coverage.BenefitFuneral, ValidFrom: "2019-01", ValidUntil: "2024-04", MaxAmount: 8_000_000},
		{Program: jkm, Benefit: coverage.BenefitFuneral, ValidFrom: "2024-05", MaxAmount: 12_000_000},
		{Program: jkk, Benefit: coverage.BenefitDeath, ValidFrom: "2019-01", MaxAmount: 90_000_000, IncomeMultiple: 48},
	}})
	expectNone(t, res, coverage.KindClaimAboveBenefit, "KLM-B03")                                       // 10,000,000 under 12,000,000
	expect(t, res, coverage.KindClaimAboveBenefit, "KLM-B09", []coverage.Period{"2019-11"}, 7_000_000)  // 15,000,000 - 8,000,000
	expect(t, res, coverage.KindClaimAboveBenefit, "KLM-B05", []coverage.Period{"2024-03"}, 10_000_000) // min(90,000,000, 120,000,000)
	expect(t, res, coverage.KindClaimAboveBenefit, "KLM-B04", []coverage.Period{"2024-02"}, 8_000_000)  // min(90,000,000, 72,000,000)
	expectNone(t, res, coverage.KindClaimAboveBenefit, "KLM-B08")                                       // income unknown: the fixed ceiling
	expectNone(t, res, coverage.KindClaimAboveBenefit, "KLM-B01")                                       // no JKM DEATH rule here
}
