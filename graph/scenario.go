package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/coverage/scenario"
	"github.com/cilegon/jamsostek/graph/internal/model"
	"github.com/cilegon/jamsostek/worker/rosterfile"
)

// What-if scenarios (issue 14; the model is coverage/scenario's,
// docs/scenarios.md): the resolvers map the GraphQL inputs to
// scenario.Input, compute them on the latest rollup in memory (one figure at
// a time in a request, like the other aggregates) and map the result back.
// A scenario writes nothing: only saveScenario and uploadScenarioRoster
// write, to their own collections (coverage.Scenarios, store/scenarios.go).
// Every scenario field is city-wide (policy.go: ruleCityWide, or admin).

// ScenarioBase is implemented by an Analytics that computes scenarios
// (analytics.Service): the latest rollup, its workforce denominators and the
// tariffs the reconciliation applies. Without it the scenario fields answer
// UNAVAILABLE.
type ScenarioBase interface {
	ScenarioBase() (*reconcile.Rollup, reconcile.Workforce, coverage.Tariffs, error)
}

// Scenarios stores saved scenarios and scenario rosters (store.Store).
type Scenarios = coverage.Scenarios

// Bounds of the scenario fields.
const (
	minCompared       = 2   // compareScenarios: inputs and saved ids in all
	maxCompared       = 6   //
	maxScenarioList   = 100 // savedScenarios and scenarioRosters (first)
	maxScenarioName   = 200 // runes of a saved scenario's name
	maxRosterFileName = 200 // runes of an uploaded file's name kept
)

// baseline is what a scenario is computed on.
type baseline struct {
	rollup  *reconcile.Rollup
	wf      reconcile.Workforce
	tariffs coverage.Tariffs
}

// scenarioBase reads the latest rollup for a scenario: city-wide only.
func (r *resolver) scenarioBase(ctx context.Context) (baseline, error) {
	if err := r.analyticsReady(); err != nil {
		return baseline{}, err
	}
	sb, ok := r.analytics.next.(ScenarioBase)
	if !ok {
		return baseline{}, coverage.Errorf(coverage.EUNAVAILABLE, "this server does not compute scenarios")
	}
	s, err := scopeOf(ctx)
	if err == nil && s.area != "" {
		err = coverage.Errorf(coverage.EFORBIDDEN, "scenarios are city-wide and cannot be limited to your area %s", s.area)
	}
	if err != nil {
		return baseline{}, err
	}
	var b baseline
	err = figure(ctx, func() (err error) {
		b.rollup, b.wf, b.tariffs, err = sb.ScenarioBase()
		return err
	})
	return b, err
}

func (r *resolver) scenarioStore() (Scenarios, error) {
	if r.scenarios == nil {
		return nil, coverage.Errorf(coverage.EUNAVAILABLE, "this server keeps no scenarios")
	}
	return r.scenarios, nil
}

