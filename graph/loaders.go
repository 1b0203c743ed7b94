package graph

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/cilegon/jamsostek/coverage"
)

// A participant's nested lists (contributions, claims, roster entries) are
// read through loaders (github.com/vikstrous/dataloadgen) that belong to one
// request: the resolvers of a page of participants each ask for their own
// member, and the loader of the list and its arguments (filter, orderBy,
// first, after) asks the store once with every member's KPJ or NIK
// (coverage.Records.ContributionsByKPJ, ClaimsByKPJ, RosterByNIK). A page of
// N participants asking the same nested arguments costs one store call per
// nested list, whatever N.
//
// gqlgen resolves the items of a list concurrently, and every item selects the
// same fields with the same arguments, so a loader knows how many members are
// coming: the length of the list its participants are in (siblings). The batch
// goes to the store as soon as they have all asked, at once for a lone
// participant; the wait only bounds a batch some of whose members never ask
// (an item that failed before its nested fields).

// DefaultBatchWait is how long a batch waits for members that have not asked
// yet when Config.BatchWait is 0.
const DefaultBatchWait = 50 * time.Millisecond

// loaders are one request's loaders, one per nested list, arguments and
// number of siblings, made when first asked for.
type loaders struct {
	wait      time.Duration
	mu        sync.Mutex
	byKey     map[loaderKey]any // *dataloadgen.Loader[string, V]
	scenarios *scenarioMemo     // the request's scenario rosters (scenario.go)
}

type loaderKey struct {
	list     string
	args     string // JSON of the filter and page request; "" for the roster
	siblings int    // the batch's size; 0: unknown, the wait decides
}

type loadersKey struct{}

// withLoaders gives every request loaders of its own, so that nothing is
// shared or cached across requests.
func withLoaders(wait time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ls := &loaders{wait: wait, byKey: map[loaderKey]any{}}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), loadersKey{}, ls)))
	})
}

// loaders returns the request's loaders; a context without them (a resolver
// run outside NewHandler) gets loaders of its own, which answer the same but
// batch nothing.
func (r *resolver) loaders(ctx context.Context) *loaders {
	if ls, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return ls
	}
	return &loaders{wait: r.batchWait, byKey: map[loaderKey]any{}}
}

// siblings is how many objects come with the field's object: the length of
// the nearest list above it in the response (a page's edges, the answer of
// participantByNik), 1 when there is none, 0 when it cannot be told.
func siblings(ctx context.Context) int {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Index == nil {
			continue
		}
		if fc.Parent != nil {
			if v := reflect.ValueOf(fc.Parent.Result); v.Kind() == reflect.Slice {
				return v.Len()
			}
		}
		return 0
	}
	return 1
}

// loader returns the request's loader for k, making it with fetch, which
// answers a batch of distinct keys. Loaders do not cache: every load counts
// toward the batch's size, so a batch never waits for a key asked twice.
func loader[V any](ls *loaders, k loaderKey, fetch func(context.Context, []string) (map[string]V, error)) *dataloadgen.Loader[string, V] {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if l, ok := ls.byKey[k].(*dataloadgen.Loader[string, V]); ok {
		return l
	}
	l := dataloadgen.NewLoader(func(ctx context.Context, keys []string) ([]V, []error) {
		distinct := slices.Compact(slices.Sorted(slices.Values(keys)))
		got, err := fetch(ctx, distinct)
		if err != nil {
			return nil, []error{err} // the one error of every key
		}
		out := make([]V, len(keys))
		for i, key := range keys {
			out[i] = got[key]
		}
		return out, nil
	}, dataloadgen.WithBatchCapacity(k.siblings), dataloadgen.WithWait(ls.wait), dataloadgen.WithoutCache())
	ls.byKey[k] = l
	return l
}

// load reads one member's page of a nested list through the request's loader
// of the list and arguments; byKPJ is the store's batched read.
func load[F, T any](ctx context.Context, ls *loaders, l list, byKPJ func(context.Context, []string, F, coverage.PageRequest) (map[string]coverage.Page[T], error), kpj string, f F, a pageArgs) (page[T], error) {
	req, err := l.request(a)
	if err != nil {
		return page[T]{}, err
	}
	args, err := json.Marshal(struct {
		Filter  F
		Request coverage.PageRequest
	}{f, req})
	if err != nil {
		return page[T]{}, err
	}
	ld := loader(ls, loaderKey{list: l.name, args: string(args), siblings: siblings(ctx)}, func(ctx context.Context, kpjs []string) (map[string]coverage.Page[T], error) {
		return byKPJ(ctx, kpjs, f, req)
	})
	pg, err := ld.Load(ctx, kpj)
	return page[T]{pg, l, req.Order, a.cursors}, err
}

// rosterOf reads the roster entries of a NIK through the request's loader.
func (r *resolver) rosterOf(ctx context.Context, nik string) ([]coverage.RosterEntry, error) {
	entries, err := loader(r.loaders(ctx), loaderKey{list: rosterList.name, siblings: siblings(ctx)}, r.records.RosterByNIK).Load(ctx, nik)
	return nonNil(entries), err
}
