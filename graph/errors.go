package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/cilegon/jamsostek/coverage"
)

// extensionCodes maps the domain's error codes to GraphQL extensions.code: the
// one translation of coverage errors for this transport.
var extensionCodes = map[string]string{
	coverage.EINVALID:         "BAD_USER_INPUT",
	coverage.ENOTFOUND:        "NOT_FOUND",
	coverage.ECONFLICT:        "CONFLICT",
	coverage.EUNAUTHENTICATED: "UNAUTHENTICATED",
	coverage.EFORBIDDEN:       "FORBIDDEN",
	coverage.EUNAVAILABLE:     "UNAVAILABLE",
	coverage.EINTERNAL:        "INTERNAL",
}

// presenter shows every error a request meets:
//   - errors of the query itself (parse, validation, complexity, depth,
//     persisted query) keep gqlgen's message and code;
//   - a body that is not a JSON GraphQL request is BAD_REQUEST, quoting at
//     most the body's first bytes (gqlgen's message quotes all of it);
//   - asking for the schema while introspection is off is FORBIDDEN;
//   - a request cut short by its deadline or its client is UNAVAILABLE;
//   - a coverage error shows its code (extensionCodes) and user-safe message;
//   - any other error, or an unknown code, is internal: logged with its detail
//     and shown as "internal error" with code INTERNAL.
//
// Each error is counted by its code in metrics, when set.
func presenter(logger *slog.Logger, metrics Metrics) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := present(ctx, logger, err)
		countError(ctx, gerr) // the error's share of the answer (requestlimits.go)
		if metrics != nil {
			metrics.GraphQLError(errorCode(gerr.Extensions))
		}
		return gerr
	}
}

// present is the error presenter without the accounting.
func present(ctx context.Context, logger *slog.Logger, err error) *gqlerror.Error {
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	if gerr.Extensions == nil {
		gerr.Extensions = map[string]any{}
	}
	if msg, ok := undecodable(gerr.Message); ok && !errors.As(err, new(*coverage.Error)) {
		// A body that is not a JSON GraphQL request (body.go).
		gerr.Message = msg
		gerr.Extensions["code"] = "BAD_REQUEST"
		return gerr
	}
	var de *coverage.Error
	if !errors.As(err, &de) {
		var ge *gqlerror.Error
		if errors.As(err, &ge) && ge.Err == nil {
			return gerr // about the query, not from a resolver
		}
		if introspectionField(ctx) {
			// gqlgen's plain "introspection disabled" error.
			gerr.Message = "introspection is disabled on this server"
			gerr.Extensions["code"] = "FORBIDDEN"
			return gerr
		}
	}
	if de == nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		// The request ran out of time or its client went away: not a bug.
		logger.WarnContext(ctx, "graphql: request cut short", "path", gerr.Path.String(), "error", err)
		gerr.Message = "the request was cancelled or took too long"
		gerr.Extensions["code"] = "UNAVAILABLE"
		return gerr
	}
	code, ok := extensionCodes[coverage.ErrorCode(err)]
	if !ok || code == "INTERNAL" {
		code = "INTERNAL"
		if !errors.Is(err, errPanic) { // recoverFunc logged it with its stack
			logger.ErrorContext(ctx, "graphql: internal error", "path", gerr.Path.String(), "error", err)
		}
		gerr.Message = "internal error"
	} else {
		gerr.Message = coverage.ErrorMessage(err)
	}
	gerr.Extensions["code"] = code
	return gerr
}

// introspectionField reports whether ctx is that of __schema or __type.
func introspectionField(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return false
	}
	return fc.Field.Name == "__schema" || fc.Field.Name == "__type"
}

// errPanic marks the error of a recovered panic.
var errPanic = errors.New("panic")

// recoverFunc turns a panic in a resolver into an internal error, logged with
// its stack; the rest of the response is still served.
func recoverFunc(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		var path string
		if fc := graphql.GetFieldContext(ctx); fc != nil {
			path = fc.Path().String()
		}
		logger.ErrorContext(ctx, "graphql: panic", "path", path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return &coverage.Error{Code: coverage.EINTERNAL, Message: "internal error", Err: fmt.Errorf("%w: %v", errPanic, p)}
	}
}
