package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
)

// defaultSchedule is every feed's schedule unless configured: 02:00 WIB.
const defaultSchedule = "0 2 * * *"

// config is parsed once, from the environment and then the flags, and passed
// down explicitly.
type config struct {
	Addr          string
	MongoURI      string
	Database      string
	DataDir       string
	FeedBaseURL   string
	FeedToken     string
	PageSize      int
	Schedule      string
	FeedsConfig   string        // path of the feeds configuration file (YAML); "" for the defaults
	LeaseTTL      time.Duration // lifetime of a sync's lease without renewal
	StopGrace     time.Duration // how long syncs in progress may finish at shutdown
	Introspection bool
	AdminKey      string // API key of the admin role; "" refuses every mutation
	LogLevel      slog.Level
	LogFormat     string

	// sync
	Once  bool
	Full  bool
	Feeds string // comma-separated; "" for all

	// feedsim and demo
	Seed  int64
	Scale float64

	// feedsim
	Faults feedsim.Faults

	// import-roster
	Files []string
}

// String prints the configuration with secrets masked.
func (c config) String() string {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "***"
	}
	return fmt.Sprintf("addr=%s mongodb_uri=%s database=%s data_dir=%s feed_base_url=%s feed_token=%s feeds_config=%s page_size=%d schedule=%q lease_ttl=%s stop_grace=%s introspection=%t admin_key=%s",
		c.Addr, maskURI(c.MongoURI), c.Database, c.DataDir, c.FeedBaseURL, mask(c.FeedToken), c.FeedsConfig, c.PageSize, c.Schedule, c.LeaseTTL, c.StopGrace, c.Introspection, mask(c.AdminKey))
}

