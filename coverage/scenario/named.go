package scenario

import "github.com/cilegon/jamsostek/coverage"

// RosterRow is one person of an uploaded scenario roster.
type RosterRow struct {
	NIK       string
	Kelurahan string
}

// Classify sorts a roster's people by their memberships on date on: already
// paid by the city (an active APBD membership), moving from another payer
// (another active membership), or new (none active). byNIK holds every
// membership of the rows' NIKs; a NIK listed twice counts once, at its first
// row's kelurahan.
func Classify(rosterID string, cat coverage.Category, rows []RosterRow, byNIK map[string][]coverage.Participant, on coverage.Date) Named {
	n := Named{RosterID: rosterID, Category: cat, ByArea: map[string]NamedCounts{}}
	seen := make(map[string]bool, len(rows))
	for _, r := range rows {
		if seen[r.NIK] {
			continue
		}
		seen[r.NIK] = true
		var city, other bool
		for i := range byNIK[r.NIK] {
			p := &byNIK[r.NIK][i]
			if !p.Active(on) {
				continue
			}
			if p.PayerType == coverage.PayerAPBD {
				city = true
			} else {
				other = true
			}
		}
		c := n.ByArea[r.Kelurahan]
		switch {
		case city:
			c.AlreadyCity++
		case other:
			c.Movers++
		default:
			c.New++
		}
		n.ByArea[r.Kelurahan] = c
	}
	return n
}
