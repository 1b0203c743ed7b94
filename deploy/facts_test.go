package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// root is the repository's root, from this package's directory.
const root = ".."

// facts is what the binary knows, read from package main's source: the
// environment variables it reads (with their defaults when given), its
// commands, and its flags.
type facts struct {
	env      map[string]string // name -> default ("" when none is written)
	commands map[string]bool   // serve, worker, keys, ...
	flags    map[string]bool   // every flag name any command registers
}

var (
	factsOnce sync.Once
	factsVal  *facts
	factsErr  error
)

var envName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// binaryFacts parses the non-test Go files of package main (the
// repository's root) once: the calls env("NAME", "default"),
// envDuration("NAME", "default"), os.Getenv("NAME"), os.LookupEnv("NAME"),
// envBool("NAME", "default", ...); the keys of commandHelp; and the names
// given to fs.XxxVar and fs.Func.
func binaryFacts(t *testing.T) *facts {
	t.Helper()
	factsOnce.Do(func() { factsVal, factsErr = readFacts(root) })
	if factsErr != nil {
		t.Fatal(factsErr)
	}
	return factsVal
}

func readFacts(dir string) (*facts, error) {
	f := &facts{env: map[string]string{}, commands: map[string]bool{}, flags: map[string]bool{}}
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			return nil, err
		}
		if file.Name.Name != "main" {
			continue
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				f.call(n)
			case *ast.ValueSpec:
				if len(n.Names) == 1 && n.Names[0].Name == "commandHelp" && len(n.Values) == 1 {
					if lit, ok := n.Values[0].(*ast.CompositeLit); ok {
						for _, e := range lit.Elts {
							if kv, ok := e.(*ast.KeyValueExpr); ok {
								if k, ok := stringLit(kv.Key); ok {
									f.commands[strings.Fields(k)[0]] = true
								}
							}
						}
					}
				}
			}
			return true
		})
	}
	if len(f.env) == 0 || len(f.commands) == 0 || len(f.flags) == 0 {
		return nil, &os.PathError{Op: "read facts", Path: dir, Err: os.ErrNotExist}
	}
	return f, nil
}

func (f *facts) call(c *ast.CallExpr) {
	var fn string
	switch x := c.Fun.(type) {
	case *ast.Ident:
		fn = x.Name
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			fn = id.Name + "." + x.Sel.Name
		}
	}
	arg := func(i int) (string, bool) {
		if i >= len(c.Args) {
			return "", false
		}
		return stringLit(c.Args[i])
	}
	switch fn {
	case "env", "envDuration", "envBool", "os.Getenv", "os.LookupEnv":
		if name, ok := arg(0); ok && envName.MatchString(name) {
			def, _ := arg(1)
			if old, seen := f.env[name]; !seen || old == "" {
				f.env[name] = def
			}
		}
	case "fs.Func", "fs.BoolFunc":
		if name, ok := arg(0); ok {
			f.flags[name] = true
		}
	default:
		if strings.HasPrefix(fn, "fs.") && strings.HasSuffix(fn, "Var") {
			if name, ok := arg(1); ok {
				f.flags[name] = true
			}
		}
	}
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// checkEnvName fails when name looks like one of the binary's variables
// (JAMSOSTEK_*, MONGODB_*) but is not one it reads.
func checkEnvName(t *testing.T, where, name string) {
	t.Helper()
	if !strings.HasPrefix(name, "JAMSOSTEK_") && !strings.HasPrefix(name, "MONGODB_") {
		return
	}
	if _, ok := binaryFacts(t).env[name]; !ok {
		t.Errorf("%s: environment variable %s is not one jamsostek reads (config.go)", where, name)
	}
}

// checkCommand fails unless args starts with a jamsostek command and every
// flag after it is one the binary registers.
func checkCommand(t *testing.T, where string, args []string) {
	t.Helper()
	f := binaryFacts(t)
	if len(args) == 0 {
		t.Errorf("%s: no jamsostek command (the image's default would run: name it)", where)
		return
	}
	if !f.commands[args[0]] {
		t.Errorf("%s: %q is not a jamsostek command", where, args[0])
	}
	for _, a := range args[1:] {
		if name, ok := strings.CutPrefix(a, "-"); ok {
			name = strings.TrimPrefix(name, "-")
			name, _, _ = strings.Cut(name, "=")
			if !f.flags[name] {
				t.Errorf("%s: flag %s is not a jamsostek flag", where, a)
			}
		}
	}
}

func TestBinaryFacts(t *testing.T) {
	f := binaryFacts(t)
	for _, name := range []string{"MONGODB_URI", "JAMSOSTEK_ADDR", "JAMSOSTEK_FEED_BASE_URL", "JAMSOSTEK_ADMIN_KEY"} {
		if _, ok := f.env[name]; !ok {
			t.Errorf("config.go no longer reads %s (or this test's reader lost it)", name)
		}
	}
	for _, c := range []string{"serve", "worker", "feedsim", "keys"} {
		if !f.commands[c] {
			t.Errorf("command %s not found in commandHelp", c)
		}
	}
	if f.env["JAMSOSTEK_ADDR"] != ":8080" {
		t.Errorf("JAMSOSTEK_ADDR's default is %q; the manifests assume :8080", f.env["JAMSOSTEK_ADDR"])
	}
	// The operators' port is opened to the monitoring system: the profiler
	// on it must be asked for, never on by default.
	if def, ok := f.env["JAMSOSTEK_PPROF"]; !ok || def != "false" {
		t.Errorf("JAMSOSTEK_PPROF's default is %q (read: %t); the profiler must be off unless asked for", def, ok)
	}
	if def, ok := f.env["JAMSOSTEK_WORKER"]; !ok || def != "true" {
		t.Errorf("JAMSOSTEK_WORKER's default is %q (read: %t); serve runs the worker unless told not to", def, ok)
	}
}

// pprofOff fails when a container's environment or arguments turn the
// profiler on: the operators' port is open to the monitoring namespace.
func pprofOff(t *testing.T, where string, env map[string]string, args []string) {
	t.Helper()
	if v, ok := env["JAMSOSTEK_PPROF"]; ok {
		if on, err := strconv.ParseBool(v); err != nil || on {
			t.Errorf("%s: JAMSOSTEK_PPROF=%q: the profiler must stay off in a deployment (turn it on for a debugging session only)", where, v)
		}
	}
	for _, a := range args {
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "pprof" {
			if on, err := strconv.ParseBool(val); !hasVal || err != nil || on {
				t.Errorf("%s: argument %s turns the profiler on", where, a)
			}
		}
	}
}

// readDoc returns docs/deployment.md.
func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docs", "deployment.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkSecretDocumented fails unless docs/deployment.md has a table row
// naming the Secret and the key, each in backquotes.
func checkSecretDocumented(t *testing.T, where, secret, key string) {
	t.Helper()
	for _, line := range strings.Split(readDoc(t), "\n") {
		if strings.HasPrefix(line, "|") && strings.Contains(line, "`"+secret+"`") && strings.Contains(line, "`"+key+"`") {
			return
		}
	}
	t.Errorf("%s: Secret %s key %s is not documented (a table row of docs/deployment.md naming both)", where, secret, key)
}
