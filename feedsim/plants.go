package feedsim

import (
	"fmt"
	"slices"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

func (g *gen) plant(p Plant) { g.plants = append(g.plants, p) }

// takeCity picks an unused, living city person of the first category that has
// one, then of any non-ad-hoc category, then of any.
func (g *gen) takeCity(cats ...coverage.Category) *person {
	try := func(ok func(*person) bool) *person {
		var list []*person
		for _, pp := range g.people {
			if pp.city && !pp.used && pp.enrolled && pp.fate != fateDied && len(pp.roster) == 1 && ok(pp) {
				list = append(list, pp)
			}
		}
		if len(list) == 0 {
			return nil
		}
		pp := pick(g, list)
		pp.used = true
		return pp
	}
	for _, c := range cats {
		if pp := try(func(pp *person) bool { return pp.roster[0].Category == c }); pp != nil {
			return pp
		}
	}
	if pp := try(func(pp *person) bool { return pp.roster[0].FundedUntil == "" }); pp != nil {
		return pp
	}
	return try(func(*person) bool { return true })
}

// badNIK turns a NIK into one of the same shape that does not parse: day 35 or
// month 13 of its birth date.
func (g *gen) badNIK(nik string, i int, taken map[string]bool) string {
	for serial := 0; ; serial++ {
		var bad string
		if i%2 == 0 {
			bad = nik[:6] + "35" + nik[8:12]
		} else {
			bad = nik[:8] + "13" + nik[10:12]
		}
		bad += fmt.Sprintf("%04d", (int(nik[12]-'0')*1000+int(nik[13]-'0')*100+int(nik[14]-'0')*10+int(nik[15]-'0')+serial-1)%9999+1)
		if !taken[bad] {
			taken[bad] = true
			return bad
		}
	}
}

// plantCity plants the roster errors. k of each kind; variants alternate,
// the first variant being the one that needs the fewest people.
func (g *gen) plantCity() {
	k := g.n(plantsPerKind)
	g.badNIKs = map[string]bool{}
	for i := range k {
		if pp := g.takeCity(coverage.CategoryKader, coverage.CategoryRTRW, coverage.CategoryLinmas); pp != nil {
			pp.enrolled = false
			g.plant(Plant{Kind: PlantRosterNotEnrolled, NIK: pp.p.NIK, Category: pp.roster[0].Category,
				Detail: "on the " + string(pp.roster[0].Category) + " roster of " + pp.roster[0].Agency + " since " + string(pp.roster[0].FundedFrom) + ", no BPJS membership"})
		}
		if pp := g.takeCity(coverage.CategoryLinmas, coverage.CategoryNelayan, coverage.CategoryKader); pp != nil {
			pp.p.PayerType = coverage.PayerSelf
			g.plant(Plant{Kind: PlantRosterOtherPayer, NIK: pp.p.NIK, KPJ: pp.p.KPJ, Category: pp.roster[0].Category,
				Detail: "funded by the city since " + string(pp.roster[0].FundedFrom) + ", enrolled paying SELF"})
		}
		if i%2 == 0 && g.today.After(monOfPeriod(adhocTo).day(1).AddDate(0, 1, 10)) {
			// Still enrolled and paid for by the city after the election term
			// (once the city's July transfer is made).
			if pp := g.takeCity(coverage.CategoryAdhocKPU, coverage.CategoryAdhocBawaslu); pp != nil && pp.roster[0].FundedUntil != "" {
				pp.fate, pp.end, pp.checkAPBD = fateActive, time.Time{}, true
			}
		} else {
			g.apbdWithoutRoster()
		}
		if i%2 == 0 {
			a := g.takeCity(coverage.CategoryRTRW)
			b := g.takeCity(coverage.CategoryLinmas)
			if a != nil && b != nil && a != b {
				// b's LINMAS entry becomes a's: the same NIK on two rosters. b's
				// own membership goes with it (b was a itself all along).
				e := b.roster[0]
				e.NIK, e.Name, e.KelurahanCode = a.p.NIK, a.roster[0].Name, a.p.KelurahanCode
				e.FundedFrom = max(e.FundedFrom, a.roster[0].FundedFrom)
				a.roster = append(a.roster, e)
				b.roster, b.enrolled = nil, false
				g.plant(Plant{Kind: PlantDoubleFunded, NIK: a.p.NIK, KPJ: a.p.KPJ, Category: e.Category,
					Period: e.FundedFrom,
					Detail: "on the " + string(a.roster[0].Category) + " and " + string(e.Category) + " rosters"})
			}
		} else if a := g.takeCity(coverage.CategoryKader); a != nil {
			g.doubleWithEmployer(a)
		}
		if i%2 == 0 {
			if pp := g.takeCity(coverage.CategoryNelayan, coverage.CategoryKebersihanDLH, coverage.CategoryRTRW); pp != nil {
				bad := g.badNIK(pp.p.NIK, i/2, g.badNIKs)
				pp.p.NIK, pp.roster[0].NIK = bad, bad
				g.plant(Plant{Kind: PlantInvalidNIK, NIK: bad, KPJ: pp.p.KPJ, Category: pp.roster[0].Category,
					Detail: "birth date " + bad[6:12] + " does not exist; on the roster and the membership"})
			}
		}
		if pp := g.takeCity(coverage.CategoryKebersihanDLH, coverage.CategoryLinmas, coverage.CategoryKader); pp != nil {
			out := outsideKelurahan[i%len(outsideKelurahan)]
			pp.p.KelurahanCode, pp.roster[0].KelurahanCode = out, out
			g.plant(Plant{Kind: PlantDomicileOutsideCity, NIK: pp.p.NIK, KPJ: pp.p.KPJ, Category: pp.roster[0].Category,
				Detail: "domicile " + out + " is outside Kota Cilegon"})
		}
	}
}

// apbdWithoutRoster adds a BPU member paid by APBD who is on no roster at all.
func (g *gen) apbdWithoutRoster() {
	start := (firstMon + 2 + mon(g.rng.IntN(int(g.lastMonth-firstMon-4)))).first()
	id := g.newIdentity("", 25, 60, 30, start)
	pp := &person{enrolled: true, start: start, reg: start.AddDate(0, 0, -3), checkAPBD: true, used: true, medicalRate: 0.01}
	pp.p = coverage.Participant{NIK: id.nik, Name: id.name, BirthDate: dateOf(id.birth), Gender: id.gender,
		Segment: coverage.SegmentBPU, Occupation: pick(g, []string{"MARBOT", "GURU NGAJI", "PEMANDI JENAZAH"}),
		Programs:  []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM},
		PayerType: coverage.PayerAPBD, Status: coverage.StatusActive, KelurahanCode: id.kel, DeclaredIncome: 1_000_000}
	pp.p.KPJ = g.kpj(pp.reg)
	g.people = append(g.people, pp)
}

