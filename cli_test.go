package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/worker"
)

// A new user's first hour with the binary (issue 15): bad addresses, flag
// ranges and exit codes, help texts, a wrong feed token, coverage figures
// before any reconciliation. Commands run in-process through run.

// lockedBuf is an output shared by a command's goroutines and the test.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runOnItsOwn runs a command that must end by itself, with an error: the
// context is only cancelled (failing the test) if it has not ended after a
// generous while, so that a command that hangs does not hang the tests.
func runOnItsOwn(t *testing.T, args []string, stdout, stderr io.Writer) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watchdog := time.AfterFunc(2*time.Minute, cancel)
	defer watchdog.Stop()
	err := run(ctx, args, stdout, stderr)
	if ctx.Err() != nil {
		t.Fatalf("%v did not end until it was cancelled (then: %v)", args, err)
	}
	return err
}

// TestBadAddressFailsBeforeAnything (issue 15, item 9): an address that is
// malformed, out of range or in use fails serve and demo with an error and
// a non-zero exit, before the database is opened, before any feed is
// asked, before demo's sync; without being stopped.
func TestBadAddressFailsBeforeAnything(t *testing.T) {
	var asked atomic.Int32
	feeds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer feeds.Close()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tmp := t.TempDir()
	for _, tc := range []struct {
		name   string
		env    string // JAMSOSTEK_ADDR
		args   []string
		want   string
		status int
	}{
		{"serve, port out of range", "", []string{"serve", "--addr", ":99999"}, "between 0 and 65535", 2},
		{"serve, port out of range in the environment", ":99999", []string{"serve"}, "JAMSOSTEK_ADDR", 2},
		{"serve, no port", "", []string{"serve", "--addr", "8080"}, "host:port", 2},
		{"serve, port in use", "", []string{"serve", "--addr", busy.Addr().String()}, "already in use", 1},
		{"worker-less serve, port in use", "", []string{"serve", "--addr", busy.Addr().String(), "--feed-base-url", ""}, "already in use", 1},
		{"demo, port in use", "", []string{"demo", "--addr", busy.Addr().String(), "--scale", "0.005"}, "already in use", 1},
		{"demo, port out of range", "", []string{"demo", "--addr", ":99999", "--scale", "0.005"}, "between 0 and 65535", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("JAMSOSTEK_ADDR", tc.env)
			}
			dir := filepath.Join(tmp, strings.ReplaceAll(tc.name, " ", "_"))
			args := append([]string{tc.args[0], "--data-dir", dir, "--database", testDatabase(t), "--log-level", "debug"}, tc.args[1:]...)
			if tc.args[0] == "serve" && !strings.Contains(tc.name, "worker-less") {
				args = append(args, "--feed-base-url", feeds.URL, "--feed-token", "t")
			}
			var stdout, stderr lockedBuf
			err := runOnItsOwn(t, args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
			if got := exitCode(err); got != tc.status {
				t.Errorf("exit status %d, want %d (%v)", got, tc.status, err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the data directory was created (the database opened) before the address was checked: %v", err)
			}
			if out := stdout.String() + stderr.String(); strings.Contains(out, "first sync") || strings.Contains(out, "database ready") {
				t.Errorf("the command went on before failing:\n%s", out)
			}
		})
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the feed server was asked %d times", n)
	}
}

// TestServeFailureAfterStartEndsOnItsOwn (item 9): a failure of serve once
// its background work has started (here, a JWKS file that does not exist)
// ends the command with the error, instead of waiting for a signal.
func TestServeFailureAfterStartEndsOnItsOwn(t *testing.T) {
	err := runOnItsOwn(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--database", testDatabase(t),
		"--log-level", "error", "--jwt-jwks-file", filepath.Join(t.TempDir(), "missing.json"), "--jwt-issuer", "https://sso.example",
		"--jwt-audience", "jamsostek"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("got %v, want the JWKS file's error", err)
	}
}

