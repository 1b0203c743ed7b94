package coverage

import "slices"

// Segment is a participant segment of BPJS Ketenagakerjaan.
type Segment string

const (
	SegmentPU    Segment = "PU"    // Penerima Upah: wage earner
	SegmentBPU   Segment = "BPU"   // Bukan Penerima Upah: non-wage, informal worker
	SegmentJAKON Segment = "JAKON" // Jasa Konstruksi: construction project worker
	SegmentPMI   Segment = "PMI"   // Pekerja Migran Indonesia: migrant worker
)

// Segments lists every segment.
var Segments = []Segment{SegmentPU, SegmentBPU, SegmentJAKON, SegmentPMI}

// Valid reports whether s is a known segment.
func (s Segment) Valid() bool { return slices.Contains(Segments, s) }

// Program is a BPJS Ketenagakerjaan benefit program.
type Program string

const (
	ProgramJKK Program = "JKK" // Jaminan Kecelakaan Kerja: work accident
	ProgramJKM Program = "JKM" // Jaminan Kematian: death
	ProgramJHT Program = "JHT" // Jaminan Hari Tua: old-age savings
	ProgramJP  Program = "JP"  // Jaminan Pensiun: pension
	ProgramJKP Program = "JKP" // Jaminan Kehilangan Pekerjaan: job loss
)

// Programs lists every program.
var Programs = []Program{ProgramJKK, ProgramJKM, ProgramJHT, ProgramJP, ProgramJKP}

// Valid reports whether p is a known program.
func (p Program) Valid() bool { return slices.Contains(Programs, p) }

// PayerType says who pays a participant's contributions.
type PayerType string

const (
	PayerAPBD     PayerType = "APBD"     // the local government budget (the city)
	PayerAPBN     PayerType = "APBN"     // the national budget
	PayerSelf     PayerType = "SELF"     // the worker
	PayerEmployer PayerType = "EMPLOYER" // the employer
	PayerCSR      PayerType = "CSR"      // a company's social responsibility fund
)

// PayerTypes lists every payer type.
var PayerTypes = []PayerType{PayerAPBD, PayerAPBN, PayerSelf, PayerEmployer, PayerCSR}

// Valid reports whether p is a known payer type.
func (p PayerType) Valid() bool { return slices.Contains(PayerTypes, p) }

// ParticipantStatus is the membership status of a participant.
type ParticipantStatus string

const (
	StatusActive     ParticipantStatus = "ACTIVE"
	StatusInactive   ParticipantStatus = "INACTIVE" // lapsed after 3 unpaid months
	StatusTerminated ParticipantStatus = "TERMINATED"
)

// ParticipantStatuses lists every participant status.
var ParticipantStatuses = []ParticipantStatus{StatusActive, StatusInactive, StatusTerminated}

// Valid reports whether s is a known status.
func (s ParticipantStatus) Valid() bool { return slices.Contains(ParticipantStatuses, s) }

// ClaimStatus is where a benefit claim stands.
type ClaimStatus string

const (
	ClaimSubmitted ClaimStatus = "SUBMITTED"
	ClaimVerified  ClaimStatus = "VERIFIED"
	ClaimPaid      ClaimStatus = "PAID"
	ClaimRejected  ClaimStatus = "REJECTED"
)

// ClaimStatuses lists every claim status.
var ClaimStatuses = []ClaimStatus{ClaimSubmitted, ClaimVerified, ClaimPaid, ClaimRejected}

// Valid reports whether s is a known claim status.
func (s ClaimStatus) Valid() bool { return slices.Contains(ClaimStatuses, s) }

// Gender as encoded in the NIK and the participant feed.
type Gender string

const (
	GenderMale   Gender = "M"
	GenderFemale Gender = "F"
)

// Genders lists every gender code.
var Genders = []Gender{GenderMale, GenderFemale}

// Valid reports whether g is M or F.
func (g Gender) Valid() bool { return g == GenderMale || g == GenderFemale }

// Benefit is the kind of benefit a claim asks for. Benefit types are data: the
// feed may send codes beyond these, which are kept as they are.
type Benefit string

const (
	BenefitDeath       Benefit = "DEATH"
	BenefitFuneral     Benefit = "FUNERAL"
	BenefitPeriodic    Benefit = "PERIODIC"
	BenefitScholarship Benefit = "SCHOLARSHIP"
	BenefitMedical     Benefit = "MEDICAL"
	BenefitDisability  Benefit = "DISABILITY"
	BenefitLumpSum     Benefit = "LUMP_SUM"
)
