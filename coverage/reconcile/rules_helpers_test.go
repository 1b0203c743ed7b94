package reconcile_test

import (
	"slices"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/feedsim"
)

// claimFor adds a claim of a program and benefit (claim adds JKK MEDICAL).
func (h *handCity) claimFor(no, kpj, nik string, prog coverage.Program, benefit coverage.Benefit, incident coverage.Date, status coverage.ClaimStatus, claimed, paid int64) {
	h.claim(no, kpj, nik, incident, status, claimed, paid)
	c := &h.ds.Claims[len(h.ds.Claims)-1]
	c.Program, c.Benefit = prog, benefit
}

// runWith runs the engine over hand-built records with a configuration (Areas
// and AsOf filled in when unset).
func runWith(t testing.TB, ds *feedsim.Dataset, cfg reconcile.Config) reconcile.Result {
	t.Helper()
	if cfg.Areas == nil {
		cfg.Areas = coverage.Cilegon()
	}
	if cfg.AsOf.IsZero() {
		cfg.AsOf = ds.AsOf
	}
	res, err := reconcile.Run(cfg, streams(ds))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// findingOf returns the finding of a kind about a subject, nil when none.
func findingOf(res reconcile.Result, kind coverage.DiscrepancyKind, subject string) *coverage.Finding {
	id := reconcile.FindingID(kind, subject)
	for i := range res.Findings {
		if res.Findings[i].ID == id {
			return &res.Findings[i]
		}
	}
	return nil
}

// expect checks a finding exactly: present, its months and rupiah.
func expect(t *testing.T, res reconcile.Result, kind coverage.DiscrepancyKind, subject string, periods []coverage.Period, amount int64) *coverage.Finding {
	t.Helper()
	f := findingOf(res, kind, subject)
	if f == nil {
		t.Errorf("%s of %s: not found; found:%s", kind, subject, describe(res.Findings))
		return nil
	}
	if !slices.Equal(f.Periods, periods) {
		t.Errorf("%s of %s: months %v, want %v", kind, subject, f.Periods, periods)
	}
	if f.Amount != amount {
		t.Errorf("%s of %s: amount Rp%d, want Rp%d (%s)", kind, subject, f.Amount, amount, f.Detail)
	}
	return f
}

// expectNone checks that no finding of a kind is about a subject.
func expectNone(t *testing.T, res reconcile.Result, kind coverage.DiscrepancyKind, subject string) {
	t.Helper()
	if f := findingOf(res, kind, subject); f != nil {
		t.Errorf("%s of %s: unexpected, %v Rp%d: %s", kind, subject, f.Periods, f.Amount, f.Detail)
	}
}

// wibTime is a wall-clock time in Asia/Jakarta (UTC+7).
func wibTime(year int, mon time.Month, day, hour, min int) time.Time {
	return time.Date(year, mon, day, hour, min, 0, 0, time.FixedZone("WIB", 7*3600))
}
