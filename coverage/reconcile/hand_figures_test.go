package reconcile_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// This file checks, on records built by hand, the roster rules (history,
// rejected rows), contributions and claims under a KPJ that is not the NIK's,
// and the figures: people covered, funded workers at a month by category and
// next year's cost.

// runConfig runs the engine over hand-built records with a configuration
// (Areas defaults to Cilegon, AsOf to the dataset's).
func runConfig(t *testing.T, h *handCity, cfg reconcile.Config) reconcile.Result {
	t.Helper()
	if cfg.Areas == nil {
		cfg.Areas = coverage.Cilegon()
	}
	if cfg.AsOf.IsZero() {
		cfg.AsOf = h.ds.AsOf
	}
	res, err := reconcile.Run(cfg, streams(&h.ds))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// byID indexes findings by ID.
func byID(fs []coverage.Finding) map[string]coverage.Finding {
	out := map[string]coverage.Finding{}
	for _, f := range fs {
		out[f.ID] = f
	}
	return out
}

// ofKind returns the findings of a kind.
func ofKind(fs []coverage.Finding, k coverage.DiscrepancyKind) []coverage.Finding {
	var out []coverage.Finding
	for _, f := range fs {
		if f.Kind == k {
			out = append(out, f)
		}
	}
	return out
}

// wibTime is an instant given as an Asia/Jakarta wall clock time.
func wibTime(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.FixedZone("WIB", 7*60*60))
}

// TestRosterHistory: ROSTER_NOT_ENROLLED and ROSTER_OTHER_PAYER only for
// entries still funded in the roster feed's as-of year, the year of its
// Asia/Jakarta date.
func TestRosterHistory(t *testing.T) {
	const cibeber = "3672011001"
	const (
		nikEnded    = "3672010101800101" // funded 2023-01 to 2024-12, never enrolled
		nikJanuary  = "3672010101800102" // funded to 2025-01, never enrolled
		nikOpen     = "3672010101800103" // funded from 2022-05, no end, never enrolled
		nikOtherOld = "3672010101800104" // funded to 2024-06, enrolled paying itself
		nikOtherNew = "3672010101800105" // two entries: one ended 2023-12, one open; enrolled paying itself
	)
	var h handCity
	h.roster(nikEnded, coverage.CategoryRTRW, cibeber, "2023-01", "2024-12")
	h.roster(nikJanuary, coverage.CategoryKader, cibeber, "2024-03", "2025-01")
	h.roster(nikOpen, coverage.CategoryMarbot, cibeber, "2022-05", "")
	h.roster(nikOtherOld, coverage.CategoryUMKM, cibeber, "2024-01", "2024-06")
	h.member("20000000101", nikOtherOld, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)
	h.roster(nikOtherNew, coverage.CategoryLinmas, cibeber, "2022-01", "2023-12")
	h.roster(nikOtherNew, coverage.CategoryNelayan, cibeber, "2024-02", "")
	h.member("20000000102", nikOtherNew, cibeber, coverage.SegmentBPU, coverage.PayerSelf, 1_000_000, "2024-01-01", bpu)

	notEnrolled := func(nik string) string { return reconcile.FindingID(coverage.KindRosterNotEnrolled, nik) }
	otherPayer := func(nik string) string { return reconcile.FindingID(coverage.KindRosterOtherPayer, nik) }
	for _, c := range []struct {
		name      string
		asOf      time.Time
		rosterAt  time.Time // zero: no roster feed as-of, Config.AsOf counts
		want      []string
		wantNotIn []string
	}{
		// 00:30 WIB on 1 January 2025 is still 31 December 2024 in UTC: the
		// roster year is 2025, so entries that ended in 2024 are history.
		{"new year in Jakarta", wibTime(2025, time.January, 1, 0, 30), time.Time{},
			[]string{notEnrolled(nikJanuary), notEnrolled(nikOpen), otherPayer(nikOtherNew)},
			[]string{notEnrolled(nikEnded), otherPayer(nikOtherOld)}},
		// 23:59 WIB on 31 December 2024: still 2024, every 2024 entry is current.
		{"last minute of the year", wibTime(2024, time.December, 31, 23, 59), time.Time{},
			[]string{notEnrolled(nikEnded), notEnrolled(nikJanuary), notEnrolled(nikOpen), otherPayer(nikOtherOld), otherPayer(nikOtherNew)}, nil},
		// The data is of March 2025 but the roster feed last synced in
		// December 2024: the roster's own year, 2024, decides.
		{"stale roster feed", wibTime(2025, time.March, 10, 0, 0), wibTime(2024, time.December, 20, 9, 0),
			[]string{notEnrolled(nikEnded), notEnrolled(nikJanuary), notEnrolled(nikOpen), otherPayer(nikOtherOld), otherPayer(nikOtherNew)}, nil},
		// A roster feed synced in 2025 with data of December 2024: 2025.
		{"roster feed newer", wibTime(2024, time.December, 30, 0, 0), wibTime(2025, time.January, 2, 8, 0),
			[]string{notEnrolled(nikJanuary), notEnrolled(nikOpen), otherPayer(nikOtherNew)},
			[]string{notEnrolled(nikEnded), otherPayer(nikOtherOld)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := reconcile.Config{AsOf: c.asOf}
			if !c.rosterAt.IsZero() {
				cfg.FeedAsOf = map[coverage.Feed]time.Time{coverage.FeedRoster: c.rosterAt}
			}
			got := byID(runConfig(t, &h, cfg).Findings)
			for _, id := range c.want {
				if _, ok := got[id]; !ok {
					t.Errorf("%s: not found", id)
				}
			}
			for _, id := range c.wantNotIn {
				if f, ok := got[id]; ok {
					t.Errorf("%s: found for an entry that ended before the roster year: %s", id, f.Detail)
				}
			}
			n := len(ofKind(slices.Collect(maps.Values(got)), coverage.KindRosterNotEnrolled)) +
				len(ofKind(slices.Collect(maps.Values(got)), coverage.KindRosterOtherPayer))
			if n != len(c.want) {
				t.Errorf("%d roster findings, want %d", n, len(c.want))
			}
		})
	}
	// The person on two rosters, one of them history: the finding names the
	// current entry only.
	res := runConfig(t, &h, reconcile.Config{AsOf: wibTime(2025, time.January, 1, 0, 30)})
	f := byID(res.Findings)[otherPayer(nikOtherNew)]
	if f.Category != coverage.CategoryNelayan || !strings.Contains(f.Detail, "on the NELAYAN roster since 2024-02") {
		t.Errorf("other payer of the person on two rosters: category %s, detail %q", f.Category, f.Detail)
	}
}