// TestFlagRanges (item 12): every numeric and duration flag (and the
// variable behind it) outside its documented range, and other mistakes of
// the command line, fail with a message naming the flag and exit status 2,
// before anything runs; the edges of the ranges are accepted.
func TestFlagRanges(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  [2]string
		want string
	}{
		{[]string{"sync", "--once", "--page-size", "0"}, [2]string{}, "--page-size"},
		{[]string{"sync", "--once", "--page-size", "5001"}, [2]string{}, "between 1 and 5000"},
		{[]string{"serve"}, [2]string{"JAMSOSTEK_FEED_PAGE_SIZE", "0"}, "JAMSOSTEK_FEED_PAGE_SIZE"},
		{[]string{"serve"}, [2]string{"JAMSOSTEK_FEED_PAGE_SIZE", "lots"}, "JAMSOSTEK_FEED_PAGE_SIZE"},
		{[]string{"worker", "--lease-ttl", "0"}, [2]string{}, "--lease-ttl"},
		{[]string{"sync", "--once", "--lease-ttl", "100ms"}, [2]string{}, "between 300ms and 24h"},
		{[]string{"serve", "--lease-ttl", "48h"}, [2]string{}, "between 300ms and 24h"},
		{[]string{"worker"}, [2]string{"JAMSOSTEK_LEASE_TTL", "forever"}, "JAMSOSTEK_LEASE_TTL"},
		{[]string{"worker", "--stop-grace", "-1s"}, [2]string{}, "--stop-grace"},
		{[]string{"serve", "--stop-grace", "2h"}, [2]string{}, "between 0 and 1h"},
		{[]string{"serve", "--request-timeout", "0"}, [2]string{}, "request timeout"},
		{[]string{"serve", "--key-cache-ttl", "2m"}, [2]string{}, "key cache TTL"},
		{[]string{"demo", "--audit-retention", "1h"}, [2]string{}, "audit retention"},
		{[]string{"feedsim", "--scale", "0"}, [2]string{}, "--scale must be between 0.001 and 20"},
		{[]string{"feedsim", "--scale", "21"}, [2]string{}, "--scale"},
		{[]string{"feedsim", "--scale", "NaN"}, [2]string{}, "--scale"},
		{[]string{"demo", "--scale", "0.0001"}, [2]string{}, "--scale"},
		{[]string{"feedsim", "--error-rate", "1"}, [2]string{}, "--error-rate"},
		{[]string{"feedsim", "--update-rate", "-0.1"}, [2]string{}, "--update-rate"},
		{[]string{"feedsim", "--retry-after", "-1s"}, [2]string{}, "--retry-after"},
		{[]string{"feedsim", "--latency", "2m"}, [2]string{}, "--latency"},
		{[]string{"feedsim", "--addr", "localhost"}, [2]string{}, "host:port"},
		{[]string{"feedsim", "--data-dir", "x"}, [2]string{}, "flag provided but not defined: -data-dir"},
		{[]string{"bench-records", "--scale", "0"}, [2]string{}, "--scale"},
		{[]string{"bench-records", "--clients", "0"}, [2]string{}, "--clients"},
		{[]string{"bench-records", "--shape-timeout", "0s"}, [2]string{}, "--shape-timeout"},
		{[]string{"bench", "--scale", "21"}, [2]string{}, "--scale"},
		{[]string{"bench", "--clients", "0"}, [2]string{}, "--clients"},
		{[]string{"bench", "--duration", "100ms"}, [2]string{}, "--duration"},
		{[]string{"bench", "--participants", "10"}, [2]string{}, "--participants"},
		{[]string{"bench", "--parts", "ingest,speed"}, [2]string{}, "unknown part"},
		{[]string{"bench", "--parts", "analytics"}, [2]string{}, "--data-dir"},
		{[]string{"bench", "--baseline", "claims"}, [2]string{}, "--baseline"},
		{[]string{"serve", "--ops-addr", "localhost"}, [2]string{}, "--ops-addr"},
		{[]string{"serve", "--log-level", "loud"}, [2]string{}, "log level"},
		{[]string{"serve", "--no-such-flag"}, [2]string{}, "flag provided but not defined"},
		{[]string{"reconcile", "now"}, [2]string{}, "unexpected arguments"},
		{[]string{"bogus"}, [2]string{}, "unknown command"},
		{[]string{"keys", "rotate"}, [2]string{}, "unknown subcommand"},
		{[]string{"keys", "list", "--page-size", "3"}, [2]string{}, "flag provided but not defined"},
		{[]string{"sync"}, [2]string{}, "--once"},
		{[]string{"sync", "--once", "--feed-base-url", "http://127.0.0.1:1", "--feed", "payroll"}, [2]string{}, "unknown feed"},
	} {
		t.Run(strings.Join(append(tc.args, tc.env[0], tc.env[1]), " "), func(t *testing.T) {
			if tc.env[0] != "" {
				t.Setenv(tc.env[0], tc.env[1])
			}
			dir := filepath.Join(t.TempDir(), "data")
			args := tc.args
			if tc.args[0] != "feedsim" && tc.args[0] != "bench-records" && tc.args[0] != "bench" && tc.args[0] != "keys" && tc.args[0] != "bogus" {
				args = append([]string{tc.args[0], "--data-dir", dir}, tc.args[1:]...)
			}
			// Mistakes are found before the context is used: a command that
			// missed one stops at once instead of serving.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := run(ctx, args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
			if got := exitCode(err); got != 2 {
				t.Errorf("exit status %d, want 2 (%v)", got, err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the database was opened before the mistake was found")
			}
		})
	}
	// The edges of the ranges are accepted.
	for _, args := range [][]string{
		{"sync", "--page-size", "1", "--lease-ttl", "300ms"},
		{"sync", "--page-size", "5000", "--lease-ttl", "24h"},
		{"serve", "--stop-grace", "0s", "--addr", "127.0.0.1:0", "--key-cache-ttl", "0s"},
		{"worker", "--stop-grace", "1h"},
		{"feedsim", "--scale", "0.001", "--error-rate", "0.99", "--retry-after", "0s", "--latency", "1m", "--addr", ":0"},
		{"demo", "--scale", "20", "--addr", "[::1]:65535"},
	} {
		if _, err := parseConfig(args[0], args[1:], io.Discard); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
	// A runtime failure is not a usage mistake.
	if got := exitCode(errors.New("sync failed")); got != 1 {
		t.Errorf("exit status of a failure %d, want 1", got)
	}
}

// TestHelpDescribesEachCommand (item 12): `<command> --help` starts with a
// usage line and a description before the flags; import-roster's names its
// arguments, every column and every documented category code; feedsim lists
// no database flag.
func TestHelpDescribesEachCommand(t *testing.T) {
	help := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), append(args, "--help"), &stdout, &stderr); err != nil {
			t.Fatalf("%v --help: %v", args, err)
		}
		return stdout.String() + stderr.String()
	}
	for _, cmd := range [][]string{{"serve"}, {"worker"}, {"sync"}, {"import-roster"}, {"feedsim"}, {"demo"}, {"reconcile"},
		{"keys", "create"}, {"keys", "list"}, {"keys", "revoke"}, {"bench-records"}} {
		out := help(cmd...)
		name := strings.Join(cmd, " ")
		m := regexp.MustCompile(`^Usage: jamsostek ` + regexp.QuoteMeta(name) + `[^\n]*\n\n([A-Z][^\n]+)\n(?s:.*)\n\s+-log-level|^Usage: jamsostek bench-records[^\n]*\n\n([A-Z][^\n]+)\n`).FindStringSubmatch(out)
		if m == nil {
			t.Errorf("%s --help has no usage line and description before its flags:\n%s", name, out)
		}
	}
	out := help("import-roster")
	for _, w := range []string{"import-roster [flags] FILE...", "CSV", "XLSX", "nik", "name", "nama", "category", "kategori", "agency",
		"instansi", "kelurahan_code", "kode_kelurahan", "funded_from", "funded_until"} {
		if !strings.Contains(out, w) {
			t.Errorf("import-roster --help does not mention %q:\n%s", w, out)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for c := range coverage.CategoryNames {
		if !strings.Contains(out, string(c)) {
			t.Errorf("import-roster --help does not list the category %s", c)
		}
		if !strings.Contains(string(readme), "`"+string(c)+"`") {
			t.Errorf("README.md does not list the category %s", c)
		}
	}
	// The defaults printed come from the environment: never its secrets.
	secrets := secretEnv(t, true)
	for _, cmd := range []string{"serve", "demo", "sync", "feedsim"} {
		if l := leaks(help(cmd), secrets); len(l) > 0 {
			t.Errorf("%s --help shows %q", cmd, l)
		}
	}
	out = help("feedsim")
	for _, f := range []string{"-mongodb-uri", "-database", "-data-dir"} {
		if strings.Contains(out, f) {
			t.Errorf("feedsim --help lists %s, a flag it never uses:\n%s", f, out)
		}
	}
	if !strings.Contains(help("sync"), "between 1 and 5000") && !strings.Contains(help("sync"), "1 to 5000") {
		t.Error("sync --help does not give the page size's range")
	}
}

// TestSyncOnceWrongTokenSaidOnce (item 12): a wrong feed token fails sync
// --once with the server's refusal said once in the error (naming every
// feed), logged once at error level, and the other feeds of the same server
// and token not asked at all; exit status 1.
func TestSyncOnceWrongTokenSaidOnce(t *testing.T) {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 3, Scale: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int32
	sim := feedsim.NewServer(ds, "right")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		sim.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var stderr bytes.Buffer
	err = runOnItsOwn(t, []string{"sync", "--once", "--feed-base-url", srv.URL, "--feed-token", "wrong",
		"--data-dir", t.TempDir(), "--database", testDatabase(t)}, io.Discard, &stderr)
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("got %v (exit %d), want a failure with exit status 1", err, exitCode(err))
	}
	const refusal = "refused the feed token"
	out := stderr.String()
	if n := strings.Count(err.Error(), refusal); n != 1 {
		t.Errorf("the error says the refusal %d times, want once: %v", n, err)
	}
	for _, f := range coverage.Feeds {
		if !strings.Contains(err.Error(), string(f)) {
			t.Errorf("the error does not name the feed %s: %v", f, err)
		}
	}
	if !errors.Is(err, worker.ErrTokenRefused) {
		t.Errorf("the error does not wrap the refusal: %v", err)
	}
	var logged []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, refusal) {
			logged = append(logged, line)
		}
	}
	if len(logged) != 1 || !strings.Contains(logged[0], "level=ERROR") {
		t.Errorf("the refusal is printed %d times, want once, at level ERROR:\n%s", len(logged), strings.Join(logged, "\n"))
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the feed server was asked %d times, want once: the other feeds share its token", n)
	}
	if n := strings.Count(out, "skipped: the server refused the same token for "+string(coverage.Feeds[0])); n != len(coverage.Feeds)-1 {
		t.Errorf("%d feeds reported skipped, want %d:\n%s", n, len(coverage.Feeds)-1, out)
	}
	if strings.Contains(out, "The coverage figures are not rebuilt") {
		t.Errorf("a sync that changed nothing advises to reconcile:\n%s", out)
	}
}

