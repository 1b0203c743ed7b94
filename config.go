package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/auth"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/graph"
)

// defaultSchedule is every feed's schedule unless configured: 02:00 WIB.
const defaultSchedule = "0 2 * * *"

// config is parsed once, from the environment and then the flags, and passed
// down explicitly.
type config struct {
	Addr          string
	OpsAddr       string // the operators' listener (ops.go: /healthz, /readyz, /metrics); "" none
	Pprof         bool   // the operators' listener also serves the Go profiler (/debug/pprof/)
	NoWorker      bool   // serve: the API alone, no sync worker (--worker=false, JAMSOSTEK_WORKER=false)
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
	RulesFile     string           // JSON rule set of the reconciliation (tariffs, benefit ceilings); "" the defaults
	Rules         coverage.RuleSet // read from RulesFile by parseConfig

	// limits of the API and the audit log (serve, demo): docs/security.md
	Preset         string          // "development" or "production"
	RateLimit      graph.RateLimit // each caller's token bucket
	TrustedProxies []netip.Prefix  // reverse proxies whose X-Forwarded-For names the client
	RequestTimeout time.Duration   // of a request to /query
	StoreCalls     int             // store calls one request may have in flight
	MaxResponseMiB int             // size of an answer past which it is refused
	CORSOrigins    []string        // web origins whose pages may call the API; ["*"] any
	AuditRetention time.Duration   // how long audit entries are kept

	// authentication (serve, demo; the admin key is above)
	KeyCacheTTL time.Duration  // how long an API key's record is trusted before it is read again
	JWT         auth.JWTConfig // which bearer JWTs are accepted (identity provider)

	// sync
	Once        bool
	Full        bool
	Feeds       string // comma-separated; "" for all
	NoReconcile bool   // sync --once: leave the coverage figures as they are

	// feedsim and demo
	Seed  int64
	Scale float64
	AsOf  time.Time // the simulated feeds' as_of; zero for feedsim.DefaultAsOf

	// feedsim
	Faults feedsim.Faults

	// import-roster
	Files []string

	// keys create|list|revoke
	Key keyArgs

	// MetricsCountsEvery is how long the metrics serve the store's counts
	// (quarantine, open discrepancies, last runs) before a scrape reads them
	// again; 0: observe.DefaultStoreCountsEvery. No flag: tests set it.
	MetricsCountsEvery time.Duration
}

// keyArgs are the arguments of `keys create` and `keys revoke`.
type keyArgs struct {
	Name    string
	Role    string
	Area    string
	Expires string
	ID      string // keys revoke
}

// String prints the configuration with secrets masked: the admin key, the
// feed token, the JWT secret, and the passwords and secret-looking query
// parameters of URLs (maskURI).
func (c config) String() string {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "****"
	}
	return fmt.Sprintf("addr=%s ops_addr=%s pprof=%t worker=%t mongodb_uri=%s database=%s data_dir=%s feed_base_url=%s feed_token=%s feeds_config=%s page_size=%d schedule=%q lease_ttl=%s stop_grace=%s introspection=%t admin_key=%s",
		c.Addr, c.OpsAddr, c.Pprof, !c.NoWorker, maskURI(c.MongoURI), c.Database, c.DataDir, maskURI(c.FeedBaseURL), mask(c.FeedToken), c.FeedsConfig, c.PageSize, c.Schedule, c.LeaseTTL, c.StopGrace, c.Introspection, mask(c.AdminKey)) +
		fmt.Sprintf(" key_cache_ttl=%s jwt_jwks_url=%s jwt_jwks_file=%s jwt_hs256_secret=%s jwt_issuer=%s jwt_audience=%s jwt_role_claim=%s jwt_area_claim=%s",
			c.KeyCacheTTL, maskURI(c.JWT.JWKSURL), c.JWT.JWKSFile, mask(c.JWT.HS256Secret), c.JWT.Issuer, c.JWT.Audience, c.JWT.RoleClaim, c.JWT.AreaClaim) +
		c.apiLimitsString()
}

// apiLimitsString prints the API's limits, for the commands that serve it.
func (c config) apiLimitsString() string {
	if c.Preset == "" {
		return ""
	}
	return fmt.Sprintf(" preset=%s rate_limit=%q trusted_proxies=%v request_timeout=%s store_calls_per_request=%d max_response_mib=%d cors_origins=%q audit_retention=%s",
		c.Preset, c.RateLimit, c.TrustedProxies, c.RequestTimeout, c.StoreCalls, c.MaxResponseMiB, strings.Join(c.CORSOrigins, ","), days(c.AuditRetention))
}

