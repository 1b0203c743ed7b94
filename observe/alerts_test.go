package observe_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/observe"
)

// ruleFile is Prometheus's rule file format (the fields used here; strict
// decoding refuses any other).
type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// fakeCounts is a store's counts.
type fakeCounts struct{}

func (fakeCounts) QuarantineCounts(context.Context) (map[coverage.Feed]int64, error) {
	return map[coverage.Feed]int64{coverage.FeedRoster: 3}, nil
}

func (fakeCounts) DiscrepancyCounts(context.Context, coverage.DiscrepancyFilter) (map[coverage.DiscrepancyKind]coverage.KindTally, error) {
	return map[coverage.DiscrepancyKind]coverage.KindTally{coverage.KindUnpaidMonths: {Count: 2, Amount: 150000}}, nil
}

func (fakeCounts) SyncRuns(context.Context, coverage.Feed, int) ([]coverage.SyncRun, error) {
	return nil, nil
}

func (fakeCounts) ReconcileRuns(context.Context, int) ([]coverage.ReconcileRun, error) {
	return nil, nil
}

// exposed returns the metric families a serving process exposes, every
// source fed, by name, with the sample names of histograms.
func exposed(t *testing.T) (families map[string]dto.MetricType, samples map[string]bool) {
	t.Helper()
	m := observe.New()
	m.WatchLeases([]string{"claims", "reconcile"}, func() []string { return []string{"claims"} })
	m.WatchRollup(func() (observe.RollupInfo, bool) { return observe.RollupInfo{Version: 3, BuiltAt: time.Now()}, true })
	m.WatchAuditFailures(func() int64 { return 0 })
	m.WatchStore(fakeCounts{}, time.Minute, nil)
	now := time.Now()
	m.SyncRun(context.Background(), coverage.SyncRun{Feed: coverage.FeedClaims, Status: coverage.RunSucceeded, StartedAt: now, FinishedAt: now})
	m.ReconcileRun(coverage.ReconcileRun{Status: coverage.RunSucceeded, StartedAt: now, FinishedAt: now})
	m.Operation("query:city").Observe(time.Millisecond, false)
	m.GraphQLError("INTERNAL")
	mux := http.NewServeMux()
	mux.HandleFunc("/query", func(http.ResponseWriter, *http.Request) {})
	observe.Middleware(m, nil, mux).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/query", nil))
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	families, samples = map[string]dto.MetricType{}, map[string]bool{}
	for _, f := range fams {
		families[f.GetName()] = f.GetType()
		samples[f.GetName()] = true
		if f.GetType() == dto.MetricType_HISTOGRAM {
			for _, s := range []string{"_bucket", "_count", "_sum"} {
				samples[f.GetName()+s] = true
			}
		}
	}
	return families, samples
}

var metricName = regexp.MustCompile(`\bjamsostek_[a-zA-Z0-9_]+`)

// TestAlertRules loads deploy/prometheus/alerts.yml strictly and checks
// every rule: its metrics are ones the service exposes, it has a severity,
// a summary and a description, and a runbook section in
// docs/observability.md that its runbook_url names.
func TestAlertRules(t *testing.T) {
	data, err := os.ReadFile("../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := yaml.UnmarshalWithOptions(data, &rf, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	docs, err := os.ReadFile("../docs/observability.md")
	if err != nil {
		t.Fatal(err)
	}
	_, samples := exposed(t)
	seen := map[string]bool{}
	n := 0
	for _, g := range rf.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: a name and rules are needed", g.Name)
		}
		for _, r := range g.Rules {
			n++
			if r.Alert == "" || r.Record != "" {
				t.Errorf("group %s: only alerts here, each named: %+v", g.Name, r)
				continue
			}
			if seen[r.Alert] {
				t.Errorf("alert %s twice", r.Alert)
			}
			seen[r.Alert] = true
			if r.For != "" {
				if _, err := model.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for %q: %v", r.Alert, r.For, err)
				}
			}
			if strings.Count(r.Expr, "(") != strings.Count(r.Expr, ")") || strings.Count(r.Expr, "[") != strings.Count(r.Expr, "]") ||
				strings.Count(r.Expr, "{") != strings.Count(r.Expr, "}") {
				t.Errorf("%s: unbalanced brackets in %q", r.Alert, r.Expr)
			}
			// A job named in a rule is one the example configurations
			// scrape (prometheus.yml, prometheus-kubernetes.yml).
			for _, m := range regexp.MustCompile(`\bjob="([^"]*)"`).FindAllStringSubmatch(r.Expr, -1) {
				for _, f := range []string{"prometheus.yml", "prometheus-kubernetes.yml"} {
					if !scrapeJobs(t, f)[m[1]] {
						t.Errorf("%s: job %q is not a job of deploy/prometheus/%s", r.Alert, m[1], f)
					}
				}
			}
			names := metricName.FindAllString(r.Expr, -1)
			if len(names) == 0 {
				t.Errorf("%s: no jamsostek_ metric in %q", r.Alert, r.Expr)
			}
			for _, name := range names {
				if !samples[name] {
					t.Errorf("%s: %s is not a metric the service exposes", r.Alert, name)
				}
			}
			if s := r.Labels["severity"]; s != "warning" && s != "critical" {
				t.Errorf("%s: severity %q, want warning or critical", r.Alert, s)
			}
			for _, a := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("%s: no %s annotation", r.Alert, a)
				}
			}
			if want := "docs/observability.md#" + strings.ToLower(r.Alert); r.Annotations["runbook_url"] != want {
				t.Errorf("%s: runbook_url %q, want %q", r.Alert, r.Annotations["runbook_url"], want)
			}
			if !bytes.Contains(docs, []byte("\n### "+r.Alert+"\n")) {
				t.Errorf("%s: no runbook section \"### %s\" in docs/observability.md", r.Alert, r.Alert)
			}
		}
	}
	if n < 8 {
		t.Errorf("%d alerts: stale feeds, failed syncs, quarantine, reconciliation, rollup, errors, latency are expected", n)
	}
}

