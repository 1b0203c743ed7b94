package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
)

// Findings of the security review: the deadline over SSE, the parts of
// multipart requests, malformed bodies in the log, concurrent failed
// authentications.

// sse posts body as JSON with Accept: text/event-stream to srv.
func sse(t *testing.T, srv *httptest.Server, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/query", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer admin")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b)
}

// TestQueriesOverSSEAreRefused: the SSE transport runs queries and
// mutations too, and a stream gets no deadline: only subscriptions may use it.
func TestQueriesOverSSEAreRefused(t *testing.T) {
	var calls atomic.Int64
	rec := &memRecords{slow: func(context.Context) error { calls.Add(1); return nil }}
	srv := httptest.NewServer(abuseHandler(graph.Config{Records: rec, RequestTimeout: time.Minute}))
	defer srv.Close()
	for _, q := range []string{
		`{ participants(first: 1) { totalCount } }`,
		`query Q { participants(first: 1) { totalCount } }`,
		`mutation { triggerSync(feed: PARTICIPANTS) { id } }`,
	} {
		body, _ := json.Marshal(map[string]string{"query": q})
		status, out := sse(t, srv, string(body))
		if !strings.Contains(out, `"code":"BAD_REQUEST"`) || !strings.Contains(out, "only subscriptions") || strings.Contains(out, `"data":{`) {
			t.Errorf("%s over SSE: %d %.400s, want the coded refusal", q, status, out)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the store was called %d times for operations over SSE", n)
	}
	// A subscription still streams.
	status, out := sse(t, srv, `{"query":"subscription { syncRunProgress(id: \"r\") { id } }"}`)
	if status != http.StatusOK || strings.Contains(out, "only subscriptions") {
		t.Errorf("a subscription over SSE: %d %.400s", status, out)
	}
}

// TestMalformedSSEBodyIsNotLogged: gqlgen's SSE transport logs a body it
// cannot decode whole (NIKs included); the body guard answers it first.
func TestMalformedSSEBodyIsNotLogged(t *testing.T) {
	var logged bytes.Buffer
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	srv := httptest.NewServer(abuseHandler(graph.Config{}))
	defer srv.Close()
	nik := "3672010101900001"
	for _, body := range []string{
		`{"query":"query($n: String!) { city { name } }","variables":{"n":"` + nik + `"` + strings.Repeat(" ", 1000),
		`{"operationName":"PadPadPadPad","query":["` + nik + `"]}`,
		`{"query":"{ city { name } }",  "variables":["` + nik + `"]}`,
	} {
		status, out := sse(t, srv, body)
		if status != http.StatusBadRequest || !strings.Contains(out, `"code":"BAD_REQUEST"`) || strings.Contains(out, nik) {
			t.Errorf("%.40s…: %d %.400s, want 400 BAD_REQUEST quoting no NIK", body, status, out)
		}
	}
	if logged.Len() > 0 {
		t.Errorf("malformed SSE bodies were logged: %.400s", logged.String())
	}
}

// rosterDeadline notes the deadline importRoster runs under.
type rosterDeadline struct{ left atomic.Int64 }

func (d *rosterDeadline) ImportRoster(ctx context.Context, _ string, r io.Reader) (coverage.RosterImport, error) {
	_, _ = io.Copy(io.Discard, r)
	if dl, ok := ctx.Deadline(); ok {
		d.left.Store(int64(time.Until(dl)))
	}
	return coverage.RosterImport{ID: "i1", Status: "SUCCEEDED"}, nil
}

// multipartCall posts operations, map and a file of fileSize bytes.
func multipartCall(h http.Handler, operations, fileMap string, fileSize int) answer {
	body := "--B\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n" + operations +
		"\r\n--B\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n" + fileMap + "\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"0\"; filename=\"roster.csv\"\r\n\r\n" + strings.Repeat("x", fileSize) + "\r\n--B--\r\n"
	req := httptest.NewRequest(http.MethodPost, "/query", io.MultiReader(strings.NewReader(body))) // chunked: no length announced
	req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
	req.Header.Set("Authorization", "Bearer admin")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	var resp struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if json.Unmarshal(rec.Body.Bytes(), &resp) == nil && len(resp.Errors) > 0 {
		a.code, a.msg = resp.Errors[0].Extensions.Code, resp.Errors[0].Message
	}
	return a
}

// TestMultipartPartsAtTheJSONLimit: the operations and map of a multipart
// request are JSON like any other request and get its limit (1 MiB); only
// the files get the upload's size, and only importRoster the upload's
// deadline.
func TestMultipartPartsAtTheJSONLimit(t *testing.T) {
	var queryLeft atomic.Int64
	rec := &memRecords{slow: func(ctx context.Context) error {
		if dl, ok := ctx.Deadline(); ok {
			queryLeft.Store(int64(time.Until(dl)))
		}
		return nil
	}}
	importer := &rosterDeadline{}
	h := abuseHandler(graph.Config{Records: rec, RosterImporter: importer, RequestTimeout: 10 * time.Second})
	const upload = `{"query":"mutation($f: Upload!) { importRoster(file: $f) { id } }","variables":{"f":null%s}}`
	pad := `,"pad":"` + strings.Repeat("3", 2<<20) + `"`
	fileMap := `{"0":["variables.f"]}`
	if a := multipartCall(h, strings.Replace(upload, "%s", pad, 1), fileMap, 10); a.status != http.StatusRequestEntityTooLarge || a.code != "REQUEST_TOO_LARGE" {
		t.Errorf("2 MiB of operations: %d %s %.300s, want 413 REQUEST_TOO_LARGE", a.status, a.code, a.body)
	}
	bigMap := `{"0":["variables.f"],"pad":["` + strings.Repeat("m", 2<<20) + `"]}`
	if a := multipartCall(h, strings.Replace(upload, "%s", "", 1), bigMap, 10); a.status != http.StatusRequestEntityTooLarge || a.code != "REQUEST_TOO_LARGE" {
		t.Errorf("a 2 MiB map: %d %s %.300s, want 413 REQUEST_TOO_LARGE", a.status, a.code, a.body)
	}
	// A 4 MiB file is fine, and importRoster gets the upload's deadline.
	if a := multipartCall(h, strings.Replace(upload, "%s", "", 1), fileMap, 4<<20); a.status != http.StatusOK || a.code != "" {
		t.Fatalf("a 4 MiB roster: %d %s %.300s", a.status, a.code, a.body)
	}
	if left := time.Duration(importer.left.Load()); left <= 90*time.Second {
		t.Errorf("importRoster ran with %s left, want the upload's 2 minutes", left)
	}
	// Any other operation sent as multipart gets the request's deadline.
	op := `{"query":"{ participants(first: 1) { totalCount } }","variables":{"f":null}}`
	if a := multipartCall(h, op, fileMap, 10); a.status != http.StatusOK || a.code != "" {
		t.Fatalf("a query as multipart: %d %s %.300s", a.status, a.code, a.body)
	}
	if left := time.Duration(queryLeft.Load()); left <= 0 || left > 60*time.Second {
		t.Errorf("a query sent as multipart ran with %s left, want the request timeout (10 s)", left)
	}
}

// TestConcurrentBadKeysTakeTokens: concurrent requests with bad keys from
// one address cannot all pass the bucket of failed authentications before
// the first of them fails: each takes a token before its key is looked up.
func TestConcurrentBadKeysTakeTokens(t *testing.T) {
	const n, burst = 20, 3
	var lookups, refused atomic.Int64
	release := make(chan struct{})
	auth := func(r *http.Request) (graph.Principal, error) { // a key store counting its lookups
		lookups.Add(1)
		<-release
		return graph.Principal{}, coverage.Errorf(coverage.EUNAUTHENTICATED, "unknown API key")
	}
	h := graph.NewHandler(graph.Config{Records: &memRecords{}, SyncLog: &memRecords{}, Areas: coverage.Cilegon(), Authenticate: auth,
		Logger: slog.New(slog.DiscardHandler), CursorKey: []byte("0123456789abcdef0123456789abcdef"),
		RateLimit: graph.RateLimit{Rate: 0.001, Burst: burst}})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if a := call(h, "jsk_random", "192.0.2.44:1", cityQuery); a.status == http.StatusTooManyRequests {
				refused.Add(1)
			}
		}()
	}
	// Every request is either refused or waiting in the key store.
	for lookups.Load()+refused.Load() < n {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if got := lookups.Load(); got != burst {
		t.Errorf("%d concurrent bad keys: %d key lookups, want %d (the burst)", n, got, burst)
	}
	// A success gives its token back.
	ok := func(*http.Request) (graph.Principal, error) {
		lookups.Add(1)
		return graph.Principal{Name: "k", Role: graph.RoleAdmin, Method: "api-key", KeyID: "k"}, nil
	}
	h = graph.NewHandler(graph.Config{Records: &memRecords{}, SyncLog: &memRecords{}, Areas: coverage.Cilegon(), Authenticate: ok,
		Logger: slog.New(slog.DiscardHandler), CursorKey: []byte("0123456789abcdef0123456789abcdef"),
		RateLimit: graph.RateLimit{Rate: 0.001, Burst: 1}})
	for i := range 3 {
		if a := call(h, "k", "192.0.2.45:1", cityQuery); a.status == http.StatusTooManyRequests && a.msg != "" && strings.Contains(a.msg, "failed authentications") {
			t.Fatalf("success %d refused as a failed authentication: %s", i+1, a.msg)
		}
	}
}
