package feedsim

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// simulate walks every member: the month-by-month contributions of BPU
// members, then their claims, consistent with each member's fate.
func (g *gen) simulate() {
	// Members in KPJ order give the participants and the contributions in key
	// order: no sort of 700,000 records later.
	// (KPJs are unique: an unstable sort gives the one order.)
	slices.SortFunc(g.people, func(a, b *person) int { return strings.Compare(a.p.KPJ, b.p.KPJ) })
	months := 0
	for _, pp := range g.people {
		if pp.enrolled && pp.p.Segment == coverage.SegmentBPU {
			months += int(g.lastMonth-g.firstBilled(pp)) + 1
		}
	}
	g.ds.Contributions = make([]coverage.Contribution, 0, months)
	g.ds.Participants = make([]coverage.Participant, 0, len(g.people))
	var buf []mon
	for _, pp := range g.people {
		if !pp.enrolled {
			continue
		}
		pp.finishStatus()
		if pp.fate == fateDied && pp.died.IsZero() {
			pp.died = pp.end
		}
		g.stampParticipant(pp)
		if pp.jkkAbove {
			lo := maxTime(midnight(pp.p.UpdatedAt).AddDate(0, 0, 1), maxTime(pp.start, jan2023).AddDate(0, 0, 60))
			if hi := g.today.AddDate(0, 0, -100); lo.Before(hi) {
				pp.died, pp.workDeath, pp.deathPaid, pp.aboveBenefit = g.dayIn(lo, hi), true, true, coverage.BenefitDeath
			} else {
				pp.jkkAbove = false
			}
		}
		months := buf[:0] // months of paid coverage since 2023
		if pp.p.Segment == coverage.SegmentBPU {
			months = g.contributions(pp)
		} else {
			// Wage earners, construction and migrant workers are paid for by
			// their employer (or up front): no per-person contributions here.
			last := g.lastMonth
			if !pp.end.IsZero() {
				last = min(last, monOf(pp.end))
			}
			for m := max(monOf(pp.start), firstMon); m <= last; m++ {
				months = append(months, m)
			}
		}
		g.drawClaims(pp, months)
		buf = months
		g.ds.Participants = append(g.ds.Participants, pp.p)
	}
	g.numberClaims()
}

// payDays are the days of the month institutional payers transfer on.
var payDays = map[coverage.PayerType]int{coverage.PayerAPBD: 10, coverage.PayerCSR: 5, coverage.PayerAPBN: 12}

