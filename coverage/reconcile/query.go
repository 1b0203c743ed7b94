package reconcile

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Dimension is what coverage rows can be grouped by, besides time.
type Dimension string

const (
	DimKecamatan Dimension = "KECAMATAN"
	DimKelurahan Dimension = "KELURAHAN"
	DimCategory  Dimension = "CATEGORY"
	DimPayer     Dimension = "PAYER"
	DimSegment   Dimension = "SEGMENT"
	DimGender    Dimension = "GENDER"
	DimAgeBand   Dimension = "AGE_BAND"
)

// Dimensions lists every dimension.
var Dimensions = []Dimension{DimKecamatan, DimKelurahan, DimCategory, DimPayer, DimSegment, DimGender, DimAgeBand}

// Granularity is the time bucket of coverage rows.
type Granularity string

const (
	GranularityMonth   Granularity = "MONTH"
	GranularityQuarter Granularity = "QUARTER"
	GranularityYear    Granularity = "YEAR"
)

// Bucket returns the label of the bucket holding month m ("" for no time
// grouping): 2024-03, 2024-Q1, 2024.
func (g Granularity) Bucket(m coverage.Period) string {
	switch g {
	case GranularityMonth:
		return string(m)
	case GranularityQuarter:
		return fmt.Sprintf("%d-Q%d", m.Year(), (int(m.Month())-1)/3+1)
	case GranularityYear:
		return strconv.Itoa(m.Year())
	}
	return ""
}

// last returns the last month of the bucket holding m.
func (g Granularity) last(m coverage.Period) coverage.Period {
	switch g {
	case GranularityMonth:
		return m
	case GranularityQuarter:
		q := (int(m.Month())-1)/3 + 1
		return coverage.MakePeriod(m.Year(), time.Month(q*3))
	case GranularityYear:
		return coverage.MakePeriod(m.Year(), time.December)
	}
	return ""
}

// Filter selects cells. Empty fields do not filter; lists match any value; the
// value "" in a list matches the cells without that dimension (e.g. Category
// "" are people not funded by the city).
type Filter struct {
	From, To   coverage.Period // months, inclusive
	AreaCode   string          // city, kecamatan or kelurahan code; "" for all (outside the city too)
	Categories []coverage.Category
	Payers     []coverage.PayerType
	Segments   []coverage.Segment
	Genders    []coverage.Gender
	AgeBands   []AgeBand
	CityFunded *bool // true: Category != ""; false: Category == ""
}

func (f *Filter) match(c *Cell) bool {
	return (f.From == "" || c.Period >= f.From) && (f.To == "" || c.Period <= f.To) &&
		(f.AreaCode == "" || strings.HasPrefix(c.Kelurahan, f.AreaCode)) &&
		(f.Categories == nil || slices.Contains(f.Categories, c.Category)) &&
		(f.Payers == nil || slices.Contains(f.Payers, c.Payer)) &&
		(f.Segments == nil || slices.Contains(f.Segments, c.Segment)) &&
		(f.Genders == nil || slices.Contains(f.Genders, c.Gender)) &&
		(f.AgeBands == nil || slices.Contains(f.AgeBands, c.AgeBand)) &&
		(f.CityFunded == nil || *f.CityFunded == (c.Category != ""))
}

// Row is one group of cells.
type Row struct {
	Bucket    string // time bucket label, "" without time grouping
	From, To  coverage.Period
	Kecamatan string
	Kelurahan string
	Category  coverage.Category
	Payer     coverage.PayerType
	Segment   coverage.Segment
	Gender    coverage.Gender
	AgeBand   AgeBand
	Measures  Measures
}

// Answer is the result of a coverage query.
type Answer struct {
	Rows   []Row
	Totals Measures // every matching cell; stocks at the end of the range
	From   coverage.Period
	To     coverage.Period
}

