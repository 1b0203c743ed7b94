package graph

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph/internal/model"
)

// Every read of personal data is audited, once per request: the guard
// (personal.go) counts each personal field it shows in the request's
// auditRecord; when the request ends, a deferred step of its HTTP handler
// writes one coverage.AuditEntry (who, when, operation, which fields, how
// many records and people; never the data) to Config.AuditLog. The entry is
// written whatever happened to the request (an error half-way, a panic, a
// client gone), after the answer; failing to write it is logged at error
// level and counted (AuditFailures), and never costs the caller its answer.

// AuditLog is where audit entries go: coverage.AuditLog, implemented by
// store.Store (store/audit.go).
type AuditLog = coverage.AuditLog

// auditTimeout bounds the write of a request's entry.
const auditTimeout = 5 * time.Second

var auditFailures atomic.Int64

// AuditFailures is the number of audit entries this process failed to write.
func AuditFailures() int64 { return auditFailures.Load() }

// auditRecord collects what one request read.
type auditRecord struct {
	mu                           sync.Mutex
	at                           time.Time
	principal                    Principal
	operation, kind              string
	fields, records, people      map[string]struct{}
	masked, failed, operationSet bool
}

type auditKey struct{}

// auditOf returns the request's record, nil outside an audited request.
func auditOf(ctx context.Context) *auditRecord {
	a, _ := ctx.Value(auditKey{}).(*auditRecord)
	return a
}

// read counts one personal field shown.
func (a *auditRecord) read(f PersonalField, masked bool) {
	if a == nil {
		return
	}
	rec, person := subject(f.Record)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fields[f.name()] = struct{}{}
	a.records[rec] = struct{}{}
	if person != "" {
		a.people[person] = struct{}{}
	}
	a.masked = a.masked || masked
}

// selected counts a selection of records by personal data (a NIK, a name)
// as a read of those data: the records a lookup by NIK returns say whose
// they are, whichever fields are asked for. The field is "selection:nik" or
// "selection:name"; a lookup that finds nothing is counted too (a probe).
func (a *auditRecord) selected(fields []string, recs []any) {
	if a == nil || len(fields) == 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, f := range fields {
		a.fields[f] = struct{}{}
	}
	for _, r := range recs {
		rec, person := subject(r)
		a.records[rec] = struct{}{}
		if person != "" {
			a.people[person] = struct{}{}
		}
	}
}

// operationOf notes the request's operation.
func (a *auditRecord) operationOf(oc *graphql.OperationContext) {
	if a == nil || oc == nil || oc.Operation == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.operationSet {
		a.operation, a.kind, a.operationSet = oc.Operation.Name, string(oc.Operation.Operation), true
	}
}

// fail notes that the request answered with errors.
func (a *auditRecord) fail() {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failed = true
}

// entry is the request's audit entry; false when it read no personal data.
func (a *auditRecord) entry() (coverage.AuditEntry, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.fields) == 0 {
		return coverage.AuditEntry{}, false
	}
	p := a.principal
	return coverage.AuditEntry{
		At: a.at, Principal: p.Name, Role: p.Role, Area: p.Area, Method: p.Method, KeyID: p.KeyID,
		Operation: a.operation, Kind: a.kind,
		Fields: slices.Sorted(func(yield func(string) bool) {
			for f := range a.fields {
				if !yield(f) {
					return
				}
			}
		}),
		Records: int64(len(a.records)), People: int64(len(a.people)),
		Masked: a.masked, Failed: a.failed,
	}, true
}

// subject names the record a personal field belongs to and the person (NIK)
// it is about, for counting; they never leave the process.
func subject(rec any) (record, person string) {
	switch r := rec.(type) {
	case *coverage.Participant:
		return "Participant:" + r.KPJ, r.NIK
	case *coverage.Contribution:
		return "Contribution:" + r.ID, r.NIK
	case *coverage.Claim:
		return "Claim:" + r.ClaimNo, r.NIK
	case *coverage.RosterEntry:
		return "RosterEntry:" + r.Key(), r.NIK
	case *coverage.Discrepancy:
		return "Discrepancy:" + r.ID, r.NIK
	case *coverage.Quarantined:
		return "QuarantinedRecord:" + r.ID, ""
	case *coverage.ScenarioRosterRow:
		return "ScenarioRosterRow:" + r.NIK, r.NIK
	case *model.RowError:
		return fmt.Sprintf("RowError:%d", r.Row), ""
	}
	return fmt.Sprintf("%T:%p", rec, rec), ""
}

// auditor writes the requests' entries.
type auditor struct {
	log    AuditLog // nil: entries go to the logger only
	logger *slog.Logger
}

// middleware gives each request its audit record and writes its entry when
// the request ends, however it ends.
func (a *auditor) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &auditRecord{at: time.Now().UTC(), principal: caller(r.Context()),
			fields: map[string]struct{}{}, records: map[string]struct{}{}, people: map[string]struct{}{}}
		defer a.write(r.Context(), rec)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), auditKey{}, rec)))
	})
}

// write appends the request's entry, if it read personal data.
func (a *auditor) write(ctx context.Context, rec *auditRecord) {
	e, ok := rec.entry()
	if !ok {
		return
	}
	attrs := []any{"principal", e.Principal, "role", e.Role, "operation", e.Operation, "fields", e.Fields,
		"records", e.Records, "people", e.People, "masked", e.Masked, "failed", e.Failed}
	if a.log == nil {
		a.logger.InfoContext(ctx, "audit: personal data read (no audit log configured)", attrs...)
		return
	}
	// The request's own context may be cancelled (a client gone): the entry
	// is written regardless.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	if err := a.log.Append(wctx, e); err != nil {
		auditFailures.Add(1)
		a.logger.ErrorContext(ctx, "audit: entry not written", append(attrs, "error", err)...)
	}
}

// operations notes each operation's name and kind in its request's record.
func (a *auditor) operations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	auditOf(ctx).operationOf(graphql.GetOperationContext(ctx))
	return next(ctx)
}

// responses notes a response with errors in its request's record.
func (a *auditor) responses(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		auditOf(ctx).fail()
	}
	return resp
}
