package main

import (
	"context"
	"os"
	"strconv"
	"testing"
)

// TestBenchIngest runs the ingest part of `jamsostek bench` when
// JAMSOSTEK_BENCH_INGEST_SCALE is set (e.g. 0.1), and prints its figures:
//
//	JAMSOSTEK_BENCH_INGEST_SCALE=0.1 go test -run TestBenchIngest -v -cpuprofile cpu.out .
func TestBenchIngest(t *testing.T) {
	v := os.Getenv("JAMSOSTEK_BENCH_INGEST_SCALE")
	if v == "" {
		t.Skip("set JAMSOSTEK_BENCH_INGEST_SCALE to run the ingest bench")
	}
	scale, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := strconv.Atoi(os.Getenv("JAMSOSTEK_BENCH_INGEST_PAGE"))
	o := benchIngestOptions{Scale: scale, PageSize: page}
	o.Store.DataDir = t.TempDir()
	figs, s, err := benchIngest(context.Background(), o, os.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	printFigures(os.Stdout, figs)
}
