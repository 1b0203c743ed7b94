package graph

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Metrics receives the API's GraphQL measurements (package observe; the
// HTTP ones are taken around the handler). nil: none.
type Metrics interface {
	// Operation returns the series of an operation label (opLabel): the
	// implementation bounds the distinct labels it keeps.
	Operation(label string) OperationObserver
	// GraphQLError counts an error answered with this extensions.code ("":
	// none).
	GraphQLError(code string)
}

// OperationObserver records the answers of one operation label.
type OperationObserver interface {
	Observe(d time.Duration, cached bool)
}

// tracerName names the spans of this package.
const tracerName = "github.com/cilegon/jamsostek/graph"

// opLabel names an operation by its kind and its root fields, sorted and
// without repeats ("query:areas,coverage"): the schema bounds the names,
// and the client's operation name, free text, is not used. An operation
// that did not parse or validate is "invalid".
func opLabel(op *ast.OperationDefinition) string {
	if op == nil {
		return "invalid"
	}
	var buf [8]string
	fields := rootFields(op.SelectionSet, buf[:0], 0)
	slices.Sort(fields)
	fields = slices.Compact(fields)
	var b strings.Builder
	b.WriteString(string(op.Operation))
	b.WriteByte(':')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f)
	}
	return b.String()
}

// rootFields appends the names of a selection's fields, through fragments.
func rootFields(set ast.SelectionSet, out []string, depth int) []string {
	if depth > 4 { // fragments within fragments: validation bounds them, this bounds the walk
		return out
	}
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			out = append(out, s.Name)
		case *ast.InlineFragment:
			out = rootFields(s.SelectionSet, out, depth+1)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				out = rootFields(s.Definition.SelectionSet, out, depth+1)
			}
		}
	}
	return out
}

// observer measures each operation (its duration from the transport's
// start, its span) and notes its series for the response cache, which
// observes the replays itself.
type observer struct{ metrics Metrics }

func (o observer) responses(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		return next(ctx) // each event is a response: not an operation's duration
	}
	label := opLabel(oc.Operation)
	var span trace.Span
	if parent := trace.SpanFromContext(ctx); parent.IsRecording() {
		opts := []trace.SpanStartOption{trace.WithAttributes(attribute.String("graphql.operation.type", kindOf(oc.Operation)),
			attribute.String("graphql.operation.fields", label))}
		if !oc.Stats.OperationStart.IsZero() {
			opts = append(opts, trace.WithTimestamp(oc.Stats.OperationStart))
		}
		ctx, span = parent.TracerProvider().Tracer(tracerName).Start(ctx, "graphql "+label, opts...)
	}
	resp := next(ctx)
	if span != nil {
		if resp == nil || len(resp.Errors) > 0 {
			span.SetStatus(codes.Error, "the answer has errors")
		}
		span.End()
	}
	if o.metrics == nil {
		return resp
	}
	obs := o.metrics.Operation(label)
	if !oc.Stats.OperationStart.IsZero() {
		obs.Observe(time.Since(oc.Stats.OperationStart), false)
	}
	if st := cacheStateOf(ctx); st != nil {
		st.mu.Lock()
		st.op = obs
		st.mu.Unlock()
	}
	return resp
}

func kindOf(op *ast.OperationDefinition) string {
	if op == nil {
		return "invalid"
	}
	return string(op.Operation)
}

// errorCode is an answered error's extensions.code, "" when it has none.
func errorCode(ext map[string]any) string {
	c, _ := ext["code"].(string)
	return c
}
