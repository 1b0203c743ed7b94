package coverage

import (
	"context"
	"strings"
	"time"
)

// PageRequest asks for at most First records after the cursor After
// (exclusive) in the order Order. After is nil for the first page.
type PageRequest struct {
	First int
	After *Cursor
	Order Order
}

// Order orders a list by one of its sort fields (the list's Sorts say which),
// ascending or descending. The zero Order is the list's key, ascending. Ties
// are broken by the key in the same direction, so an order is total and a
// page boundary never splits or repeats records.
type Order struct {
	Field SortField
	Desc  bool
}

// SortField names a field a list can be ordered by: the record's field as
// stored (its feed name). SortKey is the list's natural key.
type SortField string

// The sort fields. Each list accepts the ones in its Sorts variable.
const (
	SortKey           SortField = ""
	SortKPJ           SortField = "kpj"
	SortName          SortField = "name"
	SortRegisteredAt  SortField = "registered_at"
	SortCoverageStart SortField = "coverage_start"
	SortPeriod        SortField = "period"
	SortAmountDue     SortField = "amount_due"
	SortAmountPaid    SortField = "amount_paid"
	SortPaidAt        SortField = "paid_at"
	SortIncidentDate  SortField = "incident_date"
	SortSubmittedAt   SortField = "submitted_at"
	SortAmountClaimed SortField = "amount_claimed"
	SortCategory      SortField = "category"
	SortFundedFrom    SortField = "funded_from"
	SortAmount        SortField = "amount"
	SortFirstSeen     SortField = "first_seen"
	SortLastSeen      SortField = "last_seen"
	SortReceivedAt    SortField = "received_at"
)

// The sort fields of each list.
var (
	ParticipantSorts  = []SortField{SortKey, SortName, SortRegisteredAt, SortCoverageStart}
	ContributionSorts = []SortField{SortKey, SortKPJ, SortPeriod, SortAmountDue, SortAmountPaid, SortPaidAt}
	ClaimSorts        = []SortField{SortKey, SortKPJ, SortIncidentDate, SortSubmittedAt, SortPaidAt, SortAmountClaimed, SortAmountPaid}
	RosterSorts       = []SortField{SortKey, SortName, SortCategory, SortFundedFrom}
	DiscrepancySorts  = []SortField{SortKey, SortAmount, SortFirstSeen, SortLastSeen}
	QuarantineSorts   = []SortField{SortKey, SortReceivedAt}
)

// SortKind says how a sort field's values compare and how its cursor value
// is written.
type SortKind int

const (
	// SortText: keys, names, codes, dates and periods in their ISO forms,
	// compared as strings ("" first).
	SortText SortKind = iota
	// SortRupiah: an int64 amount; the cursor value is a decimal integer.
	SortRupiah
	// SortInstant: a time; the cursor value is RFC 3339 in UTC with nanoseconds.
	SortInstant
)

// Kind returns the field's SortKind.
func (f SortField) Kind() SortKind {
	switch f {
	case SortAmountDue, SortAmountPaid, SortAmountClaimed, SortAmount:
		return SortRupiah
	case SortFirstSeen, SortLastSeen, SortReceivedAt:
		return SortInstant
	}
	return SortText
}

// Check returns EINVALID unless the order's field is one of sorts.
func (o Order) Check(list string, sorts []SortField) error {
	for _, f := range sorts {
		if f == o.Field {
			return nil
		}
	}
	return Errorf(EINVALID, "%s cannot be ordered by %q", list, Clip(string(o.Field)))
}

// Cursor is a position in an ordered list: the sort field's value of a record
// ("" when the list is ordered by its key) and the record's key. A page after
// a cursor starts with the first record past that position, whether or not
// the record itself still exists or has changed since: pages are ranges of
// (value, key), so cursors stay valid while records are written.
type Cursor struct {
	Value string
	Key   string
}

// MaxPageSize bounds PageRequest.First.
const MaxPageSize = 1000

// DefaultPageSize is used when PageRequest.First is 0.
const DefaultPageSize = 50

// Normalize applies the default and checks the bounds.
func (r PageRequest) Normalize() (PageRequest, error) {
	if r.First == 0 {
		r.First = DefaultPageSize
	}
	if r.First < 0 || r.First > MaxPageSize {
		return r, Errorf(EINVALID, "first must be between 1 and %d, got %d", MaxPageSize, r.First)
	}
	if r.After != nil && r.After.Key == "" {
		return r, Errorf(EINVALID, "a cursor needs a key")
	}
	return r, nil
}