// contributions bills a BPU member every month from 2023-01 (or the start of
// coverage) to as-of (or the end of coverage, or the lapse) and pays, or not.
// The unpaid-month and lapse plants are then read off the records by the
// simulator's own month model (readLedger). It returns the paid months.
func (g *gen) contributions(pp *person) []mon {
	p := &pp.p
	from := g.firstBilled(pp)
	to := g.lastMonth
	if !pp.end.IsZero() && !pp.paidOnDeath {
		to = min(to, monOf(pp.end))
	}
	if pp.fate == fateLapsed {
		to = pp.lapse
	}
	if from > to {
		return nil
	}
	n := int(to-from) + 1
	var unpaid []bool
	var lone mon
	if p.PayerType == coverage.PayerSelf {
		unpaid, lone = g.selfPattern(pp, from, n)
	}
	pp.unpaidMonth = lone
	tariffAt := -1
	if pp.tariffPlant {
		// In a month the declared income is known in: from the month the
		// participant record was last written (the store keeps the incomes it
		// saw, dated by updated_at).
		lo := max(from, monOf(pp.p.UpdatedAt))
		if lo > to {
			lo = to
		}
		tariffAt = int(lo-from) + g.rng.IntN(int(to-lo)+1)
	}
	dupAt := -1
	if pp.dup != dupNone {
		dupAt = g.rng.IntN(n)
	}
	missAt := -1
	if pp.cityMiss != loneNone {
		hi := min(to, g.dueMonth) - from // an overdue month, not the first
		if hi >= 1 {
			missAt = 1 + g.rng.IntN(int(hi))
		}
	}
	mismatchAt := -1
	if pp.mismatch != nil && !pp.mismatchClaim {
		mismatchAt = g.rng.IntN(max(1, n/2)) // the first paid month from here
	}
	first := len(g.ds.Contributions)
	startMon, endMon := monOf(pp.start), monOf(pp.end)
	due := bpuDue(p.Programs, p.DeclaredIncome)
	for i := range n {
		m := from + mon(i)
		period := m.period()
		payer := p.PayerType
		if pp.selfUntil != 0 && m < pp.selfUntil {
			payer = coverage.PayerSelf
		}
		c := coverage.Contribution{ID: "C" + p.KPJ + m.yyyymm(), KPJ: p.KPJ, NIK: p.NIK, Period: period,
			Programs: p.Programs, AmountDue: due, PayerType: payer}
		if i == tariffAt {
			c.AmountDue = g.wrongTariff(pp, m, due)
		}
		day, stamp := payDays[payer], 0
		switch payer {
		case coverage.PayerAPBD:
			stamp = 9
		case coverage.PayerCSR:
			stamp = 10
		case coverage.PayerAPBN:
			stamp = 11
		default: // self-payers pay at a counter or an agent, mostly by the 15th
			day = 0
			if unpaid == nil || !unpaid[i] {
				if g.chance(82) {
					day = 1 + g.rng.IntN(15)
				} else {
					day = 16 + g.rng.IntN(13)
				}
				if m == g.lastMonth {
					day = 1 + g.rng.IntN(min(28, g.today.Day()))
				}
			}
		}
		if i == missAt {
			day = 0
			what := "billed " + strconv.FormatInt(c.AmountDue, 10)
			if pp.cityMiss == loneGap {
				what = "not billed"
			}
			g.plant(Plant{Kind: PlantFundedNotPaid, NIK: p.NIK, KPJ: p.KPJ, Category: pp.roster[0].Category, Period: period,
				Detail: "funded on the " + string(pp.roster[0].Category) + " roster, " + what + ", the city paid nothing"})
			if pp.cityMiss == loneGap {
				continue // the billing run skipped the month
			}
		}
		if m == lone && pp.lone == loneGap {
			continue
		}
		if day > 0 {
			if m == startMon {
				day = max(day, pp.start.Day())
			}
			if (pp.fate == fateDied || pp.fate == fateTerminated) && m == endMon && payer == coverage.PayerSelf {
				day = min(day, pp.end.Day())
			}
			if m.day(day).After(g.today) {
				day = 0 // not paid yet
			}
		}
		if day > 0 {
			c.AmountPaid = c.AmountDue
			c.PaidAt = m.date(day)
			switch {
			case m < firstMon: // brought over by the March 2023 migration
				c.UpdatedAt = g.batch(migration, 2)
			case stamp > 0:
				c.UpdatedAt = g.batch(m.day(day), stamp)
			default:
				c.UpdatedAt = g.desk(m.day(day))
			}
		} else {
			if m == startMon {
				c.UpdatedAt = g.desk(pp.start) // billed at registration
			} else {
				c.UpdatedAt = g.batch(m.first(), 1) // the monthly billing run
			}
			if m == lone && pp.lone == lonePartial {
				// Paid part of the month at a counter, never the rest.
				c.AmountPaid = c.AmountDue / 2 / 1_000 * 1_000
				d := 3 + g.rng.IntN(12)
				c.PaidAt = m.date(d)
				c.UpdatedAt = g.desk(m.day(d))
			}
		}
		if pp.checkAPBD && c.AmountPaid > 0 && !fundedIn(pp.roster, period) {
			d := "paid by APBD, on no roster"
			if len(pp.roster) > 0 {
				d = "paid by APBD after the " + string(pp.roster[0].Category) + " roster ended in " + string(pp.roster[0].FundedUntil)
			}
			g.plant(Plant{Kind: PlantAPBDNotOnRoster, NIK: p.NIK, KPJ: p.KPJ, Period: period, Detail: d})
		}
		if !pp.died.IsZero() && pp.paidOnDeath && m == monOf(pp.died)+1 {
			g.plant(Plant{Kind: PlantPaidAfterDeath, NIK: p.NIK, KPJ: p.KPJ, Period: period,
				Detail: "died " + string(dateOf(pp.died)) + "; the city kept paying from " + string(period)})
		}
		g.ds.Contributions = append(g.ds.Contributions, c)
		// Extra records of the month sort right after it: C<kpj><YYYYMM>D, N.
		if i >= dupAt && dupAt >= 0 && c.AmountPaid > 0 && c.AmountPaid == c.AmountDue && payer == p.PayerType {
			g.duplicate(pp, m, dupAt == i)
			dupAt = -1
		}
		if i >= mismatchAt && mismatchAt >= 0 && c.AmountPaid > 0 && payer == coverage.PayerSelf {
			x := c
			x.ID += "N"
			x.NIK = pp.mismatch.p.NIK
			x.UpdatedAt = g.desk(m.day(1 + g.rng.IntN(min(28, m.days()))))
			x.UpdatedAt = minTime(x.UpdatedAt, g.asOf)
			g.ds.Contributions = append(g.ds.Contributions, x)
			g.plant(Plant{Kind: PlantKPJNIKMismatch, NIK: x.NIK, KPJ: p.KPJ, Period: period,
				Detail: "contribution " + x.ID + " of membership " + p.KPJ + " paid again under another NIK"})
			mismatchAt = -1
		}
	}
	return g.readPlants(pp, g.ds.Contributions[first:])
}

