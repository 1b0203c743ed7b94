// Package feedsim simulates the five feeds of docs/feeds.md for Kota Cilegon:
// deterministic, realistic data (participants, contributions, claims, the city's
// rosters and the workforce denominators) with planted reconciliation errors,
// invalid records and tombstones, served over HTTP exactly per the contract. It
// is both the demo data source and the test fixture generator of the project.
package feedsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Config chooses the simulated city.
type Config struct {
	Seed  int64   // default 1; the same Config gives the same data, byte for byte
	Scale float64 // default 1 (the whole city); multiplies every volume
	// AsOf is the snapshot time (the server's as_of), whole seconds; default
	// 2024-08-22T00:00:00Z. A month is overdue from 00:00 WIB on its 16th:
	// 2024-08-15T16:59:59Z leaves August not yet due, 2024-08-15T17:00:00Z
	// makes it overdue (WIBMidnight builds such times).
	AsOf time.Time
}

// DefaultAsOf is the snapshot time of the simulated feeds: the week the August
// 2024 figures of docs/domain.md were reported.
var DefaultAsOf = time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC)

// Bounds of Config.
const (
	MinScale = 0.001 // below this, a roster category would be empty
	MaxScale = 20
)

var (
	minAsOf = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC) // the election ad-hoc staff end in 2024-06
	maxAsOf = time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC)
)

// Dataset is one simulated city. The live slices (Participants to Workforce)
// hold exactly the valid, non-deleted records a correct sync must end with, each
// sorted by key; Tombstones and Invalid are served in the same streams;
// Planted lists the semantic errors hidden in the live records.
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
	// Lapses are the simulator's own reading of the 3-month rule: every
	// membership lapsed by 3 consecutive unpaid (or unbilled) overdue months,
	// by KPJ. Tests that count covered members month by month need them: a
	// lapse paid off later (a CLAIM_OUTSIDE_COVERAGE case) has no
	// INACTIVE_3_MONTHS plant.
	Lapses []Lapse
}

// Lapse is a membership not covered from From (the third unpaid month) up to,
// not including, Until (the next month paid in full; "" while it lasts).
type Lapse struct {
	KPJ         string
	From, Until coverage.Period
}

// Tombstone is a deleted record as served: its key fields, "deleted": true and
// updated_at. Its key is never one of a live record.
type Tombstone struct {
	Feed      coverage.Feed
	Key       string
	JSON      []byte
	UpdatedAt time.Time
}

// RawRecord is a record that fails validation (or does not decode into its
// type), served verbatim in its feed. Key is its natural key when it has one.
type RawRecord struct {
	Feed      coverage.Feed
	Key       string
	JSON      []byte
	UpdatedAt time.Time
	Reason    string
}

// Plant is a semantic error planted (or occurring naturally) for the
// reconciliation to find. The records involved are valid and live, but for
// ROSTER_ROW_REJECTED (a roster row of Invalid). NIK is always set (for
// ROSTER_ROW_REJECTED it is what the row said: maybe empty or not a NIK); KPJ
// when a participant is involved; Category when a roster entry is; Period when
// the error is about one month.
//
// Ref is the subject of the kinds whose subject is a record: the claim number
// (CLAIM_OUTSIDE_COVERAGE, CLAIM_ABOVE_BENEFIT, and KPJ_NIK_MISMATCH of a
// claim; their Detail starts with it too) and the rejected row's key in
// Invalid (ROSTER_ROW_REJECTED).
type Plant struct {
	Kind     string
	NIK, KPJ string
	Category coverage.Category
	Period   coverage.Period
	Ref      string
	Detail   string
}