// doubleWithEmployer gives a city-funded person a second membership as a wage
// earner, paid by an employer, overlapping the city's funding.
func (g *gen) doubleWithEmployer(a *person) {
	from := maxTime(a.start, jan2023).AddDate(0, 1+g.rng.IntN(6), 0)
	if from.After(g.today) {
		from = g.today
	}
	pp := &person{enrolled: true, start: from, reg: from.AddDate(0, 0, -1), used: true, medicalRate: 0.015}
	pp.p = coverage.Participant{NIK: a.p.NIK, Name: a.p.Name, BirthDate: a.p.BirthDate, Gender: a.p.Gender,
		Segment: coverage.SegmentPU, Occupation: "STAF ADMINISTRASI",
		Programs:  []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT, coverage.ProgramJP},
		PayerType: coverage.PayerEmployer, Status: coverage.StatusActive, KelurahanCode: a.p.KelurahanCode,
		DeclaredIncome: 4_900_000}
	pp.p.KPJ = g.kpj(pp.reg)
	g.people = append(g.people, pp)
	g.plant(Plant{Kind: PlantDoubleFunded, NIK: a.p.NIK, KPJ: pp.p.KPJ, Category: a.roster[0].Category,
		Period: max(monOf(from).period(), a.roster[0].FundedFrom),
		Detail: "funded by the city on the " + string(a.roster[0].Category) + " roster and enrolled as a wage earner paid by an employer"})
}

