// Command jamsostek is the city's employment social security coverage service:
// a GraphQL API over MongoDB and a scheduled worker that pulls the BPJS
// Ketenagakerjaan, roster and workforce feeds. main only wires: configuration,
// subcommands and shutdown. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Asia/Jakarta without the host's zoneinfo

	"github.com/cilegon/jamsostek/observe"
)

const usage = `jamsostek: employment social security coverage for a city (Kota Cilegon).

Usage:
  jamsostek <command> [flags]

Commands:
  serve     GraphQL API on JAMSOSTEK_ADDR plus the sync worker
  worker    the sync worker alone (per-feed schedules; replicas share leases)
  sync      pull every feed once and exit (sync --once)
  import-roster FILE...  import roster spreadsheets (CSV, XLSX)
  feedsim   the feed simulator alone
  demo      simulator + first sync + serve, with simulated Cilegon data
  reconcile reconcile the stored data once: discrepancies and coverage figures
  keys      API keys: keys create --name N --role R [--area CODE] [--expires 720h], keys list, keys revoke ID
  bench     measure ingest, reconciliation, the analytics under load and serve's start, each against a same-run baseline
  bench-records measure the record lists' latency on a simulated city (--scale 1: the whole city)

Run "jamsostek <command> --help" for its flags. Environment:
  JAMSOSTEK_ADDR            listen address of serve and demo (default :8080)
  MONGODB_URI               MongoDB connection string; unset: embedded FerretDB
  MONGODB_DATABASE          database name (default jamsostek; demo: jamsostek_demo)
  JAMSOSTEK_DATA_DIR        embedded engine's directory (default ./data; demo: jamsostek/demo in the user's cache directory)
  JAMSOSTEK_FEED_BASE_URL   base URL of the feeds (docs/feeds.md)
  JAMSOSTEK_FEED_TOKEN      bearer token of the feeds
  JAMSOSTEK_FEED_PAGE_SIZE  records asked per page, 1 to 5000 (default 500)
  JAMSOSTEK_SYNC_SCHEDULE   cron schedule in Asia/Jakarta time (default "0 2 * * *")
  JAMSOSTEK_FEEDS_CONFIG    YAML file of per-feed settings (docs/worker.md)
  JAMSOSTEK_LEASE_TTL       lifetime of a sync's (or the reconciliation's) lease without renewal (default 2m)
  JAMSOSTEK_RULES_FILE      JSON rule set of the reconciliation (tariffs, benefit ceilings); default built in
  JAMSOSTEK_STOP_GRACE      at shutdown, time syncs in progress get to end (default 20s)
  JAMSOSTEK_INTROSPECTION   GraphQL introspection on/off (default true)
  JAMSOSTEK_ADMIN_KEY       API key of the admin role (mutations); unset refuses them
  JAMSOSTEK_KEY_CACHE_TTL   how long an API key's record is cached: a revocation's delay (default 5s)
  JAMSOSTEK_JWT_JWKS_URL    identity provider's JWK Set URL (bearer JWTs, RS256/ES256)
  JAMSOSTEK_JWT_JWKS_FILE   the same from a file
  JAMSOSTEK_JWT_HS256_SECRET shared secret of HS256 JWTs (at least 32 bytes)
  JAMSOSTEK_JWT_ISSUER      iss every JWT must carry (required with JWTs)
  JAMSOSTEK_JWT_AUDIENCE    a value every JWT's aud must hold (required with JWTs)
  JAMSOSTEK_JWT_ROLE_CLAIM  dotted path of the role claim (default realm_access.roles)
  JAMSOSTEK_JWT_AREA_CLAIM  dotted path of an officer's area claim (default area)
  JAMSOSTEK_PRESET          development or production (introspection off, CORS required)
  JAMSOSTEK_RATE_LIMIT      per API key, else per address (default "20/s burst 40"; off)
  JAMSOSTEK_TRUSTED_PROXIES reverse proxies whose X-Forwarded-For names the client
  JAMSOSTEK_REQUEST_TIMEOUT a request's deadline (default 30s)
  JAMSOSTEK_STORE_CALLS_PER_REQUEST database calls one request may have in flight, 1 to 64 (default 4)
  JAMSOSTEK_MAX_RESPONSE_MIB largest answer in MiB, 1 to 1024 (default 8)
  JAMSOSTEK_CORS_ORIGINS    web origins that may call the API from a browser
  JAMSOSTEK_AUDIT_RETENTION how long audit entries are kept (default 400d)
  JAMSOSTEK_OPS_ADDR        operators' listener (/healthz, /readyz, /metrics), e.g. 127.0.0.1:6060 (default none)
  JAMSOSTEK_PPROF           also serve the Go profiler on the operators' listener (default false)
  JAMSOSTEK_WORKER          serve: run the sync worker too (default true; false: the API alone)
  JAMSOSTEK_LOG_LEVEL       debug, info, warn or error (default info)
  JAMSOSTEK_LOG_FORMAT      text or json (default text)
  OTEL_EXPORTER_OTLP_ENDPOINT  OTLP/HTTP collector for traces, e.g. http://otel-collector:4318 (default none: no traces)
  GOMEMLIMIT                the Go heap's soft limit (default 90% of the container's cgroup memory limit, if any)

Exit status: 0 done, 1 failed, 2 a mistake in the command line or the configuration.
`

