package main

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestSyncSurvivesSIGKILL builds the binary and runs `sync --once` against a
// simulated city, killing it with SIGKILL in the middle of its runs,
// restarting it each time, then letting it finish. The database must end
// exactly as the simulator's data (what a fault-free run leaves), no run may
// stay RUNNING (the next holder of each lease marks a killed run FAILED), and
// the kills must have landed mid-run: each leaves such an abandoned run.
//
// Each kill point is a delay after the process's n-th feed request, both
// drawn from a seed the test logs: JAMSOSTEK_TEST_KILL_SEED=<seed> replays
// the same kill points. Counting from a request rather than from the start of
// the process places the kill in the process's progress, whatever its start-up
// takes on a loaded machine.
func TestSyncSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const kills, mustLand = 6, 3
	ds, err := feedsim.Generate(feedsim.Config{Seed: 17, Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	sim := feedsim.NewServer(ds, "s3cret")
	sim.Faults = feedsim.Faults{Latency: 20 * time.Millisecond} // a whole sync is about 500 requests
	var served, killAt atomic.Int64                             // requests of the current process; the one that triggers its kill
	reached := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) == killAt.Load() {
			reached <- struct{}{}
		}
		sim.ServeHTTP(w, r)
	}))
	defer srv.Close()

	bin := filepath.Join(t.TempDir(), "jamsostek")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir, db := t.TempDir(), testDatabase(t)
	uri := os.Getenv("MONGODB_URI")
	start := func(request int64) (*exec.Cmd, chan error) {
		served.Store(0)
		killAt.Store(request)
		cmd := exec.Command(bin, "sync", "--once", "--feed-base-url", srv.URL, "--feed-token", "s3cret",
			"--data-dir", dir, "--database", db, "--page-size", "40", "--lease-ttl", "1s", "--log-level", "error")
		cmd.Env = append(os.Environ(), "MONGODB_URI="+uri)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		return cmd, done
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("JAMSOSTEK_TEST_KILL_SEED"); s != "" {
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("JAMSOSTEK_TEST_KILL_SEED: %v", err)
		}
	}
	t.Logf("kill points drawn with seed %d (JAMSOSTEK_TEST_KILL_SEED=%d replays them)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 17))
	signalled := 0
	for i := range kills {
		// The kill lands while the process waits for a page (the server
		// takes 20 ms) or writes one.
		request, delay := int64(1+rng.IntN(12)), time.Duration(rng.IntN(60))*time.Millisecond
		cmd, done := start(request)
		select {
		case <-reached:
			time.Sleep(delay)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			err := <-done
			if status, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && status.Signaled() && status.Signal() == syscall.SIGKILL {
				signalled++
				t.Logf("kill %d: SIGKILL %s after request %d", i+1, delay, request)
			} else {
				t.Errorf("kill %d: the process ended by itself (%v) before the SIGKILL %s after request %d", i+1, err, delay, request)
			}
		case err := <-done:
			t.Errorf("kill %d: the process ended (%v) before its request %d", i+1, err, request)
		}
		time.Sleep(1100 * time.Millisecond) // the dead process's leases expire
	}
	_, done := start(0)
	if err := <-done; err != nil {
		t.Fatalf("the run after the kills failed: %v", err)
	}

	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{URI: uri, Database: db, DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close(ctx) }()
	storetest.Holds(t, s, ds)
	runs, err := s.SyncRuns(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	abandoned := 0
	for _, r := range runs {
		switch r.Status {
		case coverage.RunRunning:
			t.Errorf("run %s of %s is still RUNNING after its process was killed", r.ID, r.Feed)
		case coverage.RunFailed:
			if !strings.Contains(r.Error, "abandoned") {
				t.Errorf("run %s of %s failed: %s", r.ID, r.Feed, r.Error)
			}
			abandoned++
		}
	}
	t.Logf("%d runs; %d SIGKILLs, %d of them mid-run (their run marked FAILED as abandoned)", len(runs), signalled, abandoned)
	if abandoned > signalled {
		t.Errorf("%d runs abandoned, more than the %d processes killed", abandoned, signalled)
	}
	if abandoned < mustLand {
		t.Errorf("%d of %d kills landed mid-run, want at least %d: the test did not test crashes", abandoned, kills, mustLand)
	}
}
