package reconcile_test

// TARIFF_MISMATCH on records built by hand: the declared income in force in
// the month (Participant.IncomeHistory), unknown months counted, JKK and JKM
// compulsory for BPU. Tariffs written out (docs/domain.md): JKK 1% (at least
// 10,000), JKM 6,800, JHT 2% (at least 20,000).

import (
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// TestTariffIncomeInForce: a month is billed right when its due is the
// tariff at the income in force on any day of the month.
func TestTariffIncomeInForce(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	const kpj, nik = "30000000301", "3672010101800401"
	p := h.member(kpj, nik, kel, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-01-01", bpu)
	// Rp1,000,000 from January, Rp2,000,000 from 15 May.
	p.IncomeHistory = []coverage.IncomeChange{{At: "2024-01-01", Income: 1_000_000}, {At: "2024-05-15", Income: 2_000_000}}
	h.bill(kpj, nik, "2024-04", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M) // right at 1,000,000
	h.bill(kpj, nik, "2024-05", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M) // right: 1,000,000 in force on 1-14 May
	h.bill(kpj, nik, "2024-06", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M) // 2,000,000 in force: 26,800 - 16,800 = 10,000
	h.bill(kpj, nik, "2024-07", coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M) // right
	h.bill(kpj, nik, "2024-08", coverage.PayerSelf, bpu, 30_000, 30_000)     // 30,000 - 26,800 = 3,200

	res := runWith(t, &h.ds, reconcile.Config{})
	expect(t, res, coverage.KindTariffMismatch, kpj, []coverage.Period{"2024-06", "2024-08"}, 13_200)
	if res.Stats.TariffUnknownMonths != 0 {
		t.Errorf("tariff unknown months %d, want 0", res.Stats.TariffUnknownMonths)
	}
}

// TestTariffIncomeUnknown: before the first known change the income is
// unknown: the month is not checked but counted; a month whose income is
// known only from some day matches that income or is not checked.
func TestTariffIncomeUnknown(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	const kpj, nik = "30000000311", "3672010101800411"
	p := h.member(kpj, nik, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	p.IncomeHistory = []coverage.IncomeChange{{At: "2024-03-10", Income: 1_000_000}}
	h.bill(kpj, nik, "2024-01", coverage.PayerSelf, bpu, 50_000, 50_000)     // unknown: counted
	h.bill(kpj, nik, "2024-02", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M) // unknown: counted
	h.bill(kpj, nik, "2024-03", coverage.PayerSelf, bpu, 99_000, 99_000)     // known from the 10th, matches none: counted
	h.bill(kpj, nik, "2024-04", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M) // right
	h.bill(kpj, nik, "2024-05", coverage.PayerSelf, bpu, 17_800, 17_800)     // 1,000 over

	res := runWith(t, &h.ds, reconcile.Config{})
	expect(t, res, coverage.KindTariffMismatch, kpj, []coverage.Period{"2024-05"}, 1_000)
	if res.Stats.TariffUnknownMonths != 3 {
		t.Errorf("tariff unknown months %d, want 3", res.Stats.TariffUnknownMonths)
	}
}

// TestTariffCompulsoryPrograms: a BPU month billed without JKK or without
// JKM is off by the tariff of the missing program; a wage earner (PU) is
// not checked.
func TestTariffCompulsoryPrograms(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	jkk := []coverage.Program{coverage.ProgramJKK}
	jkmJht := []coverage.Program{coverage.ProgramJKM, coverage.ProgramJHT}
	// O: at Rp2,000,000; June billed JKK only, right for JKK (20,000): JKM
	// missing, 6,800. July billed JKM+JHT, right for them (6,800 + 40,000 =
	// 46,800): JKK missing, 20,000. August JKK only at 25,000: 5,000 over
	// plus JKM missing 6,800.
	const kpj, nik = "30000000321", "3672010101800421"
	h.member(kpj, nik, kel, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-06-01", jkk)
	h.bill(kpj, nik, "2024-06", coverage.PayerSelf, jkk, 20_000, 20_000)
	h.bill(kpj, nik, "2024-07", coverage.PayerSelf, jkmJht, 46_800, 46_800)
	h.bill(kpj, nik, "2024-08", coverage.PayerSelf, jkk, 25_000, 25_000)
	// W: a wage earner billed JKK only: not a BPU tariff.
	const kpjW, nikW = "30000000322", "3672010101800422"
	h.member(kpjW, nikW, kel, coverage.SegmentPU, coverage.PayerEmployer, 2_000_000, "2024-06-01", jkk)
	for _, m := range months("2024-06", "2024-08") {
		h.bill(kpjW, nikW, m, coverage.PayerEmployer, jkk, 12_345, 12_345)
	}

	res := runWith(t, &h.ds, reconcile.Config{})
	// 6,800 + 20,000 + (5,000 + 6,800) = 38,600.
	expect(t, res, coverage.KindTariffMismatch, kpj, months("2024-06", "2024-08"), 38_600)
	expectNone(t, res, coverage.KindTariffMismatch, kpjW)
	if len(res.Findings) != 1 {
		t.Errorf("want only O's mismatch:%s", describe(res.Findings))
	}
}