// serveOn runs serveWith on an open store until the returned stop is called;
// it returns the API's address.
func serveOn(t *testing.T, cfg config, s *store.Store, logger *slog.Logger) (addr string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := listen(cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveWith(ctx, cfg, s, logger, io.Discard, ln, func(addr string) { addrc <- addr })
	}()
	select {
	case addr = <-addrc:
	case err := <-done:
		cancel()
		t.Fatalf("serve ended: %v", err)
	}
	return addr, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
}

// readmeAnswer is the answer of README.md's example query.
type readmeAnswer struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
		Path    []any  `json:"path"`
	} `json:"errors"`
}

// askReadmeQuery sends README.md's example query as the admin.
func askReadmeQuery(t *testing.T, addr, key string) readmeAnswer {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## An example query.*?```graphql\n(.*?)\n```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no example query")
	}
	body, _ := json.Marshal(map[string]string{"query": string(m[1])})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer readmeAnswer
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatal(err)
	}
	return answer
}

// figures are the README query's fields answered from the rollup.
var figures = map[string]bool{"universalCoverage": true, "apbdProgram": true, "coverage": true}

// checkAnswered fails unless every field of the README query answered, the
// coverage figures included.
func checkAnswered(t *testing.T, answer readmeAnswer) {
	t.Helper()
	if len(answer.Errors) > 0 {
		t.Errorf("errors: %+v", answer.Errors)
	}
	for _, field := range []string{"areas", "participants", "syncRuns", "discrepancies", "universalCoverage", "apbdProgram", "coverage"} {
		if v, ok := answer.Data[field]; !ok || string(v) == "null" {
			t.Errorf("%s: %s, want an answer", field, v)
		}
	}
}