// TestMetricsDocumented: docs/observability.md names every metric the
// service exposes (its own, jamsostek_*), with its type.
func TestMetricsDocumented(t *testing.T) {
	docs, err := os.ReadFile("../docs/observability.md")
	if err != nil {
		t.Fatal(err)
	}
	families, _ := exposed(t)
	for name, typ := range families {
		if !strings.HasPrefix(name, observe.Namespace+"_") {
			continue
		}
		row := regexp.MustCompile("(?m)^\\| `" + name + "` \\| ([a-z]+) \\|")
		m := row.FindSubmatch(docs)
		if m == nil {
			t.Errorf("%s is not in docs/observability.md's table", name)
			continue
		}
		if want := strings.ToLower(typ.String()); string(m[1]) != want {
			t.Errorf("%s is documented as a %s, it is a %s", name, m[1], want)
		}
	}
}

// TestPrometheusConfig: the example configuration loads strictly, loads
// alerts.yml, and scrapes /metrics.
func TestPrometheusConfig(t *testing.T) {
	data, err := os.ReadFile("../deploy/prometheus/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Global struct {
			ScrapeInterval     string `yaml:"scrape_interval"`
			EvaluationInterval string `yaml:"evaluation_interval"`
		} `yaml:"global"`
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			MetricsPath   string `yaml:"metrics_path"`
			Authorization *struct {
				Type            string `yaml:"type"`
				CredentialsFile string `yaml:"credentials_file"`
			} `yaml:"authorization"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.UnmarshalWithOptions(data, &cfg, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	for _, d := range []string{cfg.Global.ScrapeInterval, cfg.Global.EvaluationInterval} {
		if _, err := model.ParseDuration(d); err != nil {
			t.Errorf("interval %q: %v", d, err)
		}
	}
	if len(cfg.RuleFiles) != 1 || cfg.RuleFiles[0] != "alerts.yml" {
		t.Errorf("rule_files %v, want [alerts.yml]", cfg.RuleFiles)
	}
	if len(cfg.ScrapeConfigs) != 2 {
		t.Fatalf("%d scrape configs, want the API's and the worker's", len(cfg.ScrapeConfigs))
	}
	for _, s := range cfg.ScrapeConfigs {
		if s.MetricsPath != "/metrics" || len(s.StaticConfigs) == 0 || len(s.StaticConfigs[0].Targets) == 0 {
			t.Errorf("scrape config %+v", s)
		}
		// The API's listener answers /metrics to an analyst's or an
		// admin's key only (graph.MetricsRole).
		if s.JobName == "jamsostek-api" && (s.Authorization == nil || s.Authorization.Type != "Bearer" || s.Authorization.CredentialsFile == "") {
			t.Errorf("scrape config %s: no bearer credentials for the API's /metrics", s.JobName)
		}
	}
}

// scrapeJobs returns the job names of an example Prometheus configuration.
func scrapeJobs(t *testing.T, name string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile("../deploy/prometheus/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ScrapeConfigs []struct {
			JobName string `yaml:"job_name"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	jobs := map[string]bool{}
	for _, s := range cfg.ScrapeConfigs {
		jobs[s.JobName] = true
	}
	return jobs
}
