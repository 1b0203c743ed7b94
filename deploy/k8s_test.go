package deploy

import (
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/cilegon/jamsostek/auth"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/worker"
)

// manifests is the output of one kustomization, decoded into the API types.
type manifests struct {
	dir             string
	deployments     []*appsv1.Deployment
	services        []*corev1.Service
	configMaps      map[string]*corev1.ConfigMap
	serviceAccounts map[string]*corev1.ServiceAccount
	hpas            []*autoscalingv2.HorizontalPodAutoscaler
	pdbs            []*policyv1.PodDisruptionBudget
	netpols         []*networkingv1.NetworkPolicy
}

// kustomizations are the base and every overlay.
func kustomizations(t *testing.T) []string {
	t.Helper()
	dirs := []string{filepath.Join("k8s", "base")}
	overlays, err := os.ReadDir(filepath.Join("k8s", "overlays"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range overlays {
		if o.IsDir() {
			dirs = append(dirs, filepath.Join("k8s", "overlays", o.Name()))
		}
	}
	if len(dirs) < 3 {
		t.Fatalf("want a base and at least two overlays, got %v", dirs)
	}
	return dirs
}

// build runs kustomize on dir and decodes every object strictly (an unknown
// or misspelt field fails, so does a kind the deployment has no business
// with) into its API type.
func build(t *testing.T, dir string) *manifests {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	m := &manifests{dir: dir, configMaps: map[string]*corev1.ConfigMap{}, serviceAccounts: map[string]*corev1.ServiceAccount{}}
	for _, r := range res.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		gvk := r.GetApiVersion() + " " + r.GetKind()
		where := dir + ": " + gvk + " " + r.GetName()
		var obj interface{ GetName() string }
		switch gvk {
		case "apps/v1 Deployment":
			d := &appsv1.Deployment{}
			m.deployments, obj = append(m.deployments, d), d
		case "v1 Service":
			s := &corev1.Service{}
			m.services, obj = append(m.services, s), s
		case "v1 ConfigMap":
			c := &corev1.ConfigMap{}
			obj = c
			defer func() { m.configMaps[c.Name] = c }()
		case "v1 ServiceAccount":
			s := &corev1.ServiceAccount{}
			obj = s
			defer func() { m.serviceAccounts[s.Name] = s }()
		case "autoscaling/v2 HorizontalPodAutoscaler":
			h := &autoscalingv2.HorizontalPodAutoscaler{}
			m.hpas, obj = append(m.hpas, h), h
		case "policy/v1 PodDisruptionBudget":
			p := &policyv1.PodDisruptionBudget{}
			m.pdbs, obj = append(m.pdbs, p), p
		case "networking.k8s.io/v1 NetworkPolicy":
			n := &networkingv1.NetworkPolicy{}
			m.netpols, obj = append(m.netpols, n), n
		default:
			t.Errorf("%s: unexpected kind (a Secret must never be committed; other kinds need a decoder here)", where)
			continue
		}
		if err := yaml.UnmarshalStrict(y, obj); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	return m
}

// The components, by the label app.kubernetes.io/component.
const (
	componentLabel = "app.kubernetes.io/component"
	apiComponent   = "api"
	workerComp     = "worker"
)

func (m *manifests) deployment(t *testing.T, component string) *appsv1.Deployment {
	t.Helper()
	var found *appsv1.Deployment
	for _, d := range m.deployments {
		if d.Spec.Template.Labels[componentLabel] == component {
			if found != nil {
				t.Fatalf("%s: two Deployments of component %s", m.dir, component)
			}
			found = d
		}
	}
	if found == nil {
		t.Fatalf("%s: no Deployment of component %s", m.dir, component)
	}
	return found
}

// env is a container's environment as the kubelet gives it: envFrom's
// ConfigMaps and then env (which wins). A value from a Secret reads
// "secret:NAME/KEY".
func (m *manifests) env(t *testing.T, where string, c corev1.Container) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			cm, ok := m.configMaps[from.ConfigMapRef.Name]
			if !ok {
				t.Errorf("%s: envFrom ConfigMap %s is not in the manifests", where, from.ConfigMapRef.Name)
				continue
			}
			for k, v := range cm.Data {
				out[from.Prefix+k] = v
			}
		case from.SecretRef != nil:
			t.Errorf("%s: envFrom a whole Secret (%s): reference each key with secretKeyRef", where, from.SecretRef.Name)
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			out[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			checkSecretDocumented(t, where+" env "+e.Name, ref.Name, ref.Key)
			out[e.Name] = "secret:" + ref.Name + "/" + ref.Key
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			cm, ok := m.configMaps[ref.Name]
			if !ok {
				t.Errorf("%s: env %s: ConfigMap %s is not in the manifests", where, e.Name, ref.Name)
				continue
			}
			v, ok := cm.Data[ref.Key]
			if !ok {
				t.Errorf("%s: env %s: ConfigMap %s has no key %s", where, e.Name, ref.Name, ref.Key)
			}
			out[e.Name] = v
		default:
			out[e.Name] = ""
		}
	}
	for name := range out {
		checkEnvName(t, where, name)
	}
	return out
}

