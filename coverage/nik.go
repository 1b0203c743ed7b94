package coverage

import (
	"fmt"
	"strconv"
)

// NIK is what the 16-digit national ID number (Nomor Induk Kependudukan) tells:
// the area where the person was first registered, the birth date and the gender.
// Digits: 2 province, 2 city, 2 kecamatan, 6 birth date DDMMYY (day + 40 for
// women), 4 serial from 0001. There is no check digit. The area is not the
// domicile: that comes from a record's kelurahan code.
type NIK struct {
	Number        string
	ProvinceCode  string // 2 digits, e.g. "36" (Banten)
	CityCode      string // 4 digits, e.g. "3672" (Kota Cilegon)
	KecamatanCode string // 6 digits, e.g. "367201"
	BirthDate     Date
	Gender        Gender
	Serial        int
}

// NIKCenturyPivot decides the century of a NIK's two-digit birth year: years up
// to the pivot are read as 20YY, later ones as 19YY.
const NIKCenturyPivot = 25

// CheckNIKShape reports whether s has the shape of a NIK: exactly 16 ASCII digits.
// Records whose NIK fails this are rejected at the door; a NIK of the right shape
// that does not parse is kept and reported by reconciliation.
func CheckNIKShape(s string) error {
	// The messages never repeat the NIK (personal data); they explain a NIK
	// that a spreadsheet program turned into a number.
	if len(s) != 16 {
		return Errorf(EINVALID, "%s", withHint(fmt.Sprintf("NIK must have 16 digits, got %d characters", len(s)), spreadsheetHint(s, 16, false)))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return Errorf(EINVALID, "%s", withHint("NIK must be digits only", spreadsheetHint(s, 16, false)))
		}
	}
	return nil
}

// ParseNIK parses and checks a NIK: its shape, a plausible province code, a
// real birth date and a non-zero serial.
func ParseNIK(s string) (NIK, error) {
	n, year, month, day, err := parseNIK(s)
	if err != nil {
		return NIK{}, err
	}
	n.BirthDate = dateOfYMD(year, month, day)
	return n, nil
}

// CheckNIK reports whether ParseNIK accepts s, with the same error, without
// building what it tells (the reconciliation checks every person's NIK).
func CheckNIK(s string) error {
	_, _, _, _, err := parseNIK(s)
	return err
}

// parseNIK is ParseNIK but for the birth date, returned as numbers.
func parseNIK(s string) (n NIK, year, month, day int, err error) {
	if err := CheckNIKShape(s); err != nil {
		return NIK{}, 0, 0, 0, err
	}
	n = NIK{
		Number:        s,
		ProvinceCode:  s[0:2],
		CityCode:      s[0:4],
		KecamatanCode: s[0:6],
		Gender:        GenderMale,
	}
	if p := num2(s[0:2]); p < 11 || p > 99 {
		// The messages never quote the NIK's digits: a finding's detail and
		// nikInfo.reason carry them to callers who see the NIK masked.
		return NIK{}, 0, 0, 0, Errorf(EINVALID, "NIK province code (digits 1-2) does not exist")
	}
	if s[2:4] == "00" || s[4:6] == "00" {
		return NIK{}, 0, 0, 0, Errorf(EINVALID, "NIK area code (digits 1-6) is incomplete")
	}
	day, month = num2(s[6:8]), num2(s[8:10])
	yy := num2(s[10:12])
	if day > 40 {
		day -= 40
		n.Gender = GenderFemale
	}
	year = 1900 + yy
	if yy <= NIKCenturyPivot {
		year = 2000 + yy
	}
	if day < 1 || month < 1 || month > 12 || day > daysIn(year, month) {
		return NIK{}, 0, 0, 0, Errorf(EINVALID, "NIK birth date (digits 7-12) is not a real date")
	}
	n.Serial, _ = strconv.Atoi(s[12:16])
	if n.Serial == 0 {
		return NIK{}, 0, 0, 0, Errorf(EINVALID, "NIK serial (digits 13-16) is zero")
	}
	return n, year, month, day, nil
}

// num2 reads two ASCII digits (CheckNIKShape has checked them).
func num2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// daysIn returns the number of days of a month of the Gregorian calendar.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// dateOfYMD writes a date of years 0 to 9999 as YYYY-MM-DD, as DateOf would.
func dateOfYMD(year, month, day int) Date {
	b := [10]byte{byte('0' + year/1000), byte('0' + year/100%10), byte('0' + year/10%10), byte('0' + year%10), '-',
		byte('0' + month/10), byte('0' + month%10), '-', byte('0' + day/10), byte('0' + day%10)}
	return Date(b[:])
}

// FormatNIK builds a NIK from its parts; it is the inverse of ParseNIK.
func FormatNIK(kecamatanCode string, birth Date, g Gender, serial int) string {
	t := birth.Time()
	day := t.Day()
	if g == GenderFemale {
		day += 40
	}
	return fmt.Sprintf("%s%02d%02d%02d%04d", kecamatanCode, day, int(t.Month()), t.Year()%100, serial)
}

// MaskNIK hides all but the area digits and the last two digits of a NIK, for
// roles that may see records but not personal data: 367201**********01.
// Anything that is not 16 digits is hidden whole (16 bytes with multibyte
// characters would otherwise be cut inside a character).
func MaskNIK(s string) string {
	masked := "****************"
	if len(s) != 16 {
		return masked
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return masked
		}
	}
	return s[:6] + "********" + s[14:]
}
