package main

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cilegon/jamsostek/store"
)

// TestBenchReconcile runs the reconciliation's measurement when
// JAMSOSTEK_BENCH_RECONCILE is set: the synthetic sizes it lists (people,
// comma-separated; "default" for 100,000 and 1,000,000), and the real path on
// the store of JAMSOSTEK_BENCH_DATA_DIR (a directory `bench-records` filled)
// when set. A smoke run at 2,000 people otherwise.
func TestBenchReconcile(t *testing.T) {
	var o benchReconcileOptions
	env := os.Getenv("JAMSOSTEK_BENCH_RECONCILE")
	switch env {
	case "":
		o.Sizes = []int{1_000, 2_000}
	case "default":
	default:
		for _, f := range strings.Split(env, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			o.Sizes = append(o.Sizes, n)
		}
	}
	ctx := context.Background()
	var s *store.Store
	if dir := os.Getenv("JAMSOSTEK_BENCH_DATA_DIR"); dir != "" && env != "" {
		var err error
		s, err = store.Open(ctx, store.Config{Database: benchDatabase, DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(context.WithoutCancel(ctx))
	}
	figs, err := benchReconcile(ctx, o, s, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	printFigures(t.Output(), figs)
}
