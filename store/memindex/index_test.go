package memindex

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
)

// contributionsFixture builds n contributions with few distinct values, so
// that ties in every sort field are common, some unpaid and some without a
// payment date.
func contributionsFixture(rng *rand.Rand, n int) []coverage.Contribution {
	out := make([]coverage.Contribution, n)
	for i := range out {
		due := int64(16_800 * (1 + rng.IntN(3)))
		paid := due
		paidAt := coverage.Date(fmt.Sprintf("2024-%02d-1%d", 1+rng.IntN(12), rng.IntN(10)))
		if rng.IntN(4) == 0 {
			paid, paidAt = 0, ""
		}
		out[i] = coverage.Contribution{
			ID: fmt.Sprintf("C%05d", rng.IntN(10*n)), KPJ: fmt.Sprintf("%011d", rng.IntN(n/5+1)), NIK: fmt.Sprintf("36720112059%05d", rng.IntN(n/5+1)),
			Period: coverage.Period(fmt.Sprintf("202%d-%02d", 3+rng.IntN(2), 1+rng.IntN(12))), AmountDue: due, AmountPaid: paid, PaidAt: paidAt,
			PayerType: []coverage.PayerType{coverage.PayerAPBD, coverage.PayerSelf, coverage.PayerEmployer}[rng.IntN(3)],
		}
	}
	return out
}

// reference answers a contributions query by brute force.
func reference(all map[string]coverage.Contribution, match func(coverage.Contribution) bool, o coverage.Order) []string {
	var rows []coverage.Contribution
	for _, c := range all {
		if match(c) {
			rows = append(rows, c)
		}
	}
	value := func(c coverage.Contribution) (string, int64) {
		switch o.Field {
		case coverage.SortPeriod:
			return string(c.Period), 0
		case coverage.SortAmountDue:
			return "", c.AmountDue
		case coverage.SortPaidAt:
			return string(c.PaidAt), 0
		case coverage.SortKPJ:
			return c.KPJ, 0
		}
		return "", 0
	}
	slices.SortFunc(rows, func(a, b coverage.Contribution) int {
		as, an := value(a)
		bs, bn := value(b)
		c := cmp.Or(cmp.Compare(an, bn), cmp.Compare(as, bs), cmp.Compare(a.ID, b.ID))
		if o.Desc {
			return -c
		}
		return c
	})
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.ID
	}
	return keys
}

