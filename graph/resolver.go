// Package graph is the GraphQL API: the schema in ../schema.graphqls, bound by
// ../gqlgen.yml to the domain types of coverage, served by NewHandler.
//
// The executable schema and the connection and input models are generated into
// internal/ and never edited; schema.resolvers.go holds the resolvers, which are
// thin: they check their arguments and call coverage.Records, coverage.SyncLog
// or *coverage.Areas (scoped to the caller: scope.go), nothing else; a
// participant's nested lists go through the request's batching loaders
// (loaders.go). Errors are coverage errors, shown once by the error presenter
// with extensions.code. Access control is one table enforced by one field
// middleware (policy.go); personal data passes through one guard
// (personal.go), and its reads are audited (audit.go). docs/graphql.md
// describes the API.
package graph

//go:generate go -C .. tool gqlgen generate

import (
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph/internal/model"
)

// resolver answers the schema's queries from the stores and the area
// hierarchy. Its stores and analytics are scoped to each request's caller
// (scope.go); the policy (policy.go) has already let the caller in.
type resolver struct {
	records        coverage.Records
	syncLog        coverage.SyncLog
	areas          *coverage.Areas
	analytics      *scopedAnalytics // nil: the coverage queries answer UNAVAILABLE
	reconcileLog   ReconcileLog     // discrepancies and reconciliation runs; set with analytics
	auditLog       AuditLog         // nil: auditLog answers UNAVAILABLE
	sync           SyncControl      // nil: triggerSync and cancelSync answer UNAVAILABLE
	rosterImporter RosterImporter   // nil: importRoster answers UNAVAILABLE
	scenarios      Scenarios        // nil: the saved scenarios and scenario rosters answer UNAVAILABLE (scenario.go)
	batchWait      time.Duration    // of the nested lists' loaders
	cursors        *cursorCodec     // seals the lists' cursors
	cost           *costModel       // query costs (limits.go); learns the rollup's size from coverage answers
}

// lookupArea returns the area with the code, or nil when the city has none
// (a domicile outside the city, an unknown workforce area).
func (r *resolver) lookupArea(code string) *coverage.Area {
	if a, ok := r.areas.Lookup(code); ok {
		return &a
	}
	return nil
}

// kecamatanOf returns the kecamatan of a kelurahan code, or nil.
func (r *resolver) kecamatanOf(kelurahanCode string) *coverage.Area {
	if len(kelurahanCode) < 6 {
		return nil
	}
	return r.lookupArea(kelurahanCode[:6])
}

// nikInfo reads what a NIK tells; a NIK that does not parse is reported, not
// an error, since feeds keep such records for reconciliation.
func nikInfo(nik string) *model.NikInfo {
	n, err := coverage.ParseNIK(nik)
	if err != nil {
		reason := coverage.ErrorMessage(err)
		return &model.NikInfo{Valid: false, Reason: &reason}
	}
	return &model.NikInfo{Valid: true, RegistrationKecamatanCode: &n.KecamatanCode, BirthDate: &n.BirthDate, Gender: &n.Gender}
}

// optional returns nil for "", so that an empty string shows as null.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nonNil returns an empty slice for nil, for non-null list fields.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
