package deploy

import (
	"context"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
)

var composeDir = filepath.Join("compose")

// loadCompose loads compose.yaml with compose-go as `docker compose` does
// (schema validation, interpolation, consistency), with env as the
// environment and no .env file.
func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	po, err := cli.NewProjectOptions([]string{filepath.Join(composeDir, "compose.yaml")},
		cli.WithWorkingDirectory(composeDir), cli.WithEnv(list))
	if err != nil {
		t.Fatal(err)
	}
	return po.LoadProject(context.Background())
}

func exampleEnv(t *testing.T) map[string]string {
	t.Helper()
	env, err := dotenv.Read(filepath.Join(composeDir, "env.example"))
	if err != nil {
		t.Fatal(err)
	}
	for k := range env {
		checkEnvName(t, "compose/env.example", k)
	}
	return env
}

func TestCompose(t *testing.T) {
	env := exampleEnv(t)
	p, err := loadCompose(t, env)
	if err != nil {
		t.Fatalf("compose.yaml with env.example: %v", err)
	}
	// Without the secrets, compose refuses to start (${VAR:?...}).
	for _, secret := range []string{"JAMSOSTEK_ADMIN_KEY", "JAMSOSTEK_FEED_TOKEN"} {
		without := map[string]string{}
		for k, v := range env {
			if k != secret {
				without[k] = v
			}
		}
		if _, err := loadCompose(t, without); err == nil || !strings.Contains(err.Error(), secret) {
			t.Errorf("compose.yaml loads without %s (err %v): it must require it", secret, err)
		}
	}
	// The secrets are interpolated, never written in the file.
	po, err := cli.NewProjectOptions([]string{filepath.Join(composeDir, "compose.yaml")},
		cli.WithWorkingDirectory(composeDir), cli.WithInterpolation(false))
	if err != nil {
		t.Fatal(err)
	}
	model, err := po.LoadModel(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	services, _ := model["services"].(map[string]any)
	for name, s := range services {
		env, _ := s.(map[string]any)["environment"].(map[string]any)
		for k, v := range env {
			if s, _ := v.(string); slices.Contains(secretNames, k) && k != "MONGODB_URI" && !strings.HasPrefix(s, "${"+k+":?") {
				t.Errorf("service %s: %s must be ${%s:?...} (from .env), not a value in the file", name, k, k)
			}
		}
	}
	if len(services) == 0 {
		t.Error("compose.yaml's raw model has no services")
	}

	svc := func(name string) types.ServiceConfig {
		s, ok := p.Services[name]
		if !ok {
			t.Fatalf("compose.yaml has no service %s", name)
		}
		return s
	}
	// The replica set: three members of one set, each with a healthcheck.
	var members []string
	set := ""
	for name, s := range p.Services {
		if !strings.HasPrefix(s.Image, "mongo:") || s.Build != nil {
			continue
		}
		i := slices.Index(s.Command, "--replSet")
		if i < 0 {
			continue
		}
		if i+1 >= len(s.Command) || set != "" && s.Command[i+1] != set {
			t.Errorf("service %s: --replSet %v: every member needs the same set name", name, s.Command[i+1:])
			continue
		}
		set = s.Command[i+1]
		if s.Image != "mongo:7" {
			t.Errorf("service %s: image %s, want mongo:7", name, s.Image)
		}
		if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 || s.HealthCheck.Disable {
			t.Errorf("service %s: no healthcheck", name)
		}
		members = append(members, name)
	}
	slices.Sort(members)
	if len(members) != 3 {
		t.Fatalf("want three replica set members (mongo:7 --replSet), got %v", members)
	}
	// One service initiates the set, after the members are healthy.
	var init string
	for name, s := range p.Services {
		if strings.Contains(strings.Join(s.Command, " "), "rs.initiate") {
			if init != "" {
				t.Errorf("two services run rs.initiate: %s and %s", init, name)
			}
			init = name
			script := strings.Join(s.Command, " ")
			if !strings.Contains(script, `_id: "`+set+`"`) {
				t.Errorf("service %s: rs.initiate does not name the set %s", name, set)
			}
			for _, m := range members {
				if !strings.Contains(script, `"`+m+`:27017"`) {
					t.Errorf("service %s: rs.initiate does not list member %s:27017", name, m)
				}
				if d, ok := s.DependsOn[m]; !ok || d.Condition != types.ServiceConditionHealthy {
					t.Errorf("service %s must wait for %s to be healthy", name, m)
				}
			}
			if !strings.Contains(script, "rs.status()") || !strings.Contains(script, "NotYetInitialized") {
				t.Errorf("service %s: must initiate only a set not yet initiated (rs.status, NotYetInitialized)", name)
			}
			if s.Restart != "no" && s.Restart != "" {
				t.Errorf("service %s: restart %q: a one-shot job", name, s.Restart)
			}
		}
	}
	if init == "" {
		t.Fatal("no service runs rs.initiate")
	}

	dockerfile := parseDockerfile(t)
	var feedsimAddr string
	for _, name := range []string{"feedsim", "api", "worker"} {
		s := svc(name)
		where := "compose service " + name
		if s.Build == nil || filepath.Clean(filepath.Join(s.Build.Context, s.Build.Dockerfile)) != filepath.Clean(filepath.Join(p.WorkingDir, "..", "Dockerfile")) {
			t.Errorf("%s: must build deploy/Dockerfile, got %+v", where, s.Build)
		} else if st := dockerfile.stage(s.Build.Target); st == nil {
			t.Errorf("%s: build target %q is not a stage of deploy/Dockerfile", where, s.Build.Target)
		} else if hc := s.HealthCheck; hc != nil && strings.Contains(strings.Join(hc.Test, " "), "/busybox/") && !strings.Contains(st.image, ":debug") {
			t.Errorf("%s: the healthcheck runs busybox, which target %s (%s) lacks", where, st.name, st.image)
		}
		if len(s.Entrypoint) > 0 {
			t.Errorf("%s: replaces the image's entrypoint", where)
		}
		if want := map[string]string{"api": "serve"}[name]; len(s.Command) == 0 || s.Command[0] != want && (want != "" || s.Command[0] != name) {
			t.Errorf("%s: command %v, want jamsostek %s", where, s.Command, derefOr(&want, name))
		}
		checkCommand(t, where, s.Command)
		env := map[string]string{}
		for k, v := range s.Environment {
			checkEnvName(t, where, k)
			env[k] = derefOr(v, "")
		}
		pprofOff(t, where, env, s.Command)
		if name != "feedsim" {
			uri := s.Environment["MONGODB_URI"]
			if uri == nil {
				t.Errorf("%s: no MONGODB_URI", where)
				continue
			}
			u, err := url.Parse(*uri)
			if err != nil || u.Query().Get("replicaSet") != set {
				t.Errorf("%s: MONGODB_URI %q must name replicaSet=%s", where, *uri, set)
			}
			for _, m := range members {
				if !strings.Contains(*uri, m+":27017") {
					t.Errorf("%s: MONGODB_URI lacks member %s", where, m)
				}
			}
			if d, ok := s.DependsOn[init]; !ok || d.Condition != types.ServiceConditionCompletedSuccessfully {
				t.Errorf("%s: must wait for %s to complete successfully", where, init)
			}
		} else if i := slices.Index(s.Command, "--addr"); i < 0 || i+1 == len(s.Command) {
			t.Errorf("%s: needs --addr (its default listens on loopback only)", where)
		} else {
			feedsimAddr = s.Command[i+1]
		}
	}
	api, wrk, sim := svc("api"), svc("worker"), svc("feedsim")
	for _, name := range []string{"JAMSOSTEK_FEED_BASE_URL", "JAMSOSTEK_FEEDS_CONFIG"} {
		if _, ok := api.Environment[name]; ok {
			t.Errorf("compose api: %s is set: serve would run the syncs too (the worker service runs them)", name)
		}
	}
	if hc := api.HealthCheck; hc == nil || !strings.Contains(strings.Join(hc.Test, " "), "/readyz") {
		t.Errorf("compose api: the healthcheck must ask /readyz")
	} else if _, port, _ := net.SplitHostPort(derefOr(api.Environment["JAMSOSTEK_ADDR"], binaryFacts(t).env["JAMSOSTEK_ADDR"])); !strings.Contains(strings.Join(hc.Test, " "), ":"+port+"/") {
		t.Errorf("compose api: the healthcheck %v is not on the API's port %s", hc.Test, port)
	}
	if on, err := strconv.ParseBool(derefOr(api.Environment["JAMSOSTEK_WORKER"], "")); err != nil || on {
		t.Errorf("compose api: JAMSOSTEK_WORKER must be false: the worker service runs the syncs")
	}
	// The worker's probe and metrics are on its operators' listener.
	if _, opsPort, err := net.SplitHostPort(derefOr(wrk.Environment["JAMSOSTEK_OPS_ADDR"], "")); err != nil || opsPort == "" || opsPort == "0" {
		t.Errorf("compose worker: JAMSOSTEK_OPS_ADDR %q: want :PORT (its healthcheck and metrics)", derefOr(wrk.Environment["JAMSOSTEK_OPS_ADDR"], ""))
	} else if hc := wrk.HealthCheck; hc == nil || hc.Disable || !strings.Contains(strings.Join(hc.Test, " "), ":"+opsPort+"/readyz") {
		t.Errorf("compose worker: the healthcheck must ask /readyz on the operators' port %s", opsPort)
	}
	for _, pc := range api.Ports {
		if _, apiPort, _ := net.SplitHostPort(derefOr(api.Environment["JAMSOSTEK_ADDR"], binaryFacts(t).env["JAMSOSTEK_ADDR"])); strconv.Itoa(int(pc.Target)) != apiPort {
			t.Errorf("compose api: publishes port %d, which is not the API's (%s): the operators' port asks for no key", pc.Target, apiPort)
		}
	}
	if hc := sim.HealthCheck; hc == nil || len(hc.Test) == 0 {
		t.Errorf("compose feedsim: no healthcheck")
	}
	if d, ok := wrk.DependsOn["feedsim"]; !ok || d.Condition != types.ServiceConditionHealthy {
		t.Errorf("compose worker: must wait for feedsim to be healthy")
	}
	feed := derefOr(wrk.Environment["JAMSOSTEK_FEED_BASE_URL"], "")
	u, err := url.Parse(feed)
	_, simPort, _ := net.SplitHostPort(feedsimAddr)
	if err != nil || u.Hostname() != "feedsim" || u.Port() != simPort {
		t.Errorf("compose worker: JAMSOSTEK_FEED_BASE_URL %q must point to the feedsim service on its --addr %s", feed, feedsimAddr)
	}
	if a, b := derefOr(wrk.Environment["JAMSOSTEK_FEED_TOKEN"], ""), derefOr(sim.Environment["JAMSOSTEK_FEED_TOKEN"], ""); a == "" || a != b {
		t.Errorf("compose: the worker's feed token must be the simulator's")
	}
	if len(api.Ports) == 0 {
		t.Errorf("compose api: publishes no port")
	}
	for _, s := range []types.ServiceConfig{wrk, sim} {
		if len(s.Ports) > 0 {
			t.Errorf("compose %s: publishes ports %v; only the API should", s.Name, s.Ports)
		}
	}
	for _, m := range members {
		if len(svc(m).Ports) > 0 {
			t.Errorf("compose %s: publishes MongoDB's port (it has no authentication)", m)
		}
	}
}

func derefOr(p *string, def string) string {
	if p == nil || *p == "" {
		return def
	}
	return *p
}
