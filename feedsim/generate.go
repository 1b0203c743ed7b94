package feedsim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Config chooses the simulated city.
type Config struct {
	Seed  int64     // default 1; the same seed gives the same data
	Scale float64   // default 1 (the whole city); multiplies every volume
	AsOf  time.Time // snapshot time; default 2024-08-22T00:00:00Z
}

// DefaultAsOf is the snapshot time of the simulated feeds: the week the August
// 2024 figures of DOMAIN.md were reported.
var DefaultAsOf = time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC)

// Dataset is one simulated city. The live slices hold exactly the valid,
// non-deleted records a correct sync must end with; Tombstones and Invalid are
// served in the same streams.
type Dataset struct {
	AsOf          time.Time
	Participants  []coverage.Participant
	Contributions []coverage.Contribution
	Claims        []coverage.Claim
	Roster        []coverage.RosterEntry
	Workforce     []coverage.WorkforceTarget
	Tombstones    []Tombstone
	Invalid       []RawRecord
	Planted       []Plant
}

// Tombstone is a deleted record as served: its key fields, deleted and updated_at.
type Tombstone struct {
	Feed      coverage.Feed
	Key       string
	JSON      []byte
	UpdatedAt time.Time
}

// RawRecord is a record that must fail validation, served verbatim.
type RawRecord struct {
	Feed      coverage.Feed
	Key       string
	JSON      []byte
	UpdatedAt time.Time
	Reason    string
}

// Plant is a semantic error planted for the reconciliation to find. The records
// involved are valid and stored.
type Plant struct {
	Kind     string
	NIK, KPJ string
	Category coverage.Category
	Period   coverage.Period
	Detail   string
}

// Planted error kinds.
const (
	PlantRosterNotEnrolled    = "ROSTER_NOT_ENROLLED"
	PlantRosterOtherPayer     = "ROSTER_OTHER_PAYER"
	PlantAPBDNotOnRoster      = "APBD_NOT_ON_ROSTER"
	PlantUnpaidMonths         = "UNPAID_MONTHS"
	PlantInactive3Months      = "INACTIVE_3_MONTHS"
	PlantTariffMismatch       = "TARIFF_MISMATCH"
	PlantClaimOutsideCoverage = "CLAIM_OUTSIDE_COVERAGE"
	PlantDoubleFunded         = "DOUBLE_FUNDED"
	PlantInvalidNIK           = "INVALID_NIK"
	PlantDomicileOutsideCity  = "DOMICILE_OUTSIDE_CITY"
)

// Volumes at scale 1.
const (
	workforce2023     = 188_000
	workforce2024     = 200_000
	ucjTarget2025     = 176_000
	otherParticipants = 106_000 // members who are not on a city roster
	plantsPerKind     = 5
	rosterTombstones  = 20
	firstPeriod       = coverage.Period("2023-01") // contributions and claims start here
)

// gen holds the state of one generation.
type gen struct {
	rng     *rand.Rand
	scale   float64
	asOf    time.Time
	asOfDay coverage.Date
	areas   *coverage.Areas
	kel     []coverage.Area
	kelCum  []float64 // cumulative weights of kel
	serials map[string]int
	kpjSeq  int
	claimNo int
	ds      *Dataset
	// by KPJ: index in ds.Participants
	people []*person
}

// person is a participant being built, with what the generator needs to know.
type person struct {
	p        coverage.Participant
	roster   []coverage.RosterEntry
	enrolled bool
}

