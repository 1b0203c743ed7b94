package coverage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// IncomeChange is a declared monthly income in force from a date on, as the
// store saw it in the participants feed (the record's updated_at). Months
// before the first known change have no known income.
type IncomeChange struct {
	At     Date  `json:"at"`
	Income int64 `json:"income"`
}

// BenefitRule caps what a paid claim of a program and benefit may be: a fixed
// ceiling, a multiple of the member's declared monthly income, or both (the
// lower applies). Benefit rules change by regulation: they are data with
// validity dates, like tariffs.
type BenefitRule struct {
	Program        Program `json:"program"`
	Benefit        Benefit `json:"benefit"`
	ValidFrom      Period  `json:"valid_from"`            // first month (of the incident) the rule applies
	ValidUntil     Period  `json:"valid_until,omitempty"` // last month, "" while in force
	MaxAmount      int64   `json:"max_amount,omitempty"`  // rupiah ceiling, 0 for none
	IncomeMultiple int64   `json:"income_multiple,omitempty"`
	Source         string  `json:"source"`
}

// BenefitRules is a set of dated benefit rules.
type BenefitRules []BenefitRule

// RuleSet is the regulation the reconciliation applies, as data: BPU
// tariffs and benefit ceilings. A new regulation is a new file
// (JAMSOSTEK_RULES_FILE), not a new build.
type RuleSet struct {
	Tariffs  Tariffs      `json:"tariffs"`
	Benefits BenefitRules `json:"benefits"`
}

