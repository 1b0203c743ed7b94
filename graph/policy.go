package graph

import (
	"context"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cilegon/jamsostek/coverage"
)

// Access control is this table and the one field middleware that enforces
// it (authorize), run by gqlgen before every field's resolver and
// directives. Every root field (Query, Mutation, Subscription) is classified
// by the least role that may ask it, what kind of data it gives, and how an
// officer's area applies; a field missing from the table is refused for
// everyone (and a test fails). Record types carry a rule of their own, so a
// record reached by a path the table does not foresee is refused too.
//
// Roles rank viewer < officer < analyst < admin (coverage.Role.Rank). What
// the table allows, the scoped stores (scope.go) limit to the caller's area,
// and the personal-data guard (personal.go) masks for analysts.

// Kind is what a field gives access to.
type Kind string

const (
	KindReference  Kind = "reference"  // the city's areas, the caller itself: the same for everyone
	KindAggregate  Kind = "aggregate"  // figures over many people: counts, sums, rates
	KindRecord     Kind = "record"     // records about people, personal data included
	KindOperations Kind = "operations" // sync and reconciliation runs: city-wide counts
	KindAdmin      Kind = "admin"      // changes, raw feed records, the audit log
)

// AreaRule is how a caller limited to an area (an officer) is served.
type AreaRule int

const (
	AreaFree   AreaRule = iota // the answer does not depend on areas
	AreaScoped                 // answered for the caller's area only (scope.go)
	AreaDenied                 // city-wide only: FORBIDDEN to a caller limited to an area
)

// Rule is the policy of one field.
type Rule struct {
	Role Role // the least role that may ask
	Kind Kind
	Area AreaRule
}

var (
	ruleReference  = Rule{RoleViewer, KindReference, AreaFree}
	ruleAggregate  = Rule{RoleViewer, KindAggregate, AreaScoped}
	ruleCityWide   = Rule{RoleViewer, KindAggregate, AreaDenied} // an aggregate with no answer per area
	ruleFreshness  = Rule{RoleViewer, KindAggregate, AreaFree}   // when the feeds last synced: the same for every area
	ruleRecord     = Rule{RoleOfficer, KindRecord, AreaScoped}
	ruleOperations = Rule{RoleAnalyst, KindOperations, AreaDenied}
	ruleAdmin      = Rule{RoleAdmin, KindAdmin, AreaDenied}
)

// policy classifies every root field, as "Type.field".
var policy = map[string]Rule{
	"Query.me":                ruleReference,
	"Query.city":              ruleReference,
	"Query.areas":             ruleReference,
	"Query.area":              ruleReference,
	"Query.workforce":         ruleAggregate,
	"Query.coverage":          ruleAggregate,
	"Query.universalCoverage": ruleAggregate,
	"Query.apbdProgram":       ruleCityWide,
	"Query.declaredTotals":    ruleAggregate,
	"Query.discrepancyCounts": ruleAggregate,
	"Query.feedFreshness":     ruleFreshness,
	"Query.participants":      ruleRecord,
	"Query.participant":       ruleRecord,
	"Query.participantByNik":  ruleRecord,
	"Query.contributions":     ruleRecord,
	"Query.claims":            ruleRecord,
	"Query.roster":            ruleRecord,
	"Query.discrepancies":     ruleRecord,
	"Query.discrepancy":       ruleRecord,
	"Query.syncRun":           ruleOperations,
	"Query.syncRuns":          ruleOperations,
	"Query.rosterImport":      ruleAdmin, // reports quote spreadsheet values
	"Query.rosterImports":     ruleAdmin,
	"Query.reconcileRuns":     ruleOperations,
	"Query.quarantine":        ruleAdmin, // raw feed records as received
	"Query.auditLog":          ruleAdmin,
	// What-if scenarios (scenario.go): figures of the whole city, which the
	// mayor's office dashboard (a viewer) computes (naming an uploaded
	// roster's people needs an analyst: scenario.go); the rosters' list is
	// the uploaders'.
	"Query.claimExperience":  ruleCityWide,
	"Query.scenario":         ruleCityWide,
	"Query.compareScenarios": ruleCityWide,
	"Query.savedScenarios":   ruleCityWide,
	"Query.savedScenario":    ruleCityWide,
	"Query.scenarioRosters":  ruleAdmin, // problems, file names and uploaders of lists of people

	"Mutation.reconcileNow":           ruleAdmin,
	"Mutation.acknowledgeDiscrepancy": ruleAdmin,
	"Mutation.resolveDiscrepancy":     ruleAdmin,
	"Mutation.setWorkforceTarget":     ruleAdmin,
	"Mutation.setDeclaredTotal":       ruleAdmin,
	"Mutation.triggerSync":            ruleAdmin,
	"Mutation.cancelSync":             ruleAdmin,
	"Mutation.importRoster":           ruleAdmin,
	"Mutation.saveScenario":           ruleAdmin,
	"Mutation.uploadScenarioRoster":   ruleAdmin, // personal data (NIKs) in, counts out

	"Subscription.syncRunProgress": ruleOperations,
}

// recordTypes are the types whose objects are records: each of their fields
// needs the rule's role, whatever path led there.
var recordTypes = map[string]Rule{
	"Participant":       ruleRecord,
	"Contribution":      ruleRecord,
	"Claim":             ruleRecord,
	"RosterEntry":       ruleRecord,
	"Discrepancy":       ruleRecord,
	"QuarantinedRecord": ruleAdmin,
	"AuditEntry":        ruleAdmin,
}

// rootTypes are the operation types whose fields the policy table classifies.
var rootTypes = map[string]bool{"Query": true, "Mutation": true, "Subscription": true}

// authorize is the field middleware that enforces the policy: one check for
// every field of every operation, queries, mutations and subscriptions alike.
func authorize(logger *slog.Logger) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		name := fc.Object + "." + fc.Field.Name
		rule, ok := recordTypes[fc.Object]
		if rootTypes[fc.Object] && !strings.HasPrefix(fc.Field.Name, "__") {
			if rule, ok = policy[name]; !ok {
				logger.ErrorContext(ctx, "graphql: field missing from the access policy, refused", "field", name)
				return nil, coverage.Errorf(coverage.EFORBIDDEN, "%s is not open to anyone yet", name)
			}
		}
		if ok {
			if err := allow(caller(ctx), name, rule); err != nil {
				return nil, err
			}
		}
		return next(ctx)
	}
}

// allow checks a caller against a field's rule.
func allow(p Principal, field string, rule Rule) error {
	switch {
	case p.Role.Rank() < rule.Role.Rank():
		return coverage.Errorf(coverage.EFORBIDDEN, "%s needs the %s role; %s is %s", field, rule.Role, p.Name, p.Role)
	case p.Area != "" && rule.Area == AreaDenied:
		return coverage.Errorf(coverage.EFORBIDDEN, "%s is city-wide and %s is limited to area %s", field, p.Name, p.Area)
	case p.Role == RoleOfficer && p.Area == "" && rule.Kind != KindReference:
		return coverage.Errorf(coverage.EFORBIDDEN, "%s is an OFFICER without an area: its key or token must name a kecamatan or kelurahan", p.Name)
	}
	return nil
}
