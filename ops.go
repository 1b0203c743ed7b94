package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/cilegon/jamsostek/graph"
)

// The operators' listener (--ops-addr, JAMSOSTEK_OPS_ADDR): what helps run
// the service but is no one else's business, on an address of its own so
// that it is never on the public API's listener.
//
//	/healthz               200 "ok" while the process runs (a liveness probe)
//	/readyz                200 "ready" when the database answers (serve: and
//	                       the coverage rollup is loaded, as the API's
//	                       /readyz), else 503 and the reason (a readiness probe)
//	/metrics               the Prometheus metrics, without a key (on the API's
//	                       listener they need an analyst's; the only place a
//	                       worker without API serves them)
//	/debug/pprof/          with --pprof (JAMSOSTEK_PPROF=true) only: the Go
//	                       profiler's index, profile (CPU, ?seconds=30), heap,
//	                       allocs, goroutine, block, mutex, trace
//
// It asks for no key: bind it to loopback (127.0.0.1:6060) or to a network
// only operators and the monitoring system reach (in Kubernetes, a
// NetworkPolicy that admits its port from the monitoring namespace only).
// The profiler is off by default because a heap profile or a goroutine dump
// may show what the process holds in memory; turn it on where only
// operators reach the port, and read a profile with
// `go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=30`.

// opsEndpoints is what the operators' listener serves.
type opsEndpoints struct {
	metrics http.Handler                // /metrics; nil: none
	ready   func(context.Context) error // /readyz; nil: always ready (graph.Degraded: ready, with the reason)
	pprof   bool                        // /debug/pprof/
}

// opsReadyTimeout bounds a readiness check of the operators' listener.
const opsReadyTimeout = 5 * time.Second

// opsHandler serves the operators' endpoints.
func opsHandler(e opsEndpoints, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	if e.metrics != nil {
		mux.Handle("GET /metrics", e.metrics)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if e.ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), opsReadyTimeout)
			defer cancel()
			err := e.ready(ctx)
			var degraded graph.Degraded
			switch {
			case errors.As(err, &degraded):
				_, _ = w.Write([]byte("ready: " + string(degraded) + "\n"))
				return
			case err != nil:
				logger.WarnContext(ctx, "not ready", "error", err, "listener", "ops")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	if e.pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	} else {
		mux.HandleFunc("/debug/pprof/", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "the profiler is off: start with --pprof (JAMSOSTEK_PPROF=true) to serve it here", http.StatusNotFound)
		})
	}
	return mux
}

// startOps takes the operators' address and serves it until ctx ends; ""
// starts nothing. A listener on an address other hosts can reach is
// allowed, with a warning (louder with the profiler on).
func startOps(ctx context.Context, addr string, e opsEndpoints, logger *slog.Logger, wg *sync.WaitGroup) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("operators' listener on %s: %w (--ops-addr or JAMSOSTEK_OPS_ADDR: host:port, e.g. 127.0.0.1:6060, or empty for none)", addr, err)
	}
	if !loopback(ln.Addr()) {
		msg := "the operators' listener is reachable from other hosts and asks for no key: bind --ops-addr to 127.0.0.1, or let only operators and the monitoring system reach this port"
		if e.pprof {
			msg += "; the profiler is on (--pprof), and a profile shows what the process holds in memory"
		}
		logger.Warn(msg, "addr", ln.Addr().String())
	}
	attrs := []any{"addr", ln.Addr().String(), "paths", "/healthz /readyz /metrics"}
	if e.pprof {
		attrs = append(attrs, "pprof", "http://"+displayHost(ln.Addr().String())+"/debug/pprof/")
	} else {
		attrs = append(attrs, "pprof", "off")
	}
	logger.Info("operators' endpoints listening", attrs...)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := serveHTTP(ctx, ln, opsHandler(e, logger)); err != nil && err != http.ErrServerClosed {
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
