package main

// The analytics part of `jamsostek bench`: the API's answers to the
// dashboard's questions under concurrent load, each against a bare net/http
// handler that returns the same bytes, measured in the same run over the
// same loopback with the same client.

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/auth"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/worker"
)

// benchAnalyticsOptions are the load's parameters.
type benchAnalyticsOptions struct {
	Clients  int           // concurrent clients, each with its own connection
	Duration time.Duration // how long each question is asked, and as long the bare handler
	Year     int           // the year of universalCoverage and apbdProgram; 0: the rollup's as-of year
}

// benchQuestion is one question the dashboard or an officer asks.
type benchQuestion struct {
	name  string
	role  coverage.Role
	query string
}

// benchQuestions are the analytics questions measured, with the year asked.
func benchQuestions(year int) []benchQuestion {
	y, prev := year, year-1
	cov := func(groupBy, gran string, first int) string {
		return fmt.Sprintf(`{ coverage(filter: {from: "%d-01"}, groupBy: [%s], granularity: %s) { totalRows totals { activeParticipants contributionsPaid arrears } `+
			`rows(first: %d) { bucket kecamatanCode kelurahanCode category measures { activeParticipants newMembers contributionsDue contributionsPaid arrears claimsPaidAmount fundedWorkers } } rollup { version asOf } } }`,
			prev, groupBy, gran, first)
	}
	uc := fmt.Sprintf(`{ universalCoverage(year: %d) { areaCode current { year participants workforce rate } previous { rate } changePoints rollup { version } } }`, y)
	apbd := fmt.Sprintf(`{ apbdProgram(year: %d) { year from to categories { category workers contributionsDue contributionsPaid claimsPaidCount claimsPaid net } total { workers contributionsDue claimsPaid net } rollup { version } } }`, y)
	counts := `{ discrepancyCounts { total byKind { kind count } } }`
	declared := fmt.Sprintf(`{ declaredTotals(year: %d) { metric year areaCode category declared counted difference source } }`, y)
	dashboard := fmt.Sprintf(`{ uc: universalCoverage(year: %d) { current { participants workforce rate } changePoints } `+
		`kec: coverage(filter: {from: "%d-01"}, groupBy: [KECAMATAN], granularity: MONTH) { rows(first: 500) { bucket kecamatanCode measures { activeParticipants } } } `+
		`apbd: apbdProgram(year: %d) { categories { category workers contributionsPaid claimsPaid net } } `+
		`open: discrepancyCounts(filter: {statuses: [OPEN]}) { total byKind { kind count } } }`, y, y, y)
	return []benchQuestion{
		{"coverage by kecamatan, quarters", coverage.RoleViewer, cov("KECAMATAN", "QUARTER", 100)},
		{"coverage by kelurahan and category, months", coverage.RoleViewer, cov("KELURAHAN, CATEGORY", "MONTH", 1000)},
		{"universalCoverage", coverage.RoleViewer, uc},
		{"apbdProgram", coverage.RoleViewer, apbd},
		{"discrepancyCounts", coverage.RoleViewer, counts},
		{"declaredTotals", coverage.RoleViewer, declared},
		{"the dashboard's query (4 fields)", coverage.RoleViewer, dashboard},
		{"coverage by kelurahan, an officer of a kecamatan", coverage.RoleOfficer, cov("KELURAHAN", "QUARTER", 100)},
	}
}