// firstBilled is the first month billed to a BPU member: the start of
// coverage, but not before 2023-01 (the March 2023 migration brought no older
// bills) except for the city's members: the city's payments since its rosters
// began came along, so every month a roster funds and a city membership covers
// has its record (no FUNDED_NOT_PAID before 2023, however the rule bounds it).
func (g *gen) firstBilled(pp *person) mon {
	if pp.p.PayerType == coverage.PayerAPBD && pp.selfUntil == 0 {
		return monOf(pp.start)
	}
	return max(monOf(pp.start), firstMon)
}

// duplicate bills a paid month a second time (the last record appended).
func (g *gen) duplicate(pp *person, m mon, _ bool) {
	c := &g.ds.Contributions[len(g.ds.Contributions)-1]
	x := *c
	x.ID += "D"
	switch pp.dup {
	case dupOnce: // a billing run repeated; the member paid one of the bills
		x.AmountPaid, x.PaidAt = 0, ""
		x.UpdatedAt = g.batch(m.first().AddDate(0, 0, 1), 1)
	case dupSplit: // paid at two counters, part on each bill
		part := c.AmountDue / 2 / 1_000 * 1_000
		c.AmountPaid, x.AmountPaid = part, c.AmountDue-part
		x.UpdatedAt = maxTime(x.UpdatedAt, c.UpdatedAt)
	case dupTwice: // paid on both bills
	}
	if x.UpdatedAt.After(g.asOf) {
		x.UpdatedAt = g.asOf
	}
	g.ds.Contributions = append(g.ds.Contributions, x)
}

// readPlants reads a membership's records (those carrying its NIK) with the
// simulator's month model and plants what the rules must find: every unpaid or
// unbilled overdue month, and an open run of 3 or more (INACTIVE_3_MONTHS). It
// returns the paid months.
func (g *gen) readPlants(pp *person, recs []coverage.Contribution) []mon {
	p := &pp.p
	own := recs
	if pp.mismatch != nil {
		own = make([]coverage.Contribution, 0, len(recs))
		for _, c := range recs {
			if c.NIK == p.NIK {
				own = append(own, c)
			}
		}
	}
	endMon := mon(0)
	if !pp.end.IsZero() {
		endMon = monOf(pp.end)
	}
	l := readLedgerInto(&g.ledgerBufs, own, monOf(pp.start), endMon, g.lastMonth, g.dueMonth)
	pp.lapses = l.lapses
	for _, r := range l.lapses {
		x := Lapse{KPJ: p.KPJ, From: r[0].period()}
		if r[1] != 0 {
			x.Until = r[1].period()
		}
		g.ds.Lapses = append(g.ds.Lapses, x)
	}
	paid := g.paidBuf[:0]
	for j, st := range l.states {
		m := l.first + mon(j)
		switch st {
		case statePaid:
			if m >= firstMon { // claims are drawn from 2023 on
				paid = append(paid, m)
			}
		case stateUnpaid, stateNotBilled:
			d := "not billed"
			if st == stateUnpaid {
				var due, paid int64
				for _, c := range own {
					if c.Period == m.period() {
						due, paid = max(due, c.AmountDue), paid+c.AmountPaid
					}
				}
				d = "due " + strconv.FormatInt(due, 10) + " by " + string(m.date(15)) + ", paid " + strconv.FormatInt(paid, 10)
			}
			if l.lapsed(m) && st == stateNotBilled {
				d += " (lapsed)"
			}
			g.plant(Plant{Kind: PlantUnpaidMonths, NIK: p.NIK, KPJ: p.KPJ, Period: m.period(), Detail: d})
		}
	}
	if len(l.openRun) >= 3 {
		d := "unpaid " + string(l.openRun[0].period()) + " to " + string(l.openRun[len(l.openRun)-1].period())
		if p.Status == coverage.StatusInactive {
			d += ": INACTIVE"
		} else {
			d += ", status still " + string(p.Status)
		}
		g.plant(Plant{Kind: PlantInactive3Months, NIK: p.NIK, KPJ: p.KPJ, Period: l.openRun[2].period(), Detail: d})
	} else if p.Status == coverage.StatusInactive {
		panic("feedsim: an INACTIVE member without 3 unpaid months: " + p.KPJ)
	}
	g.paidBuf = paid
	return paid
}

