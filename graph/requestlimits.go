package graph

import (
	"context"
	"net/http"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/cilegon/jamsostek/coverage"
)

// What one request may hold while it runs, whatever its cost said:
//
//   - store calls in flight: at most Config.StoreCallsPerRequest (default
//     DefaultStoreCallsPerRequest) at a time, the resolvers' and the loaders'
//     alike (every call to coverage.Records, coverage.SyncLog, ReconcileLog,
//     AuditLog and Analytics goes through a slot), so that no request holds
//     more than that many of the database's connections, however many
//     aliases it has; the others wait for a slot, or for the request's end;
//   - answers from the rollup in memory (coverage and the other figures):
//     one at a time, so that a request's aliases of a large grouping do not
//     all hold their rows at once;
//   - its answer: at most Config.MaxResponseBytes (default
//     DefaultMaxResponseBytes). Each field's share of the JSON is estimated as
//     it resolves; past the limit the request is cancelled (its store calls
//     stop), nothing more is resolved, and the answer is one error,
//     RESPONSE_TOO_LARGE, instead of the data: the answer is cut, not built
//     in full and then dropped;
//   - its time: once its context ends (the client went away, the deadline
//     passed, the answer grew too large), no further field is resolved and
//     no store call starts.

// DefaultStoreCallsPerRequest is how many store calls one request may have in
// flight when Config.StoreCallsPerRequest is 0.
const DefaultStoreCallsPerRequest = 4

// DefaultMaxResponseBytes is the largest answer when Config.MaxResponseBytes
// is 0: 8 MiB, eight times the largest answers the cost limit lets through
// with every field (a page of 1,000 participants is 0.4 MB, 1,000 coverage
// rows with every measure 1 MB); only aliases of scalars, which cost
// nothing, go past it.
const DefaultMaxResponseBytes = 8 << 20

// errResponseTooLarge is the extensions.code of an answer cut at
// Config.MaxResponseBytes.
const errResponseTooLarge = "RESPONSE_TOO_LARGE"

func init() { errcode.RegisterErrorType(errResponseTooLarge, errcode.KindUser) }

// requestLimits is one request's share of the server.
type requestLimits struct {
	slots    chan struct{} // store calls in flight
	figures  chan struct{} // answers from the rollup being computed: one
	cancel   context.CancelFunc
	maxBytes int64
	bytes    atomic.Int64 // estimated size of the answer so far
	tooLarge atomic.Bool
}

type requestLimitsKey struct{}

// withRequestLimits gives every request its slots and answer budget, and a
// context that ends when the answer grows too large.
func withRequestLimits(slots int, maxBytes int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		rl := &requestLimits{slots: make(chan struct{}, slots), figures: make(chan struct{}, 1), cancel: cancel, maxBytes: maxBytes}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, requestLimitsKey{}, rl)))
	})
}

// limitsOf returns the request's limits, nil outside NewHandler's /query.
func limitsOf(ctx context.Context) *requestLimits {
	rl, _ := ctx.Value(requestLimitsKey{}).(*requestLimits)
	return rl
}

// acquire takes one of the request's store call slots, waiting for one
// while the request lasts; release gives it back. Outside a request (a
// resolver called directly) there is no limit.
func acquire(ctx context.Context) (release func(), err error) {
	rl := limitsOf(ctx)
	if rl == nil {
		return func() {}, ctx.Err()
	}
	return take(ctx, rl.slots)
}

// take takes a place in sem while ctx lasts.
func take(ctx context.Context, sem chan struct{}) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case sem <- struct{}{}:
		if err := ctx.Err(); err != nil {
			<-sem
			return nil, err
		}
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// slotted runs a store call in one of the request's slots.
//
// When the request is traced, the call is a span named "store <name>" (its
// wait for a slot included).
func slotted(ctx context.Context, name string, call func(ctx context.Context) error) (err error) {
	callCtx := ctx
	if parent := trace.SpanFromContext(ctx); parent.IsRecording() {
		var span trace.Span
		callCtx, span = parent.TracerProvider().Tracer(tracerName).Start(ctx, "store "+name, trace.WithSpanKind(trace.SpanKindClient))
		defer func() {
			if err != nil {
				span.SetStatus(codes.Error, "store call failed")
			}
			span.End()
		}()
	}
	release, err := acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	return call(callCtx) // the store's own spans (its driver's commands) under this one
}

