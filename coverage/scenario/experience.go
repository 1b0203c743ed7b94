package scenario

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// pool is experience summed over a window: one category's or a pool's, for
// one programme.
type pool struct {
	exposure, contributions, claims, paid int64
	amounts                               []int64
}

func (p *pool) add(m *reconcile.ExperienceMeasures) {
	p.exposure += m.Exposure
	p.contributions += m.Contributions
	p.claims += m.Claims
	p.paid += m.PaidAmount
	p.amounts = append(p.amounts, m.Amounts...)
}

// experience is a window's experience: per category, and the two pools.
type experience struct {
	byCategory map[coverage.Category]*[5]pool
	cityFunded [5]pool
	bpu        [5]pool
}

// aggregate sums the rollup's experience rows of the incident months from
// to to, of BPU memberships only: a category's line (and the city-funded
// pool) are its members' BPU memberships, the BPU pool every BPU member's.
func aggregate(r *reconcile.Rollup, from, to coverage.Period) *experience {
	x := &experience{byCategory: map[coverage.Category]*[5]pool{}}
	for i := range r.Experience {
		row := &r.Experience[i]
		if row.Period < from || row.Period > to {
			continue
		}
		if row.Segment != coverage.SegmentBPU {
			continue // the city funds BPU memberships: wage earners' risks are their jobs'
		}
		for p := range row.Programs {
			m := &row.Programs[p]
			x.bpu[p].add(m)
			if row.Category != "" {
				ps := x.byCategory[row.Category]
				if ps == nil {
					ps = &[5]pool{}
					x.byCategory[row.Category] = ps
				}
				ps[p].add(m)
				x.cityFunded[p].add(m)
			}
		}
	}
	for _, ps := range x.byCategory {
		for p := range ps {
			slices.Sort(ps[p].amounts)
		}
	}
	for p := range x.cityFunded {
		slices.Sort(x.cityFunded[p].amounts)
		slices.Sort(x.bpu[p].amounts)
	}
	return x
}

// line is a pool's Experience line.
func (p *pool) line(cat coverage.Category, basis Basis, prog coverage.Program) Experience {
	e := Experience{Category: cat, Pool: basis, Program: prog, Exposure: p.exposure, Claims: p.claims, PaidAmount: p.paid, Contributions: p.contributions}
	if p.exposure > 0 {
		f := float64(p.claims) * 1000 / float64(p.exposure)
		e.Frequency = &f
	}
	if p.claims > 0 {
		s := int64(math.Round(float64(p.paid) / float64(p.claims)))
		e.Severity = &s
	}
	if p.contributions > 0 {
		lr := float64(p.paid) / float64(p.contributions)
		e.LossRatio = &lr
	}
	return e
}

// pick chooses the experience that prices a category's programme: its own
// with at least minClaims claims, else the city-funded pool's with as many,
// else every BPU member's; NONE when nobody was exposed.
func (x *experience) pick(cat coverage.Category, prog int, minClaims int) (*pool, Basis) {
	if ps := x.byCategory[cat]; ps != nil && ps[prog].exposure > 0 && ps[prog].claims >= int64(minClaims) {
		return &ps[prog], BasisCategory
	}
	if p := &x.cityFunded[prog]; p.exposure > 0 && p.claims >= int64(minClaims) {
		return p, BasisCityFunded
	}
	if p := &x.bpu[prog]; p.exposure > 0 {
		return p, BasisBPU
	}
	return &pool{}, BasisNone
}

// claimLine is the claims one category's programme is expected to make.
type claimLine struct {
	cat     coverage.Category
	program coverage.Program
	months  int64   // member-months of the programme
	lambda  float64 // claims expected: months x frequency
	count   float64
	paid    int64 // rupiah expected, rounded
	basis   Basis
	exp     Experience
	amounts []int64 // the basis's paid amounts, to resample
}

