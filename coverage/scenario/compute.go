package scenario

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// Defaults of an Input's zero fields, and its bounds.
const (
	DefaultMinClaims   = 30
	DefaultSimulations = 2_000
	DefaultSeed        = 1
	DefaultLowPercent  = 10
	DefaultHighPercent = 90
	DefaultWindow      = 24 // months of claim experience before the as-of month

	// DefaultIncome and DefaultPrograms price people added without an
	// income or programmes: the lowest BPU band, JKK and JKM, what the city
	// pays for its workers.
	DefaultIncome = 1_000_000

	MaxChanges     = 50
	MaxSimulations = 20_000
	MaxHeadcount   = 10_000_000
	MaxIncome      = 1_000_000_000
	// MaxDraws bounds the claims a range resamples: simulations x the
	// claims expected a year, on both sides.
	MaxDraws = 50_000_000
)

// DefaultPrograms are the programmes of people added without any.
var DefaultPrograms = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM}

// bpuPrograms are the programmes a BPU member may have; JKK and JKM are
// compulsory.
var bpuPrograms = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT}

// withDefaults returns the input with its zero simulations and percentiles
// set (MinClaims and Seed are taken as given: 0 is a choice for both; the
// API's defaults are DefaultMinClaims and DefaultSeed).
func (in Input) withDefaults() Input {
	if in.Simulations == 0 {
		in.Simulations = DefaultSimulations
	}
	if in.LowPercent == 0 {
		in.LowPercent = DefaultLowPercent
	}
	if in.HighPercent == 0 {
		in.HighPercent = DefaultHighPercent
	}
	return in
}

// Validate checks an input's shape before any rollup is read: EINVALID errors
// naming the change at fault. MinClaims below 0 is refused; 0 fields take
// their defaults.
func (in *Input) Validate() error {
	if in.Year < 2000 || in.Year > 2100 {
		return coverage.Errorf(coverage.EINVALID, "year %d is not a year of the programme", in.Year)
	}
	if len(in.Changes) > MaxChanges {
		return coverage.Errorf(coverage.EINVALID, "%d changes, at most %d", len(in.Changes), MaxChanges)
	}
	if in.MinClaims < 0 {
		return coverage.Errorf(coverage.EINVALID, "minClaims %d is negative", in.MinClaims)
	}
	if in.Simulations < 0 || in.Simulations > MaxSimulations {
		return coverage.Errorf(coverage.EINVALID, "simulations %d: 1 to %d", in.Simulations, MaxSimulations)
	}
	d := in.withDefaults()
	if d.LowPercent < 1 || d.HighPercent > 99 || d.LowPercent >= d.HighPercent {
		return coverage.Errorf(coverage.EINVALID, "percentiles %d and %d: 1 <= low < high <= 99", d.LowPercent, d.HighPercent)
	}
	for _, p := range []coverage.Period{in.ExperienceFrom, in.ExperienceTo} {
		if p != "" {
			if err := p.Validate(); err != nil {
				return err
			}
		}
	}
	if in.ExperienceFrom != "" && in.ExperienceTo != "" && in.ExperienceFrom > in.ExperienceTo {
		return coverage.Errorf(coverage.EINVALID, "the experience window starts (%s) after it ends (%s)", in.ExperienceFrom, in.ExperienceTo)
	}
	rosters := map[string]int{}
	for i := range in.Changes {
		if id := in.Changes[i].RosterID; id != "" {
			if j, ok := rosters[id]; ok {
				return coverage.Errorf(coverage.EINVALID, "changes %d and %d name the same roster %s: its people would be added twice", j+1, i+1, coverage.Clip(id))
			}
			rosters[id] = i
		}
		if err := in.Changes[i].validate(); err != nil {
			return coverage.Errorf(coverage.EINVALID, "change %d (%s): %s", i+1, coverage.Clip(string(in.Changes[i].Kind)), coverage.ErrorMessage(err))
		}
	}
	return nil
}

