package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph/internal/generated"
	"github.com/cilegon/jamsostek/graph/internal/model"
)

// Query cost. Scalar and enum fields are free; every object field costs 1 plus
// what is selected under it; a list costs the most items it can return times
// what is selected under each item (a connection: its page size, first or 50).
// So the cost is about two points per record returned, multiplied through nested
// lists: a full page of 1,000 records with their kelurahan costs about 4,000,
// 50 participants with 50 contributions each about 5,200, and 100 with 100 each
// about 20,000, which the default limit rejects.

// DefaultComplexityLimit is the largest query cost served when
// Config.ComplexityLimit is 0.
const DefaultComplexityLimit = 10_000

// DefaultMaxDepth is the deepest selection served when Config.MaxDepth is 0.
// The deepest useful query, a participant's contributions through a
// connection, is 7 deep (participants.edges.node.contributions.edges.node.id).
const DefaultMaxDepth = 10

// Cost of the lists that have no first argument: their size is bounded by the
// data (one NIK rarely holds more than a few KPJs or roster categories;
// workforce has one target a year per area).
const (
	participantsPerNIK  = 10
	rosterEntriesPerNIK = 10
	workforceTargets    = 60
)

// setComplexity fills in the cost of every list field.
func setComplexity(c *generated.ComplexityRoot, areas *coverage.Areas) {
	// A first beyond coverage.MaxPageSize is refused by the resolver with a
	// clear message; clamping it here also keeps the product from overflowing.
	page := func(first *int) int {
		if first == nil || *first < 1 {
			return coverage.DefaultPageSize
		}
		return min(*first, coverage.MaxPageSize)
	}
	list := func(n, child int) int { return 1 + n*max(child, 1) }

	c.Query.Participants = func(child int, _ *model.ParticipantFilter, _ *model.Order, first *int, _ *string) int {
		return list(page(first), child)
	}
	c.Query.Contributions = func(child int, _ *model.ContributionFilter, _ *model.Order, first *int, _ *string) int {
		return list(page(first), child)
	}
	c.Query.Claims = func(child int, _ *model.ClaimFilter, _ *model.Order, first *int, _ *string) int {
		return list(page(first), child)
	}
	c.Query.Roster = func(child int, _ *model.RosterFilter, _ *model.Order, first *int, _ *string) int {
		return list(page(first), child)
	}
	c.Query.Quarantine = func(child int, _ *model.QuarantineFilter, _ *model.Order, first *int, _ *string) int {
		return list(page(first), child)
	}
	c.Query.Discrepancies = func(child int, _ *model.DiscrepancyFilter, _ *model.Order, first *int, _ *string) int {
		return list(page(first), child)
	}
	c.Query.AuditLog = func(child int, _ *model.AuditFilter, first *int, _ *string) int {
		return list(page(first), child)
	}
	c.Query.SyncRuns = func(child int, _ *coverage.Feed, first *int) int {
		return list(page(first), child)
	}
	c.Query.ParticipantByNik = func(child int, _ string) int { return list(participantsPerNIK, child) }
	c.Query.Workforce = func(child int, _ *int, _ *string) int { return list(workforceTargets, child) }
	c.Participant.Contributions = func(child int, _ *model.ParticipantContributionFilter, _ *model.Order, first *int, _ *string) int {
		return list(page(first), child)
	}
	c.Participant.Claims = func(child int, _ *model.Order, first *int, _ *string) int { return list(page(first), child) }
	c.Participant.Roster = func(child int) int { return list(rosterEntriesPerNIK, child) }

	// Area lists live in memory; their cost only has to stop nesting from
	// multiplying. A list of areas costs as many items as the largest kecamatan
	// has kelurahan (or the city kecamatan), which undercounts only the city's
	// own list of all kelurahan, a single object.
	kecamatan, children := len(areas.Kecamatan()), len(areas.Kecamatan())
	for _, k := range areas.Kecamatan() {
		children = max(children, len(areas.Children(k.Code)))
	}
	c.Query.Areas = func(child int) int { return list(kecamatan, child) }
	c.Area.Kelurahan = func(child int) int { return list(children, child) }
	c.Area.Children = func(child int) int { return list(children, child) }
}

// errDepthLimit is the extensions.code of a query nested too deeply.
const errDepthLimit = "DEPTH_LIMIT_EXCEEDED"

func init() { errcode.RegisterErrorType(errDepthLimit, errcode.KindProtocol) }

// depthLimit rejects operations nested deeper than max fields, before they run.
// Introspection fields (__schema, __type) are not counted: GraphiQL's own
// schema query is deeper than any data query.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	if depth := selectionDepth(op.SelectionSet); depth > d.max {
		err := gqlerror.Errorf("operation is nested %d fields deep, more than the limit of %d", depth, d.max)
		errcode.Set(err, errDepthLimit)
		return err
	}
	return nil
}

// selectionDepth is the number of fields on the longest path through a
// selection set; fragments add no depth of their own. Validation has already
// rejected fragment cycles.
func selectionDepth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				continue
			}
			d = 1 + selectionDepth(s.SelectionSet)
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = selectionDepth(s.Definition.SelectionSet)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}
