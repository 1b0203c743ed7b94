package rosterfile

import (
	"io"
	"strconv"
	"strings"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/xuri/excelize/v2"
)

// maxUnzipped bounds the unpacked size of a workbook, against zip bombs. A
// workbook of MaxRows rows is far smaller.
const maxUnzipped = 1 << 30

// readXLSX reads the first sheet of an XLSX roster into b.
func readXLSX(r io.Reader, b *builder) error {
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: maxUnzipped})
	if err != nil {
		return coverage.Errorf(coverage.EINVALID, "the file is not a valid XLSX workbook: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return coverage.Errorf(coverage.EINVALID, "the workbook has no sheet")
	}
	sheet := sheets[0]
	// Read the displayed values first, so that an oversized sheet is refused
	// before the cells are looked at one by one.
	rows, err := f.Rows(sheet)
	if err != nil {
		return coverage.Errorf(coverage.EINVALID, "sheet %q cannot be read: %v", sheet, err)
	}
	var table [][]string
	data := 0
	for num := 1; rows.Next(); num++ {
		cells, err := rows.Columns()
		if err != nil {
			rows.Close()
			return coverage.Errorf(coverage.EINVALID, "sheet %q cannot be read at row %d: %v", sheet, num, err)
		}
		if num > 1 && !blank(cells) {
			if data++; data > MaxRows {
				rows.Close()
				return coverage.Errorf(coverage.EINVALID, "the file has more than %d data rows; split it into smaller files", MaxRows)
			}
		}
		table = append(table, append([]string(nil), cells...))
	}
	if err := rows.Close(); err != nil {
		return coverage.Errorf(coverage.EINVALID, "sheet %q cannot be read: %v", sheet, err)
	}
	if len(table) == 0 {
		return nil
	}
	if blank(table[0]) {
		return coverage.Errorf(coverage.EINVALID, "row 1 is empty: it must be a header naming the columns %s", strings.Join(fieldNames[:], ", "))
	}
	if err := b.header(table[0]); err != nil {
		return err
	}
	x := &xlsxCells{f: f, sheet: sheet}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		x.date1904 = *props.Date1904
	}
	for i := 1; i < len(table); i++ {
		x.row = i + 1
		if err := b.row(i+1, table[i], x.fix); err != nil {
			return err
		}
	}
	return nil
}

// xlsxCells looks at the stored type and format of the cells where the
// displayed value is not enough: NIKs and months.
type xlsxCells struct {
	f        *excelize.File
	sheet    string
	row      int
	date1904 bool
}

// fix is the fixFunc of XLSX rows.
func (x *xlsxCells) fix(field, col int, text string) (string, string) {
	if field != fNIK && field != fFrom && field != fUntil {
		return text, ""
	}
	cell, err := excelize.CoordinatesToCellName(col+1, x.row)
	if err != nil {
		return text, ""
	}
	typ, err := x.f.GetCellType(x.sheet, cell)
	if err != nil {
		return text, ""
	}
	numeric := typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset
	switch {
	case field == fNIK && numeric:
		return text, "nik is stored as a number, which keeps only 15 significant digits, so the NIK may have lost digits; format the nik column as Text and type the NIK again"
	case field == fNIK:
		return text, ""
	case typ == excelize.CellTypeDate:
		// An ISO 8601 date and time written by the application.
		raw, err := x.f.GetCellValue(x.sheet, cell, excelize.Options{RawCellValue: true})
		if err == nil && len(raw) >= 10 {
			return raw[:10], ""
		}
	case numeric && x.dateFormatted(cell):
		raw, err := x.f.GetCellValue(x.sheet, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			return text, ""
		}
		serial, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return text, ""
		}
		t, err := excelize.ExcelDateToTime(serial, x.date1904)
		if err != nil || t.Year() < 1900 {
			return text, fieldNames[field] + " " + strconv.Quote(text) + " is not a valid date"
		}
		return t.Format("2006-01-02"), ""
	}
	return text, ""
}

// dateFormatted reports whether a cell's number format shows a date.
func (x *xlsxCells) dateFormatted(cell string) bool {
	id, err := x.f.GetCellStyle(x.sheet, cell)
	if err != nil || id == 0 {
		return false
	}
	st, err := x.f.GetStyle(id)
	if err != nil || st == nil {
		return false
	}
	if st.CustomNumFmt != nil {
		return dateFormatCode(*st.CustomNumFmt)
	}
	n := st.NumFmt
	return n >= 14 && n <= 17 || n == 22 || n >= 27 && n <= 36 || n >= 50 && n <= 58
}

// dateFormatCode reports whether a custom number format shows a year or a day,
// ignoring quoted text, escaped characters and bracketed parts such as colours
// and locales.
func dateFormatCode(code string) bool {
	quoted, bracket := false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case quoted:
			quoted = c != '"'
		case bracket:
			bracket = c != ']'
		case c == '"':
			quoted = true
		case c == '[':
			bracket = true
		case c == '\\' || c == '_' || c == '*':
			i++
		case c == 'y' || c == 'Y' || c == 'd' || c == 'D':
			return true
		}
	}
	return false
}
