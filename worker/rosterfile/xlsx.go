package rosterfile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Limits of an XLSX roster. Each is checked before or while the part it
// bounds is read, and a file past one is refused as a whole (EINVALID)
// without reading further: an XLSX file is a zip archive, and a small one can
// unpack into a huge sheet. A roster of MaxRows rows, as spreadsheet programs
// write it, stays well within every limit (200,000 rows of 15 columns: about
// 10 MB zipped, a 110 MB sheet, 3 million cells).
const (
	// MaxXLSXBytes bounds the file itself, zipped.
	MaxXLSXBytes = 64 << 20
	// MaxSheetXMLBytes bounds the first sheet's XML, unzipped.
	MaxSheetXMLBytes = 256 << 20
	// MaxSharedStringsXMLBytes bounds the shared strings' XML, unzipped.
	MaxSharedStringsXMLBytes = 64 << 20
	// maxPartXMLBytes bounds the other parts read: the package and workbook
	// relationships, the workbook, the styles.
	maxPartXMLBytes = 8 << 20
	// maxZipEntries bounds the parts of the archive (a workbook has tens).
	maxZipEntries = 10_000
	// MaxColumns is the last column a roster may use (IV): a cell with a
	// value or a formula further right refuses the file; an empty cell
	// there (formatting only) is ignored.
	MaxColumns = 256
	// MaxSheetRows is the largest row number, blank rows included (Excel's
	// own limit).
	MaxSheetRows = 1 << 20
	// MaxCells bounds the cells of the sheet, blank or not.
	MaxCells = 8_000_000
	// maxSharedStrings bounds the shared strings table.
	maxSharedStrings = 2_000_000
	// MaxCellBytes is how much of a cell's text is read: a longer value is
	// kept cut and rejected as too long for any field (the longest allowed,
	// a name, has coverage.MaxNameRunes characters).
	MaxCellBytes = 4 << 10
	// maxStyles bounds the cell formats read (Excel allows 64,000).
	maxStyles = 65_536
)

// fieldMaxChars is the most characters a valid value of each field has,
// what the reason of a cell longer than MaxCellBytes says.
var fieldMaxChars = [nFields]int{16, coverage.MaxNameRunes, 40, coverage.MaxAgencyRunes, 10, 10, 10}

// Relationship types of the parts read.
const (
	relOfficeDocument = "/officeDocument"
	relWorksheet      = "/worksheet"
	relSharedStrings  = "/sharedStrings"
	relStyles         = "/styles"
)

func invalidXLSX(format string, args ...any) error {
	return coverage.Errorf(coverage.EINVALID, "the file is not a valid XLSX workbook: "+format, args...)
}

// workbookFile is an opened XLSX archive.
type workbookFile struct {
	zr    *zip.Reader
	parts map[string]*zip.File // by lower-case name: part names ignore case
}

// readXLSX reads the first sheet of an XLSX roster into b, streaming the
// sheet's XML in constant memory.
func readXLSX(r io.Reader, b *builder) error {
	ra, size, err := readerAt(r)
	if err != nil {
		return err
	}
	if err := checkZipEntries(ra, size); err != nil {
		return err
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return invalidXLSX("%v", err)
	}
	wf := &workbookFile{zr: zr, parts: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		wf.parts[strings.ToLower(strings.TrimPrefix(f.Name, "/"))] = f
	}
	wbPath := "xl/workbook.xml"
	if rels, err := wf.relationships("_rels/.rels"); err != nil {
		return err
	} else if t := rels.target(relOfficeDocument, ""); t != "" {
		wbPath = t
	}
	wb, err := wf.workbook(wbPath)
	if err != nil {
		return err
	}
	rels, err := wf.relationships(relsPath(wbPath))
	if err != nil {
		return err
	}
	sheet, ok := rels.byID[wb.sheetRel]
	if !ok || !strings.HasSuffix(sheet.typ, relWorksheet) {
		return invalidXLSX("its first sheet %q is not a worksheet", wb.sheetName)
	}
	x := &sheetReader{b: b, date1904: wb.date1904, sheetName: wb.sheetName}
	if p := rels.target(relStyles, path.Dir(wbPath)); p != "" {
		if x.dateStyles, err = wf.styles(p); err != nil {
			return err
		}
	}
	if p := rels.target(relSharedStrings, path.Dir(wbPath)); p != "" {
		if x.shared, err = wf.sharedStrings(p); err != nil {
			return err
		}
	}
	return wf.read(resolve(path.Dir(wbPath), sheet.target), MaxSheetXMLBytes, "its sheet", x.read)
}

