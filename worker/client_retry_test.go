package worker

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// TestFetchDoesNotWaitAfterTheLastAttempt: a feed that always answers 503 is
// tried MaxAttempts times with a backoff between two attempts, and none after
// the last one (a wait there only delays the failure). Waits are counted, not
// timed.
func TestFetchDoesNotWaitAfterTheLastAttempt(t *testing.T) {
	for _, attempts := range []int{1, 2, 4} {
		script := make([]func(http.ResponseWriter), attempts+5)
		for i := range script {
			script[i] = status(http.StatusServiceUnavailable)
		}
		srv, calls := flaky(t, script...)
		c, err := NewClient(ClientConfig{BaseURL: srv.URL, Token: "tok", MaxAttempts: attempts})
		if err != nil {
			t.Fatal(err)
		}
		var waits []int // the attempts already made at each wait
		c.sleep = func(ctx context.Context, d time.Duration) error {
			waits = append(waits, int(calls.Load()))
			return nil
		}
		_, err = c.Fetch(context.Background(), FetchRequest{Feed: coverage.FeedParticipants})
		if err == nil || !strings.Contains(err.Error(), "503") {
			t.Fatalf("%d attempts: got %v, want the 503", attempts, err)
		}
		if got := int(calls.Load()); got != attempts {
			t.Errorf("%d attempts: the server was asked %d times", attempts, got)
		}
		if len(waits) != attempts-1 {
			t.Errorf("%d attempts: waited %d times (after attempts %v), want %d: one between two attempts, none after the last",
				attempts, len(waits), waits, attempts-1)
		}
		for i, n := range waits {
			if n != i+1 {
				t.Errorf("%d attempts: wait %d came after %d attempts, want %d", attempts, i+1, n, i+1)
			}
		}
	}
}

// TestFetchStopsWaitingWhenCancelled: a wait cut by the context ends the fetch
// with the context's error and the last failure.
func TestFetchStopsWaitingWhenCancelled(t *testing.T) {
	srv, calls := flaky(t, status(http.StatusBadGateway), status(http.StatusBadGateway))
	c, err := NewClient(ClientConfig{BaseURL: srv.URL, Token: "tok", MaxAttempts: 5})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}
	_, err = c.Fetch(ctx, FetchRequest{Feed: coverage.FeedClaims})
	if err == nil || !strings.Contains(err.Error(), "context canceled") || !strings.Contains(err.Error(), "502") {
		t.Errorf("got %v, want the cancellation and the last error", err)
	}
	if calls.Load() != 1 {
		t.Errorf("the server was asked %d times after the cancellation, want 1", calls.Load())
	}
}

// TestFetchNamesARefusedToken: a 401 is not retried (no wait) and its error
// wraps ErrTokenRefused, so that a caller can spare the other feeds of the
// same server and token.
func TestFetchNamesARefusedToken(t *testing.T) {
	srv, calls := flaky(t)
	c, err := NewClient(ClientConfig{BaseURL: srv.URL, Token: "wrong", MaxAttempts: 5})
	if err != nil {
		t.Fatal(err)
	}
	waits := 0
	c.sleep = func(context.Context, time.Duration) error { waits++; return nil }
	_, err = c.Fetch(context.Background(), FetchRequest{Feed: coverage.FeedRoster})
	if !errors.Is(err, ErrTokenRefused) || !strings.Contains(err.Error(), "401") {
		t.Errorf("got %v, want ErrTokenRefused naming the 401", err)
	}
	if calls.Load() != 0 || waits != 0 { // flaky counts only authorised calls
		t.Errorf("%d authorised calls and %d waits, want none", calls.Load(), waits)
	}
}
