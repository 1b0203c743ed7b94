package reconcile

import (
	"testing"

	"github.com/cilegon/jamsostek/coverage"
)

// TestIncomeAtStart: the income on a month's first day is incomeAt's on
// that date, for changes before, on and after it.
func TestIncomeAtStart(t *testing.T) {
	m := &member{p: &coverage.Participant{DeclaredIncome: 9, IncomeHistory: []coverage.IncomeChange{
		{At: "2024-01-15", Income: 1}, {At: "2024-03-01", Income: 2}, {At: "2024-03-02", Income: 3}, {At: "2024-05-31", Income: 4}}}}
	for _, p := range []coverage.Period{"2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"} {
		got, gotOK := m.incomeAtStart(p)
		want, wantOK := m.incomeAt(p.First())
		if got != want || gotOK != wantOK {
			t.Errorf("%s: %d %v, incomeAt says %d %v", p, got, gotOK, want, wantOK)
		}
	}
	if v, ok := m.incomeAtStart("2024-03"); v != 2 || !ok {
		t.Errorf("March: %d %v, want the change of 1 March", v, ok)
	}
}
