package graph

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/cilegon/jamsostek/graph/internal/generated"
)

// TestCacheableFieldsAreNotPersonal: no field the response cache may keep
// reaches a record type or a personal field, however deep, and each is an
// aggregate or reference field of the access policy open to every role.
func TestCacheableFieldsAreNotPersonal(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &resolver{}}).Schema()
	seen := map[string]bool{}
	var walk func(path, typ string)
	walk = func(path, typ string) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		if _, ok := recordTypes[typ]; ok {
			t.Errorf("%s reaches the record type %s", path, typ)
		}
		def := schema.Types[typ]
		if def == nil || (def.Kind != ast.Object && def.Kind != ast.Interface && def.Kind != ast.Union) {
			return
		}
		for _, pt := range schema.GetPossibleTypes(def) {
			if pt.Name != typ {
				walk(path, pt.Name)
			}
		}
		for _, f := range def.Fields {
			if f.Directives.ForName("personalData") != nil {
				t.Errorf("%s reaches the personal field %s.%s", path, typ, f.Name)
			}
			walk(path+"."+f.Name, f.Type.Name())
		}
	}
	for name := range cacheableFields {
		if name == "__typename" {
			continue
		}
		rule, ok := policy["Query."+name]
		if !ok || rule.Role != RoleViewer || (rule.Kind != KindAggregate && rule.Kind != KindReference) {
			t.Errorf("Query.%s: rule %+v, want an aggregate or reference field open to viewers", name, rule)
		}
		f := schema.Query.Fields.ForName(name)
		if f == nil {
			t.Fatalf("Query.%s is not in the schema", name)
		}
		clear(seen)
		walk("Query."+name, f.Type.Name())
	}
}
