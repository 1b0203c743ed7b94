package graph_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestGraphDoesNotReachTheDatabase: the API depends on the domain, the
// rollup's types and the small interfaces it declares, never on the packages
// that read the database (analytics, store) or on the driver: whoever wires the
// server passes them in (root serve.go).
func TestGraphDoesNotReachTheDatabase(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "github.com/cilegon/jamsostek/analytics", strings.HasPrefix(dep, "github.com/cilegon/jamsostek/store"),
			strings.HasPrefix(dep, "go.mongodb.org/"), strings.HasPrefix(dep, "github.com/FerretDB/"):
			t.Errorf("graph depends on %s", dep)
		}
	}
}