// plantOthers marks members outside the rosters for the plants drawn during
// the simulation (tariffs, claims) and gives some an invalid NIK.
func (g *gen) plantOthers() {
	k := g.n(plantsPerKind)
	var self, apbd, startedLate, ended []*person
	for _, pp := range g.people {
		if pp.used || !pp.enrolled {
			continue
		}
		bpu := pp.p.Segment == coverage.SegmentBPU
		switch {
		case bpu && pp.p.PayerType == coverage.PayerSelf && pp.fate == fateActive && monOf(pp.start) <= g.dueMonth-4:
			self = append(self, pp)
		case bpu && pp.p.PayerType == coverage.PayerAPBD && pp.fate == fateActive && !pp.checkAPBD:
			apbd = append(apbd, pp)
		case !pp.city && pp.fate == fateTerminated && pp.end.Before(g.today.AddDate(0, 0, -60)):
			ended = append(ended, pp)
		case !pp.city && pp.fate == fateActive && pp.start.After(time.Date(2023, 4, 1, 0, 0, 0, 0, time.UTC)) &&
			pp.start.Before(g.today.AddDate(0, 0, -30)):
			startedLate = append(startedLate, pp)
		}
	}
	take := func(lists ...*[]*person) *person {
		for _, l := range lists {
			for len(*l) > 0 {
				i := g.rng.IntN(len(*l))
				pp := (*l)[i]
				*l = slices.Delete(*l, i, i+1)
				if !pp.used {
					pp.used = true
					return pp
				}
			}
		}
		return nil
	}
	for i := range k {
		if i%2 == 0 {
			if pp := take(&self, &apbd); pp != nil {
				pp.tariffPlant = true
			}
		} else if pp := take(&apbd, &self); pp != nil {
			pp.tariffPlant = true
		}
		switch i % 3 {
		case 0:
			if pp := take(&startedLate, &self); pp != nil {
				pp.outside = outsideBefore
			}
		case 1:
			if pp := take(&ended, &startedLate); pp != nil {
				pp.outside = outsideAfter
				if pp.fate != fateTerminated {
					pp.outside = outsideBefore
				}
			}
		case 2:
			if pp := take(&self, &startedLate); pp != nil {
				pp.outside = outsideUnpaid
				if pp.p.PayerType != coverage.PayerSelf || pp.p.Segment != coverage.SegmentBPU {
					pp.outside = outsideBefore
				}
			}
		}
		if i%2 == 1 {
			if pp := take(&self); pp != nil {
				bad := g.badNIK(pp.p.NIK, i/2, g.badNIKs)
				pp.p.NIK = bad
				g.plant(Plant{Kind: PlantInvalidNIK, NIK: bad, KPJ: pp.p.KPJ,
					Detail: "birth date " + bad[6:12] + " does not exist; on the membership"})
			}
		}
	}
}

// takeCityIf is takeCity for a person that also satisfies ok.
func (g *gen) takeCityIf(ok func(*person) bool, cats ...coverage.Category) *person {
	if g.cityPeople == nil {
		for _, pp := range g.people {
			if pp.city {
				g.cityPeople = append(g.cityPeople, pp)
			}
		}
	}
	var list []*person
	for _, pp := range g.cityPeople {
		if pp.city && !pp.used && pp.enrolled && pp.fate == fateActive && len(pp.roster) == 1 && ok(pp) {
			list = append(list, pp)
		}
	}
	for _, c := range cats {
		var of []*person
		for _, pp := range list {
			if pp.roster[0].Category == c {
				of = append(of, pp)
			}
		}
		if len(of) > 0 {
			list = of
			break
		}
	}
	if len(list) == 0 {
		return nil
	}
	pp := pick(g, list)
	pp.used = true
	return pp
}

// openFunded: a living city person funded with no end, whose APBD membership
// has been billed for a few months by as-of.
func (g *gen) openFunded(months int) func(*person) bool {
	return func(pp *person) bool {
		return pp.roster[0].FundedUntil == "" && pp.p.PayerType == coverage.PayerAPBD &&
			max(monOf(pp.start), firstMon) <= g.dueMonth-mon(months)
	}
}

