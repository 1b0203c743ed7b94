package reconcile_test

import (
	"cmp"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/feedsim"
)

// sorted yields records in NIK order, as the store does.
func sorted[T any](recs []T, nik func(*T) string) iter.Seq2[T, error] {
	s := slices.Clone(recs)
	slices.SortStableFunc(s, func(a, b T) int { return cmp.Compare(nik(&a), nik(&b)) })
	return func(yield func(T, error) bool) {
		for _, r := range s {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func streams(ds *feedsim.Dataset) reconcile.Streams {
	return reconcile.Streams{
		Roster:        sorted(ds.Roster, func(r *coverage.RosterEntry) string { return r.NIK }),
		Participants:  sorted(ds.Participants, func(p *coverage.Participant) string { return p.NIK }),
		Contributions: sorted(ds.Contributions, func(c *coverage.Contribution) string { return c.NIK }),
		Claims:        sorted(ds.Claims, func(c *coverage.Claim) string { return c.NIK }),
	}
}

func run(t testing.TB, ds *feedsim.Dataset, declared ...coverage.DeclaredTotal) reconcile.Result {
	t.Helper()
	// The roster rows the sync would quarantine, as the store hands them on.
	var rejected []reconcile.RejectedRosterRow
	for _, r := range ds.Invalid {
		if r.Feed == coverage.FeedRoster {
			rejected = append(rejected, reconcile.RejectedRosterRow{Ref: r.Key, Reason: r.Reason})
		}
	}
	res, err := reconcile.Run(reconcile.Config{Areas: coverage.Cilegon(), AsOf: ds.AsOf, Declared: declared, RejectedRoster: rejected}, streams(ds))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// findingKeys flattens findings into the keys the simulator's plants use.
func findingKeys(fs []coverage.Finding) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	add := func(kind coverage.DiscrepancyKind, k string) {
		if out[string(kind)] == nil {
			out[string(kind)] = map[string]bool{}
		}
		out[string(kind)][k] = true
	}
	for _, f := range fs {
		switch f.Kind {
		case coverage.KindAPBDNotOnRoster, coverage.KindUnpaidMonths, coverage.KindTariffMismatch:
			for _, p := range f.Periods {
				add(f.Kind, f.KPJ+" "+string(p))
			}
		case coverage.KindInactive3Months:
			third := coverage.Period("")
			if len(f.Periods) >= 3 {
				third = f.Periods[2]
			}
			add(f.Kind, f.KPJ+" "+string(third))
		case coverage.KindClaimOutsideCoverage:
			add(f.Kind, f.ClaimNo)
		case coverage.KindDoubleFunded:
			add(f.Kind, f.NIK+" "+string(f.Periods[0]))
		case coverage.KindRosterRowRejected:
			add(f.Kind, f.ID)
		default:
			add(f.Kind, f.NIK)
		}
	}
	return out
}

func plantKeys(ds *feedsim.Dataset) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, p := range ds.Planted {
		if out[p.Kind] == nil {
			out[p.Kind] = map[string]bool{}
		}
		var k string
		switch p.Kind {
		case feedsim.PlantAPBDNotOnRoster, feedsim.PlantUnpaidMonths, feedsim.PlantTariffMismatch, feedsim.PlantInactive3Months:
			k = p.KPJ + " " + string(p.Period)
		case feedsim.PlantClaimOutsideCoverage:
			k, _, _ = strings.Cut(p.Detail, ":")
		case feedsim.PlantDoubleFunded:
			k = p.NIK + " " + string(p.Period)
		case feedsim.PlantRosterRowRejected:
			k = reconcile.FindingID(coverage.DiscrepancyKind(p.Kind), p.Ref)
		default:
			k = p.NIK
		}
		out[p.Kind][k] = true
	}
	return out
}

// TestFindsEveryPlantAndNothingElse runs the engine over simulated cities and
// compares its findings with the errors the simulator planted, both ways.
func TestFindsEveryPlantAndNothingElse(t *testing.T) {
	for _, c := range []struct {
		seed  int64
		scale float64
	}{{1, 0.02}, {7, 0.05}, {3, 0.005}} {
		t.Run(fmt.Sprintf("seed%d_scale%g", c.seed, c.scale), func(t *testing.T) {
			ds, err := feedsim.Generate(feedsim.Config{Seed: c.seed, Scale: c.scale})
			if err != nil {
				t.Fatal(err)
			}
			res := run(t, ds)
			got, want := findingKeys(res.Findings), plantKeys(ds)
			for _, kind := range feedsim.PlantKinds {
				if len(want[kind]) == 0 {
					t.Errorf("%s: the simulator planted none", kind)
				}
				sameSet(t, kind, got[kind], want[kind])
			}
			for kind := range got {
				if !slices.Contains(feedsim.PlantKinds, kind) {
					t.Errorf("reported %d findings of kind %s, planted none", len(got[kind]), kind)
				}
			}
			ids := map[string]bool{}
			for _, f := range res.Findings {
				if ids[f.ID] {
					t.Errorf("finding ID %s twice", f.ID)
				}
				ids[f.ID] = true
				if strings.Contains(f.ID, f.NIK) && f.NIK != "" || strings.Contains(f.Detail, f.NIK) && f.NIK != "" {
					t.Errorf("finding %s carries the NIK in its ID or detail: %q", f.ID, f.Detail)
				}
				if !f.Severity.Valid() || f.Detail == "" || f.Amount < 0 {
					t.Errorf("finding %+v: bad severity, detail or amount", f)
				}
			}
			// Every record under a KPJ of another NIK is counted (and found
			// above, by its NIK).
			orphans := int64(0)
			members := map[string]bool{}
			for _, p := range ds.Participants {
				members[p.NIK+"|"+p.KPJ] = true
			}
			for _, c := range ds.Contributions {
				if !members[c.NIK+"|"+c.KPJ] {
					orphans++
				}
			}
			for _, c := range ds.Claims {
				if !members[c.NIK+"|"+c.KPJ] {
					orphans++
				}
			}
			if orphans == 0 || res.Stats.OrphanClaims+res.Stats.OrphanContributions != orphans {
				t.Errorf("orphans: %+v, want %d records", res.Stats, orphans)
			}
			if int(res.Stats.Contributions) != len(ds.Contributions) || int(res.Stats.Participants) != len(ds.Participants) {
				t.Errorf("stats %+v: read not every record", res.Stats)
			}
		})
	}
}

func sameSet(t *testing.T, what string, got, want map[string]bool) {
	t.Helper()
	n := 0 // the first 8 differences, in order: the same data, the same lines
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if !want[k] && n < 8 {
			t.Errorf("%s: found %s, which was not planted", what, k)
			n++
		}
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if !got[k] && n < 8 {
			t.Errorf("%s: missed %s", what, k)
			n++
		}
	}
}

// TestAmountsAtStake checks the rupiah of every finding of a simulated city
// against its records, kind by kind; every kind the simulator plants must be
// among them. Tariffs are worked out here from docs/domain.md's rates (bpuTariff),
// not read from the production table the simulator bills with; months are
// read as the spec's month model says: a month's due is the highest amount
// due of its records, its payment their sum, and a month not billed is owed
// the tariff of the membership's programs.
func TestAmountsAtStake(t *testing.T) {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 1, Scale: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, ds)
	// KPJ and month: the month's due (the highest), paid (the sum), programs
	// (of the highest due).
	contrib := map[string]coverage.Contribution{}
	apbdPaid := map[string]map[coverage.Period]int64{} // NIK, month: rupiah the city paid
	for _, c := range ds.Contributions {
		k := c.KPJ + " " + string(c.Period)
		if o, ok := contrib[k]; ok {
			if o.AmountDue >= c.AmountDue {
				c.AmountDue, c.Programs = o.AmountDue, o.Programs
			}
			c.AmountPaid += o.AmountPaid
		}
		contrib[k] = c
		if c.PayerType == coverage.PayerAPBD {
			if apbdPaid[c.NIK] == nil {
				apbdPaid[c.NIK] = map[coverage.Period]int64{}
			}
			apbdPaid[c.NIK][c.Period] += c.AmountPaid
		}
	}
	income := map[string]int64{}
	member := map[string]coverage.Participant{}
	apbdOf := map[string][]coverage.Participant{} // NIK: memberships paid by the city, by KPJ
	for _, p := range ds.Participants {
		income[p.KPJ] = p.DeclaredIncome
		member[p.KPJ] = p
		if p.PayerType == coverage.PayerAPBD {
			apbdOf[p.NIK] = append(apbdOf[p.NIK], p)
		}
	}
	for _, ps := range apbdOf {
		slices.SortFunc(ps, func(a, b coverage.Participant) int { return cmp.Compare(a.KPJ, b.KPJ) })
	}
	// owed is what a month of a membership owes when unpaid: due - paid when
	// billed, the BPU tariff of its programs when not billed.
	owed := func(kpj string, p coverage.Period) int64 {
		if c, ok := contrib[kpj+" "+string(p)]; ok {
			return c.AmountDue - c.AmountPaid
		}
		if m := member[kpj]; m.Segment == coverage.SegmentBPU {
			return bpuTariff(m.Programs, m.DeclaredIncome)
		}
		return 0
	}
	claims := map[string]coverage.Claim{}
	orphanPaid := map[string]int64{} // NIK|KPJ of records whose KPJ is not the NIK's
	for _, c := range ds.Claims {
		claims[c.ClaimNo] = c
		if m, ok := member[c.KPJ]; !ok || m.NIK != c.NIK {
			orphanPaid[c.NIK+"|"+c.KPJ] += c.AmountPaid
		}
	}
	for _, c := range ds.Contributions {
		if m, ok := member[c.KPJ]; !ok || m.NIK != c.NIK {
			orphanPaid[c.NIK+"|"+c.KPJ] += c.AmountPaid
		}
	}
	checked := map[coverage.DiscrepancyKind]int{}
	for _, f := range res.Findings {
		var want int64
		switch f.Kind {
		case coverage.KindAPBDNotOnRoster:
			for _, p := range f.Periods {
				want += contrib[f.KPJ+" "+string(p)].AmountPaid
			}
		case coverage.KindUnpaidMonths, coverage.KindInactive3Months:
			for _, p := range f.Periods {
				want += owed(f.KPJ, p)
			}
		case coverage.KindFundedNotPaid:
			for _, p := range f.Periods {
				// the city's membership covering the month: its tariff, or
				// JKK+JKM at Rp1,000,000 (16,800) when it has none
				tariff := int64(16_800)
				for _, m := range apbdOf[f.NIK] {
					if m.CoverageStart.Period() <= p && (m.CoverageEnd == "" || p <= m.CoverageEnd.Period()) {
						if t := bpuTariff(m.Programs, m.DeclaredIncome); t > 0 {
							tariff = t
						}
						break
					}
				}
				want += tariff
			}
		case coverage.KindPaidAfterDeath:
			for _, p := range f.Periods {
				want += contrib[f.KPJ+" "+string(p)].AmountPaid
			}
		case coverage.KindClaimAboveBenefit:
			c := claims[f.ClaimNo]
			want = c.AmountPaid - benefitCeiling(c, income[c.KPJ])
		case coverage.KindClaimOutsideCoverage:
			c := claims[f.ClaimNo]
			switch c.Status {
			case coverage.ClaimPaid:
				want = c.AmountPaid
			case coverage.ClaimRejected:
			default:
				want = c.AmountClaimed
			}
		case coverage.KindTariffMismatch:
			for _, p := range f.Periods {
				c := contrib[f.KPJ+" "+string(p)]
				tariff := bpuTariff(c.Programs, income[f.KPJ])
				want += max(c.AmountDue-tariff, tariff-c.AmountDue)
				if !slices.Contains(c.Programs, coverage.ProgramJKK) {
					want += max(income[f.KPJ]/100, 10_000)
				}
				if !slices.Contains(c.Programs, coverage.ProgramJKM) {
					want += 6_800
				}
			}
		case coverage.KindDoubleFunded:
			for _, p := range f.Periods {
				want += apbdPaid[f.NIK][p]
			}
		case coverage.KindInvalidNIK, coverage.KindDomicileOutsideCity:
			for _, paid := range apbdPaid[f.NIK] {
				want += paid
			}
		case coverage.KindKPJNIKMismatch:
			want = orphanPaid[f.NIK+"|"+f.KPJ]
		case coverage.KindRosterNotEnrolled, coverage.KindRosterOtherPayer, coverage.KindRosterRowRejected:
			// a protection gap: nothing at stake
		default:
			t.Errorf("%s %s: a kind this test does not know", f.Kind, f.ID)
			continue
		}
		checked[f.Kind]++
		if f.Amount != want {
			t.Errorf("%s %s: amount %d, want %d", f.Kind, f.ID, f.Amount, want)
		}
	}
	for _, kind := range feedsim.PlantKinds {
		if checked[coverage.DiscrepancyKind(kind)] == 0 {
			t.Errorf("%s: no finding of the kind to check", kind)
		}
	}
}