// Query groups the matching cells by time (g "" for none) and the dimensions.
// Flows are summed over each bucket; stocks are taken at the bucket's last
// month that has data (the range's end or the as-of month, when earlier).
func (r *Rollup) Query(f Filter, groupBy []Dimension, g Granularity) (Answer, error) {
	for _, d := range groupBy {
		if !slices.Contains(Dimensions, d) {
			return Answer{}, coverage.Errorf(coverage.EINVALID, "unknown dimension %q", d)
		}
	}
	if g != "" && g != GranularityMonth && g != GranularityQuarter && g != GranularityYear {
		return Answer{}, coverage.Errorf(coverage.EINVALID, "unknown granularity %q", g)
	}
	from, to := r.From, r.To
	if f.From != "" {
		from = max(from, f.From)
	}
	if f.To != "" {
		to = min(to, f.To)
	}
	ans := Answer{From: from, To: to}
	if from > to || from == "" {
		return ans, nil
	}
	f.From, f.To = from, to
	has := func(d Dimension) bool { return slices.Contains(groupBy, d) }
	rows := map[Row]*Measures{}
	var order []Row
	for i := range r.Cells {
		c := &r.Cells[i]
		if !f.match(c) {
			continue
		}
		stockMonth := to
		row := Row{}
		if g != "" {
			row.Bucket = g.Bucket(c.Period)
			stockMonth = min(g.last(c.Period), to)
		}
		if has(DimKelurahan) {
			row.Kelurahan = c.Kelurahan
			row.Kecamatan = c.Kecamatan()
		}
		if has(DimKecamatan) {
			row.Kecamatan = c.Kecamatan()
		}
		if has(DimCategory) {
			row.Category = c.Category
		}
		if has(DimPayer) {
			row.Payer = c.Payer
		}
		if has(DimSegment) {
			row.Segment = c.Segment
		}
		if has(DimGender) {
			row.Gender = c.Gender
		}
		if has(DimAgeBand) {
			row.AgeBand = c.AgeBand
		}
		m := rows[row]
		if m == nil {
			m = &Measures{}
			rows[row] = m
			order = append(order, row)
		}
		m.Add(&c.Measures, c.Period == stockMonth)
		ans.Totals.Add(&c.Measures, c.Period == to)
	}
	for _, row := range order {
		row.Measures = *rows[row]
		row.From, row.To = from, to
		if g != "" {
			first, last := g.first(row.Bucket), g.lastOf(row.Bucket)
			row.From, row.To = max(first, from), min(last, to)
		}
		ans.Rows = append(ans.Rows, row)
	}
	slices.SortFunc(ans.Rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.Kecamatan, b.Kecamatan), cmp.Compare(a.Kelurahan, b.Kelurahan),
			cmp.Compare(a.Category, b.Category), cmp.Compare(a.Payer, b.Payer), cmp.Compare(a.Segment, b.Segment),
			cmp.Compare(a.Gender, b.Gender), cmp.Compare(a.AgeBand, b.AgeBand))
	})
	return ans, nil
}

// first returns the first month of a bucket label.
func (g Granularity) first(label string) coverage.Period {
	switch g {
	case GranularityMonth:
		return coverage.Period(label)
	case GranularityQuarter:
		y, _ := strconv.Atoi(label[:4])
		q, _ := strconv.Atoi(label[6:])
		return coverage.MakePeriod(y, time.Month(q*3-2))
	}
	y, _ := strconv.Atoi(label)
	return coverage.MakePeriod(y, time.January)
}

func (g Granularity) lastOf(label string) coverage.Period { return g.last(g.first(label)) }

// yearRange returns the months of a year the rollup holds, and whether it holds any.
func (r *Rollup) yearRange(year int) (coverage.Period, coverage.Period, bool) {
	from := max(coverage.MakePeriod(year, time.January), r.From)
	to := min(coverage.MakePeriod(year, time.December), r.To)
	return from, to, from <= to
}

// Counted returns the counted value of a metric in a year, area ("" city) and
// category ("" all), and whether the rollup covers that year.
func Counted(r *Rollup, metric coverage.Metric, year int, area string, cat coverage.Category) (int64, bool) {
	from, to, ok := r.yearRange(year)
	if !ok {
		return 0, false
	}
	f := Filter{From: from, To: to, AreaCode: area}
	if cat != "" {
		f.Categories = []coverage.Category{cat}
	}
	var n int64
	for i := range r.Cells {
		c := &r.Cells[i]
		if !f.match(c) {
			continue
		}
		switch metric {
		case coverage.MetricCityFundedWorkers:
			if c.Category != "" {
				n += c.FundedFirstYear
			}
		case coverage.MetricAPBDContributionsPaid:
			if c.Payer == coverage.PayerAPBD {
				n += c.PaidAmount
			}
		case coverage.MetricAPBDClaimsPaid:
			if c.Payer == coverage.PayerAPBD {
				n += c.ClaimsTotal().PaidAmount
			}
		case coverage.MetricActiveParticipants:
			if c.Period == to {
				n += c.Active
			}
		}
	}
	return n, true
}