// secretNames are the variables whose values are secrets: they must come
// from a Secret, never from a ConfigMap or a literal.
var secretNames = []string{"MONGODB_URI", "JAMSOSTEK_ADMIN_KEY", "JAMSOSTEK_FEED_TOKEN", "JAMSOSTEK_JWT_HS256_SECRET"}

func TestKustomizations(t *testing.T) {
	for _, dir := range kustomizations(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m := build(t, dir)
			api := m.deployment(t, apiComponent)
			wrk := m.deployment(t, workerComp)
			for _, d := range m.deployments {
				checkPod(t, m, d)
			}
			apiEnv := checkAPI(t, m, api)
			checkWorker(t, m, wrk)
			checkConfigValues(t, m)
			checkService(t, m, api, wrk)
			checkHPAandPDB(t, m, api, wrk)
			checkNetworkPolicies(t, m, api, wrk, apiEnv)
			if filepath.Base(filepath.Dir(dir)) == "overlays" {
				checkOverlay(t, m)
			}
		})
	}
}

// checkPod: what every pod of the deployment must be.
func checkPod(t *testing.T, m *manifests, d *appsv1.Deployment) {
	where := m.dir + ": Deployment " + d.Name
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || sel.Empty() || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("%s: the selector %v does not select its own pods (%v)", where, d.Spec.Selector, err)
	}
	pod := d.Spec.Template.Spec
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: automountServiceAccountToken must be false", where)
	}
	if sa, ok := m.serviceAccounts[pod.ServiceAccountName]; !ok {
		t.Errorf("%s: ServiceAccount %q is not in the manifests", where, pod.ServiceAccountName)
	} else if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Errorf("%s: ServiceAccount %s must set automountServiceAccountToken: false", where, sa.Name)
	}
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("%s: the pod must run as a non-root user (runAsNonRoot, a non-zero runAsUser)", where)
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: the pod needs seccompProfile RuntimeDefault", where)
	}
	if len(pod.InitContainers) > 0 {
		t.Errorf("%s: init containers are not checked here: add them to the test", where)
	}
	mounts := map[string]bool{}
	for _, v := range pod.Volumes {
		mounts[v.Name] = true
		if v.HostPath != nil {
			t.Errorf("%s: volume %s is a hostPath", where, v.Name)
		}
	}
	if len(pod.Containers) != 1 {
		t.Errorf("%s: want one container, got %d", where, len(pod.Containers))
	}
	for _, c := range pod.Containers {
		cw := where + " container " + c.Name
		if !strings.Contains(c.Image, "jamsostek") {
			t.Errorf("%s: image %q is not jamsostek's", cw, c.Image)
		}
		if len(c.Command) > 0 && !slices.Equal(c.Command, []string{"/usr/local/bin/jamsostek"}) {
			t.Errorf("%s: command %v replaces the image's entrypoint", cw, c.Command)
		}
		checkCommand(t, cw, c.Args)
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, okReq := c.Resources.Requests[name]
			lim, okLim := c.Resources.Limits[name]
			switch {
			case !okReq || !okLim:
				t.Errorf("%s: needs a %s request and limit", cw, name)
			case req.Cmp(lim) > 0:
				t.Errorf("%s: %s request %s above its limit %s", cw, name, req.String(), lim.String())
			}
		}
		sc := c.SecurityContext
		switch {
		case sc == nil:
			t.Errorf("%s: no securityContext", cw)
		default:
			if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: allowPrivilegeEscalation must be false", cw)
			}
			if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s: readOnlyRootFilesystem must be true", cw)
			}
			if sc.Privileged != nil && *sc.Privileged {
				t.Errorf("%s: privileged", cw)
			}
			if sc.RunAsNonRoot != nil && !*sc.RunAsNonRoot || sc.RunAsUser != nil && *sc.RunAsUser == 0 {
				t.Errorf("%s: the container overrides the pod's non-root user", cw)
			}
			if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
				t.Errorf("%s: capabilities must drop ALL and add none", cw)
			}
		}
		for _, vm := range c.VolumeMounts {
			if !mounts[vm.Name] {
				t.Errorf("%s: mounts volume %s, which the pod does not have", cw, vm.Name)
			}
		}
		env := m.env(t, cw, c)
		pprofOff(t, cw, env, c.Args)
		for _, name := range secretNames {
			if v, ok := env[name]; ok && !strings.HasPrefix(v, "secret:") {
				t.Errorf("%s: %s must come from a Secret (secretKeyRef), not a literal or a ConfigMap", cw, name)
			}
		}
		// One process per embedded engine: pods always need a MongoDB.
		if !strings.HasPrefix(env["MONGODB_URI"], "secret:") {
			t.Errorf("%s: MONGODB_URI must be set from a Secret (the embedded engine serves one process only)", cw)
		}
	}
}

