package scenario

import (
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// ChangeKind is what a change does to the funded programme.
type ChangeKind string

const (
	// AddCategory funds Headcount more people of Category (a new category,
	// or more of a funded one), spread over Distribution, or the people of
	// an uploaded roster (RosterID).
	AddCategory ChangeKind = "ADD_CATEGORY"
	// RemoveCategory stops funding Category: all of it, or Headcount of its
	// entries (spread like the category).
	RemoveCategory ChangeKind = "REMOVE_CATEGORY"
	// SetPrograms funds Programs (JKK+JKM, or with JHT) for Category, or
	// for every funded group when Category is empty.
	SetPrograms ChangeKind = "SET_PROGRAMS"
	// SetIncome prices Category (every group when empty) at the tariff of
	// the declared income Income (the tariff band).
	SetIncome ChangeKind = "SET_INCOME"
	// SetMonths funds Category (every group when empty) Months months of
	// the year.
	SetMonths ChangeKind = "SET_MONTHS"
)

// AreaCount is a number of people in an area: a kecamatan (6 digits) or a
// kelurahan (10 digits) of the city.
type AreaCount struct {
	Area  string
	Count int64
}

// Change is one change to the baseline programme; which fields apply
// depends on Kind (see the kinds).
type Change struct {
	Kind         ChangeKind
	Category     coverage.Category
	Headcount    int64
	Distribution []AreaCount
	Programs     []coverage.Program // AddCategory: default JKK+JKM; SetPrograms: required
	Income       int64              // AddCategory: default Rp1,000,000; SetIncome: required
	Months       int                // AddCategory: default 12; SetMonths: required, 1 to 12
	RosterID     string             // AddCategory: the uploaded roster naming the people
}

// Input is a scenario: a year and the changes to the baseline programme.
type Input struct {
	Year    int
	Changes []Change
	// ExperienceFrom and ExperienceTo bound the months whose claims give
	// frequency and severity; default the 24 months before the as-of month.
	ExperienceFrom, ExperienceTo coverage.Period
	// MinClaims is the least number of claims a category's own experience
	// of a programme needs to be used; below it, the pooled experience of
	// the city-funded, then of every BPU member. The API's default is
	// DefaultMinClaims; 0 uses any experience with exposure.
	MinClaims int
	// Simulations, Seed and the percentiles set the range of the expected
	// claims: Simulations years resampled with a generator seeded by Seed.
	// Zero simulations and percentiles take the defaults, 2,000, 10 and
	// 90; the seed is taken as given (the API's default is DefaultSeed).
	Simulations             int
	Seed                    uint64
	LowPercent, HighPercent int
}

// Named is what an uploaded roster's people are, looked up by NIK on the
// participants at the as-of date, per kelurahan of the roster row.
type Named struct {
	RosterID string
	Category coverage.Category
	ByArea   map[string]NamedCounts // roster row's kelurahan code -> counts
	// Repeated people were named by an earlier roster of the scenario (or
	// twice in this one): left out here.
	Repeated int64
}

// NamedCounts classify the people of a roster.
type NamedCounts struct {
	New    int64 // no active membership: the city's funding covers them
	Movers int64 // an active membership the plan year's roster does not fund: they would move to the roster's budget, covered already
	// AlreadyCity are on the plan year's roster already (any category):
	// in the baseline's cost and cover, so neither cost nor gain.
	AlreadyCity int64
}

// Basis says whose claims priced a category's programme.
type Basis string

const (
	BasisCategory   Basis = "CATEGORY"    // the category's own experience
	BasisCityFunded Basis = "CITY_FUNDED" // every city-funded member's
	BasisBPU        Basis = "BPU"         // every non-wage (BPU) member's
	BasisNone       Basis = "NONE"        // no exposure at all: no claims expected
)

// Experience is the observed claim experience of one category (or pool) and
// programme over a window.
type Experience struct {
	Category      coverage.Category // "" in a pool's line
	Pool          Basis             // BasisCategory for a category's line
	Program       coverage.Program
	Exposure      int64    // member-months
	Claims        int64    // claims with their incident in the window, paid
	PaidAmount    int64    // rupiah paid on them
	Contributions int64    // rupiah paid for the months, the programme's share by tariff
	Frequency     *float64 // claims per 1,000 member-months; nil without exposure
	Severity      *int64   // average paid per claim; nil without claims
	LossRatio     *float64 // PaidAmount / Contributions; nil without contributions
}

// Side is the programme in the baseline or in the scenario.
type Side struct {
	Funded        int64    // people funded in some month of the year
	MemberMonths  int64    // funded months
	MonthlyCost   int64    // rupiah a month with every funded person funded
	AnnualCost    int64    // rupiah over the year
	Participants  int64    // people covered city-wide
	Workforce     int64    // the city's denominator, 0 when none
	Rate          *float64 // Participants / Workforce
	ExpectedCount float64  // claims expected in the year
	ExpectedPaid  int64    // rupiah expected
	PaidLow       int64    // LowPercent percentile of the resampled years
	PaidHigh      int64    // HighPercent percentile
	LossRatio     *float64 // ExpectedPaid / AnnualCost
}

// GroupLine is one category in the baseline and the scenario.
type GroupLine struct {
	Category                  coverage.Category
	Baseline, Scenario        GroupSide
	NewlyCovered, Movers      int64 // added people not covered before / moving from another payer
	AlreadyCity, LoseCoverage int64 // added people already city-paid / removed people left with no membership
	Assumed                   bool  // added without a roster: assumed not covered before
	Programs                  []ProgramLine
}

// GroupSide is a category's figures on one side.
type GroupSide struct {
	Funded        int64
	MemberMonths  int64
	MonthlyCost   int64
	AnnualCost    int64
	ExpectedCount float64
	ExpectedPaid  int64
}

// ProgramLine is the expected claims of a category's programme on the
// scenario side, and the experience that priced it.
type ProgramLine struct {
	Program       coverage.Program
	MemberMonths  int64
	ExpectedCount float64
	ExpectedPaid  int64
	Basis         Basis
	Experience    Experience
}

// AreaLine is the coverage of a kecamatan (AreaCode "" for people added
// without an area).
type AreaLine struct {
	AreaCode           string
	Name               string
	Workforce          int64
	DenominatorYear    int      // the year of Workforce: the plan year's or the latest before, 0 when none
	Baseline, Scenario int64    // participants
	BaselineRate       *float64 // nil without a denominator
	ScenarioRate       *float64
	ChangePoints       *float64
}

// Result is a scenario's answer.
type Result struct {
	Year            int
	RollupVersion   int64
	AsOf            time.Time
	AsOfMonth       coverage.Period
	DenominatorYear int // the year of the workforce figures used, 0 when none
	ExperienceFrom  coverage.Period
	ExperienceTo    coverage.Period
	Simulations     int
	Seed            uint64
	LowPercent      int
	HighPercent     int
	Baseline        Side
	Scenario        Side
	ChangePoints    *float64 // city rate, scenario - baseline, x 100
	Groups          []GroupLine
	Areas           []AreaLine
	Notes           []string
}
