package export

import (
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// XLSX: each table on a sheet of its own, under the header block (the
// report's title, then a label and a value a row), a blank row and the
// table's header: bold, frozen with the rows above it, with an autofilter
// (an Excel table over the rows). Money cells are numbers formatted
// "Rp"#,##0, rates numbers formatted as percentages, dates and months date
// serials, instants date-time serials of their WIB wall clock; text is
// always a string cell (inline string), never a formula. Rows are streamed
// (excelize's StreamWriter spills to temporary files), so a large table does
// not sit in memory as cells.

// Number formats.
const (
	fmtInt    = `#,##0`
	fmtMoney  = `"Rp"#,##0`
	fmtRate   = `0.0%`
	fmtDec    = `#,##0.00`
	fmtDate   = `dd/mm/yyyy`
	fmtPeriod = `mm/yyyy`
	fmtTime   = `dd/mm/yyyy hh:mm`
)

// headerRows is the rows of the header block before the blank row.
const headerRows = 6

type xlsxWriter struct {
	out    io.Writer
	f      *excelize.File
	meta   Meta
	styles struct{ title, label, head, text, int, money, rate, dec, date, period, time int }
	sw     *excelize.StreamWriter
	cols   []Column
	head   int // the row of the current table's header
	row    int // the last row written
	tables int
	buf    []any
}

func newXLSX(w io.Writer, m Meta) (*xlsxWriter, error) {
	x := &xlsxWriter{out: w, f: excelize.NewFile(), meta: m}
	s := &x.styles
	var err error
	style := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = x.f.NewStyle(st)
		return id
	}
	numFmt := func(f string) *excelize.Style { return &excelize.Style{CustomNumFmt: &f} }
	s.title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	s.label = style(&excelize.Style{Font: &excelize.Font{Bold: true}})
	s.head = style(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border: []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	s.text = style(numFmt("@"))
	s.int = style(numFmt(fmtInt))
	s.money = style(numFmt(fmtMoney))
	s.rate = style(numFmt(fmtRate))
	s.dec = style(numFmt(fmtDec))
	s.date = style(numFmt(fmtDate))
	s.period = style(numFmt(fmtPeriod))
	s.time = style(numFmt(fmtTime))
	if err != nil {
		_ = x.f.Close()
		return nil, err
	}
	_ = x.f.SetDocProps(&excelize.DocProperties{Title: m.Title, Creator: "jamsostek", Language: "id-ID"})
	return x, nil
}

// kindStyle is the style of a column's cells.
func (x *xlsxWriter) kindStyle(k Kind) int {
	s := x.styles
	return map[Kind]int{Text: s.text, Int: s.int, Money: s.money, Rate: s.rate, Decimal: s.dec, Date: s.date, Period: s.period, Time: s.time}[k]
}

// width is a column's width in characters.
func width(c Column) float64 {
	if c.Width > 0 {
		return c.Width
	}
	w := map[Kind]float64{Text: 14, Int: 11, Money: 17, Rate: 10, Decimal: 12, Date: 12, Period: 10, Time: 17}[c.Kind]
	// The header wraps on two lines at most.
	return min(max(w, float64(utf8.RuneCountInString(c.Header))/2+3), 40)
}

func (x *xlsxWriter) Table(t Table) error {
	if err := x.finishTable(); err != nil {
		return err
	}
	sheet := t.Sheet
	if sheet == "" {
		sheet = fmt.Sprintf("Tabel %d", x.tables+1)
	}
	if x.tables == 0 {
		if err := x.f.SetSheetName("Sheet1", sheet); err != nil {
			return err
		}
	} else if _, err := x.f.NewSheet(sheet); err != nil {
		return err
	}
	x.tables++
	sw, err := x.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	x.sw, x.cols, x.row = sw, t.Columns, 0
	x.head = headerRows + 2
	// Widths and panes go before the first row.
	for i, c := range t.Columns {
		w := width(c)
		if i == 0 {
			w = max(w, 14) // the header block's labels
		}
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if len(t.Columns) < 2 {
		if err := sw.SetColWidth(2, 2, 40); err != nil {
			return err
		}
	}
	top, _ := excelize.CoordinatesToCellName(1, x.head+1)
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: x.head, TopLeftCell: top, ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	m, s := x.meta, x.styles
	title := m.Title
	if x.tables > 1 && t.Title != "" {
		title += ": " + t.Title
	}
	label := func(l string) excelize.Cell { return excelize.Cell{StyleID: s.label, Value: l} }
	text := func(v string) excelize.Cell { return excelize.Cell{StyleID: s.text, Value: Neutralize(v)} }
	when := func(v any) excelize.Cell {
		c := excelize.Cell{StyleID: s.time, Value: v}
		if t, ok := v.(interface{ IsZero() bool }); ok && t.IsZero() {
			c.Value = nil
		}
		return c
	}
	block := [][]any{
		{excelize.Cell{StyleID: s.title, Value: Neutralize(title)}},
		{label(labelFilter), text(m.filterText())},
		{label(labelAsOf), when(m.AsOf.In(WIB))},
		{label(labelVersion), excelize.Cell{StyleID: s.int, Value: m.RollupVersion}},
		{label(labelGenerated), when(m.GeneratedAt.In(WIB))},
		{label(labelBy), text(m.By)},
	}
	if m.RollupVersion == 0 {
		block[3] = []any{label(labelVersion), text(noVersion)}
	}
	for _, r := range block {
		if err := x.setRow(r, nil); err != nil {
			return err
		}
	}
	x.row++ // the blank row
	head := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = excelize.Cell{StyleID: s.head, Value: c.Header}
	}
	return x.setRow(head, &excelize.RowOpts{Height: 32})
}

func (x *xlsxWriter) setRow(cells []any, opts *excelize.RowOpts) error {
	x.row++
	ref, _ := excelize.CoordinatesToCellName(1, x.row)
	if opts != nil {
		return x.sw.SetRow(ref, cells, *opts)
	}
	return x.sw.SetRow(ref, cells)
}

func (x *xlsxWriter) Row(cells ...any) error {
	vals, err := checkRow(x.cols, cells)
	if err != nil {
		return err
	}
	if cap(x.buf) < len(vals) {
		x.buf = make([]any, len(vals))
	}
	row := x.buf[:len(vals)]
	for i, v := range vals {
		k := x.cols[i].Kind
		c := excelize.Cell{StyleID: x.kindStyle(k)}
		switch {
		case v.empty:
		case k == Int || k == Money:
			c.Value = v.n
		case k == Rate || k == Decimal:
			c.Value = v.f
		case k == Date || k == Period || k == Time:
			c.Value = v.t
		default:
			c.Value = Neutralize(v.text)
		}
		row[i] = c
	}
	return x.setRow(row, nil)
}

// finishTable ends the current table: its autofilter, then the sheet.
func (x *xlsxWriter) finishTable() error {
	if x.sw == nil {
		return nil
	}
	sw := x.sw
	x.sw = nil
	first, _ := excelize.CoordinatesToCellName(1, x.head)
	last, _ := excelize.CoordinatesToCellName(len(x.cols), max(x.row, x.head+1))
	stripes := true
	if err := sw.AddTable(&excelize.Table{Range: first + ":" + last, Name: fmt.Sprintf("Tabel%d", x.tables),
		StyleName: "TableStyleLight1", ShowRowStripes: &stripes}); err != nil {
		return err
	}
	return sw.Flush()
}

func (x *xlsxWriter) Close() error {
	defer x.f.Close()
	if err := x.finishTable(); err != nil {
		return err
	}
	return x.f.Write(x.out)
}
