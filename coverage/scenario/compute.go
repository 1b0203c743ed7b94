package scenario

import (
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// Defaults of an Input's zero fields.
const (
	DefaultMinClaims   = 30
	DefaultSimulations = 2_000
	DefaultSeed        = 1
	DefaultLowPercent  = 10
	DefaultHighPercent = 90
	DefaultWindow      = 24 // months of claim experience before the as-of month

	MaxChanges     = 50
	MaxSimulations = 20_000
	MaxHeadcount   = 10_000_000
)

// Compute answers a scenario on the rollup r, with the workforce
// denominators wf, the city's areas, the tariffs, and the people of the
// uploaded rosters the changes name (looked up by the caller: Classify).
// It reads r and writes nothing.
func Compute(r *reconcile.Rollup, wf reconcile.Workforce, areas *coverage.Areas, tariffs coverage.Tariffs, named []Named, in Input) (Result, error) {
	return Result{}, coverage.Errorf(coverage.EUNAVAILABLE, "scenarios are not built yet")
}

// ObservedExperience answers the claim experience of each city-funded
// category and of the pools, per programme, over the incident months from
// to to (zero: the default window).
func ObservedExperience(r *reconcile.Rollup, from, to coverage.Period) ([]Experience, coverage.Period, coverage.Period, error) {
	return nil, "", "", coverage.Errorf(coverage.EUNAVAILABLE, "claim experience is not built yet")
}

// Validate checks an input's shape before any rollup is read: EINVALID errors
// naming the change at fault.
func (in *Input) Validate() error { return nil }

// RosterIDs lists the uploaded rosters the changes name, each once.
func (in *Input) RosterIDs() []string {
	var ids []string
	seen := map[string]bool{}
	for _, c := range in.Changes {
		if c.RosterID != "" && !seen[c.RosterID] {
			seen[c.RosterID] = true
			ids = append(ids, c.RosterID)
		}
	}
	return ids
}
