package main

import (
	"context"
	"fmt"
	"io"
	"iter"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/coverage/reconcile/synth"
	"github.com/cilegon/jamsostek/store"
)

// benchReconcileOptions size the reconciliation's measurement.
type benchReconcileOptions struct {
	// Sizes are the synthetic cities measured, in people (NIKs; about 1.03
	// memberships and 12.6 records each); nil: 100,000 and 1,000,000, empty: none.
	Sizes []int
	// Chunk is how many people are generated, encoded and measured at a time
	// (default 1,000): the memory of the measurement is one chunk.
	Chunk int
	Seed  uint64
}

// syntheticRun is what one synthetic size measured.
type syntheticRun struct {
	people, records    int
	decode, pass       time.Duration // decoding alone; decoding + Group + Engine.Add + Finish
	decodeCPU, passCPU time.Duration // the same in CPU time of the process (GC included): steadier than wall time on a shared machine
	cells, findings    int
	peakLive, peakGo   uint64 // bytes: the live heap after a GC, and the heap's objects (garbage included), at most, above base
	base               uint64 // bytes live before
}

// benchReconcile measures the reconciliation against decoding the same
// records alone (the store's decoders of the embedded engine's storage
// format), on synthetic cities of each size (coverage/reconcile/synth), chunk
// by chunk: each chunk is generated and encoded untimed, then decoded alone
// (timed), then decoded again and reconciled (timed), so memory is one chunk
// plus the engine's state, the cells and the findings; the peak heap is
// reported beside them. Given a store (s non-nil), it also measures the real
// path: the four Scan* streams drained alone against the engine over the same
// scans (the pass of analytics.Service.Reconcile without its writes: the
// store is left as it was).
func benchReconcile(ctx context.Context, o benchReconcileOptions, s *store.Store, progress io.Writer) ([]benchFigure, error) {
	if o.Sizes == nil { // an empty, non-nil list: no synthetic city
		o.Sizes = []int{100_000, 1_000_000}
	}
	if o.Chunk <= 0 {
		o.Chunk = 1_000
	}
	start := time.Now()
	step := func(format string, a ...any) {
		fmt.Fprintf(progress, "reconcile [%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, a...))
	}
	var figs []benchFigure
	var runs []syntheticRun
	for _, n := range o.Sizes {
		r, err := benchSynthetic(ctx, n, o.Chunk, o.Seed)
		if err != nil {
			return figs, err
		}
		runs = append(runs, r)
		rate, base := float64(r.records)/r.pass.Seconds(), float64(r.records)/r.decode.Seconds()
		step("synthetic %s people: %s records, decode alone %s (%s records/s, CPU %.0f ns/record), reconcile %s (%s records/s, %.0f ns/record, CPU %.0f ns/record: %.2fx decoding's), %s cells, %s findings, peak heap %s MiB live (%s MiB with garbage) above the %s MiB live before",
			fmtNum(float64(n)), fmtNum(float64(r.records)), r.decode.Round(time.Millisecond), fmtNum(base), nsPer(r.decodeCPU, r.records), r.pass.Round(time.Millisecond),
			fmtNum(rate), nsPer(r.pass, r.records), nsPer(r.passCPU, r.records), float64(r.passCPU)/float64(max(r.decodeCPU, 1)), fmtNum(float64(r.cells)), fmtNum(float64(r.findings)), mib(r.peakLive), mib(r.peakGo), mib(r.base))
		figs = append(figs,
			benchFigure{Section: "reconcile", Name: fmt.Sprintf("synthetic %s people: reconcile (decode+group+engine)", fmtNum(float64(n))),
				Value: rate, Unit: "records/s", Baseline: "decoding the same records alone", Base: base, HigherIsBetter: true,
				Target: ">= 0.5x", Met: met(rate >= 0.5*base)},
			benchFigure{Section: "reconcile", Name: fmt.Sprintf("synthetic %s people: peak live heap of the pass (%s records, %s cells, %s findings)",
				fmtNum(float64(n)), fmtNum(float64(r.records)), fmtNum(float64(r.cells)), fmtNum(float64(r.findings))),
				Value: float64(r.peakLive) / (1 << 20), Unit: "MiB"},
		)
	}
	if len(runs) >= 2 {
		a, b := runs[0], runs[len(runs)-1]
		// Per record: CPU time of the process (steady whatever else runs on
		// the machine), and wall time (which other processes disturb).
		for _, c := range []struct {
			what      string
			per, base float64
		}{
			{"CPU", nsPer(b.passCPU, b.records), nsPer(a.passCPU, a.records)},
			{"wall", nsPer(b.pass, b.records), nsPer(a.pass, a.records)},
		} {
			ratio := c.base / c.per
			figs = append(figs, benchFigure{Section: "reconcile",
				Name:  fmt.Sprintf("%s cost per record at %s people", c.what, fmtNum(float64(b.people))),
				Value: c.per, Unit: "ns/record", Baseline: fmt.Sprintf("at %s people", fmtNum(float64(a.people))), Base: c.base,
				Target: "within 20%", Met: met(ratio >= 1/1.2 && ratio <= 1.2)})
		}
		// Memory bounded by cells and findings, not records: the peak live
		// heap grows no faster than the cells and findings do.
		heapGrowth := float64(b.peakLive) / float64(max(a.peakLive, 1))
		stateGrowth := float64(b.cells+b.findings) / float64(max(a.cells+a.findings, 1))
		recGrowth := float64(b.records) / float64(max(a.records, 1))
		step("peak live heap x%.2f from %s to %s people; cells+findings x%.2f; records x%.2f", heapGrowth,
			fmtNum(float64(a.people)), fmtNum(float64(b.people)), stateGrowth, recGrowth)
		figs = append(figs, benchFigure{Section: "reconcile",
			Name:  fmt.Sprintf("peak heap growth %s to %s people (records x%.1f)", fmtNum(float64(a.people)), fmtNum(float64(b.people)), recGrowth),
			Value: heapGrowth, Unit: "x", Baseline: "growth of cells+findings", Base: stateGrowth,
			Target: "<= cells+findings growth (x1.2)", Met: met(heapGrowth <= stateGrowth*1.2)})
	}
	if s != nil {
		real, err := benchRealPath(ctx, s, step)
		if err != nil {
			return figs, err
		}
		figs = append(figs, real...)
	}
	return figs, nil
}

// cpuTime returns the CPU time the process used so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func nsPer(d time.Duration, n int) float64 { return float64(d.Nanoseconds()) / float64(max(n, 1)) }

func mib(b uint64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }

// heapSampler follows the heap while a measurement runs: the live heap
// (after the last GC) and the heap's objects, at most, above what was live
// when it started (the process's other memory: a store's record index, ...).
type heapSampler struct {
	stop     chan struct{}
	once     sync.Once
	done     sync.WaitGroup
	base     uint64
	peakLive uint64
	peakObj  uint64
}

func startHeapSampler() *heapSampler {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	h := &heapSampler{stop: make(chan struct{})}
	if s[0].Value.Kind() == metrics.KindUint64 {
		h.base = s[0].Value.Uint64()
	}
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			h.read(samples)
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) read(s []metrics.Sample) {
	metrics.Read(s)
	if v := s[0].Value; v.Kind() == metrics.KindUint64 {
		h.peakLive = max(h.peakLive, v.Uint64())
	}
	if v := s[1].Value; v.Kind() == metrics.KindUint64 {
		h.peakObj = max(h.peakObj, v.Uint64())
	}
}

// finish stops the sampling (once; later calls do nothing) and makes the
// peaks relative to the base.
func (h *heapSampler) finish() {
	h.once.Do(func() {
		close(h.stop)
		h.done.Wait()
		h.peakLive -= min(h.peakLive, h.base)
		h.peakObj -= min(h.peakObj, h.base)
	})
}

// benchSynthetic measures one synthetic city of n people.
func benchSynthetic(ctx context.Context, n, chunk int, seed uint64) (syntheticRun, error) {
	r := syntheticRun{people: n}
	heap := startHeapSampler()
	defer heap.finish()
	e, err := reconcile.New(reconcile.Config{Areas: coverage.Cilegon(), AsOf: synth.AsOf})
	if err != nil {
		return r, err
	}
	g := synth.New(synth.Config{People: n, Seed: seed})
	var c synth.Chunk
	var enc synth.Encoded
	var sinkR []coverage.RosterEntry
	var sinkP []coverage.Participant
	var sinkC []coverage.Contribution
	var sinkK []coverage.Claim
	for !g.Done() {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		g.Next(&c, chunk)
		enc.Encode(&c)
		r.records += enc.Records()

		// Decoding alone, into reused slices (what the scans yield).
		c0 := cpuTime()
		t0 := time.Now()
		sinkR, err = decodeAll(&enc.Roster, store.DecodeRosterDoc, sinkR[:0])
		if err == nil {
			sinkP, err = decodeAll(&enc.Participants, store.DecodeParticipantDoc, sinkP[:0])
		}
		if err == nil {
			sinkC, err = decodeAll(&enc.Contributions, store.DecodeContributionDoc, sinkC[:0])
		}
		if err == nil {
			sinkK, err = decodeAll(&enc.Claims, store.DecodeClaimDoc, sinkK[:0])
		}
		if err != nil {
			return r, err
		}
		r.decode += time.Since(t0)
		r.decodeCPU += cpuTime() - c0

		// The same documents decoded by the streams, grouped and reconciled.
		c0 = cpuTime()
		t0 = time.Now()
		for p, err := range reconcile.Group(reconcile.Streams{
			Roster:        decodeSeq(&enc.Roster, store.DecodeRosterDoc),
			Participants:  decodeSeq(&enc.Participants, store.DecodeParticipantDoc),
			Contributions: decodeSeq(&enc.Contributions, store.DecodeContributionDoc),
			Claims:        decodeSeq(&enc.Claims, store.DecodeClaimDoc),
		}) {
			if err != nil {
				return r, err
			}
			if err := e.Add(p); err != nil {
				return r, err
			}
		}
		r.pass += time.Since(t0)
		r.passCPU += cpuTime() - c0
	}
	c0 := cpuTime()
	t0 := time.Now()
	res := e.Finish()
	r.pass += time.Since(t0)
	r.passCPU += cpuTime() - c0
	r.cells, r.findings = len(res.Rollup.Cells), len(res.Findings)
	heap.finish()
	r.peakLive, r.peakGo, r.base = heap.peakLive, heap.peakObj, heap.base
	runtime.KeepAlive(res)
	return r, nil
}

func decodeAll[T any](d *synth.Docs, decode func([]byte) (T, error), dst []T) ([]T, error) {
	for i := range d.Len() {
		v, err := decode(d.Doc(i))
		if err != nil {
			return dst, err
		}
		dst = append(dst, v)
	}
	return dst, nil
}

func decodeSeq[T any](d *synth.Docs, decode func([]byte) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for i := range d.Len() {
			v, err := decode(d.Doc(i))
			if !yield(v, err) || err != nil {
				return
			}
		}
	}
}