// checkAPI: serve, its port, its probes; no feed (the worker syncs).
// exportTmpBytes is the most temporary files one export leaves in /tmp
// while it is built: an XLSX of the 200,000 rows it may hold, about 48
// columns, measured at 64 MB for 40,000 rows of 40 columns.
const exportTmpBytes = 448 << 20

func checkAPI(t *testing.T, m *manifests, d *appsv1.Deployment) map[string]string {
	where := m.dir + ": API Deployment " + d.Name
	c := d.Spec.Template.Spec.Containers[0]
	if len(c.Args) == 0 || c.Args[0] != "serve" {
		t.Errorf("%s: the API runs `jamsostek serve`, got args %v", where, c.Args)
	}
	// The exports (graph/exports.go) spool files and excelize's temporary
	// files to /tmp: an emptyDir past its sizeLimit gets the pod evicted.
	var tmp *resource.Quantity
	for _, v := range d.Spec.Template.Spec.Volumes {
		for _, vm := range c.VolumeMounts {
			if vm.Name == v.Name && vm.MountPath == "/tmp" && v.EmptyDir != nil {
				tmp = v.EmptyDir.SizeLimit
			}
		}
	}
	if need := resource.NewQuantity(graph.DefaultExportConcurrency*exportTmpBytes, resource.BinarySI); tmp == nil || tmp.Cmp(*need) < 0 {
		t.Errorf("%s: /tmp is an emptyDir of %v: the exports need %s (%d at once, each up to %d MiB of temporary files)", where, tmp, need, graph.DefaultExportConcurrency, exportTmpBytes>>20)
	}
	env := m.env(t, where, c)
	for _, name := range []string{"JAMSOSTEK_FEED_BASE_URL", "JAMSOSTEK_FEEDS_CONFIG"} {
		if _, ok := env[name]; ok {
			t.Errorf("%s: %s is set: the API does not pull the feeds (the worker Deployment does)", where, name)
		}
	}
	if on, err := strconv.ParseBool(env["JAMSOSTEK_WORKER"]); err != nil || on {
		t.Errorf("%s: JAMSOSTEK_WORKER=%q: the API runs serve without the sync worker (JAMSOSTEK_WORKER=false); the worker Deployment runs it", where, env["JAMSOSTEK_WORKER"])
	}
	if env["JAMSOSTEK_OPS_ADDR"] != "" {
		opsPort(t, where, env, c)
	}
	addr := env["JAMSOSTEK_ADDR"]
	if addr == "" {
		addr = binaryFacts(t).env["JAMSOSTEK_ADDR"]
	}
	_, p, err := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	if err != nil || port == 0 {
		t.Fatalf("%s: JAMSOSTEK_ADDR %q: no port", where, addr)
	}
	var named string
	for _, cp := range c.Ports {
		if int(cp.ContainerPort) == port {
			named = cp.Name
		}
	}
	if named == "" {
		t.Errorf("%s: no container port %d (JAMSOSTEK_ADDR %s)", where, port, addr)
	}
	probe := func(kind string, p *corev1.Probe, path string) { checkProbe(t, where, kind, p, path, named, port) }
	if a := d.Spec.Template.Annotations; a["prometheus.io/scrape"] == "true" && a["prometheus.io/port"] != strconv.Itoa(port) {
		t.Errorf("%s: Prometheus would scrape port %s; /metrics is on the API's port %d", where, a["prometheus.io/port"], port)
	}
	for _, tsc := range d.Spec.Template.Spec.TopologySpreadConstraints {
		if !selects(t, tsc.LabelSelector, d) {
			t.Errorf("%s: a topology spread constraint does not select the API pods", where)
		}
	}
	probe("readiness", c.ReadinessProbe, "/readyz")
	probe("liveness", c.LivenessProbe, "/healthz")
	if c.StartupProbe != nil {
		probe("startup", c.StartupProbe, "/healthz")
	}
	return env
}

