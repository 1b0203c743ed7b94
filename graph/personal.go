package graph

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph/internal/model"
)

// Personal data (Law 27/2022): the schema marks every field that carries a
// NIK, a name, a birth date or a raw feed record with @personalData, and this
// file is the directive's one implementation, the PersonalDataGuard. After a
// marked field resolves, what the caller sees depends on its role:
//
//   - ADMIN and OFFICER: the value as stored (an officer only ever reaches the
//     records of its area: scope.go);
//   - ANALYST: the value masked by analystView: a NIK as 3672********0001, a
//     name initialled ("Budi Santoso" -> "B. S."), the birth date withheld
//     (null) with its year in birthYear, nikInfo reduced to its validity, a
//     discrepancy's resolution note (free text) withheld as null; a raw
//     quarantined record or spreadsheet value withheld (FORBIDDEN);
//   - anyone else: withheld, FORBIDDEN (the policy keeps them away from
//     records already; this is the second lock).
//
// Every value shown, masked or not, is counted in the request's audit entry
// (audit.go): the field and the record and person it belongs to.

// PersonalField names a marked field and the record it belongs to.
type PersonalField struct {
	Type   string // GraphQL type: "Participant", "Contribution", "Claim", "RosterEntry", "QuarantinedRecord", "Discrepancy", "RowError"
	Field  string // GraphQL field: "nik", "name", "birthDate", "birthYear", "nikInfo", "raw", "value"
	Record any    // the record: *coverage.Participant, *coverage.Contribution, *coverage.Claim, *coverage.RosterEntry, *coverage.Quarantined, *coverage.Discrepancy or *model.RowError
}

func (f PersonalField) name() string { return f.Type + "." + f.Field }

// personalData implements the @personalData directive: the guard.
func personalData(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
	v, err := next(ctx)
	if err != nil {
		return v, err
	}
	fc := graphql.GetFieldContext(ctx)
	f := PersonalField{Type: fc.Object, Field: fc.Field.Name, Record: obj}
	p := caller(ctx)
	shown, masked, err := protect(p.Role, f, v)
	if err != nil {
		return nil, err
	}
	if !empty(shown) {
		auditOf(ctx).read(f, masked)
	}
	return shown, nil
}

// protect returns what a role may see of a personal field's value, and
// whether it is masked.
func protect(role Role, f PersonalField, v any) (shown any, masked bool, err error) {
	switch role {
	case RoleAdmin, RoleOfficer:
		return v, false, nil
	case RoleAnalyst:
		view, ok := analystView[f.name()]
		if !ok {
			break // a marked field without a rule is withheld
		}
		shown, err := view(v)
		return shown, true, err
	}
	return nil, false, coverage.Errorf(coverage.EFORBIDDEN, "%s is personal data, not shown to the %s role", f.name(), role)
}

// withheld is the analyst's view of a field it may not see at all.
func withheld(name string) func(any) (any, error) {
	return func(any) (any, error) {
		return nil, coverage.Errorf(coverage.EFORBIDDEN, "%s is withheld from the ANALYST role", name)
	}
}

// analystView masks each marked field for analysts; a test keeps it in step
// with the schema's @personalData fields.
var analystView = map[string]func(any) (any, error){
	"Participant.nik":       maskNIKValue,
	"Contribution.nik":      maskNIKValue,
	"Claim.nik":             maskNIKValue,
	"RosterEntry.nik":       maskNIKValue,
	"Discrepancy.nik":       maskNIKValue,
	"Participant.name":      initialsValue,
	"RosterEntry.name":      initialsValue,
	"Participant.birthDate": func(any) (any, error) { return coverage.Date(""), nil }, // shows null: the year is birthYear
	"Participant.birthYear": func(v any) (any, error) { return v, nil },
	"Participant.nikInfo": func(v any) (any, error) { // validity only: the rest is the NIK's digits
		if n, ok := v.(*model.NikInfo); ok && n != nil {
			return &model.NikInfo{Valid: n.Valid}, nil
		}
		return v, nil
	},
	// Free text typed by admins, which may name people or quote NIKs:
	// shown as null, not an error, so that a page of discrepancies reads.
	"Discrepancy.resolutionNote": func(any) (any, error) { return (*string)(nil), nil },
	"QuarantinedRecord.raw":      withheld("QuarantinedRecord.raw"),
	"RowError.value":             withheld("RowError.value"),
}

func maskNIKValue(v any) (any, error)  { return mapString(v, maskNIK), nil }
func initialsValue(v any) (any, error) { return mapString(v, initials), nil }

// mapString applies f to a string or a non-nil *string.
func mapString(v any, f func(string) string) any {
	switch s := v.(type) {
	case string:
		return f(s)
	case *string:
		if s != nil {
			m := f(*s)
			return &m
		}
	}
	return v
}

// maskNIK keeps the city (first 4 digits) and the serial (last 4) of a NIK:
// 3672********0001. Anything that is not 16 digits is masked whole: a value
// of 16 bytes with multibyte characters would otherwise be cut inside a
// character. (This is what analysts see; coverage.MaskNIK is the form for
// logs.)
func maskNIK(nik string) string {
	if len(nik) != 16 || strings.ContainsFunc(nik, func(r rune) bool { return r < '0' || r > '9' }) {
		return strings.Repeat("*", 16)
	}
	return nik[:4] + "********" + nik[12:]
}

// initials reduces a name to the first letter of each word: "Budi Santoso" ->
// "B. S."; words without a letter or digit are dropped.
func initials(name string) string {
	var out []string
	for _, w := range strings.Fields(name) {
		if i := strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }); i >= 0 {
			r, _ := utf8.DecodeRuneInString(w[i:])
			out = append(out, string(unicode.ToUpper(r))+".")
		}
	}
	return strings.Join(out, " ")
}

// empty reports whether a field's value shows as null or "": nothing left.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case *string:
		return x == nil || *x == ""
	case coverage.Date:
		return x == ""
	case *int:
		return x == nil
	case *model.NikInfo:
		return x == nil
	}
	return false
}