// figure computes an answer from the rollup in memory, one at a time in a
// request.
func figure(ctx context.Context, call func() error) error {
	rl := limitsOf(ctx)
	if rl == nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		return call()
	}
	release, err := take(ctx, rl.figures)
	if err != nil {
		return err
	}
	defer release()
	return call()
}

// slot runs a store call that returns a value in one of the request's slots.
func slot[T any](ctx context.Context, name string, call func(ctx context.Context) (T, error)) (T, error) {
	var v T
	err := slotted(ctx, name, func(ctx context.Context) (err error) {
		v, err = call(ctx)
		return err
	})
	return v, err
}

// add counts n more bytes of the answer; past the limit it cancels the
// request.
func (rl *requestLimits) add(n int) {
	if rl.bytes.Add(int64(n)) > rl.maxBytes && rl.tooLarge.CompareAndSwap(false, true) {
		rl.cancel()
	}
}

// limitFields is the outermost field middleware: a field of a request that
// is over (its context ended: client gone, deadline, answer too large) is
// not resolved, and shows as null without an error (the answer is dropped or
// replaced anyway); every other field's share of the answer is counted.
// Subscriptions are left alone: their events are answers of their own.
func limitFields(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc.Object == "Subscription" || (oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Subscription) {
		return next(ctx)
	}
	rl := limitsOf(ctx)
	if ctx.Err() != nil || (rl != nil && rl.tooLarge.Load()) {
		return graphql.Null, nil
	}
	v, err := next(ctx)
	if rl != nil {
		rl.add(len(fc.Field.Alias) + 4 + jsonSize(v))
	}
	return v, err
}

// limitResponse answers RESPONSE_TOO_LARGE instead of an answer over the
// limit (cut short by limitFields, or found larger once written).
func limitResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	rl := limitsOf(ctx)
	if rl == nil || resp == nil || (!rl.tooLarge.Load() && int64(len(resp.Data)) <= rl.maxBytes) {
		return resp
	}
	err := gqlerror.Errorf("the answer is larger than this server's limit of %d bytes and was cut: ask for less (smaller pages, fewer fields, lists or aliases)", rl.maxBytes)
	err.Extensions = map[string]any{"code": errResponseTooLarge}
	return &graphql.Response{Errors: gqlerror.List{err}, Extensions: resp.Extensions}
}

// countError counts an error's share of the answer.
func countError(ctx context.Context, e *gqlerror.Error) {
	if rl := limitsOf(ctx); rl != nil {
		rl.add(len(e.Message) + 16*len(e.Path) + 64)
	}
}

// jsonSize estimates the bytes a resolved value adds to the answer: a
// scalar's JSON, or the brackets of an object or a list (whose fields count
// when they resolve).
func jsonSize(v any) int {
	switch x := v.(type) {
	case nil:
		return 4
	case string:
		return len(x) + 2
	case *string:
		if x == nil {
			return 4
		}
		return len(*x) + 2
	case bool, *bool:
		return 5
	case int:
		return digits(int64(x))
	case int64:
		return digits(x)
	case *int:
		if x == nil {
			return 4
		}
		return digits(int64(*x))
	case float64, *float64:
		return 24
	case time.Time, *time.Time:
		return 32
	case graphql.Marshaler:
		return 16
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.Len() + 2
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return digits(rv.Int())
	case reflect.Slice, reflect.Array:
		n := 2 + rv.Len()
		if rv.Len() > 0 && rv.Type().Elem().Kind() == reflect.String {
			for i := range rv.Len() {
				n += rv.Index(i).Len() + 2
			}
		}
		return n
	case reflect.Pointer:
		if rv.IsNil() {
			return 4
		}
		if e := rv.Elem(); e.Kind() == reflect.String {
			return e.Len() + 2
		}
	}
	return 2
}