func (c *Change) validate() error {
	if c.Category != "" {
		if err := c.Category.Validate(); err != nil {
			return err
		}
	}
	if c.Headcount < 0 || c.Headcount > MaxHeadcount {
		return coverage.Errorf(coverage.EINVALID, "headcount %d: 0 to %d", c.Headcount, MaxHeadcount)
	}
	if c.Income < 0 || c.Income > MaxIncome {
		return coverage.Errorf(coverage.EINVALID, "income %d: 0 to %d", c.Income, MaxIncome)
	}
	if c.Months < 0 || c.Months > 12 {
		return coverage.Errorf(coverage.EINVALID, "months %d: 1 to 12", c.Months)
	}
	if len(c.Programs) > 0 {
		if err := checkPrograms(c.Programs); err != nil {
			return err
		}
	}
	unused := func(what string, set bool) error {
		if set {
			return coverage.Errorf(coverage.EINVALID, "%s does not apply to %s", what, c.Kind)
		}
		return nil
	}
	switch c.Kind {
	case AddCategory:
		if c.Category == "" && c.RosterID == "" {
			return coverage.Errorf(coverage.EINVALID, "a category is required (or a roster, whose category it takes)")
		}
		if c.RosterID != "" {
			if c.Headcount != 0 || len(c.Distribution) > 0 {
				return coverage.Errorf(coverage.EINVALID, "a roster names the people: no headcount or distribution with it")
			}
			return nil
		}
		if c.Headcount == 0 {
			return coverage.Errorf(coverage.EINVALID, "a headcount or a roster is required")
		}
		if len(c.Distribution) > 0 {
			var sum int64
			seen := map[string]bool{}
			for _, d := range c.Distribution {
				if d.Count <= 0 || d.Count > MaxHeadcount {
					return coverage.Errorf(coverage.EINVALID, "area %s: count %d must be positive", coverage.Clip(d.Area), d.Count)
				}
				if seen[d.Area] {
					return coverage.Errorf(coverage.EINVALID, "area %s is listed twice", coverage.Clip(d.Area))
				}
				seen[d.Area] = true
				sum += d.Count
			}
			if sum != c.Headcount {
				return coverage.Errorf(coverage.EINVALID, "the distribution adds up to %d, the headcount is %d", sum, c.Headcount)
			}
		}
		return nil
	case RemoveCategory:
		if c.Category == "" {
			return coverage.Errorf(coverage.EINVALID, "a category is required")
		}
		return cmp.Or(unused("a distribution", len(c.Distribution) > 0), unused("programs", len(c.Programs) > 0),
			unused("an income", c.Income != 0), unused("months", c.Months != 0), unused("a roster", c.RosterID != ""))
	case SetPrograms:
		if len(c.Programs) == 0 {
			return coverage.Errorf(coverage.EINVALID, "programs are required")
		}
		return cmp.Or(unused("a headcount", c.Headcount != 0), unused("a distribution", len(c.Distribution) > 0),
			unused("an income", c.Income != 0), unused("months", c.Months != 0), unused("a roster", c.RosterID != ""))
	case SetIncome:
		if c.Income <= 0 {
			return coverage.Errorf(coverage.EINVALID, "a positive income is required")
		}
		return cmp.Or(unused("a headcount", c.Headcount != 0), unused("a distribution", len(c.Distribution) > 0),
			unused("programs", len(c.Programs) > 0), unused("months", c.Months != 0), unused("a roster", c.RosterID != ""))
	case SetMonths:
		if c.Months == 0 {
			return coverage.Errorf(coverage.EINVALID, "months (1 to 12) are required")
		}
		return cmp.Or(unused("a headcount", c.Headcount != 0), unused("a distribution", len(c.Distribution) > 0),
			unused("programs", len(c.Programs) > 0), unused("an income", c.Income != 0), unused("a roster", c.RosterID != ""))
	}
	return coverage.Errorf(coverage.EINVALID, "unknown kind of change")
}

// checkPrograms accepts BPU programmes with JKK and JKM, each once.
func checkPrograms(ps []coverage.Program) error {
	seen := map[coverage.Program]bool{}
	for _, p := range ps {
		if !slices.Contains(bpuPrograms, p) {
			return coverage.Errorf(coverage.EINVALID, "programme %s is not open to non-wage (BPU) workers: JKK, JKM and JHT are", coverage.Clip(string(p)))
		}
		if seen[p] {
			return coverage.Errorf(coverage.EINVALID, "programme %s is listed twice", p)
		}
		seen[p] = true
	}
	if !seen[coverage.ProgramJKK] || !seen[coverage.ProgramJKM] {
		return coverage.Errorf(coverage.EINVALID, "JKK and JKM are compulsory for BPU members: programs must include both")
	}
	return nil
}

