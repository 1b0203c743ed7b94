package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/cilegon/jamsostek/feedsim"
)

// runFeedsim serves simulated feeds until ctx ends.
func runFeedsim(ctx context.Context, cfg config, logger *slog.Logger, stdout io.Writer) error {
	start := time.Now()
	ds, err := feedsim.Generate(feedsim.Config{Seed: cfg.Seed, Scale: cfg.Scale, AsOf: cfg.AsOf})
	if err != nil {
		return err
	}
	logger.Info("simulated data ready", "seed", cfg.Seed, "scale", cfg.Scale, "participants", len(ds.Participants),
		"contributions", len(ds.Contributions), "claims", len(ds.Claims), "roster", len(ds.Roster), "took", time.Since(start).Round(time.Millisecond))
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	fmt.Fprintf(stdout, "feed simulator on http://%s/ (token %q)\n", displayHost(ln.Addr().String()), cfg.FeedToken)
	sim := feedsim.NewServer(ds, cfg.FeedToken)
	sim.Faults = cfg.Faults
	if sim.Faults.Active() {
		logger.Warn("injecting faults", "faults", fmt.Sprintf("%+v", sim.Faults))
	}
	return serveHTTP(ctx, ln, sim)
}
