package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, COPY, ...
	args string
}

type stage struct {
	name, image string
	from        int // line of FROM
	ins         []instruction
}

type dockerfile struct{ stages []*stage }

func (d *dockerfile) stage(name string) *stage {
	if name == "" {
		return d.stages[len(d.stages)-1]
	}
	for _, s := range d.stages {
		if s.name == name {
			return s
		}
	}
	return nil
}

func (s *stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.ins {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

func (s *stage) last(cmd string) (instruction, bool) {
	all := s.all(cmd)
	if len(all) == 0 {
		return instruction{}, false
	}
	return all[len(all)-1], true
}

// parseDockerfile reads deploy/Dockerfile: comments and blank lines out,
// backslash continuations joined, ARGs before the first FROM applied to FROM
// lines, one stage per FROM.
func parseDockerfile(t *testing.T) *dockerfile {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d := &dockerfile{}
	globalArgs := map[string]string{}
	var cur strings.Builder
	start := 0
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(trimmed, "#") || trimmed == "" && cur.Len() == 0 {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if c, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(c + " ")
			continue
		}
		cur.WriteString(trimmed)
		text := cur.String()
		cur.Reset()
		cmd, args, _ := strings.Cut(text, " ")
		in := instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		switch {
		case in.cmd == "FROM":
			f := strings.Fields(in.args)
			var img, name string
			for j := 0; j < len(f); j++ {
				switch {
				case strings.HasPrefix(f[j], "--"):
				case strings.EqualFold(f[j], "AS") && j+1 < len(f):
					name = f[j+1]
					j++
				default:
					img = f[j]
				}
			}
			img = os.Expand(img, func(k string) string { return globalArgs[k] })
			d.stages = append(d.stages, &stage{name: name, image: img, from: start})
		case len(d.stages) == 0:
			if in.cmd != "ARG" {
				t.Fatalf("Dockerfile:%d: %s before the first FROM", start, in.cmd)
			}
			k, v, _ := strings.Cut(in.args, "=")
			globalArgs[k] = v
		default:
			s := d.stages[len(d.stages)-1]
			s.ins = append(s.ins, in)
		}
	}
	if cur.Len() > 0 {
		t.Fatal("Dockerfile ends inside a continuation")
	}
	if len(d.stages) < 2 {
		t.Fatalf("Dockerfile: want a build stage and a final stage, got %d stages", len(d.stages))
	}
	return d
}

// execForm decodes an exec-form (JSON array) argument list.
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var out []string
	if err := json.Unmarshal([]byte(in.args), &out); err != nil {
		t.Errorf("Dockerfile:%d: %s %s: want the exec form, a JSON array (%v)", in.line, in.cmd, in.args, err)
	}
	return out
}