// plantRules plants the cases of the issue-12 rules (docs/reconciliation.md): money
// the city owes or paid wrongly, claims above their benefit, records under
// the wrong NIK, and the month model's duplicates, partial payments, billing
// gaps and lapses, as realistic data. Each case k times, at least twice so
// that both variants of a case are made at any scale.
func (g *gen) plantRules() {
	k := max(2, g.n(plantsPerKind))
	var self, apbd, dead []*person
	for _, pp := range g.people {
		if pp.used || !pp.enrolled {
			continue
		}
		switch {
		case pp.p.Segment == coverage.SegmentBPU && pp.p.PayerType == coverage.PayerSelf && pp.fate == fateActive &&
			max(monOf(pp.start), firstMon) <= g.dueMonth-6:
			self = append(self, pp)
		case pp.p.Segment == coverage.SegmentBPU && pp.p.PayerType == coverage.PayerAPBD && pp.fate == fateActive && !pp.checkAPBD:
			apbd = append(apbd, pp)
		case pp.fate == fateDied && !pp.workDeath && !pp.city && pp.end.Before(g.today.AddDate(0, 0, -60)):
			dead = append(dead, pp)
		}
	}
	take := func(l *[]*person) *person {
		for len(*l) > 0 {
			i := g.rng.IntN(len(*l))
			pp := (*l)[i]
			*l = slices.Delete(*l, i, i+1)
			if !pp.used {
				pp.used = true
				return pp
			}
		}
		return nil
	}
	others := func() *person { // anyone not yet carrying a plant
		for range 1000 {
			pp := g.people[g.rng.IntN(len(g.people))]
			if !pp.used && pp.enrolled {
				pp.used = true
				return pp
			}
		}
		return nil
	}
	for i := range k {
		// FUNDED_NOT_PAID: the city skipped a funded month (billed, or not even
		// billed). Also an UNPAID_MONTHS plant of the month, read off the records.
		if pp := g.takeCityIf(g.openFunded(3), coverage.CategoryKader, coverage.CategoryRTRW, coverage.CategoryLinmas); pp != nil {
			pp.cityMiss = loneUnpaid
			if i%2 == 1 {
				pp.cityMiss = loneGap
			}
		}
		// PAID_AFTER_DEATH: a city worker dies, the heirs are paid the JKM
		// death benefits, the agency never takes the worker off its roster and
		// the city keeps paying. BPJS closed the membership at the death
		// (odd i) or never learnt of it but from the claim (even i).
		if pp := g.takeCityIf(func(pp *person) bool {
			return g.openFunded(0)(pp) && maxTime(pp.start, jan2023).AddDate(0, 2, 0).Before(g.today.AddDate(0, 0, -100))
		}, coverage.CategoryRTRW, coverage.CategoryKader, coverage.CategoryLinmas); pp != nil {
			pp.died = g.dayIn(maxTime(pp.start, jan2023).AddDate(0, 1, 0), g.today.AddDate(0, 0, -100))
			pp.paidOnDeath, pp.deathPaid, pp.workDeath = true, true, false
			if i%2 == 1 {
				pp.fate, pp.end = fateDied, pp.died
			}
		}
		// DOUBLE_FUNDED: registered twice by the city (two agencies, two KPJs).
		if i%2 == 0 {
			if a := g.takeCityIf(g.openFunded(4), coverage.CategoryLinmas, coverage.CategoryKader, coverage.CategoryRTRW); a != nil {
				g.secondAPBD(a)
			}
		}
		// Payer changes, no finding: a self-paying member taken on by the city,
		// a wage earner who left the job and then joined a roster.
		if pp := g.takeCityIf(func(pp *person) bool {
			f := monOfPeriod(pp.roster[0].FundedFrom)
			return pp.roster[0].FundedUntil == "" && pp.p.PayerType == coverage.PayerAPBD && f >= firstMon+4 && f <= g.dueMonth-1
		}, coverage.CategoryKader, coverage.CategoryLinmas, coverage.CategoryRTRW); pp != nil {
			if i%2 == 0 {
				g.selfToAPBD(pp)
			} else {
				g.puToAPBD(pp)
			}
		}
		// CLAIM_ABOVE_BENEFIT: a JKM death paid above PP 82/2019.
		pp := take(&dead)
		if pp == nil {
			pp = take(&self)
			if pp != nil {
				pp.fate, pp.end = fateDied, g.dayIn(maxTime(pp.start, jan2023).AddDate(0, 0, 40), g.today.AddDate(0, 0, -60))
			}
		}
		if pp != nil {
			pp.workDeath, pp.deathPaid = false, true
			pp.aboveBenefit = coverage.BenefitFuneral
			if i%2 == 1 {
				pp.aboveBenefit = coverage.BenefitDeath
			}
		}
		// CLAIM_ABOVE_BENEFIT of JKK: a self-payer dies in a work accident;
		// the heirs are paid more than 48 x the declared income; nobody closes
		// the membership and its bills go unpaid (UNPAID_MONTHS, and
		// INACTIVE_3_MONTHS once three are overdue: read off the records). The
		// death is dated in simulate, after the member's record was last
		// written, so the income in force at the death is known.
		if pp := take(&self); pp != nil {
			pp.jkkAbove = true
		}
		// KPJ_NIK_MISMATCH: a claim (even i) or a payment (odd i) of a
		// self-payer entered under another person's NIK.
		if b := take(&self); b != nil {
			if a := others(); a != nil {
				b.mismatch, b.mismatchClaim = a, i%2 == 0
			}
		}
		// The month model as realistic data: duplicates (no finding), a partial
		// payment and a billing gap (UNPAID_MONTHS), a lapse the status does not
		// show (INACTIVE_3_MONTHS), a lapse paid off with a claim in it
		// (CLAIM_OUTSIDE_COVERAGE), and a claim in a lone unpaid month (none).
		l := &self
		if i%2 == 1 && len(apbd) > 0 {
			l = &apbd
		}
		if pp := take(l); pp != nil {
			pp.dup = dupKind(1 + i%3)
		}
		if pp := take(&self); pp != nil {
			pp.lone = lonePartial
		}
		if pp := take(&self); pp != nil {
			pp.lone = loneGap
		}
		if pp := take(&self); pp != nil {
			pp.openLapse = true
		}
		if pp := take(&self); pp != nil {
			pp.closedLapse, pp.outside = true, outsideLapsed
		}
		if i%2 == 0 {
			if pp := take(&self); pp != nil {
				pp.lone, pp.outside = loneUnpaid, outsideUnpaid
			}
		}
	}
}

