package coverage_test

import (
	"strings"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
)

func TestParseNIK(t *testing.T) {
	tests := []struct {
		name, nik string
		birth     coverage.Date
		gender    coverage.Gender
		kec       string
		reason    string
	}{
		{"man", "3672011205900003", "1990-05-12", coverage.GenderMale, "367201", ""},
		{"woman: day plus 40", "3672085206850012", "1985-06-12", coverage.GenderFemale, "367208", ""},
		{"born 2005", "3604014101050001", "2005-01-01", coverage.GenderFemale, "360401", ""},
		{"day 35", "3672013505900001", "", "", "", "birth date"},
		{"month 13", "3672011213900001", "", "", "", "birth date"},
		{"29 February of a non-leap year", "3672012902890001", "", "", "", "birth date"},
		{"serial 0000", "3672011205900000", "", "", "", "serial"},
		{"province 00", "0072011205900001", "", "", "", "province"},
		{"15 digits", "367201120590001", "", "", "", "16 digits"},
		{"letters", "36720112059000A1", "", "", "", "digits only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := coverage.ParseNIK(tc.nik)
			if tc.reason != "" {
				if err == nil || !strings.Contains(err.Error(), tc.reason) {
					t.Fatalf("got %v, want an error mentioning %q", err, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.BirthDate != tc.birth || n.Gender != tc.gender || n.KecamatanCode != tc.kec {
				t.Errorf("got %s %s %s, want %s %s %s", n.BirthDate, n.Gender, n.KecamatanCode, tc.birth, tc.gender, tc.kec)
			}
			if got := coverage.FormatNIK(n.KecamatanCode, n.BirthDate, n.Gender, n.Serial); got != tc.nik {
				t.Errorf("FormatNIK: got %s, want %s", got, tc.nik)
			}
		})
	}
	if got := coverage.MaskNIK("3672011205900003"); got != "367201********03" {
		t.Errorf("MaskNIK: got %s", got)
	}
}

func TestCilegonAreas(t *testing.T) {
	a := coverage.Cilegon()
	if got := len(a.Kecamatan()); got != 8 {
		t.Errorf("kecamatan: got %d, want 8", got)
	}
	if got := len(a.Kelurahan()); got != 43 {
		t.Errorf("kelurahan: got %d, want 43", got)
	}
	for code, name := range map[string]string{
		"3672011001": "Cibeber", "3672011006": "Kalitimbang", "3672031004": "Suralaya",
		"3672081007": "Citangkil", "367205": "Jombang", "3672": "Kota Cilegon",
	} {
		if ar, ok := a.Lookup(code); !ok || ar.Name != name {
			t.Errorf("Lookup(%s): got %+v, want %s", code, ar, name)
		}
	}
	if err := a.CheckKelurahan("3672019999"); err == nil {
		t.Error("3672019999 accepted as a kelurahan")
	}
	if err := a.CheckKelurahan("367201"); err == nil {
		t.Error("a kecamatan accepted as a kelurahan")
	}
}

func TestBPUTariffs(t *testing.T) {
	tests := []struct {
		name     string
		programs []coverage.Program
		income   int64
		want     int64
	}{
		{"JKK+JKM at the floor", []coverage.Program{"JKK", "JKM"}, 1_000_000, 16_800},
		{"JKK+JKM+JHT at the floor", []coverage.Program{"JKK", "JKM", "JHT"}, 1_000_000, 36_800},
		{"below the floor", []coverage.Program{"JKK", "JKM"}, 500_000, 16_800},
		{"income 3 million", []coverage.Program{"JKK", "JKM", "JHT"}, 3_000_000, 30_000 + 6_800 + 60_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := coverage.BPUTariffs.Due(tc.programs, tc.income, "2024-01")
			if err != nil || got != tc.want {
				t.Errorf("got %d, %v, want %d", got, err, tc.want)
			}
		})
	}
	if _, err := coverage.BPUTariffs.Due([]coverage.Program{"JKK"}, 1_000_000, "2020-01"); err == nil {
		t.Error("a month before the regulation got a tariff")
	}
}

func TestPeriods(t *testing.T) {
	p := coverage.Period("2024-01")
	if got := p.AddMonths(-1); got != "2023-12" {
		t.Errorf("AddMonths(-1): got %s", got)
	}
	if got := coverage.Period("2024-02").Last(); got != "2024-02-29" {
		t.Errorf("Last: got %s", got)
	}
	if got := coverage.MonthsBetween("2023-11", "2024-02"); got != 3 {
		t.Errorf("MonthsBetween: got %d", got)
	}
	for _, bad := range []string{"2024-13", "2024-1", "24-01", ""} {
		if _, err := coverage.ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
	if _, err := coverage.ParseDate("2023-02-29"); err == nil {
		t.Error("ParseDate accepted 2023-02-29")
	}
}