// scenarioInput maps a GraphQL input to scenario.Input, without checking
// it (checkInput does, once the rosters it names have given their
// categories); it returns the input normalised too (the defaults filled
// in), as saved.
func scenarioInput(in model.ScenarioInput) (scenario.Input, model.ScenarioInput, error) {
	def := func(p *int, d int) *int {
		if p == nil {
			return &d
		}
		v := *p
		return &v
	}
	in.MinClaims = def(in.MinClaims, scenario.DefaultMinClaims)
	in.Simulations = def(in.Simulations, scenario.DefaultSimulations)
	in.Seed = def(in.Seed, scenario.DefaultSeed)
	in.LowPercent = def(in.LowPercent, scenario.DefaultLowPercent)
	in.HighPercent = def(in.HighPercent, scenario.DefaultHighPercent)
	switch {
	case *in.Seed < 0:
		return scenario.Input{}, in, coverage.Errorf(coverage.EINVALID, "seed must be 0 or more, got %d", *in.Seed)
	case *in.Simulations < 1 || *in.Simulations > scenario.MaxSimulations:
		return scenario.Input{}, in, coverage.Errorf(coverage.EINVALID, "simulations must be between 1 and %d, got %d", scenario.MaxSimulations, *in.Simulations)
	case len(in.Changes) > scenario.MaxChanges:
		return scenario.Input{}, in, coverage.Errorf(coverage.EINVALID, "a scenario has at most %d changes, got %d", scenario.MaxChanges, len(in.Changes))
	}
	out := scenario.Input{Year: in.Year, ExperienceFrom: deref(in.ExperienceFrom), ExperienceTo: deref(in.ExperienceTo),
		MinClaims: *in.MinClaims, Simulations: *in.Simulations, Seed: uint64(*in.Seed),
		LowPercent: *in.LowPercent, HighPercent: *in.HighPercent}
	for i, c := range in.Changes {
		for _, z := range []struct {
			name string
			v    *int
		}{{"headcount", c.Headcount}, {"months", c.Months}} {
			if z.v != nil && *z.v == 0 {
				return scenario.Input{}, in, coverage.Errorf(coverage.EINVALID, "change %d: %s 0: give 1 or more, or leave it out (its default)", i+1, z.name)
			}
		}
		if c.Income != nil && *c.Income == 0 {
			return scenario.Input{}, in, coverage.Errorf(coverage.EINVALID, "change %d: income 0: give a positive income, or leave it out (its default)", i+1)
		}
		ch := scenario.Change{Kind: c.Kind, Category: coverage.Category(strings.TrimSpace(deref(c.Category))), Programs: c.Programs,
			Headcount: int64(deref(c.Headcount)), Income: deref(c.Income), Months: deref(c.Months), RosterID: deref(c.RosterID)}
		for _, d := range c.Distribution {
			ch.Distribution = append(ch.Distribution, scenario.AreaCount{Area: d.Area, Count: int64(d.Count)})
		}
		out.Changes = append(out.Changes, ch)
	}
	return out, in, nil
}

// rosters reads the uploaded rosters the changes name (an unknown one is
// NOT_FOUND). A change that names a roster takes the roster's category when
// it names none, and must not name another.
func (r *resolver) rosters(ctx context.Context, in *scenario.Input, memo *scenarioMemo) ([]*coverage.ScenarioRoster, error) {
	ids := in.RosterIDs()
	if len(ids) == 0 {
		return nil, nil
	}
	st, err := r.scenarioStore()
	if err != nil {
		return nil, err
	}
	memo.mu.Lock()
	defer memo.mu.Unlock()
	var out []*coverage.ScenarioRoster
	for _, id := range ids {
		ro, ok := memo.rosters[id]
		if !ok {
			if ro, err = st.ScenarioRoster(ctx, id); err != nil {
				return nil, err
			}
			memo.rosters[id] = ro
		}
		for i := range in.Changes {
			c := &in.Changes[i]
			if c.RosterID != id {
				continue
			}
			if c.Category == "" {
				c.Category = ro.Category
			} else if c.Category != ro.Category {
				return nil, coverage.Errorf(coverage.EINVALID, "change %d names category %s and roster %s, which lists people of %s", i+1, c.Category, id, ro.Category)
			}
		}
		out = append(out, ro)
	}
	return out, nil
}

// scenarioMemo keeps, for one request, the rosters read and their people
// looked up (one roster named by several scenarios, or aliases, of a
// request is read and looked up once; classifying them again per scenario
// is in memory). Its mutex serialises the request's lookups.
type scenarioMemo struct {
	mu      sync.Mutex
	rosters map[string]*coverage.ScenarioRoster
	lookups map[string]*rosterLookup // by roster id and rollup (as-of date and plan year)
}

// rosterLookup is what a roster's people are, looked up once.
type rosterLookup struct {
	rows   []scenario.RosterRow
	byNIK  map[string][]coverage.Participant
	funded map[string]bool // on the plan year's roster
}