// Generate builds a simulated city. It is deterministic: the same Config gives
// the same Dataset, byte for byte once served.
func Generate(cfg Config) (*Dataset, error) {
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Scale == 0 {
		cfg.Scale = 1
	}
	if cfg.Scale < 0.001 || cfg.Scale > 20 || math.IsNaN(cfg.Scale) {
		return nil, coverage.Errorf(coverage.EINVALID, "scale must be between 0.001 and 20, got %g", cfg.Scale)
	}
	if cfg.AsOf.IsZero() {
		cfg.AsOf = DefaultAsOf
	}
	if cfg.AsOf.Before(time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)) {
		return nil, coverage.Errorf(coverage.EINVALID, "as-of must be 2024-07-01 or later (the ad-hoc election staff end in 2024-06), got %s", cfg.AsOf.Format(time.DateOnly))
	}
	g := &gen{
		rng:     rand.New(rand.NewPCG(uint64(cfg.Seed), 0x4a414d534f5354)),
		scale:   cfg.Scale,
		asOf:    cfg.AsOf.UTC(),
		asOfDay: coverage.DateOf(cfg.AsOf.UTC()),
		areas:   coverage.Cilegon(),
		serials: map[string]int{},
		kpjSeq:  0,
		ds:      &Dataset{AsOf: cfg.AsOf.UTC()},
	}
	g.kelurahanWeights()
	g.workforce()
	g.cityFunded()
	g.others()
	g.plantPeople()
	g.contributionsAndClaims()
	g.invalidRecords()
	g.finish()
	return g.ds, nil
}

func (g *gen) n(scale1 int) int {
	return max(1, int(math.Round(float64(scale1)*g.scale)))
}

func (g *gen) kelurahanWeights() {
	g.kel = g.areas.Kelurahan()
	sum := 0.0
	for range g.kel {
		sum += 0.4 + g.rng.Float64()*1.6
		g.kelCum = append(g.kelCum, sum)
	}
}

func (g *gen) pickKelurahan() string {
	x := g.rng.Float64() * g.kelCum[len(g.kelCum)-1]
	i := sort.SearchFloat64s(g.kelCum, x)
	return g.kel[min(i, len(g.kel)-1)].Code
}

// workforce: the city and its kecamatan in 2023 and 2024, kecamatan summing to
// the city, plus the 2025 UCJ target agreed with BPJS.
func (g *gen) workforce() {
	t := func(year int) time.Time { return time.Date(year, 2, 1, 0, 0, 0, 0, time.UTC) }
	for _, yr := range []struct {
		year, total int
	}{{2023, workforce2023}, {2024, workforce2024}} {
		city := g.n(yr.total)
		at := t(yr.year + 1)
		if at.After(g.asOf) {
			at = t(yr.year)
		}
		src := fmt.Sprintf("BPS Kota Cilegon, Sakernas Agustus %d (simulated)", yr.year)
		g.ds.Workforce = append(g.ds.Workforce, coverage.WorkforceTarget{Year: yr.year, AreaCode: "3672", Workforce: int64(city),
			Basis: "BPS_EMPLOYED", Source: src, UpdatedAt: at})
		// Kecamatan by their kelurahan weights.
		kec := g.areas.Kecamatan()
		weights := make([]float64, len(kec))
		total := 0.0
		prev := 0.0
		for i, k := range g.kel {
			w := g.kelCum[i] - prev
			prev = g.kelCum[i]
			for j, kc := range kec {
				if k.Parent == kc.Code {
					weights[j] += w
				}
			}
			total += w
		}
		left := city
		for j, kc := range kec {
			v := int(math.Round(float64(city) * weights[j] / total))
			if j == len(kec)-1 {
				v = left
			}
			left -= v
			g.ds.Workforce = append(g.ds.Workforce, coverage.WorkforceTarget{Year: yr.year, AreaCode: kc.Code, Workforce: int64(v),
				Basis: "BPS_EMPLOYED", Source: src, UpdatedAt: at})
		}
	}
	g.ds.Workforce = append(g.ds.Workforce, coverage.WorkforceTarget{Year: 2025, AreaCode: "3672", Workforce: int64(g.n(ucjTarget2025)),
		Basis: "UCJ_TARGET", Source: "Pemkot Cilegon - BPJS Ketenagakerjaan (simulated)", UpdatedAt: time.Date(2024, 7, 15, 0, 0, 0, 0, time.UTC)})
}

