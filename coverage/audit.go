package coverage

import (
	"context"
	"time"
)

// AuditEntry records one request that read personal data: who asked, when,
// with which operation, which personal fields it returned and about how many
// people. It never holds the data itself (no NIK, name, date or amount).
// Entries are append-only: written once, never updated, removed only when
// they pass the configured retention.
type AuditEntry struct {
	// ID is assigned by the log on Append when empty; unique, opaque.
	ID string
	// At is when the request started (UTC).
	At time.Time

	// The caller (Principal): name, role, area (officers), how it was
	// authenticated and its key id or token subject.
	Principal string
	Role      Role
	Area      string
	Method    string
	KeyID     string

	// Operation is the GraphQL operation's name ("" when the request named
	// none); Kind is "query", "mutation" or "subscription".
	Operation string
	Kind      string

	// Fields lists the personal-data fields the answer carried, as
	// "Type.field" (e.g. "Participant.nik"), sorted, each once.
	Fields []string
	// Records is the number of distinct records (participants, roster
	// entries, discrepancies, quarantined records, ...) whose personal fields
	// were returned; People the number of distinct persons among them (by NIK
	// or membership number).
	Records int64
	People  int64
	// Masked is true when the personal fields were returned masked (analyst).
	Masked bool

	// Failed is true when the request ended with errors (it may have returned
	// personal data before failing: the counts above say what left).
	Failed bool
}

// AuditFilter selects audit entries. Empty fields do not filter.
type AuditFilter struct {
	Principal string    // exact principal name
	Operation string    // exact operation name
	From      time.Time // At on or after
	To        time.Time // At before (exclusive)
}

// Match reports whether e passes the filter.
func (f AuditFilter) Match(e AuditEntry) bool {
	switch {
	case f.Principal != "" && e.Principal != f.Principal:
		return false
	case f.Operation != "" && e.Operation != f.Operation:
		return false
	case !f.From.IsZero() && e.At.Before(f.From):
		return false
	case !f.To.IsZero() && !e.At.Before(f.To):
		return false
	}
	return true
}

// Validate returns EINVALID for a filter whose range is empty by construction.
func (f AuditFilter) Validate() error {
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return Errorf(EINVALID, "audit filter: from must be before to")
	}
	return nil
}

// AuditLog is the append-only store of audit entries.
//
// AuditEntries lists the entries matching the filter newest first: At
// descending, ties broken by ID descending. PageRequest.Order must be the zero
// Order. A page's cursors carry At (RFC 3339 in UTC with nanoseconds, as
// SortInstant values) in Value and the ID in Key; a page after a cursor starts
// with the first entry strictly older in (At, ID) order.
type AuditLog interface {
	Append(ctx context.Context, e AuditEntry) error
	AuditEntries(ctx context.Context, f AuditFilter, p PageRequest) (Page[AuditEntry], error)
}
