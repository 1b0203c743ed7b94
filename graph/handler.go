package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/cilegon/jamsostek/coverage"
)

// PersonalDataGuard decides, in one place, what a request may see of a field
// marked @personalData (NIK, name, birth date, raw quarantined records). It
// receives the resolved value and returns what to show: the value, a masked
// value, or an error (FORBIDDEN). Access control plugs in here, with auditing.
type PersonalDataGuard interface {
	PersonalData(ctx context.Context, field string, value any) (any, error)
}

// Options is what the API needs. (Config is the name gqlgen gives the
// generated executable-schema configuration.)
type Options struct {
	Records       coverage.Records
	SyncLog       coverage.SyncLog
	Areas         *coverage.Areas
	Introspection bool
	Logger        *slog.Logger
	Guard         PersonalDataGuard           // nil: personal data is shown as stored
	Ready         func(context.Context) error // readiness of the dependencies; nil: always ready
	// ComplexityLimit bounds a query's cost: each field costs 1, a connection
	// costs its page size times its children. Default 50,000.
	ComplexityLimit int
}

// NewServer returns the GraphQL executor alone (for tests and embedding).
func NewServer(cfg Options) *handler.Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ComplexityLimit == 0 {
		cfg.ComplexityLimit = 50_000
	}
	r := &Resolver{records: cfg.Records, syncLog: cfg.SyncLog, areas: cfg.Areas, logger: cfg.Logger}
	es := NewExecutableSchema(schemaConfig(r, cfg.Guard))
	srv := handler.New(es)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: 32 << 20, MaxMemory: 8 << 20})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(extension.FixedComplexityLimit(cfg.ComplexityLimit))
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.SetErrorPresenter(presenter(cfg.Logger))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		cfg.Logger.Error("panic in resolver", "panic", p, "path", graphql.GetPath(ctx))
		return &coverage.Error{Code: coverage.EINTERNAL, Message: "internal error", Err: fmt.Errorf("panic: %v", p)}
	})
	return srv
}

// schemaConfig builds the generated Config: resolvers, the personal-data
// directive and the cost of connection fields.
func schemaConfig(r *Resolver, guard PersonalDataGuard) Config {
	c := Config{Resolvers: r}
	c.Directives.PersonalData = func(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
		v, err := next(ctx)
		if err != nil || guard == nil {
			return v, err
		}
		return guard.PersonalData(ctx, graphql.GetFieldContext(ctx).Field.Name, v)
	}
	page := func(first *int) int {
		if first == nil {
			return coverage.DefaultPageSize
		}
		return max(*first, 1)
	}
	c.Complexity.Query.Participants = func(child int, _ *ParticipantFilter, first *int, _ *string) int { return 1 + page(first)*child }
	c.Complexity.Query.Contributions = func(child int, _ *ContributionFilter, first *int, _ *string) int { return 1 + page(first)*child }
	c.Complexity.Query.Claims = func(child int, _ *ClaimFilter, first *int, _ *string) int { return 1 + page(first)*child }
	c.Complexity.Query.Roster = func(child int, _ *RosterFilter, first *int, _ *string) int { return 1 + page(first)*child }
	c.Complexity.Query.Quarantine = func(child int, _ *QuarantineFilter, first *int, _ *string) int { return 1 + page(first)*child }
	c.Complexity.Participant.Contributions = func(child int, _ *ParticipantContributionFilter, first *int, _ *string) int {
		return 1 + page(first)*child
	}
	c.Complexity.Participant.Claims = func(child int, first *int, _ *string) int { return 1 + page(first)*child }
	return c
}

// NewHandler serves GraphiQL at /, the API at /query, /healthz and /readyz.
func NewHandler(cfg Options) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/query", NewServer(cfg))
	mux.Handle("GET /{$}", playground.Handler("Jamsostek coverage", "/query"))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if cfg.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
			defer cancel()
			if err := cfg.Ready(ctx); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("not ready: " + coverage.ErrorMessage(err) + "\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	return mux
}

// extensionCodes maps domain error codes to GraphQL extensions.code, once.
var extensionCodes = map[string]string{
	coverage.EINVALID:         "BAD_USER_INPUT",
	coverage.ENOTFOUND:        "NOT_FOUND",
	coverage.ECONFLICT:        "CONFLICT",
	coverage.EUNAUTHENTICATED: "UNAUTHENTICATED",
	coverage.EFORBIDDEN:       "FORBIDDEN",
	coverage.EUNAVAILABLE:     "UNAVAILABLE",
	coverage.EINTERNAL:        "INTERNAL",
}

// presenter shows domain errors with their code and message, and internal
// errors as "internal error" while logging their detail.
func presenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var de *coverage.Error
		if !errors.As(err, &de) {
			var ge *gqlerror.Error
			if errors.As(err, &ge) && ge.Err == nil {
				// A parse or validation error of the query itself.
				return gerr
			}
		}
		code := coverage.ErrorCode(err)
		if code == coverage.EINTERNAL {
			logger.Error("graphql resolver failed", "path", gerr.Path.String(), "error", err)
		}
		gerr.Message = coverage.ErrorMessage(err)
		if gerr.Extensions == nil {
			gerr.Extensions = map[string]any{}
		}
		gerr.Extensions["code"] = extensionCodes[code]
		return gerr
	}
}