// scenarioMemo returns the request's memo.
func (r *resolver) scenarioMemo(ctx context.Context) *scenarioMemo {
	ls := r.loaders(ctx)
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.scenarios == nil {
		ls.scenarios = &scenarioMemo{rosters: map[string]*coverage.ScenarioRoster{}, lookups: map[string]*rosterLookup{}}
	}
	return ls.scenarios
}

// rosterLookupBatch is how many NIKs a roster lookup asks the roster for at
// once (ParticipantsByNIK batches its own).
const rosterLookupBatch = 1000

// named looks the rosters' people up by NIK: their memberships on the
// rollup's as-of date, and whether the plan year's roster funds them
// already; a person named by an earlier roster of the scenario counts there
// only. The lookup is a selection by personal data (the NIKs): audited as
// one, though nothing of it is answered.
func (r *resolver) named(ctx context.Context, rosters []*coverage.ScenarioRoster, rollup *reconcile.Rollup, memo *scenarioMemo) ([]scenario.Named, error) {
	memo.mu.Lock()
	defer memo.mu.Unlock()
	on := reconcile.JakartaDate(rollup.AsOf)
	var out []scenario.Named
	seen := map[string]bool{}
	for _, ro := range rosters {
		key := ro.ID + "\x00" + string(on) + "\x00" + strconv.Itoa(rollup.PlanYear)
		lk := memo.lookups[key]
		if lk == nil {
			lk = &rosterLookup{rows: make([]scenario.RosterRow, len(ro.Rows)), funded: map[string]bool{}}
			niks := make([]string, len(ro.Rows))
			recs := make([]any, len(ro.Rows))
			for i := range ro.Rows {
				niks[i], lk.rows[i], recs[i] = ro.Rows[i].NIK, scenario.RosterRow{NIK: ro.Rows[i].NIK, Kelurahan: ro.Rows[i].Kelurahan}, &ro.Rows[i]
			}
			auditOf(ctx).selected([]string{"selection:scenarioRoster"}, recs)
			var err error
			if lk.byNIK, err = r.scenarios.ParticipantsByNIK(ctx, niks); err != nil {
				return nil, err
			}
			for start := 0; start < len(niks); start += rosterLookupBatch {
				entries, err := r.records.RosterByNIK(ctx, niks[start:min(start+rosterLookupBatch, len(niks))])
				if err != nil {
					return nil, err
				}
				for nik, es := range entries {
					for i := range es {
						for m := time.January; m <= time.December; m++ {
							if es[i].FundedIn(coverage.MakePeriod(rollup.PlanYear, m)) {
								lk.funded[nik] = true
							}
						}
					}
				}
			}
			memo.lookups[key] = lk
		}
		out = append(out, scenario.Classify(ro.ID, ro.Category, lk.rows, lk.byNIK, lk.funded, seen, on))
	}
	return out, nil
}

// computeScenario answers a scenario on base (nil: the latest rollup); it
// returns the normalised input too. Naming an uploaded roster's people is
// for analysts and admins: the classes of a small roster tell about the
// people on it.
func (r *resolver) computeScenario(ctx context.Context, gin model.ScenarioInput, base *baseline) (*model.ScenarioResult, model.ScenarioInput, error) {
	in, norm, err := scenarioInput(gin)
	if err != nil {
		return nil, norm, err
	}
	if err := in.Validate(); err != nil {
		return nil, norm, err
	}
	if len(in.RosterIDs()) > 0 {
		if p, ok := PrincipalFrom(ctx); !ok || p.Role.Rank() < RoleAnalyst.Rank() {
			return nil, norm, coverage.Errorf(coverage.EFORBIDDEN, "a scenario naming an uploaded roster's people is for analysts and admins: their classes tell about the people on it")
		}
	}
	memo := r.scenarioMemo(ctx)
	rosters, err := r.rosters(ctx, &in, memo)
	if err != nil {
		return nil, norm, err
	}
	if base == nil {
		b, err := r.scenarioBase(ctx)
		if err != nil {
			return nil, norm, err
		}
		base = &b
	}
	named, err := r.named(ctx, rosters, base.rollup, memo)
	if err != nil {
		return nil, norm, err
	}
	var res scenario.Result
	err = figure(ctx, func() (err error) {
		res, err = scenario.Compute(base.rollup, base.wf, r.areas, base.tariffs, named, in)
		return err
	})
	if err != nil {
		return nil, norm, err
	}
	return scenarioResult(&res), norm, nil
}