// Planted error kinds.
const (
	// A roster person with no participant record at all. One per person.
	PlantRosterNotEnrolled = "ROSTER_NOT_ENROLLED"
	// A roster person enrolled, but paying as SELF. One per person.
	PlantRosterOtherPayer = "ROSTER_OTHER_PAYER"
	// An APBD contribution paid for a month in which the person is funded by no
	// roster entry. One per (KPJ, month).
	PlantAPBDNotOnRoster = "APBD_NOT_ON_ROSTER"
	// An unpaid BPU contribution whose due date (the 15th) has passed. Natural:
	// every such month is listed. One per (KPJ, month).
	PlantUnpaidMonths = "UNPAID_MONTHS"
	// A participant INACTIVE after 3 consecutive unpaid months; Period is the
	// third. Natural: every INACTIVE participant is listed.
	PlantInactive3Months = "INACTIVE_3_MONTHS"
	// A contribution whose amount_due is not the tariff. One per (KPJ, month).
	PlantTariffMismatch = "TARIFF_MISMATCH"
	// A claim whose incident date is outside the coverage dates or in a month
	// the membership is lapsed in (after 3 consecutive unpaid months; one or
	// two unpaid months are not enough); Detail starts with the claim number,
	// Ref is it. One per claim.
	PlantClaimOutsideCoverage = "CLAIM_OUTSIDE_COVERAGE"
	// The same NIK on two rosters in overlapping months (Category is the second
	// roster), or city-funded and enrolled with another payer (KPJ is the other
	// membership). Period is the first overlapping month.
	PlantDoubleFunded = "DOUBLE_FUNDED"
	// A NIK of 16 digits that does not parse, on a roster entry and its
	// participant, or on a participant only.
	PlantInvalidNIK = "INVALID_NIK"
	// A roster entry (and its participant) living outside the city.
	PlantDomicileOutsideCity = "DOMICILE_OUTSIDE_CITY"
	// A funded, overdue month of an APBD member the city paid nothing for
	// (billed unpaid, or not billed). One per NIK and month; Period the month.
	PlantFundedNotPaid = "FUNDED_NOT_PAID"
	// City contributions paid for months after the member died. One per KPJ;
	// Period the first month after the death.
	PlantPaidAfterDeath = "PAID_AFTER_DEATH"
	// A paid JKM claim above its ceiling. One per claim (Ref).
	PlantClaimAboveBenefit = "CLAIM_ABOVE_BENEFIT"
	// A roster row of Invalid the sync quarantines. One per row (Ref).
	PlantRosterRowRejected = "ROSTER_ROW_REJECTED"
	// A contribution or claim carrying the KPJ of another NIK's membership:
	// NIK is the one it carries, KPJ the membership's.
	PlantKPJNIKMismatch = "KPJ_NIK_MISMATCH"
)

// PlantKinds lists every kind; each occurs at least once at any scale.
var PlantKinds = []string{
	PlantRosterNotEnrolled, PlantRosterOtherPayer, PlantAPBDNotOnRoster, PlantUnpaidMonths,
	PlantInactive3Months, PlantTariffMismatch, PlantClaimOutsideCoverage, PlantDoubleFunded,
	PlantInvalidNIK, PlantDomicileOutsideCity, PlantFundedNotPaid, PlantPaidAfterDeath,
	PlantClaimAboveBenefit, PlantRosterRowRejected, PlantKPJNIKMismatch,
}

// Volumes and rates at scale 1.
const (
	workforce2024 = 199_240 // BPS employed, simulated
	workforce2023 = 193_610
	ucjTarget2025 = 176_000 // docs/domain.md: the target agreed by the city and BPJS
	coverage2024  = 0.53    // active participants / employed, docs/domain.md
	coverage2023  = 0.47    // "up 6 points on the year before"
	endedOthers   = 6_500   // members outside the rosters whose membership ended in 2023-2024
	plantsPerKind = 5

	shareJAKON = 0.04
	sharePMI   = 0.01
	sharePU    = 0.55
)

// Generate builds a simulated city. It is deterministic: the same Config gives
// the same Dataset, and the same served bytes.
func Generate(cfg Config) (*Dataset, error) {
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Scale == 0 {
		cfg.Scale = 1
	}
	if math.IsNaN(cfg.Scale) || cfg.Scale < MinScale || cfg.Scale > MaxScale {
		return nil, coverage.Errorf(coverage.EINVALID, "scale must be between %g and %g, got %g", MinScale, float64(MaxScale), cfg.Scale)
	}
	if cfg.AsOf.IsZero() {
		cfg.AsOf = DefaultAsOf
	}
	cfg.AsOf = cfg.AsOf.UTC().Truncate(time.Second)
	if cfg.AsOf.Before(minAsOf) || cfg.AsOf.After(maxAsOf) {
		return nil, coverage.Errorf(coverage.EINVALID, "as-of must be between %s and %s, got %s",
			minAsOf.Format(time.DateOnly), maxAsOf.Format(time.DateOnly), cfg.AsOf.Format(time.RFC3339))
	}
	g := newGen(cfg)
	g.workforce()
	g.cityFunded()
	g.plantCity()
	g.others()
	g.plantOthers()
	g.plantRules()
	g.simulate()
	g.tombstones()
	g.invalidRecords()
	g.finish()
	return g.ds, nil
}

