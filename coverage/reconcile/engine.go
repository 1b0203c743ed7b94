// Package reconcile joins the city's rosters with BPJS membership, contributions
// and claims, person by person, and reports what does not add up (findings) and
// the rollup cells the coverage API answers from. It is pure: records come in
// grouped by NIK (see Group), results come out; it does no I/O.
//
// The engine streams: it keeps one person's records at a time, plus the cells
// and the findings. Its memory grows with them, not with the records read.
// docs/reconciliation.md explains every rule and measure.
package reconcile

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Person is everything the feeds say about one NIK.
type Person struct {
	NIK           string
	Roster        []coverage.RosterEntry
	Participants  []coverage.Participant
	Contributions []coverage.Contribution
	Claims        []coverage.Claim
}

// Config is what a pass needs besides the records.
type Config struct {
	Areas   *coverage.Areas
	Tariffs coverage.Tariffs // default coverage.BPUTariffs
	// AsOf is the data's snapshot time (the feeds' as_of). "Today" is its
	// calendar date in Asia/Jakarta (WIB, UTC+7); the rollup runs to its month.
	AsOf time.Time
	// From is the first month of the rollup cells; default January two years
	// before AsOf's year. Findings look at every month.
	From coverage.Period
	// Declared are the figures the city declared, compared with the counted ones.
	Declared []coverage.DeclaredTotal
	// FeedAsOf is the as-of time of each feed's newest successful sync; a
	// rule reading a feed uses that feed's as-of (AsOf when missing), so a
	// stale contributions feed cannot make members look unpaid: a month is
	// overdue when the contributions as-of is at or after 00:00 WIB on its
	// 16th, and overdue, unpaid, lapse and funded-not-paid read that as-of.
	FeedAsOf map[coverage.Feed]time.Time
	// RejectedRoster are roster rows the sync rejected (kept in quarantine):
	// each becomes a finding on the roster it came from.
	RejectedRoster []RejectedRosterRow
	// Benefits are the benefit ceilings claims are checked against; default
	// coverage.DefaultRuleSet().Benefits.
	Benefits coverage.BenefitRules
}

// RejectedRosterRow is a roster row the sync quarantined, with what could be
// read of it. Ref identifies it (the quarantine id) and is the finding's
// subject; the fields may be empty or invalid: they are what the row said.
type RejectedRosterRow struct {
	Ref           string
	Agency        string
	Category      string
	KelurahanCode string
	FundedFrom    coverage.Period
	FundedUntil   coverage.Period
	Reason        string // the sync's error, without personal data
}

// Stats count what a pass read.
type Stats struct {
	People              int64
	RosterEntries       int64
	Participants        int64
	Contributions       int64
	Claims              int64
	OrphanContributions int64 // contributions of a KPJ with no membership under their NIK
	OrphanClaims        int64 // claims of a KPJ with no membership under their NIK
	// TariffUnknownMonths are BPU months billed whose declared income in
	// force is unknown (before the first known change): their amount due is
	// not checked against the tariff.
	TariffUnknownMonths int64
	// BenefitUnchecked are paid claims not checked against a benefit
	// ceiling: no rule for their program and benefit in the incident month,
	// or a rule by income with the income unknown.
	BenefitUnchecked int64
}

// Result is the outcome of a pass.
type Result struct {
	Findings []coverage.Finding // sorted by ID
	Rollup   Rollup             // cells sorted by key; Version and RunID unset
	Stats    Stats
}

// Engine runs one pass. Feed it people with Add, in any order, then call Finish.
type Engine struct {
	cfg       Config
	today     coverage.Date   // Asia/Jakarta date of Config.AsOf
	asOfMonth coverage.Period // its month: the last month of the rollup
	// payToday is the Asia/Jakarta date of the contributions feed's as-of,
	// payMonth its month: overdue, unpaid, lapse and funded-not-paid read them.
	payToday coverage.Date
	payMonth coverage.Period
	cells    cellIndex
	findings []coverage.Finding
	seen     map[string]bool
	stats    Stats
	cal      calendar
	interned map[string]string // see intern
	scratch  scratch           // one person's working memory, reused (scratch.go)
	// The claim experience and the plan year's roster (experience.go).
	series     map[seriesKey]*expSeries
	lastSeries *expSeries
	tariffs    [][5]*coverage.Tariff // by month from cfg.From; nil: none in force
	fromNum    uint32                // periodNum(cfg.From)
	plan       map[planKey]*PlanLine
}