// claimLines prices the claims of each category's programmes on one side.
func (c *calc) claimLines(bs []block, x *experience, cats []coverage.Category) []claimLine {
	var out []claimLine
	for _, cat := range cats {
		for p, prog := range coverage.Programs {
			var months int64
			for i := range bs {
				if bs[i].cat == cat && slices.Contains(bs[i].programs, prog) {
					months += bs[i].cur.months
				}
			}
			if months == 0 {
				continue
			}
			pl, basis := x.pick(cat, p, c.in.MinClaims)
			l := claimLine{cat: cat, program: prog, months: months, basis: basis, exp: pl.line("", basis, prog), amounts: pl.amounts}
			if basis == BasisCategory {
				l.exp.Category = cat
			}
			if pl.exposure > 0 {
				l.lambda = float64(months) * float64(pl.claims) / float64(pl.exposure)
				l.count = l.lambda
				l.paid = int64(math.Round(float64(months) * float64(pl.paid) / float64(pl.exposure)))
			}
			out = append(out, l)
		}
	}
	return out
}

// simulate resamples years of claims: in each, every line makes a Poisson
// number of claims (its expected count) whose amounts are drawn, with
// replacement, from the paid claims of its basis; it returns the low and
// high percentiles (nearest rank) of the years' totals. The generator is
// PCG seeded by the input's seed, so a seed gives the same range.
func simulate(lines []claimLine, in Input) (low, high int64) {
	rng := rand.New(rand.NewPCG(in.Seed, 0x6a09e667f3bcc908))
	totals := make([]int64, in.Simulations)
	for s := range totals {
		var t int64
		for i := range lines {
			l := &lines[i]
			if l.lambda <= 0 || len(l.amounts) == 0 {
				continue
			}
			for n := poisson(rng, l.lambda); n > 0; n-- {
				t += l.amounts[rng.IntN(len(l.amounts))]
			}
		}
		totals[s] = t
	}
	slices.Sort(totals)
	return percentile(totals, in.LowPercent), percentile(totals, in.HighPercent)
}

// percentile is the nearest-rank p-th percentile of sorted values.
func percentile(sorted []int64, p int) int64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 x n)
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// poisson draws a Poisson count of mean lambda: Knuth's product of uniforms
// on pieces of at most 30 (a sum of Poisson counts is one of the summed
// means), exact at any mean and linear in it.
func poisson(rng *rand.Rand, lambda float64) int64 {
	var n int64
	for lambda > 0 {
		piece := min(lambda, 30)
		lambda -= piece
		limit := math.Exp(-piece)
		prod := rng.Float64()
		for prod > limit {
			n++
			prod *= rng.Float64()
		}
	}
	return n
}

// ObservedExperience answers the claim experience of each city-funded
// category and of the two pools (CITY_FUNDED, BPU), per programme with any
// exposure or claim, over the incident months from to to (zero: the
// default window, see Window).
func ObservedExperience(r *reconcile.Rollup, from, to coverage.Period) ([]Experience, coverage.Period, coverage.Period, error) {
	if r == nil {
		return nil, "", "", coverage.Errorf(coverage.EUNAVAILABLE, "no rollup to compute on")
	}
	if r.PlanYear == 0 {
		return nil, "", "", coverage.Errorf(coverage.EUNAVAILABLE, "rollup version %d was built before claim experience was kept. Run a reconciliation (reconcileNow) and ask again", r.Version)
	}
	from, to, err := Window(r, from, to)
	if err != nil {
		return nil, "", "", err
	}
	x := aggregate(r, from, to)
	var out []Experience
	cats := make([]coverage.Category, 0, len(x.byCategory))
	for c := range x.byCategory {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	keep := func(p *pool) bool { return p.exposure > 0 || p.claims > 0 }
	for _, c := range cats {
		for p, prog := range coverage.Programs {
			if pl := &x.byCategory[c][p]; keep(pl) {
				out = append(out, pl.line(c, BasisCategory, prog))
			}
		}
	}
	for _, b := range []struct {
		basis Basis
		ps    *[5]pool
	}{{BasisCityFunded, &x.cityFunded}, {BasisBPU, &x.bpu}} {
		for p, prog := range coverage.Programs {
			if pl := &b.ps[p]; keep(pl) {
				out = append(out, pl.line("", b.basis, prog))
			}
		}
	}
	return out, from, to, nil
}
