package coverage

// Tariff is the BPU (non-wage worker) contribution rule of one program for a
// range of months. A month's contribution is max(income x RateBasisPoints /
// 10,000, Minimum) + Flat. Tariffs change by regulation, so they are data with
// validity dates, never constants in code.
// In a rules file (LoadRuleSet) its fields are written like the benefit
// rules': program, valid_from, valid_until, rate_basis_points, minimum,
// flat, source.
type Tariff struct {
	Program         Program `json:"program"`
	ValidFrom       Period  `json:"valid_from"`                  // first month the rule applies
	ValidUntil      Period  `json:"valid_until,omitempty"`       // last month, "" while in force
	RateBasisPoints int64   `json:"rate_basis_points,omitempty"` // share of declared income, 100 = 1%
	Minimum         int64   `json:"minimum,omitempty"`           // rupiah floor of the income-based part
	Flat            int64   `json:"flat,omitempty"`              // rupiah added regardless of income
	Source          string  `json:"source"`                      // the regulation
}

// Tariffs is a set of dated tariffs.
type Tariffs []Tariff

// BPUTariffs are the BPU tariffs of Permenaker 5/2021 and PP 82/2019: JKK 1% of
// declared income with a floor of Rp10,000 (income band Rp1,000,000), JKM
// Rp6,800 flat, JHT 2% with a floor of Rp20,000. The lowest JKK+JKM is Rp16,800 a
// month, Rp36,800 with JHT.
var BPUTariffs = Tariffs{
	{Program: ProgramJKK, ValidFrom: "2021-02", RateBasisPoints: 100, Minimum: 10_000, Source: "Permenaker 5/2021"},
	{Program: ProgramJKM, ValidFrom: "2021-02", Flat: 6_800, Source: "Permenaker 5/2021"},
	{Program: ProgramJHT, ValidFrom: "2021-02", RateBasisPoints: 200, Minimum: 20_000, Source: "Permenaker 5/2021"},
}

// For returns the tariff of a program in force in a month.
func (ts Tariffs) For(p Program, month Period) (Tariff, bool) {
	for _, t := range ts {
		if t.Program == p && t.ValidFrom <= month && (t.ValidUntil == "" || month <= t.ValidUntil) {
			return t, true
		}
	}
	return Tariff{}, false
}

// Amount is the contribution of one program for a declared monthly income.
func (t Tariff) Amount(income int64) int64 {
	a := income * t.RateBasisPoints / 10_000
	if a < t.Minimum {
		a = t.Minimum
	}
	return a + t.Flat
}

// Due returns the monthly contribution for the programs at a declared income in a
// month, or an EINVALID error when a program has no tariff in force then.
func (ts Tariffs) Due(programs []Program, income int64, month Period) (int64, error) {
	var sum int64
	for _, p := range programs {
		t, ok := ts.For(p, month)
		if !ok {
			return 0, Errorf(EINVALID, "no BPU tariff for %s in %s", p, month)
		}
		sum += t.Amount(income)
	}
	return sum, nil
}
