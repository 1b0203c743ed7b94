// Package rosterfile reads the rosters of city-funded workers that the city's
// agencies send as spreadsheets, and turns them into roster entries checked
// exactly as the roster feed checks its records.
//
// # File format
//
// The format is chosen from the file name's extension, in any case:
//
//   - .csv: text in UTF-8, with or without a byte order mark, lines ending in LF
//     or CRLF, fields separated by commas or by semicolons (as Excel writes them
//     in Indonesian locales). The separator is the one that occurs more often in
//     the header line, outside quotes. Quoting follows RFC 4180.
//   - .xlsx: an Excel workbook; only its first sheet is read, using the values as
//     displayed (a number as a spreadsheet's General format shows it). The
//     sheet's XML is streamed, one row at a time, in constant memory.
//
// Row 1 is a header naming the columns; rows 2 and later hold one worker each.
// Header names are matched without regard to case or surrounding spaces, and a
// space or hyphen counts as an underscore ("Kode Kelurahan" is kode_kelurahan).
// The columns, in any order, are:
//
//	nik             (16 digits)                      required
//	name            or nama                          required
//	category        or kategori (a code, e.g. KADER) required
//	agency          or instansi                      required
//	kelurahan_code  or kode_kelurahan (10 digits)    required
//	funded_from     (a month)                        required
//	funded_until    (a month, may be empty)          required column, optional value
//
// Other columns are ignored. Every value is trimmed. A month is written
// YYYY-MM (2024-01) or as a date YYYY-MM-DD (2024-01-15, its month is taken); in
// an XLSX file a cell holding a date (a number with a date format, as Excel
// stores a typed date) is also accepted. Category codes are taken as written:
// they must have the shape the feed requires (upper-case letters, digits and
// underscores), and a well-formed code that is not yet documented is accepted, as
// in the feed.
//
// A NIK must be text: a leading apostrophe (which spreadsheet users type to
// force text) is removed. In an XLSX file a NIK stored as a number is rejected,
// whatever its digits: spreadsheet programs keep only 15 significant digits of a
// number, so a 16-digit NIK typed as a number has already lost its last digit (or
// shows as 3.67201E+15), and accepting it would record a wrong person. The fix is
// to format the column as Text (or type an apostrophe before each NIK) and type
// the NIKs again. A NIK that went through a spreadsheet as a number and came
// back as text (a CSV saved from Excel: 3.67201E+15, 3672011205900003.0,
// 3,672,011,205,900,003) is rejected with the same explanation.
//
// Rows whose cells are all empty are skipped. Each other row becomes an entry or
// one or more [RowError]s. A row repeating the NIK and category of an earlier
// valid row is reported as a duplicate and the earlier row is kept, so importing
// the same file twice gives the same entries.
//
// A file may hold at most [MaxRows] data rows; a larger one is refused as a
// whole. At most [MaxErrors] row errors are listed, and [Result.ErrorCount]
// counts them all. A row error quotes at most coverage.MaxQuotedRunes
// characters of its value, and the fields' lengths are capped by the roster
// feed's validation (a name has at most coverage.MaxNameRunes characters).
//
// An XLSX file is refused as a whole, before the part at fault is read or as
// soon as a limit is passed, when it is larger than [MaxXLSXBytes] zipped,
// when its sheet unzips to more than [MaxSheetXMLBytes] (its shared strings to
// more than [MaxSharedStringsXMLBytes]), when it has more than [MaxCells]
// cells or rows past row [MaxSheetRows] or out of order, or when a cell
// beyond column [MaxColumns] holds a value or a formula. Only [MaxCellBytes]
// of a cell's text is read: a longer value is rejected as too long. Blank
// rows (cells showing nothing, such as formulas with an empty result) are
// skipped, but count toward these limits.
package rosterfile