// Page is one page of records in the requested order, with the number of
// records matching the filter in all pages.
type Page[T any] struct {
	Items       []T
	Cursors     []Cursor // position of each item, for the next page's After
	TotalCount  int64
	HasNextPage bool
}

// Next returns the request for the page after p, or nil when p is the last.
func (p Page[T]) Next(r PageRequest) *PageRequest {
	if !p.HasNextPage || len(p.Cursors) == 0 {
		return nil
	}
	c := p.Cursors[len(p.Cursors)-1]
	r.After = &c
	return &r
}

// ParticipantFilter selects participants. Empty fields do not filter; lists
// match any of their values.
type ParticipantFilter struct {
	AreaCode       string // city, kecamatan or kelurahan code of the domicile
	NIK            string
	Segments       []Segment
	PayerTypes     []PayerType
	Statuses       []ParticipantStatus
	Genders        []Gender
	Programs       []Program // has any of these programs
	RegisteredFrom Date      // registered on or after
	RegisteredTo   Date      // registered on or before
	ActiveOn       Date      // coverage includes this date and status ACTIVE
	NameContains   string    // case-insensitive
	// On the city's roster (same NIK) in any of these categories, in any month.
	RosterCategories []Category
}

// ContributionFilter selects contributions.
type ContributionFilter struct {
	KPJ        string
	NIK        string
	PayerTypes []PayerType
	PeriodFrom Period // on or after
	PeriodTo   Period // on or before
	Unpaid     *bool  // true: amount_paid < amount_due; false: fully paid
	PaidFrom   Date   // paid on or after (a record without paid_at never matches a paid-date bound)
	PaidTo     Date   // paid on or before
	// The member's (participant with the KPJ) domicile: city, kecamatan or
	// kelurahan code. A contribution whose KPJ has no participant never matches.
	AreaCode string
	// The person (same NIK) is on the city's roster in any of these categories.
	RosterCategories []Category
}

// ClaimFilter selects claims.
type ClaimFilter struct {
	KPJ           string
	NIK           string
	Programs      []Program
	Benefits      []Benefit
	Statuses      []ClaimStatus
	IncidentFrom  Date
	IncidentTo    Date
	SubmittedFrom Date
	SubmittedTo   Date
	PaidFrom      Date // paid on or after (a claim without paid_at never matches a paid-date bound)
	PaidTo        Date
	// Amount ranges, inclusive; nil is open.
	AmountClaimedMin, AmountClaimedMax *int64
	AmountPaidMin, AmountPaidMax       *int64
	// The member's (participant with the KPJ) domicile and payer. A claim whose
	// KPJ has no participant never matches either.
	AreaCode   string
	PayerTypes []PayerType
}

// RosterFilter selects roster entries.
type RosterFilter struct {
	AreaCode   string // city, kecamatan or kelurahan code
	NIK        string
	Categories []Category
	Agency     string
	FundedIn   Period // funded by the city in this month
}

// WorkforceFilter selects workforce targets.
type WorkforceFilter struct {
	Year     int    // 0 for all years
	AreaCode string // exact area code, "" for all
}

// Records reads the stored feed records. Implementations return ENOTFOUND for a
// missing single record and EINVALID for a bad filter.
type Records interface {
	Participants(ctx context.Context, f ParticipantFilter, p PageRequest) (Page[Participant], error)
	Participant(ctx context.Context, kpj string) (*Participant, error)
	Contributions(ctx context.Context, f ContributionFilter, p PageRequest) (Page[Contribution], error)
	Claims(ctx context.Context, f ClaimFilter, p PageRequest) (Page[Claim], error)
	Roster(ctx context.Context, f RosterFilter, p PageRequest) (Page[RosterEntry], error)
	Workforce(ctx context.Context, f WorkforceFilter) ([]WorkforceTarget, error)

	// Batched reads for nested lists: one call answers many members, each
	// with its own page (same filter and request for all). The filter's KPJ or
	// NIK is ignored; the keys given select. Missing keys map to empty pages.
	ContributionsByKPJ(ctx context.Context, kpjs []string, f ContributionFilter, p PageRequest) (map[string]Page[Contribution], error)
	ClaimsByKPJ(ctx context.Context, kpjs []string, f ClaimFilter, p PageRequest) (map[string]Page[Claim], error)
	RosterByNIK(ctx context.Context, niks []string) (map[string][]RosterEntry, error)
}

// RunStatus is the state of a sync run.
type RunStatus string

const (
	RunRunning   RunStatus = "RUNNING"
	RunSucceeded RunStatus = "SUCCEEDED"
	RunFailed    RunStatus = "FAILED"
	RunCancelled RunStatus = "CANCELLED" // stopped by cancelSync or at shutdown
)