// identity makes a person's NIK, name, birth date and gender.
func (g *gen) identity(minAge, maxAge int) (nik, name string, birth coverage.Date, gender coverage.Gender) {
	gender = coverage.GenderMale
	given := maleNames
	if g.rng.IntN(100) < 45 {
		gender, given = coverage.GenderFemale, femaleNames
	}
	age := minAge + g.rng.IntN(maxAge-minAge+1)
	born := time.Date(2024-age, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.rng.IntN(365))
	birth = coverage.DateOf(born)
	kec := g.areas.Kecamatan()[g.rng.IntN(len(g.areas.Kecamatan()))].Code
	if g.rng.IntN(100) < 10 {
		kec = otherKecamatan[g.rng.IntN(len(otherKecamatan))]
	}
	k := kec + string(birth) + string(gender)
	g.serials[k]++
	nik = coverage.FormatNIK(kec, birth, gender, g.serials[k])
	name = given[g.rng.IntN(len(given))] + " " + familyNames[g.rng.IntN(len(familyNames))]
	return nik, name, birth, gender
}

func (g *gen) nextKPJ() string {
	g.kpjSeq++
	// 11 digits: a prefix for the branch office and a sequence.
	return fmt.Sprintf("%02d%09d", 23, g.kpjSeq*7+g.rng.IntN(7))
}

// at returns a time on a date, at a fixed hour (many records share a second).
func (g *gen) at(d coverage.Date, hour int) time.Time {
	t := d.Time().Add(time.Duration(hour) * time.Hour)
	if t.After(g.asOf) {
		t = g.asOf.Add(-time.Hour)
	}
	return t
}

func randomDate(rng *rand.Rand, from, to time.Time) coverage.Date {
	days := int(to.Sub(from).Hours() / 24)
	if days <= 0 {
		return coverage.DateOf(from)
	}
	return coverage.DateOf(from.AddDate(0, 0, rng.IntN(days+1)))
}

// cityFunded: the roster and a BPU participant paid by APBD for each person.
func (g *gen) cityFunded() {
	for _, c := range categories {
		n := g.n(c.count)
		for range n {
			nik, name, birth, gender := g.identity(20, 60)
			kel := g.pickKelurahan()
			r := coverage.RosterEntry{NIK: nik, Name: name, Category: coverage.Category(c.category), Agency: c.agency, KelurahanCode: kel}
			if c.adhoc {
				r.FundedFrom, r.FundedUntil = "2024-01", "2024-06"
			} else {
				r.FundedFrom = coverage.Period("2022-07").AddMonths(g.rng.IntN(21)) // 2022-07 .. 2024-03
			}
			r.UpdatedAt = g.at(r.FundedFrom.First().Period().First(), 2).AddDate(0, 0, -10)
			p := coverage.Participant{
				KPJ: g.nextKPJ(), NIK: nik, Name: name, BirthDate: birth, Gender: gender, Segment: coverage.SegmentBPU,
				Occupation: c.occupation, Programs: []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM},
				PayerType: coverage.PayerAPBD, Status: coverage.StatusActive, CoverageStart: r.FundedFrom.First(),
				KelurahanCode: kel, DeclaredIncome: 1_000_000,
			}
			p.RegisteredAt = coverage.DateOf(p.CoverageStart.Time().AddDate(0, 0, -g.rng.IntN(10)-1))
			p.UpdatedAt = g.at(p.RegisteredAt, 1)
			if c.adhoc {
				p.CoverageEnd, p.Status = r.FundedUntil.Last(), coverage.StatusTerminated
				p.UpdatedAt = g.at(p.CoverageEnd, 1).AddDate(0, 0, 1)
			}
			g.people = append(g.people, &person{p: p, roster: []coverage.RosterEntry{r}, enrolled: true})
		}
	}
}

