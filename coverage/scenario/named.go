package scenario

import "github.com/cilegon/jamsostek/coverage"

// RosterRow is one person of an uploaded scenario roster.
type RosterRow struct {
	NIK       string
	Kelurahan string
}

// Classify sorts a roster's people, by the kelurahan of their row:
//   - already the city's: on the plan year's roster in any category (funded
//     holds those NIKs), so in the baseline's cost and cover;
//   - movers: an active membership on date on (any payer, the city too when
//     it pays without a roster entry): funded by the scenario, covered
//     already;
//   - new: no active membership: funded and newly covered.
//
// byNIK holds every membership of the rows' NIKs. A membership is active as
// its record says (status ACTIVE and the date within its coverage); the
// reconciliation's 3-month lapse rule is not applied to it. A NIK in seen
// (named by an earlier roster of the scenario) or listed twice counts once,
// at its first row; Classify adds the rows' NIKs to seen when it is not nil.
func Classify(rosterID string, cat coverage.Category, rows []RosterRow, byNIK map[string][]coverage.Participant, funded map[string]bool, seen map[string]bool, on coverage.Date) Named {
	n := Named{RosterID: rosterID, Category: cat, ByArea: map[string]NamedCounts{}}
	if seen == nil {
		seen = make(map[string]bool, len(rows))
	}
	for _, r := range rows {
		if seen[r.NIK] {
			n.Repeated++
			continue
		}
		seen[r.NIK] = true
		active := false
		for i := range byNIK[r.NIK] {
			if byNIK[r.NIK][i].Active(on) {
				active = true
			}
		}
		c := n.ByArea[r.Kelurahan]
		switch {
		case funded[r.NIK]:
			c.AlreadyCity++
		case active:
			c.Movers++
		default:
			c.New++
		}
		n.ByArea[r.Kelurahan] = c
	}
	return n
}