// maskURI hides the password of a connection string or URL
// (mongodb://user:****@host) and the values of query parameters whose names
// look secret (password, secret, token, key, signature, credential).
func maskURI(u string) string {
	if at, scheme := strings.LastIndex(u, "@"), strings.Index(u, "://"); at > scheme && scheme >= 0 {
		cred := u[scheme+3 : at]
		if i := strings.Index(cred, ":"); i >= 0 {
			u = u[:scheme+3] + cred[:i] + ":****" + u[at:]
		}
	}
	q := strings.IndexByte(u, '?')
	if q < 0 {
		return u
	}
	params := strings.Split(u[q+1:], "&")
	for i, p := range params {
		k, _, ok := strings.Cut(p, "=")
		lk := strings.ToLower(k)
		for _, w := range []string{"pass", "secret", "token", "key", "sig", "credential"} {
			if ok && strings.Contains(lk, w) {
				params[i] = k + "=****"
				break
			}
		}
	}
	return u[:q+1] + strings.Join(params, "&")
}

// Presets of the API's settings (JAMSOSTEK_PRESET).
const (
	presetDevelopment = "development"
	presetProduction  = "production"
)

// Defaults of the API's limits and the audit log's retention.
const (
	defaultRateLimit      = "20/s burst 40"
	defaultRequestTimeout = 30 * time.Second
	defaultAuditRetention = "400d"
)

