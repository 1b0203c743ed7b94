package reconcile_test

import (
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// TestDeathEndsTheMonths: a paid JKM death claim ends every membership of the
// person in the month of death, though BPJS's record still says ACTIVE and
// the roster still funds the person: the months after it are not owed (no
// UNPAID_MONTHS, no lapse, no FUNDED_NOT_PAID), and the person is not
// counted as covered from the day of death. The negative case: the same
// person with the claim still VERIFIED (not paid) owes the months.
func TestDeathEndsTheMonths(t *testing.T) {
	for _, status := range []coverage.ClaimStatus{coverage.ClaimPaid, coverage.ClaimVerified} {
		var h handCity
		h.ds.AsOf = asOfAug22
		const nik, kpj = "3672010101800331", "30000000231"
		h.roster(nik, coverage.CategoryKader, kel, "2024-01", "")
		h.member(kpj, nik, kel, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
		for _, m := range months("2024-01", "2024-03") {
			h.bill(kpj, nik, m, coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
		}
		h.claimFor("KLM-D1", kpj, nik, coverage.ProgramJKM, coverage.BenefitDeath, "2024-03-10", status, 20_000_000, 20_000_000)
		res := runWith(t, &h.ds, reconcile.Config{})
		active := map[coverage.Period]int64{}
		for _, c := range res.Rollup.Cells {
			active[c.Period] += c.Active
		}
		if status == coverage.ClaimPaid {
			expectNone(t, res, coverage.KindUnpaidMonths, kpj)
			expectNone(t, res, coverage.KindInactive3Months, kpj)
			expectNone(t, res, coverage.KindFundedNotPaid, nik)
			if active["2024-02"] != 1 || active["2024-03"] != 0 || active["2024-08"] != 0 {
				t.Errorf("died 2024-03-10: active %v, want 1 in February and none from March", active)
			}
			continue
		}
		// Not paid: the person may be alive; April to August are owed (August is overdue at the as-of).
		expect(t, res, coverage.KindUnpaidMonths, kpj, months("2024-04", "2024-08"), 5*jkkJkm1M)
		expect(t, res, coverage.KindFundedNotPaid, nik, months("2024-04", "2024-08"), 5*jkkJkm1M)
		if active["2024-03"] != 1 {
			t.Errorf("death claim not paid: active %v, want 1 in March", active)
		}
	}
}

// TestDeathAndEndsByHand: a claim for an incident after a paid death claim
// is outside coverage; a death claim under another NIK's KPJ ends nothing
// of this person (it is KPJ_NIK_MISMATCH); a TERMINATED membership without
// a coverage end owes nothing after its last bill.
func TestDeathAndEndsByHand(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	// A: died 2024-03-10, a JKK claim for an incident on 2024-06-01 paid.
	const nikA, kpjA = "3672010101800341", "30000000241"
	h.member(kpjA, nikA, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-01", "2024-03") {
		h.bill(kpjA, nikA, m, coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	}
	h.claimFor("KLM-A1", kpjA, nikA, coverage.ProgramJKM, coverage.BenefitDeath, "2024-03-10", coverage.ClaimPaid, 20_000_000, 20_000_000)
	h.claimFor("KLM-A2", kpjA, nikA, coverage.ProgramJKK, coverage.BenefitMedical, "2024-06-01", coverage.ClaimPaid, 3_000_000, 3_000_000)
	// B: a city member paid every month; a paid JKM death claim carries
	// B's NIK under a KPJ that is not B's.
	const nikB, kpjB = "3672010101800342", "30000000242"
	h.roster(nikB, coverage.CategoryKader, kel, "2024-01", "")
	h.member(kpjB, nikB, kel, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-01", "2024-08") {
		h.bill(kpjB, nikB, m, coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	}
	h.claimFor("KLM-B1", "39999999999", nikB, coverage.ProgramJKM, coverage.BenefitDeath, "2024-03-10", coverage.ClaimPaid, 20_000_000, 20_000_000)
	// T: TERMINATED without a coverage end, billed and paid January and
	// February only.
	const nikT, kpjT = "3672010101800343", "30000000243"
	tm := h.member(kpjT, nikT, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	tm.Status = coverage.StatusTerminated
	for _, m := range months("2024-01", "2024-02") {
		h.bill(kpjT, nikT, m, coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	}

	res := runWith(t, &h.ds, reconcile.Config{})
	expect(t, res, coverage.KindClaimOutsideCoverage, "KLM-A2", []coverage.Period{"2024-06"}, 3_000_000)
	expectNone(t, res, coverage.KindClaimOutsideCoverage, "KLM-A1")
	expectNone(t, res, coverage.KindPaidAfterDeath, kpjB)
	expectNone(t, res, coverage.KindUnpaidMonths, kpjB)
	expect(t, res, coverage.KindKPJNIKMismatch, nikB+"|39999999999", []coverage.Period{"2024-03"}, 20_000_000)
	expectNone(t, res, coverage.KindUnpaidMonths, kpjT)
	expectNone(t, res, coverage.KindInactive3Months, kpjT)
	active := map[coverage.Period]int64{}
	for _, c := range res.Rollup.Cells {
		if c.Kelurahan == kel {
			active[c.Period] += c.Active
		}
	}
	if active["2024-08"] != 1 { // B alone: A died, T ended
		t.Errorf("active in August: %d, want 1 (B)", active["2024-08"])
	}
}