// readerAt gives random access to the file, reading it into memory (at most
// MaxXLSXBytes) when r does not offer it.
func readerAt(r io.Reader) (io.ReaderAt, int64, error) {
	tooLarge := coverage.Errorf(coverage.EINVALID, "the file is larger than %d MB: a roster workbook is far smaller; split it into smaller files", MaxXLSXBytes>>20)
	if ra, ok := r.(io.ReaderAt); ok {
		if s, ok := r.(io.Seeker); ok {
			size, err := s.Seek(0, io.SeekEnd)
			if err == nil {
				if size > MaxXLSXBytes {
					return nil, 0, tooLarge
				}
				return ra, size, nil
			}
		}
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxXLSXBytes+1))
	if err != nil {
		return nil, 0, coverage.Errorf(coverage.EINVALID, "the file cannot be read: %v", err)
	}
	if len(data) > MaxXLSXBytes {
		return nil, 0, tooLarge
	}
	return bytes.NewReader(data), int64(len(data)), nil
}

// checkZipEntries reads the entry count of the archive's end record before
// the archive's directory is read into memory.
func checkZipEntries(ra io.ReaderAt, size int64) error {
	const eocdLen, maxComment = 22, 65535
	n := min(size, eocdLen+maxComment)
	buf := make([]byte, n)
	if _, err := ra.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return coverage.Errorf(coverage.EINVALID, "the file cannot be read: %v", err)
	}
	for i := len(buf) - eocdLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) == 0x06054b50 {
			if entries := binary.LittleEndian.Uint16(buf[i+10:]); entries > maxZipEntries {
				return invalidXLSX("it has %d parts (a workbook has tens)", entries)
			}
			return nil
		}
	}
	return nil // not a zip archive: zip.NewReader says so
}

// read opens a part and hands its XML to f, refusing it when it unzips to
// more than limit bytes: before reading when the archive says so, else when
// the limit is reached.
func (wf *workbookFile) read(name string, limit int64, what string, f func(*xmlScanner) error) error {
	zf, ok := wf.parts[strings.ToLower(name)]
	if !ok {
		return invalidXLSX("%s (%s) is missing", what, name)
	}
	tooLarge := coverage.Errorf(coverage.EINVALID, "%s unzips to more than %d MB, more than a roster workbook holds; it cannot be read", what, limit>>20)
	if zf.UncompressedSize64 > uint64(limit) {
		return tooLarge
	}
	rc, err := zf.Open()
	if err != nil {
		return invalidXLSX("%s: %v", what, err)
	}
	defer rc.Close()
	lr := &limitedReader{r: rc, left: limit}
	err = f(newXMLScanner(lr, MaxCellBytes, 1024))
	var xe *errXML
	switch {
	case err == nil || err == io.EOF:
		return nil
	case errors.Is(err, errLimit):
		return tooLarge
	case errors.As(err, &xe):
		return invalidXLSX("%s: %s", what, xe.msg)
	case coverage.ErrorCode(err) == coverage.EINVALID:
		return err
	default:
		return invalidXLSX("%s: %v", what, err)
	}
}

var errLimit = errors.New("part too large")

// limitedReader fails with errLimit past its limit.
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errLimit
	}
	if int64(len(p)) > l.left {
		p = p[:l.left+1] // one more byte tells a part of exactly the limit from a longer one
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		return 0, errLimit
	}
	l.left -= int64(n)
	return n, err
}

// relsPath is the relationships part of a part.
func relsPath(part string) string {
	return path.Join(path.Dir(part), "_rels", path.Base(part)+".rels")
}

// resolve makes a relationship's target a part name.
func resolve(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/")
	}
	return path.Join(dir, target)
}

type relationship struct{ typ, target string }

type relationships struct {
	byID  map[string]relationship
	order []string
}

