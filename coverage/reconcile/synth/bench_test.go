package synth_test

import (
	"testing"

	"github.com/cilegon/jamsostek/coverage/reconcile/synth"
	"github.com/cilegon/jamsostek/store"
)

// BenchmarkDecodeContributionDoc decodes stored contribution documents with
// the store's decoder of the embedded engine's scans: the baseline of the
// reconciliation's rate (jamsostek bench).
func BenchmarkDecodeContributionDoc(b *testing.B) {
	var c synth.Chunk
	synth.New(synth.Config{People: 1_000, Seed: 1}).Next(&c, 1_000)
	var e synth.Encoded
	e.Encode(&c)
	n := e.Contributions.Len()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := store.DecodeContributionDoc(e.Contributions.Doc(i % n)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkGenerate generates (and encodes) people, records/s reported.
func BenchmarkGenerate(b *testing.B) {
	g := synth.New(synth.Config{People: 1 << 30, Seed: 1})
	var c synth.Chunk
	var e synth.Encoded
	records := 0
	b.ReportAllocs()
	for b.Loop() {
		g.Next(&c, 100)
		e.Encode(&c)
		records += e.Records()
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
