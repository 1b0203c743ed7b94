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

func overdue(ds *Dataset, m coverage.Period) bool { return string(m)+"-15" < string(today(ds)) }

func TestContributions(t *testing.T) {
	for _, sc := range smalls {
		t.Run(sc.name, func(t *testing.T) { checkContributions(t, dataset(t, sc.seed, sc.scale)) })
	}
}

func checkContributions(t *testing.T, ds *Dataset) {
	byKPJ := map[string][]coverage.Contribution{}
	for _, c := range ds.Contributions {
		byKPJ[c.KPJ] = append(byKPJ[c.KPJ], c)
	}
	lapse := map[string]coverage.Period{}
	for _, p := range ds.Planted {
		if p.Kind == PlantInactive3Months {
			lapse[p.KPJ] = p.Period
		}
	}
	mismatch := plantSet(ds, PlantTariffMismatch, kpjPeriod)
	last := today(ds).Period()
	gotMismatch, gotUnpaid := map[string]bool{}, map[string]bool{}
	selfMonths, selfUnpaid := 0, 0
	for _, p := range ds.Participants {
		cs := byKPJ[p.KPJ]
		delete(byKPJ, p.KPJ)
		if p.Segment != coverage.SegmentBPU {
			if len(cs) > 0 {
				t.Errorf("%s participant %s has %d contributions, want none", p.Segment, p.KPJ, len(cs))
			}
			continue
		}
		from := max(p.CoverageStart.Period(), "2023-01")
		to := last
		if p.CoverageEnd != "" {
			to = min(to, p.CoverageEnd.Period())
		}
		if p.Status == coverage.StatusInactive {
			to = lapse[p.KPJ]
		}
		var periods []coverage.Period
		run := 0
		for i, c := range cs {
			periods = append(periods, c.Period)
			if c.PayerType != p.PayerType || c.NIK != p.NIK || !slices.Equal(c.Programs, p.Programs) {
				t.Errorf("contribution %s: payer %s nik %s programs %v, participant has %s %s %v", c.ID, c.PayerType, c.NIK, c.Programs, p.PayerType, p.NIK, p.Programs)
			}
			due, err := coverage.BPUTariffs.Due(p.Programs, p.DeclaredIncome, c.Period)
			if err != nil {
				t.Fatal(err)
			}
			if c.AmountDue != due {
				gotMismatch[c.KPJ+" "+string(c.Period)] = true
			}
			switch {
			case c.AmountPaid == 0:
				if c.PaidAt != "" {
					t.Errorf("contribution %s unpaid with paid_at %s", c.ID, c.PaidAt)
				}
				if p.PayerType != coverage.PayerSelf && overdue(ds, c.Period) {
					t.Errorf("contribution %s of a %s payer unpaid after its due date", c.ID, p.PayerType)
				}
				if overdue(ds, c.Period) {
					gotUnpaid[c.KPJ+" "+string(c.Period)] = true
					run++
				}
			case c.AmountPaid != c.AmountDue || c.PaidAt.Period() != c.Period || c.PaidAt > today(ds) || c.PaidAt < p.CoverageStart:
				t.Errorf("contribution %s: paid %d of %d on %s", c.ID, c.AmountPaid, c.AmountDue, c.PaidAt)
			default:
				run = 0
				if p.PayerType == coverage.PayerAPBD && c.PaidAt[8:] != "10" {
					t.Errorf("contribution %s paid by APBD on %s, want the 10th", c.ID, c.PaidAt)
				}
			}
			if run >= 3 && !(p.Status == coverage.StatusInactive && i == len(cs)-1) {
				t.Errorf("participant %s: 3 consecutive unpaid months to %s but still %s", p.KPJ, c.Period, p.Status)
			}
			if p.PayerType == coverage.PayerSelf && overdue(ds, c.Period) {
				selfMonths++
				if c.AmountPaid == 0 {
					selfUnpaid++
				}
			}
		}
		if p.Status == coverage.StatusInactive && run != 3 {
			t.Errorf("participant %s INACTIVE after a run of %d unpaid months, want 3", p.KPJ, run)
		}
		var want []coverage.Period
		for m := from; m <= to; m = m.AddMonths(1) {
			want = append(want, m)
		}
		if !slices.Equal(periods, want) {
			t.Errorf("participant %s (%s, %s to %q): got months %v, want %v", p.KPJ, p.Status, p.CoverageStart, p.CoverageEnd, periods, want)
		}
	}
	for kpj := range byKPJ {
		t.Errorf("contributions of %s, who is no participant", kpj)
	}
	sameSet(t, "tariff mismatches", gotMismatch, mismatch)
	sameSet(t, "unpaid months", gotUnpaid, plantSet(ds, PlantUnpaidMonths, kpjPeriod))
	if r := float64(selfUnpaid) / float64(selfMonths); r < 0.08 || r > 0.16 {
		t.Errorf("self-payers left %d of %d months unpaid (%.3f), want 10-15%%", selfUnpaid, selfMonths, r)
	}
	inactive := map[string]bool{}
	for _, p := range ds.Participants {
		if p.Status == coverage.StatusInactive {
			inactive[p.KPJ] = true
		}
	}
	sameSet(t, "INACTIVE participants", inactive, plantSet(ds, PlantInactive3Months, func(p Plant) string { return p.KPJ }))
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
	paid := map[string]bool{} // "KPJ period" of paid contributions
	for _, c := range ds.Contributions {
		if c.AmountPaid > 0 {
			paid[c.KPJ+" "+string(c.Period)] = true
		}
	}
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
			if c.AmountClaimed != want[key] {
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
			if !strings.Contains(d, "JKM/PERIODIC") || !strings.Contains(d, "JKM/FUNERAL") || p.Status != coverage.StatusTerminated || p.CoverageEnd != c.IncidentDate {
				t.Errorf("claim %s JKM death: got %s, participant %s ending %q", c.ClaimNo, d, p.Status, p.CoverageEnd)
			}
		}
		in := c.IncidentDate >= p.CoverageStart && (p.CoverageEnd == "" || c.IncidentDate <= p.CoverageEnd)
		if in && p.Segment == coverage.SegmentBPU && c.IncidentDate >= "2023-01-01" {
			in = paid[c.KPJ+" "+string(c.IncidentDate.Period())]
		}
		if !in {
			gotOutside[c.ClaimNo] = true
		}
	}
	sameSet(t, "claims outside paid coverage", gotOutside, outside)
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
		if p.NIK == "" || p.Detail == "" {
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
	if p.CoverageStart != first.First() {
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
	default:
		t.Errorf("roster %s funded %s to %q, participant %s %s to %q", r.Key(), r.FundedFrom, r.FundedUntil, p.KPJ, p.Status, p.CoverageEnd)
	}
}

func TestPlantsAtEveryScale(t *testing.T) {
	for _, scale := range []float64{MinScale, 0.002, 0.005, 0.01} {
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
