package feedsim

import (
	"math"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// fate is how a membership stands at as-of; it is decided first, and the
// contributions and claims are drawn to be consistent with it.
type fate uint8

const (
	fateActive     fate = iota // covered and paying (or paid for)
	fateTerminated             // membership ended: job, project, contract, term, program
	fateLapsed                 // BPU self-payer, 3 consecutive unpaid months: INACTIVE
	fateDied                   // died while covered: TERMINATED, death claims
)

// outside is the kind of CLAIM_OUTSIDE_COVERAGE plant a person carries.
type outside uint8

const (
	outsideNone   outside = iota
	outsideBefore         // incident before coverage_start
	outsideAfter          // incident after coverage_end
	outsideUnpaid         // incident in a lone unpaid month: NOT outside coverage (no plant)
	outsideLapsed         // incident in a month lapsed after 3 unpaid months, paid again later
)

// loneUse is what a person's one lone unpaid month is made of.
type loneUse uint8

const (
	loneNone    loneUse = iota
	loneUnpaid          // billed, nothing paid (a claim may fall in it: outsideUnpaid)
	lonePartial         // billed, part paid
	loneGap             // not billed at all
)

// dupKind is how a month is billed twice.
type dupKind uint8

const (
	dupNone  dupKind = iota
	dupOnce          // billed twice, paid once: the second bill stays unpaid
	dupSplit         // billed twice, the payment split over both bills
	dupTwice         // billed twice, paid twice
)

// person is a participant being built, with what the simulation needs.
type person struct {
	p         coverage.Participant
	roster    []coverage.RosterEntry
	enrolled  bool // has a participant record (false: ROSTER_NOT_ENROLLED)
	city      bool // on a city roster when generated
	fate      fate
	lapse     mon       // fateLapsed: the third unpaid month
	workDeath bool      // fateDied: a work accident (JKK) rather than a death of JKM
	start     time.Time // coverage_start
	end       time.Time // coverage_end, zero when open
	reg       time.Time // registered_at

	checkAPBD   bool    // list APBD months not funded by a roster (APBD_NOT_ON_ROSTER)
	tariffPlant bool    // bill one month at a wrong amount (TARIFF_MISMATCH)
	outside     outside // draw a claim outside coverage
	unpaidMonth mon     // outsideUnpaid: the unpaid month the claim falls in
	used        bool    // already carries a plant
	medicalRate float64 // JKK medical claims a year

	lone          loneUse          // a self-payer's lone unpaid month, and what it is made of
	dup           dupKind          // bill one paid month twice
	openLapse     bool             // a self-payer whose last 3+ overdue months are unpaid, status still ACTIVE
	closedLapse   bool             // a self-payer unpaid 3 months in a row, then paying again
	lapseFrom     mon              // closedLapse: the third unpaid month
	cityMiss      loneUse          // APBD: one funded overdue month the city did not pay (loneUnpaid or loneGap)
	selfUntil     mon              // paid by SELF before this month, by APBD from it (a payer change)
	died          time.Time        // the day of death (fateDied: end), also for a death BPJS never closed
	paidOnDeath   bool             // keep billing and paying after the death (PAID_AFTER_DEATH)
	deathPaid     bool             // the death claims are paid
	aboveBenefit  coverage.Benefit // pay this JKM death claim above its ceiling (CLAIM_ABOVE_BENEFIT)
	mismatch      *person          // a contribution or claim of this membership carries mismatch's NIK
	mismatchClaim bool             // the mismatched record is a claim (else a contribution)
	jkkAbove      bool             // a work death never reported to BPJS, its JKK death benefit paid above 48 x income
	lapses        [][2]mon         // BPU: [third unpaid month, next paid month) of the month model
}

func (pp *person) setDates() {
	p := &pp.p
	p.RegisteredAt = dateOf(pp.reg)
	p.CoverageStart = dateOf(pp.start)
	p.CoverageEnd = ""
	if !pp.end.IsZero() {
		p.CoverageEnd = dateOf(pp.end)
	}
}

var (
	jan2023   = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	dec2023   = time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)
	jan2024   = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	firstMon  = monOf(jan2023)                               // contributions (but the city's) and claims start here
	migration = time.Date(2023, 3, 18, 0, 0, 0, 0, time.UTC) // the core system's migration
	adhocFrom = coverage.Period("2024-01")
	adhocTo   = coverage.Period("2024-06")
)

