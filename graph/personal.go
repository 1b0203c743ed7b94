package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// PersonalDataGuard decides what a request may see of a field the schema marks
// @personalData (a NIK, a name, a birth date, a raw quarantined record). It is
// the one place where access control masks or withholds personal data and
// writes the audit log (Law 27/2022); Config.Guard nil shows every value as
// stored.
//
// PersonalData is called once per marked field of each record, after the field
// has resolved, with the resolved value. It returns the value to show: value
// itself, or a masked value of the same Go type (string for nik, name and raw;
// coverage.Date for birthDate; for nikInfo, which is derived from the NIK, either
// value itself or nil to show null). To withhold a field it returns an error,
// normally a *coverage.Error with code coverage.EFORBIDDEN, which the client sees
// as FORBIDDEN on that field. It must be safe for concurrent use: fields of one
// request resolve in parallel.
type PersonalDataGuard interface {
	PersonalData(ctx context.Context, f PersonalField, value any) (any, error)
}

// PersonalField names a marked field and the record it belongs to.
type PersonalField struct {
	Type   string // GraphQL type: "Participant", "Contribution", "Claim", "RosterEntry", "QuarantinedRecord", "Discrepancy"
	Field  string // GraphQL field: "nik", "name", "birthDate", "nikInfo", "raw"
	Record any    // the record: *coverage.Participant, *coverage.Contribution, *coverage.Claim, *coverage.RosterEntry, *coverage.Quarantined or *coverage.Discrepancy
}

// personalData implements the @personalData directive: the one call site of
// the guard.
func personalData(guard PersonalDataGuard) func(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
	return func(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
		v, err := next(ctx)
		if err != nil || guard == nil {
			return v, err
		}
		fc := graphql.GetFieldContext(ctx)
		return guard.PersonalData(ctx, PersonalField{Type: fc.Object, Field: fc.Field.Name, Record: obj}, v)
	}
}
