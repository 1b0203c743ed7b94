package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// benchFigure is one figure of `jamsostek bench`: a value measured beside
// the baseline it is judged against, both from the same run (these machines
// are noisy: only ratios carry from one run to the next).
type benchFigure struct {
	Section  string  // "ingest", "reconcile", "analytics", "serve"
	Name     string  // what was measured, e.g. "first sync"
	Value    float64 // the measured figure
	Unit     string  // e.g. "records/s", "req/s", "ms", "s", "MiB"
	Baseline string  // what it is compared with, e.g. "InsertMany of the same documents"; "" for none
	Base     float64 // the baseline's figure, in Unit
	// HigherIsBetter tells how the ratio reads: Value/Base for rates
	// (true), Base/Value for times (false).
	HigherIsBetter bool
	Target         string // the goal, e.g. ">= 0.8x", "< 10 ms"; "" for none
	Met            *bool  // whether the goal is met; nil when there is none
}

// Ratio is the figure against its baseline, 1 = as good as the baseline; 0
// without one.
func (f benchFigure) Ratio() float64 {
	if f.Base == 0 || f.Value == 0 {
		return 0
	}
	if f.HigherIsBetter {
		return f.Value / f.Base
	}
	return f.Base / f.Value
}

// met returns a pointer to ok, for benchFigure.Met.
func met(ok bool) *bool { return &ok }

// printFigures writes the figures as a table, one row each.
func printFigures(w io.Writer, figs []benchFigure) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "section\tfigure\tvalue\tbaseline\tratio\ttarget\tmet")
	for _, f := range figs {
		base, ratio := "-", "-"
		if f.Baseline != "" {
			base = fmt.Sprintf("%s %s (%s)", fmtNum(f.Base), f.Unit, f.Baseline)
			ratio = fmt.Sprintf("%.2fx", f.Ratio())
		}
		ok := "-"
		if f.Met != nil {
			ok = map[bool]string{true: "yes", false: "NO"}[*f.Met]
		}
		target := f.Target
		if target == "" {
			target = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%s\t%s\t%s\n", f.Section, f.Name, fmtNum(f.Value), f.Unit, base, ratio, target, ok)
	}
	tw.Flush()
}

// fmtNum prints a figure with thousands separators and up to two decimals
// below 100.
func fmtNum(v float64) string {
	if v < 100 && v > -100 {
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
	}
	s := fmt.Sprintf("%.0f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