// ordered returns the programmes in coverage.Programs order.
func ordered(ps []coverage.Program) []coverage.Program {
	var out []coverage.Program
	for _, p := range coverage.Programs {
		if slices.Contains(ps, p) {
			out = append(out, p)
		}
	}
	return out
}

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

// block is people of one category and area funded alike: a plan line, or
// people a change added.
type block struct {
	cat      coverage.Category
	area     string // kelurahan or kecamatan code; "" when not given
	programs []coverage.Program
	income   int64
	perHead  int64 // rupiah a month for one person
	added    bool
	// The people: entries funded in some month, member-months funded,
	// exclusive (baseline) entries who lose their cover when their funding
	// stops, counted covered in coverArea; shared entries (of people with
	// another category in the plan year); added people newly covered and
	// moving from another payer.
	cur  counts
	base counts // cur before any removal (SET_MONTHS rebases months)
	// removed is how many entries removals took: cur is base less removed's
	// share of each count, from base (so the same removal in one change or
	// in several gives the same counts).
	removed   int64
	coverArea string
}

// counts are what a block holds.
type counts struct {
	entries, months, exclusive, shared, newly, movers int64
}

func (b *block) monthly() int64 { return b.perHead * b.cur.entries }
func (b *block) annual() int64  { return b.perHead * b.cur.months }

// cut removes k more entries, each count by its share of the base, rounded
// half up.
func (b *block) cut(k int64) {
	b.removed += k
	share := func(v int64) int64 { return v - roundDiv(v*b.removed, b.base.entries) }
	b.cur = counts{entries: b.base.entries - b.removed, months: share(b.base.months), exclusive: share(b.base.exclusive),
		shared: share(b.base.shared), newly: share(b.base.newly), movers: share(b.base.movers)}
}

// groupFlow counts what the changes did to a category's people.
type groupFlow struct {
	newly, movers, already, lose int64
	assumed                      bool
}

// calc is one computation.
type calc struct {
	r       *reconcile.Rollup
	areas   *coverage.Areas
	tariffs coverage.Tariffs
	in      Input
	named   map[string]Named
	month   coverage.Period // the tariffs' month: the as-of month, as the baseline's
	flows   map[coverage.Category]*groupFlow
	notes   []string
}

func (c *calc) flow(cat coverage.Category) *groupFlow {
	f := c.flows[cat]
	if f == nil {
		f = &groupFlow{}
		c.flows[cat] = f
	}
	return f
}

// perHead prices one person a month.
func (c *calc) perHead(programs []coverage.Program, income int64) (int64, error) {
	return c.tariffs.Due(programs, income, c.month)
}