// target returns the part name of the first relationship whose type ends in
// suffix, resolved against dir; "" if none.
func (r relationships) target(suffix, dir string) string {
	for _, id := range r.order {
		if rel := r.byID[id]; strings.HasSuffix(rel.typ, suffix) {
			return resolve(dir, rel.target)
		}
	}
	return ""
}

// relationships reads a relationships part; a missing one has none.
func (wf *workbookFile) relationships(name string) (relationships, error) {
	rels := relationships{byID: map[string]relationship{}}
	if _, ok := wf.parts[strings.ToLower(name)]; !ok {
		return rels, nil
	}
	err := wf.read(name, maxPartXMLBytes, "its relationships", func(x *xmlScanner) error {
		for {
			if err := x.next(); err != nil {
				return err
			}
			if x.kind != tokStart || string(x.name) != "Relationship" {
				continue
			}
			if len(rels.order) == maxZipEntries {
				return xmlErrorf("too many relationships")
			}
			id, _ := x.attr("Id", false)
			typ, _ := x.attr("Type", false)
			target, _ := x.attr("Target", false)
			if mode, _ := x.attr("TargetMode", false); string(mode) == "External" {
				continue
			}
			rels.byID[string(id)] = relationship{typ: string(typ), target: string(target)}
			rels.order = append(rels.order, string(id))
		}
	})
	return rels, err
}

type workbookInfo struct {
	sheetName, sheetRel string
	date1904            bool
}

// workbook reads the first sheet's name and relationship, and the date
// system.
func (wf *workbookFile) workbook(name string) (workbookInfo, error) {
	var wb workbookInfo
	found := false
	err := wf.read(name, maxPartXMLBytes, "its workbook part", func(x *xmlScanner) error {
		for {
			if err := x.next(); err != nil {
				return err
			}
			if x.kind != tokStart {
				continue
			}
			switch string(x.name) {
			case "workbookPr":
				v, _ := x.attr("date1904", false)
				wb.date1904 = string(v) == "1" || string(v) == "true"
			case "sheet":
				if !found {
					found = true
					n, _ := x.attr("name", false)
					id, _ := x.attr("id", true)
					wb.sheetName, wb.sheetRel = string(n), string(id)
				}
			}
		}
	})
	if err == nil && !found {
		return wb, coverage.Errorf(coverage.EINVALID, "the workbook has no sheet")
	}
	return wb, err
}

// styles reads which cell formats (cellXfs, by index) show a date.
func (wf *workbookFile) styles(name string) ([]bool, error) {
	custom := map[int]bool{} // custom number format id: shows a date
	var ids []int            // number format id of each cell format
	err := wf.read(name, maxPartXMLBytes, "its styles", func(x *xmlScanner) error {
		inCellXfs := false
		for {
			if err := x.next(); err != nil {
				return err
			}
			switch {
			case x.kind == tokStart && string(x.name) == "numFmt":
				id, _ := x.attr("numFmtId", false)
				code, _ := x.attr("formatCode", false)
				if n, err := strconv.Atoi(string(id)); err == nil && len(custom) < maxStyles {
					custom[n] = dateFormatCode(string(code))
				}
			case x.kind == tokStart && string(x.name) == "cellXfs":
				inCellXfs = !x.selfClose
			case x.kind == tokEnd && string(x.name) == "cellXfs":
				inCellXfs = false
			case x.kind == tokStart && string(x.name) == "xf" && inCellXfs && len(ids) < maxStyles:
				v, _ := x.attr("numFmtId", false)
				n, _ := strconv.Atoi(string(v))
				ids = append(ids, n)
			}
		}
	})
	dates := make([]bool, len(ids))
	for i, n := range ids {
		if d, ok := custom[n]; ok {
			dates[i] = d
		} else {
			dates[i] = n >= 14 && n <= 17 || n == 22 || n >= 27 && n <= 36 || n >= 50 && n <= 58
		}
	}
	return dates, err
}

// sharedStrings is the shared strings table: the texts one after another in
// text, each at most MaxCellBytes (cut marks the cut ones).
type sharedStrings struct {
	text []byte
	ends []uint32
	cut  []bool
}

func (s *sharedStrings) get(i int) ([]byte, bool, bool) {
	if s == nil || i < 0 || i >= len(s.ends) {
		return nil, false, false
	}
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.text[start:s.ends[i]], s.cut[i], true
}

