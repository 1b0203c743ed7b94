package coverage_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
)

// TestDefaultRuleSet: the shipped regulation is valid and holds the benefit
// ceilings of PP 82/2019 (docs/domain.md, "Benefits"), written out here.
func TestDefaultRuleSet(t *testing.T) {
	rs := coverage.DefaultRuleSet()
	if err := rs.Validate(); err != nil {
		t.Fatalf("default rule set: %v", err)
	}
	if !slices.Equal(rs.Tariffs, coverage.BPUTariffs) {
		t.Errorf("tariffs %+v, want coverage.BPUTariffs", rs.Tariffs)
	}
	for _, c := range []struct {
		prog     coverage.Program
		benefit  coverage.Benefit
		max, mul int64
	}{
		{coverage.ProgramJKM, coverage.BenefitDeath, 20_000_000, 0},
		{coverage.ProgramJKM, coverage.BenefitPeriodic, 12_000_000, 0},
		{coverage.ProgramJKM, coverage.BenefitFuneral, 10_000_000, 0},
		{coverage.ProgramJKK, coverage.BenefitDeath, 0, 48},
	} {
		r, ok := rs.Benefits.For(c.prog, c.benefit, "2024-08")
		if !ok {
			t.Errorf("%s %s: no rule in 2024-08", c.prog, c.benefit)
			continue
		}
		if r.MaxAmount != c.max || r.IncomeMultiple != c.mul || !strings.Contains(r.Source, "PP 82/2019") {
			t.Errorf("%s %s: %+v, want max %d, multiple %d, citing PP 82/2019", c.prog, c.benefit, r, c.max, c.mul)
		}
		if _, ok := rs.Benefits.For(c.prog, c.benefit, "2019-11"); ok {
			t.Errorf("%s %s: a rule before PP 82/2019", c.prog, c.benefit)
		}
	}
	if _, ok := rs.Benefits.For(coverage.ProgramJKK, coverage.BenefitMedical, "2024-08"); ok {
		t.Error("a rule for JKK MEDICAL, which has none")
	}
	// The defaults are a copy: changing them changes no later call.
	rs.Benefits[0].MaxAmount = 1
	if coverage.DefaultRuleSet().Benefits[0].MaxAmount == 1 {
		t.Error("DefaultRuleSet shares its benefits")
	}
}

// TestBenefitCeiling: a fixed ceiling, an income multiple, or the lower.
func TestBenefitCeiling(t *testing.T) {
	for _, c := range []struct {
		rule   coverage.BenefitRule
		income int64
		known  bool
		want   int64
		ok     bool
	}{
		{coverage.BenefitRule{MaxAmount: 20_000_000}, 0, false, 20_000_000, true},
		{coverage.BenefitRule{IncomeMultiple: 48}, 2_000_000, true, 96_000_000, true},
		{coverage.BenefitRule{IncomeMultiple: 48}, 0, false, 0, false},
		{coverage.BenefitRule{MaxAmount: 90_000_000, IncomeMultiple: 48}, 2_000_000, true, 90_000_000, true},
		{coverage.BenefitRule{MaxAmount: 90_000_000, IncomeMultiple: 48}, 1_500_000, true, 72_000_000, true},
		{coverage.BenefitRule{MaxAmount: 90_000_000, IncomeMultiple: 48}, 0, false, 90_000_000, true},
	} {
		got, ok := c.rule.Ceiling(c.income, c.known)
		if got != c.want || ok != c.ok {
			t.Errorf("%+v at %d (known %v): %d %v, want %d %v", c.rule, c.income, c.known, got, ok, c.want, c.ok)
		}
	}
}

