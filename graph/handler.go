package graph

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph/internal/generated"
	"github.com/cilegon/jamsostek/web"
)

// Config is what the API serves and how.
type Config struct {
	Records coverage.Records // participants, contributions, claims, roster, workforce
	SyncLog coverage.SyncLog // sync runs and quarantined records
	Areas   *coverage.Areas  // the city's kecamatan and kelurahan

	Analytics    Analytics    // coverage figures and reconciliation; nil: those fields answer UNAVAILABLE
	ReconcileLog ReconcileLog // discrepancies and reconciliation runs; set with Analytics
	// Authenticate identifies callers (auth.go); every request to /query needs
	// one (nil: every request is refused with 401). What each role may ask is
	// policy.go; what it sees, scope.go and personal.go.
	Authenticate Authenticator
	// AuditLog keeps who read personal data (audit.go); nil: the entries are
	// logged only, and the auditLog query answers UNAVAILABLE.
	AuditLog AuditLog
	// CursorKey seals the lists' cursors (AES-256-GCM, CursorKeySize bytes);
	// replicas behind one address need the same key. nil: a random key of
	// this process, so cursors do not survive a restart.
	CursorKey []byte
	// Sync starts and stops sync runs; nil when the process runs no worker.
	Sync SyncControl
	// RosterImporter takes roster spreadsheets; nil refuses importRoster.
	RosterImporter RosterImporter
	// Scenarios keeps saved scenarios and uploaded scenario rosters, and
	// looks up a roster's people (scenario.go); nil: saveScenario, the
	// saved scenarios, the scenario rosters and a scenario naming a roster
	// answer UNAVAILABLE. The scenarios are computed by Analytics (when it
	// implements ScenarioBase).
	Scenarios Scenarios

	// Introspection lets clients read the schema (GraphiQL needs it). Off, the
	// server also stops suggesting field names in its error messages.
	Introspection bool
	Logger        *slog.Logger                // nil: slog.Default()
	Ready         func(context.Context) error // readiness of the dependencies for /readyz; nil: always ready

	ComplexityLimit int // largest query cost (limits.go); 0: DefaultComplexityLimit
	MaxDepth        int // deepest selection; 0: DefaultMaxDepth
	// BatchWait bounds how long a participant's nested list waits for the
	// rest of its page before the batch's one store call (loaders.go); 0:
	// DefaultBatchWait.
	BatchWait time.Duration

	// Limits of abuse of /query. RateLimit is each caller's token bucket
	// (ratelimit.go; zero: none), the caller being its key id, else its
	// address; TrustedProxies are the reverse proxies whose X-Forwarded-For
	// names the client's address. RequestTimeout bounds a request
	// (timeout.go; 0: DefaultRequestTimeout, negative: none).
	// ParserTokenLimit bounds a query's tokens (querylimits.go; 0:
	// DefaultParserTokenLimit). CORSOrigins are the web origins whose pages
	// may call the API (cors.go; nil: none but the server's own, ["*"]: any,
	// without credentials).
	RateLimit        RateLimit
	TrustedProxies   []netip.Prefix
	RequestTimeout   time.Duration
	ParserTokenLimit int
	CORSOrigins      []string

	// What one request may hold while it runs (requestlimits.go): at most
	// StoreCallsPerRequest store calls in flight (0:
	// DefaultStoreCallsPerRequest), the rest waiting for a slot, so that one
	// request never takes more than that share of the database's
	// connections; and an answer of at most MaxResponseBytes (0:
	// DefaultMaxResponseBytes), past which it is cut with
	// RESPONSE_TOO_LARGE.
	StoreCallsPerRequest int
	MaxResponseBytes     int64

	// ResponseCache bounds the cache of analytics answers replayed to
	// callers of the same scope (respcache.go; zero: the defaults).
	ResponseCache ResponseCache

	// Metrics receives the GraphQL operations' durations (replays from the
	// response cache included) and errors by code (observe.go); nil: none.
	// MetricsHandler, when set, is served at GET /metrics. Spans of the
	// operations and of the store calls are made when the request's context
	// carries a recording span (package observe's middleware starts one).
	Metrics        Metrics
	MetricsHandler http.Handler
}

// Request limits of /query.
const (
	maxBodyBytes   = 1 << 20  // a JSON or GET query: 1 MiB
	maxUploadBytes = 32 << 20 // a multipart request with files
	maxUploadRAM   = 8 << 20  // of which held in memory; the rest spills to disk
	queryCacheSize = 1000     // parsed and validated query documents
	apqCacheSize   = 1000     // automatic persisted queries (hash -> query)
	maxCachedQuery = 16 << 10 // longer queries are not cached: 2,000 tokens take about 16 KiB
	readyTimeout   = 5 * time.Second
)