// sharedStrings reads the shared strings table: the text runs of each item,
// without phonetic runs.
func (wf *workbookFile) sharedStrings(name string) (*sharedStrings, error) {
	s := &sharedStrings{}
	err := wf.read(name, MaxSharedStringsXMLBytes, "its shared strings", func(x *xmlScanner) error {
		inItem, inT, phonetic := false, false, 0
		var item []byte
		itemLen := 0
		for {
			if err := x.next(); err != nil {
				return err
			}
			switch x.kind {
			case tokStart:
				switch string(x.name) {
				case "si":
					inItem, item, itemLen = true, item[:0], 0
					if x.selfClose {
						inItem = false
						s.add(nil, false)
					}
				case "rPh":
					phonetic++
				case "t":
					inT = inItem && phonetic == 0 && !x.selfClose
				}
			case tokEnd:
				switch string(x.name) {
				case "si":
					if inItem {
						if len(s.ends) == maxSharedStrings {
							return coverage.Errorf(coverage.EINVALID, "the workbook has more than %d different texts, more than a roster has; it cannot be read", maxSharedStrings)
						}
						s.add(item, itemLen > len(item))
					}
					inItem = false
				case "rPh":
					phonetic--
				case "t":
					inT = false
				}
			case tokText:
				if inT {
					itemLen += x.textLen
					if room := MaxCellBytes - len(item); room > 0 {
						item = append(item, x.text[:min(room, len(x.text))]...)
					}
				}
			}
		}
	})
	return s, err
}

func (s *sharedStrings) add(text []byte, cut bool) {
	s.text = append(s.text, text...)
	s.ends = append(s.ends, uint32(len(s.text)))
	s.cut = append(s.cut, cut)
}

// cell is one cell of the row being read.
type cell struct {
	col        int // 0-based
	typ        string
	style      int
	value      []byte // <v>, or the inline string
	cut        bool   // value is longer than MaxCellBytes and was cut
	hasValue   bool
	hasFormula bool
}

// sheetReader streams the first sheet into the builder: row 1 as the header,
// then each row's cells of the roster's columns.
type sheetReader struct {
	b          *builder
	sheetName  string
	date1904   bool
	dateStyles []bool
	shared     *sharedStrings

	rowNum, prevRow int
	cells           int
	header          []string // row 1's texts, by column
	fields          [nFields]cell
	hasField        [nFields]bool
	fieldOf         map[int]int // column -> field, once the header is read
	nonBlank        bool
	cur             cell
	inCell, inV     bool
	inIs, inT       int // depth of <is>, and whether in a <t> of it
	phonetic        int
	prevCol         int
}

func (x *sheetReader) read(sc *xmlScanner) error {
	for {
		err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch sc.kind {
		case tokStart:
			if err := x.start(sc); err != nil {
				return err
			}
		case tokEnd:
			if err := x.end(string(sc.name)); err != nil {
				return err
			}
		case tokText:
			x.text(sc)
		}
	}
	if !x.b.sawHeader && x.rowNum > 0 {
		return x.headerMissing()
	}
	return nil
}

func (x *sheetReader) headerMissing() error {
	return coverage.Errorf(coverage.EINVALID, "row 1 is empty: it must be a header naming the columns %s", x.b.columnList())
}

