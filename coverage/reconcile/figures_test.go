package reconcile_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/feedsim"
)

// today is the Asia/Jakarta (UTC+7) date of the as-of time, the engine's today.
func today(ds *feedsim.Dataset) coverage.Date {
	return coverage.DateOf(ds.AsOf.In(time.FixedZone("WIB", 7*60*60)))
}

// activeOn counts memberships in the city covered on d, computed from the
// records and the simulator's own knowledge of lapses (the third unpaid month of
// each INACTIVE member), independently of the engine.
func activeOn(ds *feedsim.Dataset, d coverage.Date, area string) int64 {
	lapse := map[string]coverage.Period{}
	for _, p := range ds.Planted {
		if p.Kind == feedsim.PlantInactive3Months {
			lapse[p.KPJ] = p.Period
		}
	}
	// A member is not covered from the day of death a paid JKM death
	// claim shows.
	died := map[string]coverage.Date{}
	for _, c := range ds.Claims {
		if c.Program == coverage.ProgramJKM && c.Benefit == coverage.BenefitDeath && c.Status == coverage.ClaimPaid {
			if o, ok := died[c.NIK]; !ok || c.IncidentDate < o {
				died[c.NIK] = c.IncidentDate
			}
		}
	}
	var n int64
	for _, p := range ds.Participants {
		if !strings.HasPrefix(p.KelurahanCode, area) || p.CoverageStart > d || (p.CoverageEnd != "" && d > p.CoverageEnd) {
			continue
		}
		if dd, ok := died[p.NIK]; ok && d >= dd {
			continue
		}
		if p.Status == coverage.StatusTerminated && p.CoverageEnd == "" {
			continue
		}
		if l, ok := lapse[p.KPJ]; ok && d.Period() >= l {
			continue
		}
		n++
	}
	return n
}

// peopleOn counts the people (distinct NIKs) with a membership counted by
// activeOn in the area on d.
func peopleOn(ds *feedsim.Dataset, d coverage.Date, area string) int64 {
	one := &feedsim.Dataset{Planted: ds.Planted, Claims: ds.Claims}
	seen := map[string]bool{}
	for _, p := range ds.Participants {
		if one.Participants = append(one.Participants[:0], p); !seen[p.NIK] && activeOn(one, d, area) == 1 {
			seen[p.NIK] = true
		}
	}
	return int64(len(seen))
}

func workforce(ds *feedsim.Dataset) reconcile.Workforce {
	return func(year int, area string) (reconcile.Denominator, bool) {
		for _, w := range ds.Workforce {
			if w.Year == year && w.AreaCode == area {
				return reconcile.Denominator{Workforce: w.Workforce, Basis: w.Basis, Source: w.Source}, true
			}
		}
		return reconcile.Denominator{}, false
	}
}