// secondAPBD enrols a city-funded person a second time, paid by APBD too,
// from a later month: two KPJs funded for one NIK (DOUBLE_FUNDED).
func (g *gen) secondAPBD(a *person) {
	from := g.dayIn(maxTime(a.start, jan2023).AddDate(0, 1, 0), g.today.AddDate(0, 0, -60))
	pp := &person{enrolled: true, start: from, reg: from.AddDate(0, 0, -1-g.rng.IntN(5)), used: true, medicalRate: 0.005}
	pp.p = a.p
	pp.p.Occupation = pick(g, []string{"MARBOT", "GURU NGAJI", "JURU PARKIR"})
	pp.p.KPJ = g.kpj(pp.reg)
	g.people = append(g.people, pp)
	g.plant(Plant{Kind: PlantDoubleFunded, NIK: a.p.NIK, KPJ: pp.p.KPJ, Category: a.roster[0].Category,
		Period: max(monOf(from).period(), a.roster[0].FundedFrom),
		Detail: "enrolled twice paid by APBD: " + a.p.KPJ + " (" + string(a.roster[0].Category) + ") and " + pp.p.KPJ})
}

// selfToAPBD: the person was a self-paying BPU member before the city funded
// them; the membership (and its KPJ) is older, paid by SELF until the roster
// month. No finding.
func (g *gen) selfToAPBD(pp *person) {
	f := monOfPeriod(pp.roster[0].FundedFrom)
	pp.selfUntil = f
	pp.start = (f - mon(3+g.rng.IntN(12))).day(1 + g.rng.IntN(28))
	pp.reg = pp.start.AddDate(0, 0, -g.rng.IntN(4))
	pp.p.KPJ = g.kpj(pp.reg)
	pp.p.Occupation = pick(g, bpuOccupations)
}

// puToAPBD: the person was a wage earner until the month before the city
// funded them; that membership ended (TERMINATED) before the roster month.
// No finding: the two never cover one month.
func (g *gen) puToAPBD(a *person) {
	f := monOfPeriod(a.roster[0].FundedFrom)
	end := f.first().AddDate(0, 0, -1-g.rng.IntN(20))
	start := end.AddDate(-1-g.rng.IntN(4), 0, -g.rng.IntN(200))
	pp := &person{enrolled: true, fate: fateTerminated, start: start, end: end, reg: start.AddDate(0, 0, -1), used: true, medicalRate: 0.01}
	pp.p = coverage.Participant{NIK: a.p.NIK, Name: a.p.Name, BirthDate: a.p.BirthDate, Gender: a.p.Gender,
		Segment: coverage.SegmentPU, Occupation: pick(g, puOccupations),
		Programs:  []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT, coverage.ProgramJP},
		PayerType: coverage.PayerEmployer, KelurahanCode: a.p.KelurahanCode, DeclaredIncome: int64(3_500_000 + g.rng.IntN(30)*100_000)}
	pp.p.KPJ = g.kpj(pp.reg)
	g.people = append(g.people, pp)
}