func fundedIn(roster []coverage.RosterEntry, m coverage.Period) bool {
	for i := range roster {
		if r := &roster[i]; r.FundedFrom <= m && (r.FundedUntil == "" || m <= r.FundedUntil) {
			return true
		}
	}
	return false
}

// selfPattern draws which months a self-payer leaves unpaid: a missed month
// makes the next more likely missed too (about 12% of months in all). Three
// consecutive overdue unpaid months happen only to members whose fate is to
// lapse, and exactly at their lapse month.
func (g *gen) selfPattern(pp *person, from mon, n int) ([]bool, mon) {
	force := make([]int8, n) // 1 paid, -1 unpaid
	if pp.fate == fateLapsed {
		for i := max(0, n-3); i < n; i++ {
			force[i] = -1
		}
		if n >= 4 {
			force[n-4] = 1
		}
	}
	if pp.fate == fateDied || pp.fate == fateTerminated {
		force[n-1] = 1 // a member pays the month they leave (or die) in
	}
	if pp.closedLapse {
		// Three unpaid months, the third lapsing the membership, then paid
		// again: the lapse is over by as-of, neither at the end of 2023 nor in
		// the as-of month, and old enough for a claim in it to be paid.
		var cands []int
		for j := 1; j+3 < n; j++ {
			l := from + mon(j+2)
			if l+1 <= g.dueMonth && l.day(25).Before(g.today.AddDate(0, 0, -45)) && l != monOf(dec2023) &&
				force[j-1] == 0 && force[j] == 0 && force[j+1] == 0 && force[j+2] == 0 && force[j+3] == 0 {
				cands = append(cands, j)
			}
		}
		if len(cands) > 0 {
			j := pick(g, cands)
			force[j-1], force[j], force[j+1], force[j+2], force[j+3] = 1, -1, -1, -1, 1
			pp.lapseFrom = from + mon(j+2)
		}
	}
	if pp.openLapse {
		// The last three overdue months (and any month after) unpaid, status
		// still ACTIVE: the 3-month rule applies whatever the status says.
		j := int(g.dueMonth - 2 - from)
		if j >= 1 {
			force[j-1] = 1
			for i := j; i < n; i++ {
				force[i] = -1
			}
		}
	}
	if pp.jkkAbove {
		// Dead, never reported: the bills after the death go unpaid.
		for i := range n {
			if from+mon(i) > monOf(pp.died) {
				force[i] = -1
			}
		}
	}
	var plant mon
	if (pp.lone != loneNone || pp.outside == outsideUnpaid) && n >= 3 {
		j := 1 + g.rng.IntN(n-2)
		for j > 1 && from+mon(j) > g.dueMonth-2 {
			j--
		}
		if force[j-1] >= 0 && force[j] == 0 && force[j+1] >= 0 && from+mon(j) <= g.dueMonth-2 {
			force[j-1], force[j], force[j+1] = 1, -1, 1
			plant = from + mon(j)
		}
	}
	unpaid := make([]bool, n)
	run, prev := 0, false
	for i := range n {
		m := from + mon(i)
		var u bool
		switch force[i] {
		case -1:
			u = true
		case 1:
			u = false
		default:
			p := 0.085
			if prev {
				p = 0.45
			}
			u = g.rng.Float64() < p
			if u && m <= g.dueMonth && run >= 2 {
				u = false
			}
			if u && i+1 < n && force[i+1] == -1 && run >= 1 {
				u = false
			}
		}
		if u && m <= g.dueMonth {
			run++
		} else if !u {
			run = 0
		}
		prev = u
		unpaid[i] = u
	}
	return unpaid, plant
}

