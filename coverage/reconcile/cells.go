package reconcile

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// AgeBand groups ages at the end of a month.
type AgeBand string

const (
	AgeUnder25 AgeBand = "UNDER_25"
	Age25To34  AgeBand = "AGE_25_34"
	Age35To44  AgeBand = "AGE_35_44"
	Age45To54  AgeBand = "AGE_45_54"
	Age55To64  AgeBand = "AGE_55_64"
	Age65Plus  AgeBand = "AGE_65_PLUS"
	AgeUnknown AgeBand = "UNKNOWN"
)

// AgeBands lists the bands, youngest first.
var AgeBands = []AgeBand{AgeUnder25, Age25To34, Age35To44, Age45To54, Age55To64, Age65Plus, AgeUnknown}

// Valid reports whether b is a known band.
func (b AgeBand) Valid() bool { return slices.Contains(AgeBands, b) }

// BandOf returns the band of a person born on birth, on date on.
func BandOf(birth, on coverage.Date) AgeBand {
	if len(birth) != 10 || len(on) != 10 || birth > on {
		return AgeUnknown
	}
	age := yearOf(on) - yearOf(birth)
	if on[5:] < birth[5:] {
		age--
	}
	return bandOfAge(age)
}

// bandOfAge returns the band of an age in years.
func bandOfAge(age int) AgeBand {
	switch {
	case age < 25:
		return AgeUnder25
	case age < 35:
		return Age25To34
	case age < 45:
		return Age35To44
	case age < 55:
		return Age45To54
	case age < 65:
		return Age55To64
	}
	return Age65Plus
}

// Key is the position of a rollup cell: a month and the dimensions of the
// people counted in it. Empty strings mean "none" (Category: not city-funded
// that month; Payer and Segment: not enrolled; Gender: unknown).
type Key struct {
	Period    coverage.Period
	Kelurahan string // 10-digit code of the domicile (may be outside the city)
	Category  coverage.Category
	Payer     coverage.PayerType
	Segment   coverage.Segment
	Gender    coverage.Gender
	AgeBand   AgeBand
}

// Compare orders keys by each field in turn.
func (k Key) Compare(o Key) int {
	// Field by field, stopping at the first that differs (cmp.Or would
	// compare them all: sorting the cells is most of Finish).
	if c := cmp.Compare(k.Period, o.Period); c != 0 {
		return c
	}
	if c := cmp.Compare(k.Kelurahan, o.Kelurahan); c != 0 {
		return c
	}
	if c := cmp.Compare(k.Category, o.Category); c != 0 {
		return c
	}
	if c := cmp.Compare(k.Payer, o.Payer); c != 0 {
		return c
	}
	if c := cmp.Compare(k.Segment, o.Segment); c != 0 {
		return c
	}
	if c := cmp.Compare(k.Gender, o.Gender); c != 0 {
		return c
	}
	return cmp.Compare(k.AgeBand, o.AgeBand)
}

// Kecamatan returns the 6-digit code of the key's kelurahan.
func (k Key) Kecamatan() string {
	if len(k.Kelurahan) < 6 {
		return k.Kelurahan
	}
	return k.Kelurahan[:6]
}

// ClaimMeasures count the claims of one program.
type ClaimMeasures struct {
	SubmittedCount  int64 // claims submitted in the month
	SubmittedAmount int64 // rupiah claimed by them
	PaidCount       int64 // claims paid in the month
	PaidAmount      int64 // rupiah paid
}

func (c *ClaimMeasures) add(o ClaimMeasures) {
	c.SubmittedCount += o.SubmittedCount
	c.SubmittedAmount += o.SubmittedAmount
	c.PaidCount += o.PaidCount
	c.PaidAmount += o.PaidAmount
}

// Measures are the figures of a cell. Stock measures (Active, People, Funded,
// FundedEnrolled, FundedMonthlyDue, FundedNextYearDue) describe the end of the
// month (the data's as-of date in its last month); the others are flows
// within the month.
type Measures struct {
	Active int64 // memberships covering the end of the month and not lapsed
	// People counts persons (NIKs) with an Active membership: each is counted
	// once a month, in the cell of one of its active memberships (the one that
	// carries the roster category, else the first by KPJ).
	People int64
	New    int64 // memberships whose coverage started in the month
	Lapsed int64 // memberships that ended or lapsed (3-month rule) in the month

	Billed           int64 // contributions billed for the month
	DueAmount        int64 // rupiah due for the month
	PaidCount        int64 // contributions with a payment
	PaidAmount       int64 // rupiah paid for the month
	UnpaidOverdue    int64 // contributions past their due date not paid in full
	Arrears          int64 // rupiah due and not paid, past the due date
	Claims           [5]ClaimMeasures
	Funded           int64 // roster entries funded by the city in the month
	FundedEnrolled   int64 // of them, with an active membership paid by the city
	FundedFirstYear  int64 // roster entries whose first funded month of the year this is
	FundedMonthlyDue int64 // rupiah a month the funded entries cost at the month's tariff
	// FundedNextYearDue is what the roster entries cost in the calendar year
	// after the month's: the month's tariff x each entry's funded months in
	// that year (an entry funded until June costs 6). Entries funded in the
	// month; in the as-of month also the entries whose funding starts later.
	FundedNextYearDue int64
}

