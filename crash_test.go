package main

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestSyncSurvivesSIGKILL builds the binary and runs `sync --once` against a
// simulated city, killing it with SIGKILL at random moments (seeded, logged),
// restarting it each time, then letting it finish. The database must end
// exactly as the simulator's data (what a fault-free run leaves), and no run
// may stay RUNNING: the next holder of each lease marks a killed run FAILED.
func TestSyncSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	ds, err := feedsim.Generate(feedsim.Config{Seed: 17, Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	sim := feedsim.NewServer(ds, "s3cret")
	sim.Faults = feedsim.Faults{Latency: 20 * time.Millisecond} // a whole sync takes about 10 s: every kill lands mid-run
	srv := httptest.NewServer(sim)
	defer srv.Close()

	bin := filepath.Join(t.TempDir(), "jamsostek")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir, db := t.TempDir(), "jamsostek_crash_test"
	uri := os.Getenv("MONGODB_URI")
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "sync", "--once", "--feed-base-url", srv.URL, "--feed-token", "s3cret",
			"--data-dir", dir, "--database", db, "--page-size", "40", "--lease-ttl", "1s", "--log-level", "error")
		cmd.Env = append(os.Environ(), "MONGODB_URI="+uri)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill times drawn with seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 17))
	for i := range 6 {
		cmd := start()
		wait := time.Duration(200+rng.IntN(1300)) * time.Millisecond
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			t.Logf("kill %d: the run finished before %s (%v)", i+1, wait, err)
		case <-time.After(wait):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			t.Logf("kill %d after %s", i+1, wait)
		}
		time.Sleep(1100 * time.Millisecond) // the dead process's leases expire
	}
	final := start()
	if err := final.Wait(); err != nil {
		t.Fatalf("the run after the kills failed: %v", err)
	}

	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{URI: uri, Database: db, DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if uri != "" {
			_ = s.DropDatabase(ctx)
		}
		_ = s.Close(ctx)
	}()
	storetest.Holds(t, s, ds)
	runs, err := s.SyncRuns(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var killed int
	for _, r := range runs {
		switch r.Status {
		case coverage.RunRunning:
			t.Errorf("run %s of %s is still RUNNING after its process was killed", r.ID, r.Feed)
		case coverage.RunFailed:
			killed++
		}
	}
	t.Logf("%d runs, %d of them killed and marked failed", len(runs), killed)
}
