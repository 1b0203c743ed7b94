package graph

import (
	"context"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph/internal/generated"
)

// Config is what the API serves and how.
type Config struct {
	Records coverage.Records // participants, contributions, claims, roster, workforce
	SyncLog coverage.SyncLog // sync runs and quarantined records
	Areas   *coverage.Areas  // the city's kecamatan and kelurahan

	Analytics    Analytics    // coverage figures and reconciliation; nil: those fields answer UNAVAILABLE
	ReconcileLog ReconcileLog // discrepancies and reconciliation runs; set with Analytics
	// Authenticate identifies callers (auth.go); nil: every caller is Anonymous,
	// a VIEWER, and the mutations are refused.
	Authenticate Authenticator
	// Sync starts and stops sync runs; nil when the process runs no worker.
	Sync SyncControl
	// RosterImporter takes roster spreadsheets; nil refuses importRoster.
	RosterImporter RosterImporter

	// Introspection lets clients read the schema (GraphiQL needs it). Off, the
	// server also stops suggesting field names in its error messages.
	Introspection bool
	Logger        *slog.Logger                // nil: slog.Default()
	Guard         PersonalDataGuard           // nil: personal data is shown as stored
	Ready         func(context.Context) error // readiness of the dependencies for /readyz; nil: always ready

	ComplexityLimit int // largest query cost (limits.go); 0: DefaultComplexityLimit
	MaxDepth        int // deepest selection; 0: DefaultMaxDepth
	// BatchWait bounds how long a participant's nested list waits for the
	// rest of its page before the batch's one store call (loaders.go); 0:
	// DefaultBatchWait.
	BatchWait time.Duration
}

// Request limits of /query.
const (
	maxBodyBytes   = 1 << 20  // a JSON or GET query: 1 MiB
	maxUploadBytes = 32 << 20 // a multipart request with files
	maxUploadRAM   = 8 << 20  // of which held in memory; the rest spills to disk
	queryCacheSize = 1000     // parsed and validated query documents
	apqCacheSize   = 1000     // automatic persisted queries (hash -> query)
	readyTimeout   = 5 * time.Second
)

// NewHandler serves the API:
//
//	GET  /         GraphiQL, pointed at /query
//	     /query    GraphQL over GET, POST (JSON) and multipart forms
//	GET  /healthz  200 "ok" while the process serves
//	GET  /readyz   200 "ready" when Config.Ready returns nil, else 503 and the reason
//
// It panics if Records, SyncLog or Areas is nil.
func NewHandler(cfg Config) http.Handler {
	if cfg.Records == nil || cfg.SyncLog == nil || cfg.Areas == nil {
		panic("graph: Config needs Records, SyncLog and Areas")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BatchWait <= 0 {
		cfg.BatchWait = DefaultBatchWait
	}
	mux := http.NewServeMux()
	mux.Handle("/query", limitBody(authenticate(cfg.Authenticate, withLoaders(cfg.BatchWait, newServer(cfg)))))
	mux.Handle("GET /{$}", playground.Handler("Jamsostek Kota Cilegon", "/query"))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if cfg.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
			defer cancel()
			if err := cfg.Ready(ctx); err != nil {
				cfg.Logger.WarnContext(ctx, "not ready", "error", err)
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	return mux
}

// newServer builds the GraphQL executor with its transports and extensions.
func newServer(cfg Config) *handler.Server {
	limit, depth := cfg.ComplexityLimit, cfg.MaxDepth
	if limit <= 0 {
		limit = DefaultComplexityLimit
	}
	if depth <= 0 {
		depth = DefaultMaxDepth
	}
	r := &resolver{records: cfg.Records, syncLog: cfg.SyncLog, areas: cfg.Areas, analytics: cfg.Analytics, reconcileLog: cfg.ReconcileLog,
		sync: cfg.Sync, rosterImporter: cfg.RosterImporter, batchWait: cfg.BatchWait}
	gc := generated.Config{Resolvers: r}
	gc.Directives.PersonalData = personalData(cfg.Guard)
	gc.Directives.HasRole = hasRole
	setComplexity(&gc.Complexity, cfg.Areas)

	srv := handler.New(generated.NewExecutableSchema(gc))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.SSE{}) // subscriptions; before POST, which would take the request
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: maxUploadBytes, MaxMemory: maxUploadRAM})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](apqCacheSize)})
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
	}
	srv.Use(depthLimit{max: depth})
	srv.Use(extension.FixedComplexityLimit(limit, complexity.WithFixedScalarValue(0)))
	srv.SetErrorPresenter(presenter(cfg.Logger))
	srv.SetRecoverFunc(recoverFunc(cfg.Logger))
	return srv
}

// limitBody caps request bodies: multipart requests at maxUploadBytes (the
// multipart transport enforces it), every other at maxBodyBytes. A body that
// announces a larger size gets 413 at once; one that turns out larger fails
// when read.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
			if r.ContentLength > maxBodyBytes {
				http.Error(w, "request body larger than 1 MiB", http.StatusRequestEntityTooLarge)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}