// TestFiguresMatchTheRecords checks the rollup's answers against sums over the
// simulator's records.
func TestFiguresMatchTheRecords(t *testing.T) {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 5, Scale: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, ds)
	r := &res.Rollup
	td := today(ds)

	// Universal coverage, this year and the year before, city and a kecamatan.
	for _, area := range []string{"3672", "367204"} {
		u, err := r.UniversalCoverage(2024, area, workforce(ds))
		if err != nil {
			t.Fatal(err)
		}
		if want := peopleOn(ds, td, area); u.Current.Participants != want {
			t.Errorf("%s 2024 participants: got %d, want %d", area, u.Current.Participants, want)
		}
		if want := peopleOn(ds, "2023-12-31", area); u.Previous == nil || u.Previous.Participants != want {
			t.Errorf("%s 2023 participants: got %+v, want %d", area, u.Previous, want)
		}
		if u.Current.Denominator == nil || u.Current.Rate == nil || u.ChangePoints == nil {
			t.Fatalf("%s: no rate: %+v", area, u)
		}
		want := (float64(u.Current.Participants)/float64(u.Current.Denominator.Workforce) -
			float64(u.Previous.Participants)/float64(u.Previous.Denominator.Workforce)) * 100
		if math.Abs(*u.ChangePoints-want) > 1e-9 {
			t.Errorf("%s change: got %.3f points, want %.3f", area, *u.ChangePoints, want)
		}
	}

	// The city-funded programme of 2024.
	apbdKPJ := map[string]bool{}
	for _, p := range ds.Participants {
		if p.PayerType == coverage.PayerAPBD {
			apbdKPJ[p.KPJ] = true
		}
	}
	var due, paid, claimsPaid, claimsCount int64
	for _, c := range ds.Contributions {
		if c.PayerType == coverage.PayerAPBD && c.Period.Year() == 2024 {
			due += c.AmountDue
			paid += c.AmountPaid
		}
	}
	for _, c := range ds.Claims {
		if apbdKPJ[c.KPJ] && c.Status == coverage.ClaimPaid && c.PaidAt.Period().Year() == 2024 {
			claimsPaid += c.AmountPaid
			claimsCount++
		}
	}
	funded := map[coverage.Category]int64{}
	fundedAug := map[coverage.Category]int64{}
	nextYearMonths := map[coverage.Category]int64{} // months of 2025 funded by the entries funded in August 2024 or later
	for _, e := range ds.Roster {
		for m := coverage.Period("2024-01"); m <= td.Period(); m = m.AddMonths(1) {
			if e.FundedIn(m) {
				funded[e.Category]++
				break
			}
		}
		if e.FundedIn(td.Period()) {
			fundedAug[e.Category]++
		}
		if e.FundedIn(td.Period()) || e.FundedFrom > td.Period() {
			for _, m := range months("2025-01", "2025-12") {
				if e.FundedIn(m) {
					nextYearMonths[e.Category]++
				}
			}
		}
	}
	prog, err := r.APBDProgram(2024)
	if err != nil {
		t.Fatal(err)
	}
	tot := prog.Total
	if tot.ContributionsDue != due || tot.ContributionsPaid != paid || tot.ClaimsPaid != claimsPaid || tot.ClaimsPaidCount != claimsCount {
		t.Errorf("programme 2024: due %d paid %d claims %d (%d); want %d %d %d (%d)", tot.ContributionsDue, tot.ContributionsPaid,
			tot.ClaimsPaid, tot.ClaimsPaidCount, due, paid, claimsPaid, claimsCount)
	}
	if tot.Net != paid-claimsPaid {
		t.Errorf("net: got %d, want %d", tot.Net, paid-claimsPaid)
	}
	var workers int64
	for _, l := range prog.Categories {
		workers += l.Workers
		if l.Category != "" && l.Workers != funded[l.Category] {
			t.Errorf("%s workers: got %d, want %d", l.Category, l.Workers, funded[l.Category])
		}
		if l.Category != "" && l.Months[len(l.Months)-1].Funded != fundedAug[l.Category] {
			t.Errorf("%s funded in %s: got %d, want %d", l.Category, td.Period(), l.Months[len(l.Months)-1].Funded, fundedAug[l.Category])
		}
		if l.Category != "" && l.NextYearCost != 16_800*nextYearMonths[l.Category] {
			t.Errorf("%s next year: got %d, want %d", l.Category, l.NextYearCost, 16_800*nextYearMonths[l.Category])
		}
	}
	if n, _ := reconcile.Counted(r, coverage.MetricCityFundedWorkers, 2024, "", ""); n != int64(len(ds.Roster)) || workers != n {
		t.Errorf("city-funded workers 2024: counted %d, lines %d, roster %d", n, workers, len(ds.Roster))
	}

	// Flows over the whole window equal the records.
	ans, err := r.Query(reconcile.Filter{}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	// Arrears by month (docs/domain.md, one bill a month): a month's due is the
	// highest of its bills, its payments add up, and it is in arrears when
	// overdue and not paid in full, within the membership's coverage (ended
	// by a paid death claim of the person). Records under another NIK's KPJ
	// have no membership: each counts on its own.
	member := map[string]coverage.Participant{}
	for _, p := range ds.Participants {
		member[p.KPJ] = p
	}
	died := map[string]coverage.Date{}
	for _, c := range ds.Claims {
		if m, ok := member[c.KPJ]; ok && m.NIK == c.NIK && c.Program == coverage.ProgramJKM && c.Benefit == coverage.BenefitDeath && c.Status == coverage.ClaimPaid {
			if d, ok := died[c.NIK]; !ok || c.IncidentDate < d {
				died[c.NIK] = c.IncidentDate
			}
		}
	}
	type monthSum struct{ due, paid int64 }
	byMonth := map[string]*monthSum{}
	var billed, dueAll, arrears int64
	for _, c := range ds.Contributions {
		if c.Period < r.From {
			continue
		}
		billed++
		dueAll += c.AmountDue
		if string(c.Period)+"-15" >= string(td) {
			continue
		}
		m, ok := member[c.KPJ]
		if !ok || m.NIK != c.NIK {
			arrears += c.AmountDue - c.AmountPaid
			continue
		}
		if c.Period < m.CoverageStart.Period() || (m.CoverageEnd != "" && c.Period > m.CoverageEnd.Period()) {
			continue
		}
		if d, ok := died[m.NIK]; ok && c.Period > d.Period() {
			continue
		}
		k := c.KPJ + " " + string(c.Period)
		if byMonth[k] == nil {
			byMonth[k] = &monthSum{}
		}
		byMonth[k].due = max(byMonth[k].due, c.AmountDue)
		byMonth[k].paid += c.AmountPaid
	}
	for _, ms := range byMonth {
		if ms.paid < ms.due {
			arrears += ms.due - ms.paid
		}
	}
	if ans.Totals.Billed != billed || ans.Totals.DueAmount != dueAll || ans.Totals.Arrears != arrears {
		t.Errorf("totals: billed %d due %d arrears %d; want %d %d %d", ans.Totals.Billed, ans.Totals.DueAmount, ans.Totals.Arrears, billed, dueAll, arrears)
	}
	var submitted [5]int64
	for _, c := range ds.Claims {
		if c.SubmittedAt.Period() >= r.From {
			for i, p := range coverage.Programs {
				if p == c.Program {
					submitted[i] += c.AmountClaimed
				}
			}
		}
	}
	for i, p := range coverage.Programs {
		if got := ans.Totals.ClaimsFor(p).SubmittedAmount; got != submitted[i] {
			t.Errorf("%s claimed: got %d, want %d", p, got, submitted[i])
		}
	}
	if ans.Totals.Active != activeOn(ds, td, "") {
		t.Errorf("active at the end: got %d, want %d", ans.Totals.Active, activeOn(ds, td, ""))
	}

	// Grouping keeps the totals: by quarter and kecamatan, flows add up to the
	// totals and each quarter's stock is its last month's.
	byQ, err := r.Query(reconcile.Filter{From: "2024-01"}, []reconcile.Dimension{reconcile.DimKecamatan, reconcile.DimCategory}, reconcile.GranularityQuarter)
	if err != nil {
		t.Fatal(err)
	}
	var sumPaid, q3Active int64
	for _, row := range byQ.Rows {
		sumPaid += row.Measures.PaidAmount
		if row.Bucket == "2024-Q3" {
			q3Active += row.Measures.Active
		}
	}
	if sumPaid != byQ.Totals.PaidAmount || q3Active != activeOn(ds, td, "") {
		t.Errorf("quarters: paid %d vs %d, Q3 active %d vs %d", sumPaid, byQ.Totals.PaidAmount, q3Active, activeOn(ds, td, ""))
	}
}

