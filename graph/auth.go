package graph

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph/internal/model"
)

// Role and Principal are the domain's (coverage/access.go).
type (
	Role      = coverage.Role
	Principal = coverage.Principal
)

// The roles.
const (
	RoleViewer  = coverage.RoleViewer
	RoleOfficer = coverage.RoleOfficer
	RoleAnalyst = coverage.RoleAnalyst
	RoleAdmin   = coverage.RoleAdmin
)

// Anonymous is the caller of a request without credentials.
var Anonymous = Principal{Name: "anonymous", Role: RoleViewer}

// Authenticator identifies the caller of a request. It returns an error with
// code coverage.EUNAUTHENTICATED for bad credentials; a request without
// credentials is Anonymous.
type Authenticator func(r *http.Request) (Principal, error)

// StaticKeys authenticates `Authorization: Bearer <key>` against fixed keys.
// It is the first authenticator: API keys with hashing, JWTs and officers'
// areas come with the access-control work.
func StaticKeys(keys map[string]Principal) Authenticator {
	return func(r *http.Request) (Principal, error) {
		h := r.Header.Get("Authorization")
		if h == "" {
			return Anonymous, nil
		}
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			return Principal{}, coverage.Errorf(coverage.EUNAUTHENTICATED, "the Authorization header must be \"Bearer <key>\"")
		}
		for k, p := range keys {
			if subtle.ConstantTimeCompare([]byte(k), []byte(token)) == 1 {
				return p, nil
			}
		}
		return Principal{}, coverage.Errorf(coverage.EUNAUTHENTICATED, "unknown API key")
	}
}

type principalKey struct{}

// PrincipalFrom returns the caller of the request ctx belongs to.
func PrincipalFrom(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return Anonymous
}

// WithPrincipal returns ctx carrying the caller (tests and other transports).
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// authenticate puts the caller in the request's context, or answers 401.
func authenticate(auth Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := Anonymous
		if auth != nil {
			var err error
			if p, err = auth(r); err != nil {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("WWW-Authenticate", `Bearer realm="jamsostek"`)
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"errors":[{"message":` + quoteJSON(coverage.ErrorMessage(err)) + `,"extensions":{"code":"UNAUTHENTICATED"}}]}`))
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// hasRole implements the @hasRole directive: the one check of roles.
func hasRole(ctx context.Context, _ any, next graphql.Resolver, role model.Role) (any, error) {
	p := PrincipalFrom(ctx)
	if p.Role.Rank() < Role(role).Rank() {
		return nil, coverage.Errorf(coverage.EFORBIDDEN, "%s needs the %s role; you are %s (%s)",
			graphql.GetFieldContext(ctx).Field.Name, role, p.Name, p.Role)
	}
	return next(ctx)
}
