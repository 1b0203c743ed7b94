package graph

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

// BenchmarkRespCacheHitPath is the response cache's own cost on a hit: the
// key of a request and the replay, without the layers around it.
func BenchmarkRespCacheHitPath(b *testing.B) {
	c := newRespCache(ResponseCache{}, nil)
	answer := bytes.Repeat([]byte("x"), 16<<10)
	h := c.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := cacheStateOf(r.Context())
		st.ops, st.eligible, st.answered = 1, true, true
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	body := []byte(`{"query":"{ coverage(filter: {from: \"2024-01\"}, groupBy: [KECAMATAN], granularity: QUARTER) { totalRows } }"}`)
	req := httptest.NewRequest(http.MethodPost, "/query", nil)
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(WithPrincipal(req.Context(), Principal{Name: "v", Role: RoleViewer}))
	rd := bytes.NewReader(body)
	rc := io.NopCloser(rd)
	w := httptest.NewRecorder()
	do := func() {
		rd.Reset(body)
		req.Body = rc
		clear(w.Header())
		w.Body.Reset()
		h.ServeHTTP(w, req)
	}
	do()
	do()
	if c.stats().Hits != 1 {
		b.Fatalf("no hit: %+v", c.stats())
	}
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	for b.Loop() {
		do()
	}
}

// TestRespCacheBoundAndPass: the cache stays within its bytes, least
// recently used out first; a request that can never be kept is noted and
// goes through; an answer with errors, or not 200, is not kept.
func TestRespCacheBoundAndPass(t *testing.T) {
	c := newRespCache(ResponseCache{MaxBytes: 64 << 10}, nil)
	var runs int
	status, eligible, failed := http.StatusOK, true, false
	h := c.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs++
		if st := cacheStateOf(r.Context()); st != nil { // nil: served without the cache
			st.ops, st.eligible, st.answered, st.failed = 1, eligible, true, failed
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(bytes.Repeat([]byte("x"), 4<<10))
	}))
	ask := func(q string) {
		req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(`{"query":"`+q+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(WithPrincipal(req.Context(), Principal{Name: "v", Role: RoleViewer}))
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	for i := range 100 {
		ask(fmt.Sprint("q", i))
		ask("hot") // kept in front
	}
	st := c.stats()
	if st.Bytes > 64<<10 || st.Entries >= 16 || st.Entries < 10 {
		t.Errorf("100 answers of 4 KiB in 64 KiB: %+v", st)
	}
	runs = 0
	ask("hot")
	if runs != 0 {
		t.Error("the most used answer was evicted")
	}

	for _, tc := range []struct {
		name             string
		status           int
		eligible, failed bool
		runs             int
	}{
		{"an error", http.StatusOK, true, true, 2},
		{"not 200", http.StatusServiceUnavailable, true, false, 2},
		{"never kept", http.StatusOK, false, false, 2},
	} {
		status, eligible, failed, runs = tc.status, tc.eligible, tc.failed, 0
		ask(tc.name)
		ask(tc.name)
		if runs != tc.runs {
			t.Errorf("%s: ran %d times, want %d", tc.name, runs, tc.runs)
		}
	}
	if e := c.entries[maphash.Bytes(c.seed, []byte("VIEWER\x00\x00POST\x00application/json\x00\x00\x00"+`{"query":"never kept"}`))]; e == nil || !e.pass {
		t.Errorf("a request never kept is not noted: %+v", e)
	}
}