// NewHandler serves the API:
//
//	GET  /         GraphiQL, pointed at /query
//	     /query    GraphQL over GET, POST (JSON) and multipart forms
//	GET  /healthz  200 "ok" while the process serves
//	GET  /readyz   200 "ready" when Config.Ready returns nil ("ready: " and the
//	               reason when it returns Degraded), else 503 and the reason
//	GET  /metrics  Config.MetricsHandler (Prometheus), when set, to analysts and admins
//	GET  /dashboard  the mayor's office dashboard (web/), fed by /query with a viewer's key
//	GET  /export/  CSV and XLSX reports, asked of /query as the caller (exports.go, docs/exports.md)
//
// Every request to /query is authenticated (auth.go) and audited (audit.go);
// /, /healthz and /readyz are open (GraphiQL's page carries no data);
// /metrics needs an analyst's or an admin's credentials (docs/observability.md).
//
// It panics if Records, SyncLog or Areas is nil, or CursorKey is not
// CursorKeySize bytes.
func NewHandler(cfg Config) http.Handler {
	if cfg.Records == nil || cfg.SyncLog == nil || cfg.Areas == nil {
		panic("graph: Config needs Records, SyncLog and Areas")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.CursorKey == nil {
		cfg.CursorKey = make([]byte, CursorKeySize)
		_, _ = rand.Read(cfg.CursorKey)
		cfg.Logger.Warn("graph: no cursor key configured: cursors are sealed with a key of this process only")
	}
	if cfg.BatchWait <= 0 {
		cfg.BatchWait = DefaultBatchWait
	}
	mux := http.NewServeMux()
	audit := &auditor{log: cfg.AuditLog, logger: cfg.Logger}
	timeout := cfg.RequestTimeout
	if timeout == 0 {
		timeout = DefaultRequestTimeout
	}
	slots, maxBytes := cfg.StoreCallsPerRequest, cfg.MaxResponseBytes
	if slots <= 0 {
		slots = DefaultStoreCallsPerRequest
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxResponseBytes
	}
	// Outside in: CORS (a refused origin runs nothing), the body's size, the
	// rate of failed authentications, authentication, the caller's rate, a
	// JSON body that decodes, the deadline, then the audited request, with
	// its share of the store and its answer's budget (ratelimit.go,
	// timeout.go, cors.go, body.go, requestlimits.go).
	// The response cache (respcache.go) comes after the caller's rate: a
	// replayed answer still needs a caller and counts against its rate; and
	// before the body's decoding (body.go), which a replay does not need.
	limits := newRateLimiter(cfg.RateLimit, cfg.TrustedProxies, nil)
	cache := newRespCache(cfg.ResponseCache, cfg.Analytics)
	srv, transports := newServer(cfg, audit, cache)
	mux.Handle("/query", cors(cfg.CORSOrigins, guardBody(transports, limits.authFailures(authenticate(cfg.Authenticate, cfg.Areas, cfg.Logger,
		limits.perCaller(cache.middleware(decodableBody(withTimeout(timeout, cfg.Logger,
			audit.middleware(withRequestLimits(slots, maxBytes, withLoaders(cfg.BatchWait, srv))))))))))))
	mux.Handle("GET /export/", ExportHandler(mux, ExportConfig{Logger: cfg.Logger})) // reports asked of /query as the caller (exports.go)
	web.Mount(mux, "/query")                                                         // GET / GraphiQL, GET /dashboard, their files, embedded (web/)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	if cfg.MetricsHandler != nil {
		// The metrics tell city-wide figures the access policy keeps from
		// viewers and officers (open discrepancies by kind, sync outcomes,
		// the quarantine): on the API's listener they need an analyst's or
		// an admin's credentials, as Prometheus sends them
		// (authorization.credentials_file), and failed attempts count like
		// /query's. The operators' listener (ops.go) serves them open.
		mux.Handle("GET /metrics", limits.authFailures(authenticate(cfg.Authenticate, cfg.Areas, cfg.Logger, metricsAccess(cfg.MetricsHandler))))
	}
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if cfg.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
			defer cancel()
			err := cfg.Ready(ctx)
			var degraded Degraded
			if errors.As(err, &degraded) {
				_, _ = w.Write([]byte("ready: " + string(degraded) + "\n"))
				return
			}
			if err != nil {
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

// newServer builds the GraphQL executor with its transports and extensions;
// it returns the transports too, for guardBody.
func newServer(cfg Config, audit *auditor, cache *respCache) (*handler.Server, []graphql.Transport) {
	limit, depth := cfg.ComplexityLimit, cfg.MaxDepth
	if limit <= 0 {
		limit = DefaultComplexityLimit
	}
	if depth <= 0 {
		depth = DefaultMaxDepth
	}
	cursors, err := newCursorCodec(cfg.CursorKey)
	if err != nil {
		panic(err)
	}
	// The resolvers read through stores scoped to each request's caller
	// (scope.go), each call in one of the request's slots (requestlimits.go).
	r := &resolver{records: scopedRecords{throttledRecords{cfg.Records}}, syncLog: scopedSyncLog{throttledSyncLog{cfg.SyncLog}},
		areas: cfg.Areas, sync: cfg.Sync, rosterImporter: cfg.RosterImporter, batchWait: cfg.BatchWait, cursors: cursors}
	if cfg.AuditLog != nil {
		r.auditLog = throttledAuditLog{cfg.AuditLog}
	}
	if cfg.Scenarios != nil {
		r.scenarios = throttledScenarios{cfg.Scenarios}
	}
	if cfg.Analytics != nil && cfg.ReconcileLog != nil {
		var log ReconcileLog = cfg.ReconcileLog
		if cache != nil {
			log = notifyingReconcileLog{log, cache} // its discrepancy mutations invalidate the cached counts
		}
		r.analytics, r.reconcileLog = &scopedAnalytics{cfg.Analytics}, scopedReconcileLog{throttledReconcileLog{log}}
	}
	r.cost = newCostModel(cfg.Areas)
	if r.analytics != nil {
		r.cost.probe = rollupProbe(cfg.Analytics)
	}
	gc := generated.Config{Resolvers: r}
	gc.Directives.PersonalData = personalData

	srv := handler.New(generated.NewExecutableSchema(gc))
	srv.AroundResponses(observer{cfg.Metrics}.responses) // the operation's duration and span (observe.go)
	transports := []graphql.Transport{
		transport.Options{},
		transport.SSE{}, // subscriptions; before POST, which would take the request
		transport.GET{},
		transport.POST{},
		// guardUpload (body.go) enforces maxUploadBytes on the body as sent;
		// this is the body as it passes it on, a little longer at most.
		transport.MultipartForm{MaxUploadSize: maxUploadBytes + 64<<10, MaxMemory: maxUploadRAM},
	}
	for _, t := range transports {
		srv.AddTransport(t)
	}
	// The caches keep short queries only, so that what they hold is bounded
	// in bytes, not only in entries (1,000 queries of 1 MiB would be 1 GiB).
	srv.SetQueryCache(shortOnly[*ast.QueryDocument]{lru.New[*ast.QueryDocument](queryCacheSize), func(query string, _ *ast.QueryDocument) int { return len(query) }})
	srv.Use(extension.AutomaticPersistedQuery{Cache: shortOnly[string]{lru.New[string](apqCacheSize), func(_, query string) int { return len(query) }}})
	// The query's text is bounded before it is parsed (querylimits.go): after
	// APQ, which fills it in.
	tokens := cfg.ParserTokenLimit
	if tokens <= 0 {
		tokens = DefaultParserTokenLimit
	}
	srv.SetParserTokenLimit(tokens)
	srv.Use(queryShapeLimit{tokens: tokens})
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
	}
	srv.Use(depthLimit{max: depth})
	srv.Use(costLimit{max: limit, model: r.cost})
	srv.AroundFields(limitFields)                       // a request that is over resolves nothing more (requestlimits.go)
	srv.AroundFields(authorize(cfg.Logger))             // the access policy (policy.go)
	srv.AroundFields(maskDiscrepancyIDs(cfg.CursorKey)) // analysts' discrepancy ids (discrepancyid.go)
	srv.AroundOperations(sseSubscriptionsOnly)          // no deadline over SSE: subscriptions only (timeout.go)
	srv.AroundOperations(audit.operations)
	if cache != nil {
		srv.AroundOperations(cache.operations) // what a request to be cached asks (respcache.go)
		srv.AroundResponses(cache.responses)
	}
	srv.AroundResponses(audit.responses)
	srv.AroundResponses(limitResponse) // inside the audit's: it sees the answer as sent
	srv.SetErrorPresenter(presenter(cfg.Logger, cfg.Metrics))
	srv.SetRecoverFunc(recoverFunc(cfg.Logger))
	return srv, transports
}

// Degraded is what Config.Ready returns when the API is ready but does not
// serve everything (no coverage rollup yet, say): /readyz answers 200
// "ready: " and the reason.
type Degraded string

func (d Degraded) Error() string { return string(d) }

// MetricsRole is the lowest role that may read /metrics on the API's
// listener: the analyst sees the city's sync runs and discrepancies through
// the API too.
const MetricsRole = coverage.RoleAnalyst

// metricsAccess lets callers of MetricsRole and above through, and answers
// 403 to the others.
func metricsAccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := PrincipalFrom(r.Context()); !ok || p.Role.Rank() < MetricsRole.Rank() || p.Area != "" {
			writeError(w, http.StatusForbidden, "FORBIDDEN", "the metrics need an analyst's or an admin's credentials")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// shortOnly is a cache that does not keep queries longer than maxCachedQuery
// bytes (size tells a query's length from an entry).
type shortOnly[T any] struct {
	cache graphql.Cache[T]
	size  func(key string, v T) int
}

func (c shortOnly[T]) Get(ctx context.Context, key string) (T, bool) { return c.cache.Get(ctx, key) }

func (c shortOnly[T]) Add(ctx context.Context, key string, v T) {
	if c.size(key, v) <= maxCachedQuery {
		c.cache.Add(ctx, key, v)
	}
}