// TestCoverageFiguresBeforeReconciliation (item 10; issue 12): before any
// sync, serve says so at start, and the README's example query answers
// every field but the three coverage figures, whose errors say what to run.
// After `sync --once --no-reconcile`, the state says the data is synced but
// not reconciled, and serve reconciles at start since the data is newer than
// the figures: the query then answers in full.
func TestCoverageFiguresBeforeReconciliation(t *testing.T) {
	ctx := context.Background()
	dir, db := t.TempDir(), testDatabase(t)
	cfg, err := parseConfig("serve", []string{"--data-dir", dir, "--database", db, "--admin-key", "cli-test-admin",
		"--addr", "127.0.0.1:0", "--feed-base-url", "", "--feeds-config", ""}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuf
	logger := newLogger(&logs, cfg.LogLevel, "text")

	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	if st := figuresState(ctx, s); !strings.Contains(st, "no data synced yet") || !strings.Contains(st, "jamsostek sync --once") {
		t.Errorf("state of an empty database: %s", st)
	}
	addr, stop := serveOn(t, cfg, s, logger)
	answer := askReadmeQuery(t, addr, "cli-test-admin")
	stop()
	closeStore(s, logger)
	if !regexp.MustCompile(`level=WARN msg="the coverage figures are unavailable[^"]*" state="no data synced yet`).MatchString(logs.String()) {
		t.Errorf("serve does not say at start that nothing is synced:\n%s", logs.String())
	}
	for field, v := range answer.Data {
		null := string(v) == "null"
		if figures[field] != null {
			t.Errorf("%s: %s (want null for the coverage figures, an answer for the rest)", field, v)
		}
	}
	for _, field := range []string{"areas", "participants", "syncRuns", "discrepancies"} {
		if _, ok := answer.Data[field]; !ok {
			t.Errorf("no %s in the answer", field)
		}
	}
	if len(answer.Errors) != len(figures) {
		t.Errorf("%d errors, want one per coverage figure: %+v", len(answer.Errors), answer.Errors)
	}
	for _, e := range answer.Errors {
		if len(e.Path) == 0 || !figures[e.Path[0].(string)] {
			t.Errorf("an error outside the coverage figures: %+v", e)
		}
		if !strings.Contains(e.Message, "`jamsostek reconcile`") || !strings.Contains(e.Message, "sync --once") ||
			strings.Contains(e.Message, "after the first sync") {
			t.Errorf("the error does not say what to run: %s", e.Message)
		}
	}

	ds, err := feedsim.Generate(feedsim.Config{Seed: 4, Scale: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	feeds := httptest.NewServer(feedsim.NewServer(ds, "tok"))
	defer feeds.Close()
	var syncOut bytes.Buffer
	if err := runOnItsOwn(t, []string{"sync", "--once", "--no-reconcile", "--feed-base-url", feeds.URL, "--feed-token", "tok", "--data-dir", dir,
		"--database", db, "--log-level", "error"}, io.Discard, &syncOut); err != nil {
		t.Fatalf("sync --once: %v\n%s", err, syncOut.String())
	}
	if !strings.Contains(syncOut.String(), "Not reconciled (--no-reconcile)") || strings.Contains(syncOut.String(), "reconcile reconcile-") {
		t.Errorf("sync --once --no-reconcile does not say the figures are left as they are, or reconciled:\n%s", syncOut.String())
	}

	s, err = openStore(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(s, logger)
	if st := figuresState(ctx, s); !strings.Contains(st, "data synced but not reconciled") {
		t.Errorf("state after sync --once --no-reconcile: %s", st)
	}
	addr, stop = serveOn(t, cfg, s, logger)
	defer stop()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		answer = askReadmeQuery(t, addr, "cli-test-admin")
		if len(answer.Errors) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	checkAnswered(t, answer)
	if !strings.Contains(logs.String(), "the stored data is newer than the coverage figures: reconciling") {
		t.Errorf("serve does not say it reconciles at start:\n%s", logs.String())
	}
	runs, err := s.ReconcileRuns(ctx, 10)
	if err != nil || len(runs) != 1 || runs[0].Trigger != "start" || runs[0].Status != coverage.RunSucceeded {
		t.Errorf("reconciliation runs: %+v (%v), want one at start", runs, err)
	}
}

// TestReadmeRecipe (issue 12): README.md's deployment against the simulator,
// feedsim then `sync --once` then `serve`, answers the coverage figures at
// once: sync --once reconciled at its end. A second sync --once with
// nothing new does not reconcile again, and serve finds nothing to catch up.
func TestReadmeRecipe(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	recipe := regexp.MustCompile("(?s)A real deployment against the simulator.*?```sh\n(.*?)```").FindSubmatch(readme)
	if recipe == nil {
		t.Fatal("README.md has no deployment recipe")
	}
	var cmds []string
	for _, m := range regexp.MustCompile(`go run \. ([a-z-]+)`).FindAllStringSubmatch(string(recipe[1]), -1) {
		cmds = append(cmds, m[1])
	}
	if strings.Join(cmds, " ") != "feedsim sync keys serve" {
		t.Fatalf("the README's recipe runs %q; this test runs feedsim, sync --once, keys create, serve", cmds)
	}

	ctx := context.Background()
	ds, err := feedsim.Generate(feedsim.Config{Seed: 3, Scale: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	feeds := httptest.NewServer(feedsim.NewServer(ds, "secret"))
	defer feeds.Close()
	dir, db := t.TempDir(), testDatabase(t)
	syncArgs := []string{"sync", "--once", "--feed-base-url", feeds.URL, "--feed-token", "secret", "--data-dir", dir, "--database", db, "--log-level", "error"}
	var syncOut bytes.Buffer
	if err := runOnItsOwn(t, syncArgs, io.Discard, &syncOut); err != nil {
		t.Fatalf("sync --once: %v\n%s", err, syncOut.String())
	}
	if !regexp.MustCompile(`reconcile reconcile-\S+: SUCCEEDED`).MatchString(syncOut.String()) {
		t.Errorf("sync --once did not reconcile at its end:\n%s", syncOut.String())
	}
	syncOut.Reset()
	if err := runOnItsOwn(t, syncArgs, io.Discard, &syncOut); err != nil {
		t.Fatalf("second sync --once: %v\n%s", err, syncOut.String())
	}
	if !strings.Contains(syncOut.String(), "Nothing to reconcile") {
		t.Errorf("a sync --once that changed nothing reconciled again:\n%s", syncOut.String())
	}
	var key bytes.Buffer
	if err := runOnItsOwn(t, []string{"keys", "create", "--name", "first analyst", "--role", "analyst", "--data-dir", dir, "--database", db, "--log-level", "error"}, &key, io.Discard); err != nil {
		t.Fatalf("keys create: %v", err)
	}

	cfg, err := parseConfig("serve", []string{"--data-dir", dir, "--database", db, "--addr", "127.0.0.1:0", "--feed-base-url", "", "--feeds-config", ""}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuf
	logger := newLogger(&logs, cfg.LogLevel, "text")
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(s, logger)
	addr, stop := serveOn(t, cfg, s, logger)
	defer stop()
	checkAnswered(t, askReadmeQuery(t, addr, strings.TrimSpace(key.String())))
	if strings.Contains(logs.String(), "coverage figures are unavailable") || strings.Contains(logs.String(), "newer than the coverage figures") {
		t.Errorf("serve after sync --once finds the figures missing or stale:\n%s", logs.String())
	}
}

// TestReconcileCommandWhileAnotherRuns (issue 12): `jamsostek reconcile`
// while another process holds the reconciliation's lease fails at once (exit
// 1) naming that process, its run and since when, and records no run.
func TestReconcileCommandWhileAnotherRuns(t *testing.T) {
	ctx := context.Background()
	dir, db := t.TempDir(), testDatabase(t)
	cfg, err := parseConfig("reconcile", []string{"--data-dir", dir, "--database", db, "--log-level", "error"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logger := newLogger(io.Discard, cfg.LogLevel, "text")
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.AcquireLease(ctx, store.LeaseRequest{Job: "reconcile", Owner: "api-2/77/f00", RunID: "reconcile-elsewhere", TTL: time.Hour})
	closeStore(s, logger)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = runOnItsOwn(t, []string{"reconcile", "--data-dir", dir, "--database", db, "--log-level", "error"}, &out, io.Discard)
	if err == nil || exitCode(err) != 1 || coverage.ErrorCode(err) != coverage.ECONFLICT {
		t.Fatalf("reconcile while another runs: %v (exit %d)", err, exitCode(err))
	}
	for _, want := range []string{"api-2/77/f00", "reconcile-elsewhere", "since " + l.AcquiredAt.UTC().Format(time.RFC3339)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if out.Len() != 0 {
		t.Errorf("a refused reconcile printed a run:\n%s", out.String())
	}
}

// TestWorkerReconcilesAtStart (issue 12): `worker` (serve without the API)
// reconciles at start when the data is newer than the figures, as serve does.
func TestWorkerReconcilesAtStart(t *testing.T) {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 6, Scale: 0.002})
	if err != nil {
		t.Fatal(err)
	}
	feeds := httptest.NewServer(feedsim.NewServer(ds, "tok"))
	defer feeds.Close()
	dir, db := t.TempDir(), testDatabase(t)
	var syncOut bytes.Buffer
	if err := runOnItsOwn(t, []string{"sync", "--once", "--no-reconcile", "--feed-base-url", feeds.URL, "--feed-token", "tok",
		"--data-dir", dir, "--database", db, "--log-level", "error"}, io.Discard, &syncOut); err != nil {
		t.Fatalf("sync --once: %v\n%s", err, syncOut.String())
	}
	cfg, err := parseConfig("worker", []string{"--data-dir", dir, "--database", db, "--feed-base-url", "", "--feeds-config", ""}, io.Discard)
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
	defer closeStore(s, logger)
	done := make(chan error, 1)
	go func() { done <- serveWith(ctx, cfg, s, logger, io.Discard, nil, nil) }()
	var runs []coverage.ReconcileRun
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if runs, err = s.ReconcileRuns(ctx, 10); err != nil {
			t.Fatal(err)
		}
		if len(runs) > 0 && runs[0].Status.Finished() {
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("worker: %v", err)
	}
	if len(runs) != 1 || runs[0].Trigger != "start" || runs[0].Status != coverage.RunSucceeded {
		t.Errorf("reconciliation runs %+v, want one at start", runs)
	}
}