// Compute answers a scenario on the rollup r, with the workforce
// denominators wf, the city's areas, the tariffs, and the people of the
// uploaded rosters the changes name (looked up by the caller: Classify).
// It reads r and writes nothing.
func Compute(r *reconcile.Rollup, wf reconcile.Workforce, areas *coverage.Areas, tariffs coverage.Tariffs, named []Named, in Input) (Result, error) {
	if err := in.Validate(); err != nil {
		return Result{}, err
	}
	in = in.withDefaults()
	if r == nil {
		return Result{}, coverage.Errorf(coverage.EUNAVAILABLE, "no rollup to compute on")
	}
	if r.PlanYear == 0 {
		return Result{}, coverage.Errorf(coverage.EUNAVAILABLE, "rollup version %d was built before scenarios existed: it has no plan or claim experience. Run a reconciliation (reconcileNow) and ask again", r.Version)
	}
	if in.Year != r.PlanYear {
		return Result{}, coverage.Errorf(coverage.EINVALID, "a scenario plans the year after the data's as-of month (%s): %d, not %d; the roster's funding is known for that year", r.To, r.PlanYear, in.Year)
	}
	if tariffs == nil {
		tariffs = coverage.BPUTariffs
	}
	c := &calc{r: r, areas: areas, tariffs: tariffs, in: in, named: map[string]Named{}, month: r.To, flows: map[coverage.Category]*groupFlow{}}
	for _, n := range named {
		c.named[n.RosterID] = n
	}
	from, to, err := Window(r, in.ExperienceFrom, in.ExperienceTo)
	if err != nil {
		return Result{}, err
	}
	exp := aggregate(r, from, to)

	base := c.baseline()
	scen := slices.Clone(base)
	for i := range in.Changes {
		if scen, err = c.apply(scen, &in.Changes[i]); err != nil {
			return Result{}, coverage.Errorf(coverage.ErrorCode(err), "change %d (%s): %s", i+1, in.Changes[i].Kind, coverage.ErrorMessage(err))
		}
	}

	res := Result{Year: in.Year, RollupVersion: r.Version, AsOf: r.AsOf, AsOfMonth: r.To, ExperienceFrom: from, ExperienceTo: to,
		Simulations: in.Simulations, Seed: in.Seed, LowPercent: in.LowPercent, HighPercent: in.HighPercent}
	// Claims: each category's programmes on each side.
	cats := categories(base, scen)
	baseLines, scenLines := c.claimLines(base, exp, cats), c.claimLines(scen, exp, cats)
	// The range resamples every expected claim of both sides in each
	// simulated year: fewer years when that passes MaxDraws, none below
	// 100 (the cost and coverage are answered all the same).
	var draws float64
	for _, l := range append(slices.Clone(baseLines), scenLines...) {
		draws += l.lambda
	}
	if draws*float64(in.Simulations) > MaxDraws {
		fit := int(MaxDraws / draws)
		if fit >= 100 {
			c.notes = append(c.notes, fmt.Sprintf("The range resamples %d years, not %d: %.0f claims a year on the two sides would pass %d draws.", fit, in.Simulations, draws, MaxDraws))
			in.Simulations = fit
		} else {
			c.notes = append(c.notes, fmt.Sprintf("No range: %.0f claims a year on the two sides are too many to resample (%d draws at most); the expected claims stand.", draws, MaxDraws))
			in.Simulations = 0
		}
		res.Simulations = in.Simulations
	}
	res.Baseline = c.side(base, baseLines)
	res.Scenario = c.side(scen, scenLines)
	// Groups.
	for _, cat := range cats {
		g := GroupLine{Category: cat, Baseline: groupSide(base, baseLines, cat), Scenario: groupSide(scen, scenLines, cat)}
		if f := c.flows[cat]; f != nil {
			g.NewlyCovered, g.Movers, g.AlreadyCity, g.LoseCoverage, g.Assumed = f.newly, f.movers, f.already, f.lose, f.assumed
		}
		for _, l := range scenLines {
			if l.cat == cat {
				g.Programs = append(g.Programs, ProgramLine{Program: l.program, MemberMonths: l.months, ExpectedCount: l.count,
					ExpectedPaid: l.paid, Basis: l.basis, Experience: l.exp})
			}
		}
		res.Groups = append(res.Groups, g)
	}
	// Coverage.
	c.coverage(&res, base, scen, wf)
	// The ranges.
	if in.Simulations > 0 {
		res.Baseline.PaidLow, res.Baseline.PaidHigh = simulate(baseLines, in)
		res.Scenario.PaidLow, res.Scenario.PaidHigh = simulate(scenLines, in)
	}
	c.notes = append(c.notes, fmt.Sprintf("Costs are priced at the BPU tariffs in force in %s, the as-of month, as the baseline's.", c.month),
		fmt.Sprintf("Claims are expected from the paid claims whose incident fell from %s to %s; claims not yet paid for recent incidents are not counted.", from, to))
	pooled := map[string][]string{} // "JKK on the CITY_FUNDED pool (n claims)" -> categories
	var keys []string
	for _, g := range res.Groups {
		if g.Assumed {
			c.notes = append(c.notes, fmt.Sprintf("%s: added without a roster, so assumed not covered before; upload its roster to count the people already enrolled.", g.Category))
		}
		for _, p := range g.Programs {
			if p.Basis != BasisCategory && p.MemberMonths > 0 {
				k := fmt.Sprintf("%s on the %s pool (%d claims)", p.Program, p.Basis, p.Experience.Claims)
				if pooled[k] == nil {
					keys = append(keys, k)
				}
				pooled[k] = append(pooled[k], string(g.Category))
			}
		}
	}
	why := fmt.Sprintf("Fewer than %d claims of their own in the window", in.MinClaims)
	if in.MinClaims == 0 {
		why = "No member-months of their own in the window"
	}
	for _, k := range keys {
		c.notes = append(c.notes, fmt.Sprintf("%s: %s priced %s.", why, strings.Join(pooled[k], ", "), k))
	}
	res.Notes = c.notes
	return res, nil
}

