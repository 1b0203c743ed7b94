package graph

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/cilegon/jamsostek/graph/internal/generated"
)

// builtin reports whether a schema definition comes from GraphQL itself.
func builtin(d *ast.Definition) bool {
	return strings.HasPrefix(d.Name, "__") || d.BuiltIn ||
		slices.Contains([]string{"String", "Int", "Float", "Boolean", "ID"}, d.Name)
}

func TestEverythingIsDescribed(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	missing := func(what string) { t.Errorf("%s has no description", what) }
	for _, d := range s.Types {
		if builtin(d) {
			continue
		}
		if strings.TrimSpace(d.Description) == "" {
			missing(d.Name)
		}
		for _, f := range d.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if strings.TrimSpace(f.Description) == "" {
				missing(d.Name + "." + f.Name)
			}
			for _, a := range f.Arguments {
				if strings.TrimSpace(a.Description) == "" {
					missing(d.Name + "." + f.Name + "(" + a.Name + ")")
				}
			}
		}
		for _, v := range d.EnumValues {
			if strings.TrimSpace(v.Description) == "" {
				missing(d.Name + "." + v.Name)
			}
		}
	}
	if d := s.Directives["personalData"]; d == nil || strings.TrimSpace(d.Description) == "" {
		missing("@personalData")
	}
}

func TestPersonalDataIsMarked(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	want := []string{
		"Participant.nik", "Participant.name", "Participant.birthDate", "Participant.birthYear", "Participant.nikInfo",
		"RosterEntry.nik", "RosterEntry.name", "Contribution.nik", "Claim.nik", "QuarantinedRecord.raw", "Discrepancy.nik",
		"RowError.value", "Discrepancy.resolutionNote",
	}
	var got []string
	for _, d := range s.Types {
		for _, f := range d.Fields {
			if f.Directives.ForName("personalData") != nil {
				got = append(got, d.Name+"."+f.Name)
			}
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("@personalData on %v, want %v", got, want)
	}
	// Every marked field has its analyst's view (masked or withheld), and
	// every view a marked field.
	views := slices.Sorted(maps.Keys(analystView))
	if !slices.Equal(got, views) {
		t.Errorf("analystView has %v, want the marked fields %v", views, got)
	}
}

// TestEveryRootFieldIsClassified: every field of Query, Mutation and
// Subscription has its rule in the policy table, and the table names no
// field the schema lacks; so a new field cannot slip in unclassified (it
// would be refused to everyone anyway). Record types are types of the schema.
func TestEveryRootFieldIsClassified(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	fields := map[string]bool{}
	for _, root := range []*ast.Definition{s.Query, s.Mutation, s.Subscription} {
		if root == nil {
			t.Fatal("the schema lacks a root type")
		}
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			name := root.Name + "." + f.Name
			fields[name] = true
			rule, ok := policy[name]
			switch {
			case !ok:
				t.Errorf("%s is not in the policy table (graph/policy.go)", name)
			case rule.Role.Rank() == 0 || rule.Kind == "":
				t.Errorf("%s: incomplete rule %+v", name, rule)
			case f.Type.NonNull:
				t.Errorf("%s is non-null: a FORBIDDEN answer would null the whole response", name)
			}
			if root == s.Mutation && rule != ruleAdmin {
				t.Errorf("%s: mutations are ADMIN's, got %+v", name, rule)
			}
		}
	}
	for name := range policy {
		if !fields[name] {
			t.Errorf("policy names %s, which the schema lacks", name)
		}
	}
	for typ := range recordTypes {
		if s.Types[typ] == nil {
			t.Errorf("record type %s is not in the schema", typ)
		}
	}
}

// TestOrdersMatchTheStore: every list's sort field enum has one value per
// sort field the store accepts for the list (coverage.ParticipantSorts, ...),
// named as cursors and messages name it (list.fieldName), in the same order.
func TestOrdersMatchTheStore(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	for enum, l := range map[string]list{
		"ParticipantSortField":  participantList,
		"ContributionSortField": contributionList,
		"ClaimSortField":        claimList,
		"RosterSortField":       rosterList,
		"QuarantineSortField":   quarantineList,
		"DiscrepancySortField":  discrepancyList,
	} {
		var got, want []string
		for _, v := range s.Types[enum].EnumValues {
			got = append(got, v.Name)
		}
		for _, f := range l.sorts {
			want = append(want, l.fieldName(f))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", enum, got, want)
		}
	}
}
