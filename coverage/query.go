package coverage

import (
	"context"
	"time"
)

// PageRequest asks for at most First records after the record with key After
// (exclusive), in ascending key order. After is "" for the first page.
type PageRequest struct {
	First int
	After string
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
	return r, nil
}

// Page is one page of records in ascending key order, with the number of records
// matching the filter in all pages.
type Page[T any] struct {
	Items       []T
	Keys        []string // natural key of each item, for cursors
	TotalCount  int64
	HasNextPage bool
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
}

// ContributionFilter selects contributions.
type ContributionFilter struct {
	KPJ        string
	NIK        string
	PayerTypes []PayerType
	PeriodFrom Period // on or after
	PeriodTo   Period // on or before
	Unpaid     *bool  // true: amount_paid < amount_due; false: fully paid
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
	TotalKnown  bool      // the feed told its size (FEEDS.md's optional "total")
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

// RosterImport is what a roster spreadsheet import did.
type RosterImport struct {
	FileName string
	Rows     int // data rows read
	Valid    int
	Rejected int
	Counts   SyncCounts // of the valid rows' writes
	Errors   []RowError // at most the first 10,000
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
	SyncRun(ctx context.Context, id string) (*SyncRun, error)
	Quarantine(ctx context.Context, f QuarantineFilter, p PageRequest) (Page[Quarantined], error)
}