// others: members who are not on a city roster.
func (g *gen) others() {
	n := g.n(otherParticipants)
	start := time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC)
	recent := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for range n {
		nik, name, birth, gender := g.identity(18, 64)
		p := coverage.Participant{KPJ: g.nextKPJ(), NIK: nik, Name: name, BirthDate: birth, Gender: gender,
			Status: coverage.StatusActive, KelurahanCode: g.pickKelurahan()}
		switch x := g.rng.IntN(1000); {
		case x < 640:
			p.Segment, p.PayerType = coverage.SegmentPU, coverage.PayerEmployer
			p.Programs = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT, coverage.ProgramJP}
			if g.rng.IntN(4) == 0 {
				p.Programs = append(p.Programs, coverage.ProgramJKP)
			}
			p.Occupation = puOccupations[g.rng.IntN(len(puOccupations))]
			p.DeclaredIncome = int64(2_500_000 + g.rng.IntN(125)*100_000)
		case x < 940:
			p.Segment = coverage.SegmentBPU
			p.PayerType = coverage.PayerSelf
			if y := g.rng.IntN(100); y < 4 {
				p.PayerType = coverage.PayerCSR
			} else if y < 6 {
				p.PayerType = coverage.PayerAPBN
			}
			p.Programs = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM}
			if g.rng.IntN(5) == 0 {
				p.Programs = append(p.Programs, coverage.ProgramJHT)
			}
			p.Occupation = bpuOccupations[g.rng.IntN(len(bpuOccupations))]
			p.DeclaredIncome = []int64{1_000_000, 1_000_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000}[g.rng.IntN(6)]
		case x < 985:
			p.Segment, p.PayerType = coverage.SegmentJAKON, coverage.PayerEmployer
			p.Programs = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM}
			p.Occupation = "PEKERJA KONSTRUKSI"
			p.DeclaredIncome = int64(3_000_000 + g.rng.IntN(30)*100_000)
		default:
			p.Segment, p.PayerType = coverage.SegmentPMI, coverage.PayerSelf
			p.Programs = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT}
			p.Occupation = "PEKERJA MIGRAN"
			p.DeclaredIncome = int64(5_000_000 + g.rng.IntN(50)*100_000)
		}
		if g.rng.IntN(100) < 82 {
			p.RegisteredAt = randomDate(g.rng, start, recent.AddDate(0, 0, -1))
		} else {
			p.RegisteredAt = randomDate(g.rng, recent, g.asOf.AddDate(0, 0, -1))
		}
		p.CoverageStart = coverage.DateOf(p.RegisteredAt.Time().AddDate(0, 0, g.rng.IntN(3)))
		if p.CoverageStart > g.asOfDay {
			p.CoverageStart = p.RegisteredAt
		}
		p.UpdatedAt = g.at(p.RegisteredAt, 1)
		// Some memberships ended: wage earners who left their job, projects done.
		if p.Segment != coverage.SegmentBPU && g.rng.IntN(100) < 6 {
			end := randomDate(g.rng, p.CoverageStart.Time(), g.asOf.AddDate(0, 0, -1))
			p.CoverageEnd, p.Status = end, coverage.StatusTerminated
			p.UpdatedAt = g.at(end, 1).AddDate(0, 0, 1)
		}
		g.people = append(g.people, &person{p: p, enrolled: true})
	}
}

