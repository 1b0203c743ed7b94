package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/graph"
)

// freeAddr returns a loopback address with a port free a moment ago.
//
// The port is below the kernel's ephemeral range (Linux: 32768 and up), so
// that between this check and the server's bind no outgoing connection of
// another test can take it (one did: "address already in use" in CI); a
// port of the ephemeral range is the fallback.
func freeAddr(t *testing.T) string {
	t.Helper()
	for range 50 {
		addr := "127.0.0.1:" + strconv.Itoa(20_000+rand.IntN(12_000))
		if free, err := net.Listen("tcp", addr); err == nil {
			free.Close()
			return addr
		}
	}
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer free.Close()
	return free.Addr().String()
}

// httpGet returns a GET's status and body.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestOpsListener: the operators' listener serves the probes and the
// metrics; the profiler only with --pprof, and never on the API's listener;
// the flags are checked like --addr.
func TestOpsListener(t *testing.T) {
	ctx := context.Background()
	dir, db := t.TempDir(), testDatabase(t)
	args := []string{"--data-dir", dir, "--database", db, "--admin-key", "cli-test-admin",
		"--addr", "127.0.0.1:0", "--feed-base-url", "", "--feeds-config", "", "--log-level", "error"}
	opsAddr := freeAddr(t)
	cfg, err := parseConfig("serve", append(args, "--ops-addr", opsAddr), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Pprof {
		t.Fatal("the profiler is on by default")
	}
	logger := newLogger(io.Discard, cfg.LogLevel, "text")
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(s, logger)

	// Without --pprof: probes and metrics, no profiler.
	addr, stop := serveOn(t, cfg, s, logger)
	if code, body := httpGet(t, "http://"+opsAddr+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("ops /healthz: %d %q", code, body)
	}
	// No reconciliation has run: ready, saying so, as the API's /readyz.
	if code, body := httpGet(t, "http://"+opsAddr+"/readyz"); code != http.StatusOK || !strings.HasPrefix(body, "ready") {
		t.Errorf("ops /readyz: %d %q", code, body)
	}
	_, apiBody := httpGet(t, "http://"+addr+"/readyz")
	if _, opsBody := httpGet(t, "http://"+opsAddr+"/readyz"); opsBody != apiBody {
		t.Errorf("the API's ops /readyz says %q, its API listener %q: want the same readiness", opsBody, apiBody)
	}
	if code, body := httpGet(t, "http://"+opsAddr+"/metrics"); code != http.StatusOK || !strings.Contains(body, "jamsostek_lease_held") {
		t.Errorf("ops /metrics: %d %.200s", code, body)
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/goroutine?debug=2", "/debug/pprof/profile?seconds=1", "/debug/pprof/cmdline"} {
		if code, body := httpGet(t, "http://"+opsAddr+path); code != http.StatusNotFound || !strings.Contains(body, "--pprof") {
			t.Errorf("ops %s without --pprof: %d %.200s, want 404 saying how to turn it on", path, code, body)
		}
	}
	stop()

	// With --pprof: the profiler on the operators' listener only.
	opsAddr = freeAddr(t)
	if cfg, err = parseConfig("serve", append(args, "--ops-addr", opsAddr, "--pprof"), io.Discard); err != nil || !cfg.Pprof {
		t.Fatalf("--pprof: %v %v", cfg.Pprof, err)
	}
	addr, stop = serveOn(t, cfg, s, logger)
	defer stop()
	if code, body := httpGet(t, "http://"+opsAddr+"/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("ops listener /debug/pprof/: %d %.200s", code, body)
	}
	if code, body := httpGet(t, "http://"+opsAddr+"/debug/pprof/heap?debug=1"); code != http.StatusOK || !strings.Contains(body, "heap profile") {
		t.Errorf("ops listener heap profile: %d %.200s", code, body)
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile?seconds=1"} {
		if code, body := httpGet(t, "http://"+addr+path); code == http.StatusOK {
			t.Errorf("the public API answers %s: %d %.200s", path, code, body)
		}
	}

	for _, bad := range []string{"6060", "127.0.0.1:70000"} {
		if _, err := parseConfig("serve", []string{"--ops-addr", bad}, io.Discard); err == nil || !strings.Contains(err.Error(), "--ops-addr") {
			t.Errorf("--ops-addr %s: %v, want an error naming the flag", bad, err)
		}
	}
	if _, err := parseConfig("sync", []string{"--once", "--ops-addr", "127.0.0.1:6060"}, io.Discard); err == nil {
		t.Error("sync takes --ops-addr; only the long-running commands have it")
	}
}

// TestPprofConfig: --pprof (JAMSOSTEK_PPROF) is off by default, needs
// --ops-addr, and a bad value is refused naming the variable; only the
// commands with the operators' listener have it.
func TestPprofConfig(t *testing.T) {
	for _, cmd := range []string{"serve", "worker", "demo"} {
		if c, err := parseConfig(cmd, []string{"--ops-addr", "127.0.0.1:6060"}, io.Discard); err != nil || c.Pprof {
			t.Errorf("%s: pprof %t, %v; want off by default", cmd, c.Pprof, err)
		}
		if _, err := parseConfig(cmd, []string{"--pprof"}, io.Discard); err == nil || !strings.Contains(err.Error(), "--ops-addr") {
			t.Errorf("%s --pprof without --ops-addr: %v, want an error naming --ops-addr", cmd, err)
		}
	}
	if _, err := parseConfig("sync", []string{"--once", "--pprof"}, io.Discard); err == nil {
		t.Error("sync takes --pprof")
	}
	t.Setenv("JAMSOSTEK_OPS_ADDR", "127.0.0.1:6060")
	t.Setenv("JAMSOSTEK_PPROF", "true")
	if c, err := parseConfig("worker", nil, io.Discard); err != nil || !c.Pprof {
		t.Errorf("JAMSOSTEK_PPROF=true: %t %v", c.Pprof, err)
	}
	if c, err := parseConfig("worker", []string{"--pprof=false"}, io.Discard); err != nil || c.Pprof {
		t.Errorf("--pprof=false over JAMSOSTEK_PPROF=true: %t %v; the flag wins", c.Pprof, err)
	}
	t.Setenv("JAMSOSTEK_PPROF", "yes please")
	if _, err := parseConfig("worker", nil, io.Discard); err == nil || !strings.Contains(err.Error(), "JAMSOSTEK_PPROF") {
		t.Errorf("JAMSOSTEK_PPROF=%q: %v, want an error naming it", "yes please", err)
	}
	if _, err := parseConfig("reconcile", nil, io.Discard); err != nil {
		t.Errorf("reconcile reads JAMSOSTEK_PPROF, which it has no use for: %v", err)
	}
}

// TestOpsReadyz: the operators' /readyz answers 503 with the reason when
// the readiness fails, 200 with the reason when it is degraded; /healthz
// stays 200 (a liveness probe must not restart a process for its database).
func TestOpsReadyz(t *testing.T) {
	var state error // the readiness's answer
	h := opsHandler(opsEndpoints{ready: func(context.Context) error { return state }}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get("/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Errorf("ready: %d %q", code, body)
	}
	state = graph.Degraded("no coverage rollup yet")
	if code, body := get("/readyz"); code != http.StatusOK || body != "ready: no coverage rollup yet\n" {
		t.Errorf("degraded: %d %q", code, body)
	}
	state = errors.New("database: server selection timeout")
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "database: server selection timeout") {
		t.Errorf("database down: %d %q, want 503 with the reason", code, body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz with the database down: %d, want 200", code)
	}
	if code, _ := get("/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics without a metrics handler: %d", code)
	}
}

// TestWorkerOpsListener: `jamsostek worker` serves its probes and metrics
// on --ops-addr (it has no other listener): /healthz, /readyz while the
// database answers and 503 once it does not, /metrics with its leases; no
// profiler unless asked for.
func TestWorkerOpsListener(t *testing.T) {
	opsAddr := freeAddr(t)
	cfg, err := parseConfig("worker", []string{"--data-dir", t.TempDir(), "--database", testDatabase(t), "--ops-addr", opsAddr,
		"--feed-base-url", "", "--feeds-config", "", "--log-level", "error"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger := newLogger(io.Discard, cfg.LogLevel, "text")
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serveWith(ctx, cfg, s, logger, io.Discard, nil, nil) }()
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + opsAddr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(end) {
			t.Fatal("the worker's operators' listener does not answer")
		}
	}
	if code, body := httpGet(t, "http://"+opsAddr+"/healthz"); code != http.StatusOK {
		t.Errorf("worker /healthz: %d %q", code, body)
	}
	if code, body := httpGet(t, "http://"+opsAddr+"/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Errorf("worker /readyz: %d %q, want ready (the database answers; a worker serves no rollup)", code, body)
	}
	if code, body := httpGet(t, "http://"+opsAddr+"/metrics"); code != http.StatusOK || !strings.Contains(body, `jamsostek_lease_held{lease="reconcile"}`) {
		t.Errorf("worker /metrics: %d %.300s", code, body)
	}
	if code, _ := httpGet(t, "http://"+opsAddr+"/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("worker /debug/pprof/ without --pprof: %d", code)
	}
	// The database goes away: the worker is not ready, and says why; it is
	// alive all the same (a database outage must not restart it).
	closeStore(s, logger)
	if code, body := httpGet(t, "http://"+opsAddr+"/readyz"); code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "not ready: database: ") {
		t.Errorf("worker /readyz with its database closed: %d %q, want 503 naming the database", code, body)
	}
	if code, _ := httpGet(t, "http://"+opsAddr+"/healthz"); code != http.StatusOK {
		t.Errorf("worker /healthz with its database closed: %d, want 200", code)
	}
	cancel()
	<-done // it may report the closed database
}

