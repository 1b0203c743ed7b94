package feedsim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// plantSet returns "KPJ period" (or what key gives) of the plants of a kind.
func plantSet(ds *Dataset, kind string, key func(Plant) string) map[string]bool {
	out := map[string]bool{}
	for _, p := range ds.Planted {
		if p.Kind == kind {
			out[key(p)] = true
		}
	}
	return out
}

func kpjPeriod(p Plant) string { return p.KPJ + " " + string(p.Period) }

// sameSet reports the differences of two sets.
func sameSet(t *testing.T, what string, got, want map[string]bool) {
	t.Helper()
	n := 0
	for k := range got {
		if !want[k] && n < 10 {
			t.Errorf("%s: got %s, which is not one", what, k)
			n++
		}
	}
	for k := range want {
		if !got[k] && n < 10 {
			t.Errorf("%s: missing %s", what, k)
			n++
		}
	}
}

// today is the last day whose events are before as-of.
func today(ds *Dataset) coverage.Date { return coverage.DateOf(ds.AsOf.Add(-time.Second)) }

// overdue: a month's contribution is overdue from 00:00 WIB (17:00 UTC the day
// before) on its 16th.
func overdue(ds *Dataset, m coverage.Period) bool {
	sixteenth := time.Date(m.Year(), m.Month(), 16, 0, 0, 0, 0, time.FixedZone("WIB", 7*3600))
	return !ds.AsOf.Before(sixteenth)
}

// asOfMonth is the month of the as-of instant in WIB.
func asOfMonth(ds *Dataset) coverage.Period {
	return coverage.PeriodOf(ds.AsOf.In(time.FixedZone("WIB", 7*3600)))
}

// monthView is a membership's months as docs/reconciliation.md reads them, written here
// a second time, apart from readLedger: the highest amount due and the sum paid
// of each billed month from the first billed one to the as-of month, within
// the coverage dates.
type monthView struct {
	months []coverage.Period
	billed []bool
	due    []int64
	paid   []int64
}

func viewOf(ds *Dataset, p *coverage.Participant, cs []coverage.Contribution) monthView {
	var v monthView
	if len(cs) == 0 {
		return v
	}
	first := cs[0].Period
	for _, c := range cs {
		first = min(first, c.Period)
	}
	from, to := max(first, p.CoverageStart.Period()), asOfMonth(ds)
	if p.CoverageEnd != "" {
		to = min(to, p.CoverageEnd.Period())
	}
	for m := from; m <= to; m = m.AddMonths(1) {
		var due, paid int64
		billed := false
		for _, c := range cs {
			if c.Period == m {
				billed = true
				due = max(due, c.AmountDue)
				paid += c.AmountPaid
			}
		}
		v.months = append(v.months, m)
		v.billed = append(v.billed, billed)
		v.due = append(v.due, due)
		v.paid = append(v.paid, paid)
	}
	return v
}

// unpaid: overdue and not paid in full (not billed counts as unpaid).
func (v monthView) unpaid(ds *Dataset, i int) bool {
	return overdue(ds, v.months[i]) && (!v.billed[i] || v.paid[i] < v.due[i])
}

// lapses returns the lapsed months and the third month of a run of 3 or more
// unpaid months still open at the end ("" if none).
func (v monthView) lapses(ds *Dataset) (lapsed map[coverage.Period]bool, open coverage.Period) {
	lapsed = map[coverage.Period]bool{}
	run, in := 0, false
	for i, m := range v.months {
		switch {
		case v.billed[i] && v.paid[i] >= v.due[i]:
			run, in = 0, false
		case v.unpaid(ds, i):
			run++
			if run == 3 {
				in, open = true, m
			}
		}
		if in {
			lapsed[m] = true
		}
	}
	if run < 3 {
		open = ""
	}
	return lapsed, open
}

func TestContributions(t *testing.T) {
	for _, sc := range smalls {
		t.Run(sc.name, func(t *testing.T) { checkContributions(t, dataset(t, sc.seed, sc.scale)) })
	}
}