// benchRealPath drains the store's four scans alone, then runs the engine
// over the same scans (the pass of analytics.Service.Reconcile, without
// saving its findings and rollup).
func benchRealPath(ctx context.Context, s *store.Store, step func(string, ...any)) ([]benchFigure, error) {
	svc := &analytics.Service{Store: s, Areas: coverage.Cilegon()}
	cfg, err := svc.EngineConfig(ctx)
	if err != nil {
		return nil, err
	}
	streams := func() reconcile.Streams {
		return reconcile.Streams{Roster: s.ScanRoster(ctx), Participants: s.ScanParticipants(ctx),
			Contributions: s.ScanContributions(ctx), Claims: s.ScanClaims(ctx)}
	}
	t0 := time.Now()
	records := 0
	st := streams()
	for _, seq := range []func() error{
		func() error { return drain(st.Roster, &records) },
		func() error { return drain(st.Participants, &records) },
		func() error { return drain(st.Contributions, &records) },
		func() error { return drain(st.Claims, &records) },
	} {
		if err := seq(); err != nil {
			return nil, err
		}
	}
	scan := time.Since(t0)
	step("store: the four scans drained alone: %s records in %s (%s records/s)", fmtNum(float64(records)), scan.Round(time.Millisecond), fmtNum(float64(records)/scan.Seconds()))
	heap := startHeapSampler()
	t0 = time.Now()
	res, err := reconcile.Run(cfg, streams())
	pass := time.Since(t0)
	heap.finish()
	if err != nil {
		return nil, err
	}
	read := res.Stats.RosterEntries + res.Stats.Participants + res.Stats.Contributions + res.Stats.Claims
	rate, base := float64(read)/pass.Seconds(), float64(records)/scan.Seconds()
	step("store: reconciliation pass over the scans: %s records in %s (%s records/s), %s cells, %s findings, peak heap %s MiB live",
		fmtNum(float64(read)), pass.Round(time.Millisecond), fmtNum(rate), fmtNum(float64(len(res.Rollup.Cells))), fmtNum(float64(len(res.Findings))), mib(heap.peakLive))
	return []benchFigure{
		{Section: "reconcile", Name: fmt.Sprintf("store: reconciliation pass (%s records, %s cells, %s findings)", fmtNum(float64(read)),
			fmtNum(float64(len(res.Rollup.Cells))), fmtNum(float64(len(res.Findings)))),
			Value: rate, Unit: "records/s", Baseline: "Scan* drained alone", Base: base, HigherIsBetter: true, Target: ">= 0.5x", Met: met(rate >= 0.5*base)},
		{Section: "reconcile", Name: "store: reconciliation pass, peak live heap of the pass", Value: float64(heap.peakLive) / (1 << 20), Unit: "MiB"},
	}, nil
}

func drain[T any](s iter.Seq2[T, error], n *int) error {
	for _, err := range s {
		if err != nil {
			return err
		}
		*n++
	}
	return nil
}