// Window resolves an experience window on r: default the DefaultWindow
// months before the as-of month (a month still open has claims to come),
// within the rollup's months.
func Window(r *reconcile.Rollup, from, to coverage.Period) (coverage.Period, coverage.Period, error) {
	if to == "" {
		to = max(r.To.AddMonths(-1), r.From)
	}
	if from == "" {
		from = max(to.AddMonths(-(DefaultWindow - 1)), r.From)
	}
	if from < r.From || to > r.To || from > to {
		return "", "", coverage.Errorf(coverage.EINVALID, "the experience window %s to %s is not within the rollup's months, %s to %s", from, to, r.From, r.To)
	}
	return from, to, nil
}

// baseline is the plan year's roster as the rollup knows it.
func (c *calc) baseline() []block {
	var out []block
	for _, l := range c.r.Plan {
		b := block{cat: l.Category, area: l.Kelurahan, programs: l.Programs, income: l.Income, coverArea: l.CoverKelurahan,
			base: counts{entries: l.Entries, months: l.MemberMonths, exclusive: l.Exclusive, shared: l.Shared}}
		b.cur = b.base
		if l.Entries > 0 {
			b.perHead = l.MonthDue / l.Entries
		}
		if b.perHead*l.Entries != l.MonthDue || b.perHead*l.MemberMonths != l.Due {
			// Entries of one line share their programmes and income,
			// so they share their price; a line that does not is a
			// rollup this code does not read right.
			c.notes = append(c.notes, fmt.Sprintf("plan line %s %s does not divide evenly: Rp%d a month for %d entries", l.Category, l.Kelurahan, l.MonthDue, l.Entries))
		}
		out = append(out, b)
	}
	return out
}

// apply makes one change.
func (c *calc) apply(bs []block, ch *Change) ([]block, error) {
	match := func(b *block) bool { return ch.Category == "" || b.cat == ch.Category }
	reprice := func(b *block) error {
		p, err := c.perHead(b.programs, b.income)
		if err != nil {
			return err
		}
		b.perHead = p
		return nil
	}
	switch ch.Kind {
	case AddCategory:
		programs, income, months := ordered(ch.Programs), ch.Income, int64(ch.Months)
		if len(programs) == 0 {
			programs = DefaultPrograms
		}
		if income == 0 {
			income = DefaultIncome
		}
		if months == 0 {
			months = 12
		}
		price, err := c.perHead(programs, income)
		if err != nil {
			return nil, err
		}
		cat := ch.Category
		var n Named
		if ch.RosterID != "" {
			var ok bool
			if n, ok = c.named[ch.RosterID]; !ok {
				return nil, coverage.Errorf(coverage.ENOTFOUND, "no uploaded roster %s", coverage.Clip(ch.RosterID))
			}
			if cat == "" {
				cat = n.Category
			}
		}
		f := c.flow(cat)
		add := func(area string, funded, newly int64) {
			if funded > 0 {
				b := block{cat: cat, area: area, programs: programs, income: income, perHead: price, added: true,
					base: counts{entries: funded, months: funded * months, newly: newly, movers: funded - newly}}
				b.cur = b.base
				bs = append(bs, b)
			}
		}
		if ch.RosterID != "" {
			for _, area := range sortedKeys(n.ByArea) {
				k := n.ByArea[area]
				add(area, k.New+k.Movers, k.New)
				f.newly += k.New
				f.movers += k.Movers
				f.already += k.AlreadyCity
			}
			if n.Repeated > 0 {
				c.notes = append(c.notes, fmt.Sprintf("%s: %d people of roster %s were named by an earlier roster of the scenario: counted once, there.", cat, n.Repeated, ch.RosterID))
			}
			return bs, nil
		}
		f.assumed = true
		f.newly += ch.Headcount
		if len(ch.Distribution) == 0 {
			add("", ch.Headcount, ch.Headcount)
			return bs, nil
		}
		for _, d := range ch.Distribution {
			a, ok := c.areas.Lookup(d.Area)
			if !ok || a.Level == coverage.LevelCity {
				return nil, coverage.Errorf(coverage.EINVALID, "area %s is not a kecamatan or kelurahan of %s", coverage.Clip(d.Area), c.areas.City().Name)
			}
			add(d.Area, d.Count, d.Count)
		}
		return bs, nil
	case RemoveCategory:
		var total int64
		for i := range bs {
			if match(&bs[i]) {
				total += bs[i].cur.entries
			}
		}
		if total == 0 {
			return nil, coverage.Errorf(coverage.EINVALID, "category %s has nobody funded in the scenario's %d", ch.Category, c.in.Year)
		}
		n := ch.Headcount
		if n == 0 {
			n = total
		}
		if n > total {
			return nil, coverage.Errorf(coverage.EINVALID, "removes %d of category %s, which has %d", n, ch.Category, total)
		}
		// n apportioned over the category's blocks by their entries
		// (largest remainder, ties by order), each block losing its
		// share of everything.
		var idx []int
		var weights []int64
		for i := range bs {
			if match(&bs[i]) {
				idx = append(idx, i)
				weights = append(weights, bs[i].cur.entries)
			}
		}
		f := c.flow(ch.Category)
		var shared int64
		for j, k := range apportion(n, weights) {
			b := &bs[idx[j]]
			if k == 0 {
				continue
			}
			before := b.cur
			b.cut(k)
			if b.added {
				// People the scenario added and now takes back: never
				// covered by it, so no loss, fewer gained.
				f.newly -= before.newly - b.cur.newly
				f.movers -= before.movers - b.cur.movers
			} else {
				f.lose += before.exclusive - b.cur.exclusive
				shared += before.shared - b.cur.shared
			}
		}
		if shared > 0 {
			c.notes = append(c.notes, fmt.Sprintf("%s: %d of the entries removed are of people funded in another category in %d too: their cover is counted as kept.", ch.Category, shared, c.in.Year))
		}
		return slices.DeleteFunc(bs, func(b block) bool { return b.cur.entries == 0 }), nil
	case SetPrograms:
		return c.each(bs, ch, func(b *block) error { b.programs = ordered(ch.Programs); return reprice(b) })
	case SetIncome:
		return c.each(bs, ch, func(b *block) error { b.income = ch.Income; return reprice(b) })
	case SetMonths:
		return c.each(bs, ch, func(b *block) error {
			b.cur.months, b.base.months = b.cur.entries*int64(ch.Months), b.base.entries*int64(ch.Months)
			return nil
		})
	}
	return nil, coverage.Errorf(coverage.EINVALID, "unknown kind of change")
}