// TestDomainFigures loads the figures of docs/domain.md: the 2024 roster of 19,185
// city-funded workers (declared as 17,000), contributions paid by BPJS of
// Rp480,457,660 and claims paid of Rp790,000,000.
func TestDomainFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the whole city")
	}
	ds, err := feedsim.Generate(feedsim.Config{Seed: 1, Scale: 1})
	if err != nil {
		t.Fatal(err)
	}
	domainFigures(ds)
	declared := coverage.DeclaredTotal{Metric: coverage.MetricCityFundedWorkers, Year: 2024, Value: 17_000, Source: "Disnaker, August 2024"}
	res := run(t, ds, declared)
	r := &res.Rollup
	prog, err := r.APBDProgram(2024)
	if err != nil {
		t.Fatal(err)
	}
	tot := prog.Total
	if tot.Workers != 19_185 || tot.ContributionsPaid != 480_457_660 || tot.ClaimsPaid != 790_000_000 || tot.Net != -309_542_340 {
		t.Errorf("programme 2024: workers %d, contributions %d, claims %d, net %d", tot.Workers, tot.ContributionsPaid, tot.ClaimsPaid, tot.Net)
	}
	if tot.LossRatio == nil || fmt.Sprintf("%.1f%%", *tot.LossRatio*100) != "164.4%" {
		t.Errorf("loss ratio: got %v", tot.LossRatio)
	}
	cmp := r.CompareDeclared([]coverage.DeclaredTotal{declared})
	if cmp[0].Counted != 19_185 || cmp[0].Difference != 2_185 {
		t.Errorf("declared vs counted: %+v", cmp[0])
	}
	var mismatch []coverage.Finding
	for _, f := range res.Findings {
		if f.Kind == coverage.KindDeclaredTotalMismatch {
			mismatch = append(mismatch, f)
		}
	}
	if len(mismatch) != 1 || !strings.Contains(mismatch[0].Detail, "declared 17,000 city-funded workers in 2024, counted 19,185 (difference +2,185)") {
		t.Errorf("declared-total findings: %+v", mismatch)
	}
	u, err := r.UniversalCoverage(2024, "3672", workforce(ds))
	if err != nil || u.ChangePoints == nil {
		t.Fatalf("UCJ: %+v %v", u, err)
	}
	if math.Round(*u.Current.Rate*100) != 53 || math.Round(*u.ChangePoints) != 6 {
		t.Errorf("UCJ 2024: rate %.4f, change %.2f points; want 53%% and +6", *u.Current.Rate, *u.ChangePoints)
	}
	t.Logf("UCJ 2024 %.2f%% (%d / %d), 2023 %.2f%%, change %+.2f points", *u.Current.Rate*100, u.Current.Participants,
		u.Current.Denominator.Workforce, *u.Previous.Rate*100, *u.ChangePoints)
}