func checkContributions(t *testing.T, ds *Dataset) {
	byKPJ := map[string][]coverage.Contribution{}
	people := map[string]*coverage.Participant{}
	for i := range ds.Participants {
		people[ds.Participants[i].KPJ] = &ds.Participants[i]
	}
	mismatchPlants := plantSet(ds, PlantKPJNIKMismatch, func(p Plant) string { return p.NIK + " " + p.KPJ })
	afterDeath := plantSet(ds, PlantPaidAfterDeath, func(p Plant) string { return p.KPJ })
	gotMismatchNIK := map[string]bool{}
	for _, c := range ds.Contributions {
		p := people[c.KPJ]
		if p == nil {
			t.Errorf("contributions of %s, who is no participant", c.KPJ)
			continue
		}
		if c.NIK != p.NIK {
			gotMismatchNIK[c.NIK+" "+c.KPJ] = true
			continue
		}
		byKPJ[c.KPJ] = append(byKPJ[c.KPJ], c)
	}
	for k := range gotMismatchNIK {
		if !mismatchPlants[k] {
			t.Errorf("contribution of KPJ and NIK %s of no KPJ_NIK_MISMATCH plant", k)
		}
	}
	mismatch := plantSet(ds, PlantTariffMismatch, kpjPeriod)
	last := asOfMonth(ds)
	gotMismatch, gotUnpaid, gotOpen := map[string]bool{}, map[string]bool{}, map[string]bool{}
	selfMonths, selfUnpaid := 0, 0
	forcedTail := map[string]bool{} // planted lapses of ACTIVE members: not the ordinary unpaid rate
	for _, p := range ds.Planted {
		if p.Kind == PlantInactive3Months && people[p.KPJ].Status == coverage.StatusActive {
			forcedTail[p.KPJ] = true
		}
	}
	for _, p := range ds.Participants {
		cs := byKPJ[p.KPJ]
		if p.Segment != coverage.SegmentBPU {
			if len(cs) > 0 {
				t.Errorf("%s participant %s has %d contributions, want none", p.Segment, p.KPJ, len(cs))
			}
			continue
		}
		for _, c := range cs {
			if (c.PayerType != p.PayerType && c.PayerType != coverage.PayerSelf) || !slices.Equal(c.Programs, p.Programs) {
				t.Errorf("contribution %s: payer %s programs %v, participant has %s %v", c.ID, c.PayerType, c.Programs, p.PayerType, p.Programs)
			}
			if c.AmountDue != hand(p.Programs, p.DeclaredIncome) {
				gotMismatch[c.KPJ+" "+string(c.Period)] = true
			}
			if (c.AmountPaid == 0) != (c.PaidAt == "") || c.AmountPaid > c.AmountDue || c.AmountPaid < 0 ||
				(c.PaidAt != "" && (c.PaidAt.Period() != c.Period || c.PaidAt > today(ds) || c.PaidAt < p.CoverageStart)) {
				t.Errorf("contribution %s: paid %d of %d on %q", c.ID, c.AmountPaid, c.AmountDue, c.PaidAt)
			}
			if c.PayerType == coverage.PayerAPBD && c.AmountPaid > 0 && c.PaidAt[8:] != "10" && c.PaidAt.Period() != p.CoverageStart.Period() {
				t.Errorf("contribution %s paid by APBD on %s, want the 10th", c.ID, c.PaidAt)
			}
			first := max(p.CoverageStart.Period(), "2023-01") // the city's bills go back to its rosters' start
			if p.PayerType == coverage.PayerAPBD && c.PayerType == coverage.PayerAPBD {
				first = p.CoverageStart.Period()
			}
			if c.Period > last || c.Period < first ||
				(p.CoverageEnd != "" && c.Period > p.CoverageEnd.Period() && !afterDeath[p.KPJ]) {
				t.Errorf("contribution %s for %s, outside %s to %q", c.ID, c.Period, p.CoverageStart, p.CoverageEnd)
			}
		}
		v := viewOf(ds, &p, cs)
		for i, m := range v.months {
			if v.unpaid(ds, i) {
				gotUnpaid[p.KPJ+" "+string(m)] = true
			}
			if p.PayerType == coverage.PayerSelf && overdue(ds, m) && v.billed[i] && !forcedTail[p.KPJ] {
				selfMonths++
				if v.paid[i] < v.due[i] {
					selfUnpaid++
				}
			}
		}
		_, open := v.lapses(ds)
		if open != "" {
			gotOpen[p.KPJ+" "+string(open)] = true
		}
		if p.Status == coverage.StatusInactive && open == "" {
			t.Errorf("participant %s INACTIVE without a run of 3 unpaid months", p.KPJ)
		}
	}
	sameSet(t, "tariff mismatches", gotMismatch, mismatch)
	sameSet(t, "unpaid months", gotUnpaid, plantSet(ds, PlantUnpaidMonths, kpjPeriod))
	sameSet(t, "open lapses", gotOpen, plantSet(ds, PlantInactive3Months, kpjPeriod))
	if r := float64(selfUnpaid) / float64(selfMonths); r < 0.08 || r > 0.16 {
		t.Errorf("self-payers left %d of %d months unpaid (%.3f), want 10-15%%", selfUnpaid, selfMonths, r)
	}
	inactive := 0
	for _, p := range ds.Planted {
		if p.Kind == PlantInactive3Months && people[p.KPJ].Status != coverage.StatusInactive {
			inactive++
		}
	}
	if inactive == 0 {
		t.Errorf("no lapse the status does not show (INACTIVE_3_MONTHS of an ACTIVE member)")
	}
}

