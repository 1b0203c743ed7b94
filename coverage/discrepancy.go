package coverage

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// DiscrepancyKind names what a reconciliation finding is about.
type DiscrepancyKind string

const (
	// A person on a city roster with no BPJS membership at all.
	KindRosterNotEnrolled DiscrepancyKind = "ROSTER_NOT_ENROLLED"
	// A person on a city roster enrolled, but with no membership paid by the city.
	KindRosterOtherPayer DiscrepancyKind = "ROSTER_OTHER_PAYER"
	// Contributions paid by the city (APBD) for months no roster entry funds.
	KindAPBDNotOnRoster DiscrepancyKind = "APBD_NOT_ON_ROSTER"
	// Contributions past their due date (the 15th of the month) and not paid.
	KindUnpaidMonths DiscrepancyKind = "UNPAID_MONTHS"
	// A member made inactive by 3 consecutive unpaid months.
	KindInactive3Months DiscrepancyKind = "INACTIVE_3_MONTHS"
	// Contributions whose amount due is not the tariff of their programs and month.
	KindTariffMismatch DiscrepancyKind = "TARIFF_MISMATCH"
	// A claim whose incident falls outside the member's paid coverage.
	KindClaimOutsideCoverage DiscrepancyKind = "CLAIM_OUTSIDE_COVERAGE"
	// The same NIK funded twice in a month: on two rosters, or by the city and
	// by another payer.
	KindDoubleFunded DiscrepancyKind = "DOUBLE_FUNDED"
	// A 16-digit NIK that does not parse (no such birth date).
	KindInvalidNIK DiscrepancyKind = "INVALID_NIK"
	// A city-funded person whose domicile is outside the city.
	KindDomicileOutsideCity DiscrepancyKind = "DOMICILE_OUTSIDE_CITY"
	// A figure declared by the city that does not match the counted one.
	KindDeclaredTotalMismatch DiscrepancyKind = "DECLARED_TOTAL_MISMATCH"
	// A person funded by a roster and enrolled paid by the city, for whom the
	// city paid nothing for a funded month past its due date.
	KindFundedNotPaid DiscrepancyKind = "FUNDED_NOT_PAID"
	// Contributions paid for months after the member's death (a paid JKM death
	// claim, or a TERMINATED membership with a coverage end).
	KindPaidAfterDeath DiscrepancyKind = "PAID_AFTER_DEATH"
	// A claim paid above what the benefit rule in force allows.
	KindClaimAboveBenefit DiscrepancyKind = "CLAIM_ABOVE_BENEFIT"
	// A roster row rejected at sync (bad NIK, unknown category, ...), filed
	// on the roster it came from.
	KindRosterRowRejected DiscrepancyKind = "ROSTER_ROW_REJECTED"
	// Contributions or claims whose KPJ is not a membership of the NIK they
	// carry.
	KindKPJNIKMismatch DiscrepancyKind = "KPJ_NIK_MISMATCH"
)

// DiscrepancyKinds lists every kind.
var DiscrepancyKinds = []DiscrepancyKind{
	KindRosterNotEnrolled, KindRosterOtherPayer, KindAPBDNotOnRoster, KindUnpaidMonths,
	KindInactive3Months, KindTariffMismatch, KindClaimOutsideCoverage, KindDoubleFunded,
	KindInvalidNIK, KindDomicileOutsideCity, KindDeclaredTotalMismatch,
	KindFundedNotPaid, KindPaidAfterDeath, KindClaimAboveBenefit, KindRosterRowRejected, KindKPJNIKMismatch,
}

// Valid reports whether k is a known kind.
func (k DiscrepancyKind) Valid() bool { return slices.Contains(DiscrepancyKinds, k) }

// Severity ranks findings for the officers' work queue.
type Severity string

const (
	SeverityHigh   Severity = "HIGH"   // money or protection at stake now
	SeverityMedium Severity = "MEDIUM" // needs correction
	SeverityLow    Severity = "LOW"    // informational
)

// Severities lists every severity, highest first.
var Severities = []Severity{SeverityHigh, SeverityMedium, SeverityLow}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return slices.Contains(Severities, s) }

// DiscrepancyStatus is where a finding is in its life.
type DiscrepancyStatus string

const (
	StatusOpen         DiscrepancyStatus = "OPEN"
	StatusAcknowledged DiscrepancyStatus = "ACKNOWLEDGED"
	StatusResolved     DiscrepancyStatus = "RESOLVED"
)

// DiscrepancyStatuses lists every status.
var DiscrepancyStatuses = []DiscrepancyStatus{StatusOpen, StatusAcknowledged, StatusResolved}

// Valid reports whether s is a known status.
func (s DiscrepancyStatus) Valid() bool { return slices.Contains(DiscrepancyStatuses, s) }

// Finding is what one reconciliation pass reports: the condition, without its
// life cycle. Its ID is stable across passes for the same subject (kind and the
// person, membership, claim or figure concerned), and opaque: it never carries
// personal data.
type Finding struct {
	ID       string
	Kind     DiscrepancyKind
	Severity Severity
	NIK      string   // the person concerned ("" for declared totals)
	KPJ      string   // the membership concerned, when one is
	Category Category // the roster category concerned, when one is
	ClaimNo  string   // the claim concerned, when one is
	AreaCode string   // kelurahan of domicile (roster or membership), for scoping
	Periods  []Period // the months concerned, ascending
	Amount   int64    // rupiah at stake (see docs/reconciliation.md per kind)
	Detail   string   // one sentence for the officer, without personal data
}