import (
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// MaxRows is the largest number of data rows (non-empty rows after the header)
// a roster file may hold.
const MaxRows = 200_000

// MaxErrors is the largest number of row errors listed in a [Result].
const MaxErrors = 10_000

// Result is what a roster file holds.
type Result struct {
	// Entries are the valid rows in file order, with UpdatedAt set to the import
	// time.
	Entries []coverage.RosterEntry
	// Errors are the problems of the rejected rows in row order, at most
	// MaxErrors of them.
	Errors []RowError
	// ErrorCount is the number of row errors, including those left out of
	// Errors.
	ErrorCount int
	// Rows is the number of data rows read: non-empty rows after the header.
	Rows int
}

// RowError is one problem of one row of a roster file. A row with several
// problems has several RowErrors.
type RowError struct {
	// Row is the spreadsheet row number, 1-based; the header is row 1. In a CSV
	// file it is the line the record starts on.
	Row int
	// Column is the name of the column at fault, as listed in the package
	// documentation (nik, name, ...), or "" when the problem is the whole row.
	Column string
	// Value is the offending value as read, trimmed, cut to
	// coverage.MaxQuotedRunes characters ("…" marks a cut).
	Value string
	// Reason says what is wrong, naming the field.
	Reason string
}

// field indexes, in the order of the package documentation.
const (
	fNIK = iota
	fName
	fCategory
	fAgency
	fKelurahan
	fFrom
	fUntil
	nFields
)

// fieldNames are the canonical column names.
var fieldNames = [nFields]string{"nik", "name", "category", "agency", "kelurahan_code", "funded_from", "funded_until"}

// aliases maps each accepted header name to its field.
var aliases = map[string]int{
	"nik":            fNIK,
	"name":           fName,
	"nama":           fName,
	"category":       fCategory,
	"kategori":       fCategory,
	"agency":         fAgency,
	"instansi":       fAgency,
	"kelurahan_code": fKelurahan,
	"kode_kelurahan": fKelurahan,
	"funded_from":    fFrom,
	"funded_until":   fUntil,
}

// Read reads a roster file named name (only its extension is used, .csv or
// .xlsx) from r. Rows that fail are reported in the result's Errors; an error is
// returned only when the file as a whole cannot be used: an unknown extension, a
// file that is not CSV or XLSX, a missing or ambiguous header, more than MaxRows
// data rows. Such errors are *coverage.Error with code EINVALID.
func Read(r io.Reader, name string, areas *coverage.Areas, importedAt time.Time) (*Result, error) {
	if areas == nil {
		return nil, coverage.Errorf(coverage.EINTERNAL, "rosterfile: no areas")
	}
	if importedAt.IsZero() {
		return nil, coverage.Errorf(coverage.EINTERNAL, "rosterfile: no import time")
	}
	b := newBuilder(areas, importedAt)
	if err := b.read(r, name); err != nil {
		return nil, err
	}
	return &b.res, nil
}

// read reads the file into b.
func (b *builder) read(r io.Reader, name string) error {
	var err error
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".csv":
		err = readCSV(r, b)
	case ".xlsx":
		err = readXLSX(r, b)
	default:
		if ext == "" {
			return coverage.Errorf(coverage.EINVALID, "file %q has no extension: a roster must be a .csv or .xlsx file", filepath.Base(name))
		}
		return coverage.Errorf(coverage.EINVALID, "file %q is a %s file: a roster must be a .csv or .xlsx file", filepath.Base(name), ext)
	}
	if err != nil {
		return err
	}
	if !b.sawHeader {
		return coverage.Errorf(coverage.EINVALID, "the file is empty: row 1 must be a header naming the columns %s", b.columnList())
	}
	return nil
}

// columnList names the columns the header must have.
func (b *builder) columnList() string {
	if b.people != nil {
		return fieldNames[fNIK] + ", " + fieldNames[fKelurahan]
	}
	return strings.Join(fieldNames[:], ", ")
}

// builder turns header and rows into a Result.
type builder struct {
	areas      *coverage.Areas
	importedAt time.Time
	sawHeader  bool
	cols       [nFields]int // column index of each field
	seen       map[string]int
	res        Result
	probe      coverage.RosterEntry // a valid entry to check one field at a time
	people     *peopleBuilder       // ReadPeople: only nik and kelurahan_code are read
}

func newBuilder(areas *coverage.Areas, importedAt time.Time) *builder {
	kel := "0000000000"
	if ks := areas.Kelurahan(); len(ks) > 0 {
		kel = ks[0].Code
	}
	return &builder{
		areas:      areas,
		importedAt: importedAt,
		seen:       make(map[string]int),
		probe: coverage.RosterEntry{
			NIK: "0000000000000001", Name: "-", Category: coverage.CategoryKader, Agency: "-",
			KelurahanCode: kel, FundedFrom: "0001-01", UpdatedAt: importedAt,
		},
	}
}

// normalizeHeader makes a header cell comparable to the names of aliases.
func normalizeHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
}

// header maps the header row's columns to fields.
func (b *builder) header(cells []string) error {
	b.sawHeader = true
	for i := range b.cols {
		b.cols[i] = -1
	}
	for col, c := range cells {
		f, ok := aliases[normalizeHeader(c)]
		if !ok {
			continue
		}
		if prev := b.cols[f]; prev >= 0 {
			return coverage.Errorf(coverage.EINVALID, "the header names column %s twice (%q in column %s and %q in column %s)",
				fieldNames[f], strings.TrimSpace(cells[prev]), columnLetter(prev), strings.TrimSpace(c), columnLetter(col))
		}
		b.cols[f] = col
	}
	var missing []string
	for f, col := range b.cols {
		if col < 0 && (b.people == nil || f == fNIK || f == fKelurahan) {
			missing = append(missing, fieldNames[f])
		}
	}
	if len(missing) == 1 {
		return coverage.Errorf(coverage.EINVALID, "the header (row 1) has no column %s", missing[0])
	}
	if len(missing) > 1 {
		return coverage.Errorf(coverage.EINVALID, "the header (row 1) has no columns %s", strings.Join(missing, ", "))
	}
	return nil
}

// columnLetter returns the spreadsheet letter of a 0-based column index.
func columnLetter(col int) string {
	s := ""
	for col++; col > 0; col = (col - 1) / 26 {
		s = string(rune('A'+(col-1)%26)) + s
	}
	return s
}