// domainFigures replaces the city-paid contributions and claims of a simulated
// city with ones that add up to the August 2024 report: 28,598 monthly payments
// of Rp16,800 and one of Rp11,260 (Rp480,457,660), and 18 deaths (Rp42,000,000
// each in JKM benefits) with two JKK care claims of Rp17,000,000
// (Rp790,000,000).
func domainFigures(ds *feedsim.Dataset) {
	var apbd []coverage.Participant
	isAPBD := map[string]bool{}
	for _, p := range ds.Participants {
		if p.PayerType == coverage.PayerAPBD && p.Status == coverage.StatusActive && p.CoverageStart < "2024-01-01" {
			apbd = append(apbd, p)
		}
		if p.PayerType == coverage.PayerAPBD {
			isAPBD[p.KPJ] = true
		}
	}
	var contributions []coverage.Contribution
	for _, c := range ds.Contributions {
		if !isAPBD[c.KPJ] {
			contributions = append(contributions, c)
		}
	}
	var claims []coverage.Claim
	for _, c := range ds.Claims {
		if !isAPBD[c.KPJ] {
			claims = append(claims, c)
		}
	}
	pay := func(p coverage.Participant, m coverage.Period, amount int64) {
		contributions = append(contributions, coverage.Contribution{ID: "D" + p.KPJ + string(m), KPJ: p.KPJ, NIK: p.NIK,
			Period: m, Programs: p.Programs, AmountDue: 16_800, AmountPaid: amount, PaidAt: coverage.Date(string(m) + "-10"),
			PayerType: coverage.PayerAPBD})
	}
	n := 0
	for _, p := range apbd {
		for m := coverage.Period("2024-01"); m <= "2024-07" && n < 28_598; m = m.AddMonths(1) {
			pay(p, m, 16_800)
			n++
		}
	}
	pay(apbd[len(apbd)-1], "2024-08", 11_260)
	claim := func(i int, prog coverage.Program, benefit coverage.Benefit, amount int64) {
		p := apbd[i]
		claims = append(claims, coverage.Claim{ClaimNo: fmt.Sprintf("K2024%06d", 900_000+len(claims)), KPJ: p.KPJ, NIK: p.NIK,
			Program: prog, Benefit: benefit, IncidentDate: "2024-03-02", SubmittedAt: "2024-03-20", Status: coverage.ClaimPaid,
			AmountClaimed: amount, AmountPaid: amount, PaidAt: "2024-04-15"})
	}
	for i := range 18 {
		claim(i, coverage.ProgramJKM, coverage.BenefitDeath, 20_000_000)
		claim(i, coverage.ProgramJKM, coverage.BenefitPeriodic, 12_000_000)
		claim(i, coverage.ProgramJKM, coverage.BenefitFuneral, 10_000_000)
	}
	claim(18, coverage.ProgramJKK, coverage.BenefitMedical, 17_000_000)
	claim(19, coverage.ProgramJKK, coverage.BenefitMedical, 17_000_000)
	ds.Contributions, ds.Claims = contributions, claims
}