// gen holds the state of one generation. Everything random comes from rng, in
// a fixed order, so a seed gives one city.
type gen struct {
	rng   *rand.Rand
	scale float64
	asOf  time.Time
	today time.Time // midnight of the last day whose events are all before as-of
	// lastMonth is the last month billed; dueMonth the last whose due date (the
	// 15th) has passed.
	lastMonth, dueMonth mon
	areas               *coverage.Areas
	kel                 []coverage.Area
	kelCum              []float64
	serials             map[nikKey]int
	kpjNext             map[int]int64
	people              []*person
	cityPeople          []*person // the city-funded of people, for the plants
	drafts              []draft
	paidBuf             []mon
	ledgerBufs          ledgerBufs
	claimSeq            map[int]int
	plants              []Plant
	badNIKs             map[string]bool
	ds                  *Dataset
}

func newGen(cfg Config) *gen {
	g := &gen{
		rng:     rand.New(rand.NewPCG(uint64(cfg.Seed), 0x4a414d534f5354)),
		scale:   cfg.Scale,
		asOf:    cfg.AsOf,
		areas:   coverage.Cilegon(),
		serials: map[nikKey]int{},
		kpjNext: map[int]int64{},
		ds:      &Dataset{AsOf: cfg.AsOf},
	}
	g.today = midnight(cfg.AsOf.Add(-time.Second))
	g.lastMonth = monOf(g.today)
	g.dueMonth = dueMonthAt(cfg.AsOf)
	g.kel = g.areas.Kelurahan()
	sum := 0.0
	for range g.kel {
		sum += 0.4 + g.rng.Float64()*1.6 // kelurahan differ in size
		g.kelCum = append(g.kelCum, sum)
	}
	return g
}

// n scales a volume of scale 1, keeping at least one.
func (g *gen) n(scale1 int) int { return max(1, int(math.Round(float64(scale1)*g.scale))) }

func (g *gen) chance(pct float64) bool { return g.rng.Float64()*100 < pct }

func pick[T any](g *gen, list []T) T { return list[g.rng.IntN(len(list))] }

// dayIn returns a random midnight in [from, to]; from when to is before from.
func (g *gen) dayIn(from, to time.Time) time.Time {
	n := daysBetween(from, to)
	if n <= 0 {
		return from
	}
	return from.AddDate(0, 0, g.rng.IntN(n+1))
}

// recentDayIn is dayIn skewed towards to: membership grew over the years.
func (g *gen) recentDayIn(from, to time.Time) time.Time {
	n := daysBetween(from, to)
	if n <= 0 {
		return from
	}
	return from.AddDate(0, 0, int(math.Sqrt(g.rng.Float64())*float64(n)))
}

// Record times. Batch jobs stamp many records with one second (the ties that
// exercise the inclusive updated_since); people at a counter stamp their own.
// No time is after as-of.

func (g *gen) clamp(t time.Time) time.Time {
	if t.After(g.asOf) {
		return g.asOf
	}
	return t
}

// batch is a time stamped by a nightly or scheduled job: the day at hour:00:00.
func (g *gen) batch(day time.Time, hour int) time.Time {
	return g.clamp(day.Add(time.Duration(hour) * time.Hour))
}

// desk is a time stamped by a person at a counter during office hours.
func (g *gen) desk(day time.Time) time.Time {
	return g.clamp(day.Add(time.Duration(8*3600+g.rng.IntN(8*3600)) * time.Second))
}

func (g *gen) pickKelurahan() string {
	x := g.rng.Float64() * g.kelCum[len(g.kelCum)-1]
	i := sort.SearchFloat64s(g.kelCum, x)
	return g.kel[min(i, len(g.kel)-1)].Code
}

// identity is who a person is.
type identity struct {
	nik, name string
	birth     time.Time
	gender    coverage.Gender
	kel       string // domicile
}

// newIdentity makes a person living in kel (a random kelurahan when ""), born so
// that they are between minAge and maxAge at as-of and at least 18 on adultBy.
func (g *gen) newIdentity(kel string, minAge, maxAge, femalePct int, adultBy time.Time) identity {
	if kel == "" {
		kel = g.pickKelurahan()
	}
	id := identity{kel: kel, gender: coverage.GenderMale}
	if g.rng.IntN(100) < femalePct {
		id.gender = coverage.GenderFemale
	}
	oldest := g.today.AddDate(-maxAge-1, 0, 1)
	youngest := g.today.AddDate(-minAge, 0, 0)
	if !adultBy.IsZero() {
		youngest = minTime(youngest, adultBy.AddDate(-18, 0, 0))
	}
	id.birth = g.dayIn(oldest, youngest)
	// The NIK records where the person was first registered: mostly the
	// kecamatan they live in, sometimes another one, sometimes another city.
	kec := kel[:6]
	switch x := g.rng.IntN(100); {
	case x < 10:
		kec = pick(g, otherKecamatan)
	case x < 25:
		kec = pick(g, g.areas.Kecamatan()).Code
	}
	id.nik = g.nik(kec, id.birth, id.gender)
	id.name = g.name(id.gender)
	return id
}

