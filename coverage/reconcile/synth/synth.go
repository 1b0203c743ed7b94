// Package synth generates a synthetic city for measuring the reconciliation
// at any size: N people in ascending NIK order, each with what the feeds would
// say about them (roster entries, memberships, twelve months of contributions
// of each membership, claims), in chunks, so a measurement holds one chunk at a
// time. The records are valid (real NIKs of Cilegon's kecamatan, the city's
// kelurahan codes, the roster categories) and exercise the engine's rules at
// realistic rates: unpaid months and lapses, tariff mismatches, memberships
// billed twice, city money off the roster, double funding, funded but not
// enrolled, claims outside coverage or above the benefit ceiling, deaths with
// contributions paid after them, contributions under another NIK's KPJ.
//
// The output depends only on the seed and the person's index: a chunk of
// people [i, j) is the same whatever the chunk size.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Chunk holds the records of consecutive people, each stream in NIK order.
type Chunk struct {
	Roster        []coverage.RosterEntry
	Participants  []coverage.Participant
	Contributions []coverage.Contribution
	Claims        []coverage.Claim
}

// Records returns the number of records of the chunk.
func (c *Chunk) Records() int {
	return len(c.Roster) + len(c.Participants) + len(c.Contributions) + len(c.Claims)
}

func (c *Chunk) reset() {
	c.Roster, c.Participants, c.Contributions, c.Claims = c.Roster[:0], c.Participants[:0], c.Contributions[:0], c.Claims[:0]
}

// Config sizes a city.
type Config struct {
	People int    // persons (NIKs); about 1.03 memberships each
	Seed   uint64 // 0 is a seed like any other
}

// AsOf is the snapshot time of every generated city: 10 June 2025, 10:00 WIB.
// Contributions run from 2024-07 to the as-of month 2025-06, whose bills are
// not yet overdue (pending when unpaid).
var AsOf = time.Date(2025, time.June, 10, 3, 0, 0, 0, time.UTC)

const (
	firstPeriod = coverage.Period("2024-07") // the first of the twelve billed months
	asOfPeriod  = coverage.Period("2025-06")
)

// Generator yields the people of a city in NIK order.
type Generator struct {
	cfg   Config
	next  int // index of the next person
	kec   []kecamatan
	src   rand.PCG
	rng   *rand.Rand
	ms    []coverage.Period // the twelve billed months, ascending
	combo []string          // DDMMYY of the NIK, ascending
}

type kecamatan struct {
	code      string
	kelurahan []string
	first, n  int // people [first, first+n) live here
}

// New returns a generator of a city of cfg.People people.
func New(cfg Config) *Generator {
	g := &Generator{cfg: cfg}
	g.rng = rand.New(&g.src)
	areas := coverage.Cilegon()
	ks := areas.Kecamatan()
	for i, k := range ks {
		kc := kecamatan{code: k.Code, first: cfg.People * i / len(ks)}
		kc.n = cfg.People*(i+1)/len(ks) - kc.first
		for _, kel := range areas.Children(k.Code) {
			kc.kelurahan = append(kc.kelurahan, kel.Code)
		}
		g.kec = append(g.kec, kc)
	}
	for p := firstPeriod; p <= asOfPeriod; p = p.AddMonths(1) {
		g.ms = append(g.ms, p)
	}
	// Birth dates in the NIK (DDMMYY, women's day + 40), in string order:
	// days 01-28 and 41-68, every month, born 1965-2004.
	var days, years []string
	for d := 1; d <= 28; d++ {
		days = append(days, fmt.Sprintf("%02d", d))
	}
	for d := 41; d <= 68; d++ {
		days = append(days, fmt.Sprintf("%02d", d))
	}
	for y := 0; y <= 4; y++ {
		years = append(years, fmt.Sprintf("%02d", y))
	}
	for y := 65; y <= 99; y++ {
		years = append(years, fmt.Sprintf("%02d", y))
	}
	for _, d := range days {
		for m := 1; m <= 12; m++ {
			for _, y := range years {
				g.combo = append(g.combo, d+fmt.Sprintf("%02d", m)+y)
			}
		}
	}
	return g
}

// Done reports whether every person was generated.
func (g *Generator) Done() bool { return g.next >= g.cfg.People }