// TestPagesMatchBruteForce pages through contributions with filters and
// orders, by both of the index's strategies (sorting the matches, walking
// the order's tree), and compares every sequence and count with a brute force
// answer; records are rewritten and deleted between rounds.
func TestPagesMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := New()
	all := map[string]coverage.Contribution{}
	put := func(cs []coverage.Contribution) {
		x.PutContributions(cs)
		for _, c := range cs {
			all[c.ID] = c
		}
	}
	put(contributionsFixture(rng, 3000))
	yes, no := true, false
	filters := []struct {
		name  string
		f     coverage.ContributionFilter
		match func(coverage.Contribution) bool
	}{
		{"all", coverage.ContributionFilter{}, func(coverage.Contribution) bool { return true }},
		{"2024", coverage.ContributionFilter{PeriodFrom: "2024-01", PeriodTo: "2024-12"},
			func(c coverage.Contribution) bool { return c.Period >= "2024-01" && c.Period <= "2024-12" }},
		{"to 2023-06", coverage.ContributionFilter{PeriodTo: "2023-06"}, func(c coverage.Contribution) bool { return c.Period <= "2023-06" }},
		{"unpaid APBD", coverage.ContributionFilter{Unpaid: &yes, PayerTypes: []coverage.PayerType{coverage.PayerAPBD}},
			func(c coverage.Contribution) bool {
				return c.AmountPaid < c.AmountDue && c.PayerType == coverage.PayerAPBD
			}},
		{"paid, until March", coverage.ContributionFilter{Unpaid: &no, PaidTo: "2024-03-31"},
			func(c coverage.Contribution) bool {
				return c.AmountPaid >= c.AmountDue && c.PaidAt != "" && c.PaidAt <= "2024-03-31"
			}},
		{"one KPJ", coverage.ContributionFilter{KPJ: "00000000007"}, func(c coverage.Contribution) bool { return c.KPJ == "00000000007" }},
		{"unknown NIK", coverage.ContributionFilter{NIK: "3672011205999999"}, func(coverage.Contribution) bool { return false }},
	}
	orders := []coverage.Order{{}, {Desc: true}, {Field: coverage.SortPeriod}, {Field: coverage.SortPeriod, Desc: true},
		{Field: coverage.SortAmountDue, Desc: true}, {Field: coverage.SortPaidAt}, {Field: coverage.SortKPJ, Desc: true}}
	defer func(n int) { smallSet = n }(smallSet)
	for round := range 3 {
		for _, walk := range []bool{false, true} {
			smallSet = map[bool]int{false: 1 << 30, true: 0}[walk]
			for _, tc := range filters {
				for _, o := range orders {
					want := reference(all, tc.match, o)
					var got []string
					p := coverage.PageRequest{First: 37, Order: o}
					for {
						res, err := x.Contributions(tc.f, p)
						if err != nil {
							t.Fatal(err)
						}
						if res.Total != int64(len(want)) {
							t.Fatalf("round %d walk %t %s %+v: total %d, want %d", round, walk, tc.name, o, res.Total, len(want))
						}
						for _, c := range res.Cursors {
							got = append(got, c.Key)
						}
						if !res.HasNext {
							break
						}
						last := res.Cursors[len(res.Cursors)-1]
						p.After = &last
					}
					if !slices.Equal(got, want) {
						t.Fatalf("round %d walk %t %s %+v: got %d keys %v..., want %d %v...", round, walk, tc.name, o, len(got), got[:min(5, len(got))], len(want), want[:min(5, len(want))])
					}
				}
			}
		}
		// Rewrite a third of the records with new values, delete a tenth.
		var changed []coverage.Contribution
		var gone []string
		for _, c := range all {
			switch rng.IntN(10) {
			case 0:
				gone = append(gone, c.ID)
			case 1, 2, 3:
				n := contributionsFixture(rng, 1)[0]
				n.ID = c.ID
				changed = append(changed, n)
			}
		}
		put(changed)
		x.Delete(Contributions, gone)
		for _, k := range gone {
			delete(all, k)
		}
	}
}

// TestCursorOfADeletedRecord: a page after a cursor whose record is gone
// starts at the next position.
func TestCursorOfADeletedRecord(t *testing.T) {
	x := New()
	var cs []coverage.Contribution
	for i := range 10 {
		cs = append(cs, coverage.Contribution{ID: fmt.Sprintf("C%d", i), Period: "2024-01", AmountDue: int64(i % 3)})
	}
	x.PutContributions(cs)
	o := coverage.Order{Field: coverage.SortAmountDue}
	first, err := x.Contributions(coverage.ContributionFilter{}, coverage.PageRequest{First: 4, Order: o})
	if err != nil {
		t.Fatal(err)
	}
	last := first.Cursors[3]
	x.Delete(Contributions, []string{last.Key})
	next, err := x.Contributions(coverage.ContributionFilter{}, coverage.PageRequest{First: 10, After: &last, Order: o})
	if err != nil {
		t.Fatal(err)
	}
	if next.Total != 9 || len(next.Cursors) != 6 {
		t.Errorf("got total %d, %d records (%v), want 9 and 6", next.Total, len(next.Cursors), next.Cursors)
	}
}

// TestBadCursorValue: a cursor whose value does not fit the order is EINVALID.
func TestBadCursorValue(t *testing.T) {
	x := New()
	for _, tc := range []struct {
		o coverage.Order
		v string
	}{
		{coverage.Order{Field: coverage.SortAmountDue}, "abc"},
		{coverage.Order{Field: coverage.SortPeriod}, "2024-13"},
		{coverage.Order{}, "x"},
	} {
		_, err := x.Contributions(coverage.ContributionFilter{}, coverage.PageRequest{First: 1, Order: tc.o, After: &coverage.Cursor{Value: tc.v, Key: "C1"}})
		if coverage.ErrorCode(err) != coverage.EINVALID {
			t.Errorf("%+v %q: got %v, want EINVALID", tc.o, tc.v, err)
		}
	}
}