// nik returns a new NIK: the serial counts people of one kecamatan, birth date
// and gender.
func (g *gen) nik(kec string, birth time.Time, gender coverage.Gender) string {
	d := dateOf(birth)
	k := nikKey{kec, d, gender}
	g.serials[k]++
	return makeNIK(kec, birth, gender == coverage.GenderFemale, g.serials[k])
}

type nikKey struct {
	kec    string
	birth  coverage.Date
	gender coverage.Gender
}

func (g *gen) name(gender coverage.Gender) string {
	given := maleNames
	if gender == coverage.GenderFemale {
		given = femaleNames
	}
	switch x := g.rng.IntN(100); {
	case x < 8: // one name only, common in Indonesia
		return pick(g, given)
	case x < 25:
		mid := pick(g, middleNames)
		if gender == coverage.GenderMale && (mid == "Siti" || mid == "Ayu" || mid == "Putri" || mid == "Sri") {
			mid = "Muhamad"
		}
		if gender == coverage.GenderFemale && (mid == "Abdul" || mid == "Muhamad" || mid == "Adi") {
			mid = "Siti"
		}
		return mid + " " + pick(g, given) + " " + pick(g, familyNames)
	default:
		return pick(g, given) + " " + pick(g, familyNames)
	}
}

// kpj returns a new membership number: the two-digit year of registration and
// a sequence with gaps (numbers are handed out by several branch offices).
func (g *gen) kpj(registered time.Time) string {
	yy := registered.Year() % 100
	next, ok := g.kpjNext[yy]
	if !ok {
		next = 100_000_000 + int64(g.rng.IntN(50_000_000))
	}
	next += 1 + int64(g.rng.IntN(9))
	g.kpjNext[yy] = next
	return fmt.Sprintf("%02d%09d", yy, next)
}

// workforce: the city and its kecamatan in 2023 and 2024 (the kecamatan sum to
// the city), and the 2025 UCJ target agreed with BPJS.
func (g *gen) workforce() {
	kec := g.areas.Kecamatan()
	base := make([]float64, len(kec))
	prev := 0.0
	for i, k := range g.kel {
		for j := range kec {
			if k.Parent == kec[j].Code {
				base[j] += g.kelCum[i] - prev
			}
		}
		prev = g.kelCum[i]
	}
	for _, yr := range []struct {
		year, total int
		published   time.Time
	}{
		{2023, workforce2023, time.Date(2023, 12, 5, 3, 0, 0, 0, time.UTC)},
		{2024, workforce2024, time.Date(2024, 8, 15, 3, 0, 0, 0, time.UTC)},
	} {
		city := g.n(yr.total)
		at := g.clamp(yr.published)
		src := "BPS Kota Cilegon, Sakernas Agustus " + strconv.Itoa(yr.year) + " (simulated)"
		g.ds.Workforce = append(g.ds.Workforce, coverage.WorkforceTarget{Year: yr.year, AreaCode: "3672", Workforce: int64(city),
			Basis: "BPS_EMPLOYED", Source: src, UpdatedAt: at})
		// Kecamatan shares follow where people live, with a little noise a year.
		w := make([]float64, len(kec))
		total := 0.0
		for j := range kec {
			w[j] = base[j] * (0.95 + 0.1*g.rng.Float64())
			total += w[j]
		}
		left := city
		for j, k := range kec {
			v := int(math.Round(float64(city) * w[j] / total))
			if j == len(kec)-1 {
				v = left
			}
			v = max(v, 0)
			left -= v
			if v == 0 {
				continue // a kecamatan with no worker at a tiny scale is left out
			}
			g.ds.Workforce = append(g.ds.Workforce, coverage.WorkforceTarget{Year: yr.year, AreaCode: k.Code, Workforce: int64(v),
				Basis: "BPS_EMPLOYED", Source: src, UpdatedAt: at})
		}
	}
	g.ds.Workforce = append(g.ds.Workforce, coverage.WorkforceTarget{Year: 2025, AreaCode: "3672", Workforce: int64(g.n(ucjTarget2025)),
		Basis: "UCJ_TARGET", Source: "Pemkot Cilegon - BPJS Ketenagakerjaan (simulated)",
		UpdatedAt: g.clamp(time.Date(2024, 8, 1, 2, 0, 0, 0, time.UTC))})
}

func (g *gen) workforceOf(year int) int64 {
	for _, w := range g.ds.Workforce {
		if w.Year == year && w.AreaCode == "3672" {
			return w.Workforce
		}
	}
	return 0
}