// Next fills dst (reusing its slices) with the records of the next n people,
// and returns the number of people generated (0 when done).
func (g *Generator) Next(dst *Chunk, n int) int {
	dst.reset()
	n = min(n, g.cfg.People-g.next)
	for range n {
		g.person(dst, g.next)
		g.next++
	}
	return n
}

// nik returns the NIK of person i and its kecamatan.
func (g *Generator) nik(i int) (string, *kecamatan) {
	k := len(g.kec) - 1
	for k > 0 && g.kec[k].first > i {
		k--
	}
	kc := &g.kec[k]
	j, c := i-kc.first, len(g.combo)
	combo := int(int64(j) * int64(c) / int64(kc.n))
	firstJ := int((int64(combo)*int64(kc.n) + int64(c) - 1) / int64(c))
	serial := j - firstJ + 1
	return kc.code + g.combo[combo] + fmt.Sprintf("%04d", serial), kc
}

func birth(nik string) (coverage.Date, coverage.Gender) {
	d, _ := strconv.Atoi(nik[6:8])
	g := coverage.GenderMale
	if d > 40 {
		d -= 40
		g = coverage.GenderFemale
	}
	y, _ := strconv.Atoi(nik[10:12])
	if y < 10 {
		y += 2000
	} else {
		y += 1900
	}
	return coverage.Date(fmt.Sprintf("%04d-%s-%02d", y, nik[8:10], d)), g
}

var (
	categories = []coverage.Category{coverage.CategoryRTRW, coverage.CategoryKader, coverage.CategoryAdhocKPU,
		coverage.CategoryAdhocBawaslu, coverage.CategoryNelayan, coverage.CategoryKebersihanDLH, coverage.CategoryLinmas,
		coverage.CategoryMarbot, coverage.CategoryJuruParkir, coverage.CategoryOjekPangkalan, coverage.CategoryBuruhSerabutan,
		coverage.CategoryUMKM, coverage.CategoryPetani, coverage.CategoryTagana}
	agencies = map[coverage.Category]string{
		coverage.CategoryRTRW: "Bagian Tata Pemerintahan Setda", coverage.CategoryKader: "Dinas Kesehatan",
		coverage.CategoryAdhocKPU: "KPU Kota Cilegon", coverage.CategoryAdhocBawaslu: "Bawaslu Kota Cilegon",
		coverage.CategoryNelayan: "Dinas Ketahanan Pangan dan Pertanian", coverage.CategoryKebersihanDLH: "Dinas Lingkungan Hidup",
		coverage.CategoryLinmas: "Satpol PP", coverage.CategoryMarbot: "Bagian Kesra Setda", coverage.CategoryJuruParkir: "Dinas Perhubungan",
		coverage.CategoryOjekPangkalan: "Dinas Perhubungan", coverage.CategoryBuruhSerabutan: "Dinas Tenaga Kerja",
		coverage.CategoryUMKM: "Dinas Koperasi dan UKM", coverage.CategoryPetani: "Dinas Ketahanan Pangan dan Pertanian",
		coverage.CategoryTagana: "Dinas Sosial"}
	names       = []string{"AHMAD FAUZI", "SITI AMINAH", "DEDI KURNIAWAN", "NUR HAYATI", "RUDI HARTONO", "IIS SUMIATI", "AGUS SALIM", "EUIS KOMARIAH"}
	bpuJobs     = []string{"PEDAGANG", "NELAYAN", "OJEK PANGKALAN", "JURU PARKIR", "BURUH SERABUTAN", "PETANI"}
	puJobs      = []string{"OPERATOR PRODUKSI", "TEKNISI", "STAF ADMINISTRASI", "OPERATOR CRANE"}
	bpuPrograms = [][]coverage.Program{{coverage.ProgramJKK, coverage.ProgramJKM}, {coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT}}
	puPrograms  = []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT, coverage.ProgramJP}
	bpuIncomes  = []int64{1_000_000, 1_000_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000}
)

func (g *Generator) pick(n int) int { return g.rng.IntN(n) }

// chance returns true with probability p.
func (g *Generator) chance(p float64) bool { return g.rng.Float64() < p }

