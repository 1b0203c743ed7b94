package graph

import (
	"context"
	"encoding/base64"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph/internal/model"
)

// A cursor is the record's natural key (coverage.Page.Keys), base64url without
// padding: opaque to clients and stable when records are added, since pages are
// ranges of keys (keyset pagination), not offsets.
func encodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 {
		return "", coverage.Errorf(coverage.EINVALID, "after %q is not a cursor from this API: pass the endCursor of the previous page", c)
	}
	return string(b), nil
}

// pageRequest turns first and after into a checked coverage.PageRequest. first
// omitted means coverage.DefaultPageSize; an explicit 0 is an error rather than
// the default, so that no client gets 50 records when it asked for none.
func pageRequest(first *int, after *string) (coverage.PageRequest, error) {
	var req coverage.PageRequest
	if first != nil {
		if *first < 1 || *first > coverage.MaxPageSize {
			return req, coverage.Errorf(coverage.EINVALID, "first must be between 1 and %d, got %d", coverage.MaxPageSize, *first)
		}
		req.First = *first
	}
	if after != nil && *after != "" {
		key, err := decodeCursor(*after)
		if err != nil {
			return req, err
		}
		req.After = key
	}
	return req.Normalize()
}

// fetch reads the page that first and after ask for, through one of the
// store's list methods.
func fetch[F, T any](ctx context.Context, list func(context.Context, F, coverage.PageRequest) (coverage.Page[T], error), f F, first *int, after *string) (coverage.Page[T], error) {
	req, err := pageRequest(first, after)
	if err != nil {
		return coverage.Page[T]{}, err
	}
	return list(ctx, f, req)
}

// edges pairs each item of a page with its cursor.
func edges[T, E any](pg coverage.Page[T], edge func(cursor string, node *T) E) []E {
	out := make([]E, len(pg.Items))
	for i := range pg.Items {
		out[i] = edge(encodeCursor(pg.Keys[i]), &pg.Items[i])
	}
	return out
}

func pageInfo[T any](pg coverage.Page[T]) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: pg.HasNextPage}
	if n := len(pg.Keys); n > 0 {
		c := encodeCursor(pg.Keys[n-1])
		info.EndCursor = &c
	}
	return info
}

// contributions and claims serve both the top-level lists and the nested ones
// of a participant.

func (r *resolver) contributions(ctx context.Context, f coverage.ContributionFilter, first *int, after *string) (*model.ContributionConnection, error) {
	pg, err := fetch(ctx, r.records.Contributions, f, first, after)
	if err != nil {
		return nil, err
	}
	return &model.ContributionConnection{
		Edges: edges(pg, func(c string, n *coverage.Contribution) model.ContributionEdge {
			return model.ContributionEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(pg),
		TotalCount: int(pg.TotalCount),
	}, nil
}

func (r *resolver) claims(ctx context.Context, f coverage.ClaimFilter, first *int, after *string) (*model.ClaimConnection, error) {
	pg, err := fetch(ctx, r.records.Claims, f, first, after)
	if err != nil {
		return nil, err
	}
	return &model.ClaimConnection{
		Edges: edges(pg, func(c string, n *coverage.Claim) model.ClaimEdge {
			return model.ClaimEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(pg),
		TotalCount: int(pg.TotalCount),
	}, nil
}