// Finished reports whether a run in this state has ended.
func (s RunStatus) Finished() bool { return s != RunRunning && s != "" }

// SyncCounts are the counts of one sync run, or of one page within it.
type SyncCounts struct {
	Pages       int64
	Read        int64 // records received, tombstones and repeats included
	Inserted    int64
	Updated     int64
	Unchanged   int64
	Deleted     int64
	Quarantined int64
}

// Add adds o to c.
func (c *SyncCounts) Add(o SyncCounts) {
	c.Pages += o.Pages
	c.Read += o.Read
	c.Inserted += o.Inserted
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
	c.Deleted += o.Deleted
	c.Quarantined += o.Quarantined
}

// SyncRun records one pull of one feed.
type SyncRun struct {
	ID           string
	Feed         Feed
	Trigger      string // "cli", "schedule", "startup", "demo", ...
	Status       RunStatus
	StartedAt    time.Time
	FinishedAt   time.Time // zero while running
	UpdatedSince time.Time // checkpoint the run started from; zero for a full pull
	Checkpoint   time.Time // checkpoint reached
	AsOf         time.Time // the feed's snapshot time of the last page
	Error        string
	Counts       SyncCounts

	// Live progress, saved after every page while the run goes.
	Total       int64     // records the feed said the run would read; 0 with TotalKnown false when it did not say
	TotalKnown  bool      // the feed told its size (docs/feeds.md's optional "total")
	HeartbeatAt time.Time // when the run last reported progress
	Owner       string    // the process running it (host, pid)
	Tick        time.Time // the scheduled time the run was for; zero for a manual run
	Generation  int64     // the fencing generation of the lease it runs under
}

// Rate returns the records read per second so far, at now for a running run.
func (r SyncRun) Rate(now time.Time) float64 {
	end := r.FinishedAt
	if end.IsZero() {
		end = now
	}
	secs := end.Sub(r.StartedAt).Seconds()
	if secs <= 0 {
		return 0
	}
	return float64(r.Counts.Read) / secs
}

// Remaining estimates the time a running run still needs, from its rate and
// the feed's total; ok is false when the feed did not tell its size, the run
// has ended or nothing was read yet.
func (r SyncRun) Remaining(now time.Time) (d time.Duration, ok bool) {
	rate := r.Rate(now)
	if !r.TotalKnown || r.Status != RunRunning || rate <= 0 {
		return 0, false
	}
	left := r.Total - r.Counts.Read
	if left < 0 {
		left = 0
	}
	return time.Duration(float64(left) / rate * float64(time.Second)), true
}

// RosterImport is what a roster spreadsheet import did, or is doing: its
// report, kept in the store (see RosterImportStatus).
type RosterImport struct {
	ID         string
	FileName   string
	Status     RosterImportStatus
	StartedAt  time.Time
	FinishedAt time.Time // zero until COMMITTED or FAILED
	Failure    string    // why it failed, or why it is not finished yet
	Rows       int       // data rows read
	Valid      int
	Rejected   int
	Counts     SyncCounts // of the valid rows' writes
	Errors     []RowError // at most the first 10,000
}

// RowError is a spreadsheet row that failed validation.
type RowError struct {
	Row    int // as the spreadsheet shows it; the header is row 1
	Column string
	Value  string
	Reason string
}

// Quarantined is a feed record that failed validation, kept as received.
type Quarantined struct {
	ID         string
	Feed       Feed
	RunID      string
	Key        string // the natural key if it could be read, else ""
	Raw        string // the record as received (JSON)
	Reason     string
	ReceivedAt time.Time
}

// QuarantineFilter selects quarantined records.
type QuarantineFilter struct {
	Feed  Feed
	RunID string
}

// SyncLog reads sync runs and quarantined records.
type SyncLog interface {
	SyncRuns(ctx context.Context, feed Feed, first int) ([]SyncRun, error)
	// LatestSucceededRun is a feed's newest SUCCEEDED run, however many
	// failed since; nil when none has.
	LatestSucceededRun(ctx context.Context, feed Feed) (*SyncRun, error)
	SyncRun(ctx context.Context, id string) (*SyncRun, error)
	Quarantine(ctx context.Context, f QuarantineFilter, p PageRequest) (Page[Quarantined], error)
}

// TriggerKind returns what started a run without who: the part of a trigger
// before ":" ("api" of "api:<caller's name>"), for places that must not carry
// a person's name, such as exported trace spans.
func TriggerKind(trigger string) string {
	kind, _, _ := strings.Cut(trigger, ":")
	return kind
}