// plantPeople changes a few people to carry the errors reconciliation must find.
func (g *gen) plantPeople() {
	k := g.n(plantsPerKind)
	byCat := map[string][]*person{}
	for _, pp := range g.people {
		if len(pp.roster) > 0 {
			byCat[string(pp.roster[0].Category)] = append(byCat[string(pp.roster[0].Category)], pp)
		}
	}
	take := func(cat string) *person {
		list := byCat[cat]
		for len(list) > 0 {
			i := g.rng.IntN(len(list))
			pp := list[i]
			list = append(list[:i], list[i+1:]...)
			byCat[cat] = list
			if pp.enrolled && pp.p.PayerType == coverage.PayerAPBD && len(pp.roster) == 1 {
				return pp
			}
		}
		return nil
	}
	plant := func(p Plant) { g.ds.Planted = append(g.ds.Planted, p) }
	for range k {
		if pp := take("KADER"); pp != nil {
			pp.enrolled = false
			plant(Plant{Kind: PlantRosterNotEnrolled, NIK: pp.p.NIK, Category: pp.roster[0].Category, Detail: "on the roster, no BPJS membership"})
		}
		if pp := take("LINMAS"); pp != nil {
			pp.p.PayerType = coverage.PayerSelf
			plant(Plant{Kind: PlantRosterOtherPayer, NIK: pp.p.NIK, KPJ: pp.p.KPJ, Category: pp.roster[0].Category, Detail: "funded by the city, enrolled as SELF"})
		}
		if pp := take("ADHOC_KPU"); pp != nil {
			// Still enrolled, and paid for, at the city's cost after the term
			// ended: the month loop bills and pays every month to the as-of month.
			pp.p.CoverageEnd, pp.p.Status = "", coverage.StatusActive
			pp.p.UpdatedAt = g.at(pp.p.RegisteredAt, 1)
			for m := pp.roster[0].FundedUntil.AddMonths(1); m <= g.asOfDay.Period(); m = m.AddMonths(1) {
				plant(Plant{Kind: PlantAPBDNotOnRoster, NIK: pp.p.NIK, KPJ: pp.p.KPJ, Category: pp.roster[0].Category, Period: m, Detail: "paid by APBD after the roster ended"})
			}
		}
		if pp := take("RT_RW"); pp != nil {
			second := pp.roster[0]
			second.Category, second.Agency = coverage.CategoryLinmas, "Satpol PP"
			pp.roster = append(pp.roster, second)
			plant(Plant{Kind: PlantDoubleFunded, NIK: pp.p.NIK, KPJ: pp.p.KPJ, Category: coverage.CategoryLinmas, Period: second.FundedFrom, Detail: "on the RT_RW and LINMAS rosters"})
		}
		if pp := take("NELAYAN"); pp != nil {
			// A NIK of the right shape with day 35: no such date.
			bad := pp.p.NIK[:6] + "35" + pp.p.NIK[8:]
			if _, err := coverage.ParseNIK(bad); err != nil {
				pp.p.NIK, pp.roster[0].NIK = bad, bad
				plant(Plant{Kind: PlantInvalidNIK, NIK: bad, KPJ: pp.p.KPJ, Category: pp.roster[0].Category, Detail: "birth date day 35"})
			}
		}
		if pp := take("KEBERSIHAN_DLH"); pp != nil {
			outside := "3604011001" // Kabupaten Serang
			pp.p.KelurahanCode, pp.roster[0].KelurahanCode = outside, outside
			plant(Plant{Kind: PlantDomicileOutsideCity, NIK: pp.p.NIK, KPJ: pp.p.KPJ, Category: pp.roster[0].Category, Detail: "domicile " + outside})
		}
	}
}

func (g *gen) claim(p *coverage.Participant, program coverage.Program, benefit coverage.Benefit, incident coverage.Date, amount int64) {
	g.claimNo++
	submitted := coverage.DateOf(incident.Time().AddDate(0, 0, 3+g.rng.IntN(40)))
	c := coverage.Claim{ClaimNo: fmt.Sprintf("K%s%06d", incident[:4], g.claimNo), KPJ: p.KPJ, NIK: p.NIK, Program: program,
		Benefit: benefit, IncidentDate: incident, SubmittedAt: submitted, AmountClaimed: amount}
	if submitted > g.asOfDay {
		return // not yet filed
	}
	age := g.asOf.Sub(submitted.Time())
	switch x := g.rng.IntN(100); {
	case age < 20*24*time.Hour || x < 3:
		c.Status = coverage.ClaimSubmitted
	case age < 40*24*time.Hour || x < 7:
		c.Status = coverage.ClaimVerified
	case x < 12:
		c.Status = coverage.ClaimRejected
	default:
		c.Status, c.AmountPaid = coverage.ClaimPaid, amount
		c.PaidAt = coverage.DateOf(submitted.Time().AddDate(0, 0, 14+g.rng.IntN(10)))
		if c.PaidAt > g.asOfDay {
			c.Status, c.AmountPaid, c.PaidAt = coverage.ClaimVerified, 0, ""
		}
	}
	last := c.SubmittedAt
	if c.PaidAt != "" {
		last = c.PaidAt
	}
	c.UpdatedAt = g.at(last, 3)
	g.ds.Claims = append(g.ds.Claims, c)
}