// bpuTariff is docs/domain.md's BPU contribution for a declared income, written out
// independently of coverage.BPUTariffs: JKK 1% of the income, at least
// Rp10,000; JKM Rp6,800; JHT 2%, at least Rp20,000. Other programs have no BPU
// tariff: the whole amount due is then off.
func bpuTariff(programs []coverage.Program, income int64) int64 {
	var sum int64
	for _, p := range programs {
		switch p {
		case coverage.ProgramJKK:
			sum += max(income/100, 10_000)
		case coverage.ProgramJKM:
			sum += 6_800
		case coverage.ProgramJHT:
			sum += max(income*2/100, 20_000)
		default:
			return 0
		}
	}
	return sum
}

// benefitCeiling is docs/domain.md's most a paid claim may be, written out
// independently of coverage.DefaultRuleSet: JKM death lump sum Rp20,000,000,
// periodic Rp12,000,000, funeral Rp10,000,000; JKK death 48 x the declared
// monthly income.
func benefitCeiling(c coverage.Claim, income int64) int64 {
	switch {
	case c.Program == coverage.ProgramJKM && c.Benefit == coverage.BenefitDeath:
		return 20_000_000
	case c.Program == coverage.ProgramJKM && c.Benefit == coverage.BenefitPeriodic:
		return 12_000_000
	case c.Program == coverage.ProgramJKM && c.Benefit == coverage.BenefitFuneral:
		return 10_000_000
	case c.Program == coverage.ProgramJKK && c.Benefit == coverage.BenefitDeath:
		return 48 * income
	}
	return c.AmountPaid // no ceiling: nothing above it
}

// TestRerunIsIdentical: the same data gives the same findings and cells.
func TestRerunIsIdentical(t *testing.T) {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 2, Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	a, b := run(t, ds), run(t, ds)
	if a.Rollup.Hash != b.Rollup.Hash || !slices.EqualFunc(a.Findings, b.Findings, func(x, y coverage.Finding) bool {
		return fmt.Sprint(x) == fmt.Sprint(y)
	}) {
		t.Error("two passes over the same data differ")
	}
}
