package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Each command's flags, as `jamsostek <command> --help` must list them: a
// command has only the flags it reads (issue 13). A flag added to a command
// goes here too, with the reason it belongs.
var (
	logFlags = []string{"log-format", "log-level"}
	// the commands that open the database (store.Open: openStore)
	dbFlags = []string{"data-dir", "database", "mongodb-uri"}
	// the commands that pull the feeds (worker.LoadFeeds, worker.Syncer)
	feedFlags = []string{"feed-base-url", "feed-token", "feeds-config", "lease-ttl", "page-size", "rules-file"}
	// the commands that serve the API (graph.Config, auth.Config, apiLimits)
	apiFlags = []string{"addr", "admin-key", "audit-retention", "cors-origins", "introspection", "jwt-area-claim", "jwt-audience",
		"jwt-hs256-secret", "jwt-issuer", "jwt-jwks-file", "jwt-jwks-url", "jwt-role-claim", "key-cache-ttl", "max-response-mib",
		"preset", "rate-limit", "request-timeout", "store-calls-per-request", "trusted-proxies"}
	// the long-running commands' operators' listener (ops.go: probes,
	// metrics, the profiler when asked for)
	opsFlags = []string{"ops-addr", "pprof"}
	// the simulator (feedsim.Config, feedsim.Faults): no database
	simFlags = []string{"as-of", "scale", "seed"}

	commandFlags = map[string][][]string{
		// serve --worker=false: the API alone (the worker processes sync)
		"serve":  {logFlags, dbFlags, feedFlags, apiFlags, opsFlags, {"schedule", "stop-grace", "worker"}},
		"worker": {logFlags, dbFlags, feedFlags, opsFlags, {"schedule", "stop-grace"}},
		"sync":   {logFlags, dbFlags, feedFlags, {"feed", "full", "no-reconcile", "once"}},
		// demo runs its own simulator (so no feed URL, token or file, and no
		// schedule: it syncs once an hour) and then serves.
		"demo":          {logFlags, dbFlags, apiFlags, simFlags, opsFlags, {"lease-ttl", "page-size", "rules-file"}},
		"reconcile":     {logFlags, dbFlags, {"lease-ttl", "rules-file"}},
		"import-roster": {logFlags, dbFlags},
		"feedsim": {logFlags, simFlags, {"addr", "error-rate", "fault-seed", "latency", "rate-limit", "repeat-page", "repeat-record",
			"reset-rate", "retry-after", "token", "truncate-rate", "update-rate"}},
		"keys create": {logFlags, dbFlags, {"area", "expires", "name", "role"}},
		"keys list":   {logFlags, dbFlags},
		"keys revoke": {logFlags, dbFlags},
		// the benchmarks parse their own flags (bench_cmd.go, bench.go)
		"bench":         {{"baseline", "clients", "data-dir", "duration", "markdown", "participants", "parts", "scale", "seed"}},
		"bench-records": {{"clients", "data-dir", "mongodb-uri", "no-index", "requests", "scale", "seed", "shape-timeout"}},
	}
)

// helpFlag is a flag as --help lists it.
type helpFlag struct {
	name, env string // env: the variable named in its help, "" none
}

// helpFlags runs `jamsostek <command> --help` and returns its flags.
func helpFlags(t *testing.T, command string) []helpFlag {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), append(strings.Fields(command), "--help"), &stdout, &stderr); err != nil {
		t.Fatalf("%s --help: %v", command, err)
	}
	var flags []helpFlag
	for _, line := range strings.Split(stdout.String()+stderr.String(), "\n") {
		if m := regexp.MustCompile(`^  -([a-z0-9-]+)`).FindStringSubmatch(line); m != nil {
			flags = append(flags, helpFlag{name: m[1]})
		} else if m := regexp.MustCompile(`\(env ([A-Z0-9_]+)\)`).FindStringSubmatch(line); m != nil && len(flags) > 0 && strings.HasPrefix(line, "    \t") {
			flags[len(flags)-1].env = m[1]
		}
	}
	if len(flags) == 0 {
		t.Fatalf("%s --help lists no flag", command)
	}
	return flags
}

// TestCommandFlags (issue 13): each command's --help lists exactly the
// flags of commandFlags, which are the ones the command reads: feedsim has
// no database flag, keys and import-roster nothing but the database's and
// the log's.
func TestCommandFlags(t *testing.T) {
	for command, groups := range commandFlags {
		want := slices.Concat(groups...)
		slices.Sort(want)
		if len(slices.Compact(slices.Clone(want))) != len(want) {
			t.Errorf("%s: commandFlags lists a flag twice: %q", command, want)
		}
		var got []string
		for _, f := range helpFlags(t, command) {
			got = append(got, f.name)
		}
		slices.Sort(got)
		for _, f := range got {
			if !slices.Contains(want, f) {
				t.Errorf("%s --help lists --%s, which the command does not read", command, f)
			}
		}
		for _, f := range want {
			if !slices.Contains(got, f) {
				t.Errorf("%s --help does not list --%s", command, f)
			}
		}
	}
	for _, f := range helpFlags(t, "feedsim") {
		if slices.Contains(dbFlags, f.name) {
			t.Errorf("feedsim --help lists --%s: the simulator uses no database", f.name)
		}
	}
}