// checkProbe: an HTTP probe on path, on the port (by its name or number).
func checkProbe(t *testing.T, where, kind string, p *corev1.Probe, path, portName string, port int) {
	t.Helper()
	switch {
	case p == nil || p.HTTPGet == nil:
		t.Errorf("%s: needs an HTTP %s probe on %s", where, kind, path)
	case p.HTTPGet.Path != path:
		t.Errorf("%s: %s probe on %s, want %s", where, kind, p.HTTPGet.Path, path)
	case !(p.HTTPGet.Port.Type == intstr.String && p.HTTPGet.Port.StrVal == portName && portName != "" ||
		p.HTTPGet.Port.Type == intstr.Int && int(p.HTTPGet.Port.IntVal) == port):
		t.Errorf("%s: %s probe on port %s, the listener of %s is on %d", where, kind, p.HTTPGet.Port.String(), path, port)
	}
}

// opsPort returns the port of the operators' listener (JAMSOSTEK_OPS_ADDR)
// and the name the container gives it, failing unless the container
// declares it with a name (Prometheus finds it by that name).
func opsPort(t *testing.T, where string, env map[string]string, c corev1.Container) (int, string) {
	t.Helper()
	addr := env["JAMSOSTEK_OPS_ADDR"]
	_, p, err := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	if err != nil || port == 0 {
		t.Errorf("%s: JAMSOSTEK_OPS_ADDR %q: want :PORT (the probes and the metrics are there)", where, addr)
		return 0, ""
	}
	if host, _, _ := net.SplitHostPort(addr); host == "127.0.0.1" || host == "localhost" || host == "::1" {
		t.Errorf("%s: JAMSOSTEK_OPS_ADDR %q is loopback: neither the kubelet's probes nor Prometheus reach it", where, addr)
	}
	for _, cp := range c.Ports {
		if int(cp.ContainerPort) == port {
			if cp.Name != opsPortName {
				t.Errorf("%s: the operators' port %d is named %q, want %q (Prometheus's pod discovery keeps that name)", where, port, cp.Name, opsPortName)
			}
			return port, cp.Name
		}
	}
	t.Errorf("%s: no container port %d (JAMSOSTEK_OPS_ADDR %s)", where, port, addr)
	return port, ""
}

// opsPortName is the name of the operators' port in every container.
const opsPortName = "ops"

// checkWorker: worker with a feed and no API; its probes and metrics on the
// operators' listener.
func checkWorker(t *testing.T, m *manifests, d *appsv1.Deployment) {
	where := m.dir + ": worker Deployment " + d.Name
	c := d.Spec.Template.Spec.Containers[0]
	if len(c.Args) == 0 || c.Args[0] != "worker" {
		t.Errorf("%s: runs `jamsostek worker`, got args %v", where, c.Args)
	}
	env := m.env(t, where, c)
	if env["JAMSOSTEK_FEED_BASE_URL"] == "" && env["JAMSOSTEK_FEEDS_CONFIG"] == "" {
		t.Errorf("%s: neither JAMSOSTEK_FEED_BASE_URL nor JAMSOSTEK_FEEDS_CONFIG: the worker would sync nothing", where)
	}
	if env["JAMSOSTEK_OPS_ADDR"] == "" {
		t.Errorf("%s: no JAMSOSTEK_OPS_ADDR: the worker's probes and metrics are on the operators' listener", where)
	} else {
		port, named := opsPort(t, where, env, c)
		checkProbe(t, where, "readiness", c.ReadinessProbe, "/readyz", named, port)
		checkProbe(t, where, "liveness", c.LivenessProbe, "/healthz", named, port)
		if c.StartupProbe != nil {
			checkProbe(t, where, "startup", c.StartupProbe, "/healthz", named, port)
		}
		for _, cp := range c.Ports {
			if int(cp.ContainerPort) != port {
				t.Errorf("%s: declares port %d (%s); the worker serves only its operators' port %d", where, cp.ContainerPort, cp.Name, port)
			}
		}
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 1 {
		t.Errorf("%s: replicas must be set and at least 1 (leases make more than one safe)", where)
	}
	grace := int64(30)
	if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = *g
	}
	stop, err := time.ParseDuration(env["JAMSOSTEK_STOP_GRACE"])
	if err != nil {
		stop, _ = time.ParseDuration(binaryFacts(t).env["JAMSOSTEK_STOP_GRACE"])
	}
	// a running sync gets the stop grace, then the store closes (15 s)
	if time.Duration(grace)*time.Second < stop+15*time.Second {
		t.Errorf("%s: terminationGracePeriodSeconds %d is shorter than JAMSOSTEK_STOP_GRACE %s + 15 s", where, grace, stop)
	}
}

