package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestOpsListener: the profiler answers on --ops-addr and nowhere on the
// API's listener; the flag is checked like --addr.
func TestOpsListener(t *testing.T) {
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opsAddr := free.Addr().String()
	free.Close()

	ctx := context.Background()
	cfg, err := parseConfig("serve", []string{"--data-dir", t.TempDir(), "--database", testDatabase(t), "--admin-key", "cli-test-admin",
		"--addr", "127.0.0.1:0", "--ops-addr", opsAddr, "--feed-base-url", "", "--feeds-config", "", "--log-level", "error"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logger := newLogger(io.Discard, cfg.LogLevel, "text")
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(s, logger)
	addr, stop := serveOn(t, cfg, s, logger)
	defer stop()

	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("http://" + opsAddr + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("ops listener /debug/pprof/: %d %.200s", code, body)
	}
	if code, body := get("http://" + opsAddr + "/debug/pprof/heap?debug=1"); code != http.StatusOK || !strings.Contains(body, "heap profile") {
		t.Errorf("ops listener heap profile: %d %.200s", code, body)
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile?seconds=1"} {
		if code, body := get("http://" + addr + path); code == http.StatusOK {
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
