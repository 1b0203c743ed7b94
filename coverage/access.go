package coverage

import "strings"

// Role is what a caller of the API may do. Roles are ordered: each includes
// what the ones before it may do, except that an officer's records and figures
// are limited to its area.
type Role string

const (
	// RoleViewer sees aggregates only (coverage figures, the APBD programme,
	// discrepancy counts): no record, no personal data.
	RoleViewer Role = "VIEWER"
	// RoleOfficer sees the records and figures of its own kecamatan or
	// kelurahan (Principal.Area), personal data included.
	RoleOfficer Role = "OFFICER"
	// RoleAnalyst sees every record with personal data masked (NIK
	// 3672********0001, names initialled, birth dates reduced to the year) and
	// no raw quarantined record.
	RoleAnalyst Role = "ANALYST"
	// RoleAdmin sees everything and may change state (mutations).
	RoleAdmin Role = "ADMIN"
)

// Roles lists the roles from the least to the most trusted.
var Roles = []Role{RoleViewer, RoleOfficer, RoleAnalyst, RoleAdmin}

// Rank orders roles: 0 for an unknown role, 1 for viewer, ... 4 for admin.
func (r Role) Rank() int {
	for i, x := range Roles {
		if x == r {
			return i + 1
		}
	}
	return 0
}

// ParseRole reads a role name, case-insensitively.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToUpper(strings.TrimSpace(s)))
	if r.Rank() == 0 {
		return "", Errorf(EINVALID, "unknown role %q: one of viewer, officer, analyst, admin", Clip(s))
	}
	return r, nil
}

// Principal is the caller of a request: who (for the audit log and for
// acknowledgedBy/resolvedBy), with what role, and for an officer the area its
// access is limited to (a kecamatan or kelurahan code).
type Principal struct {
	Name   string
	Role   Role
	Area   string // "" for every role but officer
	Method string // how it was authenticated: "admin-key", "api-key", "jwt"
	KeyID  string // the API key's id, or the token's subject: the rate limit's unit
}