// checkConfigValues parses the ConfigMaps' values with the binary's own
// parsers: a value the binary would refuse at start fails here.
func checkConfigValues(t *testing.T, m *manifests) {
	for _, cm := range m.configMaps {
		for k, v := range cm.Data {
			where := m.dir + ": ConfigMap " + cm.Name + " " + k + "=" + v
			checkEnvName(t, where, k)
			if slices.Contains(secretNames, k) {
				t.Errorf("%s: a secret in a ConfigMap", where)
			}
			var err error
			switch k {
			case "JAMSOSTEK_RATE_LIMIT":
				_, err = graph.ParseRateLimit(v)
			case "JAMSOSTEK_CORS_ORIGINS":
				_, err = graph.ParseCORSOrigins(v)
			case "JAMSOSTEK_TRUSTED_PROXIES":
				_, err = graph.ParseTrustedProxies(v)
			case "JAMSOSTEK_SYNC_SCHEDULE":
				_, err = worker.ParseSchedule(v)
			case "JAMSOSTEK_LEASE_TTL", "JAMSOSTEK_STOP_GRACE", "JAMSOSTEK_KEY_CACHE_TTL", "JAMSOSTEK_REQUEST_TIMEOUT":
				// the ranges config.go's checkRanges and parseConfig enforce
				limits := map[string][2]time.Duration{
					"JAMSOSTEK_LEASE_TTL":       {300 * time.Millisecond, 24 * time.Hour},
					"JAMSOSTEK_STOP_GRACE":      {0, time.Hour},
					"JAMSOSTEK_KEY_CACHE_TTL":   {0, auth.MaxKeyCacheTTL},
					"JAMSOSTEK_REQUEST_TIMEOUT": {time.Second, 1 << 62},
				}[k]
				var d time.Duration
				if d, err = time.ParseDuration(v); err == nil && (d < limits[0] || d > limits[1]) {
					t.Errorf("%s: out of the range jamsostek accepts, %s to %s", where, limits[0], limits[1])
				}
			case "JAMSOSTEK_FEED_PAGE_SIZE", "JAMSOSTEK_STORE_CALLS_PER_REQUEST", "JAMSOSTEK_MAX_RESPONSE_MIB":
				limit := map[string]int{"JAMSOSTEK_FEED_PAGE_SIZE": 5000, "JAMSOSTEK_STORE_CALLS_PER_REQUEST": 64, "JAMSOSTEK_MAX_RESPONSE_MIB": 1024}[k]
				var n int
				if n, err = strconv.Atoi(v); err == nil && (n < 1 || n > limit) {
					t.Errorf("%s: out of the range jamsostek accepts, 1 to %d", where, limit)
				}
			case "JAMSOSTEK_LOG_FORMAT":
				if v != "text" && v != "json" {
					t.Errorf("%s: want text or json", where)
				}
			case "JAMSOSTEK_LOG_LEVEL":
				var l slog.Level
				err = l.UnmarshalText([]byte(v))
			case "JAMSOSTEK_AUDIT_RETENTION":
				if d, ok := strings.CutSuffix(v, "d"); !ok {
					_, err = time.ParseDuration(v)
				} else if n, e := strconv.Atoi(d); e != nil || n < 1 {
					t.Errorf("%s: want days (400d) or a duration", where)
				}
			case "JAMSOSTEK_ADDR", "JAMSOSTEK_OPS_ADDR":
				_, _, err = net.SplitHostPort(v)
			case "JAMSOSTEK_FEED_BASE_URL":
				var u *url.URL
				if u, err = url.Parse(v); err == nil && (u.Scheme != "https" && u.Scheme != "http" || u.Host == "") {
					t.Errorf("%s: not an http(s) URL", where)
				}
			case "JAMSOSTEK_PRESET":
				if v != "development" && v != "production" {
					t.Errorf("%s: want development or production", where)
				}
				if cors, ok := cm.Data["JAMSOSTEK_CORS_ORIGINS"]; v == "production" && (!ok || strings.TrimSpace(cors) == "" || cors == "*") {
					t.Errorf("%s: the production preset needs JAMSOSTEK_CORS_ORIGINS in the same ConfigMap, not *", where)
				}
			}
			if err != nil {
				t.Errorf("%s: %v", where, err)
			}
		}
	}
}