// benchAnalytics serves the API over s (with its newest rollup) on loopback
// and asks every question from o.Clients clients for o.Duration, then asks
// a bare handler for the same bytes the same way.
func benchAnalytics(ctx context.Context, o benchAnalyticsOptions, s *store.Store, progress io.Writer) ([]benchFigure, error) {
	logger := slog.New(slog.DiscardHandler)
	svc := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Logger: logger, Owner: worker.ProcessOwner()}
	start := time.Now()
	if err := svc.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("load the rollup: %w", err)
	}
	snap := svc.Snapshot()
	if snap == nil || snap.Rollup == nil {
		return nil, fmt.Errorf("the store has no rollup: reconcile it first")
	}
	fmt.Fprintf(progress, "analytics: rollup version %d, %d cells, loaded in %s\n", snap.Rollup.Version, len(snap.Rollup.Cells), since(start))
	year := o.Year
	if year == 0 {
		year = snap.Rollup.AsOf.Year()
	}

	keys := map[coverage.Role]string{}
	kecamatan := coverage.Cilegon().Kecamatan()[0].Code
	for _, role := range []coverage.Role{coverage.RoleViewer, coverage.RoleOfficer} {
		req := auth.KeyRequest{Name: "bench " + string(role), Role: role, CreatedBy: "bench"}
		if role == coverage.RoleOfficer {
			req.Area = kecamatan
		}
		key, _, err := auth.CreateKey(ctx, s, req)
		if err != nil {
			return nil, fmt.Errorf("bench key: %w", err)
		}
		keys[role] = key
	}
	a, err := auth.New(ctx, auth.Config{Keys: s, KeyCacheTTL: auth.DefaultKeyCacheTTL, Areas: coverage.Cilegon(), Logger: logger})
	if err != nil {
		return nil, err
	}
	cursorKey, err := s.Secret(ctx, "graphql-cursor-key", graph.CursorKeySize)
	if err != nil {
		return nil, err
	}
	// As serve builds it, with its defaults; no rate limit: the load is 64
	// clients on two keys (see docs/benchmarks.md).
	api := graph.NewHandler(graph.Config{Records: s, SyncLog: s, Areas: coverage.Cilegon(), Logger: logger, Ready: s.Ping,
		Analytics: svc, ReconcileLog: s, Scenarios: s, Authenticate: a.Authenticate, AuditLog: s, CursorKey: cursorKey})
	apiURL, stopAPI, err := benchServe(api)
	if err != nil {
		return nil, err
	}
	defer stopAPI()

	client := benchClient(o.Clients)
	defer client.CloseIdleConnections()
	var figs []benchFigure
	for _, q := range benchQuestions(year) {
		body, _ := json.Marshal(map[string]string{"query": q.query})
		post := func(url string) ([]byte, error) { return benchPost(ctx, client, url, keys[q.role], body) }
		t0 := time.Now()
		answer, err := post(apiURL)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.name, err)
		}
		cold := time.Since(t0)
		var errs struct {
			Errors []json.RawMessage `json:"errors"`
		}
		if json.Unmarshal(answer, &errs) != nil || len(errs.Errors) > 0 {
			return nil, fmt.Errorf("%s: the answer has errors: %.300s", q.name, answer)
		}
		// The answer as a browser gets it: Accept-Encoding: gzip, replayed
		// from the response cache. The bare handler sends the same bytes
		// with the same headers.
		wire, hdr, err := benchConnFor(apiURL, keys[q.role], body).capture()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.name, err)
		}
		got := benchLoad(ctx, o, func() (func() error, func()) {
			return benchConnFor(apiURL, keys[q.role], body).expect(len(wire), len(answer))
		})

		bareURL, stopBare, err := benchServe(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			for _, h := range []string{"Content-Type", "Content-Encoding", "Content-Length", "Vary"} {
				if v := hdr.Values(h); v != nil {
					w.Header()[h] = v
				}
			}
			_, _ = w.Write(wire)
		}))
		if err != nil {
			return nil, err
		}
		bare := benchLoad(ctx, o, func() (func() error, func()) { return benchConnFor(bareURL, keys[q.role], body).expect(len(wire)) })
		stopBare()
		if got.err != nil || bare.err != nil {
			return nil, fmt.Errorf("%s: %v %v", q.name, got.err, bare.err)
		}
		fmt.Fprintf(progress, "analytics: %-50s %6d bytes (%d sent, %s), alone (first) %s; %d clients: %s req/s p50 %s p99 %s; bare handler %s req/s p99 %s\n",
			q.name, len(answer), len(wire), cmp.Or(hdr.Get("Content-Encoding"), "plain"), ms(cold), o.Clients, fmtNum(got.rate), ms(got.p50), ms(got.p99), fmtNum(bare.rate), ms(bare.p99))
		name := fmt.Sprintf("%s (%s, %d clients)", q.name, q.role, o.Clients)
		figs = append(figs,
			benchFigure{Section: "analytics", Name: name + " throughput", Value: got.rate, Unit: "req/s",
				Baseline: "bare handler, same bytes", Base: bare.rate, HigherIsBetter: true, Target: ">= 0.5x", Met: met(got.rate >= 0.5*bare.rate)},
			benchFigure{Section: "analytics", Name: name + " p99", Value: msf(got.p99), Unit: "ms",
				Baseline: "bare handler's p99", Base: msf(bare.p99), Target: "< 10 ms", Met: met(got.p99 < 10*time.Millisecond)},
		)
	}
	return figs, nil
}

