package export

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// CSV: RFC 4180 with CRLF, UTF-8 with a byte order mark (so that Excel reads
// it as UTF-8), comma-separated. The header block comes first as rows of a
// label and a value, then a blank row and the first table; each later table
// follows a blank row and a row with its title. Money is whole rupiah, rates
// are decimals (0.25), dates YYYY-MM-DD, months YYYY-MM, instants RFC 3339 in
// WIB (+07:00).

// bom is the UTF-8 byte order mark.
const bom = "\uFEFF"

type csvWriter struct {
	w      *csv.Writer
	meta   Meta
	cols   []Column
	tables int
	err    error
}

func newCSV(w io.Writer, m Meta) *csvWriter {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	c := &csvWriter{w: cw, meta: m}
	_, c.err = io.WriteString(w, bom)
	return c
}

func (c *csvWriter) write(rec ...string) {
	if c.err == nil {
		c.err = c.w.Write(rec)
	}
}

func (c *csvWriter) Table(t Table) error {
	if c.tables == 0 {
		m := c.meta
		c.write(Neutralize(m.Title))
		c.write(labelFilter, Neutralize(m.filterText()))
		c.write(labelAsOf, csvTime(m.AsOf))
		version := noVersion
		if m.RollupVersion > 0 {
			version = strconv.Itoa(m.RollupVersion)
		}
		c.write(labelVersion, version)
		c.write(labelGenerated, csvTime(m.GeneratedAt))
		c.write(labelBy, Neutralize(m.By))
		c.write()
	} else {
		c.write()
		c.write(Neutralize(t.Title))
	}
	c.tables++
	c.cols = t.Columns
	head := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		head[i] = Neutralize(col.Header)
	}
	c.write(head...)
	return c.err
}

func (c *csvWriter) Row(cells ...any) error {
	vals, err := checkRow(c.cols, cells)
	if err != nil {
		return err
	}
	rec := make([]string, len(vals))
	for i, v := range vals {
		rec[i] = csvCell(c.cols[i].Kind, v)
	}
	c.write(rec...)
	return c.err
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	if c.err == nil {
		c.err = c.w.Error()
	}
	return c.err
}

func csvCell(k Kind, v cell) string {
	if v.empty {
		return ""
	}
	switch k {
	case Int, Money:
		return strconv.FormatInt(v.n, 10)
	case Rate, Decimal:
		return strconv.FormatFloat(v.f, 'f', -1, 64)
	case Date:
		return v.t.Format("2006-01-02")
	case Period:
		return v.t.Format("2006-01")
	case Time:
		return csvTime(v.t)
	}
	return Neutralize(v.text)
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(WIB).Format(time.RFC3339)
}