// maskURI hides the password of a connection string.
func maskURI(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	cred := u[scheme+3 : at]
	if i := strings.Index(cred, ":"); i >= 0 {
		return u[:scheme+3] + cred[:i] + ":***" + u[at:]
	}
	return u
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func parseConfig(cmd string, args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)

	defDB := "jamsostek"
	if cmd == "demo" {
		defDB = "jamsostek_demo"
	}
	pageSize, err := strconv.Atoi(env("JAMSOSTEK_FEED_PAGE_SIZE", "500"))
	if err != nil {
		return c, fmt.Errorf("JAMSOSTEK_FEED_PAGE_SIZE: %w", err)
	}
	leaseTTL, err := time.ParseDuration(env("JAMSOSTEK_LEASE_TTL", "2m"))
	if err != nil {
		return c, fmt.Errorf("JAMSOSTEK_LEASE_TTL: %w", err)
	}
	stopGrace, err := time.ParseDuration(env("JAMSOSTEK_STOP_GRACE", "20s"))
	if err != nil {
		return c, fmt.Errorf("JAMSOSTEK_STOP_GRACE: %w", err)
	}
	introspection, err := strconv.ParseBool(env("JAMSOSTEK_INTROSPECTION", "true"))
	if err != nil {
		return c, fmt.Errorf("JAMSOSTEK_INTROSPECTION: %w", err)
	}
	var level string
	fs.StringVar(&c.MongoURI, "mongodb-uri", env("MONGODB_URI", ""), "MongoDB connection string; empty starts the embedded FerretDB (env MONGODB_URI)")
	fs.StringVar(&c.Database, "database", env("MONGODB_DATABASE", defDB), "database name (env MONGODB_DATABASE)")
	fs.StringVar(&c.DataDir, "data-dir", env("JAMSOSTEK_DATA_DIR", "./data"), "directory of the embedded engine (env JAMSOSTEK_DATA_DIR)")
	fs.StringVar(&level, "log-level", env("JAMSOSTEK_LOG_LEVEL", "info"), "debug, info, warn or error (env JAMSOSTEK_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("JAMSOSTEK_LOG_FORMAT", "text"), "text or json (env JAMSOSTEK_LOG_FORMAT)")

	switch cmd {
	case "serve", "worker", "sync", "demo":
		if cmd != "demo" {
			fs.StringVar(&c.FeedBaseURL, "feed-base-url", env("JAMSOSTEK_FEED_BASE_URL", ""), "base URL of the feeds (env JAMSOSTEK_FEED_BASE_URL)")
			fs.StringVar(&c.FeedToken, "feed-token", env("JAMSOSTEK_FEED_TOKEN", ""), "bearer token of the feeds (env JAMSOSTEK_FEED_TOKEN)")
		}
		fs.IntVar(&c.PageSize, "page-size", pageSize, "records asked per feed page, 1 to 5000 (env JAMSOSTEK_FEED_PAGE_SIZE)")
		fs.DurationVar(&c.LeaseTTL, "lease-ttl", leaseTTL, "how long a sync's lease outlives a process that stopped renewing it (env JAMSOSTEK_LEASE_TTL)")
		if cmd == "serve" || cmd == "worker" {
			fs.DurationVar(&c.StopGrace, "stop-grace", stopGrace, "at shutdown, how long syncs in progress may run to their end before they are stopped (env JAMSOSTEK_STOP_GRACE)")
		}
		if cmd != "demo" {
			fs.StringVar(&c.FeedsConfig, "feeds-config", env("JAMSOSTEK_FEEDS_CONFIG", ""), "feeds configuration file (YAML: per-feed schedule, base_url, token_env, page_size, timeout, enabled; docs/worker.md) (env JAMSOSTEK_FEEDS_CONFIG)")
		}
	}
	switch cmd {
	case "serve", "worker":
		fs.StringVar(&c.Schedule, "schedule", env("JAMSOSTEK_SYNC_SCHEDULE", defaultSchedule), "cron schedule of the sync, Asia/Jakarta time (env JAMSOSTEK_SYNC_SCHEDULE)")
	}
	switch cmd {
	case "serve", "demo":
		fs.StringVar(&c.Addr, "addr", env("JAMSOSTEK_ADDR", ":8080"), "listen address (env JAMSOSTEK_ADDR)")
		fs.BoolVar(&c.Introspection, "introspection", introspection, "allow GraphQL introspection (env JAMSOSTEK_INTROSPECTION)")
		fs.StringVar(&c.AdminKey, "admin-key", env("JAMSOSTEK_ADMIN_KEY", ""), "API key of the admin role, sent as Authorization: Bearer <key>; empty refuses every mutation (env JAMSOSTEK_ADMIN_KEY)")
	case "feedsim":
		fs.StringVar(&c.Addr, "addr", "127.0.0.1:8090", "listen address of the simulator")
		fs.Int64Var(&c.Faults.Seed, "fault-seed", 1, "seed of the injected faults: the same seed gives the same faults")
		fs.Float64Var(&c.Faults.ErrorRate, "error-rate", 0, "share of requests answered 500, 502, 503 or 504")
		fs.Float64Var(&c.Faults.RateLimit, "rate-limit", 0, "share of requests answered 429 with Retry-After")
		fs.DurationVar(&c.Faults.RetryAfter, "retry-after", time.Second, "the delay a 429 asks for")
		fs.DurationVar(&c.Faults.Latency, "latency", 0, "delay added to every response")
		fs.Float64Var(&c.Faults.ResetRate, "reset-rate", 0, "share of connections closed without a response")
		fs.Float64Var(&c.Faults.TruncateRate, "truncate-rate", 0, "share of pages cut off mid-JSON")
		fs.Float64Var(&c.Faults.RepeatPage, "repeat-page", 0, "share of pages answered with the page before")
		fs.Float64Var(&c.Faults.RepeatRecord, "repeat-record", 0, "share of pages that repeat the last record of the page before")
		fs.Float64Var(&c.Faults.UpdateRate, "update-rate", 0, "share of pages (after the first) before which one record of the feed is updated, moving to the end of the stream")
		fs.StringVar(&c.FeedToken, "token", env("JAMSOSTEK_FEED_TOKEN", "demo-token"), "bearer token the simulator requires (env JAMSOSTEK_FEED_TOKEN)")
	case "sync":
		fs.BoolVar(&c.Once, "once", false, "pull every feed once and exit (required)")
		fs.BoolVar(&c.Full, "full", false, "ignore the checkpoints and pull everything (writes only what changed)")
		fs.StringVar(&c.Feeds, "feed", "", "comma-separated feeds to pull (default all: "+feedList()+")")
	}
	switch cmd {
	case "feedsim", "demo":
		fs.Int64Var(&c.Seed, "seed", 1, "simulator seed: the same seed gives the same data")
		def := 1.0
		if cmd == "demo" {
			def = 0.05
		}
		fs.Float64Var(&c.Scale, "scale", def, "simulator volume; 1 is the whole city (about 125,000 participants)")
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if cmd == "import-roster" {
		if c.Files = fs.Args(); len(c.Files) == 0 {
			return c, fmt.Errorf("import-roster: name one or more CSV or XLSX files")
		}
	} else if fs.NArg() > 0 {
		return c, fmt.Errorf("%s: unexpected arguments %q", cmd, fs.Args())
	}
	if err := c.Level(level); err != nil {
		return c, err
	}
	if c.LeaseTTL < 0 || (c.LeaseTTL > 0 && c.LeaseTTL < 300*time.Millisecond) {
		return c, fmt.Errorf("lease TTL must be at least 300ms, got %s", c.LeaseTTL)
	}
	if c.StopGrace < 0 {
		return c, fmt.Errorf("stop grace must not be negative, got %s", c.StopGrace)
	}
	if c.PageSize < 0 || c.PageSize > 5000 {
		return c, fmt.Errorf("page size must be between 1 and 5000, got %d", c.PageSize)
	}
	for name, rate := range map[string]float64{"error-rate": c.Faults.ErrorRate, "rate-limit": c.Faults.RateLimit,
		"reset-rate": c.Faults.ResetRate, "truncate-rate": c.Faults.TruncateRate, "repeat-page": c.Faults.RepeatPage, "repeat-record": c.Faults.RepeatRecord, "update-rate": c.Faults.UpdateRate} {
		if rate < 0 || rate >= 1 {
			return c, fmt.Errorf("--%s must be at least 0 and below 1, got %g", name, rate)
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("log format must be text or json, got %q", c.LogFormat)
	}
	return c, nil
}

// Level sets the log level from its name.
func (c *config) Level(name string) error {
	if err := c.LogLevel.UnmarshalText([]byte(name)); err != nil {
		return fmt.Errorf("log level %q: want debug, info, warn or error", name)
	}
	return nil
}

func feedList() string {
	names := make([]string, len(coverage.Feeds))
	for i, f := range coverage.Feeds {
		names[i] = string(f)
	}
	return strings.Join(names, ",")
}

// selectedFeeds returns the feeds named by --feed, or all.
func (c config) selectedFeeds() ([]coverage.Feed, error) {
	if c.Feeds == "" {
		return coverage.Feeds, nil
	}
	var out []coverage.Feed
	for _, n := range strings.Split(c.Feeds, ",") {
		f := coverage.Feed(strings.TrimSpace(n))
		if !f.Valid() {
			return nil, fmt.Errorf("unknown feed %q (want one of %s)", f, feedList())
		}
		out = append(out, f)
	}
	return out, nil
}