// Discrepancy is a finding with its life cycle, as stored.
type Discrepancy struct {
	Finding
	Status         DiscrepancyStatus
	FirstSeen      time.Time // as-of time of the data of the pass that first found it
	LastSeen       time.Time // as-of time of the data of the last pass that found it
	FirstRun       string    // reconciliation run that first found it
	AcknowledgedBy string
	AcknowledgedAt time.Time
	ResolvedBy     string // "" and AutoResolved when the condition disappeared
	ResolvedAt     time.Time
	ResolutionNote string
	AutoResolved   bool
}

// DiscrepancyFilter selects discrepancies. Empty fields do not filter.
type DiscrepancyFilter struct {
	Kinds      []DiscrepancyKind
	Severities []Severity
	Statuses   []DiscrepancyStatus
	AreaCode   string // city, kecamatan or kelurahan
	Category   Category
	NIK        string
	KPJ        string
	Period     Period // concerns this month
}

// KindTally is how many discrepancies of one kind match, and the rupiah at
// stake in them (the sum of their Amount).
type KindTally struct {
	Count  int64
	Amount int64
}

// Discrepancies reads and updates stored discrepancies.
type Discrepancies interface {
	Discrepancies(ctx context.Context, f DiscrepancyFilter, p PageRequest) (Page[Discrepancy], error)
	DiscrepancyCounts(ctx context.Context, f DiscrepancyFilter) (map[DiscrepancyKind]KindTally, error)
	Discrepancy(ctx context.Context, id string) (*Discrepancy, error)
	AcknowledgeDiscrepancy(ctx context.Context, id, by string, at time.Time) (*Discrepancy, error)
	ResolveDiscrepancy(ctx context.Context, id, by, note string, at time.Time) (*Discrepancy, error)
}

// Metric is a figure the city declares and the product counts.
type Metric string

const (
	// Roster entries funded by the city in some month of the year.
	MetricCityFundedWorkers Metric = "CITY_FUNDED_WORKERS"
	// Rupiah of contributions paid by the city (APBD) for months of the year.
	MetricAPBDContributionsPaid Metric = "APBD_CONTRIBUTIONS_PAID"
	// Rupiah of claims paid in the year to members whose contributions the city pays.
	MetricAPBDClaimsPaid Metric = "APBD_CLAIMS_PAID"
	// Active participants (memberships) at the end of the year, or at the data's
	// as-of date for the current year.
	MetricActiveParticipants Metric = "ACTIVE_PARTICIPANTS"
)

// Metrics lists every metric.
var Metrics = []Metric{MetricCityFundedWorkers, MetricAPBDContributionsPaid, MetricAPBDClaimsPaid, MetricActiveParticipants}

// Valid reports whether m is a known metric.
func (m Metric) Valid() bool { return slices.Contains(Metrics, m) }

// Money reports whether the metric is in rupiah.
func (m Metric) Money() bool {
	return m == MetricAPBDContributionsPaid || m == MetricAPBDClaimsPaid
}

// DeclaredTotal is a figure an admin recorded, e.g. "17,000 city-funded workers
// in 2024", to be compared with the counted one. Category "" is all categories;
// AreaCode "" is the whole city.
type DeclaredTotal struct {
	Metric   Metric
	Year     int
	AreaCode string
	Category Category
	Value    int64
	Source   string
	SetBy    string
	SetAt    time.Time
}

// Key returns the declared total's natural key.
func (d DeclaredTotal) Key() string {
	return string(d.Metric) + ":" + strconv.Itoa(d.Year) + ":" + d.AreaCode + ":" + string(d.Category)
}

// Validate checks a declared total.
func (d DeclaredTotal) Validate(areas *Areas) error {
	switch {
	case !d.Metric.Valid():
		return Errorf(EINVALID, "unknown metric %q", Clip(string(d.Metric)))
	case d.Year < 2000 || d.Year > 2100:
		return Errorf(EINVALID, "year must be between 2000 and 2100, got %d", d.Year)
	case d.Value < 0:
		return Errorf(EINVALID, "a declared %s cannot be negative, got %d", d.Metric, d.Value)
	case d.Category != "" && d.Category.Validate() != nil:
		return d.Category.Validate()
	}
	if d.AreaCode != "" {
		if err := areas.CheckArea(d.AreaCode); err != nil {
			return err
		}
	}
	return nil
}

// FindingCounts say what a reconciliation pass did to the stored discrepancies.
type FindingCounts struct {
	Found     int64 // findings of the pass
	Opened    int64 // new discrepancies
	Reopened  int64 // resolved ones whose condition came back or changed
	Updated   int64 // open ones whose content changed
	Unchanged int64
	Resolved  int64 // open ones whose condition disappeared (resolved automatically)
}

// ReconcileRun records one reconciliation pass.
type ReconcileRun struct {
	ID            string
	Trigger       string // "schedule", "cli", "reconcileNow", "demo", ...
	Status        RunStatus
	StartedAt     time.Time
	FinishedAt    time.Time
	AsOf          time.Time // the data's as-of time
	Error         string
	Read          int64 // records read
	People        int64 // NIKs reconciled
	Findings      FindingCounts
	RollupVersion int64 // version of the rollup it built or confirmed
	Cells         int64
	NewVersion    bool // the cells changed and a new version was stored
}