// benchServe serves h on a loopback port until stop is called.
func benchServe(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/query", func() { _ = srv.Close() }, nil
}

// benchClient keeps one connection per client open.
func benchClient(clients int) *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true,
		IdleConnTimeout: time.Minute}}
}

// benchPost sends one GraphQL request and reads the whole answer.
func benchPost(ctx context.Context, c *http.Client, url, key string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, b)
	}
	return b, err
}

// loadResult is one load's outcome.
type loadResult struct {
	rate     float64 // requests per second
	p50, p99 time.Duration
	err      error
}

// benchLoad runs o.Clients clients, each made by client, for o.Duration
// (after a warm-up of a quarter of it, not counted) and returns the rate and
// the latency percentiles of the requests that started in the timed window.
func benchLoad(ctx context.Context, o benchAnalyticsOptions, client func() (do func() error, done func())) loadResult {
	warm := o.Duration / 4
	start := time.Now()
	from, until := start.Add(warm), start.Add(warm+o.Duration)
	lat := make([][]time.Duration, o.Clients)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for i := range o.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do, done := client()
			defer done()
			own := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				t := time.Now()
				if !t.Before(until) {
					break
				}
				if err := do(); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				if !t.Before(from) {
					own = append(own, time.Since(t))
				}
			}
			lat[i] = own
		}()
	}
	wg.Wait()
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return loadResult{err: firstErr}
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	return loadResult{rate: float64(len(all)) / o.Duration.Seconds(), p50: pct(0.50), p99: pct(0.99), err: firstErr}
}

// msf is a duration in milliseconds.
func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// benchConn is one client of a load: a keep-alive connection of its own, a
// request written as prepared bytes (as a browser sends it, taking gzip), and
// the answer read by net/http's response parser and counted. It costs the
// two shared cores far less than an http.Client (no transport goroutines per
// connection), leaving them to the servers measured.
type benchConn struct {
	addr string
	req  []byte
	conn net.Conn
	br   *bufio.Reader
}

// benchConnFor prepares the POST of body to url with key.
func benchConnFor(url, key string, body []byte) *benchConn {
	host := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/query")
	req := fmt.Appendf(nil, "POST /query HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\n"+
		"Accept-Encoding: gzip, deflate, br\r\nContent-Length: %d\r\n\r\n", host, key, len(body))
	return &benchConn{addr: host, req: append(req, body...)}
}

// round sends the request once and returns the answer's headers, with its
// body read into keep (nil: counted and dropped).
func (c *benchConn) round(keep *bytes.Buffer) (http.Header, int64, error) {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.addr)
		if err != nil {
			return nil, 0, err
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 64<<10)
	}
	fail := func(err error) (http.Header, int64, error) {
		_ = c.conn.Close()
		c.conn = nil
		return nil, 0, err
	}
	// A round never waits longer than a minute: a stalled server fails the
	// load rather than hanging it.
	_ = c.conn.SetDeadline(time.Now().Add(time.Minute))
	if _, err := c.conn.Write(c.req); err != nil {
		return fail(err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return fail(err)
	}
	var dst io.Writer = io.Discard
	if keep != nil {
		dst = keep
	}
	n, err := io.Copy(dst, resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return fail(err)
	}
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	if resp.Close {
		_ = c.conn.Close()
		c.conn = nil
	}
	return resp.Header, n, nil
}

// capture asks once and returns the answer's bytes as sent, and its headers.
func (c *benchConn) capture() ([]byte, http.Header, error) {
	var b bytes.Buffer
	h, _, err := c.round(&b)
	c.close()
	return b.Bytes(), h, err
}

// close ends the client's connection.
func (c *benchConn) close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

// expect returns the client's request, failing on an answer of a size
// other than the sizes given: the answer as replayed, gzipped, and as
// gqlgen writes it when the cache fills again (discrepancy counts expire
// after 5 s, within a load).
func (c *benchConn) expect(sizes ...int) (func() error, func()) {
	return func() error {
		_, n, err := c.round(nil)
		if err == nil && !slices.Contains(sizes, int(n)) {
			err = fmt.Errorf("an answer of %d bytes, want one of %v", n, sizes)
		}
		return err
	}, c.close
}
