package observe

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// MongoMonitor returns a command monitor of the MongoDB driver that makes a
// span "mongodb <command>" of each command sent in a traced context (a
// request's, a sync run's, a reconciliation's), child of that context's
// span, with the database, the collection and the command's name: never
// the command's filter or documents. Commands outside a traced context make
// none. Install it only when tracing is on: a driver with a monitor copies
// each command for its event.
func MongoMonitor() *event.CommandMonitor {
	var spans sync.Map // request id -> trace.Span
	end := func(id int64, failed bool) {
		if v, ok := spans.LoadAndDelete(id); ok {
			span := v.(trace.Span)
			if failed {
				span.SetStatus(codes.Error, "command failed")
			}
			span.End()
		}
	}
	return &event.CommandMonitor{
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			parent := trace.SpanFromContext(ctx)
			if !parent.IsRecording() {
				return
			}
			attrs := []attribute.KeyValue{attribute.String("db.system.name", "mongodb"), attribute.String("db.namespace", e.DatabaseName),
				attribute.String("db.operation.name", e.CommandName)}
			if v, err := e.Command.IndexErr(0); err == nil {
				if col, ok := v.Value().StringValueOK(); ok && v.Key() == e.CommandName {
					attrs = append(attrs, attribute.String("db.collection.name", col))
				}
			}
			_, span := parent.TracerProvider().Tracer(TracerName).Start(ctx, "mongodb "+e.CommandName,
				trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
			spans.Store(e.RequestID, span)
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) { end(e.RequestID, false) },
		Failed:    func(_ context.Context, e *event.CommandFailedEvent) { end(e.RequestID, true) },
	}
}