// TestRuleSetValidate: each broken rule is one problem that says what is
// wrong.
func TestRuleSetValidate(t *testing.T) {
	good := func() coverage.RuleSet { return coverage.DefaultRuleSet() }
	for _, c := range []struct {
		name  string
		spoil func(*coverage.RuleSet)
		want  string
	}{
		{"unknown benefit program", func(rs *coverage.RuleSet) { rs.Benefits[0].Program = "JKX" }, "program is unknown"},
		{"unknown tariff program", func(rs *coverage.RuleSet) { rs.Tariffs[0].Program = "JKX" }, "program is unknown"},
		{"unknown benefit", func(rs *coverage.RuleSet) { rs.Benefits[0].Benefit = "FUNERALS" }, "benefit is unknown"},
		{"negative max", func(rs *coverage.RuleSet) { rs.Benefits[0].MaxAmount = -1 }, "negative"},
		{"negative multiple", func(rs *coverage.RuleSet) { rs.Benefits[3].IncomeMultiple = -48 }, "negative"},
		{"negative rate", func(rs *coverage.RuleSet) { rs.Tariffs[0].RateBasisPoints = -100 }, "negative"},
		{"negative flat", func(rs *coverage.RuleSet) { rs.Tariffs[1].Flat = -6_800 }, "negative"},
		{"until before from", func(rs *coverage.RuleSet) { rs.Benefits[1].ValidUntil = "2019-11" }, "valid_until 2019-11 is before valid_from 2019-12"},
		{"tariff until before from", func(rs *coverage.RuleSet) { rs.Tariffs[2].ValidUntil = "2021-01" }, "is before valid_from"},
		{"no valid_from", func(rs *coverage.RuleSet) { rs.Benefits[2].ValidFrom = "" }, "valid_from is missing"},
		{"bad month", func(rs *coverage.RuleSet) { rs.Benefits[2].ValidFrom = "2019-13" }, "valid_from"},
		{"no ceiling", func(rs *coverage.RuleSet) { rs.Benefits[0].MaxAmount = 0 }, "no ceiling"},
		{"overlapping benefit", func(rs *coverage.RuleSet) {
			rs.Benefits = append(rs.Benefits, coverage.BenefitRule{Program: "JKM", Benefit: "DEATH", ValidFrom: "2024-01", MaxAmount: 25_000_000})
		}, "in force in the same months as benefits[0]"},
		{"overlapping tariff", func(rs *coverage.RuleSet) {
			rs.Tariffs = append(rs.Tariffs, coverage.Tariff{Program: "JKM", ValidFrom: "2020-01", ValidUntil: "2021-02", Flat: 6_800})
		}, "in force in the same months as tariffs[1]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs := good()
			c.spoil(&rs)
			err := rs.Validate()
			if err == nil {
				t.Fatal("valid")
			}
			if coverage.ErrorCode(err) != coverage.EINVALID || !strings.Contains(coverage.ErrorMessage(err), c.want) || strings.Contains(coverage.ErrorMessage(err), "; ") {
				t.Errorf("%v (%s), want one EINVALID problem saying %q", err, coverage.ErrorCode(err), c.want)
			}
		})
	}
	// Rules of the same program and benefit one after the other, and the
	// same months for different benefits, are fine.
	rs := good()
	rs.Benefits[0].ValidUntil = "2025-12"
	rs.Benefits = append(rs.Benefits, coverage.BenefitRule{Program: "JKM", Benefit: "DEATH", ValidFrom: "2026-01", MaxAmount: 25_000_000})
	if err := rs.Validate(); err != nil {
		t.Errorf("successive rules: %v", err)
	}
}

func writeRules(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadRuleSet: a good file, an unknown field, overlapping validity.
func TestLoadRuleSet(t *testing.T) {
	rs, err := coverage.LoadRuleSet("")
	if err != nil || len(rs.Benefits) != len(coverage.DefaultRuleSet().Benefits) {
		t.Fatalf("no file: %+v, %v; want the default rule set", rs, err)
	}

	good := writeRules(t, `{
  "tariffs": [
    {"program": "JKK", "valid_from": "2021-02", "rate_basis_points": 100, "minimum": 10000, "source": "Permenaker 5/2021"},
    {"program": "JKM", "valid_from": "2021-02", "valid_until": "2025-12", "flat": 6800, "source": "Permenaker 5/2021"},
    {"program": "JKM", "valid_from": "2026-01", "flat": 8000, "source": "a later regulation"}
  ],
  "benefits": [
    {"program": "JKM", "benefit": "DEATH", "valid_from": "2019-12", "max_amount": 20000000, "source": "PP 82/2019"},
    {"program": "JKK", "benefit": "DEATH", "valid_from": "2019-12", "income_multiple": 48, "source": "PP 82/2019"}
  ]
}`)
	rs, err = coverage.LoadRuleSet(good)
	if err != nil {
		t.Fatalf("good file: %v", err)
	}
	if due, err := rs.Tariffs.Due([]coverage.Program{"JKK", "JKM"}, 1_000_000, "2026-03"); err != nil || due != 18_000 {
		t.Errorf("2026-03 JKK+JKM at 1,000,000: %d, %v; want 10,000 + 8,000", due, err)
	}
	if r, ok := rs.Benefits.For("JKK", "DEATH", "2024-08"); !ok || r.IncomeMultiple != 48 || r.Source != "PP 82/2019" {
		t.Errorf("JKK DEATH: %+v %v", r, ok)
	}

	for name, c := range map[string]struct{ body, want string }{
		"unknown field": {`{"benefits": [{"program": "JKM", "benefit": "DEATH", "valid_from": "2019-12", "max_amount": 20000000, "ceiling": 1}]}`, `unknown field "ceiling"`},
		"overlap": {`{"benefits": [
			{"program": "JKM", "benefit": "FUNERAL", "valid_from": "2019-12", "max_amount": 10000000},
			{"program": "JKM", "benefit": "FUNERAL", "valid_from": "2024-01", "valid_until": "2024-12", "max_amount": 12000000}]}`, "benefits[1] (JKM FUNERAL): in force in the same months as benefits[0]"},
		"unknown program": {`{"tariffs": [{"program": "JKX", "valid_from": "2021-02", "flat": 1}]}`, "program is unknown"},
		"not JSON":        {`{"benefits": [`, "rules file"},
	} {
		_, err := coverage.LoadRuleSet(writeRules(t, c.body))
		if err == nil || coverage.ErrorCode(err) != coverage.EINVALID || !strings.Contains(coverage.ErrorMessage(err), c.want) {
			t.Errorf("%s: %v, want EINVALID saying %q", name, err, c.want)
		}
	}
	if _, err := coverage.LoadRuleSet(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("a missing file loads")
	}
}