func main() {
	memoryLimitNote = setMemoryLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "jamsostek:", err)
		os.Exit(exitCode(err))
	}
}

// usageError is a mistake in the command line or the configuration (an
// unknown flag, a value out of its range): the process exits with 2, as the
// flag package's commands do, and before doing anything.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// asUsage marks err, when set, as a usage error.
func asUsage(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{err}
}

// exitCode is 2 for a usage error, 1 for any other failure.
func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// run dispatches a subcommand; it returns when the command is done or ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, rest := args[0], args[1:]
	if cmd == "bench" { // parses its own flags
		return benchCommand(ctx, rest, stdout, stderr)
	}
	if cmd == "bench-records" { // parses its own flags
		return benchRecordsCommand(ctx, rest, stdout, stderr)
	}
	if cmd == "keys" { // a subcommand first
		return keysCommand(ctx, rest, stdout, stderr)
	}
	if _, ok := commandHelp[cmd]; !ok {
		return asUsage(fmt.Errorf("unknown command %q (run jamsostek --help)", cmd))
	}
	cfg, err := parseConfig(cmd, rest, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return asUsage(err)
	}
	logger := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	// The long-running commands print their configuration at start, secrets
	// masked (config.String), and the memory limit; the others at debug level.
	level := slog.LevelDebug
	if cmd == "serve" || cmd == "worker" || cmd == "demo" {
		level = slog.LevelInfo
	}
	logger.Log(ctx, level, "configuration", "config", cfg.String())
	if memoryLimitNote != "" {
		logger.Log(ctx, level, "memory limit", "chosen", memoryLimitNote)
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, logger, stdout, true)
	case "worker":
		return serve(ctx, cfg, logger, stdout, false)
	case "sync":
		return syncOnce(ctx, cfg, logger, stderr)
	case "feedsim":
		return runFeedsim(ctx, cfg, logger, stdout)
	case "demo":
		return demo(ctx, cfg, logger, stdout, stderr)
	case "reconcile":
		return reconcileCommand(ctx, cfg, logger, stdout)
	case "import-roster":
		return importRosterCommand(ctx, cfg, logger, stdout)
	}
	return fmt.Errorf("unknown command %q (run jamsostek --help)", cmd)
}

func newLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	// The lines of a request carry its id (observe.LogHandler).
	if format == "json" {
		return slog.New(observe.LogHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(observe.LogHandler(slog.NewTextHandler(w, opts)))
}
