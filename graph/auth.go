package graph

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/cilegon/jamsostek/coverage"
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

// Authenticator identifies the caller of a request. It returns an error with
// code coverage.EUNAUTHENTICATED for a request without credentials or with
// bad ones: every request to /query has a caller, or is refused with 401.
type Authenticator func(r *http.Request) (Principal, error)

// StaticKeys authenticates `Authorization: Bearer <key>` (the scheme in any
// case, as RFC 7235 has it) against fixed keys (tests and embedded uses;
// serve uses package auth).
func StaticKeys(keys map[string]Principal) Authenticator {
	return func(r *http.Request) (Principal, error) {
		h := r.Header.Get("Authorization")
		if h == "" {
			return Principal{}, coverage.Errorf(coverage.EUNAUTHENTICATED, "this API needs credentials: send Authorization: Bearer <key>")
		}
		scheme, token, _ := strings.Cut(strings.TrimSpace(h), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" { // the scheme in any case (RFC 7235)
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

// PrincipalFrom returns the caller of the request ctx belongs to, and false
// when ctx carries none (the zero Principal, whose role ranks 0, may do
// nothing).
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// caller returns the caller of ctx's request, or the zero Principal.
func caller(ctx context.Context) Principal {
	p, _ := PrincipalFrom(ctx)
	return p
}

// WithPrincipal returns ctx carrying the caller. A request whose context
// already carries one when it reaches the handler (an in-process caller, a
// test) is served as that caller without asking the Authenticator.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// authenticate puts the caller in the request's context, or refuses the
// request: 401 with UNAUTHENTICATED without credentials, with bad ones, or on
// a server without an Authenticator; 503 with UNAVAILABLE when the
// Authenticator cannot tell (an identity provider down).
// A caller limited to an area must name one of the city's.
func authenticate(auth Authenticator, areas *coverage.Areas, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := PrincipalFrom(r.Context()); ok {
			authSucceeded(r.Context())
			next.ServeHTTP(w, r)
			return
		}
		var (
			p   Principal
			err error
		)
		if auth != nil {
			p, err = auth(r)
		} else {
			err = coverage.Errorf(coverage.EUNAUTHENTICATED, "this server accepts no credentials")
		}
		if err == nil && p.Role.Rank() == 0 {
			err = coverage.Errorf(coverage.EUNAUTHENTICATED, "the credentials carry no known role")
		}
		if err == nil && p.Area != "" {
			if _, lerr := coverage.AreaLevelOf(p.Area); lerr != nil || areas.CheckArea(p.Area) != nil {
				err = coverage.Errorf(coverage.EUNAUTHENTICATED, "the credentials name area %q, which is not an area of %s", p.Area, areas.City().Name)
			}
		}
		if err == nil {
			authSucceeded(r.Context()) // the token of failed authentications back (ratelimit.go)
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
			return
		}
		status, code, msg := http.StatusUnauthorized, "UNAUTHENTICATED", "authentication failed"
		switch coverage.ErrorCode(err) {
		case coverage.EUNAUTHENTICATED:
			msg = coverage.ErrorMessage(err)
		case coverage.EUNAVAILABLE:
			status, code, msg = http.StatusServiceUnavailable, "UNAVAILABLE", coverage.ErrorMessage(err)
			logger.WarnContext(r.Context(), "authentication unavailable", "error", err)
		default:
			logger.ErrorContext(r.Context(), "authentication failed", "error", err)
		}
		w.Header().Set("Content-Type", "application/json")
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="jamsostek"`)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"errors":[{"message":` + quoteJSON(msg) + `,"extensions":{"code":"` + code + `"}}]}`))
	})
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
