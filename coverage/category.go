package coverage

import "regexp"

// Category is the code of a worker category on a city roster, e.g. RT_RW or
// ADHOC_KPU. Agencies may introduce new codes; any code of the documented shape is
// accepted and kept.
type Category string

// Known categories, with the names used in the city's reports.
const (
	CategoryRTRW           Category = "RT_RW"           // heads of neighbourhood units (RT/RW)
	CategoryKader          Category = "KADER"           // health cadres
	CategoryAdhocKPU       Category = "ADHOC_KPU"       // election ad-hoc staff of the KPU
	CategoryAdhocBawaslu   Category = "ADHOC_BAWASLU"   // ad-hoc staff of the election supervisor
	CategoryNelayan        Category = "NELAYAN"         // fishermen
	CategoryKebersihanDLH  Category = "KEBERSIHAN_DLH"  // street cleaners of the environment agency
	CategoryLinmas         Category = "LINMAS"          // community guards
	CategoryMarbot         Category = "MARBOT"          // mosque caretakers
	CategoryJuruParkir     Category = "JURU_PARKIR"     // parking attendants
	CategoryOjekPangkalan  Category = "OJEK_PANGKALAN"  // base motorcycle-taxi riders
	CategoryBuruhSerabutan Category = "BURUH_SERABUTAN" // casual labourers
	CategoryUMKM           Category = "UMKM"            // micro-business owners
	CategoryPetani         Category = "PETANI"          // farmers
	CategoryTagana         Category = "TAGANA"          // disaster volunteers
)

// CategoryNames gives the display name of each known category.
var CategoryNames = map[Category]string{
	CategoryRTRW:           "Ketua RT/RW",
	CategoryKader:          "Kader kesehatan",
	CategoryAdhocKPU:       "Badan ad hoc KPU",
	CategoryAdhocBawaslu:   "Badan ad hoc Bawaslu",
	CategoryNelayan:        "Nelayan",
	CategoryKebersihanDLH:  "Petugas kebersihan DLH",
	CategoryLinmas:         "Linmas",
	CategoryMarbot:         "Marbot",
	CategoryJuruParkir:     "Juru parkir",
	CategoryOjekPangkalan:  "Ojek pangkalan",
	CategoryBuruhSerabutan: "Buruh serabutan",
	CategoryUMKM:           "Pelaku UMKM",
	CategoryPetani:         "Petani",
	CategoryTagana:         "Tagana",
}

var categoryPattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,39}$`)

// Validate checks the code's shape: upper-case letters, digits and underscores.
func (c Category) Validate() error {
	if !categoryPattern.MatchString(string(c)) {
		return Errorf(EINVALID, "category %q is not a code of upper-case letters, digits and underscores", Clip(string(c)))
	}
	return nil
}

// Known reports whether c is one of the documented categories.
func (c Category) Known() bool { _, ok := CategoryNames[c]; return ok }

// Name returns the display name, or the code itself for a new category.
func (c Category) Name() string {
	if n, ok := CategoryNames[c]; ok {
		return n
	}
	return string(c)
}