// rosterBatch is when an agency uploaded a batch of its roster: one time for
// every entry of a category, kecamatan and month.
func (g *gen) rosterBatch(memo map[string]time.Time, c coverage.Category, kel string, m mon) time.Time {
	k := string(c) + kel[:6] + string(m.period())
	if t, ok := memo[k]; ok {
		return t
	}
	t := g.batch(m.day(3+g.rng.IntN(10)), 1+g.rng.IntN(5))
	memo[k] = t
	return t
}

// cityFunded: every roster person, with a BPU participant paid by APBD.
func (g *gen) cityFunded() {
	memo := map[string]time.Time{}
	for _, c := range categories {
		for range g.n(c.count) {
			kel := g.pickKelurahan()
			var from, until coverage.Period
			if c.adhoc {
				from, until = adhocFrom, adhocTo
			} else {
				// Funded since 2021 at the earliest, most since the UCJ push of 2023.
				from = (monOf(jan2023) - 24 + mon(math.Sqrt(g.rng.Float64())*36)).period()
			}
			start := from.First().Time()
			id := g.newIdentity(kel, max(c.minAge, 18), c.maxAge, c.femalePct, start)
			name := id.name
			if c.upperName {
				name = upper(name)
			}
			r := coverage.RosterEntry{NIK: id.nik, Name: name, Category: c.category, Agency: c.agency,
				KelurahanCode: kel, FundedFrom: from, FundedUntil: until}
			upload := monOfPeriod(from)
			if upload < firstMon {
				upload = firstMon // the 2023 decree re-issued the roster
				if g.chance(30) {
					upload += mon(1 + g.rng.IntN(11)) // or the agency re-verified it in 2023
				}
			}
			r.UpdatedAt = g.rosterBatch(memo, c.category, kel, upload)
			if g.chance(8) { // an entry corrected later
				r.UpdatedAt = g.desk(g.dayIn(midnight(r.UpdatedAt), g.today))
			}
			pp := &person{city: true, enrolled: true, start: start, medicalRate: c.medicalRate}
			pp.reg = start.AddDate(0, 0, -1-g.rng.IntN(20))
			pp.p = coverage.Participant{NIK: id.nik, Name: id.name, BirthDate: dateOf(id.birth), Gender: id.gender,
				Segment: coverage.SegmentBPU, Occupation: pick(g, c.occupations),
				Programs:  []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM},
				PayerType: coverage.PayerAPBD, Status: coverage.StatusActive, KelurahanCode: kel, DeclaredIncome: 1_000_000}
			pp.p.KPJ = g.kpj(pp.reg)
			if c.adhoc {
				pp.end = until.Last().Time()
				pp.fate = fateTerminated
			}
			// Deaths while covered, in 2024 and later: the roster is the city's
			// 2024 list (docs/domain.md), so every entry is funded in some month of 2024.
			lo := maxTime(start, jan2024)
			hi := g.today.AddDate(0, 0, -10)
			if !pp.end.IsZero() {
				hi = minTime(hi, pp.end)
			}
			rate := 0.004
			if c.category == coverage.CategoryRTRW {
				rate = 0.008
			}
			if c.adhoc {
				rate = 0.005
			}
			if years := hi.Sub(lo).Hours() / 24 / 365; years > 0 && g.rng.Float64() < rate*years {
				pp.fate, pp.end = fateDied, g.dayIn(lo, hi)
				pp.workDeath = g.chance(15)
				if c.adhoc {
					pp.workDeath = g.chance(40) // the 2024 election: deaths on duty
				}
				r.FundedUntil = monOf(pp.end).period()
				if !c.adhoc {
					r.UpdatedAt = maxTime(r.UpdatedAt, g.desk(pp.end.AddDate(0, 0, 7+g.rng.IntN(30))))
				}
			}
			pp.roster = []coverage.RosterEntry{r}
			g.people = append(g.people, pp)
		}
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// group is a kind of member outside the rosters, with how many there are and
// how their memberships stand.
type group struct {
	seg               coverage.Segment
	payer             coverage.PayerType
	count             int
	endedWeight       float64
	ended, fresh, old int // memberships ended; active, joined in 2024; active, joined before
}

// coveredOn reports whether the membership covered day d: within its coverage
// dates and not yet lapsed (a lapsed member is inactive from the third unpaid
// month on). This is how the reconciliation counts active members in the past;
// Participant.Active, which reads today's status, undercounts them.
func (pp *person) coveredOn(d coverage.Date) bool {
	p := &pp.p
	if p.CoverageStart == "" || p.CoverageStart > d || (p.CoverageEnd != "" && d > p.CoverageEnd) {
		return false
	}
	return pp.fate != fateLapsed || d.Period() < pp.lapse.period()
}

// others: members who are not on a city roster, so many that the active
// members are coverage2024 of the 2024 workforce at as-of and coverage2023 of
// the 2023 workforce at the end of 2023 (counted as coveredOn counts them:
// members who lapsed or left in 2024 were covered at the end of 2023).
func (g *gen) others() {
	end23 := coverage.Date("2023-12-31")
	asOfDay := dateOf(g.asOf)
	c23, c24, city := 0, 0, 0
	for _, pp := range g.people {
		if !pp.enrolled {
			continue
		}
		city++
		pp.finishStatus()
		if pp.coveredOn(end23) {
			c23++
		}
		if p := &pp.p; p.Status == coverage.StatusActive && p.CoverageStart <= asOfDay && (p.CoverageEnd == "" || asOfDay <= p.CoverageEnd) {
			c24++
		}
	}
	t24 := int(math.Round(coverage2024 * float64(g.workforceOf(2024))))
	t23 := int(math.Round(coverage2023 * float64(g.workforceOf(2023))))
	o24 := max(0, t24-c24)
	e := g.n(endedOthers)
	no := o24 + e
	total := city + no
	nJ := max(1, int(math.Round(shareJAKON*float64(total))))
	nPMI := max(1, int(math.Round(sharePMI*float64(total))))
	nPU := int(math.Round(sharePU * float64(total)))
	nB := no - nPU - nJ - nPMI
	if nB < 3 {
		nPU -= 3 - nB
		nB = 3
	}
	nCSR := int(math.Round(0.05 * float64(nB)))
	nAPBN := int(math.Round(0.03 * float64(nB)))
	groups := []*group{
		{seg: coverage.SegmentPU, payer: coverage.PayerEmployer, count: nPU, endedWeight: 1},
		{seg: coverage.SegmentBPU, payer: coverage.PayerSelf, count: nB - nCSR - nAPBN, endedWeight: 3},
		{seg: coverage.SegmentBPU, payer: coverage.PayerCSR, count: nCSR, endedWeight: 1},
		{seg: coverage.SegmentBPU, payer: coverage.PayerAPBN, count: nAPBN, endedWeight: 0.5},
		{seg: coverage.SegmentJAKON, payer: coverage.PayerEmployer, count: nJ, endedWeight: 2},
		{seg: coverage.SegmentPMI, payer: coverage.PayerSelf, count: nPMI, endedWeight: 1},
	}
	// Ended memberships by weight, largest remainders; at least one lapsed
	// self-payer.
	ended := apportion(e, groups, func(gr *group) float64 { return float64(gr.count) * gr.endedWeight })
	for i, gr := range groups {
		gr.ended = min(ended[i], gr.count)
	}
	if groups[1].ended == 0 && groups[1].count > 0 {
		groups[1].ended = 1
	}
	// The ended members first: whether they were still covered at the end of
	// 2023 depends on the dates drawn for them.
	var made []*person
	for _, gr := range groups {
		for i := range gr.ended {
			f := fateTerminated
			x := g.rng.IntN(100)
			switch {
			case gr.payer == coverage.PayerSelf && gr.seg == coverage.SegmentBPU && (i == 0 || x < 80):
				f = fateLapsed
			case x >= 92:
				f = fateDied
			}
			if gr.seg == coverage.SegmentPU && i == 0 {
				f = fateDied // at least one death
			}
			pp := g.member(gr.seg, gr.payer, f, false)
			pp.finishStatus()
			if pp.coveredOn(end23) {
				c23++
			}
			made = append(made, pp)
		}
	}
	o23 := min(max(0, t23-c23), o24)
	newTotal := o24 - o23
	news := apportion(newTotal, groups, func(gr *group) float64 { return float64(gr.count - gr.ended) })
	for i, gr := range groups {
		gr.fresh = min(news[i], gr.count-gr.ended)
		gr.old = gr.count - gr.ended - gr.fresh
	}
	// One slot an active member, shuffled so kinds interleave.
	type slot struct {
		gr  *group
		new bool
	}
	var slots []slot
	for _, gr := range groups {
		for range gr.fresh {
			slots = append(slots, slot{gr, true})
		}
		for range gr.old {
			slots = append(slots, slot{gr, false})
		}
	}
	g.rng.Shuffle(len(slots), func(i, j int) { slots[i], slots[j] = slots[j], slots[i] })
	for _, s := range slots {
		made = append(made, g.member(s.gr.seg, s.gr.payer, fateActive, s.new))
	}
	g.rng.Shuffle(len(made), func(i, j int) { made[i], made[j] = made[j], made[i] })
	g.people = append(g.people, made...)
}

// apportion splits n over groups in proportion to weight, by largest remainder.
func apportion(n int, groups []*group, weight func(*group) float64) []int {
	out := make([]int, len(groups))
	sum := 0.0
	for _, gr := range groups {
		sum += weight(gr)
	}
	if sum <= 0 || n <= 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	var rems []rem
	left := n
	for i, gr := range groups {
		x := float64(n) * weight(gr) / sum
		out[i] = int(x)
		left -= out[i]
		rems = append(rems, rem{i, x - float64(out[i])})
	}
	for left > 0 {
		best := 0
		for j := range rems {
			if rems[j].r > rems[best].r {
				best = j
			}
		}
		out[rems[best].i]++
		rems[best].r = -1
		left--
	}
	return out
}

// segment facts: earliest registration, ages, share of women.
func segmentFacts(seg coverage.Segment) (lo time.Time, minAge, maxAge, femalePct int) {
	switch seg {
	case coverage.SegmentPU:
		return time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC), 18, 58, 35
	case coverage.SegmentBPU:
		return time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), 18, 65, 45
	case coverage.SegmentJAKON:
		return time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), 18, 55, 3
	default:
		return time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), 19, 45, 60
	}
}