// compareScenarios computes the inputs, then the saved scenarios' inputs,
// in order.
func (r *resolver) compareScenarios(ctx context.Context, inputs []model.ScenarioInput, saved []string) ([]model.ScenarioResult, error) {
	if n := len(inputs) + len(saved); n < minCompared || n > maxCompared {
		return nil, coverage.Errorf(coverage.EINVALID, "compareScenarios compares %d to %d scenarios (inputs and saved ids in all), got %d", minCompared, maxCompared, n)
	}
	all := append([]model.ScenarioInput(nil), inputs...)
	if len(saved) > 0 {
		st, err := r.scenarioStore()
		if err != nil {
			return nil, err
		}
		for _, id := range saved {
			sc, err := st.SavedScenario(ctx, id)
			if err != nil {
				return nil, err
			}
			var in model.ScenarioInput
			if err := json.Unmarshal([]byte(sc.Input), &in); err != nil {
				return nil, fmt.Errorf("saved scenario %s: its input: %w", id, err)
			}
			all = append(all, in)
		}
	}
	// One baseline for all: a rollup installed during the comparison does
	// not split it.
	base, err := r.scenarioBase(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]model.ScenarioResult, 0, len(all))
	for i, in := range all {
		res, _, err := r.computeScenario(ctx, in, &base)
		if err != nil {
			if i >= len(inputs) {
				return nil, coverage.Errorf(coverage.ErrorCode(err), "saved scenario %s: %s", saved[i-len(inputs)], coverage.ErrorMessage(err))
			}
			return nil, coverage.Errorf(coverage.ErrorCode(err), "scenario %d: %s", i+1, coverage.ErrorMessage(err))
		}
		out = append(out, *res)
	}
	return out, nil
}

// saveScenario computes a scenario and saves it with its author, the
// caller.
func (r *resolver) saveScenario(ctx context.Context, name string, gin model.ScenarioInput) (*model.SavedScenario, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return nil, coverage.Errorf(coverage.EINVALID, "a saved scenario needs a name")
	case utf8.RuneCountInString(name) > maxScenarioName:
		return nil, coverage.Errorf(coverage.EINVALID, "a scenario's name has at most %d characters", maxScenarioName)
	}
	st, err := r.scenarioStore()
	if err != nil {
		return nil, err
	}
	res, norm, err := r.computeScenario(ctx, gin, nil)
	if err != nil {
		return nil, err
	}
	input, err := json.Marshal(norm)
	if err != nil {
		return nil, err
	}
	result, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	sc := coverage.SavedScenario{Name: name, Author: caller(ctx).Name, Year: norm.Year, Input: string(input),
		RollupVersion: int64(res.RollupVersion), Result: string(result)}
	if err := st.SaveScenario(ctx, &sc); err != nil {
		return nil, err
	}
	return &model.SavedScenario{ID: sc.ID, Name: sc.Name, Author: sc.Author, SavedAt: sc.SavedAt, Year: sc.Year,
		InputJSON: sc.Input, RollupVersion: res.RollupVersion, Result: res}, nil
}