// parseDays reads a duration, also in whole days ("400d").
func parseDays(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || n > 100*366 {
			return 0, fmt.Errorf("%q: want a number of days (400d) or a duration (720h)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// days writes a duration in days when it is whole days.
func days(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

// apiLimits reads the API's limits and the preset after the flags: the
// preset decides the defaults of introspection (off in production) and
// whether CORS must be configured (production: yes, and not "*").
func (c *config) apiLimits(fs *flag.FlagSet, rateLimit, proxies, cors, retention string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch c.Preset {
	case presetDevelopment, presetProduction:
	default:
		return fmt.Errorf("preset %q: want development or production (env JAMSOSTEK_PRESET)", c.Preset)
	}
	var err error
	if c.RateLimit, err = graph.ParseRateLimit(rateLimit); err != nil {
		return fmt.Errorf("%w (env JAMSOSTEK_RATE_LIMIT)", err)
	}
	if c.TrustedProxies, err = graph.ParseTrustedProxies(proxies); err != nil {
		return fmt.Errorf("%w (env JAMSOSTEK_TRUSTED_PROXIES)", err)
	}
	if c.CORSOrigins, err = graph.ParseCORSOrigins(cors); err != nil {
		return fmt.Errorf("%w (env JAMSOSTEK_CORS_ORIGINS)", err)
	}
	if c.AuditRetention, err = parseDays(retention); err != nil {
		return fmt.Errorf("audit retention %w (env JAMSOSTEK_AUDIT_RETENTION)", err)
	}
	if c.AuditRetention < 24*time.Hour {
		return fmt.Errorf("audit retention must be at least a day, got %s (env JAMSOSTEK_AUDIT_RETENTION)", c.AuditRetention)
	}
	if c.RequestTimeout < time.Second {
		return fmt.Errorf("request timeout must be at least 1s, got %s (env JAMSOSTEK_REQUEST_TIMEOUT)", c.RequestTimeout)
	}
	if c.Preset != presetProduction {
		return nil
	}
	if _, ok := os.LookupEnv("JAMSOSTEK_INTROSPECTION"); !ok && !set["introspection"] {
		c.Introspection = false
	}
	if strings.TrimSpace(cors) == "" {
		return errors.New("the production preset needs JAMSOSTEK_CORS_ORIGINS (--cors-origins): the dashboard's origins, e.g. https://dashboard.cilegon.go.id, or none")
	}
	if len(c.CORSOrigins) == 1 && c.CORSOrigins[0] == "*" {
		return errors.New("the production preset refuses JAMSOSTEK_CORS_ORIGINS=*: name the dashboard's origins")
	}
	return nil
}

// commandInfo is what `jamsostek <command> --help` says above the flags.
type commandInfo struct {
	synopsis    string // after "jamsostek "
	description string
}

// commandHelp has every command parseConfig reads the flags of.
var commandHelp = map[string]commandInfo{
	"serve": {"serve [flags]", `Serves the GraphQL API on --addr (GraphiQL at /, the endpoint at /query) and
runs the sync worker: each feed on its schedule, a reconciliation after each
sync that changed data, and one at start when the stored data is newer than
the coverage figures. --worker=false serves the API alone (the syncs run in
"jamsostek worker" processes; triggerSync answers UNAVAILABLE). Runs until
SIGINT or SIGTERM. Several replicas may share one MongoDB database. Without
MONGODB_URI the data is in the embedded engine under --data-dir (one process
at a time).`},
	"worker": {"worker [flags]", `Runs the sync worker alone (no API): each feed on its schedule, a
reconciliation after each sync that changed data (and at start when the
stored data is newer than the coverage figures), until SIGINT or SIGTERM.
Its probes and metrics are on --ops-addr: /healthz, /readyz (the database
answers), /metrics.`},
	"sync": {"sync --once [--feed F,...] [--full] [flags]", `Pulls every feed (or those of --feed) once from JAMSOSTEK_FEED_BASE_URL (or
the feeds file) into the database, prints one line per feed, and exits: 0 when
every feed synced, 1 when one failed. Then it reconciles (discrepancies and
the coverage figures) when the stored data is newer than the last
reconciliation, unless --no-reconcile; one reconciliation runs at a time, so
it waits for one running elsewhere to end.`},
	"import-roster": {"import-roster [flags] FILE...", `Imports roster spreadsheets of city-funded workers: CSV (comma or semicolon,
UTF-8) or XLSX (its first sheet). Row 1 is the header naming the columns, in
any order and any case:
  nik             16 digits, as text (a NIK stored as a number in Excel is refused)
  name            or nama
  category        or kategori: a category code, below
  agency          or instansi
  kelurahan_code  or kode_kelurahan: 10 digits
  funded_from     a month, 2024-01 (a date counts as its month)
  funded_until    a month, or empty
Category codes (a new code of upper-case letters, digits and underscores is
accepted too):
` + categoryCodes() + `
Prints a report per file and its rejected rows; exits 1 when a row was
rejected (the valid rows are written all the same). Importing a file again
changes nothing.`},
	"feedsim": {"feedsim [flags]", `Serves the five feeds of a simulated Kota Cilegon (docs/feeds.md) over HTTP until
stopped, for "sync" and "serve" to pull from; the fault flags make it misbehave
as a real feed server may. Uses no database.`},
	"demo": {"demo [flags]", `Starts the feed simulator on a free loopback port, syncs it into the database
jamsostek_demo (emptied at every start), reconciles, then serves the API on
--addr as serve does, and prints the URL to open and two API keys: the
admin's and a viewer's.`},
	"reconcile": {"reconcile [flags]", `Reconciles the stored data once: the rosters against membership,
contributions and claims (discrepancies), and the rollup behind the coverage
figures. serve and worker also run it after each scheduled sync that changed
data, sync --once at its end; run it after "import-roster". One reconciliation
runs at a time across processes: while another runs, it fails at once (exit 1)
naming the process that holds it and since when.`},
	"keys create": {"keys create --name NAME --role ROLE [--area CODE] [--expires 720h|90d|2027-01-01] [flags]", `Creates an API key and prints it once, alone on stdout: only its hash is kept.`},
	"keys list":   {"keys list [flags]", `Lists the API keys: id, name, role, area, creation, expiry, status; never a secret.`},
	"keys revoke": {"keys revoke [flags] ID", `Revokes an API key (ID as keys list shows it); running replicas refuse it
within JAMSOSTEK_KEY_CACHE_TTL.`},
}

// maskDefaults hides the secrets among the defaults --help prints, which
// come from the environment: keys, tokens, and URLs' passwords.
func maskDefaults(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		switch f.Name {
		case "admin-key", "feed-token", "token", "jwt-hs256-secret":
			if f.DefValue != "" {
				f.DefValue = "****"
			}
		case "mongodb-uri", "feed-base-url", "jwt-jwks-url":
			f.DefValue = maskURI(f.DefValue)
		}
	})
}

// categoryCodes lists the documented roster category codes, indented, in
// lines of at most 80 characters.
func categoryCodes() string {
	codes := make([]string, 0, len(coverage.CategoryNames))
	for c := range coverage.CategoryNames {
		codes = append(codes, string(c))
	}
	slices.Sort(codes)
	var b strings.Builder
	line := 0
	for i, c := range codes {
		if i > 0 {
			b.WriteString(",")
			line++
		}
		if i == 0 || line+1+len(c) > 80 {
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString("  ")
			line = 2
		} else {
			b.WriteString(" ")
			line++
		}
		b.WriteString(c)
		line += len(c)
	}
	return b.String()
}

// usesDatabase reports whether a command opens the database (and so has the
// database flags).
func usesDatabase(cmd string) bool {
	return cmd != "feedsim"
}

// defaultDataDir is the embedded engine's directory unless configured:
// ./data, and for demo a directory of the user's cache (the demo's data is
// thrown away at every start: it has no business in the working directory).
func defaultDataDir(cmd string) string {
	if cmd != "demo" {
		return "./data"
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "jamsostek", "demo")
	}
	return filepath.Join(os.TempDir(), "jamsostek-demo")
}

// checkAddr checks a listen address's form (host:port, port 0 to 65535);
// whether it is free is known when it is taken.
func checkAddr(flagName, envName, addr string) error {
	where := "--" + flagName
	if envName != "" {
		where += " or " + envName
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s: %q is not a listen address: want host:port, e.g. :8080 or 127.0.0.1:8080", where, addr)
	}
	if n, err := strconv.Atoi(port); port == "" || (err == nil && (n < 0 || n > 65535)) {
		return fmt.Errorf("%s: %q: the port must be between 0 and 65535 (0: any free port)", where, addr)
	}
	return nil
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
	if info, ok := commandHelp[cmd]; ok {
		fs.Usage = func() {
			fmt.Fprintf(fs.Output(), "Usage: jamsostek %s\n\n%s\n\nFlags (a flag wins over the environment variable named with it):\n", info.synopsis, info.description)
			maskDefaults(fs)
			fs.PrintDefaults()
		}
	}

	defDB := "jamsostek"
	if cmd == "demo" {
		defDB = "jamsostek_demo"
	}
	storeCalls, err := strconv.Atoi(env("JAMSOSTEK_STORE_CALLS_PER_REQUEST", "4"))
	if err != nil {
		return c, fmt.Errorf("JAMSOSTEK_STORE_CALLS_PER_REQUEST=%q: want a whole number from 1 to 64", os.Getenv("JAMSOSTEK_STORE_CALLS_PER_REQUEST"))
	}
	maxResponse, err := strconv.Atoi(env("JAMSOSTEK_MAX_RESPONSE_MIB", "8"))
	if err != nil {
		return c, fmt.Errorf("JAMSOSTEK_MAX_RESPONSE_MIB=%q: want a whole number from 1 to 1024", os.Getenv("JAMSOSTEK_MAX_RESPONSE_MIB"))
	}
	pageSize, err := strconv.Atoi(env("JAMSOSTEK_FEED_PAGE_SIZE", "500"))
	if err != nil {
		return c, fmt.Errorf("JAMSOSTEK_FEED_PAGE_SIZE=%q: want a whole number from 1 to 5000", os.Getenv("JAMSOSTEK_FEED_PAGE_SIZE"))
	}
	envDuration := func(name, def string) (time.Duration, error) {
		d, err := time.ParseDuration(env(name, def))
		if err != nil {
			return 0, fmt.Errorf("%s=%q: want a duration such as 90s, 2m or 1h30m", name, os.Getenv(name))
		}
		return d, nil
	}
	leaseTTL, err := envDuration("JAMSOSTEK_LEASE_TTL", "2m")
	if err != nil {
		return c, err
	}
	stopGrace, err := envDuration("JAMSOSTEK_STOP_GRACE", "20s")
	if err != nil {
		return c, err
	}
	introspection, err := strconv.ParseBool(env("JAMSOSTEK_INTROSPECTION", "true"))
	if err != nil {
		return c, fmt.Errorf("JAMSOSTEK_INTROSPECTION=%q: want true or false", os.Getenv("JAMSOSTEK_INTROSPECTION"))
	}
	// The profiler is off unless asked for: the operators' port may be
	// opened to the monitoring namespace, which has no business with
	// profiles (docs/deployment.md).
	envBool := func(name, def string, used bool) (bool, error) {
		b, err := strconv.ParseBool(env(name, def))
		if err != nil && used {
			return false, fmt.Errorf("%s=%q: want true or false", name, os.Getenv(name))
		}
		return b, nil
	}
	pprofOn, err := envBool("JAMSOSTEK_PPROF", "false", cmd == "serve" || cmd == "worker" || cmd == "demo")
	if err != nil {
		return c, err
	}
	workerOn, err := envBool("JAMSOSTEK_WORKER", "true", cmd == "serve")
	if err != nil {
		return c, err
	}
	keyCacheTTL, err := envDuration("JAMSOSTEK_KEY_CACHE_TTL", auth.DefaultKeyCacheTTL.String())
	if err != nil {
		return c, err
	}
	requestTimeout, err := envDuration("JAMSOSTEK_REQUEST_TIMEOUT", defaultRequestTimeout.String())
	if err != nil {
		return c, err
	}
	var level, rateLimit, proxies, cors, retention string
	if usesDatabase(cmd) {
		fs.StringVar(&c.MongoURI, "mongodb-uri", env("MONGODB_URI", ""), "MongoDB connection string; empty starts the embedded FerretDB (env MONGODB_URI)")
		fs.StringVar(&c.Database, "database", env("MONGODB_DATABASE", defDB), "database name (env MONGODB_DATABASE)")
		fs.StringVar(&c.DataDir, "data-dir", env("JAMSOSTEK_DATA_DIR", defaultDataDir(cmd)), "directory of the embedded engine, created if missing (env JAMSOSTEK_DATA_DIR)")
	}
	fs.StringVar(&level, "log-level", env("JAMSOSTEK_LOG_LEVEL", "info"), "debug, info, warn or error (env JAMSOSTEK_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("JAMSOSTEK_LOG_FORMAT", "text"), "text or json (env JAMSOSTEK_LOG_FORMAT)")

	switch cmd {
	case "serve", "worker", "sync", "demo":
		if cmd != "demo" {
			fs.StringVar(&c.FeedBaseURL, "feed-base-url", env("JAMSOSTEK_FEED_BASE_URL", ""), "base URL of the feeds (env JAMSOSTEK_FEED_BASE_URL)")
			fs.StringVar(&c.FeedToken, "feed-token", env("JAMSOSTEK_FEED_TOKEN", ""), "bearer token of the feeds (env JAMSOSTEK_FEED_TOKEN)")
		}
		fs.IntVar(&c.PageSize, "page-size", pageSize, "records asked per feed page, 1 to 5000 (env JAMSOSTEK_FEED_PAGE_SIZE)")
		fs.DurationVar(&c.LeaseTTL, "lease-ttl", leaseTTL, "how long a sync's (or the reconciliation's) lease outlives a process that stopped renewing it, 300ms to 24h (env JAMSOSTEK_LEASE_TTL)")
		if cmd == "serve" || cmd == "worker" {
			fs.DurationVar(&c.StopGrace, "stop-grace", stopGrace, "at shutdown, how long syncs in progress may run to their end before they are stopped, 0 (at once) to 1h (env JAMSOSTEK_STOP_GRACE)")
		}
		if cmd != "demo" {
			fs.StringVar(&c.FeedsConfig, "feeds-config", env("JAMSOSTEK_FEEDS_CONFIG", ""), "feeds configuration file (YAML: per-feed schedule, base_url, token_env, page_size, timeout, enabled; docs/worker.md) (env JAMSOSTEK_FEEDS_CONFIG)")
		}
	}
	if cmd == "reconcile" {
		fs.DurationVar(&c.LeaseTTL, "lease-ttl", leaseTTL, "how long the reconciliation's lease outlives a process that stopped renewing it, 300ms to 24h (env JAMSOSTEK_LEASE_TTL)")
	}
	switch cmd {
	case "serve", "worker", "sync", "demo", "reconcile":
		fs.StringVar(&c.RulesFile, "rules-file", env("JAMSOSTEK_RULES_FILE", ""), "JSON file of the regulation the reconciliation applies (BPU tariffs, benefit ceilings; docs/reconciliation.md); empty: the rules built in (env JAMSOSTEK_RULES_FILE)")
	}
	switch cmd {
	case "serve", "worker", "demo":
		fs.StringVar(&c.OpsAddr, "ops-addr", env("JAMSOSTEK_OPS_ADDR", ""), "listen address of the operators' endpoints (/healthz, /readyz, /metrics; /debug/pprof/ with --pprof), host:port, e.g. 127.0.0.1:6060 or :6060 in a pod; they need no key, so bind it to loopback or a network only operators reach; empty: off (env JAMSOSTEK_OPS_ADDR)")
		fs.BoolVar(&c.Pprof, "pprof", pprofOn, "also serve the Go profiler at /debug/pprof/ on --ops-addr (needs --ops-addr); profiles show the process's memory, so leave it off where the monitoring system reaches that port (env JAMSOSTEK_PPROF)")
	}
	if cmd == "serve" {
		fs.BoolVar(&workerOn, "worker", workerOn, "run the sync worker in this process (when feeds are configured); false: the API alone, its triggerSync answers UNAVAILABLE and jamsostek worker processes run the syncs (env JAMSOSTEK_WORKER)")
	}
	switch cmd {
	case "serve", "worker":
		fs.StringVar(&c.Schedule, "schedule", env("JAMSOSTEK_SYNC_SCHEDULE", defaultSchedule), "cron schedule of the sync, Asia/Jakarta time (env JAMSOSTEK_SYNC_SCHEDULE)")
	}
	switch cmd {
	case "serve", "demo":
		fs.StringVar(&c.Addr, "addr", env("JAMSOSTEK_ADDR", ":8080"), "listen address of the API, host:port (:8080 every interface, 127.0.0.1:8080 this machine only) (env JAMSOSTEK_ADDR)")
		fs.StringVar(&c.Preset, "preset", env("JAMSOSTEK_PRESET", presetDevelopment), "development or production: production turns introspection off unless set, and needs --cors-origins (env JAMSOSTEK_PRESET)")
		fs.StringVar(&rateLimit, "rate-limit", env("JAMSOSTEK_RATE_LIMIT", defaultRateLimit), "requests each API key (else each client address) may make: \"20/s burst 40\", \"600/m\", or off; beyond, 429 with Retry-After (env JAMSOSTEK_RATE_LIMIT)")
		fs.StringVar(&proxies, "trusted-proxies", env("JAMSOSTEK_TRUSTED_PROXIES", ""), "reverse proxies (addresses, CIDR prefixes, comma-separated) whose X-Forwarded-For names the client's address (env JAMSOSTEK_TRUSTED_PROXIES)")
		fs.DurationVar(&c.RequestTimeout, "request-timeout", requestTimeout, "how long a request to /query may take before it is stopped with TIMEOUT, at least 1s (uploads get at least 2m) (env JAMSOSTEK_REQUEST_TIMEOUT)")
		fs.IntVar(&c.StoreCalls, "store-calls-per-request", storeCalls, "database calls one request may have in flight, 1 to 64: the share of the connection pool one request can hold (env JAMSOSTEK_STORE_CALLS_PER_REQUEST)")
		fs.IntVar(&c.MaxResponseMiB, "max-response-mib", maxResponse, "largest answer in MiB, 1 to 1024: past it the request stops and answers RESPONSE_TOO_LARGE (env JAMSOSTEK_MAX_RESPONSE_MIB)")
		fs.StringVar(&cors, "cors-origins", env("JAMSOSTEK_CORS_ORIGINS", ""), "web origins whose pages may call the API, comma-separated (https://dashboard.cilegon.go.id), * for any (not in production), or none (env JAMSOSTEK_CORS_ORIGINS)")
		fs.StringVar(&retention, "audit-retention", env("JAMSOSTEK_AUDIT_RETENTION", defaultAuditRetention), "how long the audit log keeps its entries: days (400d) or a duration, at least 1d (env JAMSOSTEK_AUDIT_RETENTION)")
		fs.BoolVar(&c.Introspection, "introspection", introspection, "allow GraphQL introspection (env JAMSOSTEK_INTROSPECTION)")
		fs.StringVar(&c.AdminKey, "admin-key", env("JAMSOSTEK_ADMIN_KEY", ""), "API key of the admin role, sent as Authorization: Bearer <key>; empty refuses every mutation (env JAMSOSTEK_ADMIN_KEY)")
		fs.DurationVar(&c.KeyCacheTTL, "key-cache-ttl", keyCacheTTL, "how long an API key's record is trusted before it is read again: a revoked key stops working on every replica within this time, 0 to 1m (env JAMSOSTEK_KEY_CACHE_TTL)")
		fs.StringVar(&c.JWT.JWKSURL, "jwt-jwks-url", env("JAMSOSTEK_JWT_JWKS_URL", ""), "URL of the identity provider's JWK Set (RS256/ES256 bearer JWTs), fetched again every 15 minutes and on an unknown key id (at most once a minute) (env JAMSOSTEK_JWT_JWKS_URL)")
		fs.StringVar(&c.JWT.JWKSFile, "jwt-jwks-file", env("JAMSOSTEK_JWT_JWKS_FILE", ""), "JWK Set file of the identity provider's public keys, instead of a URL (env JAMSOSTEK_JWT_JWKS_FILE)")
		fs.StringVar(&c.JWT.HS256Secret, "jwt-hs256-secret", env("JAMSOSTEK_JWT_HS256_SECRET", ""), "shared secret of HS256 bearer JWTs, at least 32 bytes; prefer the environment variable (env JAMSOSTEK_JWT_HS256_SECRET)")
		fs.StringVar(&c.JWT.Issuer, "jwt-issuer", env("JAMSOSTEK_JWT_ISSUER", ""), "iss every JWT must carry, required with JWTs (env JAMSOSTEK_JWT_ISSUER)")
		fs.StringVar(&c.JWT.Audience, "jwt-audience", env("JAMSOSTEK_JWT_AUDIENCE", ""), "a value the aud of every JWT must hold, required with JWTs (env JAMSOSTEK_JWT_AUDIENCE)")
		fs.StringVar(&c.JWT.RoleClaim, "jwt-role-claim", env("JAMSOSTEK_JWT_ROLE_CLAIM", auth.DefaultRoleClaim), "dotted path of the JWT claim with the role: a string or an array, the highest known role wins (env JAMSOSTEK_JWT_ROLE_CLAIM)")
		fs.StringVar(&c.JWT.AreaClaim, "jwt-area-claim", env("JAMSOSTEK_JWT_AREA_CLAIM", auth.DefaultAreaClaim), "dotted path of the JWT claim with an officer's kecamatan or kelurahan code (env JAMSOSTEK_JWT_AREA_CLAIM)")
	case "feedsim":
		fs.StringVar(&c.Addr, "addr", "127.0.0.1:8090", "listen address of the simulator, host:port")
		fs.Int64Var(&c.Faults.Seed, "fault-seed", 1, "seed of the injected faults: the same seed gives the same faults")
		fs.Float64Var(&c.Faults.ErrorRate, "error-rate", 0, "share of requests answered 500, 502, 503 or 504, 0 to below 1")
		fs.Float64Var(&c.Faults.RateLimit, "rate-limit", 0, "share of requests answered 429 with Retry-After, 0 to below 1")
		fs.DurationVar(&c.Faults.RetryAfter, "retry-after", time.Second, "the delay a 429 asks for, 0 to 1h")
		fs.DurationVar(&c.Faults.Latency, "latency", 0, "delay added to every response, 0 to 1m")
		fs.Float64Var(&c.Faults.ResetRate, "reset-rate", 0, "share of connections closed without a response, 0 to below 1")
		fs.Float64Var(&c.Faults.TruncateRate, "truncate-rate", 0, "share of pages cut off mid-JSON, 0 to below 1")
		fs.Float64Var(&c.Faults.RepeatPage, "repeat-page", 0, "share of pages answered with the page before, 0 to below 1")
		fs.Float64Var(&c.Faults.RepeatRecord, "repeat-record", 0, "share of pages that repeat the last record of the page before, 0 to below 1")
		fs.Float64Var(&c.Faults.UpdateRate, "update-rate", 0, "share of pages (after the first) before which one record of the feed is updated, moving to the end of the stream, 0 to below 1")
		fs.StringVar(&c.FeedToken, "token", env("JAMSOSTEK_FEED_TOKEN", "demo-token"), "bearer token the simulator requires (env JAMSOSTEK_FEED_TOKEN)")
	case "keys create":
		fs.StringVar(&c.Key.Name, "name", "", "who or what uses the key, e.g. \"dashboard\" or \"petugas Cibeber\" (required)")
		fs.StringVar(&c.Key.Role, "role", "", "viewer, officer, analyst or admin (required)")
		fs.StringVar(&c.Key.Area, "area", "", "an officer's kecamatan (6 digits) or kelurahan (10 digits) code (required for officer, refused for the others)")
		fs.StringVar(&c.Key.Expires, "expires", "", "expiry: a duration (720h, 90d), a date (2027-01-01, Asia/Jakarta) or an RFC 3339 time; default never")
	case "sync":
		fs.BoolVar(&c.Once, "once", false, "pull every feed once and exit (required)")
		fs.BoolVar(&c.Full, "full", false, "ignore the checkpoints and pull everything (writes only what changed)")
		fs.StringVar(&c.Feeds, "feed", "", "comma-separated feeds to pull (default all: "+feedList()+")")
		fs.BoolVar(&c.NoReconcile, "no-reconcile", false, "do not reconcile at the end (by default it does when the data is newer than the coverage figures)")
	}
	switch cmd {
	case "feedsim", "demo":
		fs.Int64Var(&c.Seed, "seed", 1, "simulator seed: the same seed gives the same data")
		def := 1.0
		if cmd == "demo" {
			def = 0.05
		}
		fs.Float64Var(&c.Scale, "scale", def, fmt.Sprintf("simulator volume, %g to %g; 1 is the whole city (about 125,000 participants)", feedsim.MinScale, float64(feedsim.MaxScale)))
		fs.Func("as-of", "the simulated feeds' as_of, an RFC 3339 time, e.g. 2024-08-15T23:59:00+07:00 (default "+feedsim.DefaultAsOf.Format(time.RFC3339)+")", func(v string) error {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return fmt.Errorf("want an RFC 3339 time such as 2024-08-16T00:00:00+07:00")
			}
			c.AsOf = t
			return nil
		})
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if cmd == "import-roster" {
		if c.Files = fs.Args(); len(c.Files) == 0 {
			return c, fmt.Errorf("import-roster: name one or more CSV or XLSX files")
		}
	} else if cmd == "keys revoke" {
		if fs.NArg() != 1 {
			return c, fmt.Errorf("keys revoke: name one key id (keys list shows them)")
		}
		c.Key.ID = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return c, fmt.Errorf("%s: unexpected arguments %q", cmd, fs.Args())
	}
	if err := c.Level(level); err != nil {
		return c, err
	}
	c.NoWorker = cmd == "serve" && !workerOn
	if c.Pprof && c.OpsAddr == "" {
		return c, errors.New("--pprof (JAMSOSTEK_PPROF) serves the profiler on the operators' listener: set --ops-addr (JAMSOSTEK_OPS_ADDR) too, e.g. 127.0.0.1:6060")
	}
	if cmd == "serve" || cmd == "demo" {
		if err := c.apiLimits(fs, rateLimit, proxies, cors, retention); err != nil {
			return c, err
		}
	}
	if err := c.checkRanges(fs); err != nil {
		return c, err
	}
	if c.KeyCacheTTL < 0 || c.KeyCacheTTL > auth.MaxKeyCacheTTL {
		return c, fmt.Errorf("key cache TTL must be between 0 and %s (a revoked key must stop working within seconds), got %s", auth.MaxKeyCacheTTL, c.KeyCacheTTL)
	}
	if err := c.JWT.Check(); err != nil {
		return c, err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("log format must be text or json, got %q", c.LogFormat)
	}
	if fs.Lookup("rules-file") != nil {
		if c.Rules, err = coverage.LoadRuleSet(c.RulesFile); err != nil {
			msg := err.Error()
			if coverage.ErrorCode(err) != coverage.EINTERNAL {
				msg = coverage.ErrorMessage(err)
			}
			return c, fmt.Errorf("%s (--rules-file or JAMSOSTEK_RULES_FILE)", msg)
		}
	}
	return c, nil
}

// checkRanges checks every numeric and duration flag the command has
// against the range its help gives (the environment variables behind them
// too), and the listen address's form.
func (c *config) checkRanges(fs *flag.FlagSet) error {
	has := func(name string) bool { return fs.Lookup(name) != nil }
	if has("page-size") && (c.PageSize < 1 || c.PageSize > 5000) {
		return fmt.Errorf("page size (--page-size or JAMSOSTEK_FEED_PAGE_SIZE) must be between 1 and 5000, got %d", c.PageSize)
	}
	if has("store-calls-per-request") && (c.StoreCalls < 1 || c.StoreCalls > 64) {
		return fmt.Errorf("store calls per request (--store-calls-per-request or JAMSOSTEK_STORE_CALLS_PER_REQUEST) must be between 1 and 64, got %d", c.StoreCalls)
	}
	if has("max-response-mib") && (c.MaxResponseMiB < 1 || c.MaxResponseMiB > 1024) {
		return fmt.Errorf("largest answer (--max-response-mib or JAMSOSTEK_MAX_RESPONSE_MIB) must be between 1 and 1024 MiB, got %d", c.MaxResponseMiB)
	}
	if has("lease-ttl") && (c.LeaseTTL < 300*time.Millisecond || c.LeaseTTL > 24*time.Hour) {
		return fmt.Errorf("lease TTL (--lease-ttl or JAMSOSTEK_LEASE_TTL) must be between 300ms and 24h, got %s", c.LeaseTTL)
	}
	if has("stop-grace") && (c.StopGrace < 0 || c.StopGrace > time.Hour) {
		return fmt.Errorf("stop grace (--stop-grace or JAMSOSTEK_STOP_GRACE) must be between 0 and 1h, got %s", c.StopGrace)
	}
	if has("scale") && (math.IsNaN(c.Scale) || c.Scale < feedsim.MinScale || c.Scale > feedsim.MaxScale) {
		return fmt.Errorf("--scale must be between %g and %g, got %g", feedsim.MinScale, float64(feedsim.MaxScale), c.Scale)
	}
	rates := []struct {
		name string
		v    float64
	}{{"error-rate", c.Faults.ErrorRate}, {"rate-limit", c.Faults.RateLimit}, {"reset-rate", c.Faults.ResetRate},
		{"truncate-rate", c.Faults.TruncateRate}, {"repeat-page", c.Faults.RepeatPage}, {"repeat-record", c.Faults.RepeatRecord},
		{"update-rate", c.Faults.UpdateRate}}
	for _, r := range rates {
		if math.IsNaN(r.v) || r.v < 0 || r.v >= 1 {
			return fmt.Errorf("--%s must be at least 0 and below 1, got %g", r.name, r.v)
		}
	}
	if c.Faults.RetryAfter < 0 || c.Faults.RetryAfter > time.Hour {
		return fmt.Errorf("--retry-after must be between 0 and 1h, got %s", c.Faults.RetryAfter)
	}
	if c.Faults.Latency < 0 || c.Faults.Latency > time.Minute {
		return fmt.Errorf("--latency must be between 0 and 1m, got %s", c.Faults.Latency)
	}
	if has("ops-addr") && c.OpsAddr != "" {
		if err := checkAddr("ops-addr", "JAMSOSTEK_OPS_ADDR", c.OpsAddr); err != nil {
			return err
		}
	}
	if has("addr") {
		envName := "JAMSOSTEK_ADDR"
		if fs.Name() == "feedsim" {
			envName = ""
		}
		if err := checkAddr("addr", envName, c.Addr); err != nil {
			return err
		}
	}
	return nil
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