func (x *sheetReader) start(sc *xmlScanner) error {
	switch string(sc.name) {
	case "row":
		num := x.prevRow + 1
		if v, ok := sc.attr("r", false); ok {
			n, err := strconv.Atoi(string(v))
			if err != nil {
				return invalidXLSX("sheet %q has a row numbered %q", x.sheetName, coverage.Clip(string(v)))
			}
			num = n
		}
		if num <= x.prevRow || num > MaxSheetRows {
			return invalidXLSX("sheet %q has row %d after row %d (rows go from 1 to %d, in order)", x.sheetName, num, x.prevRow, MaxSheetRows)
		}
		if err := x.beginRow(num); err != nil {
			return err
		}
		if sc.selfClose {
			return x.endRow()
		}
	case "c":
		if x.rowNum == 0 {
			return invalidXLSX("sheet %q has a cell outside a row", x.sheetName)
		}
		if x.cells++; x.cells > MaxCells {
			return coverage.Errorf(coverage.EINVALID, "the sheet has more than %d cells, more than a roster of %d rows has; it cannot be read", MaxCells, MaxRows)
		}
		col := x.prevCol + 1
		if v, ok := sc.attr("r", false); ok {
			c, ok := columnOf(v)
			if !ok {
				return invalidXLSX("sheet %q has a cell named %q", x.sheetName, coverage.Clip(string(v)))
			}
			col = c
		}
		x.prevCol = col
		x.cur = cell{col: col - 1, value: x.cur.value[:0]}
		t, _ := sc.attr("t", false)
		x.cur.typ = string(t) // a handful of short values: s, str, inlineStr, b, e, d, n
		if s, ok := sc.attr("s", false); ok {
			x.cur.style, _ = strconv.Atoi(string(s))
		}
		x.inCell = true
		if sc.selfClose {
			return x.endCell()
		}
	case "v":
		if x.inCell && !sc.selfClose {
			x.inV, x.cur.hasValue = true, true
			x.cur.value = x.cur.value[:0]
		}
	case "f":
		if x.inCell {
			x.cur.hasFormula = true
		}
	case "is":
		if x.inCell && !sc.selfClose {
			x.inIs++
			x.cur.hasValue = true
		}
	case "rPh":
		if x.inIs > 0 && !sc.selfClose {
			x.phonetic++
		}
	case "t":
		if x.inIs > 0 && x.phonetic == 0 && !sc.selfClose {
			x.inT = 1
		}
	}
	return nil
}

func (x *sheetReader) end(name string) error {
	switch name {
	case "row":
		if x.rowNum > 0 {
			return x.endRow()
		}
	case "c":
		if x.inCell {
			return x.endCell()
		}
	case "v":
		x.inV = false
	case "is":
		if x.inIs > 0 {
			x.inIs--
		}
	case "rPh":
		if x.phonetic > 0 {
			x.phonetic--
		}
	case "t":
		x.inT = 0
	}
	return nil
}

func (x *sheetReader) text(sc *xmlScanner) {
	if !x.inCell || !(x.inV || x.inT > 0) {
		return
	}
	if sc.textLen > len(sc.text) || len(x.cur.value)+len(sc.text) > MaxCellBytes {
		x.cur.cut = true
	}
	if room := MaxCellBytes - len(x.cur.value); room > 0 {
		x.cur.value = append(x.cur.value, sc.text[:min(room, len(sc.text))]...)
	}
}

// columnOf reads the column of a cell reference (B12: 2), 1-based.
func columnOf(ref []byte) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		if i == 3 {
			return 0, false
		}
		col = col*26 + int(ref[i]-'A'+1)
	}
	if i == 0 || col > 16384 {
		return 0, false
	}
	for ; i < len(ref); i++ {
		if ref[i] < '0' || ref[i] > '9' {
			return 0, false
		}
	}
	return col, true
}

func (x *sheetReader) beginRow(num int) error {
	if !x.b.sawHeader && num > 1 {
		return x.headerMissing()
	}
	x.rowNum, x.prevRow, x.prevCol, x.nonBlank = num, num, 0, false
	x.hasField = [nFields]bool{}
	return nil
}

// endCell keeps what the row needs of the cell: every cell of the header,
// the cells of the roster's columns after it.
func (x *sheetReader) endCell() error {
	c := &x.cur
	x.inCell, x.inV, x.inIs, x.inT, x.phonetic = false, false, 0, 0, 0
	if c.col >= MaxColumns {
		if c.hasValue || c.hasFormula {
			return coverage.Errorf(coverage.EINVALID, "cell %s%d is beyond column %s: a roster uses at most %d columns; delete what is right of the data",
				columnLetter(c.col), x.rowNum, columnLetter(MaxColumns-1), MaxColumns)
		}
		return nil
	}
	if !c.hasValue {
		return nil
	}
	text, cut, err := x.display(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(text)) > 0 {
		x.nonBlank = true
	}
	if x.rowNum == 1 {
		for len(x.header) <= c.col {
			x.header = append(x.header, "")
		}
		x.header[c.col] = string(text)
		return nil
	}
	if f, ok := x.fieldOf[c.col]; ok {
		x.fields[f] = cell{col: c.col, typ: c.typ, style: c.style, value: append(x.fields[f].value[:0], text...), cut: cut, hasValue: true}
		x.hasField[f] = true
	}
	return nil
}

