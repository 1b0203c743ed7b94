package coverage

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Length limits of the text fields of the feed records (participants,
// contributions, claims, roster, workforce), checked by their Validate
// methods for every record from every source: feed pages, roster
// spreadsheets, the API. Real data stays far below them: the longest name in
// the city's rosters has under 60 characters, codes and numbers under 20. A
// record past a limit is rejected (quarantined, or reported as a row error)
// like any invalid record; the messages quote at most MaxQuotedRunes of the
// value.
const (
	// MaxNameRunes bounds a person's name (participant, roster entry).
	MaxNameRunes = 200
	// MaxAgencyRunes bounds a roster entry's agency.
	MaxAgencyRunes = 200
	// MaxOccupationRunes bounds a participant's occupation, free text as
	// registered.
	MaxOccupationRunes = 200
	// MaxSourceRunes bounds a workforce target's source: where the figure
	// comes from, a description or a URL.
	MaxSourceRunes = 500
	// MaxCodeBytes bounds identifiers and codes: a contribution's id, a
	// claim's number, a benefit, a workforce basis.
	MaxCodeBytes = 64
	// MaxPrograms bounds a participant's or contribution's program list
	// (there are five programs).
	MaxPrograms = 10
	// MaxQuotedRunes is how much of a value an error message quotes; a
	// longer value is cut there and marked with "…".
	MaxQuotedRunes = 40
)

// Clip returns s cut to MaxQuotedRunes runes, with "…" appended when it was
// cut: what error messages and row reports show of a value.
func Clip(s string) string {
	return clipRunes(s, MaxQuotedRunes)
}

// clipRunes cuts s to n runes, marking a cut with "…". A string of at most n
// bytes is returned as it is without being scanned.
func clipRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	if i >= len(s) {
		return s
	}
	return s[:i] + "…"
}

// longerThan reports whether s has more than n runes, without counting past
// n+1.
func longerThan(s string, n int) bool {
	if len(s) <= n {
		return false
	}
	count := 0
	for range s {
		if count++; count > n {
			return true
		}
	}
	return false
}

// maxRunes checks a free-text field's length in characters.
func maxRunes(ps *problems, name, v string, n int) {
	ps.check(!longerThan(v, n), name+" is longer than "+strconv.Itoa(n)+" characters")
}

// maxBytes checks a code's length in bytes.
func maxBytes(ps *problems, name, v string, n int) {
	ps.check(len(v) <= n, name+" "+quote(v)+" is longer than "+strconv.Itoa(n)+" characters")
}

// spreadsheetHint explains a code of want digits that a spreadsheet program
// turned into a number: written in scientific notation (3.67201E+15), with a
// decimal part (3672011205900003.0) or digit grouping (3,672,011,205,900,003),
// or, for codes that may begin with 0 (leadingZero), missing its leading
// zeros. It returns "" when s shows none of these.
func spreadsheetHint(s string, want int, leadingZero bool) string {
	const keep = "format the column as Text (or type an apostrophe before the value, '0123…) and type the values again"
	switch {
	case scientific(s):
		return "it was turned into a number by a spreadsheet program, which shows it in scientific notation and keeps at most 15 digits, so its last digits are lost: " + keep
	case decimalZero(s):
		return "it ends in a decimal part: a spreadsheet program stored it as a number, which keeps at most 15 digits: " + keep
	case grouped(s):
		return "it is written with digit grouping: a spreadsheet program formatted it as a number, which keeps at most 15 digits: " + keep
	case leadingZero && len(s) < want && len(s) >= want-3 && allDigits(s):
		return "if it began with 0, a spreadsheet program that took it for a number dropped the leading zeros: " + keep
	}
	return ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// scientific reports whether s is a number in scientific notation as a
// spreadsheet shows it: 3.67201E+15, 3,67201E+15 (a comma as the decimal
// separator, as in Indonesian locales), 4E+15.
func scientific(s string) bool {
	mant, exp, ok := strings.Cut(strings.ToUpper(s), "E")
	if !ok || len(mant) == 0 || len(exp) == 0 || len(exp) > 4 {
		return false
	}
	exp = strings.TrimPrefix(exp, "+")
	whole, frac, _ := strings.Cut(strings.Replace(mant, ",", ".", 1), ".")
	return len(whole) == 1 && allDigits(whole) && (frac == "" || allDigits(frac)) && allDigits(exp)
}

// decimalZero reports whether s is digits followed by a decimal separator
// and zeros: 3672011205900003.0, 3672011001,00.
func decimalZero(s string) bool {
	i := strings.LastIndexAny(s, ".,")
	if i <= 0 || i == len(s)-1 || !allDigits(s[:i]) {
		return false
	}
	return strings.Trim(s[i+1:], "0") == ""
}

// grouped reports whether s is digits in groups of three separated by commas,
// dots or spaces (at least two separators): 3,672,011,205,900,003.
func grouped(s string) bool {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '.' || r == ' ' || r == '\u00a0' })
	if len(parts) < 3 || len(parts[0]) > 3 || !allDigits(parts[0]) {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 || !allDigits(p) {
			return false
		}
	}
	return true
}

// withHint appends a spreadsheet hint to a message.
func withHint(msg, hint string) string {
	if hint == "" {
		return msg
	}
	return msg + ": " + hint
}