// contributionsAndClaims walks each member month by month from 2023-01: BPU
// members are billed and pay (or not); anyone covered may claim.
func (g *gen) contributionsAndClaims() {
	lastMonth := g.asOfDay.Period()
	tariffPlants := g.n(plantsPerKind)
	outsidePlants := g.n(plantsPerKind)
	for _, pp := range g.people {
		if !pp.enrolled {
			continue
		}
		p := &pp.p
		from := max(p.CoverageStart.Period(), firstPeriod)
		to := lastMonth
		if p.CoverageEnd != "" {
			to = min(to, p.CoverageEnd.Period())
		}
		billed := p.Segment == coverage.SegmentBPU
		unpaidRun := 0
		var paidMonths []coverage.Period
		for m := from; m <= to; m = m.AddMonths(1) {
			if billed {
				due, err := coverage.BPUTariffs.Due(p.Programs, p.DeclaredIncome, m)
				if err != nil {
					panic(err) // the tariffs cover every simulated month
				}
				c := coverage.Contribution{ID: fmt.Sprintf("C%s%s", p.KPJ, string(m[:4])+string(m[5:7])), KPJ: p.KPJ, NIK: p.NIK,
					Period: m, Programs: p.Programs, AmountDue: due, PayerType: p.PayerType}
				paid := true
				switch p.PayerType {
				case coverage.PayerAPBD:
				default:
					paid = g.rng.IntN(100) >= 12
				}
				if m == lastMonth && p.PayerType != coverage.PayerAPBD && g.rng.IntN(2) == 0 {
					paid = false // not due until the 15th
				}
				if tariffPlants > 0 && p.PayerType == coverage.PayerSelf && paid && g.rng.IntN(400) == 0 {
					tariffPlants--
					c.AmountDue = due - 1_800
					g.ds.Planted = append(g.ds.Planted, Plant{Kind: PlantTariffMismatch, NIK: p.NIK, KPJ: p.KPJ, Period: m,
						Detail: fmt.Sprintf("billed %d, tariff %d", c.AmountDue, due)})
				}
				if paid {
					c.AmountPaid = c.AmountDue
					day := 10
					if p.PayerType != coverage.PayerAPBD {
						day = 1 + g.rng.IntN(15)
					}
					c.PaidAt = coverage.DateOf(m.First().Time().AddDate(0, 0, day-1))
					if c.PaidAt > g.asOfDay {
						c.PaidAt = g.asOfDay
					}
					c.UpdatedAt = g.at(c.PaidAt, 9)
					unpaidRun = 0
					paidMonths = append(paidMonths, m)
				} else {
					c.UpdatedAt = g.at(m.First(), 0)
					unpaidRun++
				}
				g.ds.Contributions = append(g.ds.Contributions, c)
				if unpaidRun == 3 && m < lastMonth {
					p.Status, p.UpdatedAt = coverage.StatusInactive, g.at(m.AddMonths(1).First(), 4)
					g.ds.Planted = append(g.ds.Planted, Plant{Kind: PlantInactive3Months, NIK: p.NIK, KPJ: p.KPJ, Period: m,
						Detail: "three consecutive unpaid months"})
					break
				}
			} else {
				paidMonths = append(paidMonths, m)
			}
		}
		g.claims(p, paidMonths)
		if outsidePlants > 0 && p.PayerType == coverage.PayerSelf && p.Segment == coverage.SegmentBPU && p.CoverageStart > "2023-06-01" && g.rng.IntN(50) == 0 {
			outsidePlants--
			incident := coverage.DateOf(p.CoverageStart.Time().AddDate(0, -2, 0))
			g.claim(p, coverage.ProgramJKK, coverage.BenefitMedical, incident, 3_500_000)
			g.ds.Planted = append(g.ds.Planted, Plant{Kind: PlantClaimOutsideCoverage, NIK: p.NIK, KPJ: p.KPJ, Period: incident.Period(),
				Detail: "incident before coverage_start " + string(p.CoverageStart)})
		}
	}
}