// gqlErrors posts a query to /query with a key and returns its errors'
// codes and messages.
func gqlErrors(t *testing.T, addr, key, query string) (codes, messages []string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ans struct {
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		t.Fatal(err)
	}
	for _, e := range ans.Errors {
		codes, messages = append(codes, e.Extensions.Code), append(messages, e.Message)
	}
	return codes, messages
}

// TestOpsServeWithoutWorker: serve --worker=false (JAMSOSTEK_WORKER=false)
// serves the API and never pulls the feeds, even when they are configured;
// triggerSync answers UNAVAILABLE saying where syncs run, cancelSync goes
// through the database (an unknown run is NOT_FOUND, not UNAVAILABLE).
func TestOpsServeWithoutWorker(t *testing.T) {
	var asked atomic.Int64
	feeds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		asked.Add(1)
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer feeds.Close()
	t.Setenv("JAMSOSTEK_WORKER", "false")
	cfg, err := parseConfig("serve", []string{"--data-dir", t.TempDir(), "--database", testDatabase(t), "--admin-key", "cli-test-admin",
		"--addr", "127.0.0.1:0", "--feed-base-url", feeds.URL, "--feed-token", "tok", "--schedule", "@every 1s", "--log-level", "error"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.NoWorker {
		t.Fatal("JAMSOSTEK_WORKER=false: the worker is on")
	}
	ctx := context.Background()
	logger := newLogger(io.Discard, cfg.LogLevel, "text")
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(s, logger)
	addr, stop := serveOn(t, cfg, s, logger)
	defer stop()

	codes, msgs := gqlErrors(t, addr, "cli-test-admin", `mutation { triggerSync(feed: CLAIMS) { id } }`)
	if len(codes) != 1 || codes[0] != "UNAVAILABLE" || !strings.Contains(msgs[0], "JAMSOSTEK_WORKER=false") || !strings.Contains(msgs[0], "jamsostek worker") {
		t.Errorf("triggerSync on an API without worker: %q %q, want UNAVAILABLE naming JAMSOSTEK_WORKER=false and the worker", codes, msgs)
	}
	codes, msgs = gqlErrors(t, addr, "cli-test-admin", `mutation { cancelSync(run: "run-none") { id } }`)
	if len(codes) != 1 || codes[0] != "NOT_FOUND" {
		t.Errorf("cancelSync of an unknown run on an API without worker: %q %q, want NOT_FOUND from the database", codes, msgs)
	}
	time.Sleep(1500 * time.Millisecond) // a schedule of every second would have asked by now
	if n := asked.Load(); n != 0 {
		t.Errorf("the API without worker asked the feeds %d times", n)
	}
	if runs, err := s.SyncRuns(ctx, "claims", 5); err != nil || len(runs) != 0 {
		t.Errorf("sync runs of the API without worker: %v %v", runs, err)
	}

	// The switch is serve's: a bad value fails serve, the worker ignores it.
	t.Setenv("JAMSOSTEK_WORKER", "maybe")
	if _, err := parseConfig("serve", nil, io.Discard); err == nil || !strings.Contains(err.Error(), "JAMSOSTEK_WORKER") {
		t.Errorf("JAMSOSTEK_WORKER=maybe: %v, want an error naming it", err)
	}
	t.Setenv("JAMSOSTEK_WORKER", "false")
	if c, err := parseConfig("worker", nil, io.Discard); err != nil || c.NoWorker {
		t.Errorf("worker with JAMSOSTEK_WORKER=false: NoWorker %t %v; the worker command always runs the worker", c.NoWorker, err)
	}
	if c, err := parseConfig("serve", []string{"--worker=true"}, io.Discard); err != nil || c.NoWorker {
		t.Errorf("--worker=true over JAMSOSTEK_WORKER=false: NoWorker %t %v; the flag wins", c.NoWorker, err)
	}
}