func dateIn(p coverage.Period, day int) coverage.Date {
	return coverage.Date(string(p) + fmt.Sprintf("-%02d", day))
}

func millis(d coverage.Date) time.Time {
	t, _ := time.Parse(time.DateOnly, string(d))
	return t.Add(9 * time.Hour).UTC()
}

// person appends the records of person i.
func (g *Generator) person(dst *Chunk, i int) {
	g.src.Seed(g.cfg.Seed, uint64(i))
	nik, kc := g.nik(i)
	born, gender := birth(nik)
	kel := kc.kelurahan[g.pick(len(kc.kelurahan))]
	if g.chance(0.02) {
		kel = "3604" + kel[4:] // domiciled outside the city (Kabupaten Serang)
	}
	name := names[g.pick(len(names))]
	if gender == coverage.GenderFemale {
		name = names[1+2*g.pick(len(names)/2)]
	}

	// Roster: a quarter of the people are city-funded workers; some on two
	// rosters at once, some whose funding ended while the city still pays.
	rostered := g.chance(0.25)
	var funded []coverage.RosterEntry
	if rostered {
		cat := categories[g.pick(len(categories))]
		r := coverage.RosterEntry{NIK: nik, Name: name, Category: cat, Agency: agencies[cat], KelurahanCode: kel,
			FundedFrom: "2024-07", UpdatedAt: millis("2024-07-02")}
		switch {
		case cat == coverage.CategoryAdhocKPU || cat == coverage.CategoryAdhocBawaslu:
			r.FundedFrom, r.FundedUntil = "2024-09", "2025-02"
		case g.chance(0.04):
			r.FundedUntil = "2024-12" // the city keeps paying after: APBD_NOT_ON_ROSTER
		case g.chance(0.05):
			r.FundedFrom = "2025-07" // funded from next month: next year's cost only
		}
		funded = append(funded, r)
		if g.chance(0.02) {
			c2 := categories[g.pick(len(categories))]
			if c2 != cat {
				r2 := r
				r2.Category, r2.Agency, r2.FundedFrom, r2.FundedUntil = c2, agencies[c2], "2025-01", ""
				funded = append(funded, r2)
			}
		}
		// Entries sorted by category would come in _id order: NIK:CATEGORY.
		if len(funded) == 2 && funded[1].Category < funded[0].Category {
			funded[0], funded[1] = funded[1], funded[0]
		}
		dst.Roster = append(dst.Roster, funded...)
	}

	// Memberships.
	type plan struct {
		segment coverage.Segment
		payer   coverage.PayerType
	}
	var plans []plan
	switch {
	case rostered && g.chance(0.88):
		plans = append(plans, plan{coverage.SegmentBPU, coverage.PayerAPBD})
		if g.chance(0.03) {
			plans = append(plans, plan{coverage.SegmentBPU, coverage.PayerSelf}) // DOUBLE_FUNDED
		}
	case rostered: // funded, not enrolled
	case g.chance(0.6):
		plans = append(plans, plan{coverage.SegmentPU, coverage.PayerEmployer})
		if g.chance(0.03) {
			plans = append(plans, plan{coverage.SegmentBPU, coverage.PayerSelf})
		}
	case g.chance(0.9):
		plans = append(plans, plan{coverage.SegmentBPU, coverage.PayerSelf})
	default:
		plans = append(plans, plan{coverage.SegmentJAKON, coverage.PayerEmployer})
	}
	var died coverage.Date
	for mi, pl := range plans {
		// KPJ: two-digit year of registration, then a number unique to the
		// person and membership.
		start := coverage.MakePeriod(2012+g.pick(12), time.Month(1+g.pick(12)))
		if g.chance(0.08) {
			start = g.ms[1+g.pick(10)] // started within the billed year: New
		}
		if pl.payer == coverage.PayerAPBD && start < "2024-07" && g.chance(0.5) {
			start = "2024-07"
		}
		regDay := 1 + g.pick(20)
		reg := dateIn(start, regDay)
		kpj := fmt.Sprintf("%02d%09d", start.Year()%100, 100_000_000+i*4+mi)
		p := coverage.Participant{KPJ: kpj, NIK: nik, Name: name, BirthDate: born, Gender: gender, Segment: pl.segment,
			PayerType: pl.payer, Status: coverage.StatusActive, RegisteredAt: reg, CoverageStart: dateIn(start, regDay+1),
			KelurahanCode: kel}
		switch pl.segment {
		case coverage.SegmentPU:
			p.Occupation, p.Programs, p.DeclaredIncome = puJobs[g.pick(len(puJobs))], puPrograms, 4_900_000+int64(g.pick(50))*100_000
		case coverage.SegmentJAKON:
			p.Occupation, p.Programs, p.DeclaredIncome = "PEKERJA KONSTRUKSI", bpuPrograms[0], 4_900_000
		default:
			p.Occupation, p.Programs, p.DeclaredIncome = bpuJobs[g.pick(len(bpuJobs))], bpuPrograms[g.pick(2)], bpuIncomes[g.pick(len(bpuIncomes))]
			if pl.payer == coverage.PayerAPBD {
				p.Programs, p.DeclaredIncome = bpuPrograms[0], 1_000_000
			}
		}
		// The income history the store keeps: the income at the first sync,
		// and for some a change in January.
		p.IncomeHistory = []coverage.IncomeChange{{At: "2023-01-05", Income: p.DeclaredIncome}}
		incomeUntil := coverage.Period("")
		if pl.segment == coverage.SegmentBPU && pl.payer == coverage.PayerSelf && g.chance(0.05) {
			old := p.DeclaredIncome
			p.DeclaredIncome += 500_000
			p.IncomeHistory = []coverage.IncomeChange{{At: "2023-01-05", Income: old}, {At: "2025-01-01", Income: p.DeclaredIncome}}
			incomeUntil = "2024-12"
		}
		last := asOfPeriod
		if end := g.ms[2+g.pick(8)]; g.chance(0.02) && end > start {
			p.Status, p.CoverageEnd, last = coverage.StatusTerminated, dateIn(end, 20), end
		}

		// Twelve months of contributions (from the start when later): most
		// paid on time; some with one or two unpaid months, some with a run
		// of three or more (a lapse; INACTIVE or not yet), partial payments,
		// a month not billed, a month billed twice, tariff mismatches.
		var unpaid [12]bool
		var half, skip, twice, wrong int = -1, -1, -1, -1
		switch r := g.rng.Float64(); {
		case r < 0.05:
			unpaid[1+g.pick(10)] = true
			if g.chance(0.4) {
				unpaid[1+g.pick(10)] = true
			}
		case r < 0.08:
			from := 3 + g.pick(8)
			for k := from; k < 12; k++ {
				unpaid[k] = true
			}
			if g.chance(0.6) && from <= 8 {
				p.Status = coverage.StatusInactive
			}
		case r < 0.09:
			half = g.pick(11)
		case r < 0.095:
			skip = 1 + g.pick(9)
		case r < 0.1:
			twice = g.pick(11)
		}
		if pl.segment == coverage.SegmentBPU && g.chance(0.02) {
			wrong = g.pick(12)
		}
		if g.chance(0.003) {
			p.Status = coverage.StatusInactive // INACTIVE with no unpaid run
		}
		p.UpdatedAt = millis(dateIn(max(start, "2024-01"), 2))
		dst.Participants = append(dst.Participants, p)
		for k, mo := range g.ms {
			if mo < start || mo > last || k == skip {
				continue
			}
			income := p.DeclaredIncome
			if incomeUntil != "" && mo <= incomeUntil {
				income = p.IncomeHistory[0].Income
			}
			var due int64
			if pl.segment == coverage.SegmentPU {
				due = income * 1024 / 10_000
			} else {
				due, _ = coverage.BPUTariffs.Due(p.Programs, income, mo)
			}
			if k == wrong {
				due += 5_000
			}
			c := coverage.Contribution{ID: "C" + kpj + string(mo[:4]) + string(mo[5:]), KPJ: kpj, NIK: nik, Period: mo,
				Programs: p.Programs, AmountDue: due, PayerType: pl.payer}
			switch {
			case unpaid[k]:
			case mo == asOfPeriod && g.chance(0.3): // not yet paid, not yet due
			case k == half:
				c.AmountPaid, c.PaidAt = due/2, dateIn(mo, 12)
			default:
				c.AmountPaid, c.PaidAt = due, dateIn(mo, 3+g.pick(7))
			}
			c.UpdatedAt = millis(dateIn(mo, 1))
			if c.PaidAt != "" {
				c.UpdatedAt = millis(c.PaidAt)
			}
			if k == twice {
				// Billed twice, paid in two halves: one bill, paid in full.
				c.AmountPaid, c.PaidAt = due/2, dateIn(mo, 5)
				c2 := c
				c2.ID += "B"
				c2.AmountPaid = due - due/2
				dst.Contributions = append(dst.Contributions, c, c2)
				continue
			}
			dst.Contributions = append(dst.Contributions, c)
		}

		// Claims.
		claimNo := func(n int) string { return fmt.Sprintf("K%04d%07d", 2024+n%2, i*4+mi) }
		switch r := g.rng.Float64(); {
		case r < 0.03: // work accident, medical, paid
			inc := dateIn(g.ms[g.pick(10)], 1+g.pick(27))
			amt := int64(500_000 + g.pick(200)*100_000)
			c := coverage.Claim{ClaimNo: claimNo(0), KPJ: kpj, NIK: nik, Program: coverage.ProgramJKK, Benefit: coverage.BenefitMedical,
				IncidentDate: inc, SubmittedAt: dateIn(inc.Period(), 28), Status: coverage.ClaimPaid, AmountClaimed: amt, AmountPaid: amt}
			c.PaidAt = dateIn(inc.Period().AddMonths(1), 10)
			if start > inc.Period() {
				c.Status, c.AmountPaid, c.PaidAt = coverage.ClaimRejected, 0, ""
			}
			c.UpdatedAt = millis(c.SubmittedAt)
			dst.Claims = append(dst.Claims, c)
		case r < 0.036: // before coverage started: outside coverage
			inc := dateIn(start.AddMonths(-2), 10)
			c := coverage.Claim{ClaimNo: claimNo(1), KPJ: kpj, NIK: nik, Program: coverage.ProgramJKK, Benefit: coverage.BenefitMedical,
				IncidentDate: inc, SubmittedAt: dateIn(max(start, "2024-07"), 15), Status: coverage.ClaimSubmitted, AmountClaimed: 3_000_000}
			c.UpdatedAt = millis(c.SubmittedAt)
			dst.Claims = append(dst.Claims, c)
		case r < 0.039 && died == "" && mi == 0: // death, paid; some above the ceiling
			inc := dateIn(g.ms[2+g.pick(7)], 1+g.pick(27))
			if inc.Period() < start {
				break
			}
			amt := int64(20_000_000)
			if g.chance(0.1) {
				amt = 42_000_000
			}
			c := coverage.Claim{ClaimNo: claimNo(0), KPJ: kpj, NIK: nik, Program: coverage.ProgramJKM, Benefit: coverage.BenefitDeath,
				IncidentDate: inc, SubmittedAt: dateIn(inc.Period(), 28), Status: coverage.ClaimPaid, AmountClaimed: amt, AmountPaid: amt,
				PaidAt: dateIn(inc.Period().AddMonths(1), 8)}
			c.UpdatedAt = millis(c.PaidAt)
			dst.Claims = append(dst.Claims, c)
			died = inc
		case r < 0.045 && pl.segment == coverage.SegmentPU: // old-age savings, submitted
			inc := dateIn(g.ms[g.pick(12)], 1+g.pick(9))
			c := coverage.Claim{ClaimNo: claimNo(1), KPJ: kpj, NIK: nik, Program: coverage.ProgramJHT, Benefit: coverage.BenefitLumpSum,
				IncidentDate: inc, SubmittedAt: inc, Status: coverage.ClaimVerified, AmountClaimed: 15_000_000}
			c.UpdatedAt = millis(c.SubmittedAt)
			dst.Claims = append(dst.Claims, c)
		}
	}
	// A contribution carrying the KPJ of someone else's membership.
	if len(plans) > 0 && g.chance(0.002) {
		c := dst.Contributions[len(dst.Contributions)-1]
		c.KPJ = fmt.Sprintf("99%09d", g.pick(1_000_000_000))
		c.ID = "C" + c.KPJ + "202506"
		dst.Contributions = append(dst.Contributions, c)
	}
}
