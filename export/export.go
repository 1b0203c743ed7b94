// Package export writes reports as spreadsheets: CSV (RFC 4180, UTF-8 with a
// byte order mark, CRLF) and XLSX (excelize). A report is a header block (its
// title, the filters in words, the data's as-of and rollup version, when it
// was made and for whom) and one or more tables of typed columns: text,
// whole numbers, rupiah, rates, dates, months and instants.
//
// Every text cell that a spreadsheet would run as a formula (its first
// character, after leading spaces, is = + - @ TAB or CR) is neutralised: a
// single quote goes in front of it, in CSV and in XLSX alike, and XLSX text
// is written as a string cell, never as a formula. Numbers stay numbers.
//
// The package knows nothing of the API: graph/exports.go fetches the figures
// through it and hands them here as rows.
package export

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Format is a file format.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ParseFormat reads a file extension without its dot.
func ParseFormat(ext string) (Format, bool) {
	switch Format(ext) {
	case CSV:
		return CSV, true
	case XLSX:
		return XLSX, true
	}
	return "", false
}

// ContentType is the format's media type.
func (f Format) ContentType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Kind is what a column holds, and so how its cells are written.
type Kind int

// The kinds of columns and the Go values their cells take (nil, a nil
// pointer, "" or a zero time: an empty cell).
const (
	Text    Kind = iota // string, *string
	Int                 // int, int64, *int64: a count
	Money               // int64, int, *int64: whole rupiah
	Rate                // float64, *float64: a ratio, 0.25 for 25 %
	Date                // string YYYY-MM-DD
	Period              // string YYYY-MM: a month
	Time                // time.Time, *time.Time: an instant, shown in WIB
	Decimal             // float64, *float64: a quantity with a fraction (expected claims, member-months)
)

// WIB is the city's time zone (UTC+7, no daylight saving): instants are
// shown in it.
var WIB = time.FixedZone("WIB", 7*60*60)

// Column is a column of a table.
type Column struct {
	Header string
	Kind   Kind
	Width  float64 // XLSX width in characters; 0: from the header and the kind
}

// Table is a table of a report.
type Table struct {
	Sheet   string // XLSX sheet name (at most 31 characters)
	Title   string // the first table's is the report's; later tables' head their block
	Columns []Column
}

// Filter is one filter of a report, in words.
type Filter struct{ Label, Value string }

// Meta is what the header block tells.
type Meta struct {
	Title         string    // e.g. "Cakupan kepesertaan BPJS Ketenagakerjaan"
	Filters       []Filter  // none: every record the caller may see
	AsOf          time.Time // the data's as-of time
	RollupVersion int       // 0: none
	GeneratedAt   time.Time
	By            string // who asked: name, role and area
}

// Labels of the header block.
const (
	labelFilter    = "Filter"
	labelAsOf      = "Data per"
	labelVersion   = "Versi rollup"
	labelGenerated = "Dibuat"
	labelBy        = "Oleh"
	noFilter       = "tidak ada: semua data yang boleh dilihat pengguna ini"
	noVersion      = "tidak ada"
)

// filterText is the filters in words, one line.
func (m Meta) filterText() string {
	if len(m.Filters) == 0 {
		return noFilter
	}
	parts := make([]string, len(m.Filters))
	for i, f := range m.Filters {
		parts[i] = f.Label + ": " + f.Value
	}
	return strings.Join(parts, "; ")
}

// Writer writes a report: Table starts each table (the first right under
// the header block), Row adds a row of the current table, one cell per
// column, and Close finishes the file.
type Writer interface {
	Table(t Table) error
	Row(cells ...any) error
	Close() error
}

// New returns a writer of the format to w, with the header block of m.
func New(f Format, w io.Writer, m Meta) (Writer, error) {
	switch f {
	case CSV:
		return newCSV(w, m), nil
	case XLSX:
		return newXLSX(w, m)
	}
	return nil, fmt.Errorf("export: unknown format %q", f)
}

// Neutralize returns s with a single quote in front when a spreadsheet
// would take it for a formula: its first character, after leading spaces,
// is = + - @ TAB or CR.
func Neutralize(s string) string {
	t := strings.TrimLeft(s, " ")
	if t == "" {
		return s
	}
	switch t[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// cell is a cell's value checked against its column's kind.
type cell struct {
	empty bool
	text  string    // Text
	n     int64     // Int, Money
	f     float64   // Rate, Decimal
	t     time.Time // Date, Period (UTC midnight), Time (in WIB)
}

// value checks a cell's Go value against its column.
func value(c Column, v any) (cell, error) {
	bad := func() (cell, error) {
		return cell{}, fmt.Errorf("export: column %q (%s) cannot hold %T %v", c.Header, c.Kind, v, v)
	}
	if v == nil {
		return cell{empty: true}, nil
	}
	switch c.Kind {
	case Text:
		switch x := v.(type) {
		case string:
			return cell{text: x, empty: x == ""}, nil
		case *string:
			if x == nil {
				return cell{empty: true}, nil
			}
			return cell{text: *x, empty: *x == ""}, nil
		}
	case Int, Money:
		switch x := v.(type) {
		case int:
			return cell{n: int64(x)}, nil
		case int64:
			return cell{n: x}, nil
		case *int64:
			if x == nil {
				return cell{empty: true}, nil
			}
			return cell{n: *x}, nil
		}
	case Rate, Decimal:
		switch x := v.(type) {
		case float64:
			return cell{f: x}, nil
		case *float64:
			if x == nil {
				return cell{empty: true}, nil
			}
			return cell{f: *x}, nil
		}
	case Date, Period:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case *string:
			if x != nil {
				s = *x
			}
		default:
			return bad()
		}
		if s == "" {
			return cell{empty: true}, nil
		}
		layout := "2006-01-02"
		if c.Kind == Period {
			layout = "2006-01"
		}
		t, err := time.Parse(layout, s)
		if err != nil {
			return bad()
		}
		return cell{t: t}, nil
	case Time:
		switch x := v.(type) {
		case time.Time:
			return cell{t: x.In(WIB), empty: x.IsZero()}, nil
		case *time.Time:
			if x == nil || x.IsZero() {
				return cell{empty: true}, nil
			}
			return cell{t: x.In(WIB)}, nil
		}
	}
	return bad()
}

func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case Int:
		return "int"
	case Money:
		return "money"
	case Rate:
		return "rate"
	case Date:
		return "date"
	case Period:
		return "period"
	case Time:
		return "time"
	case Decimal:
		return "decimal"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// checkRow checks a row's width and values.
func checkRow(cols []Column, cells []any) ([]cell, error) {
	if cols == nil {
		return nil, fmt.Errorf("export: a row before any table")
	}
	if len(cells) != len(cols) {
		return nil, fmt.Errorf("export: a row of %d cells in a table of %d columns", len(cells), len(cols))
	}
	out := make([]cell, len(cells))
	for i, v := range cells {
		c, err := value(cols[i], v)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}
