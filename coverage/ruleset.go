package coverage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
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
// TODO(issue 12): benefit ceilings; Validate.
func DefaultRuleSet() RuleSet { return RuleSet{Tariffs: BPUTariffs} }

// Validate checks a rule set.
func (rs RuleSet) Validate() error { return nil }