// member makes one member outside the rosters with the given fate. isNew: the
// membership began in 2024.
func (g *gen) member(seg coverage.Segment, payer coverage.PayerType, f fate, isNew bool) *person {
	lo, minAge, maxAge, femalePct := segmentFacts(seg)
	pp := &person{enrolled: true, fate: f}
	lead := func() int { return g.rng.IntN(4) } // days from registration to coverage
	switch f {
	case fateActive:
		if isNew {
			pp.reg = g.dayIn(jan2024, g.today.AddDate(0, 0, -3))
		} else {
			pp.reg = g.recentDayIn(lo, dec2023.AddDate(0, 0, -3))
		}
		pp.start = pp.reg.AddDate(0, 0, lead())
		switch seg {
		case coverage.SegmentJAKON: // a project that is still running
			pp.end = g.today.AddDate(0, 0, 30+g.rng.IntN(400))
		case coverage.SegmentPMI: // a placement contract, renewed while abroad
			pp.end = pp.start.AddDate(2, 0, -1)
			for !pp.end.After(g.today) {
				pp.end = pp.end.AddDate(2, 0, 0)
			}
		}
	case fateLapsed:
		pp.lapse = firstMon + 2 + mon(g.rng.IntN(int(g.dueMonth-firstMon-2)+1))
		pp.reg = g.recentDayIn(lo, (pp.lapse - 2).first())
		pp.start = pp.reg.AddDate(0, 0, lead())
		if monOf(pp.start) > pp.lapse-2 {
			pp.start = (pp.lapse - 2).first()
		}
	case fateTerminated, fateDied:
		if f == fateDied {
			pp.end = g.dayIn(jan2023.AddDate(0, 0, 1), g.today.AddDate(0, 0, -10))
			pp.workDeath = seg != coverage.SegmentPMI && g.chance(20)
		} else {
			pp.end = g.dayIn(jan2023.AddDate(0, 0, 1), g.today.AddDate(0, 0, -1))
		}
		switch {
		case seg == coverage.SegmentJAKON && f == fateTerminated:
			pp.reg = pp.end.AddDate(0, 0, -90-g.rng.IntN(450))
		case seg == coverage.SegmentPMI && f == fateTerminated:
			pp.reg = pp.end.AddDate(-2, 0, -g.rng.IntN(30))
		default:
			pp.reg = g.recentDayIn(lo, pp.end.AddDate(0, 0, -60))
		}
		pp.start = pp.reg.AddDate(0, 0, lead())
	}
	if pp.start.After(g.today) {
		pp.start = g.today
	}
	id := g.newIdentity("", minAge, maxAge, femalePct, pp.reg)
	p := coverage.Participant{NIK: id.nik, Name: id.name, BirthDate: dateOf(id.birth), Gender: id.gender,
		Segment: seg, PayerType: payer, Status: coverage.StatusActive, KelurahanCode: id.kel}
	p.KPJ = g.kpj(pp.reg)
	switch seg {
	case coverage.SegmentPU:
		p.Programs = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT, coverage.ProgramJP}
		if g.chance(30) {
			p.Programs = append(p.Programs, coverage.ProgramJKP)
		}
		p.Occupation = pick(g, puOccupations)
		// Wages around the Cilegon minimum wage (about Rp4.8M in 2024), skewed up.
		w := 2_500_000 * math.Exp(g.rng.Float64()*g.rng.Float64()*math.Log(6))
		p.DeclaredIncome = min(15_000_000, int64(w)/5_000*5_000)
		pp.medicalRate = 0.015
	case coverage.SegmentBPU:
		p.Programs = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM}
		if g.chance(20) {
			p.Programs = append(p.Programs, coverage.ProgramJHT)
		}
		p.Occupation = pick(g, bpuOccupations)
		p.DeclaredIncome = pick(g, bpuIncomes)
		pp.medicalRate = 0.012
		if p.Occupation == "NELAYAN" || p.Occupation == "TUKANG BANGUNAN" {
			pp.medicalRate = 0.03
		}
	case coverage.SegmentJAKON:
		p.Programs = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM}
		p.Occupation = pick(g, jakonOccupations)
		p.DeclaredIncome = int64(3_000_000 + g.rng.IntN(50)*100_000)
		pp.medicalRate = 0.04
	case coverage.SegmentPMI:
		p.Programs = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT}
		p.Occupation = "PEKERJA MIGRAN " + pick(g, pmiCountries)
		p.DeclaredIncome = int64(5_000_000 + g.rng.IntN(70)*100_000)
		pp.medicalRate = 0.005
	}
	pp.p = p
	return pp
}

