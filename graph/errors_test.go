package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/cilegon/jamsostek/coverage"
)

func TestPresenterMapsCodes(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		code    string
		message string
		logged  bool
	}{
		{"invalid", coverage.Errorf(coverage.EINVALID, "area code %q is not an area of Kota Cilegon", "367299"),
			"BAD_USER_INPUT", `area code "367299" is not an area of Kota Cilegon`, false},
		{"not found", coverage.Errorf(coverage.ENOTFOUND, "no participant with KPJ 1"), "NOT_FOUND", "no participant with KPJ 1", false},
		{"conflict", coverage.Errorf(coverage.ECONFLICT, "stale"), "CONFLICT", "stale", false},
		{"unauthenticated", coverage.Errorf(coverage.EUNAUTHENTICATED, "no token"), "UNAUTHENTICATED", "no token", false},
		{"forbidden", coverage.Errorf(coverage.EFORBIDDEN, "names are not shown to this role"), "FORBIDDEN", "names are not shown to this role", false},
		{"unavailable", coverage.Errorf(coverage.EUNAVAILABLE, "the database is starting"), "UNAVAILABLE", "the database is starting", false},
		{"wrapped", fmt.Errorf("find participants: %w", coverage.Errorf(coverage.EINVALID, "bad")), "BAD_USER_INPUT", "bad", false},
		{"on an argument path", gqlerror.WrapPath(ast.Path{ast.PathName("claims"), ast.PathName("filter")},
			coverage.Errorf(coverage.EINVALID, `date "2024-02-30" is not a valid YYYY-MM-DD date`)),
			"BAD_USER_INPUT", `date "2024-02-30" is not a valid YYYY-MM-DD date`, false},
		{"coded internal", &coverage.Error{Code: coverage.EINTERNAL, Message: "decode", Err: errors.New("bson: secret detail")},
			"INTERNAL", "internal error", true},
		{"plain error", fmt.Errorf("find participants: %w", errors.New("connection refused to mongo.internal:27017")),
			"INTERNAL", "internal error", true},
		{"unknown code", coverage.Errorf("teapot", "short and stout"), "INTERNAL", "internal error", true},
		{"deadline", fmt.Errorf("count participants: %w", context.DeadlineExceeded), "UNAVAILABLE", "the request was cancelled or took too long", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			got := presenter(slog.New(slog.NewTextHandler(&log, nil)), nil)(context.Background(), tc.err)
			if got.Message != tc.message {
				t.Errorf("message: got %q, want %q", got.Message, tc.message)
			}
			if code := got.Extensions["code"]; code != tc.code {
				t.Errorf("code: got %v, want %s", code, tc.code)
			}
			if logged := log.Len() > 0; logged != tc.logged {
				t.Errorf("logged: got %t (%q), want %t", logged, log.String(), tc.logged)
			}
			if tc.logged && !strings.Contains(log.String(), tc.err.Error()) {
				t.Errorf("log: got %q, want the detail %q", log.String(), tc.err.Error())
			}
		})
	}
}

func TestPresenterKeepsQueryErrors(t *testing.T) {
	// Parse, validation, complexity and depth errors carry gqlgen's own code.
	verr := gqlerror.Errorf(`Cannot query field "nama" on type "Participant".`)
	verr.Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}
	got := presenter(slog.New(slog.DiscardHandler), nil)(context.Background(), verr)
	if got.Message != verr.Message || got.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("got %q %v, want the validation error unchanged", got.Message, got.Extensions)
	}
}

func TestRecoverLogsOnceAndHidesThePanic(t *testing.T) {
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "participants"}}})
	err := recoverFunc(logger)(ctx, "index out of range [3] with length 3")
	if code := coverage.ErrorCode(err); code != coverage.EINTERNAL {
		t.Fatalf("code: got %q, want %q", code, coverage.EINTERNAL)
	}
	got := presenter(logger, nil)(ctx, err)
	if got.Message != "internal error" || got.Extensions["code"] != "INTERNAL" {
		t.Errorf("got %q %v, want internal error INTERNAL", got.Message, got.Extensions)
	}
	if n := strings.Count(log.String(), "level=ERROR"); n != 1 {
		t.Errorf("logged %d times, want once: %s", n, log.String())
	}
	for _, want := range []string{"index out of range", "participants", "goroutine"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q: %s", want, log.String())
		}
	}
}
