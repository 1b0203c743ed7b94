package reconcile_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// This file checks, on records built by hand, the roster rules (history,
// rejected rows), contributions and claims under a KPJ that is not the NIK's,
// and the figures: people covered, funded workers at a month by category and
// next year's cost.

// runConfig runs the engine over hand-built records with a configuration
// (Areas defaults to Cilegon, AsOf to the dataset's).
func runConfig(t *testing.T, h *handCity, cfg reconcile.Config) reconcile.Result {
	t.Helper()
	if cfg.Areas == nil {
		cfg.Areas = coverage.Cilegon()
	}
	if cfg.AsOf.IsZero() {
		cfg.AsOf = h.ds.AsOf
	}
	res, err := reconcile.Run(cfg, streams(&h.ds))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// byID indexes findings by ID.
func byID(fs []coverage.Finding) map[string]coverage.Finding {
	out := map[string]coverage.Finding{}
	for _, f := range fs {
		out[f.ID] = f
	}
	return out
}

// ofKind returns the findings of a kind.
func ofKind(fs []coverage.Finding, k coverage.DiscrepancyKind) []coverage.Finding {
	var out []coverage.Finding
	for _, f := range fs {
		if f.Kind == k {
			out = append(out, f)
		}
	}
	return out
}

// TestRosterHistory: ROSTER_NOT_ENROLLED and ROSTER_OTHER_PAYER only for
// entries still funded in the roster feed's as-of year, the year of its
// Asia/Jakarta date.
func TestRosterHistory(t *testing.T) {
	const cibeber = "3672011001"
	const (
		nikEnded    = "3672010101800101" // funded 2023-01 to 2024-12, never enrolled
		nikJanuary  = "3672010101800102" // funded to 2025-01, never enrolled
		nikOpen     = "3672010101800103" // funded from 2022-05, no end, never enrolled
		nikOtherOld = "3672010101800104" // funded to 2024-06, enrolled paying itself
		nikOtherNew = "3672010101800105" // two entries: one ended 2023-12, one open; enrolled paying itself
	)
	var h handCity
	h.roster(nikEnded, coverage.CategoryRTRW, cibeber, "2023-01", "2024-12")
	h.roster(nikJanuary, coverage.CategoryKader, cibeber, "2024-03", "2025-01")
	h.roster(nikOpen, coverage.CategoryMarbot, cibeber, "2022-05", "")
	h.roster(nikOtherOld, coverage.CategoryUMKM, cibeber, "2024-01", "2024-06")
	h.member("20000000101", nikOtherOld, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	h.roster(nikOtherNew, coverage.CategoryLinmas, cibeber, "2022-01", "2023-12")
	h.roster(nikOtherNew, coverage.CategoryNelayan, cibeber, "2024-02", "")
	h.member("20000000102", nikOtherNew, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)

	notEnrolled := func(nik string) string { return reconcile.FindingID(coverage.KindRosterNotEnrolled, nik) }
	otherPayer := func(nik string) string { return reconcile.FindingID(coverage.KindRosterOtherPayer, nik) }
	for _, c := range []struct {
		name      string
		asOf      time.Time
		rosterAt  time.Time // zero: no roster feed as-of, Config.AsOf counts
		want      []string
		wantNotIn []string
	}{
		// 00:30 WIB on 1 January 2025 is still 31 December 2024 in UTC: the
		// roster year is 2025, so entries that ended in 2024 are history.
		{"new year in Jakarta", wibTime(2025, time.January, 1, 0, 30), time.Time{},
			[]string{notEnrolled(nikJanuary), notEnrolled(nikOpen), otherPayer(nikOtherNew)},
			[]string{notEnrolled(nikEnded), otherPayer(nikOtherOld)}},
		// 23:59 WIB on 31 December 2024: still 2024, every 2024 entry is current.
		{"last minute of the year", wibTime(2024, time.December, 31, 23, 59), time.Time{},
			[]string{notEnrolled(nikEnded), notEnrolled(nikJanuary), notEnrolled(nikOpen), otherPayer(nikOtherOld), otherPayer(nikOtherNew)}, nil},
		// The data is of March 2025 but the roster feed last synced in
		// December 2024: the roster's own year, 2024, decides.
		{"stale roster feed", wibTime(2025, time.March, 10, 0, 0), wibTime(2024, time.December, 20, 9, 0),
			[]string{notEnrolled(nikEnded), notEnrolled(nikJanuary), notEnrolled(nikOpen), otherPayer(nikOtherOld), otherPayer(nikOtherNew)}, nil},
		// A roster feed synced in 2025 with data of December 2024: 2025.
		{"roster feed newer", wibTime(2024, time.December, 30, 0, 0), wibTime(2025, time.January, 2, 8, 0),
			[]string{notEnrolled(nikJanuary), notEnrolled(nikOpen), otherPayer(nikOtherNew)},
			[]string{notEnrolled(nikEnded), otherPayer(nikOtherOld)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := reconcile.Config{AsOf: c.asOf}
			if !c.rosterAt.IsZero() {
				cfg.FeedAsOf = map[coverage.Feed]time.Time{coverage.FeedRoster: c.rosterAt}
			}
			got := byID(runConfig(t, &h, cfg).Findings)
			for _, id := range c.want {
				if _, ok := got[id]; !ok {
					t.Errorf("%s: not found", id)
				}
			}
			for _, id := range c.wantNotIn {
				if f, ok := got[id]; ok {
					t.Errorf("%s: found for an entry that ended before the roster year: %s", id, f.Detail)
				}
			}
			n := len(ofKind(slices.Collect(maps.Values(got)), coverage.KindRosterNotEnrolled)) +
				len(ofKind(slices.Collect(maps.Values(got)), coverage.KindRosterOtherPayer))
			if n != len(c.want) {
				t.Errorf("%d roster findings, want %d", n, len(c.want))
			}
		})
	}
	// The person on two rosters, one of them history: the finding names the
	// current entry only.
	res := runConfig(t, &h, reconcile.Config{AsOf: wibTime(2025, time.January, 1, 0, 30)})
	f := byID(res.Findings)[otherPayer(nikOtherNew)]
	if f.Category != coverage.CategoryNelayan || !strings.Contains(f.Detail, "on the NELAYAN roster since 2024-02") {
		t.Errorf("other payer of the person on two rosters: category %s, detail %q", f.Category, f.Detail)
	}
}

// TestRejectedRosterRows: one ROSTER_ROW_REJECTED per rejected row, subject
// its Ref, filed under its kelurahan when it is an area of the city (else the
// city), with its category when the code is well formed, the reason as the
// detail with the values it quotes (a name, a NIK) withheld, MEDIUM, Rp0.
func TestRejectedRosterRows(t *testing.T) {
	rows := []reconcile.RejectedRosterRow{
		{Ref: "q-1", Agency: "Disnaker", Category: "RT_RW", KelurahanCode: "3672011001", FundedFrom: "2024-01",
			Reason: "nik: NIK must be 16 digits"},
		{Ref: "q-2", Agency: "Disnaker", Category: "rt rw!", KelurahanCode: "3604011001",
			Reason: "category \"rt rw!\" is not a code of upper-case letters, digits and underscores; kelurahan not in the city"},
		{Ref: "q-3", Category: "KADER", KelurahanCode: "367201", Reason: "funded_from is missing"},
		{Ref: "q-4", Reason: ""},
		// Shifted columns: a name in the category, a NIK in the kelurahan.
		{Ref: "q-5", Reason: `category "Siti Aminah" is not a code; kelurahan_code "3672015508900001" is not 10 digits; nik 3672015508900001 does not parse`},
	}
	var h handCity
	h.ds.AsOf = time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC)
	res := runConfig(t, &h, reconcile.Config{RejectedRoster: rows})
	got := byID(res.Findings)
	want := []struct {
		ref, area string
		cat       coverage.Category
		detail    string
	}{
		{"q-1", "3672011001", coverage.CategoryRTRW, "nik: NIK must be 16 digits"},
		{"q-2", "3672", "", `category "…" is not a code of upper-case letters, digits and underscores; kelurahan not in the city`},
		{"q-3", "367201", coverage.CategoryKader, "funded_from is missing"},
		{"q-4", "3672", "", "roster row rejected by the sync (no reason given)"},
		{"q-5", "3672", "", `category "…" is not a code; kelurahan_code "…" is not 10 digits; nik … does not parse`},
	}
	if len(res.Findings) != len(want) {
		t.Errorf("%d findings, want %d: %s", len(res.Findings), len(want), describe(res.Findings))
	}
	for _, w := range want {
		f, ok := got[reconcile.FindingID(coverage.KindRosterRowRejected, w.ref)]
		if !ok {
			t.Errorf("%s: no finding", w.ref)
			continue
		}
		if f.Kind != coverage.KindRosterRowRejected || f.Severity != coverage.SeverityMedium || f.Amount != 0 || f.NIK != "" ||
			f.AreaCode != w.area || f.Category != w.cat || f.Detail != w.detail || f.Periods != nil {
			t.Errorf("%s: got %+v, want area %s category %q detail %q", w.ref, f, w.area, w.cat, w.detail)
		}
	}
}

// TestKPJNotOfTheNIK: contributions and claims under a KPJ that is not a
// membership of their NIK are counted (Stats), reported once per NIK and KPJ
// with their rupiah, and counted in the city's figures under an unknown
// kelurahan: city totals and the APBD programme include them, an area's
// totals do not.
func TestKPJNotOfTheNIK(t *testing.T) {
	const cibeber = "3672011001"
	const (
		nikP, kpjP, kpjX = "3672010101800201", "20000000201", "20000000299" // city-paid, on a roster; the city also paid under kpjX
		nikQ, kpjY, kpjZ = "3672010101800202", "20000000298", "20000000297" // no membership at all
	)
	var h handCity
	h.ds.AsOf = time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC) // today 2024-08-21: August is overdue
	h.roster(nikP, coverage.CategoryKader, cibeber, "2024-01", "")
	h.member(kpjP, nikP, cibeber, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-01", "2024-08") {
		h.bill(kpjP, nikP, m, coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	}
	// Under kpjX: June and July paid by the city, August billed and unpaid,
	// a JKK claim paid in July.
	h.bill(kpjX, nikP, "2024-06", coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	h.bill(kpjX, nikP, "2024-07", coverage.PayerAPBD, bpu, jkkJkm1M, jkkJkm1M)
	h.bill(kpjX, nikP, "2024-08", coverage.PayerAPBD, bpu, jkkJkm1M, 0)
	h.claim("KLM-X1", kpjX, nikP, "2024-07-03", coverage.ClaimPaid, 1_000_000, 1_000_000)
	// Q: August paid by itself under kpjY, with a claim still pending; a paid
	// claim under kpjZ, of which there is no contribution at all.
	h.bill(kpjY, nikQ, "2024-08", coverage.PayerSelf, bpu, jkkJkm2M, jkkJkm2M)
	h.claim("KLM-Y1", kpjY, nikQ, "2024-08-01", coverage.ClaimSubmitted, 500_000, 0)
	h.claim("KLM-Z1", kpjZ, nikQ, "2024-05-10", coverage.ClaimPaid, 2_000_000, 2_000_000)

	res := runConfig(t, &h, reconcile.Config{})
	if res.Stats.OrphanContributions != 4 || res.Stats.OrphanClaims != 3 {
		t.Errorf("orphans: %d contributions, %d claims; want 4 and 3", res.Stats.OrphanContributions, res.Stats.OrphanClaims)
	}
	got := ofKind(res.Findings, coverage.KindKPJNIKMismatch)
	if len(got) != 3 || len(res.Findings) != 3 {
		t.Fatalf("%d KPJ_NIK_MISMATCH of %d findings, want 3 and nothing else: %s", len(got), len(res.Findings), describe(res.Findings))
	}
	all := byID(got)
	for _, w := range []struct {
		nik, kpj, area string
		cat            coverage.Category
		sev            coverage.Severity
		periods        []coverage.Period
		amount         int64
	}{
		// 16,800 + 16,800 paid by the city + the claim's 1,000,000.
		{nikP, kpjX, cibeber, coverage.CategoryKader, coverage.SeverityHigh, months("2024-06", "2024-08"), 1_033_600},
		// 26,800 paid by Q; the pending claim paid nothing yet.
		{nikQ, kpjY, "3672", "", coverage.SeverityMedium, []coverage.Period{"2024-08"}, 26_800},
		// The paid claim alone.
		{nikQ, kpjZ, "3672", "", coverage.SeverityMedium, []coverage.Period{"2024-05"}, 2_000_000},
	} {
		f, ok := all[reconcile.FindingID(coverage.KindKPJNIKMismatch, w.nik+"|"+w.kpj)]
		if !ok {
			t.Errorf("%s: no finding", w.kpj)
			continue
		}
		if f.NIK != w.nik || f.KPJ != w.kpj || f.AreaCode != w.area || f.Category != w.cat || f.Severity != w.sev ||
			!slices.Equal(f.Periods, w.periods) || f.Amount != w.amount || strings.Contains(f.Detail, w.nik) || strings.Contains(f.Detail, w.kpj) {
			t.Errorf("%s: got %+v", w.kpj, f)
		}
	}

	// Figures. P's own membership: 8 x 16,800 = 134,400 paid.
	r := &res.Rollup
	city, err := r.Query(reconcile.Filter{}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	// Billed: P's 8 + kpjX's 3 + kpjY's 1. Paid: 134,400 + 33,600 + 26,800.
	// Due: 134,400 + 50,400 + 26,800. Arrears: kpjX's August 16,800.
	// Claims: paid 1,000,000 + 2,000,000; claimed 1,000,000 + 500,000 + 2,000,000.
	tot := city.Totals
	if tot.Billed != 12 || tot.PaidAmount != 194_800 || tot.DueAmount != 211_600 || tot.Arrears != 16_800 || tot.UnpaidOverdue != 1 {
		t.Errorf("city contributions: billed %d paid %d due %d arrears %d (%d); want 12 194800 211600 16800 (1)",
			tot.Billed, tot.PaidAmount, tot.DueAmount, tot.Arrears, tot.UnpaidOverdue)
	}
	if c := tot.ClaimsTotal(); c.PaidAmount != 3_000_000 || c.PaidCount != 2 || c.SubmittedAmount != 3_500_000 || c.SubmittedCount != 3 {
		t.Errorf("city claims: %+v", c)
	}
	// An area (the city's own code, a kecamatan, P's kelurahan) counts P's own
	// membership only: the orphans' kelurahan is unknown.
	for _, area := range []string{"3672", "367201", cibeber} {
		a, err := r.Query(reconcile.Filter{AreaCode: area}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if a.Totals.Billed != 8 || a.Totals.PaidAmount != 134_400 || a.Totals.ClaimsTotal().PaidAmount != 0 || a.Totals.Active != 1 {
			t.Errorf("area %s: billed %d paid %d claims %d active %d; want 8 134400 0 1", area, a.Totals.Billed, a.Totals.PaidAmount,
				a.Totals.ClaimsTotal().PaidAmount, a.Totals.Active)
		}
	}
	// The unknown kelurahan is a row of its own when grouping by kelurahan.
	byKel, err := r.Query(reconcile.Filter{}, []reconcile.Dimension{reconcile.DimKelurahan}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(byKel.Rows) != 2 || byKel.Rows[0].Kelurahan != "" || byKel.Rows[0].Measures.PaidAmount != 60_400 {
		t.Errorf("rows by kelurahan: %+v", byKel.Rows)
	}
	// The APBD programme: the city's money under kpjX, and the claim paid
	// under it, in the line of city money on no roster.
	prog, err := r.APBDProgram(2024)
	if err != nil {
		t.Fatal(err)
	}
	if p := prog.Total; p.ContributionsPaid != 168_000 || p.ContributionsDue != 184_800 || p.ClaimsPaid != 1_000_000 || p.ClaimsPaidCount != 1 {
		t.Errorf("programme: paid %d due %d claims %d (%d); want 168000 184800 1000000 (1)", p.ContributionsPaid, p.ContributionsDue, p.ClaimsPaid, p.ClaimsPaidCount)
	}
	for _, l := range prog.Categories {
		want := map[coverage.Category]int64{coverage.CategoryKader: 134_400, "": 33_600}[l.Category]
		if l.ContributionsPaid != want {
			t.Errorf("programme line %q: paid %d, want %d", l.Category, l.ContributionsPaid, want)
		}
	}
	for area, want := range map[string]int64{"": 168_000, "3672": 134_400, cibeber: 134_400} {
		if n, _ := reconcile.Counted(r, coverage.MetricAPBDContributionsPaid, 2024, area, ""); n != want {
			t.Errorf("APBD contributions paid, area %q: %d, want %d", area, n, want)
		}
	}
	if n, _ := reconcile.Counted(r, coverage.MetricAPBDClaimsPaid, 2024, "", ""); n != 1_000_000 {
		t.Errorf("APBD claims paid: %d, want 1000000", n)
	}
}

// TestUniversalCoverageCountsPeople: a person with two active memberships is
// covered once; Active keeps counting memberships.
func TestUniversalCoverageCountsPeople(t *testing.T) {
	const cibeber, bagendung = "3672011001", "3672021001" // kecamatan 367201 and 367202
	var h handCity
	h.ds.AsOf = time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC)
	// R: city-paid in Cibeber since 2023, and paying itself in Bagendung since
	// March 2024: counted once, in the city-paid membership's cell.
	h.member("20000000301", "3672010101800301", cibeber, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2023-01-01", bpu)
	h.member("20000000302", "3672010101800301", bagendung, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-03-01", bpu)
	// S: two memberships in Cibeber since June 2023.
	h.member("20000000303", "3672010101800302", cibeber, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2023-06-01", bpu)
	h.member("20000000304", "3672010101800302", cibeber, coverage.SegmentPU, coverage.PayerEmployer, 4_000_000, "2023-06-01", bpu3)
	// T: city-paid in Cibeber from 2024, lapsed from July (May to July
	// unpaid), and paying itself in Bagendung: counted in Bagendung in August.
	h.member("20000000305", "3672010101800303", cibeber, coverage.SegmentBPU, coverage.PayerAPBD, 1_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-01", "2024-08") {
		paid := int64(jkkJkm1M)
		if m >= "2024-05" {
			paid = 0
		}
		h.bill("20000000305", "3672010101800303", m, coverage.PayerAPBD, bpu, jkkJkm1M, paid)
	}
	h.member("20000000306", "3672010101800303", bagendung, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	// U: covered in 2023 only.
	u := h.member("20000000307", "3672010101800304", cibeber, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2023-02-01", bpu)
	u.Status, u.CoverageEnd = coverage.StatusTerminated, "2023-12-31"

	res := runConfig(t, &h, reconcile.Config{})
	r := &res.Rollup
	wf := func(year int, area string) (reconcile.Denominator, bool) {
		return reconcile.Denominator{Workforce: 100}, true
	}
	for _, c := range []struct {
		area                 string
		people2024, people23 int64
		active2024           int64
	}{
		// 2024-08: R, S, T (T's city membership lapsed, its own active); 5 memberships.
		// 2023-12: R, S, U; R's one, S's two and U's memberships.
		{"3672", 3, 3, 5},
		{"367201", 2, 3, 3}, // R and S in Cibeber; R2, T2 are in Bagendung
		{"367202", 1, 0, 2}, // T
		{cibeber, 2, 3, 3},
	} {
		u, err := r.UniversalCoverage(2024, c.area, wf)
		if err != nil {
			t.Fatal(err)
		}
		if u.Current.Participants != c.people2024 || u.Previous == nil || u.Previous.Participants != c.people23 {
			t.Errorf("%s: people %d (2024), %+v (2023); want %d and %d", c.area, u.Current.Participants, u.Previous, c.people2024, c.people23)
		}
		if want := float64(c.people2024) / 100; u.Current.Rate == nil || *u.Current.Rate != want {
			t.Errorf("%s: rate %v, want %v", c.area, u.Current.Rate, want)
		}
		ans, err := r.Query(reconcile.Filter{AreaCode: c.area, From: "2024-08", To: "2024-08"}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if ans.Totals.Active != c.active2024 || ans.Totals.People != c.people2024 {
			t.Errorf("%s 2024-08: active %d people %d; want %d and %d", c.area, ans.Totals.Active, ans.Totals.People, c.active2024, c.people2024)
		}
	}
	// Month by month, city-wide: T is covered by its own membership in
	// June too (its city membership still active), once.
	ans, err := r.Query(reconcile.Filter{From: "2024-05", To: "2024-08"}, nil, reconcile.GranularityMonth)
	if err != nil {
		t.Fatal(err)
	}
	var people, active []int64
	for _, row := range ans.Rows {
		people, active = append(people, row.Measures.People), append(active, row.Measures.Active)
	}
	// May, June: R1, R2, S1, S2, T1, T2 active; July, August: T1 lapsed.
	if !slices.Equal(people, []int64{3, 3, 3, 3}) || !slices.Equal(active, []int64{6, 6, 5, 5}) {
		t.Errorf("May to August: people %v, active %v", people, active)
	}
}

// TestUniversalCoverageOfAnOldRollup: cells stored before People existed
// have none; their universal coverage counts the active memberships, as it
// did when they were built.
func TestUniversalCoverageOfAnOldRollup(t *testing.T) {
	const cibeber = "3672011001"
	var h handCity
	h.ds.AsOf = time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC)
	h.member("20000000401", "3672010101800401", cibeber, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2023-01-01", bpu)
	h.member("20000000402", "3672010101800401", cibeber, coverage.SegmentBPU, coverage.PayerEmployer, 1_000_000, "2023-01-01", bpu)
	res := runConfig(t, &h, reconcile.Config{})
	r := &res.Rollup
	u, err := r.UniversalCoverage(2024, "3672", nil)
	if err != nil || u.Current.Participants != 1 {
		t.Fatalf("people: %+v %v, want 1", u.Current, err)
	}
	for i := range r.Cells {
		r.Cells[i].People = 0
	}
	if u, err := r.UniversalCoverage(2024, "3672", nil); err != nil || u.Current.Participants != 2 {
		t.Errorf("old rollup: %+v %v, want 2 memberships", u.Current, err)
	}
}

// fundedCity is a roster built by hand for the funded-workers figures, as of
// 2024-08-21.
func fundedCity() *handCity {
	const cibeber, bagendung = "3672011001", "3672021001"
	var h handCity
	h.ds.AsOf = time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC)
	// A: RT_RW January to March 2024, city-paid at Rp2,000,000 (JKK+JKM 26,800).
	h.roster("3672010101800501", coverage.CategoryRTRW, cibeber, "2024-01", "2024-03")
	h.member("20000000501", "3672010101800501", cibeber, coverage.SegmentBPU, coverage.PayerAPBD, 2_000_000, "2024-01-01", bpu)
	for _, m := range months("2024-01", "2024-08") {
		h.bill("20000000501", "3672010101800501", m, coverage.PayerAPBD, bpu, jkkJkm2M, jkkJkm2M)
	}
	// B: RT_RW from February 2024, not enrolled (priced JKK+JKM on 1,000,000).
	h.roster("3672010101800502", coverage.CategoryRTRW, cibeber, "2024-02", "")
	// C: KADER March to June 2024, living in Bagendung.
	h.roster("3672010101800503", coverage.CategoryKader, bagendung, "2024-03", "2024-06")
	// D: KADER May 2023 to February 2024.
	h.roster("3672010101800504", coverage.CategoryKader, cibeber, "2023-05", "2024-02")
	// E: LINMAS from April 2024 until June 2025: next year costs 6 months.
	h.roster("3672010101800505", coverage.CategoryLinmas, cibeber, "2024-04", "2025-06")
	// F: KADER from October 2024 (after the as-of month) to March 2025.
	h.roster("3672010101800506", coverage.CategoryKader, cibeber, "2024-10", "2025-03")
	// G: NELAYAN from 2026: nothing next year.
	h.roster("3672010101800507", coverage.CategoryNelayan, cibeber, "2026-01", "")
	return &h
}

// TestFundedAtAMonth: the funded workers of any month by category, from the
// rollup, and the same through Query (the GraphQL coverage field).
func TestFundedAtAMonth(t *testing.T) {
	res := runConfig(t, fundedCity(), reconcile.Config{})
	r := &res.Rollup
	type line = reconcile.FundedLine
	for _, c := range []struct {
		month coverage.Period
		area  string
		want  []line
		total line
	}{
		// March: A (enrolled, 26,800) and B (16,800) on RT_RW; C on KADER.
		{"2024-03", "", []line{{coverage.CategoryKader, 1, 0, 16_800}, {coverage.CategoryRTRW, 2, 1, 43_600}},
			line{"", 3, 1, 60_400}},
		// February: A, B; D's last month.
		{"2024-02", "", []line{{coverage.CategoryKader, 1, 0, 16_800}, {coverage.CategoryRTRW, 2, 1, 43_600}},
			line{"", 3, 1, 60_400}},
		// March in kecamatan Cibeber: C lives in Bagendung.
		{"2024-03", "367201", []line{{coverage.CategoryRTRW, 2, 1, 43_600}}, line{"", 2, 1, 43_600}},
		// 2023-12: D alone.
		{"2023-12", "3672", []line{{coverage.CategoryKader, 1, 0, 16_800}}, line{"", 1, 0, 16_800}},
		// August (as-of month): B and E; F starts in October, not funded yet.
		{"2024-08", "", []line{{coverage.CategoryLinmas, 1, 0, 16_800}, {coverage.CategoryRTRW, 1, 0, 16_800}},
			line{"", 2, 0, 33_600}},
	} {
		got, total, err := r.FundedAt(c.month, c.area)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) || total != c.total {
			t.Errorf("%s %q: %+v total %+v; want %+v total %+v", c.month, c.area, got, total, c.want, c.total)
		}
		cityFunded := true
		ans, err := r.Query(reconcile.Filter{From: c.month, To: c.month, AreaCode: c.area, CityFunded: &cityFunded},
			[]reconcile.Dimension{reconcile.DimCategory}, "")
		if err != nil {
			t.Fatal(err)
		}
		var q []line
		for _, row := range ans.Rows {
			if row.Measures.Funded > 0 {
				q = append(q, line{row.Category, row.Measures.Funded, row.Measures.FundedEnrolled, row.Measures.FundedMonthlyDue})
			}
		}
		if !slices.Equal(q, c.want) {
			t.Errorf("%s %q through Query: %+v, want %+v", c.month, c.area, q, c.want)
		}
	}
	for _, m := range []coverage.Period{"2021-12", "2024-09"} {
		if _, _, err := r.FundedAt(m, ""); coverage.ErrorCode(err) != coverage.ENOTFOUND {
			t.Errorf("%s: %v, want ENOTFOUND", m, err)
		}
	}
	if _, _, err := r.FundedAt("2024-13", ""); coverage.ErrorCode(err) != coverage.EINVALID {
		t.Errorf("2024-13: %v, want EINVALID", err)
	}
}

// TestNextYearCost: next year's cost is each entry's funded months of the
// next calendar year at the last month's tariff, not 12 x the monthly cost.
func TestNextYearCost(t *testing.T) {
	res := runConfig(t, fundedCity(), reconcile.Config{})
	r := &res.Rollup
	prog, err := r.APBDProgram(2024)
	if err != nil {
		t.Fatal(err)
	}
	// 2025: B open-ended, 12 x 16,800 = 201,600; E until June, 6 x 16,800 =
	// 100,800; F (starting October 2024) January to March, 3 x 16,800 =
	// 50,400; G starts in 2026: 0. A, C and D ended in 2024.
	want := map[coverage.Category][2]int64{ // monthly cost (August), next year
		coverage.CategoryRTRW:   {16_800, 201_600},
		coverage.CategoryLinmas: {16_800, 100_800},
		coverage.CategoryKader:  {0, 50_400},
	}
	seen := 0
	for _, l := range prog.Categories {
		w, ok := want[l.Category]
		if !ok {
			if l.MonthlyCost != 0 || l.NextYearCost != 0 {
				t.Errorf("%q: monthly %d, next year %d; want 0", l.Category, l.MonthlyCost, l.NextYearCost)
			}
			continue
		}
		seen++
		if l.MonthlyCost != w[0] || l.NextYearCost != w[1] {
			t.Errorf("%s: monthly %d, next year %d; want %d and %d", l.Category, l.MonthlyCost, l.NextYearCost, w[0], w[1])
		}
	}
	if seen != len(want) {
		t.Errorf("lines %+v", prog.Categories)
	}
	if prog.Total.MonthlyCost != 33_600 || prog.Total.NextYearCost != 352_800 {
		t.Errorf("total: monthly %d, next year %d; want 33600 and 352800", prog.Total.MonthlyCost, prog.Total.NextYearCost)
	}
	// 2023's next year is 2024, seen at December 2023: D, January and
	// February 2024, 2 x 16,800 (A, B, C and E were not funded yet then).
	prog, err = r.APBDProgram(2023)
	if err != nil {
		t.Fatal(err)
	}
	if prog.Total.MonthlyCost != 16_800 || prog.Total.NextYearCost != 33_600 {
		t.Errorf("2023 total: monthly %d, next year %d; want 16800 and 33600", prog.Total.MonthlyCost, prog.Total.NextYearCost)
	}
	// Next year's cost is a stock of the month, like the monthly cost.
	ans, err := r.Query(reconcile.Filter{}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if ans.Totals.FundedNextYearDue != 352_800 || ans.Totals.FundedMonthlyDue != 33_600 {
		t.Errorf("query totals: next year %d, monthly %d", ans.Totals.FundedNextYearDue, ans.Totals.FundedMonthlyDue)
	}
}
