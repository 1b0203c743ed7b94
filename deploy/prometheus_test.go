package deploy

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"
)

// promConfig is the part of Prometheus's configuration format these files
// use; strict decoding refuses any other field (a misspelt one above all).
type promConfig struct {
	Global struct {
		ScrapeInterval     string `json:"scrape_interval"`
		EvaluationInterval string `json:"evaluation_interval"`
	} `json:"global"`
	RuleFiles     []string `json:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `json:"job_name"`
		MetricsPath   string `json:"metrics_path"`
		Authorization *struct {
			Type            string `json:"type"`
			CredentialsFile string `json:"credentials_file"`
		} `json:"authorization"`
		StaticConfigs []struct {
			Targets []string `json:"targets"`
		} `json:"static_configs"`
		KubernetesSDConfigs []struct {
			Role       string `json:"role"`
			Namespaces *struct {
				Names []string `json:"names"`
			} `json:"namespaces"`
		} `json:"kubernetes_sd_configs"`
		RelabelConfigs []struct {
			SourceLabels []string `json:"source_labels"`
			Separator    *string  `json:"separator"`
			Regex        string   `json:"regex"`
			Action       string   `json:"action"`
			TargetLabel  string   `json:"target_label"`
			Replacement  string   `json:"replacement"`
		} `json:"relabel_configs"`
	} `json:"scrape_configs"`
}

func readPromConfig(t *testing.T, name string) *promConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("prometheus", name))
	if err != nil {
		t.Fatal(err)
	}
	var c promConfig
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		t.Fatalf("prometheus/%s: %v", name, err)
	}
	if len(c.RuleFiles) != 1 || c.RuleFiles[0] != "alerts.yml" {
		t.Errorf("prometheus/%s: rule_files %v, want [alerts.yml]", name, c.RuleFiles)
	}
	return &c
}

// promLabel is the label Prometheus's Kubernetes discovery gives a pod
// label: __meta_kubernetes_pod_label_ and the name with every character
// other than a letter, a digit or _ replaced by _.
func promLabel(name string) string {
	return "__meta_kubernetes_pod_label_" + regexp.MustCompile(`[^a-zA-Z0-9_]`).ReplaceAllString(name, "_")
}

// kept runs a job's relabelling's keep and drop actions (the others do not
// select targets) on the target Prometheus discovers for one container
// port of a Deployment's pod, and reports whether it is scraped.
func kept(t *testing.T, job string, rules []struct {
	SourceLabels []string `json:"source_labels"`
	Separator    *string  `json:"separator"`
	Regex        string   `json:"regex"`
	Action       string   `json:"action"`
	TargetLabel  string   `json:"target_label"`
	Replacement  string   `json:"replacement"`
}, d *appsv1.Deployment, namespace, portName string) bool {
	t.Helper()
	labels := map[string]string{
		"__meta_kubernetes_namespace":               namespace,
		"__meta_kubernetes_pod_container_port_name": portName,
		"__meta_kubernetes_pod_container_name":      d.Spec.Template.Spec.Containers[0].Name,
	}
	for k, v := range d.Spec.Template.Labels {
		labels[promLabel(k)] = v
	}
	for _, r := range rules {
		if r.Action != "keep" && r.Action != "drop" {
			continue
		}
		sep := ";"
		if r.Separator != nil {
			sep = *r.Separator
		}
		var vals []string
		for _, l := range r.SourceLabels {
			if !strings.HasPrefix(l, "__meta_kubernetes_") {
				t.Errorf("job %s: keeps or drops on %s, which pod discovery does not give", job, l)
			}
			vals = append(vals, labels[l])
		}
		regex := r.Regex
		if regex == "" {
			regex = "(.*)"
		}
		re, err := regexp.Compile("^(?:" + regex + ")$")
		if err != nil {
			t.Errorf("job %s: regex %q: %v", job, r.Regex, err)
			return false
		}
		if re.MatchString(strings.Join(vals, sep)) != (r.Action == "keep") {
			return false
		}
	}
	return true
}

// TestPrometheusKubernetes: prometheus-kubernetes.yml finds, in every
// overlay's namespace, each component's pods by their labels and scrapes
// them on the operators' port and nothing else (not the API's port, whose
// /metrics needs a key; not the other component's pods).
func TestPrometheusKubernetes(t *testing.T) {
	c := readPromConfig(t, "prometheus-kubernetes.yml")
	jobs := map[string]int{}
	for i, s := range c.ScrapeConfigs {
		jobs[s.JobName] = i
		if s.MetricsPath != "/metrics" || len(s.StaticConfigs) > 0 || len(s.KubernetesSDConfigs) != 1 || s.KubernetesSDConfigs[0].Role != "pod" {
			t.Errorf("job %s: want /metrics from Kubernetes pod discovery only", s.JobName)
		}
		if s.Authorization != nil {
			t.Errorf("job %s: sends credentials to the operators' port, which needs none", s.JobName)
		}
	}
	for _, dir := range kustomizations(t)[1:] {
		m := build(t, dir)
		for _, comp := range []string{apiComponent, workerComp} {
			d := m.deployment(t, comp)
			job := "jamsostek-" + comp
			i, ok := jobs[job]
			if !ok {
				t.Fatalf("prometheus-kubernetes.yml has no job %s", job)
			}
			sc := c.ScrapeConfigs[i]
			if ns := sc.KubernetesSDConfigs[0].Namespaces; ns != nil && !slices.Contains(ns.Names, d.Namespace) {
				t.Errorf("job %s: namespaces %v lack %s's %s", job, ns.Names, dir, d.Namespace)
			}
			ctr := d.Spec.Template.Spec.Containers[0]
			env := m.env(t, dir, ctr)
			ops := opsPorts(env)
			if len(ops) == 0 {
				t.Errorf("%s: %s has no operators' listener for job %s to scrape", dir, d.Name, job)
				continue
			}
			scraped := 0
			for _, p := range ctr.Ports {
				k := kept(t, job, sc.RelabelConfigs, d, d.Namespace, p.Name)
				if k {
					scraped++
				}
				if isOps := p.Name == opsPortName; k != isOps {
					t.Errorf("%s: job %s scrapes %s's port %s (%d): %t, want %t (the operators' port only)", dir, job, d.Name, p.Name, p.ContainerPort, k, isOps)
				}
			}
			if scraped != 1 {
				t.Errorf("%s: job %s scrapes %d ports of %s, want its operators' port", dir, job, scraped, d.Name)
			}
			other := m.deployment(t, map[string]string{apiComponent: workerComp, workerComp: apiComponent}[comp])
			for _, p := range other.Spec.Template.Spec.Containers[0].Ports {
				if kept(t, job, sc.RelabelConfigs, other, other.Namespace, p.Name) {
					t.Errorf("%s: job %s also scrapes %s (port %s)", dir, job, other.Name, p.Name)
				}
			}
		}
	}
}

// TestPrometheusCompose: prometheus.yml's static targets are the compose
// services on the ports they listen on: the API's port with a key, the
// worker's operators' port (which is not published).
func TestPrometheusCompose(t *testing.T) {
	c := readPromConfig(t, "prometheus.yml")
	p, err := loadCompose(t, exampleEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	api, wrk := p.Services["api"], p.Services["worker"]
	_, apiPort, _ := net.SplitHostPort(derefOr(api.Environment["JAMSOSTEK_ADDR"], binaryFacts(t).env["JAMSOSTEK_ADDR"]))
	want["jamsostek-api"] = "api:" + apiPort
	if _, opsPort, err := net.SplitHostPort(derefOr(wrk.Environment["JAMSOSTEK_OPS_ADDR"], "")); err == nil && opsPort != "" {
		want["jamsostek-worker"] = "worker:" + opsPort
	} else {
		t.Errorf("compose worker: no JAMSOSTEK_OPS_ADDR: Prometheus cannot scrape it")
	}
	for _, s := range c.ScrapeConfigs {
		var targets []string
		for _, sc := range s.StaticConfigs {
			targets = append(targets, sc.Targets...)
		}
		w, ok := want[s.JobName]
		if !ok {
			t.Errorf("prometheus.yml: job %s is not one of %v", s.JobName, want)
			continue
		}
		delete(want, s.JobName)
		if s.MetricsPath != "/metrics" || !slices.Equal(targets, []string{w}) {
			t.Errorf("prometheus.yml: job %s scrapes %s %v, want /metrics on %s", s.JobName, s.MetricsPath, targets, w)
		}
		// On the API's listener /metrics needs an analyst's or an admin's key.
		if keyed := s.Authorization != nil && s.Authorization.Type == "Bearer" && s.Authorization.CredentialsFile != ""; keyed != (s.JobName == "jamsostek-api") {
			t.Errorf("prometheus.yml: job %s sends a key: %t; only the API's port needs one", s.JobName, keyed)
		}
	}
	for job := range want {
		t.Errorf("prometheus.yml: no job %s", job)
	}
}