// New starts a pass.
func New(cfg Config) (*Engine, error) {
	if cfg.Areas == nil {
		return nil, coverage.Errorf(coverage.EINVALID, "reconcile: no areas")
	}
	if cfg.AsOf.IsZero() {
		return nil, coverage.Errorf(coverage.EINVALID, "reconcile: no as-of time")
	}
	if cfg.Tariffs == nil {
		cfg.Tariffs = coverage.BPUTariffs
	}
	if cfg.Benefits == nil {
		cfg.Benefits = coverage.DefaultRuleSet().Benefits
	}
	e := &Engine{cfg: cfg, seen: map[string]bool{}, interned: map[string]string{}}
	e.today = JakartaDate(cfg.AsOf)
	e.asOfMonth = e.today.Period()
	e.cal = newCalendar(e.asOfMonth)
	e.payToday = JakartaDate(cfg.feedAsOf(coverage.FeedContributions))
	e.payMonth = e.payToday.Period()
	if e.cfg.From == "" {
		e.cfg.From = coverage.MakePeriod(e.today.Time().Year()-2, time.January)
	}
	if err := e.cfg.From.Validate(); err != nil {
		return nil, err
	}
	if e.cfg.From > e.asOfMonth {
		return nil, coverage.Errorf(coverage.EINVALID, "reconcile: first month %s is after the as-of month %s", e.cfg.From, e.asOfMonth)
	}
	e.cells = newCellIndex(e.cfg.From, e.asOfMonth)
	e.buildTariffs()
	return e, nil
}

// Today returns the Asia/Jakarta date of the data's as-of time.
func (e *Engine) Today() coverage.Date { return e.today }

// wib is Western Indonesia Time, the clock of Asia/Jakarta: UTC+7 all year
// (Indonesia keeps no daylight saving time), so no time zone database is
// needed.
var wib = time.FixedZone("WIB", 7*60*60)

// JakartaDate returns the calendar date of t in Asia/Jakarta (WIB).
func JakartaDate(t time.Time) coverage.Date { return coverage.DateOf(t.In(wib)) }

// feedAsOf returns the as-of time of a feed: its newest successful sync,
// else the data's as-of.
func (c *Config) feedAsOf(f coverage.Feed) time.Time {
	if t := c.FeedAsOf[f]; !t.IsZero() {
		return t
	}
	return c.AsOf
}

// FindingID returns the stable, opaque ID of a finding of a kind about a
// subject (a NIK, KPJ, claim number or declared figure).
func FindingID(kind coverage.DiscrepancyKind, subject string) string {
	h := sha256.Sum256([]byte(string(kind) + "|" + subject))
	return string(kind) + "-" + hex.EncodeToString(h[:10])
}

func (e *Engine) find(subject string, f coverage.Finding) {
	f.ID = FindingID(f.Kind, subject)
	if e.seen[f.ID] {
		return
	}
	e.seen[f.ID] = true
	e.findings = append(e.findings, e.own(f))
}

// own returns the finding with strings of its own. The strings of a record
// may share memory with the whole document it was decoded from (the store's
// JSON decoder points them into its copy of the document): a finding kept
// until Finish must not hold its person's documents alive, or the pass's
// memory would grow with the records read instead of with the findings.
// Values with few distinct strings (areas, categories, months) are shared.
func (e *Engine) own(f coverage.Finding) coverage.Finding {
	f.NIK, f.KPJ, f.ClaimNo = strings.Clone(f.NIK), strings.Clone(f.KPJ), strings.Clone(f.ClaimNo)
	f.AreaCode = e.intern(f.AreaCode)
	f.Category = coverage.Category(e.intern(string(f.Category)))
	if len(f.Periods) > 0 {
		ps := make([]coverage.Period, len(f.Periods))
		for i, p := range f.Periods {
			ps[i] = coverage.Period(e.intern(string(p)))
		}
		f.Periods = ps
	}
	return f
}

// intern returns a string equal to s of the engine's own (the same one for
// the same value while fewer than internLimit values were seen).
func (e *Engine) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := e.interned[s]; ok {
		return v
	}
	v := strings.Clone(s)
	if len(e.interned) < internLimit {
		e.interned[v] = v
	}
	return v
}

const internLimit = 1 << 16

// overdue reports whether a month's contribution is past its due date, the
// 15th of the month: the contributions feed's as-of is at or after 00:00 WIB
// on the 16th, so its Asia/Jakarta date is after the 15th.
func (e *Engine) overdue(m coverage.Period) bool { return string(m)+"-15" < string(e.payToday) }

