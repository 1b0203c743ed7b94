package reconcile_test

import (
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// TestRollupArrearsByMonth: the rollup's arrears read the month model. July
// billed twice and paid in two halves owes nothing (no finding, no arrears);
// June billed once and paid 6,800 of 16,800 owes 10,000; both bills of July
// still count as billed and due.
func TestRollupArrearsByMonth(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	const nik, kpj = "3672010101800351", "30000000251"
	h.member(kpj, nik, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-06-01", bpu)
	h.bill(kpj, nik, "2024-06", coverage.PayerSelf, bpu, jkkJkm1M, 6_800)
	h.bill(kpj, nik, "2024-07", coverage.PayerSelf, bpu, jkkJkm1M, 8_400)
	h.bill(kpj, nik, "2024-07", coverage.PayerSelf, bpu, jkkJkm1M, 8_400)
	h.bill(kpj, nik, "2024-08", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	res := runWith(t, &h.ds, reconcile.Config{})
	expect(t, res, coverage.KindUnpaidMonths, kpj, []coverage.Period{"2024-06"}, 10_000)
	var billed, due, unpaid, arrears int64
	for _, c := range res.Rollup.Cells {
		billed += c.Billed
		due += c.DueAmount
		unpaid += c.UnpaidOverdue
		arrears += c.Arrears
	}
	if billed != 4 || due != 4*jkkJkm1M || unpaid != 1 || arrears != 10_000 {
		t.Errorf("rollup: billed %d due %d unpaid %d arrears %d; want 4, %d, 1, 10,000", billed, due, unpaid, arrears, 4*jkkJkm1M)
	}
}