// claims draws the member's claims over covered (and, for BPU, paid) months.
func (g *gen) claims(p *coverage.Participant, months []coverage.Period) {
	for _, m := range months {
		day := func() coverage.Date {
			d := coverage.DateOf(m.First().Time().AddDate(0, 0, g.rng.IntN(28)))
			if d < p.CoverageStart {
				d = p.CoverageStart
			}
			return d
		}
		x := g.rng.IntN(100_000)
		switch {
		case x < 150: // work accident, medical care: 1.8% a year
			g.claim(p, coverage.ProgramJKK, coverage.BenefitMedical, day(), int64(500_000+g.rng.IntN(245)*100_000))
		case x < 175: // death (JKM): 0.3% a year, three claims
			d := day()
			g.claim(p, coverage.ProgramJKM, coverage.BenefitDeath, d, 20_000_000)
			g.claim(p, coverage.ProgramJKM, coverage.BenefitPeriodic, d, 12_000_000)
			g.claim(p, coverage.ProgramJKM, coverage.BenefitFuneral, d, 10_000_000)
			if g.rng.IntN(3) == 0 {
				g.claim(p, coverage.ProgramJKM, coverage.BenefitScholarship, d, 4_500_000)
			}
			return
		case x < 180: // death from a work accident: 48 x declared income
			g.claim(p, coverage.ProgramJKK, coverage.BenefitDeath, day(), 48*p.DeclaredIncome)
			return
		case x < 230 && slicesContains(p.Programs, coverage.ProgramJHT) && p.Segment == coverage.SegmentPU:
			// JHT withdrawal: an old-age savings balance.
			months := int64(12 + g.rng.IntN(120))
			g.claim(p, coverage.ProgramJHT, coverage.BenefitLumpSum, day(), months*p.DeclaredIncome*57/1000)
		}
	}
}

func slicesContains(ps []coverage.Program, p coverage.Program) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// invalidRecords: a few records of each feed that must fail validation.
func (g *gen) invalidRecords() {
	t := func(d string) time.Time { return g.at(coverage.Date(d), 5) }
	add := func(feed coverage.Feed, key, reason, raw string, at time.Time) {
		g.ds.Invalid = append(g.ds.Invalid, RawRecord{Feed: feed, Key: key, JSON: []byte(raw), UpdatedAt: at, Reason: reason})
	}
	ts := func(at time.Time) string { return at.Format(time.RFC3339) }
	a, b, c := t("2024-03-05"), t("2024-05-20"), t("2024-07-11")
	add(coverage.FeedParticipants, "99000000001", "unknown segment",
		`{"kpj":"99000000001","nik":"3672011205900001","name":"Uji Segmen","birth_date":"1990-05-12","gender":"M","segment":"XYZ","occupation":"PEDAGANG","programs":["JKK","JKM"],"payer_type":"SELF","status":"ACTIVE","registered_at":"2024-01-02","coverage_start":"2024-01-02","coverage_end":null,"kelurahan_code":"3672011001","declared_income":1000000,"updated_at":"`+ts(a)+`"}`, a)
	add(coverage.FeedParticipants, "99000000002", "kelurahan under the city that does not exist",
		`{"kpj":"99000000002","nik":"3672011205900002","name":"Uji Kelurahan","birth_date":"1990-05-12","gender":"M","segment":"BPU","occupation":"PEDAGANG","programs":["JKK","JKM"],"payer_type":"SELF","status":"ACTIVE","registered_at":"2024-01-02","coverage_start":"2024-01-02","coverage_end":null,"kelurahan_code":"3672019999","declared_income":1000000,"updated_at":"`+ts(b)+`"}`, b)
	add(coverage.FeedParticipants, "99000000003", "NIK of 15 digits",
		`{"kpj":"99000000003","nik":"367201120590003","name":"Uji NIK","birth_date":"1990-05-12","gender":"M","segment":"BPU","occupation":"PEDAGANG","programs":["JKK","JKM"],"payer_type":"SELF","status":"ACTIVE","registered_at":"2024-01-02","coverage_start":"2024-01-02","coverage_end":null,"kelurahan_code":"3672011001","declared_income":1000000,"updated_at":"`+ts(c)+`"}`, c)
	add(coverage.FeedContributions, "CX1", "fractional rupiah",
		`{"id":"CX1","kpj":"99000000001","nik":"3672011205900001","period":"2024-03","programs":["JKK","JKM"],"amount_due":16800.5,"amount_paid":0,"paid_at":null,"payer_type":"SELF","updated_at":"`+ts(a)+`"}`, a)
	add(coverage.FeedContributions, "CX2", "negative rupiah",
		`{"id":"CX2","kpj":"99000000001","nik":"3672011205900001","period":"2024-04","programs":["JKK","JKM"],"amount_due":16800,"amount_paid":-16800,"paid_at":"2024-04-10","payer_type":"SELF","updated_at":"`+ts(b)+`"}`, b)
	add(coverage.FeedContributions, "CX3", "unknown payer",
		`{"id":"CX3","kpj":"99000000001","nik":"3672011205900001","period":"2024-05","programs":["JKK","JKM"],"amount_due":16800,"amount_paid":16800,"paid_at":"2024-05-10","payer_type":"PEMDA","updated_at":"`+ts(c)+`"}`, c)
	add(coverage.FeedClaims, "", "missing claim_no",
		`{"kpj":"99000000001","nik":"3672011205900001","program":"JKK","benefit":"MEDICAL","incident_date":"2024-03-01","submitted_at":"2024-03-05","status":"SUBMITTED","amount_claimed":1500000,"amount_paid":0,"paid_at":null,"updated_at":"`+ts(a)+`"}`, a)
	add(coverage.FeedClaims, "KX2", "unknown program",
		`{"claim_no":"KX2","kpj":"99000000001","nik":"3672011205900001","program":"JKX","benefit":"MEDICAL","incident_date":"2024-03-01","submitted_at":"2024-03-05","status":"SUBMITTED","amount_claimed":1500000,"amount_paid":0,"paid_at":null,"updated_at":"`+ts(b)+`"}`, b)
	add(coverage.FeedRoster, "36720A1205900001:KADER", "NIK with a letter",
		`{"nik":"36720A1205900001","name":"Uji Huruf","category":"KADER","agency":"Dinas Kesehatan","kelurahan_code":"3672011001","funded_from":"2024-01","funded_until":null,"updated_at":"`+ts(a)+`"}`, a)
	add(coverage.FeedRoster, "3672011205900009:LINMAS", "month 13",
		`{"nik":"3672011205900009","name":"Uji Bulan","category":"LINMAS","agency":"Satpol PP","kelurahan_code":"3672011001","funded_from":"2024-13","funded_until":null,"updated_at":"`+ts(b)+`"}`, b)
	add(coverage.FeedWorkforce, "2024:3672999", "area code of 7 digits",
		`{"year":2024,"area_code":"3672999","workforce":1000,"basis":"BPS_EMPLOYED","source":"uji","updated_at":"`+ts(c)+`"}`, c)
}