// LoadRuleSet reads a rule set from a JSON file; "" gives DefaultRuleSet.
// Unknown fields, unknown programs and overlapping validity are errors.
func LoadRuleSet(path string) (RuleSet, error) {
	if path == "" {
		return DefaultRuleSet(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return RuleSet{}, fmt.Errorf("rules file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var rs RuleSet
	if err := dec.Decode(&rs); err != nil {
		return RuleSet{}, Errorf(EINVALID, "rules file %s: %v", path, err)
	}
	if err := rs.Validate(); err != nil {
		return RuleSet{}, Errorf(EINVALID, "rules file %s: %s", path, ErrorMessage(err))
	}
	return rs, nil
}

// DefaultRuleSet is the regulation in force as the product ships: the BPU
// tariffs of Permenaker 5/2021 and the benefits of PP 82/2019.
func DefaultRuleSet() RuleSet {
	return RuleSet{Tariffs: slices.Clone(BPUTariffs), Benefits: slices.Clone(DefaultBenefits)}
}

// DefaultBenefits are the benefit ceilings of PP 82/2019 (in force from
// 2 December 2019, amending PP 44/2015 on JKK and JKM), docs/domain.md "Benefits":
// the JKM death benefit of Rp42,000,000 is a Rp20,000,000 lump sum, a
// periodic benefit of 24 x Rp500,000 = Rp12,000,000 (paid at once) and
// Rp10,000,000 for the funeral; a death by work accident (JKK) pays 48 times
// the declared monthly income.
var DefaultBenefits = BenefitRules{
	{Program: ProgramJKM, Benefit: BenefitDeath, ValidFrom: "2019-12", MaxAmount: 20_000_000,
		Source: "PP 82/2019: JKM lump-sum death benefit (santunan sekaligus) Rp20,000,000"},
	{Program: ProgramJKM, Benefit: BenefitPeriodic, ValidFrom: "2019-12", MaxAmount: 12_000_000,
		Source: "PP 82/2019: JKM periodic benefit (santunan berkala) 24 x Rp500,000 = Rp12,000,000 in total"},
	{Program: ProgramJKM, Benefit: BenefitFuneral, ValidFrom: "2019-12", MaxAmount: 10_000_000,
		Source: "PP 82/2019: JKM funeral costs (biaya pemakaman) Rp10,000,000"},
	{Program: ProgramJKK, Benefit: BenefitDeath, ValidFrom: "2019-12", IncomeMultiple: 48,
		Source: "PP 82/2019: JKK death benefit 48 x the declared monthly income"},
}

// For returns the benefit rule of a program and benefit in force in a month
// (the month of the incident).
func (bs BenefitRules) For(p Program, b Benefit, month Period) (BenefitRule, bool) {
	for _, r := range bs {
		if r.Program == p && r.Benefit == b && r.ValidFrom <= month && (r.ValidUntil == "" || month <= r.ValidUntil) {
			return r, true
		}
	}
	return BenefitRule{}, false
}

// Ceiling returns the most a claim under the rule may be paid for a member
// whose declared monthly income is income (known says whether it is): the
// fixed ceiling, the income multiple, or the lower of both. With an income
// multiple alone and the income unknown there is no ceiling (false).
func (r BenefitRule) Ceiling(income int64, known bool) (int64, bool) {
	ceiling, ok := r.MaxAmount, r.MaxAmount > 0
	if r.IncomeMultiple > 0 && known {
		if byIncome := r.IncomeMultiple * income; !ok || byIncome < ceiling {
			ceiling, ok = byIncome, true
		}
	}
	return ceiling, ok
}

// knownBenefits are the benefit codes a rule may name.
var knownBenefits = []Benefit{BenefitDeath, BenefitFuneral, BenefitPeriodic, BenefitScholarship,
	BenefitMedical, BenefitDisability, BenefitLumpSum}

// Validate checks a rule set: known programs and benefits, real months, no
// negative amounts, validity that ends after it begins and does not overlap
// another rule of the same program (and benefit), and a ceiling on every
// benefit rule.
func (rs RuleSet) Validate() error {
	var ps problems
	for i, t := range rs.Tariffs {
		at := fmt.Sprintf("tariffs[%d] (%s)", i, Clip(string(t.Program)))
		ps.check(t.Program.Valid(), at+": program is unknown")
		validity(&ps, at, t.ValidFrom, t.ValidUntil)
		ps.check(t.RateBasisPoints >= 0 && t.Minimum >= 0 && t.Flat >= 0, at+": a negative rate, minimum or flat amount")
		for j, u := range rs.Tariffs[:i] {
			if u.Program == t.Program && overlaps(t.ValidFrom, t.ValidUntil, u.ValidFrom, u.ValidUntil) {
				ps = append(ps, fmt.Sprintf("%s: in force in the same months as tariffs[%d]", at, j))
			}
		}
	}
	for i, b := range rs.Benefits {
		at := fmt.Sprintf("benefits[%d] (%s %s)", i, Clip(string(b.Program)), Clip(string(b.Benefit)))
		ps.check(b.Program.Valid(), at+": program is unknown")
		ps.check(slices.Contains(knownBenefits, b.Benefit), at+": benefit is unknown")
		validity(&ps, at, b.ValidFrom, b.ValidUntil)
		ps.check(b.MaxAmount >= 0 && b.IncomeMultiple >= 0, at+": a negative max_amount or income_multiple")
		ps.check(b.MaxAmount != 0 || b.IncomeMultiple != 0, at+": neither max_amount nor income_multiple: no ceiling")
		for j, c := range rs.Benefits[:i] {
			if c.Program == b.Program && c.Benefit == b.Benefit && overlaps(b.ValidFrom, b.ValidUntil, c.ValidFrom, c.ValidUntil) {
				ps = append(ps, fmt.Sprintf("%s: in force in the same months as benefits[%d]", at, j))
			}
		}
	}
	return ps.err()
}

// validity checks a rule's first and last month.
func validity(ps *problems, at string, from, until Period) {
	if from == "" {
		*ps = append(*ps, at+": valid_from is missing")
	} else if err := from.Validate(); err != nil {
		*ps = append(*ps, at+": valid_from: "+ErrorMessage(err))
	}
	if err := until.Validate(); err != nil {
		*ps = append(*ps, at+": valid_until: "+ErrorMessage(err))
	} else if until != "" && until < from {
		*ps = append(*ps, fmt.Sprintf("%s: valid_until %s is before valid_from %s", at, until, from))
	}
}

// overlaps reports whether two validity ranges share a month ("" until: open).
func overlaps(from1, until1, from2, until2 Period) bool {
	return (until2 == "" || from1 <= until2) && (until1 == "" || from2 <= until1)
}
