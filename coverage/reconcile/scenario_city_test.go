package reconcile_test

import (
	"reflect"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/coverage/scenario"
	"github.com/cilegon/jamsostek/feedsim"
)

// simulatedWorkforce answers a dataset's workforce targets.
func simulatedWorkforce(ds *feedsim.Dataset) reconcile.Workforce {
	return func(year int, area string) (reconcile.Denominator, bool) {
		for _, w := range ds.Workforce {
			if w.Year == year && w.AreaCode == area {
				return reconcile.Denominator{Workforce: w.Workforce, Basis: w.Basis, Source: w.Source}, true
			}
		}
		return reconcile.Denominator{}, false
	}
}

// TestScenarioTablesAddUp: on the simulated city the tables agree with the
// cells they sit beside: the contributions split over programmes add up to
// the cells' paid amounts (but orphans', under a KPJ with no membership), and the baseline of a scenario costs what
// apbdProgram says next year costs and covers the people universalCoverage
// counts.
func TestScenarioTablesAddUp(t *testing.T) {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 3, Scale: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, ds).Rollup
	var cells, shares int64
	for _, c := range r.Cells {
		if c.Segment != "" { // not an orphan's (orphans.go): no membership, so no exposure either
			cells += c.PaidAmount
		}
	}
	for _, row := range r.Experience {
		for _, m := range row.Programs {
			shares += m.Contributions
		}
	}
	if cells != shares || cells == 0 {
		t.Errorf("contributions paid: cells %d, experience %d", cells, shares)
	}
	prog, err := r.APBDProgram(r.To.Year())
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenario.Compute(&r, simulatedWorkforce(ds), coverage.Cilegon(), nil, nil, scenario.Input{Year: r.PlanYear, Simulations: 200})
	if err != nil {
		t.Fatal(err)
	}
	if res.Baseline.AnnualCost != prog.Total.NextYearCost || !reflect.DeepEqual(res.Scenario, res.Baseline) {
		t.Errorf("baseline annual cost %d, apbdProgram's next year %d; scenario without changes %+v", res.Baseline.AnnualCost, prog.Total.NextYearCost, res.Scenario)
	}
	ucj, err := r.UniversalCoverage(r.To.Year(), "3672", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Baseline.Participants != ucj.Current.Participants {
		t.Errorf("baseline participants %d, universalCoverage %d", res.Baseline.Participants, ucj.Current.Participants)
	}
}

// BenchmarkScenario: a scenario of three changes with the default 2,000
// resampled years on the whole simulated city (scale 1), beside the
// apbdProgram answer on the same rollup (its baseline in the same run:
// both read the rollup in memory).
func BenchmarkScenario(b *testing.B) {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 1, Scale: 1})
	if err != nil {
		b.Fatal(err)
	}
	r := run(b, ds).Rollup
	in := scenario.Input{Year: r.PlanYear, MinClaims: scenario.DefaultMinClaims, Seed: scenario.DefaultSeed, Changes: []scenario.Change{
		{Kind: scenario.AddCategory, Category: coverage.CategoryMarbot, Headcount: 500},
		{Kind: scenario.AddCategory, Category: coverage.CategoryJuruParkir, Headcount: 800, Distribution: []scenario.AreaCount{{Area: "367201", Count: 300}, {Area: "367202", Count: 500}}},
		{Kind: scenario.SetPrograms, Programs: []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT}},
	}}
	wf := simulatedWorkforce(ds)
	b.Run("apbdProgram", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.APBDProgram(r.To.Year()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scenario", func(b *testing.B) {
		for b.Loop() {
			if _, err := scenario.Compute(&r, wf, coverage.Cilegon(), nil, nil, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
