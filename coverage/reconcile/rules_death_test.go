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