// ClaimsFor returns the claim measures of a program.
func (m *Measures) ClaimsFor(p coverage.Program) ClaimMeasures {
	if i := slices.Index(coverage.Programs, p); i >= 0 {
		return m.Claims[i]
	}
	return ClaimMeasures{}
}

// ClaimsTotal sums the claim measures of every program.
func (m *Measures) ClaimsTotal() ClaimMeasures {
	var t ClaimMeasures
	for _, c := range m.Claims {
		t.add(c)
	}
	return t
}

// Add adds the flows of o, and its stocks when stocks is true.
func (m *Measures) Add(o *Measures, stocks bool) {
	if stocks {
		m.Active += o.Active
		m.People += o.People
		m.Funded += o.Funded
		m.FundedEnrolled += o.FundedEnrolled
		m.FundedMonthlyDue += o.FundedMonthlyDue
		m.FundedNextYearDue += o.FundedNextYearDue
	}
	m.New += o.New
	m.Lapsed += o.Lapsed
	m.Billed += o.Billed
	m.DueAmount += o.DueAmount
	m.PaidCount += o.PaidCount
	m.PaidAmount += o.PaidAmount
	m.UnpaidOverdue += o.UnpaidOverdue
	m.Arrears += o.Arrears
	for i := range m.Claims {
		m.Claims[i].add(o.Claims[i])
	}
	m.FundedFirstYear += o.FundedFirstYear
}

// zero reports whether every measure is 0.
func (m *Measures) zero() bool { return *m == Measures{} }

// Cell is one rollup cell.
type Cell struct {
	Key
	Measures
}

// Rollup is one version of the rollup cells, with what it was built from.
type Rollup struct {
	Version int64     // increases with each stored version; 0 until stored
	Hash    string    // content hash of the cells: equal cells, equal hash
	RunID   string    // the reconciliation run that built it
	BuiltAt time.Time // when it was built
	AsOf    time.Time // the data's as-of time
	From    coverage.Period
	To      coverage.Period // the as-of month
	Cells   []Cell          // sorted by key, no two equal keys
	// PlanYear, Experience and Plan are the tables of experience.go: the
	// claim experience by month, category and segment (sorted by key), and
	// the roster of the plan year (the year after To) by category,
	// kelurahan and programmes. A version stored before them has none.
	PlanYear   int
	Experience []ExperienceRow
	Plan       []PlanLine
}

// combineHash is the hash of the cells' hash and the tables' (a version
// whose tables differ is another version).
func combineHash(cells, tables string) string {
	h := sha256.Sum256([]byte(cells + "|" + tables))
	return hex.EncodeToString(h[:])
}

// hashCells returns the content hash of sorted cells and their range.
func hashCells(from, to coverage.Period, cells []Cell) string {
	h := sha256.New()
	h.Write([]byte(from + "|" + to + "|"))
	// A cell's bytes, written at once (the same bytes as ever, in the same
	// order: the hash does not change): its key's fields each followed by
	// "|", then its measures as little-endian int64.
	var line []byte
	num := func(v int64) { line = binary.LittleEndian.AppendUint64(line, uint64(v)) }
	for i := range cells {
		k := &cells[i].Key
		line = line[:0]
		for _, f := range [...]string{string(k.Period), k.Kelurahan, string(k.Category), string(k.Payer), string(k.Segment), string(k.Gender), string(k.AgeBand)} {
			line = append(append(line, f...), '|')
		}
		m := &cells[i].Measures
		for _, v := range [...]int64{m.Active, m.New, m.Lapsed, m.Billed, m.DueAmount, m.PaidCount, m.PaidAmount,
			m.UnpaidOverdue, m.Arrears, m.Funded, m.FundedEnrolled, m.FundedFirstYear, m.FundedMonthlyDue,
			m.People, m.FundedNextYearDue} {
			num(v)
		}
		for _, c := range m.Claims {
			num(c.SubmittedCount)
			num(c.SubmittedAmount)
			num(c.PaidCount)
			num(c.PaidAmount)
		}
		h.Write(line)
	}
	return hex.EncodeToString(h.Sum(nil))
}
