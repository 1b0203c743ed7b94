package reconcile_test

// The one month model of issue 12, on records built by hand: duplicates,
// partial payments, billing gaps, pending months, lapses, and the time rules
// (the Asia/Jakarta date, the overdue boundary at 00:00 WIB on the 16th, the
// contributions feed's own as-of). Tariffs written out (docs/domain.md): JKK+JKM at
// Rp1,000,000 = 16,800; at Rp2,000,000 = 26,800.

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

const kel = "3672011001"

// asOfAug22 is 07:00 WIB on 2024-08-22: every month up to 2024-08 is overdue.
var asOfAug22 = time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC)

// billTwice adds a second record for a month already billed (the same bill
// billed twice), with its own payment.
func (h *handCity) billTwice(kpj, nik string, month coverage.Period, payer coverage.PayerType, progs []coverage.Program, due, paid int64) {
	h.bill(kpj, nik, month, payer, progs, due, paid)
	h.ds.Contributions[len(h.ds.Contributions)-1].ID += "-again"
}

// TestMonthDuplicatesOneBill: two records of one month are one bill billed
// twice: the due is the highest, the payments add up.
func TestMonthDuplicatesOneBill(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	// P1: July billed twice at 16,800, paid 8,400 on each: paid in full.
	h.member("30000000001", "3672010101800101", kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-07-01", bpu)
	h.bill("30000000001", "3672010101800101", "2024-07", coverage.PayerSelf, bpu, jkkJkm1M, 8_400)
	h.billTwice("30000000001", "3672010101800101", "2024-07", coverage.PayerSelf, bpu, jkkJkm1M, 8_400)
	h.bill("30000000001", "3672010101800101", "2024-08", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	// P2: July billed twice, paid 8,400 + 8,000 = 16,400 of 16,800: unpaid by
	// 400 (not 16,800 + 16,800 - 16,400).
	h.member("30000000002", "3672010101800102", kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-07-01", bpu)
	h.bill("30000000002", "3672010101800102", "2024-07", coverage.PayerSelf, bpu, jkkJkm1M, 8_400)
	h.billTwice("30000000002", "3672010101800102", "2024-07", coverage.PayerSelf, bpu, jkkJkm1M, 8_000)
	h.bill("30000000002", "3672010101800102", "2024-08", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	// P3: income Rp2,000,000, July billed at 26,800 and again at 16,800
	// (paid 26,800 on the first): the due is 26,800, right, and paid.
	h.member("30000000003", "3672010101800103", kel, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-07-01", bpu)
	h.bill("30000000003", "3672010101800103", "2024-07", coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)
	h.billTwice("30000000003", "3672010101800103", "2024-07", coverage.PayerSelf, bpu, jkkJkm1M, 0)
	h.bill("30000000003", "3672010101800103", "2024-08", coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)

	res := runWith(t, &h.ds, reconcile.Config{})
	expectNone(t, res, coverage.KindUnpaidMonths, "30000000001")
	expect(t, res, coverage.KindUnpaidMonths, "30000000002", []coverage.Period{"2024-07"}, 400)
	expectNone(t, res, coverage.KindUnpaidMonths, "30000000003")
	expectNone(t, res, coverage.KindTariffMismatch, "30000000003")
	if len(res.Findings) != 1 {
		t.Errorf("want only P2's unpaid month:%s", describe(res.Findings))
	}
	if res.Stats.Contributions != 9 {
		t.Errorf("read %d contributions, want 9 (duplicates kept)", res.Stats.Contributions)
	}
}

// TestMonthPartialPaymentsLapse: a partial payment is unpaid: three
// partly paid months in a row lapse the membership.
func TestMonthPartialPaymentsLapse(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	const kpj, nik = "30000000011", "3672010101800111"
	h.member(kpj, nik, kel, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-01-01", bpu)
	h.bill(kpj, nik, "2024-05", coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)
	for _, m := range months("2024-06", "2024-08") {
		h.bill(kpj, nik, m, coverage.PayerSelf, bpu, jkkJkm2M, 26_000) // 800 short each
	}
	h.claim("KLM-P1", kpj, nik, "2024-07-02", coverage.ClaimPaid, 900_000, 900_000) // June, July: 2 unpaid, covered
	h.claim("KLM-P2", kpj, nik, "2024-08-02", coverage.ClaimPaid, 700_000, 700_000) // August: the third, lapsed

	res := runWith(t, &h.ds, reconcile.Config{})
	// 3 x (26,800 - 26,000) = 2,400.
	expect(t, res, coverage.KindUnpaidMonths, kpj, months("2024-06", "2024-08"), 2_400)
	expect(t, res, coverage.KindInactive3Months, kpj, months("2024-06", "2024-08"), 2_400)
	expectNone(t, res, coverage.KindClaimOutsideCoverage, "KLM-P1")
	expect(t, res, coverage.KindClaimOutsideCoverage, "KLM-P2", []coverage.Period{"2024-08"}, 700_000)
}

// TestMonthBillingGapIsUnpaid: months with no bill after the first bill are
// not billed, unpaid once overdue: listed with the tariff at stake, and
// counted towards a lapse, which the next paid month ends.
func TestMonthBillingGapIsUnpaid(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	// G3: income Rp2,000,000; January and February paid, March to May not
	// billed, June to August paid.
	const kpj3, nik3 = "30000000021", "3672010101800121"
	h.member(kpj3, nik3, kel, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-01-01", bpu)
	for _, m := range append(months("2024-01", "2024-02"), months("2024-06", "2024-08")...) {
		h.bill(kpj3, nik3, m, coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)
	}
	h.claim("KLM-G1", kpj3, nik3, "2024-04-20", coverage.ClaimPaid, 1_000_000, 1_000_000) // April: second month of the gap
	h.claim("KLM-G2", kpj3, nik3, "2024-05-20", coverage.ClaimPaid, 1_100_000, 1_100_000) // May: the third, lapsed
	h.claim("KLM-G3", kpj3, nik3, "2024-06-20", coverage.ClaimPaid, 1_200_000, 1_200_000) // June: paid again
	// G2: the same with a gap of two months (April, May).
	const kpj2, nik2 = "30000000022", "3672010101800122"
	h.member(kpj2, nik2, kel, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-01-01", bpu)
	for _, m := range append(months("2024-01", "2024-03"), months("2024-06", "2024-08")...) {
		h.bill(kpj2, nik2, m, coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)
	}
	h.claim("KLM-G4", kpj2, nik2, "2024-05-20", coverage.ClaimPaid, 1_300_000, 1_300_000)
	// G0: first billed in June: the months before the first bill are not
	// the model's (the coverage dates alone decide).
	const kpj0, nik0 = "30000000023", "3672010101800123"
	h.member(kpj0, nik0, kel, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-06", "2024-08") {
		h.bill(kpj0, nik0, m, coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)
	}
	h.claim("KLM-G5", kpj0, nik0, "2024-03-20", coverage.ClaimPaid, 1_400_000, 1_400_000)
	// G9: billed in May, then nothing: June, July, August not billed and
	// overdue, an open lapse, tariff 26,800 each.
	const kpj9, nik9 = "30000000024", "3672010101800124"
	h.member(kpj9, nik9, kel, coverage.SegmentBPU, coverage.PayerSelf, 2_000_000, "2024-01-01", bpu)
	h.bill(kpj9, nik9, "2024-05", coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)

	res := runWith(t, &h.ds, reconcile.Config{})
	// 3 x the tariff 26,800 at Rp2,000,000 = 80,400.
	f := expect(t, res, coverage.KindUnpaidMonths, kpj3, months("2024-03", "2024-05"), 80_400)
	if f != nil && !strings.Contains(f.Detail, "not billed") {
		t.Errorf("detail %q does not say not billed", f.Detail)
	}
	expectNone(t, res, coverage.KindInactive3Months, kpj3) // June ended the run
	expectNone(t, res, coverage.KindClaimOutsideCoverage, "KLM-G1")
	expect(t, res, coverage.KindClaimOutsideCoverage, "KLM-G2", []coverage.Period{"2024-05"}, 1_100_000)
	expectNone(t, res, coverage.KindClaimOutsideCoverage, "KLM-G3")
	// Two months not billed: unpaid, no lapse.
	expect(t, res, coverage.KindUnpaidMonths, kpj2, months("2024-04", "2024-05"), 53_600)
	expectNone(t, res, coverage.KindClaimOutsideCoverage, "KLM-G4")
	expectNone(t, res, coverage.KindUnpaidMonths, kpj0)
	expectNone(t, res, coverage.KindClaimOutsideCoverage, "KLM-G5")
	expect(t, res, coverage.KindUnpaidMonths, kpj9, months("2024-06", "2024-08"), 80_400)
	expect(t, res, coverage.KindInactive3Months, kpj9, months("2024-06", "2024-08"), 80_400)
	if len(res.Findings) != 5 {
		t.Errorf("want 5 findings:%s", describe(res.Findings))
	}
}

// TestMonthPendingNeitherExtendsNorEnds: a month not yet due is pending: it
// neither adds to a run of unpaid months nor ends it, and it is lapsed when
// it follows a lapse; a pending month paid in full ends the lapse.
func TestMonthPendingNeitherExtendsNorEnds(t *testing.T) {
	var h handCity
	h.ds.AsOf = wibTime(2024, 8, 10, 9, 0) // August is not yet due
	// L3: May, June, July unpaid (lapsed from July), August unpaid, pending.
	const kpj3, nik3 = "30000000031", "3672010101800131"
	h.member(kpj3, nik3, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	h.bill(kpj3, nik3, "2024-04", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	for _, m := range months("2024-05", "2024-08") {
		h.bill(kpj3, nik3, m, coverage.PayerSelf, bpu, jkkJkm1M, 0)
	}
	h.claim("KLM-N1", kpj3, nik3, "2024-08-03", coverage.ClaimSubmitted, 500_000, 0) // pending month, lapsed
	// L2: June, July unpaid, August pending: no lapse.
	const kpj2, nik2 = "30000000032", "3672010101800132"
	h.member(kpj2, nik2, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	h.bill(kpj2, nik2, "2024-05", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	for _, m := range months("2024-06", "2024-08") {
		h.bill(kpj2, nik2, m, coverage.PayerSelf, bpu, jkkJkm1M, 0)
	}
	h.claim("KLM-N2", kpj2, nik2, "2024-08-03", coverage.ClaimSubmitted, 600_000, 0)
	// LP: lapsed from July, August paid in full before its due date: the
	// lapse ends in August.
	const kpjP, nikP = "30000000033", "3672010101800133"
	h.member(kpjP, nikP, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	h.bill(kpjP, nikP, "2024-04", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	for _, m := range months("2024-05", "2024-07") {
		h.bill(kpjP, nikP, m, coverage.PayerSelf, bpu, jkkJkm1M, 0)
	}
	h.bill(kpjP, nikP, "2024-08", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	h.claim("KLM-N3", kpjP, nikP, "2024-07-30", coverage.ClaimPaid, 700_000, 700_000) // lapsed
	h.claim("KLM-N4", kpjP, nikP, "2024-08-03", coverage.ClaimPaid, 800_000, 800_000) // paid again

	res := runWith(t, &h.ds, reconcile.Config{})
	// August pending: not listed, not in the run.
	expect(t, res, coverage.KindUnpaidMonths, kpj3, months("2024-05", "2024-07"), 50_400)
	expect(t, res, coverage.KindInactive3Months, kpj3, months("2024-05", "2024-07"), 50_400)
	expect(t, res, coverage.KindClaimOutsideCoverage, "KLM-N1", []coverage.Period{"2024-08"}, 500_000)
	expect(t, res, coverage.KindUnpaidMonths, kpj2, months("2024-06", "2024-07"), 33_600)
	expectNone(t, res, coverage.KindInactive3Months, kpj2)
	expectNone(t, res, coverage.KindClaimOutsideCoverage, "KLM-N2")
	expectNone(t, res, coverage.KindInactive3Months, kpjP)
	expect(t, res, coverage.KindClaimOutsideCoverage, "KLM-N3", []coverage.Period{"2024-07"}, 700_000)
	expectNone(t, res, coverage.KindClaimOutsideCoverage, "KLM-N4")
}

// TestMonthLapseCellsAgree: the rollup's Active and Lapsed measures read the
// same lapse: a membership lapsed by a billing gap is not active in the
// lapsed months.
func TestMonthLapseCellsAgree(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	const kpj, nik = "30000000041", "3672010101800141"
	h.member(kpj, nik, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	h.bill(kpj, nik, "2024-01", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M) // then nothing: lapsed from April
	res := runWith(t, &h.ds, reconcile.Config{})
	active := map[coverage.Period]int64{}
	lapsed := map[coverage.Period]int64{}
	for _, c := range res.Rollup.Cells {
		active[c.Period] += c.Active
		lapsed[c.Period] += c.Lapsed
	}
	for _, m := range months("2024-01", "2024-08") {
		want := int64(1)
		if m >= "2024-04" {
			want = 0
		}
		if active[m] != want {
			t.Errorf("%s: active %d, want %d", m, active[m], want)
		}
	}
	if lapsed["2024-04"] != 1 {
		t.Errorf("lapsed in 2024-04: %d, want 1", lapsed["2024-04"])
	}
}

// TestTimeOverdueBoundaryWIB: a month is overdue from 00:00 WIB on its 16th
// (17:00 UTC on the 15th), not at 23:59 WIB on the 15th.
func TestTimeOverdueBoundaryWIB(t *testing.T) {
	build := func(asOf time.Time) reconcile.Result {
		var h handCity
		h.ds.AsOf = asOf
		const kpj, nik = "30000000051", "3672010101800151"
		h.member(kpj, nik, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-06-01", bpu)
		h.bill(kpj, nik, "2024-06", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
		h.bill(kpj, nik, "2024-07", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
		h.bill(kpj, nik, "2024-08", coverage.PayerSelf, bpu, jkkJkm1M, 0)
		return runWith(t, &h.ds, reconcile.Config{})
	}
	before := build(wibTime(2024, 8, 15, 23, 59))
	expectNone(t, before, coverage.KindUnpaidMonths, "30000000051")
	at := build(wibTime(2024, 8, 16, 0, 0))
	expect(t, at, coverage.KindUnpaidMonths, "30000000051", []coverage.Period{"2024-08"}, 16_800)

	// Today is the Jakarta date: 17:00 UTC on the 15th is the 16th.
	e, err := reconcile.New(reconcile.Config{Areas: coverage.Cilegon(), AsOf: time.Date(2024, 8, 15, 17, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if e.Today() != "2024-08-16" {
		t.Errorf("today %s, want 2024-08-16", e.Today())
	}
	// The last month of the rollup is the Jakarta month: 18:00 UTC on 31
	// July is 1 August in Jakarta.
	var h handCity
	h.ds.AsOf = time.Date(2024, 7, 31, 18, 0, 0, 0, time.UTC)
	if res := runWith(t, &h.ds, reconcile.Config{}); res.Rollup.To != "2024-08" {
		t.Errorf("rollup to %s, want 2024-08", res.Rollup.To)
	}
}

// TestTimeStaleContributionsFeed: overdue, unpaid, lapse and funded-not-paid
// read the contributions feed's as-of: a feed last synced on 10 July cannot
// make July or August overdue, whatever the other feeds' as-of.
func TestTimeStaleContributionsFeed(t *testing.T) {
	var h handCity
	h.ds.AsOf = asOfAug22
	// S: pays itself; May and June paid, July billed and unpaid, August
	// not billed (yet).
	const kpjS, nikS = "30000000061", "3672010101800161"
	h.member(kpjS, nikS, kel, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	h.bill(kpjS, nikS, "2024-05", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	h.bill(kpjS, nikS, "2024-06", coverage.PayerSelf, bpu, jkkJkm1M, jkkJkm1M)
	h.bill(kpjS, nikS, "2024-07", coverage.PayerSelf, bpu, jkkJkm1M, 0)
	// K: on the KADER roster, city-paid to June.
	const kpjK, nikK = "30000000062", "3672010101800162"
	h.roster(nikK, coverage.CategoryKader, kel, "2024-05", "")
	h.member(kpjK, nikK, kel, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-05-01", bpu)
	h.bill(kpjK, nikK, "2024-05", coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	h.bill(kpjK, nikK, "2024-06", coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)

	stale := runWith(t, &h.ds, reconcile.Config{FeedAsOf: map[coverage.Feed]time.Time{
		coverage.FeedContributions: wibTime(2024, 7, 10, 6, 0),
		coverage.FeedParticipants:  asOfAug22,
	}})
	if len(stale.Findings) != 0 {
		t.Errorf("a stale contributions feed made months overdue:%s", describe(stale.Findings))
	}
	// Without a feed as-of, the data's as-of (22 August) is the feed's:
	// July unpaid and August not billed; the city paid neither July nor
	// August for K.
	fresh := runWith(t, &h.ds, reconcile.Config{})
	expect(t, fresh, coverage.KindUnpaidMonths, kpjS, months("2024-07", "2024-08"), 33_600)
	expect(t, fresh, coverage.KindFundedNotPaid, nikK, months("2024-07", "2024-08"), 33_600)
	expect(t, fresh, coverage.KindUnpaidMonths, kpjK, months("2024-07", "2024-08"), 33_600)
	// A contributions feed synced at 00:00 WIB on 16 July: July overdue.
	july := runWith(t, &h.ds, reconcile.Config{FeedAsOf: map[coverage.Feed]time.Time{coverage.FeedContributions: wibTime(2024, 7, 16, 0, 0)}})
	expect(t, july, coverage.KindUnpaidMonths, kpjS, []coverage.Period{"2024-07"}, 16_800)
	expect(t, july, coverage.KindFundedNotPaid, nikK, []coverage.Period{"2024-07"}, 16_800)
	if !slices.ContainsFunc(july.Rollup.Cells, func(c reconcile.Cell) bool { return c.Period == "2024-08" }) {
		t.Error("the rollup does not run to the data's as-of month")
	}
}