// display returns the text a cell shows: shared and inline strings, formula
// results, booleans as TRUE and FALSE, numbers as written (see number).
func (x *sheetReader) display(c *cell) ([]byte, bool, error) {
	switch c.typ {
	case "s":
		i, err := strconv.Atoi(string(bytes.TrimSpace(c.value)))
		text, cut, ok := x.shared.get(i)
		if err != nil || !ok {
			return nil, false, invalidXLSX("cell %s%d refers to a shared string that does not exist", columnLetter(c.col), x.rowNum)
		}
		return text, cut, nil
	case "b":
		if string(c.value) == "1" {
			return []byte("TRUE"), false, nil
		}
		return []byte("FALSE"), false, nil
	case "", "n":
		if s, ok := number(c.value); ok {
			return []byte(s), false, nil
		}
	}
	return c.value, c.cut, nil
}

// number renders a stored number as a spreadsheet's General format shows
// it: whole numbers below 10^15 in full, others with 15 significant digits
// (3.67208520685001E+15).
func number(v []byte) (string, bool) {
	f, err := strconv.ParseFloat(string(bytes.TrimSpace(v)), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10), true
	}
	return strconv.FormatFloat(f, 'G', 15, 64), true
}

func (x *sheetReader) endRow() error {
	num := x.rowNum
	x.rowNum = 0
	if num == 1 {
		if !x.nonBlank {
			return x.headerMissing()
		}
		if err := x.b.header(x.header); err != nil {
			return err
		}
		x.fieldOf = make(map[int]int, nFields)
		for f, col := range x.b.cols {
			x.fieldOf[col] = f
		}
		x.header = nil
		return nil
	}
	if !x.nonBlank {
		return nil
	}
	var vals, bad [nFields]string
	for f := range nFields {
		if !x.hasField[f] {
			continue
		}
		vals[f], bad[f] = x.fix(f, &x.fields[f])
	}
	return x.b.record(num, vals, bad)
}

// fix returns the text of a roster field's cell, looking at how the cell is
// stored where the displayed text is not enough, or the reason it is
// rejected: a NIK stored as a number, a date stored as a number or as a
// date, a value too long to be read.
func (x *sheetReader) fix(field int, c *cell) (string, string) {
	text := string(c.value)
	if c.cut {
		return coverage.Clip(text), fieldNames[field] + " is longer than " + strconv.Itoa(fieldMaxChars[field]) + " characters"
	}
	numeric := (c.typ == "" || c.typ == "n") && strings.TrimSpace(text) != ""
	switch {
	case field == fNIK && numeric:
		return text, "nik is stored as a number, which keeps only 15 significant digits, so the NIK may have lost digits: " +
			"format the nik column as Text (or type an apostrophe before each NIK, '3672…) and type the NIKs again"
	case field != fFrom && field != fUntil:
		return text, ""
	case c.typ == "d":
		// An ISO 8601 date and time written by the application.
		if len(text) >= 10 {
			return text[:10], ""
		}
	case numeric && c.style >= 0 && c.style < len(x.dateStyles) && x.dateStyles[c.style]:
		serial, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return text, ""
		}
		d, ok := excelDate(serial, x.date1904)
		if !ok {
			return text, fieldNames[field] + " " + strconv.Quote(coverage.Clip(text)) + " is not a valid date"
		}
		return string(d), ""
	}
	return text, ""
}

// excelDate converts a spreadsheet date serial (days since the epoch of the
// workbook's date system; a fraction is the time of day) to its date.
func excelDate(serial float64, date1904 bool) (coverage.Date, bool) {
	if math.IsNaN(serial) || serial < 0 || serial >= 2_958_466 { // 9999-12-31 is the last date
		return "", false
	}
	days := int(math.Floor(serial))
	var t time.Time
	switch {
	case date1904:
		t = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	case days == 0 || days == 60: // 1900-01-00 and 1900-02-29 do not exist
		return "", false
	case days < 60:
		t = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	default: // Excel counts 1900 as a leap year
		t = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	}
	return coverage.DateOf(t), true
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
