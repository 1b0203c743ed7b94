package export

import (
	"strconv"
	"strings"
	"time"
)

// Indonesian words for the API's codes, for the reports' filters and
// columns. A code without a word is shown as itself.

// KindLabels are the discrepancy kinds in words.
var KindLabels = map[string]string{
	"ROSTER_NOT_ENROLLED":     "Di daftar kota, belum terdaftar BPJS",
	"ROSTER_OTHER_PAYER":      "Di daftar kota, iuran dibayar pihak lain",
	"APBD_NOT_ON_ROSTER":      "Dibayar APBD, tidak ada di daftar kota",
	"UNPAID_MONTHS":           "Iuran belum dibayar",
	"INACTIVE_3_MONTHS":       "Nonaktif karena 3 bulan tidak membayar",
	"TARIFF_MISMATCH":         "Iuran tidak sesuai tarif",
	"CLAIM_OUTSIDE_COVERAGE":  "Klaim di luar masa perlindungan",
	"DOUBLE_FUNDED":           "Didanai ganda",
	"INVALID_NIK":             "NIK tidak valid",
	"DOMICILE_OUTSIDE_CITY":   "Berdomisili di luar kota",
	"DECLARED_TOTAL_MISMATCH": "Angka yang dilaporkan berbeda dari hitungan",
	"FUNDED_NOT_PAID":         "Didanai tetapi iuran tidak dibayar",
	"PAID_AFTER_DEATH":        "Iuran dibayar setelah peserta meninggal",
	"CLAIM_ABOVE_BENEFIT":     "Klaim melebihi manfaat",
	"ROSTER_ROW_REJECTED":     "Baris daftar kota ditolak",
	"KPJ_NIK_MISMATCH":        "KPJ tidak sesuai NIK",
}

// StatusLabels are the discrepancy statuses in words.
var StatusLabels = map[string]string{"OPEN": "terbuka", "ACKNOWLEDGED": "ditindaklanjuti", "RESOLVED": "selesai"}

// SeverityLabels are the severities in words.
var SeverityLabels = map[string]string{"HIGH": "tinggi", "MEDIUM": "sedang", "LOW": "rendah"}

// DimensionLabels are the coverage dimensions in words.
var DimensionLabels = map[string]string{
	"KECAMATAN": "kecamatan", "KELURAHAN": "kelurahan", "CATEGORY": "kategori", "PAYER": "pembayar",
	"SEGMENT": "segmen", "GENDER": "jenis kelamin", "AGE_BAND": "kelompok umur",
}

// GranularityLabels are the time buckets in words.
var GranularityLabels = map[string]string{"MONTH": "per bulan", "QUARTER": "per triwulan", "YEAR": "per tahun"}

// PayerLabels are the payers in words.
var PayerLabels = map[string]string{
	"APBD": "APBD (kota)", "APBN": "APBN", "SELF": "mandiri", "EMPLOYER": "pemberi kerja", "CSR": "CSR",
}

// Label returns the word for code in labels, or code.
func Label(labels map[string]string, code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return code
}

// Labels returns the words for codes, comma-separated.
func Labels(labels map[string]string, codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = Label(labels, c)
	}
	return strings.Join(out, ", ")
}

var months = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
	"September", "Oktober", "November", "Desember"}

// MonthName writes a month YYYY-MM in words: "Januari 2026"; anything else
// as it is.
func MonthName(period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return period
	}
	return months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}
