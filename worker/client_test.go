package worker

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 8, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, header string
		want         time.Duration
	}{
		{"seconds", "3", 3 * time.Second},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"past date", now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"empty", "", 0},
		{"garbage", "soon", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryAfter(tc.header, now); got != tc.want {
				t.Errorf("retryAfter(%q): got %v, want %v", tc.header, got, tc.want)
			}
		})
	}
}

// flaky answers with the scripted responses in turn, then with a good page.
func flaky(t *testing.T, script ...func(w http.ResponseWriter)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		n := int(calls.Add(1)) - 1
		if n < len(script) {
			script[n](w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":[{"a":1}],"next_cursor":null,"as_of":"2024-08-22T00:00:00Z"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func status(code int, header ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
	}
}

func body(s string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) { _, _ = w.Write([]byte(s)) }
}

func TestFetchRetriesTransientFailures(t *testing.T) {
	tests := []struct {
		name   string
		script []func(http.ResponseWriter)
		calls  int32
		ok     bool
	}{
		{"500 then ok", []func(http.ResponseWriter){status(500), status(503)}, 3, true},
		{"429 with Retry-After", []func(http.ResponseWriter){status(429, "Retry-After", "1")}, 2, true},
		{"truncated body", []func(http.ResponseWriter){body(`{"data":[{"a":1}`)}, 2, true},
		{"trailing garbage", []func(http.ResponseWriter){body(`{"data":[]} x`)}, 2, true},
		{"no data array", []func(http.ResponseWriter){body(`{"next_cursor":null}`)}, 2, true},
		{"always failing", []func(http.ResponseWriter){status(502), status(502), status(502), status(502)}, 3, false},
		{"bad request is permanent", []func(http.ResponseWriter){status(400)}, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, calls := flaky(t, tc.script...)
			c, err := NewClient(ClientConfig{BaseURL: srv.URL, Token: "tok", MaxAttempts: 3,
				MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, RequestTimeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			page, err := c.Fetch(context.Background(), FetchRequest{Feed: coverage.FeedClaims, Limit: 10})
			if (err == nil) != tc.ok {
				t.Fatalf("got error %v, want ok=%t", err, tc.ok)
			}
			if tc.ok && len(page.Data) != 1 {
				t.Errorf("got %d records, want 1", len(page.Data))
			}
			if got := calls.Load(); got != tc.calls {
				t.Errorf("got %d calls, want %d", got, tc.calls)
			}
		})
	}
}

func TestFetchBadTokenIsPermanent(t *testing.T) {
	srv, calls := flaky(t)
	c, _ := NewClient(ClientConfig{BaseURL: srv.URL, Token: "wrong", MinBackoff: time.Millisecond})
	_, err := c.Fetch(context.Background(), FetchRequest{Feed: coverage.FeedRoster})
	if err == nil || !strings.Contains(err.Error(), "token") {
		t.Errorf("got %v, want an error about the token", err)
	}
	if calls.Load() != 0 {
		t.Errorf("a refused token reached the handler %d times", calls.Load())
	}
}

func TestFetchTimesOutEachAttempt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		_, _ = w.Write([]byte(`{"data":[],"next_cursor":null}`))
	}))
	defer srv.Close()
	c, _ := NewClient(ClientConfig{BaseURL: srv.URL, RequestTimeout: 100 * time.Millisecond, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if _, err := c.Fetch(context.Background(), FetchRequest{Feed: coverage.FeedWorkforce}); err != nil {
		t.Fatalf("got %v, want the second attempt to succeed", err)
	}
}

func TestDecode(t *testing.T) {
	areas := coverage.Cilegon()
	good := `{"nik":"3672015506900001","name":"Siti","category":"KADER","agency":"Dinas Kesehatan","kelurahan_code":"3672011001","funded_from":"2023-01","funded_until":null,"updated_at":"2024-01-02T03:04:05Z"}`
	tests := []struct {
		name, feed, raw string
		key             string
		deleted         bool
		reason          string // "" for valid
	}{
		{"roster entry", "roster", good, "3672015506900001:KADER", false, ""},
		{"tombstone", "roster", `{"nik":"3672015506900001","category":"KADER","deleted":true,"updated_at":"2024-02-01T00:00:00Z"}`, "3672015506900001:KADER", true, ""},
		{"unknown kelurahan", "roster", strings.Replace(good, "3672011001", "3672019999", 1), "3672015506900001:KADER", false, "kelurahan"},
		{"short nik", "roster", strings.Replace(good, "3672015506900001", "367201550690001", 1), "367201550690001:KADER", false, "16 digits"},
		{"missing key", "roster", strings.Replace(good, `"category":"KADER",`, "", 1), "", false, "no key"},
		{"fractional money", "contributions", `{"id":"C1","kpj":"12345678901","nik":"3672015506900001","period":"2024-01","programs":["JKK","JKM"],"amount_due":16800.5,"amount_paid":0,"paid_at":null,"payer_type":"APBD","updated_at":"2024-01-02T03:04:05Z"}`, "C1", false, "amount_due"},
		{"negative money", "contributions", `{"id":"C1","kpj":"12345678901","nik":"3672015506900001","period":"2024-01","programs":["JKK"],"amount_due":-5,"amount_paid":0,"paid_at":null,"payer_type":"APBD","updated_at":"2024-01-02T03:04:05Z"}`, "C1", false, "negative"},
		{"unknown enum", "contributions", `{"id":"C1","kpj":"12345678901","nik":"3672015506900001","period":"2024-01","programs":["JKK"],"amount_due":5,"amount_paid":0,"paid_at":null,"payer_type":"PEMDA","updated_at":"2024-01-02T03:04:05Z"}`, "C1", false, "payer_type"},
		{"not an object", "claims", `[1,2]`, "", false, "JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, err := decode(coverage.Feed(tc.feed), json.RawMessage(tc.raw), areas)
			if rec.Key != tc.key || rec.Deleted != tc.deleted {
				t.Errorf("got key %q deleted %t, want %q %t", rec.Key, rec.Deleted, tc.key, tc.deleted)
			}
			switch {
			case tc.reason == "" && err != nil:
				t.Errorf("got error %v, want valid", err)
			case tc.reason != "" && (err == nil || !strings.Contains(coverage.ErrorMessage(err), tc.reason)):
				t.Errorf("got error %v, want one mentioning %q", err, tc.reason)
			}
		})
	}
}