// finishStatus sets the status and dates from the fate.
func (pp *person) finishStatus() {
	switch pp.fate {
	case fateActive:
		pp.p.Status = coverage.StatusActive
	case fateLapsed:
		pp.p.Status = coverage.StatusInactive
	default:
		pp.p.Status = coverage.StatusTerminated
	}
	pp.setDates()
}

// stampParticipant sets updated_at: the last change of the record, no earlier
// than 2023 (the core system was migrated in March 2023).
func (g *gen) stampParticipant(pp *person) {
	t := g.desk(pp.reg)
	if pp.city {
		t = g.batch(pp.reg, 2) // registered in bulk by the agency
	}
	switch pp.p.Status {
	case coverage.StatusTerminated:
		if !pp.end.After(g.today) {
			t = maxTime(t, g.batch(pp.end.AddDate(0, 0, 1), 1))
		}
	case coverage.StatusInactive:
		t = maxTime(t, g.batch(pp.lapse.day(16), 1))
	}
	if t.Before(jan2023) {
		if g.chance(35) {
			t = g.batch(migration, 2)
		} else {
			t = g.desk(g.dayIn(jan2023, g.today))
		}
	}
	if g.chance(6) { // an address or name corrected later
		t = maxTime(t, g.desk(g.dayIn(midnight(t), g.today)))
	}
	pp.p.UpdatedAt = t
}