// each applies f to the blocks of the change's category (every block when
// it names none), refusing a category with nobody.
func (c *calc) each(bs []block, ch *Change, f func(*block) error) ([]block, error) {
	n := 0
	for i := range bs {
		if ch.Category == "" || bs[i].cat == ch.Category {
			if err := f(&bs[i]); err != nil {
				return nil, err
			}
			n++
		}
	}
	if n == 0 && ch.Category != "" {
		return nil, coverage.Errorf(coverage.EINVALID, "category %s has nobody funded in the scenario's %d", ch.Category, c.in.Year)
	}
	return bs, nil
}

// apportion splits n over weights in proportion (largest remainder; the
// earlier weight wins a tie), the parts adding up to n.
func apportion(n int64, weights []int64) []int64 {
	var total int64
	for _, w := range weights {
		total += w
	}
	parts := make([]int64, len(weights))
	if total == 0 {
		return parts
	}
	type rem struct {
		i int
		r int64
	}
	var rems []rem
	left := n
	for i, w := range weights {
		parts[i] = n * w / total
		left -= parts[i]
		rems = append(rems, rem{i, n * w % total})
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.r, a.r) })
	for j := 0; left > 0; j++ {
		parts[rems[j].i]++
		left--
	}
	return parts
}

// roundDiv is a/b rounded half up, for a, b >= 0.
func roundDiv(a, b int64) int64 {
	if b == 0 {
		return 0
	}
	return (2*a + b) / (2 * b)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// categories lists the categories on either side, in code order.
func categories(sides ...[]block) []coverage.Category {
	var out []coverage.Category
	for _, bs := range sides {
		for _, b := range bs {
			out = append(out, b.cat)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// side sums one side's blocks and claim lines (coverage is filled later).
func (c *calc) side(bs []block, lines []claimLine) Side {
	var s Side
	for i := range bs {
		s.Funded += bs[i].cur.entries
		s.MemberMonths += bs[i].cur.months
		s.MonthlyCost += bs[i].monthly()
		s.AnnualCost += bs[i].annual()
	}
	for _, l := range lines {
		s.ExpectedCount += l.count
		s.ExpectedPaid += l.paid
	}
	if s.AnnualCost > 0 {
		lr := float64(s.ExpectedPaid) / float64(s.AnnualCost)
		s.LossRatio = &lr
	}
	return s
}

// groupSide sums one category on one side.
func groupSide(bs []block, lines []claimLine, cat coverage.Category) GroupSide {
	var g GroupSide
	for i := range bs {
		if bs[i].cat == cat {
			g.Funded += bs[i].cur.entries
			g.MemberMonths += bs[i].cur.months
			g.MonthlyCost += bs[i].monthly()
			g.AnnualCost += bs[i].annual()
		}
	}
	for _, l := range lines {
		if l.cat == cat {
			g.ExpectedCount += l.count
			g.ExpectedPaid += l.paid
		}
	}
	return g
}

// kecamatanOf returns the kecamatan code of an area code ("" when it is not
// in the city).
func (c *calc) kecamatanOf(code string) string {
	a, ok := c.areas.Lookup(code)
	switch {
	case !ok:
		return ""
	case a.Level == coverage.LevelKelurahan:
		return a.Parent
	case a.Level == coverage.LevelKecamatan:
		return a.Code
	}
	return ""
}

// coverage fills the participants and rates, city-wide and per kecamatan:
// the people covered at the end of the as-of month, plus the people the
// scenario newly covers, minus those whose only cover it stops.
func (c *calc) coverage(res *Result, base, scen []block, wf reconcile.Workforce) {
	city := c.areas.City().Code
	// Each area divides by its own latest workforce figure of the plan year
	// or the ten before (the feed may give the city's for a year and the
	// kecamatan's for another).
	denominator := func(area string) (int64, int, bool) {
		if wf == nil {
			return 0, 0, false
		}
		for y := c.in.Year; y >= c.in.Year-10; y-- {
			if d, ok := wf(y, area); ok && d.Workforce > 0 {
				return d.Workforce, y, true
			}
		}
		return 0, 0, false
	}
	// The change in people by kecamatan: gained by added blocks where they
	// were added, lost by the cover a removal stops where those people are
	// counted covered (their membership's kelurahan).
	delta := map[string]int64{}
	for i := range scen {
		if scen[i].added {
			delta[c.kecamatanOf(scen[i].area)] += scen[i].cur.newly
		} else {
			delta[c.kecamatanOf(scen[i].coverArea)] += scen[i].cur.exclusive
		}
	}
	for i := range base {
		delta[c.kecamatanOf(base[i].coverArea)] -= base[i].cur.exclusive
	}
	rate := func(n, w int64, ok bool) *float64 {
		if !ok {
			return nil
		}
		r := float64(n) / float64(w)
		return &r
	}
	points := func(a, b *float64) *float64 {
		if a == nil || b == nil {
			return nil
		}
		d := (*b - *a) * 100
		return &d
	}
	var total int64
	for _, k := range c.areas.Kecamatan() {
		b := c.r.PeopleAt(c.r.To, k.Code)
		w, y, ok := denominator(k.Code)
		l := AreaLine{AreaCode: k.Code, Name: k.Name, Workforce: w, DenominatorYear: y, Baseline: b, Scenario: b + delta[k.Code]}
		l.BaselineRate, l.ScenarioRate = rate(l.Baseline, w, ok), rate(l.Scenario, w, ok)
		l.ChangePoints = points(l.BaselineRate, l.ScenarioRate)
		total += delta[k.Code]
		res.Areas = append(res.Areas, l)
	}
	if d := delta[""]; d != 0 {
		res.Areas = append(res.Areas, AreaLine{Name: "without an area", Scenario: d})
		total += d
	}
	b := c.r.PeopleAt(c.r.To, city)
	w, year, ok := denominator(city)
	res.DenominatorYear = year
	for _, s := range []*Side{&res.Baseline, &res.Scenario} {
		s.Participants, s.Workforce = b, w
	}
	res.Scenario.Participants = b + total
	res.Baseline.Rate, res.Scenario.Rate = rate(res.Baseline.Participants, w, ok), rate(res.Scenario.Participants, w, ok)
	res.ChangePoints = points(res.Baseline.Rate, res.Scenario.Rate)
	switch {
	case !ok:
		c.notes = append(c.notes, "No workforce figure for the city: no coverage rate.")
	case year != c.in.Year:
		c.notes = append(c.notes, fmt.Sprintf("No workforce figure of the city for %d: the rate divides by %d's.", c.in.Year, year))
	}
}