func selects(t *testing.T, ls *metav1.LabelSelector, d *appsv1.Deployment) bool {
	t.Helper()
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		t.Errorf("selector %v: %v", ls, err)
		return false
	}
	return !sel.Empty() && sel.Matches(labels.Set(d.Spec.Template.Labels))
}

// checkService: a Service routes to the API pods' named port only.
func checkService(t *testing.T, m *manifests, api, wrk *appsv1.Deployment) {
	if len(m.services) != 1 {
		t.Fatalf("%s: want one Service (the API's), got %d", m.dir, len(m.services))
	}
	s := m.services[0]
	where := m.dir + ": Service " + s.Name
	ls := &metav1.LabelSelector{MatchLabels: s.Spec.Selector}
	if !selects(t, ls, api) || selects(t, ls, wrk) {
		t.Errorf("%s: selector %v must select the API pods and not the worker's", where, s.Spec.Selector)
	}
	c := api.Spec.Template.Spec.Containers[0]
	for _, p := range s.Spec.Ports {
		ok := false
		for _, cp := range c.Ports {
			if p.TargetPort.Type == intstr.String && p.TargetPort.StrVal == cp.Name || p.TargetPort.Type == intstr.Int && p.TargetPort.IntVal == cp.ContainerPort {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: targetPort %s is not a port of the API container", where, p.TargetPort.String())
		}
	}
}

// checkHPAandPDB: the HPA scales the API Deployment (which leaves its
// replica count to it); the PDB guards the API pods and lets a drain proceed.
func checkHPAandPDB(t *testing.T, m *manifests, api, wrk *appsv1.Deployment) {
	if len(m.hpas) != 1 || len(m.pdbs) != 1 {
		t.Fatalf("%s: want one HPA and one PDB, got %d and %d", m.dir, len(m.hpas), len(m.pdbs))
	}
	h := m.hpas[0]
	where := m.dir + ": HPA " + h.Name
	ref := h.Spec.ScaleTargetRef
	if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != api.Name {
		t.Errorf("%s: targets %s %s %s, want the API Deployment %s", where, ref.APIVersion, ref.Kind, ref.Name, api.Name)
	}
	minR := int32(1)
	if h.Spec.MinReplicas != nil {
		minR = *h.Spec.MinReplicas
	}
	if minR < 2 || h.Spec.MaxReplicas < minR {
		t.Errorf("%s: min %d max %d: want at least 2 (a drain or a rollout keeps one serving) and max >= min", where, minR, h.Spec.MaxReplicas)
	}
	if api.Spec.Replicas != nil {
		t.Errorf("%s: the API Deployment sets replicas (%d): each apply would fight the HPA", where, *api.Spec.Replicas)
	}
	for _, metric := range h.Spec.Metrics {
		if metric.Type == autoscalingv2.ResourceMetricSourceType && metric.Resource != nil {
			if _, ok := api.Spec.Template.Spec.Containers[0].Resources.Requests[metric.Resource.Name]; !ok {
				t.Errorf("%s: scales on %s utilisation, which the API container does not request", where, metric.Resource.Name)
			}
		}
	}
	if len(h.Spec.Metrics) == 0 {
		t.Errorf("%s: no metrics", where)
	}
	p := m.pdbs[0]
	where = m.dir + ": PDB " + p.Name
	if !selects(t, p.Spec.Selector, api) || selects(t, p.Spec.Selector, wrk) {
		t.Errorf("%s: selector must match the API pods only", where)
	}
	switch {
	case p.Spec.MinAvailable != nil && p.Spec.MinAvailable.Type == intstr.Int:
		if p.Spec.MinAvailable.IntVal < 1 || p.Spec.MinAvailable.IntVal >= minR {
			t.Errorf("%s: minAvailable %d with HPA minReplicas %d: want 1 <= minAvailable < minReplicas (else a drain blocks)", where, p.Spec.MinAvailable.IntVal, minR)
		}
	case p.Spec.MaxUnavailable != nil:
	default:
		t.Errorf("%s: set minAvailable (a number) or maxUnavailable", where)
	}
}

// checkNetworkPolicies: the API takes connections on its port only; the
// worker takes none; both reach DNS and MongoDB, the worker its feeds' port.
func checkNetworkPolicies(t *testing.T, m *manifests, api, wrk *appsv1.Deployment, apiEnv map[string]string) {
	find := func(d *appsv1.Deployment) *networkingv1.NetworkPolicy {
		var found *networkingv1.NetworkPolicy
		for _, n := range m.netpols {
			if selects(t, &n.Spec.PodSelector, d) {
				if found != nil {
					t.Errorf("%s: two NetworkPolicies select %s; this test reads one", m.dir, d.Name)
				}
				found = n
			}
		}
		if found == nil {
			t.Fatalf("%s: no NetworkPolicy selects %s", m.dir, d.Name)
		}
		where := m.dir + ": NetworkPolicy " + found.Name
		if !slices.Contains(found.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) || !slices.Contains(found.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
			t.Errorf("%s: policyTypes must hold Ingress and Egress", where)
		}
		return found
	}
	egressPorts := func(n *networkingv1.NetworkPolicy) map[string]bool {
		out := map[string]bool{}
		for _, r := range n.Spec.Egress {
			if len(r.Ports) == 0 {
				t.Errorf("%s: NetworkPolicy %s: an egress rule without ports allows everything", m.dir, n.Name)
			}
			for _, p := range r.Ports {
				proto := corev1.ProtocolTCP
				if p.Protocol != nil {
					proto = *p.Protocol
				}
				out[string(proto)+"/"+p.Port.String()] = true
			}
		}
		return out
	}
	_, apiPort, _ := net.SplitHostPort(apiEnv["JAMSOSTEK_ADDR"])
	np := find(api)
	apiOps := opsPorts(apiEnv)
	admitted := checkIngress(t, m.dir, np, []string{apiPort, "http"}, apiOps)
	if !admitted[apiPort] {
		t.Errorf("%s: NetworkPolicy %s does not admit the API's port %s", m.dir, np.Name, apiPort)
	}
	if len(apiOps) > 0 && !admitted[apiOps[0]] {
		t.Errorf("%s: NetworkPolicy %s does not admit the API's operators' port %s: Prometheus cannot scrape it", m.dir, np.Name, apiOps[0])
	}
	wenv := m.env(t, m.dir+": worker", wrk.Spec.Template.Spec.Containers[0])
	wn := find(wrk)
	wOps := opsPorts(wenv)
	if wAdmitted := checkIngress(t, m.dir, wn, nil, wOps); len(wOps) > 0 && !wAdmitted[wOps[0]] {
		t.Errorf("%s: NetworkPolicy %s does not admit the worker's operators' port %s: Prometheus cannot scrape it", m.dir, wn.Name, wOps[0])
	}
	mongo := "TCP/27017"
	for _, n := range []*networkingv1.NetworkPolicy{np, find(wrk)} {
		ports := egressPorts(n)
		for _, want := range []string{"UDP/53", "TCP/53", mongo} {
			if !ports[want] {
				t.Errorf("%s: NetworkPolicy %s: no egress to %s (DNS, MongoDB)", m.dir, n.Name, want)
			}
		}
	}
	if feed := wenv["JAMSOSTEK_FEED_BASE_URL"]; feed != "" {
		u, err := url.Parse(feed)
		if err == nil {
			port := u.Port()
			if port == "" {
				port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
			}
			if !egressPorts(wn)["TCP/"+port] {
				t.Errorf("%s: NetworkPolicy %s: no egress to the feeds' port %s (%s)", m.dir, wn.Name, port, feed)
			}
		}
	}
}

// opsPorts are the number and the name of the operators' port of a
// container's environment; none without JAMSOSTEK_OPS_ADDR.
func opsPorts(env map[string]string) []string {
	_, p, err := net.SplitHostPort(env["JAMSOSTEK_OPS_ADDR"])
	if err != nil || p == "" || p == "0" {
		return nil
	}
	return []string{p, opsPortName}
}

// checkIngress checks a NetworkPolicy's ingress rules: each names its
// ports; a port of open may be admitted from anywhere; the operators' port
// (ops: number and name), which asks for no key, only from a namespace
// chosen by label (the monitoring namespace), never from everywhere, an
// address block or every namespace; no other port. It returns the ports
// admitted (as numbers when known).
func checkIngress(t *testing.T, dir string, n *networkingv1.NetworkPolicy, open, ops []string) map[string]bool {
	t.Helper()
	where := dir + ": NetworkPolicy " + n.Name
	admitted := map[string]bool{}
	for i, r := range n.Spec.Ingress {
		rw := where + " ingress rule " + strconv.Itoa(i+1)
		if len(r.Ports) == 0 {
			t.Errorf("%s: an ingress rule without ports admits every port", rw)
		}
		for _, p := range r.Ports {
			if p.Port == nil || p.EndPort != nil {
				t.Errorf("%s: admits every port or a range (%v): name each port", rw, p)
				continue
			}
			port := p.Port.String()
			switch {
			case slices.Contains(open, port):
				admitted[open[0]] = true
			case slices.Contains(ops, port):
				admitted[ops[0]] = true
				if len(r.From) == 0 {
					t.Errorf("%s: admits the operators' port %s (no key: metrics, probes) from everywhere; admit it from the monitoring namespace only", rw, port)
				}
				for _, peer := range r.From {
					ns := peer.NamespaceSelector
					if peer.IPBlock != nil || ns == nil || len(ns.MatchLabels)+len(ns.MatchExpressions) == 0 {
						t.Errorf("%s: admits the operators' port %s from %v: want a namespaceSelector naming the monitoring namespace", rw, port, peer)
					}
				}
			default:
				t.Errorf("%s: admits port %s; want only %q and the operators' port %q", rw, port, open, ops)
			}
		}
	}
	return admitted
}

// checkOverlay: an overlay names its namespace and an image of a registry
// with a tag, and keeps the secrets to references (checked with the pods).
func checkOverlay(t *testing.T, m *manifests) {
	for _, d := range m.deployments {
		where := m.dir + ": Deployment " + d.Name
		if d.Namespace == "" {
			t.Errorf("%s: no namespace", where)
		}
		img := d.Spec.Template.Spec.Containers[0].Image
		name, tag, ok := strings.Cut(img[strings.LastIndex(img, "/")+1:], ":")
		if !strings.Contains(img, "/") || !ok || tag == "" || tag == "latest" || tag == "dev" || name != "jamsostek" {
			t.Errorf("%s: image %q: want REGISTRY/jamsostek:TAG, a tag that names a release", where, img)
		}
	}
}

// TestSecretExample decodes the example Secrets strictly and checks that
// they have every key the base references, and that no kustomization
// includes the file.
func TestSecretExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("k8s", "secret.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, doc := range strings.Split(string(b), "\n---\n") {
		var s corev1.Secret
		if err := yaml.UnmarshalStrict([]byte(doc), &s); err != nil {
			t.Fatal(err)
		}
		if s.Kind != "Secret" || s.APIVersion != "v1" {
			t.Errorf("secret.example.yaml: %s %s, want v1 Secret", s.APIVersion, s.Kind)
		}
		for k, v := range s.StringData {
			keys[s.Name+"/"+k] = true
			if !strings.Contains(v, "REPLACE") && !strings.Contains(v, "PASSWORD") {
				t.Errorf("secret.example.yaml: %s/%s holds what may be a real value", s.Name, k)
			}
		}
	}
	m := build(t, filepath.Join("k8s", "base"))
	for _, d := range m.deployments {
		for _, e := range d.Spec.Template.Spec.Containers[0].Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				if ref := e.ValueFrom.SecretKeyRef; !keys[ref.Name+"/"+ref.Key] {
					t.Errorf("secret.example.yaml lacks %s/%s (referenced by %s)", ref.Name, ref.Key, d.Name)
				}
			}
		}
	}
	for _, dir := range kustomizations(t) {
		k, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var kust struct {
			Resources []string `json:"resources"`
		}
		if err := yaml.Unmarshal(k, &kust); err != nil {
			t.Fatal(err)
		}
		for _, r := range kust.Resources {
			if strings.Contains(r, "secret") {
				t.Errorf("%s includes %s: Secrets are created by the operator, not applied from the repository", dir, r)
			}
		}
	}
}

// TestDocsNameEveryOverlay: docs/deployment.md says how to apply each.
func TestDocsNameEveryOverlay(t *testing.T) {
	doc := readDoc(t)
	for _, dir := range kustomizations(t)[1:] {
		cmd := "kubectl apply -k deploy/" + filepath.ToSlash(dir)
		if !strings.Contains(doc, cmd) {
			t.Errorf("docs/deployment.md does not say %q", cmd)
		}
	}
}