// endOf returns the date stock measures describe for a month: its last day, or
// today in the as-of month.
func (e *Engine) endOf(m coverage.Period) coverage.Date {
	if m >= e.asOfMonth {
		return e.today
	}
	return e.cal.lastDay(m)
}

// member is a membership with what its contributions tell, read through the
// one month model of months.go.
type member struct {
	p         *coverage.Participant
	contribs  []*coverage.Contribution // ascending period
	billed    []*month                 // every month with a bill, ascending
	months    []*month                 // the months of the model (first bill to the as-of month, within coverage)
	first     coverage.Period          // first month billed, "" if never
	lapses    [][2]coverage.Period     // [third unpaid month, next paid month or ""), ascending
	lastRun   []*month                 // the last run of 3 or more unpaid months, if still open
	start     coverage.Period
	end       coverage.Period // "" while open; at the latest the month of death
	died      coverage.Date   // the person's death (a paid JKM death claim), "" if none
	birthYear int             // yearOf(p.BirthDate), once birthRead
	birthRead bool
	n         int // its contributions, counted before contribs is carved (Engine.Add)
}

// band is BandOf(m.p.BirthDate, on), reading the birth year once.
func (m *member) band(on coverage.Date) AgeBand {
	birth := m.p.BirthDate
	if len(birth) != 10 || len(on) != 10 || birth > on {
		return AgeUnknown
	}
	if !m.birthRead {
		m.birthYear, m.birthRead = yearOf(birth), true
	}
	age := yearOf(on) - m.birthYear
	if on[5:] < birth[5:] {
		age--
	}
	return bandOfAge(age)
}

// covers reports whether the membership's coverage dates include month m.
func (m *member) covers(mo coverage.Period) bool {
	return m.start != "" && m.start <= mo && (m.end == "" || mo <= m.end)
}

// lapsed reports whether the 3-month rule has made the membership inactive in
// month mo.
func (m *member) lapsed(mo coverage.Period) bool {
	for _, l := range m.lapses {
		if l[0] <= mo && (l[1] == "" || mo < l[1]) {
			return true
		}
	}
	return false
}