func savedScenario(sc *coverage.SavedScenario) (*model.SavedScenario, error) {
	var res model.ScenarioResult
	if err := json.Unmarshal([]byte(sc.Result), &res); err != nil {
		return nil, fmt.Errorf("saved scenario %s: its result: %w", sc.ID, err)
	}
	return &model.SavedScenario{ID: sc.ID, Name: sc.Name, Author: sc.Author, SavedAt: sc.SavedAt, Year: sc.Year,
		InputJSON: sc.Input, RollupVersion: int(sc.RollupVersion), Result: &res}, nil
}

// listFirst checks the first argument of the scenario lists.
func listFirst(first *int) (int, error) {
	n := 20
	if first != nil {
		n = *first
	}
	if n < 1 || n > maxScenarioList {
		return 0, coverage.Errorf(coverage.EINVALID, "first must be between 1 and %d, got %d", maxScenarioList, n)
	}
	return n, nil
}

func (r *resolver) savedScenarios(ctx context.Context, first *int) ([]model.SavedScenario, error) {
	n, err := listFirst(first)
	if err != nil {
		return nil, err
	}
	st, err := r.scenarioStore()
	if err != nil {
		return nil, err
	}
	list, err := st.SavedScenarios(ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]model.SavedScenario, 0, len(list))
	for i := range list {
		sc, err := savedScenario(&list[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *sc)
	}
	return out, nil
}

func (r *resolver) savedScenario(ctx context.Context, id string) (*model.SavedScenario, error) {
	st, err := r.scenarioStore()
	if err != nil {
		return nil, err
	}
	sc, err := st.SavedScenario(ctx, id)
	if coverage.ErrorCode(err) == coverage.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return savedScenario(sc)
}

// scenarioRoster is a roster's counts: never its rows.
func scenarioRoster(ro *coverage.ScenarioRoster) model.ScenarioRoster {
	return model.ScenarioRoster{ID: ro.ID, Category: string(ro.Category), FileName: ro.FileName, UploadedBy: ro.UploadedBy,
		UploadedAt: ro.UploadedAt, Rows: ro.RowCount, Rejected: ro.Rejected, Problems: nonNil(ro.Problems)}
}

func (r *resolver) scenarioRosters(ctx context.Context, first *int) ([]model.ScenarioRoster, error) {
	n, err := listFirst(first)
	if err != nil {
		return nil, err
	}
	st, err := r.scenarioStore()
	if err != nil {
		return nil, err
	}
	list, err := st.ScenarioRosters(ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]model.ScenarioRoster, 0, len(list))
	for i := range list {
		out = append(out, scenarioRoster(&list[i]))
	}
	return out, nil
}