func digits(n int64) int {
	d := 1
	if n < 0 {
		d, n = 2, -n
	}
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

// The stores of the resolvers, each call in one of the request's slots.

type throttledRecords struct{ next coverage.Records }

var _ coverage.Records = throttledRecords{}

func (t throttledRecords) Participants(ctx context.Context, f coverage.ParticipantFilter, p coverage.PageRequest) (coverage.Page[coverage.Participant], error) {
	return slot(ctx, "Participants", func(ctx context.Context) (coverage.Page[coverage.Participant], error) {
		return t.next.Participants(ctx, f, p)
	})
}

func (t throttledRecords) Participant(ctx context.Context, kpj string) (*coverage.Participant, error) {
	return slot(ctx, "Participant", func(ctx context.Context) (*coverage.Participant, error) { return t.next.Participant(ctx, kpj) })
}

func (t throttledRecords) Contributions(ctx context.Context, f coverage.ContributionFilter, p coverage.PageRequest) (coverage.Page[coverage.Contribution], error) {
	return slot(ctx, "Contributions", func(ctx context.Context) (coverage.Page[coverage.Contribution], error) {
		return t.next.Contributions(ctx, f, p)
	})
}

func (t throttledRecords) Claims(ctx context.Context, f coverage.ClaimFilter, p coverage.PageRequest) (coverage.Page[coverage.Claim], error) {
	return slot(ctx, "Claims", func(ctx context.Context) (coverage.Page[coverage.Claim], error) { return t.next.Claims(ctx, f, p) })
}

func (t throttledRecords) Roster(ctx context.Context, f coverage.RosterFilter, p coverage.PageRequest) (coverage.Page[coverage.RosterEntry], error) {
	return slot(ctx, "Roster", func(ctx context.Context) (coverage.Page[coverage.RosterEntry], error) {
		return t.next.Roster(ctx, f, p)
	})
}

func (t throttledRecords) Workforce(ctx context.Context, f coverage.WorkforceFilter) ([]coverage.WorkforceTarget, error) {
	return slot(ctx, "Workforce", func(ctx context.Context) ([]coverage.WorkforceTarget, error) { return t.next.Workforce(ctx, f) })
}

func (t throttledRecords) ContributionsByKPJ(ctx context.Context, kpjs []string, f coverage.ContributionFilter, p coverage.PageRequest) (map[string]coverage.Page[coverage.Contribution], error) {
	return slot(ctx, "ContributionsByKPJ", func(ctx context.Context) (map[string]coverage.Page[coverage.Contribution], error) {
		return t.next.ContributionsByKPJ(ctx, kpjs, f, p)
	})
}

func (t throttledRecords) ClaimsByKPJ(ctx context.Context, kpjs []string, f coverage.ClaimFilter, p coverage.PageRequest) (map[string]coverage.Page[coverage.Claim], error) {
	return slot(ctx, "ClaimsByKPJ", func(ctx context.Context) (map[string]coverage.Page[coverage.Claim], error) {
		return t.next.ClaimsByKPJ(ctx, kpjs, f, p)
	})
}

func (t throttledRecords) RosterByNIK(ctx context.Context, niks []string) (map[string][]coverage.RosterEntry, error) {
	return slot(ctx, "RosterByNIK", func(ctx context.Context) (map[string][]coverage.RosterEntry, error) {
		return t.next.RosterByNIK(ctx, niks)
	})
}

type throttledSyncLog struct{ next coverage.SyncLog }

var _ coverage.SyncLog = throttledSyncLog{}

func (t throttledSyncLog) SyncRuns(ctx context.Context, feed coverage.Feed, first int) ([]coverage.SyncRun, error) {
	return slot(ctx, "SyncRuns", func(ctx context.Context) ([]coverage.SyncRun, error) { return t.next.SyncRuns(ctx, feed, first) })
}

func (t throttledSyncLog) LatestSucceededRun(ctx context.Context, feed coverage.Feed) (*coverage.SyncRun, error) {
	return slot(ctx, "LatestSucceededRun", func(ctx context.Context) (*coverage.SyncRun, error) { return t.next.LatestSucceededRun(ctx, feed) })
}

func (t throttledSyncLog) SyncRun(ctx context.Context, id string) (*coverage.SyncRun, error) {
	return slot(ctx, "SyncRun", func(ctx context.Context) (*coverage.SyncRun, error) { return t.next.SyncRun(ctx, id) })
}

func (t throttledSyncLog) Quarantine(ctx context.Context, f coverage.QuarantineFilter, p coverage.PageRequest) (coverage.Page[coverage.Quarantined], error) {
	return slot(ctx, "Quarantine", func(ctx context.Context) (coverage.Page[coverage.Quarantined], error) {
		return t.next.Quarantine(ctx, f, p)
	})
}

type throttledReconcileLog struct{ next ReconcileLog }

var _ ReconcileLog = throttledReconcileLog{}

func (t throttledReconcileLog) Discrepancies(ctx context.Context, f coverage.DiscrepancyFilter, p coverage.PageRequest) (coverage.Page[coverage.Discrepancy], error) {
	return slot(ctx, "Discrepancies", func(ctx context.Context) (coverage.Page[coverage.Discrepancy], error) {
		return t.next.Discrepancies(ctx, f, p)
	})
}

func (t throttledReconcileLog) DiscrepancyCounts(ctx context.Context, f coverage.DiscrepancyFilter) (map[coverage.DiscrepancyKind]coverage.KindTally, error) {
	return slot(ctx, "DiscrepancyCounts", func(ctx context.Context) (map[coverage.DiscrepancyKind]coverage.KindTally, error) {
		return t.next.DiscrepancyCounts(ctx, f)
	})
}

func (t throttledReconcileLog) Discrepancy(ctx context.Context, id string) (*coverage.Discrepancy, error) {
	return slot(ctx, "Discrepancy", func(ctx context.Context) (*coverage.Discrepancy, error) { return t.next.Discrepancy(ctx, id) })
}

func (t throttledReconcileLog) AcknowledgeDiscrepancy(ctx context.Context, id, by string, at time.Time) (*coverage.Discrepancy, error) {
	return slot(ctx, "AcknowledgeDiscrepancy", func(ctx context.Context) (*coverage.Discrepancy, error) {
		return t.next.AcknowledgeDiscrepancy(ctx, id, by, at)
	})
}

func (t throttledReconcileLog) ResolveDiscrepancy(ctx context.Context, id, by, note string, at time.Time) (*coverage.Discrepancy, error) {
	return slot(ctx, "ResolveDiscrepancy", func(ctx context.Context) (*coverage.Discrepancy, error) {
		return t.next.ResolveDiscrepancy(ctx, id, by, note, at)
	})
}

func (t throttledReconcileLog) ReconcileRuns(ctx context.Context, first int) ([]coverage.ReconcileRun, error) {
	return slot(ctx, "ReconcileRuns", func(ctx context.Context) ([]coverage.ReconcileRun, error) { return t.next.ReconcileRuns(ctx, first) })
}

type throttledAuditLog struct{ next AuditLog }

var _ AuditLog = throttledAuditLog{}

func (t throttledAuditLog) Append(ctx context.Context, e coverage.AuditEntry) error {
	return slotted(ctx, "Append", func(ctx context.Context) error { return t.next.Append(ctx, e) })
}

func (t throttledAuditLog) AuditEntries(ctx context.Context, f coverage.AuditFilter, p coverage.PageRequest) (coverage.Page[coverage.AuditEntry], error) {
	return slot(ctx, "AuditEntries", func(ctx context.Context) (coverage.Page[coverage.AuditEntry], error) {
		return t.next.AuditEntries(ctx, f, p)
	})
}