// Add reconciles one person. Records of another NIK are an error.
func (e *Engine) Add(p *Person) error {
	for i, r := range p.Roster {
		if r.NIK != p.NIK {
			// Never the NIK, masked or not: the error is ReconcileRun.error.
			return fmt.Errorf("reconcile: roster entry %d of person %d is in the group of another NIK", i+1, e.stats.People+1)
		}
	}
	e.stats.People++
	e.stats.RosterEntries += int64(len(p.Roster))
	e.stats.Participants += int64(len(p.Participants))
	e.stats.Contributions += int64(len(p.Contributions))
	e.stats.Claims += int64(len(p.Claims))

	slices.SortFunc(p.Roster, func(a, b coverage.RosterEntry) int { return cmp.Compare(a.Category, b.Category) })
	slices.SortFunc(p.Participants, func(a, b coverage.Participant) int { return cmp.Compare(a.KPJ, b.KPJ) })
	slices.SortFunc(p.Contributions, func(a, b coverage.Contribution) int {
		// cmp.Or's order, comparing the next field only on a tie.
		if c := cmp.Compare(a.KPJ, b.KPJ); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Period, b.Period); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	slices.SortFunc(p.Claims, func(a, b coverage.Claim) int { return cmp.Compare(a.ClaimNo, b.ClaimNo) })

	// The person's memberships, month model and maps live in the engine's
	// scratch (scratch.go), reused by the next person: nothing of a person
	// outlives Add (findings own their strings and periods).
	sc := &e.scratch
	sc.reset(len(p.Participants))
	members, byKPJ := sc.ptrs, sc.byKPJ
	for i := range p.Participants {
		m := &sc.members[i]
		*m = member{p: &p.Participants[i], start: p.Participants[i].CoverageStart.Period(), end: p.Participants[i].CoverageEnd.Period()}
		members[i] = m
		byKPJ[m.p.KPJ] = m
	}
	// A paid JKM death claim (under one of the person's own memberships: a
	// claim under another NIK's KPJ is KPJ_NIK_MISMATCH, not a death of
	// this person) ends every membership of the person in the month of
	// death, whatever BPJS's records still say: no month after it is owed,
	// lapses, is funded-not-paid or counts as covered (what was paid for them
	// is PAID_AFTER_DEATH), and a claim for a later incident is outside
	// coverage.
	died := deathDate(p.Claims, byKPJ)
	// Each membership's contributions in one slab: counted, carved, filled.
	for i := range p.Contributions {
		if m := byKPJ[p.Contributions[i].KPJ]; m != nil {
			m.n++
		}
	}
	for _, m := range members {
		m.contribs = sc.contribs(m.n)
	}
	for i := range p.Contributions {
		c := &p.Contributions[i]
		m := byKPJ[c.KPJ]
		if m == nil {
			e.stats.OrphanContributions++
			continue
		}
		m.contribs = append(m.contribs, c)
	}
	for _, m := range members {
		if died != "" {
			m.died = died
			if m.end == "" || died.Period() < m.end {
				m.end = died.Period()
			}
		}
		// TERMINATED without a coverage end: ended, but when is unknown. It
		// is not counted as covered (cells), and its months end with its
		// last bill (its start when never billed) rather than running on
		// to the as-of as months nobody billed.
		if m.p.Status == coverage.StatusTerminated && m.p.CoverageEnd == "" {
			last := m.start
			for _, c := range m.contribs {
				last = max(last, c.Period)
			}
			if m.end == "" || last < m.end {
				m.end = last
			}
		}
	}
	for _, m := range members {
		e.model(m)
	}
	pp := &sc.pass
	*pp = personPass{e: e, p: p, members: members, byKPJ: byKPJ}
	pp.rosterFindings()
	pp.memberFindings()
	pp.claimFindings()
	pp.claimsAboveBenefit()
	pp.doubleFunding()
	pp.fundedNotPaid()
	pp.paidAfterDeath()
	pp.cells()
	pp.orphans()
	return nil
}

// Finish compares the declared totals and returns the result.
func (e *Engine) Finish() Result {
	cells := e.cells.sorted()
	r := Rollup{AsOf: e.cfg.AsOf.UTC(), From: e.cfg.From, To: e.asOfMonth, Cells: cells}
	e.finishTables(&r)
	r.Hash = combineHash(hashCells(r.From, r.To, cells), hashTables(r.PlanYear, r.Experience, r.Plan))
	for _, d := range e.cfg.Declared {
		e.compareDeclared(&r, d)
	}
	e.rejectedRows()
	slices.SortFunc(e.findings, func(a, b coverage.Finding) int { return cmp.Compare(a.ID, b.ID) })
	return Result{Findings: e.findings, Rollup: r, Stats: e.stats}
}

// compareDeclared reports a declared figure that the cells do not confirm.
func (e *Engine) compareDeclared(r *Rollup, d coverage.DeclaredTotal) {
	counted, ok := Counted(r, d.Metric, d.Year, d.AreaCode, d.Category)
	if !ok || counted == d.Value {
		return
	}
	diff := counted - d.Value
	f := coverage.Finding{Kind: coverage.KindDeclaredTotalMismatch, Severity: coverage.SeverityMedium,
		Category: d.Category, AreaCode: d.AreaCode}
	what := map[coverage.Metric]string{
		coverage.MetricCityFundedWorkers:     "city-funded workers",
		coverage.MetricAPBDContributionsPaid: "rupiah of contributions paid by the city",
		coverage.MetricAPBDClaimsPaid:        "rupiah of claims paid to city-funded members",
		coverage.MetricActiveParticipants:    "active participants",
	}[d.Metric]
	f.Detail = fmt.Sprintf("declared %s %s in %d, counted %s (difference %s)", groupDigits(d.Value), what, d.Year, groupDigits(counted), signedDigits(diff))
	if d.Category != "" {
		f.Detail += ", category " + string(d.Category)
	}
	if d.AreaCode != "" {
		f.Detail += ", area " + d.AreaCode
	}
	if d.Metric.Money() {
		f.Amount = max(diff, -diff)
		f.Severity = coverage.SeverityHigh
	}
	for m := coverage.MakePeriod(d.Year, time.January); m <= coverage.MakePeriod(d.Year, time.December); m = m.AddMonths(1) {
		f.Periods = append(f.Periods, m)
	}
	e.find(d.Key(), f)
}

// groupDigits writes n with thousands separators: 19,185.
func groupDigits(n int64) string {
	s := fmt.Sprint(max(n, -n))
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if n < 0 {
		return "-" + string(out)
	}
	return string(out)
}

func signedDigits(n int64) string {
	if n > 0 {
		return "+" + groupDigits(n)
	}
	return groupDigits(n)
}