// TestRejectedRosterRows: one ROSTER_ROW_REJECTED per rejected row, subject
// its Ref, filed under its kelurahan when it is an area of the city (else the
// city), with its category when the code is well formed, the reason as the
// detail, MEDIUM, Rp0.
func TestRejectedRosterRows(t *testing.T) {
	rows := []reconcile.RejectedRosterRow{
		{Ref: "q-1", Agency: "Disnaker", Category: "RT_RW", KelurahanCode: "3672011001", FundedFrom: "2024-01",
			Reason: "nik: NIK must be 16 digits"},
		{Ref: "q-2", Agency: "Disnaker", Category: "rt rw!", KelurahanCode: "3604011001",
			Reason: "category \"rt rw!\" is not a code of upper-case letters, digits and underscores; kelurahan not in the city"},
		{Ref: "q-3", Category: "KADER", KelurahanCode: "367201", Reason: "funded_from is missing"},
		{Ref: "q-4", Reason: ""},
	}
	var h handCity
	h.ds.AsOf = time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC)
	res := runConfig(t, &h, reconcile.Config{RejectedRoster: rows})
	got := byID(res.Findings)
	want := []struct {
		ref, area string
		cat       coverage.Category
		detail    string
	}{
		{"q-1", "3672011001", coverage.CategoryRTRW, "nik: NIK must be 16 digits"},
		{"q-2", "3672", "", rows[1].Reason},
		{"q-3", "367201", coverage.CategoryKader, "funded_from is missing"},
		{"q-4", "3672", "", "roster row rejected by the sync (no reason given)"},
	}
	if len(res.Findings) != len(want) {
		t.Errorf("%d findings, want %d: %s", len(res.Findings), len(want), describe(res.Findings))
	}
	for _, w := range want {
		f, ok := got[reconcile.FindingID(coverage.KindRosterRowRejected, w.ref)]
		if !ok {
			t.Errorf("%s: no finding", w.ref)
			continue
		}
		if f.Kind != coverage.KindRosterRowRejected || f.Severity != coverage.SeverityMedium || f.Amount != 0 || f.NIK != "" ||
			f.AreaCode != w.area || f.Category != w.cat || f.Detail != w.detail || f.Periods != nil {
			t.Errorf("%s: got %+v, want area %s category %q detail %q", w.ref, f, w.area, w.cat, w.detail)
		}
	}
}