// hand is docs/domain.md's BPU tariff, written out a third time for the tests.
func hand(programs []coverage.Program, income int64) int64 {
	var sum int64
	for _, p := range programs {
		switch p {
		case "JKK":
			sum += max(income/100, 10_000)
		case "JKM":
			sum += 6_800
		case "JHT":
			sum += max(income/50, 20_000)
		default:
			sum += 1 << 40
		}
	}
	return sum
}

func TestClaims(t *testing.T) {
	for _, sc := range smalls {
		t.Run(sc.name, func(t *testing.T) { checkClaims(t, dataset(t, sc.seed, sc.scale)) })
	}
}

func checkClaims(t *testing.T, ds *Dataset) {
	people := map[string]*coverage.Participant{}
	for i := range ds.Participants {
		people[ds.Participants[i].KPJ] = &ds.Participants[i]
	}
	own := map[string][]coverage.Contribution{}
	for _, c := range ds.Contributions {
		if p := people[c.KPJ]; p != nil && p.NIK == c.NIK {
			own[c.KPJ] = append(own[c.KPJ], c)
		}
	}
	lapsed := map[string]map[coverage.Period]bool{}
	for kpj, cs := range own {
		lapsed[kpj], _ = viewOf(ds, people[kpj], cs).lapses(ds)
	}
	afterDeath := plantSet(ds, PlantPaidAfterDeath, func(p Plant) string { return p.KPJ })
	above := plantSet(ds, PlantClaimAboveBenefit, func(p Plant) string { return p.Ref })
	mismatch := map[string]bool{}
	for _, p := range ds.Planted {
		if p.Kind == PlantKPJNIKMismatch && p.Ref != "" { // a claim's
			mismatch[p.NIK+" "+p.KPJ] = true
		}
	}
	gotAbove, gotMismatch := map[string]bool{}, map[string]bool{}
	outside := map[string]bool{}
	for _, p := range ds.Planted {
		if p.Kind == PlantClaimOutsideCoverage {
			no, _, _ := strings.Cut(p.Detail, ":")
			outside[no] = true
		}
	}
	deaths := map[string]string{} // KPJ: benefits of death claims
	for _, c := range ds.Claims {
		if c.Benefit != coverage.BenefitMedical && c.Benefit != coverage.BenefitLumpSum {
			deaths[c.KPJ+" "+string(c.IncidentDate)] += string(c.Program) + "/" + string(c.Benefit) + " "
		}
	}
	numbering := regexp.MustCompile(`^K20\d{8}$`)
	claimants := map[string]bool{}
	gotOutside := map[string]bool{}
	for _, c := range ds.Claims {
		p := people[c.KPJ]
		if p == nil {
			t.Errorf("claim %s of %s, who is no participant", c.ClaimNo, c.KPJ)
			continue
		}
		claimants[c.KPJ] = true
		if c.NIK != p.NIK {
			gotMismatch[c.NIK+" "+c.KPJ] = true
		}
		if !numbering.MatchString(c.ClaimNo) || c.ClaimNo[1:5] != string(c.SubmittedAt[:4]) {
			t.Errorf("claim number %s submitted %s", c.ClaimNo, c.SubmittedAt)
		}
		if (c.Status == coverage.ClaimPaid) != (c.PaidAt != "") || (c.Status == coverage.ClaimPaid) != (c.AmountPaid == c.AmountClaimed && c.AmountPaid > 0) ||
			(c.Status != coverage.ClaimPaid && c.AmountPaid != 0) {
			t.Errorf("claim %s %s: paid %d of %d on %q", c.ClaimNo, c.Status, c.AmountPaid, c.AmountClaimed, c.PaidAt)
		}
		if c.IncidentDate > c.SubmittedAt || (c.PaidAt != "" && c.PaidAt < c.SubmittedAt) || max(c.SubmittedAt, c.PaidAt) > today(ds) {
			t.Errorf("claim %s: incident %s, submitted %s, paid %q, as-of %s", c.ClaimNo, c.IncidentDate, c.SubmittedAt, c.PaidAt, ds.AsOf)
		}
		want := map[string]int64{"JKM/DEATH": 20_000_000, "JKM/PERIODIC": 12_000_000, "JKM/FUNERAL": 10_000_000, "JKK/DEATH": 48 * p.DeclaredIncome}
		key := string(c.Program) + "/" + string(c.Benefit)
		switch {
		case want[key] != 0:
			if c.AmountClaimed > want[key] && c.Status == coverage.ClaimPaid {
				gotAbove[c.ClaimNo] = true
			} else if c.AmountClaimed != want[key] {
				t.Errorf("claim %s %s: got %d, want %d", c.ClaimNo, key, c.AmountClaimed, want[key])
			}
		case c.Benefit == coverage.BenefitMedical:
			if c.Program != coverage.ProgramJKK || c.AmountClaimed < 500_000 || c.AmountClaimed > 25_000_000 {
				t.Errorf("claim %s %s: got %d, want JKK care of Rp0.5M to Rp25M", c.ClaimNo, key, c.AmountClaimed)
			}
		case c.Benefit == coverage.BenefitScholarship:
			if !slices.Contains(scholarships, c.AmountClaimed) || !strings.Contains(deaths[c.KPJ+" "+string(c.IncidentDate)], "DEATH") {
				t.Errorf("claim %s scholarship of %d without a death", c.ClaimNo, c.AmountClaimed)
			}
		case key == "JHT/LUMP_SUM":
			if c.AmountClaimed <= 0 || !slices.Contains(p.Programs, coverage.ProgramJHT) || p.CoverageEnd == "" || c.IncidentDate != p.CoverageEnd {
				t.Errorf("claim %s JHT of %d for %s ending %q", c.ClaimNo, c.AmountClaimed, p.KPJ, p.CoverageEnd)
			}
		default:
			t.Errorf("claim %s: unexpected %s", c.ClaimNo, key)
		}
		if c.Program == coverage.ProgramJKM && c.Benefit == coverage.BenefitDeath {
			d := deaths[c.KPJ+" "+string(c.IncidentDate)]
			closed := p.Status == coverage.StatusTerminated && p.CoverageEnd == c.IncidentDate
			if afterDeath[p.KPJ] && p.Status == coverage.StatusActive && p.CoverageEnd == "" {
				closed = true // BPJS never closed the membership: PAID_AFTER_DEATH
			}
			if !strings.Contains(d, "JKM/PERIODIC") || !strings.Contains(d, "JKM/FUNERAL") || !closed {
				t.Errorf("claim %s JKM death: got %s, participant %s ending %q", c.ClaimNo, d, p.Status, p.CoverageEnd)
			}
		}
		in := c.IncidentDate >= p.CoverageStart && (p.CoverageEnd == "" || c.IncidentDate <= p.CoverageEnd)
		if in && lapsed[c.KPJ][c.IncidentDate.Period()] {
			in = false
		}
		if !in && c.NIK == p.NIK {
			gotOutside[c.ClaimNo] = true
		}
	}
	sameSet(t, "claims outside coverage", gotOutside, outside)
	sameSet(t, "claims above their benefit", gotAbove, above)
	sameSet(t, "claims under another NIK", gotMismatch, mismatch)
	years := ds.AsOf.Sub(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24 / 365
	if r := float64(len(claimants)) / float64(len(ds.Participants)) / years; len(ds.Participants) > 1000 && (r < 0.005 || r > 0.06) {
		t.Errorf("got %.4f of participants claiming a year, want a few percent", r)
	}
}

func TestPlants(t *testing.T) {
	for _, sc := range smalls {
		t.Run(sc.name, func(t *testing.T) { checkPlants(t, dataset(t, sc.seed, sc.scale)) })
	}
}

func checkPlants(t *testing.T, ds *Dataset) {
	kinds := map[string]int{}
	for _, p := range ds.Planted {
		kinds[p.Kind]++
		if (p.NIK == "" && p.Kind != PlantRosterRowRejected) || p.Detail == "" {
			t.Errorf("plant %+v lacks its NIK or detail", p)
		}
	}
	for _, k := range PlantKinds {
		if kinds[k] == 0 {
			t.Errorf("no %s plant", k)
		}
	}
	if len(kinds) != len(PlantKinds) {
		t.Errorf("plant kinds: got %v, want %v", kinds, PlantKinds)
	}
	byNIK := map[string][]*coverage.Participant{}
	byKPJ := map[string]*coverage.Participant{}
	for i := range ds.Participants {
		p := &ds.Participants[i]
		byNIK[p.NIK] = append(byNIK[p.NIK], p)
		byKPJ[p.KPJ] = p
	}
	roster := map[string][]coverage.RosterEntry{}
	for _, r := range ds.Roster {
		roster[r.NIK] = append(roster[r.NIK], r)
	}
	funded := func(nik string, m coverage.Period) bool {
		for _, r := range roster[nik] {
			if r.FundedIn(m) {
				return true
			}
		}
		return false
	}

	// The roster plants are the only roster discrepancies.
	notEnrolled, otherPayer, outside, badNIK := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, r := range ds.Roster {
		ps := byNIK[r.NIK]
		apbd := slices.ContainsFunc(ps, func(p *coverage.Participant) bool { return p.PayerType == coverage.PayerAPBD })
		switch {
		case len(ps) == 0:
			notEnrolled[r.NIK] = true
		case !apbd:
			otherPayer[r.NIK] = true
		}
		if !strings.HasPrefix(r.KelurahanCode, "3672") {
			outside[r.NIK] = true
		}
		if apbd {
			checkCityMember(t, ds, r, ps)
		}
	}
	for _, p := range ds.Participants {
		if _, err := coverage.ParseNIK(p.NIK); err != nil {
			badNIK[p.NIK] = true
		}
	}
	nik := func(p Plant) string { return p.NIK }
	sameSet(t, PlantRosterNotEnrolled, notEnrolled, plantSet(ds, PlantRosterNotEnrolled, nik))
	sameSet(t, PlantRosterOtherPayer, otherPayer, plantSet(ds, PlantRosterOtherPayer, nik))
	sameSet(t, PlantDomicileOutsideCity, outside, plantSet(ds, PlantDomicileOutsideCity, nik))
	sameSet(t, PlantInvalidNIK, badNIK, plantSet(ds, PlantInvalidNIK, nik))

	// APBD months no roster funds.
	unfunded := map[string]bool{}
	for _, c := range ds.Contributions {
		if c.PayerType == coverage.PayerAPBD && c.AmountPaid > 0 && !funded(c.NIK, c.Period) {
			unfunded[c.KPJ+" "+string(c.Period)] = true
		}
	}
	sameSet(t, PlantAPBDNotOnRoster, unfunded, plantSet(ds, PlantAPBDNotOnRoster, kpjPeriod))

	for _, p := range ds.Planted {
		switch p.Kind {
		case PlantDoubleFunded:
			double := 0
			for _, r := range roster[p.NIK] {
				if r.FundedIn(p.Period) {
					double++
				}
			}
			if q := byKPJ[p.KPJ]; q != nil && q.PayerType != coverage.PayerAPBD && q.NIK == p.NIK && q.CoverageStart.Period() <= p.Period {
				double++
			}
			apbd := 0 // two APBD memberships covering the month
			for _, q := range byNIK[p.NIK] {
				if q.PayerType == coverage.PayerAPBD && q.CoverageStart.Period() <= p.Period && (q.CoverageEnd == "" || p.Period <= q.CoverageEnd.Period()) {
					apbd++
				}
			}
			if apbd >= 2 {
				double = 2
			}
			if double < 2 {
				t.Errorf("DOUBLE_FUNDED %s in %s: funded %d times", p.NIK, p.Period, double)
			}
		case PlantInvalidNIK:
			if err := coverage.CheckNIKShape(p.NIK); err != nil {
				t.Errorf("INVALID_NIK %s is not of the NIK shape: %v", p.NIK, err)
			}
			if p.Category != "" && len(roster[p.NIK]) == 0 {
				t.Errorf("INVALID_NIK %s of a %s roster entry is on no roster", p.NIK, p.Category)
			}
		case PlantDomicileOutsideCity:
			for _, r := range roster[p.NIK] {
				if len(r.KelurahanCode) != 10 {
					t.Errorf("DOMICILE_OUTSIDE_CITY %s: code %s", p.NIK, r.KelurahanCode)
				}
			}
		}
	}
}

// checkCityMember checks the membership of a city-funded person.
func checkCityMember(t *testing.T, ds *Dataset, r coverage.RosterEntry, ps []*coverage.Participant) {
	t.Helper()
	i := slices.IndexFunc(ps, func(p *coverage.Participant) bool { return p.PayerType == coverage.PayerAPBD })
	p := ps[i]
	if p.Segment != coverage.SegmentBPU || !slices.Equal(p.Programs, []coverage.Program{"JKK", "JKM"}) || p.DeclaredIncome != 1_000_000 {
		t.Errorf("city-funded %s: got %s %v %d, want BPU JKK+JKM on Rp1,000,000", p.KPJ, p.Segment, p.Programs, p.DeclaredIncome)
	}
	first := r.FundedFrom
	for _, e := range ds.Roster {
		if e.NIK == r.NIK {
			first = min(first, e.FundedFrom)
		}
	}
	selfBefore := false // a self-payer before the city funded them
	for _, c := range ds.Contributions {
		if c.KPJ == p.KPJ && c.PayerType == coverage.PayerSelf && c.Period < first {
			selfBefore = true
		}
	}
	if p.CoverageStart != first.First() && !(selfBefore && p.CoverageStart < first.First()) {
		t.Errorf("city-funded %s: coverage from %s, funded from %s", p.KPJ, p.CoverageStart, first)
	}
	if r.FundedFrom > "2023-12" && r.FundedFrom != "2024-01" {
		t.Errorf("roster %s funded from %s, want 2023 or earlier", r.Key(), r.FundedFrom)
	}
	adhoc := r.Category == coverage.CategoryAdhocKPU || r.Category == coverage.CategoryAdhocBawaslu
	switch {
	case adhoc && (r.FundedFrom != "2024-01" || r.FundedUntil == "" || r.FundedUntil > "2024-06"):
		t.Errorf("roster %s: funded %s to %q, want 2024-01 to 2024-06", r.Key(), r.FundedFrom, r.FundedUntil)
	case r.FundedUntil != "" && p.Status == coverage.StatusTerminated && p.CoverageEnd.Period() == r.FundedUntil:
		// The term ended, or the person died and the agency ended the funding.
	case adhoc && p.Status == coverage.StatusActive && p.CoverageEnd == "":
		// APBD_NOT_ON_ROSTER: still enrolled and paid for (checked above).
	case r.FundedUntil == "" && p.Status == coverage.StatusActive:
	case r.FundedUntil == "" && p.Status == coverage.StatusTerminated &&
		slices.ContainsFunc(ds.Planted, func(x Plant) bool { return x.Kind == PlantPaidAfterDeath && x.KPJ == p.KPJ }):
		// Died; the agency never took the person off its roster.
	default:
		t.Errorf("roster %s funded %s to %q, participant %s %s to %q", r.Key(), r.FundedFrom, r.FundedUntil, p.KPJ, p.Status, p.CoverageEnd)
	}
}

func TestPlantsAtEveryScale(t *testing.T) {
	for _, scale := range []float64{MinScale, 0.002, 0.005, 0.01, 0.02} {
		t.Run(fmt.Sprint(scale), func(t *testing.T) {
			for seed := int64(1); seed <= 3; seed++ {
				ds := dataset(t, seed, scale)
				kinds := map[string]bool{}
				for _, p := range ds.Planted {
					kinds[p.Kind] = true
				}
				for _, k := range PlantKinds {
					if !kinds[k] {
						t.Errorf("seed %d: no %s plant", seed, k)
					}
				}
			}
		})
	}
}