// blank reports whether every cell of a row is empty.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (b *builder) addError(e RowError) {
	b.res.ErrorCount++
	if len(b.res.Errors) < MaxErrors {
		b.res.Errors = append(b.res.Errors, e)
	}
}

// row reads one data row of cells, numbered num; a blank row is skipped.
func (b *builder) row(num int, cells []string) error {
	if blank(cells) {
		return nil
	}
	var vals [nFields]string
	for f, col := range b.cols {
		if col >= 0 && col < len(cells) {
			vals[f] = cells[col]
		}
	}
	return b.record(num, vals, [nFields]string{})
}

// record reads the fields of one non-blank data row, numbered num: vals
// are the texts of its cells, bad the reasons the file's reader already
// rejected a cell for.
func (b *builder) record(num int, vals, bad [nFields]string) error {
	b.res.Rows++
	if b.res.Rows > MaxRows {
		return coverage.Errorf(coverage.EINVALID, "the file has more than %d data rows; split it into smaller files", MaxRows)
	}
	for f := range vals {
		vals[f] = strings.TrimSpace(vals[f])
	}
	for _, f := range []int{fNIK, fKelurahan} {
		vals[f] = strings.TrimSpace(strings.TrimPrefix(vals[f], "'"))
	}
	if b.people != nil {
		b.person(num, vals, bad)
		return nil
	}
	e := coverage.RosterEntry{
		NIK:           vals[fNIK],
		Name:          vals[fName],
		Category:      coverage.Category(vals[fCategory]),
		Agency:        vals[fAgency],
		KelurahanCode: vals[fKelurahan],
		UpdatedAt:     b.importedAt,
	}
	var periods [nFields]coverage.Period
	for _, f := range []int{fFrom, fUntil} {
		if bad[f] != "" {
			continue
		}
		p, err := parseMonth(vals[f])
		if err != "" {
			bad[f] = fieldNames[f] + " " + err
			continue
		}
		periods[f] = p
	}
	e.FundedFrom, e.FundedUntil = periods[fFrom], periods[fUntil]
	rejected := false
	for _, r := range bad {
		rejected = rejected || r != ""
	}
	if !rejected && e.Validate(b.areas) == nil {
		key := e.Key()
		if first, ok := b.seen[key]; ok {
			b.addError(RowError{Row: num, Value: key,
				Reason: "duplicate of row " + strconv.Itoa(first) + ": same nik and category; the first row is kept"})
			return nil
		}
		b.seen[key] = num
		b.res.Entries = append(b.res.Entries, e)
		return nil
	}
	// Say which fields are wrong: check each one on an otherwise valid entry,
	// with the same validation as the whole entry.
	found := false
	for f := range nFields {
		reason := bad[f]
		if reason == "" {
			reason = b.check(f, e, bad)
		}
		if reason != "" {
			found = true
			b.addError(RowError{Row: num, Column: fieldNames[f], Value: coverage.Clip(vals[f]), Reason: reason})
		}
	}
	if !found { // a rule across fields that the checks above missed
		b.addError(RowError{Row: num, Reason: coverage.ErrorMessage(e.Validate(b.areas))})
	}
	return nil
}

// check validates field f of e alone, on the probe entry, and returns the
// problem, naming the field, or "".
func (b *builder) check(f int, e coverage.RosterEntry, bad [nFields]string) string {
	p := b.probe
	switch f {
	case fNIK:
		p.NIK = e.NIK
	case fName:
		p.Name = e.Name
	case fCategory:
		p.Category = e.Category
	case fAgency:
		p.Agency = e.Agency
	case fKelurahan:
		p.KelurahanCode = e.KelurahanCode
	case fFrom:
		p.FundedFrom = e.FundedFrom
	case fUntil:
		if bad[fFrom] == "" && e.FundedFrom != "" {
			p.FundedFrom = e.FundedFrom
		}
		p.FundedUntil = e.FundedUntil
	}
	err := p.Validate(b.areas)
	if err == nil {
		return ""
	}
	msg := coverage.ErrorMessage(err)
	name := fieldNames[f]
	low := strings.ToLower(msg)
	if !strings.Contains(low, name) && !strings.Contains(low, strings.ReplaceAll(name, "_", " ")) {
		msg = name + ": " + msg
	}
	return msg
}

// parseMonth reads a month written YYYY-MM, or a date YYYY-MM-DD (optionally
// followed by a time) whose month is taken. "" is no month. It returns the
// reason the text is not a month, without the field name.
func parseMonth(s string) (coverage.Period, string) {
	if s == "" {
		return "", ""
	}
	if p, err := coverage.ParsePeriod(s); err == nil {
		return p, ""
	}
	if len(s) >= 10 && (len(s) == 10 || s[10] == ' ' || s[10] == 'T') {
		if d, err := coverage.ParseDate(s[:10]); err == nil {
			return d.Period(), ""
		}
	}
	return "", strconv.Quote(coverage.Clip(s)) + " is not a month (YYYY-MM) or a date (YYYY-MM-DD)"
}