// uploadScenarioRoster reads a list of people (rosterfile.ReadPeople: the
// roster import's readers, limits and checks of nik and kelurahan_code) and
// stores its valid rows. The rows are personal data: their upload is
// audited as a read of each row, and no answer holds a NIK.
func (r *resolver) uploadScenarioRoster(ctx context.Context, category string, file graphql.Upload) (*model.ScenarioRoster, error) {
	cat := coverage.Category(strings.TrimSpace(category))
	if err := cat.Validate(); err != nil {
		return nil, err
	}
	st, err := r.scenarioStore()
	if err != nil {
		return nil, err
	}
	var people *rosterfile.People
	err = figure(ctx, func() (err error) {
		people, err = rosterfile.ReadPeople(file.File, file.Filename, r.areas)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(people.Rows) == 0 {
		msg := "the file has no valid row"
		if len(people.Problems) > 0 {
			msg += ": " + strings.Join(people.Problems[:min(3, len(people.Problems))], "; ")
		}
		return nil, coverage.Errorf(coverage.EINVALID, "%s", msg)
	}
	recs := make([]any, len(people.Rows))
	for i := range people.Rows {
		recs[i] = &people.Rows[i]
	}
	auditOf(ctx).selected([]string{"ScenarioRoster.rows"}, recs)
	name := filepath.Base(file.Filename)
	if utf8.RuneCountInString(name) > maxRosterFileName {
		name = string([]rune(name)[:maxRosterFileName])
	}
	ro := coverage.ScenarioRoster{Category: cat, FileName: name, UploadedBy: caller(ctx).Name,
		Rows: people.Rows, Rejected: people.Rejected, Problems: people.Problems}
	if err := st.SaveScenarioRoster(ctx, &ro); err != nil {
		return nil, err
	}
	out := scenarioRoster(&ro)
	return &out, nil
}

// claimExperience answers the observed claim experience.
func (r *resolver) claimExperience(ctx context.Context, from, to *coverage.Period) (*model.ClaimExperience, error) {
	if from != nil && to != nil && *from > *to {
		return nil, coverage.Errorf(coverage.EINVALID, "from %s is after to %s", *from, *to)
	}
	base, err := r.scenarioBase(ctx)
	if err != nil {
		return nil, err
	}
	var (
		lines  []scenario.Experience
		lo, hi coverage.Period
	)
	err = figure(ctx, func() (err error) {
		lines, lo, hi, err = scenario.ObservedExperience(base.rollup, deref(from), deref(to))
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &model.ClaimExperience{From: lo, To: hi, RollupVersion: int(base.rollup.Version), Lines: []model.ExperienceLine{}}
	for i := range lines {
		out.Lines = append(out.Lines, *experienceLine(&lines[i]))
	}
	return out, nil
}

func experienceLine(e *scenario.Experience) *model.ExperienceLine {
	basis := e.Pool
	if basis == "" {
		basis = scenario.BasisCategory
	}
	return &model.ExperienceLine{Category: opt(string(e.Category)), Basis: basis, Program: e.Program,
		ExposureMemberMonths: float64(e.Exposure), Claims: int(e.Claims), PaidAmount: e.PaidAmount, Contributions: e.Contributions,
		Frequency: e.Frequency, Severity: e.Severity, LossRatio: e.LossRatio}
}

func scenarioSide(s *scenario.Side) *model.ScenarioSide {
	out := &model.ScenarioSide{Funded: int(s.Funded), MemberMonths: float64(s.MemberMonths), MonthlyCost: s.MonthlyCost,
		AnnualCost: s.AnnualCost, Participants: int(s.Participants), Rate: s.Rate, ExpectedClaims: s.ExpectedCount,
		ExpectedPaid: s.ExpectedPaid, PaidLow: s.PaidLow, PaidHigh: s.PaidHigh, LossRatio: s.LossRatio}
	if s.Workforce > 0 {
		out.Workforce = new(int(s.Workforce))
	}
	return out
}

func groupSide(s *scenario.GroupSide) *model.ScenarioGroupSide {
	return &model.ScenarioGroupSide{Funded: int(s.Funded), MemberMonths: float64(s.MemberMonths), MonthlyCost: s.MonthlyCost,
		AnnualCost: s.AnnualCost, ExpectedClaims: s.ExpectedCount, ExpectedPaid: s.ExpectedPaid}
}

// scenarioResult maps a scenario's answer.
func scenarioResult(res *scenario.Result) *model.ScenarioResult {
	out := &model.ScenarioResult{Year: res.Year, RollupVersion: int(res.RollupVersion), AsOf: res.AsOf, AsOfMonth: res.AsOfMonth,
		DenominatorYear: opt(res.DenominatorYear), ExperienceFrom: res.ExperienceFrom, ExperienceTo: res.ExperienceTo,
		Simulations: res.Simulations, Seed: int(res.Seed), LowPercent: res.LowPercent, HighPercent: res.HighPercent,
		Baseline: scenarioSide(&res.Baseline), Scenario: scenarioSide(&res.Scenario),
		MonthlyCostChange:  res.Scenario.MonthlyCost - res.Baseline.MonthlyCost,
		AnnualCostChange:   res.Scenario.AnnualCost - res.Baseline.AnnualCost,
		ParticipantsChange: int(res.Scenario.Participants - res.Baseline.Participants),
		ChangePoints:       res.ChangePoints,
		Groups:             []model.ScenarioGroup{}, Areas: []model.ScenarioArea{}, Notes: nonNil(res.Notes)}
	for i := range res.Groups {
		g := &res.Groups[i]
		line := model.ScenarioGroup{Category: string(g.Category), Name: g.Category.Name(), Baseline: groupSide(&g.Baseline),
			Scenario: groupSide(&g.Scenario), NewlyCovered: int(g.NewlyCovered), Movers: int(g.Movers), AlreadyCity: int(g.AlreadyCity),
			LoseCoverage: int(g.LoseCoverage), Assumed: g.Assumed, Programs: []model.ScenarioProgramLine{}}
		for j := range g.Programs {
			p := &g.Programs[j]
			line.Programs = append(line.Programs, model.ScenarioProgramLine{Program: p.Program, MemberMonths: float64(p.MemberMonths),
				ExpectedClaims: p.ExpectedCount, ExpectedPaid: p.ExpectedPaid, Basis: p.Basis, Experience: experienceLine(&p.Experience)})
		}
		out.Groups = append(out.Groups, line)
	}
	for i := range res.Areas {
		a := &res.Areas[i]
		line := model.ScenarioArea{AreaCode: opt(a.AreaCode), Name: a.Name, Baseline: int(a.Baseline), Scenario: int(a.Scenario),
			BaselineRate: a.BaselineRate, ScenarioRate: a.ScenarioRate, ChangePoints: a.ChangePoints}
		if a.Workforce > 0 {
			line.Workforce = new(int(a.Workforce))
			line.DenominatorYear = new(a.DenominatorYear)
		}
		out.Areas = append(out.Areas, line)
	}
	return out
}

// throttledScenarios is Scenarios with each call in one of the request's
// store call slots (requestlimits.go).
type throttledScenarios struct{ next Scenarios }

var _ Scenarios = throttledScenarios{}

func (t throttledScenarios) SaveScenario(ctx context.Context, s *coverage.SavedScenario) error {
	return slotted(ctx, "SaveScenario", func(ctx context.Context) error { return t.next.SaveScenario(ctx, s) })
}

func (t throttledScenarios) SavedScenarios(ctx context.Context, n int) ([]coverage.SavedScenario, error) {
	return slot(ctx, "SavedScenarios", func(ctx context.Context) ([]coverage.SavedScenario, error) { return t.next.SavedScenarios(ctx, n) })
}

func (t throttledScenarios) SavedScenario(ctx context.Context, id string) (*coverage.SavedScenario, error) {
	return slot(ctx, "SavedScenario", func(ctx context.Context) (*coverage.SavedScenario, error) { return t.next.SavedScenario(ctx, id) })
}

func (t throttledScenarios) SaveScenarioRoster(ctx context.Context, r *coverage.ScenarioRoster) error {
	return slotted(ctx, "SaveScenarioRoster", func(ctx context.Context) error { return t.next.SaveScenarioRoster(ctx, r) })
}

func (t throttledScenarios) ScenarioRosters(ctx context.Context, n int) ([]coverage.ScenarioRoster, error) {
	return slot(ctx, "ScenarioRosters", func(ctx context.Context) ([]coverage.ScenarioRoster, error) { return t.next.ScenarioRosters(ctx, n) })
}

func (t throttledScenarios) ScenarioRoster(ctx context.Context, id string) (*coverage.ScenarioRoster, error) {
	return slot(ctx, "ScenarioRoster", func(ctx context.Context) (*coverage.ScenarioRoster, error) { return t.next.ScenarioRoster(ctx, id) })
}

func (t throttledScenarios) ParticipantsByNIK(ctx context.Context, niks []string) (map[string][]coverage.Participant, error) {
	return slot(ctx, "ParticipantsByNIK", func(ctx context.Context) (map[string][]coverage.Participant, error) {
		return t.next.ParticipantsByNIK(ctx, niks)
	})
}
