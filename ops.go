package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
)

// The operators' listener (--ops-addr, JAMSOSTEK_OPS_ADDR): what helps run
// the service but is no one else's business, on an address of its own so
// that it is never on the public API's listener.
//
//	/debug/pprof/          the Go profiler's index
//	/debug/pprof/profile   CPU profile (?seconds=30)
//	/debug/pprof/heap      heap profile (allocs, goroutine, block, mutex: likewise)
//	/debug/pprof/trace     execution trace
//	/metrics               the Prometheus metrics, without a key (on the API's
//	                       listener they need an analyst's; the only place a
//	                       worker without API serves them)
//
// It asks for no key: bind it to loopback (127.0.0.1:6060) or to a network
// only operators reach. A profile is read with
// `go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=30`.

// opsHandler serves the operators' endpoints.
func opsHandler(metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// startOps takes the operators' address and serves it until ctx ends; ""
// starts nothing. A listener on an address other hosts can reach is
// allowed, with a warning.
func startOps(ctx context.Context, addr string, metrics http.Handler, logger *slog.Logger, wg *sync.WaitGroup) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("operators' listener on %s: %w (--ops-addr or JAMSOSTEK_OPS_ADDR: host:port, e.g. 127.0.0.1:6060, or empty for none)", addr, err)
	}
	if !loopback(ln.Addr()) {
		logger.Warn("the operators' listener is reachable from other hosts and asks for no key: bind --ops-addr to 127.0.0.1 unless only operators reach this network", "addr", ln.Addr().String())
	}
	logger.Info("operators' endpoints listening", "addr", ln.Addr().String(), "pprof", "http://"+displayHost(ln.Addr().String())+"/debug/pprof/")
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := serveHTTP(ctx, ln, opsHandler(metrics)); err != nil && err != http.ErrServerClosed {
			logger.Error("operators' listener stopped", "error", err)
		}
	}()
	return nil
}

// loopback reports whether a listening address is reachable from this host
// only.
func loopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}