// TestReadmeTablesMatchFlags (issue 13): README.md's tables say what the
// commands take. In the Commands table, every --flag a command's row names
// is one of its flags, and each of its flags without a variable is named in
// its row (bench's and bench-records' in their sections' "Flags:"). Every
// variable a flag names is in the Configuration table, which has no other
// variable than `jamsostek --help` lists; each row names the flags that
// carry its variable and exactly the commands that have them. The table
// "Flags by command" names every flag of each command.
func TestReadmeTablesMatchFlags(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	section := func(title string) string {
		i := strings.Index(readme, "\n"+title+"\n")
		if i < 0 {
			t.Fatalf("README.md has no section %q", title)
		}
		s := readme[i+len(title)+2:]
		if j := regexp.MustCompile(`\n#{1,3} `).FindStringIndex(s); j != nil {
			s = s[:j[0]]
		}
		return s
	}
	flagsIn := func(s string) []string {
		var out []string
		for _, m := range regexp.MustCompile("--([a-z0-9-]+)").FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		return out
	}
	// The Commands table: one row per command.
	rows := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `jamsostek ([a-z-]+(?: (?:create|list|revoke))?)([^`]*)` \\|(.*)\\|$").FindAllStringSubmatch(section("## Commands"), -1) {
		rows[m[1]] = m[2] + " " + m[3]
	}
	// A row may quote another command with its flags (`sync --once`): those
	// are not the row's.
	for command, row := range rows {
		rows[command] = regexp.MustCompile("`(?:jamsostek )?([a-z-]+) --[^`]*`").ReplaceAllStringFunc(row, func(q string) string {
			if strings.Contains(q, command+" --") {
				return q
			}
			return ""
		})
	}
	rows["bench"] += " " + section("## Measuring performance")
	rows["bench-records"] += " " + section("## Measuring record queries")
	envOf := map[string][]string{}  // variable -> commands whose flags name it
	flagOf := map[string][]string{} // variable -> the flags that name it
	for command := range commandFlags {
		row, ok := rows[command]
		if !ok {
			t.Errorf("README.md's Commands table has no row for jamsostek %s", command)
			continue
		}
		flags := helpFlags(t, command)
		has := map[string]bool{}
		for _, f := range flags {
			has[f.name] = true
			if f.env != "" {
				envOf[f.env] = append(envOf[f.env], strings.Fields(command)[0])
				flagOf[f.env] = append(flagOf[f.env], f.name)
			} else if !slices.Contains(flagsIn(row), f.name) && !slices.Contains(logFlags, f.name) {
				t.Errorf("README.md's row of %s does not name --%s", command, f.name)
			}
		}
		for _, f := range flagsIn(row) {
			if !has[f] {
				t.Errorf("README.md's row of %s names --%s, which %s --help does not list", command, f, command)
			}
		}
	}
	// The Configuration table: variable | flag | commands | default |
	// meaning. The flag column names the flags that carry the variable
	// (`--token` (`feedsim`) where a command names it otherwise), the
	// commands column exactly the commands with such a flag; a variable no
	// flag carries (OTEL_*, GOMEMLIMIT) says "none".
	config := section("### Configuration")
	type configRow struct{ flags, commands, meaning string }
	tableVars := map[string]configRow{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)` \\| ([^|]*) \\| ([^|]*) \\| [^|]* \\| (.*) \\|$").FindAllStringSubmatch(config, -1) {
		if _, dup := tableVars[m[1]]; dup {
			t.Errorf("README.md's Configuration table has %s twice", m[1])
		}
		tableVars[m[1]] = configRow{flags: m[2], commands: m[3], meaning: m[4]}
	}
	if len(tableVars) < 20 {
		t.Fatalf("README.md's Configuration table: only %d variables found", len(tableVars))
	}
	for env := range envOf {
		if _, ok := tableVars[env]; !ok {
			t.Errorf("README.md's Configuration table lacks %s, which a flag names", env)
		}
	}
	var usageOut bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, &usageOut, &usageOut); err != nil {
		t.Fatal(err)
	}
	for env, row := range tableVars {
		if !regexp.MustCompile(`(?m)^  ` + env + `\s`).MatchString(usageOut.String()) {
			t.Errorf("README.md's Configuration table has %s, which jamsostek --help does not list", env)
		}
		var named []string
		for _, c := range regexp.MustCompile("`([a-z-]+)`").FindAllStringSubmatch(row.commands, -1) {
			named = append(named, c[1])
		}
		slices.Sort(named)
		if len(envOf[env]) == 0 {
			if strings.TrimSpace(row.flags) != "none" || len(named) == 0 {
				t.Errorf("README.md: %s has no flag: its row's flag column must say none (%q) and name the commands that read it (%q)", env, row.flags, named)
			}
			continue
		}
		have := slices.Compact(slices.Sorted(slices.Values(envOf[env])))
		if !slices.Equal(named, have) {
			t.Errorf("README.md: %s is said to be of %q; the commands with its flag are %q", env, named, have)
		}
		if got, want := slices.Compact(slices.Sorted(slices.Values(flagsIn(row.flags)))), slices.Compact(slices.Sorted(slices.Values(flagOf[env]))); !slices.Equal(got, want) {
			t.Errorf("README.md: %s's flags are said to be %q; the flags that carry it are %q", env, got, want)
		}
	}
	// Flags by command: each command's row names exactly its flags (but
	// the log's, which every command has).
	byCommand := map[string][]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+(?: (?:create|list|revoke))?)` \\| (.*) \\|$").FindAllStringSubmatch(config, -1) {
		byCommand[m[1]] = slices.Compact(slices.Sorted(slices.Values(flagsIn(m[2]))))
	}
	for command, groups := range commandFlags {
		got, ok := byCommand[command]
		if !ok {
			t.Errorf("README.md's Flags by command has no row for %s", command)
			continue
		}
		var want []string
		for _, f := range slices.Concat(groups...) {
			if !slices.Contains(logFlags, f) {
				want = append(want, f)
			}
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("README.md's Flags by command: %s names %q, its flags are %q", command, got, want)
		}
	}
}
