package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/graph"
)

// scrapeURL reads a /metrics endpoint, parsed as Prometheus does, with key
// as its bearer credentials ("": none, as on the operators' listener).
func scrapeURL(t *testing.T, url, key string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d", url, resp.StatusCode)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams
}

// value is the value of a family's series with these labels (a counter,
// gauge, or a histogram's count); -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			ok := false
			for _, l := range m.Label {
				ok = ok || l.GetName() == labels[i] && l.GetValue() == labels[i+1]
			}
			if !ok {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			return m.Untyped.GetValue()
		}
	}
	return -1
}

// TestObservability runs serve (API, worker, ops listener) against the feed
// simulator and checks that its metrics follow what happened, as stored:
// the catch-up syncs at start, their records and quarantine, the
// reconciliation and its rollup, a GraphQL request, a second sync; and the
// request id and /readyz.
func TestObservability(t *testing.T) {
	ctx := context.Background()
	ds, err := feedsim.Generate(feedsim.Config{Seed: 5, Scale: 0.002})
	if err != nil {
		t.Fatal(err)
	}
	feeds := httptest.NewServer(feedsim.NewServer(ds, "tok"))
	defer feeds.Close()
	opsAddr := freeAddr(t)
	const admin = "observability-test-admin"
	cfg, err := parseConfig("serve", []string{"--data-dir", t.TempDir(), "--database", testDatabase(t), "--addr", "127.0.0.1:0", "--ops-addr", opsAddr,
		"--feed-base-url", feeds.URL, "--feed-token", "tok", "--feeds-config", "", "--admin-key", admin, "--log-level", "debug"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MetricsCountsEvery = time.Nanosecond // the store's counts at every scrape
	var logs lockedBuf
	logger := newLogger(&logs, cfg.LogLevel, "text")
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(s, logger)

	// Before anything: ready, saying the figures wait for a reconciliation.
	fresh := newAnalytics(s, cfg, logger)
	var degraded graph.Degraded
	if err := readiness(s, fresh)(ctx); !errors.As(err, &degraded) || !strings.Contains(err.Error(), "no coverage rollup yet") {
		t.Errorf("readiness of an empty database: %v", err)
	}

	addr, stop := serveOn(t, cfg, s, logger)
	defer stop()
	metricsURL := "http://" + addr + "/metrics"
	// On the API's listener the metrics need an analyst's or an admin's key.
	if resp, err := http.Get(metricsURL); err != nil {
		t.Error(err)
	} else {
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /metrics without a key: %d, want 401", resp.StatusCode)
		}
	}

	// The catch-up syncs of every feed at start, then the reconciliation.
	var fams map[string]*dto.MetricFamily
	done := func() bool {
		for _, f := range coverage.Feeds {
			if value(fams, "jamsostek_sync_runs_total", "feed", string(f), "outcome", "succeeded") != 1 {
				return false
			}
		}
		// (the lease is released just after the pass is counted)
		return value(fams, "jamsostek_rollup_loaded") == 1 && value(fams, "jamsostek_reconcile_runs_total", "outcome", "succeeded") >= 1 &&
			value(fams, "jamsostek_lease_held", "lease", analytics.LeaseJob) == 0
	}
	for end := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		fams = scrapeURL(t, metricsURL, admin)
		if done() {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("no sync of every feed and reconciliation in 3 minutes; logs:\n%s", logs.String())
		}
	}

	// The records and the quarantine as the stored runs count them.
	quarantined, stored := 0.0, 0.0
	for _, f := range coverage.Feeds {
		runs, err := s.SyncRuns(ctx, f, 10)
		if err != nil || len(runs) != 1 {
			t.Fatalf("%s: runs %v, %v", f, runs, err)
		}
		r := runs[0]
		for outcome, n := range map[string]int64{"inserted": r.Counts.Inserted, "unchanged": r.Counts.Unchanged, "quarantined": r.Counts.Quarantined} {
			if got := value(fams, "jamsostek_sync_records_total", "feed", string(f), "outcome", outcome); got != float64(n) {
				t.Errorf("%s records %s: %v, the run says %d", f, outcome, got, n)
			}
		}
		quarantined += float64(r.Counts.Quarantined)
		if got := value(fams, "jamsostek_sync_last_success_timestamp_seconds", "feed", string(f)); math.Abs(got-float64(r.FinishedAt.UnixNano())/1e9) > 0.01 {
			t.Errorf("%s last success %v, the run ended %v", f, got, r.FinishedAt)
		}
		if got := value(fams, "jamsostek_sync_run_duration_seconds", "feed", string(f)); got != 1 {
			t.Errorf("%s run durations observed: %v", f, got)
		}
		if got := value(fams, "jamsostek_lease_held", "lease", string(f)); got != 0 {
			t.Errorf("lease %s held after its run: %v", f, got)
		}
		if got := value(fams, "jamsostek_quarantine_records", "feed", string(f)); got < 0 {
			t.Errorf("no quarantine count of %s", f)
		} else {
			stored += got
		}
	}
	if quarantined == 0 || stored != quarantined {
		t.Errorf("quarantine: %v records kept, the runs quarantined %v (want > 0: the simulator sends invalid rows)", stored, quarantined)
	}
	v, err := s.LatestRollupVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := value(fams, "jamsostek_rollup_version"); got != float64(v.Version) || v.Version == 0 {
		t.Errorf("rollup version %v, stored %d", got, v.Version)
	}
	if age := value(fams, "jamsostek_rollup_age_seconds"); age < 0 || age > 600 {
		t.Errorf("rollup age %v s", age)
	}
	open, err := s.DiscrepancyCounts(ctx, coverage.DiscrepancyFilter{Statuses: []coverage.DiscrepancyStatus{coverage.StatusOpen}})
	if err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	for _, k := range coverage.DiscrepancyKinds {
		total += open[k].Count
		if got := value(fams, "jamsostek_discrepancies_open", "kind", string(k)); got != float64(open[k].Count) {
			t.Errorf("open %s: %v, stored %d", k, got, open[k].Count)
		}
		if got := value(fams, "jamsostek_discrepancies_open_rupiah", "kind", string(k)); got != float64(open[k].Amount) {
			t.Errorf("open %s: Rp %v, stored %d", k, got, open[k].Amount)
		}
	}
	if total == 0 {
		t.Errorf("no open discrepancy: the simulator plants some")
	}
	if value(fams, "jamsostek_audit_failures_total") != 0 {
		t.Errorf("audit failures: %v", value(fams, "jamsostek_audit_failures_total"))
	}

	// A GraphQL request: its operation counted once; its request id echoed;
	// /readyz ready.
	post := func(query, requestID string) (*http.Response, string) {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"query": query})
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+admin)
		if requestID != "" {
			req.Header.Set("X-Request-Id", requestID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || strings.Contains(string(b), `"errors"`) {
			t.Fatalf("%s: %d %s", query, resp.StatusCode, b)
		}
		return resp, string(b)
	}
	const op = "query:syncRuns"
	before := value(fams, "jamsostek_graphql_operation_duration_seconds", "operation", op, "cached", "false")
	resp, _ := post(`{ syncRuns(first: 5) { id status } }`, "trace-me-42")
	if got := resp.Header.Get("X-Request-Id"); got != "trace-me-42" {
		t.Errorf("request id echoed %q", got)
	}
	resp, _ = post(`query Named { syncRuns(first: 1) { id } }`, "no spaces allowed")
	if got := resp.Header.Get("X-Request-Id"); !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(got) {
		t.Errorf("a malformed request id is replaced with a new one: %q", got)
	}
	// A refused request: its log line names it.
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/query", strings.NewReader(`{"query":"{ city { code } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer not-a-key")
	req.Header.Set("X-Request-Id", "refused-7")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a bad key: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if !regexp.MustCompile(`(?m)^.*authentication refused.*request_id=refused-7.*$`).MatchString(logs.String()) {
		t.Errorf("the refused request's log line lacks its request id:\n%s", logs.String())
	}
	fams = scrapeURL(t, metricsURL, admin)
	if got := value(fams, "jamsostek_graphql_operation_duration_seconds", "operation", op, "cached", "false"); got != max(before, 0)+2 {
		t.Errorf("%s answered %v times, before %v, want 2 more", op, got, before)
	}
	if value(fams, "jamsostek_http_request_duration_seconds", "route", "/query", "code", "2xx") < 2 {
		t.Errorf("HTTP /query requests not counted")
	}
	rr, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rr.Body)
	rr.Body.Close()
	if rr.StatusCode != 200 || string(b) != "ready\n" {
		t.Errorf("/readyz with a rollup: %d %q", rr.StatusCode, b)
	}

	// A second sync of one feed, asked through the API: one more run, its
	// records unchanged.
	unchanged := value(fams, "jamsostek_sync_records_total", "feed", "participants", "outcome", "unchanged")
	post(`mutation { triggerSync(feed: PARTICIPANTS) { id } }`, "")
	for end := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		fams = scrapeURL(t, metricsURL, admin)
		if value(fams, "jamsostek_sync_runs_total", "feed", "participants", "outcome", "succeeded") == 2 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the second participants sync did not end; logs:\n%s", logs.String())
		}
	}
	if got := value(fams, "jamsostek_sync_records_total", "feed", "participants", "outcome", "unchanged"); got <= unchanged {
		t.Errorf("unchanged participants %v after a second sync, %v before", got, unchanged)
	}

	// Nothing personal in the exposition.
	mr, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(mr.Body)
	mr.Body.Close()
	for _, p := range ds.Participants {
		if bytes.Contains(text, []byte(p.NIK)) || bytes.Contains(text, []byte(p.Name)) || bytes.Contains(text, []byte(p.KPJ)) {
			t.Fatalf("/metrics shows participant data (%s)", p.KPJ)
		}
	}

	// The ops listener serves the same registry.
	if ops := scrapeURL(t, "http://"+opsAddr+"/metrics", ""); value(ops, "jamsostek_sync_runs_total", "feed", "participants", "outcome", "succeeded") != 2 {
		t.Errorf("the ops listener's metrics differ")
	}

	// The worker's lines name their run.
	lines := 0
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "sync run finished") {
			lines++
			if !regexp.MustCompile(`run=\d{8}T\d{6}Z-` + "(workforce|roster|participants|contributions|claims)-").MatchString(l) {
				t.Errorf("a sync line without its run id: %s", l)
			}
		}
		if strings.Contains(l, "reconciliation finished") && !strings.Contains(l, "run=reconcile-") {
			t.Errorf("a reconciliation line without its run id: %s", l)
		}
	}
	if lines != len(coverage.Feeds)+1 {
		t.Errorf("%d sync run lines, want %d", lines, len(coverage.Feeds)+1)
	}

	// A process that has not loaded the stored rollup is not ready.
	if err := readiness(s, newAnalytics(s, cfg, logger))(ctx); err == nil || errors.As(err, &degraded) || !strings.Contains(err.Error(), "not loaded") {
		t.Errorf("readiness without the stored rollup loaded: %v", err)
	}
}