// wrongTariff bills a month at a wrong amount: with JHT for a member without
// it, or without JHT for a member with it.
func (g *gen) wrongTariff(pp *person, m mon, due int64) int64 {
	p := &pp.p
	alt := []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT}
	what := "JKK+JKM+JHT"
	if len(p.Programs) == 3 {
		alt, what = alt[:2], "JKK+JKM"
	}
	wrong := bpuDue(alt, p.DeclaredIncome)
	g.plant(Plant{Kind: PlantTariffMismatch, NIK: p.NIK, KPJ: p.KPJ, Period: m.period(),
		Detail: "billed " + strconv.FormatInt(wrong, 10) + " (" + what + "), tariff " + strconv.FormatInt(due, 10)})
	return wrong
}

// draft is a claim before it is numbered.
type draft struct {
	c     coverage.Claim
	plant int // index in g.plants of its CLAIM_OUTSIDE_COVERAGE plant, or -1
}

// drawClaims draws a member's claims over months of paid coverage.
func (g *gen) drawClaims(pp *person, months []mon) {
	p := &pp.p
	end := g.today
	if !pp.end.IsZero() {
		end = minTime(end, pp.end)
	}
	if !pp.died.IsZero() {
		end = minTime(end, pp.died)
	}
	// Work accidents needing care: a few in a hundred members a year.
	for _, m := range months {
		if g.rng.Float64() >= pp.medicalRate/12 {
			continue
		}
		lo, hi := maxTime(m.first(), pp.start), minTime(m.day(m.days()), end)
		if hi.Before(lo) {
			continue
		}
		d := g.dayIn(lo, hi)
		g.claim(pp, coverage.ProgramJKK, coverage.BenefitMedical, d, g.after(d, 3, 30), g.medicalCost(), -1, false)
	}
	switch {
	case !pp.died.IsZero():
		// The heirs file the death benefits together.
		d := pp.died
		filed := g.after(d, 5, 45)
		if pp.deathPaid {
			filed = minTime(filed, g.today.AddDate(0, 0, -30))
		}
		if pp.workDeath {
			amount, plant := 48*p.DeclaredIncome, -1
			if pp.jkkAbove {
				ceiling := amount
				amount += int64(1+g.rng.IntN(6)) * p.DeclaredIncome
				plant = len(g.plants)
				g.plant(Plant{Kind: PlantClaimAboveBenefit, NIK: p.NIK, KPJ: p.KPJ, Period: monOf(d).period(),
					Detail: "JKK DEATH paid " + strconv.FormatInt(amount, 10) + ", above 48 x the declared income " + strconv.FormatInt(ceiling, 10)})
			}
			if !g.claim(pp, coverage.ProgramJKK, coverage.BenefitDeath, d, filed, amount, plant, pp.deathPaid) && plant >= 0 {
				panic("feedsim: a planted claim filed after as-of")
			}
		} else {
			for _, b := range []struct {
				benefit coverage.Benefit
				amount  int64
			}{{coverage.BenefitDeath, 20_000_000}, {coverage.BenefitPeriodic, 12_000_000}, {coverage.BenefitFuneral, 10_000_000}} {
				plant := -1
				if b.benefit == pp.aboveBenefit {
					// Paid above the benefit of PP 82/2019 (a clerk's error, or
					// the funeral paid at the invoice).
					ceiling := b.amount
					b.amount += int64(1+g.rng.IntN(8)) * 500_000
					plant = len(g.plants)
					g.plant(Plant{Kind: PlantClaimAboveBenefit, NIK: p.NIK, KPJ: p.KPJ, Period: monOf(d).period(),
						Detail: "JKM " + string(b.benefit) + " paid " + strconv.FormatInt(b.amount, 10) + ", above the ceiling " + strconv.FormatInt(ceiling, 10)})
				}
				if !g.claim(pp, coverage.ProgramJKM, b.benefit, d, filed, b.amount, plant, pp.deathPaid) && plant >= 0 {
					panic("feedsim: a planted claim filed after as-of")
				}
			}
		}
		// Scholarships for up to two children; after a non-work death only with
		// three years of membership.
		if (pp.workDeath || !pp.start.After(d.AddDate(-3, 0, 0))) && g.chance(60) {
			program := coverage.ProgramJKM
			if pp.workDeath {
				program = coverage.ProgramJKK
			}
			for range 1 + g.rng.IntN(2) {
				g.claim(pp, program, coverage.BenefitScholarship, d, g.after(filed, 10, 60), pick(g, scholarships), -1, false)
			}
		}
		if hasProgram(p.Programs, coverage.ProgramJHT) && p.Segment != coverage.SegmentBPU && g.chance(90) {
			g.claim(pp, coverage.ProgramJHT, coverage.BenefitLumpSum, d, g.after(filed, 0, 60), jhtBalance(pp), -1, false)
		}
	case pp.fate == fateTerminated && !pp.city && !pp.end.After(g.today):
		// Leaving a job (or coming home) releases the old-age savings.
		if hasProgram(p.Programs, coverage.ProgramJHT) && g.chance(70) {
			g.claim(pp, coverage.ProgramJHT, coverage.BenefitLumpSum, pp.end, g.after(pp.end, 7, 90), jhtBalance(pp), -1, false)
		}
	}
	// A claim carrying this membership's KPJ under another person's NIK.
	if pp.mismatch != nil && pp.mismatchClaim && len(months) > 0 {
		m := months[g.rng.IntN(len(months))]
		lo, hi := maxTime(m.first(), pp.start), minTime(m.day(m.days()), end)
		d := minTime(g.dayIn(lo, maxTime(lo, hi)), g.today.AddDate(0, 0, -40))
		plant := len(g.plants)
		g.plant(Plant{Kind: PlantKPJNIKMismatch, NIK: pp.mismatch.p.NIK, KPJ: p.KPJ, Period: monOf(d).period(),
			Detail: "claim of membership " + p.KPJ + " filed under another NIK"})
		if !g.claim(pp, coverage.ProgramJKK, coverage.BenefitMedical, d, g.after(d, 3, 10), g.medicalCost(), plant, true) {
			panic("feedsim: a planted claim filed after as-of")
		}
		g.drafts[len(g.drafts)-1].c.NIK = pp.mismatch.p.NIK
	}
	// A claim in a lone unpaid month: inside coverage all the same (one or two
	// unpaid months do not lapse a membership). Not a plant.
	if pp.outside == outsideUnpaid && pp.unpaidMonth != 0 {
		d := minTime(pp.unpaidMonth.day(3+g.rng.IntN(20)), g.today.AddDate(0, 0, -40))
		g.claim(pp, coverage.ProgramJKK, coverage.BenefitMedical, d, g.after(d, 3, 10), g.medicalCost(), -1, true)
	}
	// Planted: a claim outside coverage, paid all the same.
	var incident time.Time
	var why string
	switch pp.outside {
	case outsideBefore:
		incident = pp.start.AddDate(0, 0, -10-g.rng.IntN(50))
		why = "before coverage_start " + string(p.CoverageStart)
	case outsideAfter:
		incident = pp.end.AddDate(0, 0, 5+g.rng.IntN(20))
		why = "after coverage_end " + string(p.CoverageEnd)
	case outsideLapsed:
		if pp.lapseFrom != 0 && (&ledger{lapses: pp.lapses}).lapsed(pp.lapseFrom) {
			incident = pp.lapseFrom.day(3 + g.rng.IntN(20))
			why = "in " + string(pp.lapseFrom.period()) + ", lapsed after 3 consecutive unpaid months"
		}
	}
	if !incident.IsZero() {
		// Filed early enough to have been paid by as-of.
		incident = minTime(incident, g.today.AddDate(0, 0, -40))
		plant := len(g.plants)
		g.plant(Plant{Kind: PlantClaimOutsideCoverage, NIK: p.NIK, KPJ: p.KPJ, Period: monOf(incident).period(),
			Detail: "incident " + string(dateOf(incident)) + " " + why})
		if !g.claim(pp, coverage.ProgramJKK, coverage.BenefitMedical, incident, g.after(incident, 3, 10), g.medicalCost(), plant, true) {
			panic("feedsim: a planted claim filed after as-of")
		}
	}
}