func TestDockerfile(t *testing.T) {
	d := parseDockerfile(t)
	names := map[string]*stage{}
	for i, s := range d.stages {
		if s.name != "" {
			names[s.name] = s
		}
		for _, in := range s.ins {
			if in.cmd != "COPY" {
				continue
			}
			if m := regexp.MustCompile(`--from=(\S+)`).FindStringSubmatch(in.args); m != nil {
				if from, ok := names[m[1]]; !ok || from == s {
					t.Errorf("Dockerfile:%d: COPY --from=%s: no earlier stage of that name", in.line, m[1])
				}
			}
		}
		_ = i
	}
	build := d.stages[0]
	if !strings.HasPrefix(build.image, "golang:1.26") {
		t.Errorf("Dockerfile: the build stage is %s, want golang:1.26 (go.mod's Go)", build.image)
	}
	var buildRun string
	for _, in := range build.all("RUN") {
		if strings.Contains(in.args, "go build") {
			buildRun = in.args
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", `-ldflags "-s -w"`, "--mount=type=cache,target=/go/pkg/mod", "--mount=type=cache,target=/root/.cache/go-build"} {
		if !strings.Contains(buildRun, want) {
			t.Errorf("Dockerfile: the go build RUN lacks %s", want)
		}
	}
	m := regexp.MustCompile(`-o (\S+)`).FindStringSubmatch(buildRun)
	if m == nil {
		t.Fatal("Dockerfile: go build has no -o")
	}
	binary := m[1]

	// Every stage after the build is an image that runs jamsostek.
	addrPort := strings.TrimPrefix(binaryFacts(t).env["JAMSOSTEK_ADDR"], ":")
	for _, s := range d.stages[1:] {
		where := "Dockerfile stage " + s.name
		if !strings.HasPrefix(s.image, "gcr.io/distroless/static") && s.image != "scratch" {
			t.Errorf("%s: base %s: want distroless/static or scratch (a static binary needs nothing else)", where, s.image)
		}
		if strings.HasPrefix(s.image, "gcr.io/distroless/") && !strings.Contains(s.image, "nonroot") {
			t.Errorf("%s: base %s: want a :nonroot variant", where, s.image)
		}
		if s.image == "scratch" {
			t.Errorf("%s: scratch has no CA certificates: copy them in, then relax this check", where)
		}
		user, ok := s.last("USER")
		uid, gid, _ := strings.Cut(user.args, ":")
		n, err := strconv.Atoi(uid)
		if !ok || err != nil || n == 0 {
			t.Errorf("%s: USER %q: want a numeric non-root uid (runAsNonRoot can check only a number)", where, user.args)
		}
		if g, err := strconv.Atoi(gid); gid != "" && (err != nil || g == 0) {
			t.Errorf("%s: USER %q: want a numeric non-root gid", where, user.args)
		}
		// The binary is copied from the build's output to the ENTRYPOINT's path.
		ep, ok := s.last("ENTRYPOINT")
		var entry []string
		if ok {
			entry = execForm(t, ep)
		}
		if len(entry) != 1 {
			t.Fatalf("%s: ENTRYPOINT %v: want the binary alone", where, entry)
		}
		copied := false
		for _, in := range s.all("COPY") {
			f := strings.Fields(in.args)
			if strings.Contains(in.args, "--from=") && len(f) >= 2 && f[len(f)-2] == binary && f[len(f)-1] == entry[0] {
				copied = true
			}
		}
		if !copied {
			t.Errorf("%s: ENTRYPOINT %s is not the binary copied from %s", where, entry[0], binary)
		}
		if cmd, ok := s.last("CMD"); !ok {
			t.Errorf("%s: no CMD (default command)", where)
		} else if args := execForm(t, cmd); len(args) == 0 || args[0] != "serve" {
			t.Errorf("%s: CMD %v, want serve", where, args)
		} else {
			checkCommand(t, where+" CMD", args)
		}
		expose, ok := s.last("EXPOSE")
		if !ok || strings.TrimSuffix(expose.args, "/tcp") != addrPort {
			t.Errorf("%s: EXPOSE %q, want JAMSOSTEK_ADDR's port %s", where, expose.args, addrPort)
		}
		env := map[string]string{}
		for _, in := range s.all("ENV") {
			for _, kv := range strings.Fields(in.args) {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Errorf("Dockerfile:%d: ENV %s: want NAME=value", in.line, in.args)
				}
				env[k] = v
				checkEnvName(t, where, k)
			}
		}
		vol, ok := s.last("VOLUME")
		var vols []string
		if ok {
			vols = execForm(t, vol)
		}
		dataDir := env["JAMSOSTEK_DATA_DIR"]
		if dataDir == "" || len(vols) != 1 || vols[0] != dataDir {
			t.Errorf("%s: VOLUME %v and JAMSOSTEK_DATA_DIR %q: the embedded engine's directory must be the volume", where, vols, dataDir)
		}
		owned := false
		for _, in := range s.all("COPY") {
			f := strings.Fields(in.args)
			if strings.Contains(in.args, "--chown="+user.args) && f[len(f)-1] == dataDir {
				owned = true
			}
		}
		if !owned {
			t.Errorf("%s: %s is not created owned by %s: the non-root user could not write the embedded engine's files", where, dataDir, user.args)
		}
	}
	if d.stages[len(d.stages)-1].name != "runtime" {
		t.Errorf("Dockerfile: the last stage (the default target) is %q, want runtime", d.stages[len(d.stages)-1].name)
	}
}

// TestDockerignore: the build context has the sources and no secrets.
func TestDockerignore(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	// Docker's rule: the last matching pattern wins; "!" re-includes.
	// ("**/" is matched at every depth.)
	ignored := func(path string) bool {
		out := false
		for _, p := range patterns {
			neg := strings.HasPrefix(p, "!")
			p = strings.TrimPrefix(p, "!")
			match := false
			for _, cand := range []string{path, filepath.Base(path)} {
				pp := p
				if rest, ok := strings.CutPrefix(p, "**/"); ok {
					pp = rest
				} else if cand != path {
					continue
				}
				if ok, _ := filepath.Match(pp, cand); ok {
					match = true
				}
				// a directory pattern covers what is under it
				if strings.HasPrefix(cand, pp+"/") {
					match = true
				}
			}
			if match {
				out = !neg
			}
		}
		return out
	}
	for _, keep := range []string{"go.mod", "go.sum", "main.go", "store/store.go", "graph/handler.go"} {
		if ignored(keep) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", keep)
		}
	}
	// Files the binary embeds (//go:embed) must reach the build.
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if n := d.Name(); rel != "." && (strings.HasPrefix(n, ".") || n == "testdata" || n == "deploy" || n == "data") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(src), "\n") {
			pats, ok := strings.CutPrefix(strings.TrimSpace(line), "//go:embed ")
			if !ok {
				continue
			}
			for _, pat := range strings.Fields(pats) {
				pat = strings.TrimPrefix(strings.Trim(pat, "`\""), "all:")
				matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), pat))
				for _, m := range matches {
					_ = filepath.WalkDir(m, func(f string, d os.DirEntry, err error) error {
						if err == nil && !d.IsDir() {
							if r, _ := filepath.Rel(root, f); ignored(filepath.ToSlash(r)) {
								t.Errorf(".dockerignore leaves out %s, which %s embeds", r, rel)
							}
						}
						return nil
					})
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, drop := range []string{".git/config", ".env", "deploy/compose/.env", "data/LOCK", "graph/handler_test.go"} {
		if !ignored(drop) {
			t.Errorf(".dockerignore sends %s to the build", drop)
		}
	}
}
