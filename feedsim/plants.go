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
		if i%2 == 0 {
			// Still enrolled and paid for by the city after the election term.
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