var scholarships = []int64{1_500_000, 2_000_000, 3_000_000, 12_000_000} // a year at SD, SMP, SMA, university

func hasProgram(ps []coverage.Program, p coverage.Program) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// medicalCost is the actual cost of care: Rp0.5M to Rp25M, most of it small.
func (g *gen) medicalCost() int64 {
	return int64(500_000*math.Exp(g.rng.Float64()*g.rng.Float64()*math.Log(50))) / 1_000 * 1_000
}

// jhtBalance is the old-age savings at the end of a membership: 5.7% of the
// wage (2% for migrant and informal workers) a month, with some returns.
func jhtBalance(pp *person) int64 {
	months := int64(pp.end.Sub(pp.start).Hours()/24/30.4) + 1
	rate := int64(57)
	if pp.p.Segment != coverage.SegmentPU {
		rate = 20
	}
	years := months / 12
	return months * pp.p.DeclaredIncome * rate / 1000 * (100 + 3*years) / 100
}

// after returns a day between lo and hi days after d.
func (g *gen) after(d time.Time, lo, hi int) time.Time {
	return d.AddDate(0, 0, lo+g.rng.IntN(hi-lo+1))
}

// claim files a claim and moves it along as far as it would have got by as-of.
// A claim filed after as-of is dropped. A planted claim is paid.
//
// plant is the index in g.plants of the plant whose subject the claim is (its
// number is filled in when claims are numbered), or -1; a planted claim, or
// one with paid set, is paid. It reports whether the claim was filed.
func (g *gen) claim(pp *person, program coverage.Program, benefit coverage.Benefit, incident, submitted time.Time, amount int64, plant int, paid bool) bool {
	if submitted.After(g.today) {
		return false
	}
	planted := plant >= 0 || paid
	c := coverage.Claim{KPJ: pp.p.KPJ, NIK: pp.p.NIK, Program: program, Benefit: benefit,
		IncidentDate: dateOf(incident), SubmittedAt: dateOf(submitted), AmountClaimed: amount}
	age := daysBetween(submitted, g.today)
	reject := 2
	if benefit == coverage.BenefitMedical {
		reject = 8
	}
	x := g.rng.IntN(100)
	switch {
	case planted:
		x = 99
	case age < 5:
		x = -1
	case age < 14:
		x = -1 - x%2
	}
	switch {
	case x == -1:
		c.Status = coverage.ClaimSubmitted
		c.UpdatedAt = g.desk(submitted)
	case x == -2 || (x >= reject && x < reject+3):
		c.Status = coverage.ClaimVerified
		c.UpdatedAt = g.desk(g.dayIn(submitted.AddDate(0, 0, 1), minTime(submitted.AddDate(0, 0, 10), g.today)))
	case x < reject:
		c.Status = coverage.ClaimRejected
		c.UpdatedAt = g.desk(g.dayIn(submitted.AddDate(0, 0, 3), minTime(submitted.AddDate(0, 0, 20), g.today)))
	default:
		paid := submitted.AddDate(0, 0, 5+g.rng.IntN(min(25, age-4)))
		c.Status, c.AmountPaid, c.PaidAt = coverage.ClaimPaid, amount, dateOf(paid)
		c.UpdatedAt = g.batch(paid, 14) // the daily payment run
	}
	g.drafts = append(g.drafts, draft{c: c, plant: plant})
	return true
}

// numberClaims numbers the claims in the order they were filed: K, the year,
// a sequence of the year.
func (g *gen) numberClaims() {
	sort.SliceStable(g.drafts, func(i, j int) bool { return g.drafts[i].c.SubmittedAt < g.drafts[j].c.SubmittedAt })
	g.claimSeq = map[int]int{}
	for i := range g.drafts {
		d := &g.drafts[i]
		d.c.ClaimNo = g.claimNo(d.c.SubmittedAt.Time().Year())
		if d.plant >= 0 {
			g.plants[d.plant].Detail = d.c.ClaimNo + ": " + g.plants[d.plant].Detail
			g.plants[d.plant].Ref = d.c.ClaimNo
		}
		g.ds.Claims = append(g.ds.Claims, d.c)
	}
}

func (g *gen) claimNo(year int) string {
	g.claimSeq[year] += 1 + g.rng.IntN(3) // numbers are shared with other cities' claims
	return "K" + strconv.Itoa(year) + strconv.Itoa(1_000_000 + g.claimSeq[year])[1:]
}