// finish adds the enrolled people, the roster, tombstones, and sorts.
func (g *gen) finish() {
	for _, pp := range g.people {
		if pp.enrolled {
			g.ds.Participants = append(g.ds.Participants, pp.p)
		}
		g.ds.Roster = append(g.ds.Roster, pp.roster...)
	}
	// Roster entries added and later removed by their agency.
	for i := range g.n(rosterTombstones) {
		nik, _, _, _ := g.identity(20, 60)
		at := g.at(coverage.Date("2024-04-01"), 2).Add(time.Duration(i) * time.Minute)
		key := coverage.RosterKey(nik, coverage.CategoryKader)
		raw, _ := json.Marshal(map[string]any{"nik": nik, "category": "KADER", "deleted": true, "updated_at": at})
		g.ds.Tombstones = append(g.ds.Tombstones, Tombstone{Feed: coverage.FeedRoster, Key: key, JSON: raw, UpdatedAt: at})
	}
	sort.Slice(g.ds.Participants, func(i, j int) bool { return g.ds.Participants[i].KPJ < g.ds.Participants[j].KPJ })
	sort.Slice(g.ds.Contributions, func(i, j int) bool { return g.ds.Contributions[i].ID < g.ds.Contributions[j].ID })
	sort.Slice(g.ds.Claims, func(i, j int) bool { return g.ds.Claims[i].ClaimNo < g.ds.Claims[j].ClaimNo })
	sort.Slice(g.ds.Roster, func(i, j int) bool { return g.ds.Roster[i].Key() < g.ds.Roster[j].Key() })
}
