package graph

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Cursors are the record's natural key, base64url-encoded: opaque to clients,
// stable across inserts (keyset pagination).
func encodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 {
		return "", coverage.Errorf(coverage.EINVALID, "after %q is not a cursor from this API", c)
	}
	return string(b), nil
}

func pageRequest(first *int, after *string) (coverage.PageRequest, error) {
	var req coverage.PageRequest
	if first != nil {
		req.First = *first
		if req.First == 0 {
			return req, coverage.Errorf(coverage.EINVALID, "first must be between 1 and %d, got 0", coverage.MaxPageSize)
		}
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

func edges[T, E any](pg coverage.Page[T], edge func(cursor string, node *T) E) []E {
	out := make([]E, len(pg.Items))
	for i := range pg.Items {
		out[i] = edge(encodeCursor(pg.Keys[i]), &pg.Items[i])
	}
	return out
}

func pageInfo[T any](pg coverage.Page[T]) *PageInfo {
	info := &PageInfo{HasNextPage: pg.HasNextPage}
	if n := len(pg.Keys); n > 0 {
		c := encodeCursor(pg.Keys[n-1])
		info.EndCursor = &c
	}
	return info
}

func (r *Resolver) contributions(ctx context.Context, f coverage.ContributionFilter, first *int, after *string) (*ContributionConnection, error) {
	req, err := pageRequest(first, after)
	if err != nil {
		return nil, err
	}
	pg, err := r.records.Contributions(ctx, f, req)
	if err != nil {
		return nil, err
	}
	return &ContributionConnection{Edges: edges(pg, func(c string, n *coverage.Contribution) ContributionEdge {
		return ContributionEdge{Cursor: c, Node: n}
	}), PageInfo: pageInfo(pg), TotalCount: int(pg.TotalCount)}, nil
}

func (r *Resolver) claims(ctx context.Context, f coverage.ClaimFilter, first *int, after *string) (*ClaimConnection, error) {
	req, err := pageRequest(first, after)
	if err != nil {
		return nil, err
	}
	pg, err := r.records.Claims(ctx, f, req)
	if err != nil {
		return nil, err
	}
	return &ClaimConnection{Edges: edges(pg, func(c string, n *coverage.Claim) ClaimEdge {
		return ClaimEdge{Cursor: c, Node: n}
	}), PageInfo: pageInfo(pg), TotalCount: int(pg.TotalCount)}, nil
}

// checkArea accepts "" or a code of this city's hierarchy.
func (r *Resolver) checkArea(code string) error {
	if code == "" {
		return nil
	}
	if _, err := coverage.AreaLevelOf(code); err != nil {
		return err
	}
	return r.areas.CheckArea(code)
}

func (r *Resolver) lookupArea(code string) *coverage.Area {
	if a, ok := r.areas.Lookup(code); ok {
		return &a
	}
	return nil
}

func nikInfo(nik string) *NikInfo {
	n, err := coverage.ParseNIK(nik)
	if err != nil {
		reason := coverage.ErrorMessage(err)
		return &NikInfo{Valid: false, Reason: &reason}
	}
	return &NikInfo{Valid: true, RegistrationKecamatanCode: &n.KecamatanCode, BirthDate: &n.BirthDate, Gender: &n.Gender}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
