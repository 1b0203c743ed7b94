package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// TestBenchCommand runs `jamsostek bench` end to end on a tiny city (every
// part but serve, which starts this binary: here the test binary) and
// checks that each part prints its figures beside their baselines and that
// the Markdown table is written. The figures themselves are not asserted.
func TestBenchCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sync, reconciliations and a load")
	}
	md := t.TempDir() + "/bench.md"
	var out bytes.Buffer
	err := run(context.Background(), []string{"bench", "--scale", "0.005", "--participants", "1000,2000", "--clients", "4",
		"--duration", "1s", "--parts", "ingest,reconcile,analytics", "--markdown", md}, &out, io.Discard)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	table := out.String()[strings.Index(out.String(), "\nfigures ("):]
	for _, want := range []string{
		"first sync, ", "documents stored", "InsertMany", "unchanged re-sync",
		"synthetic 1,000 people", "synthetic 2,000 people", "decoding the same records alone", "cost per record",
		"coverage by kecamatan, quarters (VIEWER, 4 clients) throughput", "bare handler, same bytes", "discrepancyCounts", "OFFICER",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the figures do not mention %q:\n%s", want, table)
		}
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "jamsostek bench --scale 0.005") || !strings.Contains(string(b), "| analytics |") {
		t.Errorf("the Markdown table:\n%s", b)
	}
}
