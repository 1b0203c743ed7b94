package coverage_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Every rule of the records' Validate methods, one case at a time: a valid
// record passes, and a copy broken in one field fails with EINVALID and
// exactly one problem, which names that field and says what is wrong.

var updatedAt = time.Date(2024, 8, 1, 7, 0, 0, 0, time.UTC)

func goodParticipant() coverage.Participant {
	return coverage.Participant{KPJ: "24100000123", NIK: "3672011205900003", Name: "Ahmad Fauzi", BirthDate: "1990-05-12",
		Gender: coverage.GenderMale, Segment: coverage.SegmentBPU, Occupation: "NELAYAN", Programs: []coverage.Program{"JKK", "JKM"},
		PayerType: coverage.PayerAPBD, Status: coverage.StatusActive, RegisteredAt: "2024-01-03", CoverageStart: "2024-01-03",
		KelurahanCode: "3672011001", DeclaredIncome: 1_000_000, UpdatedAt: updatedAt}
}

func goodContribution() coverage.Contribution {
	return coverage.Contribution{ID: "C24100000123-2024-01", KPJ: "24100000123", NIK: "3672011205900003", Period: "2024-01",
		Programs: []coverage.Program{"JKK", "JKM"}, AmountDue: 16_800, AmountPaid: 16_800, PaidAt: "2024-01-10",
		PayerType: coverage.PayerAPBD, UpdatedAt: updatedAt}
}

func goodClaim() coverage.Claim {
	return coverage.Claim{ClaimNo: "K2024000123", KPJ: "24100000123", NIK: "3672011205900003", Program: coverage.ProgramJKK,
		Benefit: coverage.BenefitMedical, IncidentDate: "2024-03-01", SubmittedAt: "2024-03-10", Status: coverage.ClaimPaid,
		AmountClaimed: 2_500_000, AmountPaid: 2_400_000, PaidAt: "2024-04-02", UpdatedAt: updatedAt}
}

func goodRosterEntry() coverage.RosterEntry {
	return coverage.RosterEntry{NIK: "3672011205900003", Name: "Ahmad Fauzi", Category: coverage.CategoryNelayan,
		Agency: "Dinas Kelautan dan Perikanan", KelurahanCode: "3672011001", FundedFrom: "2024-01", FundedUntil: "2024-12", UpdatedAt: updatedAt}
}

func goodWorkforceTarget() coverage.WorkforceTarget {
	return coverage.WorkforceTarget{Year: 2024, AreaCode: "3672", Workforce: 176_000, Basis: "UCJ_TARGET",
		Source: "Pemkot Cilegon and BPJS, Dec 2025", UpdatedAt: updatedAt}
}

// rule is one broken field of a record of type T.
type rule[T any] struct {
	name   string
	field  string // the field the message must name ("" when it names the value instead)
	says   string // what the message must say of it
	breaks func(*T)
}

// checkRules validates the good record, then each broken copy.
func checkRules[T any](t *testing.T, good func() T, validate func(*T) error, rules []rule[T]) {
	t.Helper()
	g := good()
	if err := validate(&g); err != nil {
		t.Fatalf("the valid record: %v", err)
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			rec := good()
			r.breaks(&rec)
			err := validate(&rec)
			if err == nil {
				t.Fatalf("accepted, want EINVALID naming %s", r.field)
			}
			msg := coverage.ErrorMessage(err)
			if code := coverage.ErrorCode(err); code != coverage.EINVALID {
				t.Errorf("code %s (%v), want %s", code, err, coverage.EINVALID)
			}
			if strings.Contains(msg, "; ") {
				t.Errorf("message %q lists more than one problem: the record is broken in more than %s", msg, r.field)
			}
			lower := strings.ToLower(msg)
			if r.field != "" && !strings.Contains(lower, r.field) && !strings.Contains(lower, strings.ReplaceAll(r.field, "_", " ")) {
				t.Errorf("message %q does not name the field %s", msg, r.field)
			}
			if !strings.Contains(msg, r.says) {
				t.Errorf("message %q does not say %q", msg, r.says)
			}
		})
	}
}

func TestParticipantValidate(t *testing.T) {
	areas := coverage.Cilegon()
	type P = coverage.Participant
	checkRules(t, goodParticipant, func(p *P) error { return p.Validate(areas) }, []rule[P]{
		{"kpj of 5 digits", "kpj", `"12345" is not 11 digits`, func(p *P) { p.KPJ = "12345" }},
		{"kpj with a letter", "kpj", "is not 11 digits", func(p *P) { p.KPJ = "2410000012A" }},
		{"nik of 15 digits", "nik", "16 digits, got 15", func(p *P) { p.NIK = "367201120590000" }},
		{"nik with a letter", "nik", "digits only", func(p *P) { p.NIK = "36720112059000X3" }},
		{"name missing", "name", "name is missing", func(p *P) { p.Name = "" }},
		{"name blank", "name", "name is missing", func(p *P) { p.Name = "  \t" }},
		{"birth_date missing", "birth_date", "birth_date is missing", func(p *P) { p.BirthDate = "" }},
		// Date problems name the value, not the field (see the report of issue 16).
		{"birth_date not a date", "", `"1990-02-30" is not a valid YYYY-MM-DD date`, func(p *P) { p.BirthDate = "1990-02-30" }},
		{"unknown gender", "gender", `"L" is not M or F`, func(p *P) { p.Gender = "L" }},
		{"gender missing", "gender", `"" is not M or F`, func(p *P) { p.Gender = "" }},
		{"unknown segment", "segment", `"INFORMAL" is unknown`, func(p *P) { p.Segment = "INFORMAL" }},
		{"no programs", "programs", "programs is empty", func(p *P) { p.Programs = nil }},
		{"unknown program", "program", "XYZ is unknown", func(p *P) { p.Programs = []coverage.Program{"JKK", "XYZ"} }},
		{"unknown payer", "payer_type", `"PEMDA" is unknown`, func(p *P) { p.PayerType = "PEMDA" }},
		{"unknown status", "status", `"LAPSED" is unknown`, func(p *P) { p.Status = "LAPSED" }},
		{"status in lower case", "status", `"active" is unknown`, func(p *P) { p.Status = "active" }},
		{"registered_at missing", "registered_at", "registered_at is missing", func(p *P) { p.RegisteredAt = "" }},
		{"registered_at not a date", "", `"2024-13-03" is not a valid`, func(p *P) { p.RegisteredAt = "2024-13-03" }},
		{"coverage_start missing", "coverage_start", "coverage_start is missing", func(p *P) { p.CoverageStart = "" }},
		{"coverage_start not a date", "", `"03-01-2024" is not a valid`, func(p *P) { p.CoverageStart = "03-01-2024" }},
		{"coverage_end not a date", "", `"2024-06-31" is not a valid`, func(p *P) { p.CoverageEnd = "2024-06-31" }},
		{"coverage_end before coverage_start", "coverage_end", "coverage_end is before coverage_start", func(p *P) { p.CoverageEnd = "2024-01-02" }},
		{"kelurahan_code of 6 digits", "kelurahan_code", `"367201" is not 10 digits`, func(p *P) { p.KelurahanCode = "367201" }},
		{"kelurahan_code missing", "kelurahan_code", `"" is not 10 digits`, func(p *P) { p.KelurahanCode = "" }},
		{"kelurahan_code unknown in the city", "kelurahan_code", `"3672019999" is not a kelurahan of Kota Cilegon`, func(p *P) { p.KelurahanCode = "3672019999" }},
		{"negative declared_income", "declared_income", "declared_income must not be negative", func(p *P) { p.DeclaredIncome = -1 }},
		{"updated_at missing", "updated_at", "updated_at is missing", func(p *P) { p.UpdatedAt = time.Time{} }},
	})

	// What the rules let through.
	for name, p := range map[string]func(*P){
		"coverage ending the day it starts": func(p *P) { p.CoverageEnd = p.CoverageStart },
		"a domicile outside the city":       func(p *P) { p.KelurahanCode = "3604011001" },
		"no declared income":                func(p *P) { p.DeclaredIncome = 0 },
		"a NIK that does not parse":         func(p *P) { p.NIK = "3672013505900001" }, // reported by reconciliation, not refused
	} {
		rec := goodParticipant()
		p(&rec)
		if err := rec.Validate(areas); err != nil {
			t.Errorf("%s: %v, want it accepted", name, err)
		}
	}
}

func TestContributionValidate(t *testing.T) {
	type C = coverage.Contribution
	checkRules(t, goodContribution, (*C).Validate, []rule[C]{
		{"id missing", "id", "id is missing", func(c *C) { c.ID = "" }},
		{"kpj of 12 digits", "kpj", `"241000001234" is not 11 digits`, func(c *C) { c.KPJ = "241000001234" }},
		{"nik missing", "nik", "16 digits, got 0", func(c *C) { c.NIK = "" }},
		{"period missing", "period", "period is missing", func(c *C) { c.Period = "" }},
		{"period not a month", "period", `"2024-13" is not a valid YYYY-MM month`, func(c *C) { c.Period = "2024-13" }},
		{"no programs", "programs", "programs is empty", func(c *C) { c.Programs = []coverage.Program{} }},
		{"unknown program", "program", "JKN is unknown", func(c *C) { c.Programs = []coverage.Program{"JKN"} }},
		{"negative amount_due", "amount_due", "amount_due must not be negative", func(c *C) { c.AmountDue = -16_800 }},
		{"negative amount_paid", "amount_paid", "amount_paid must not be negative", func(c *C) { c.AmountPaid = -1 }},
		{"paid_at not a date", "", `"2024-01-32" is not a valid`, func(c *C) { c.PaidAt = "2024-01-32" }},
		{"paid without paid_at", "paid_at", "paid_at is missing for a paid contribution", func(c *C) { c.PaidAt = "" }},
		{"unknown payer", "payer_type", `"CITY" is unknown`, func(c *C) { c.PayerType = "CITY" }},
		{"updated_at missing", "updated_at", "updated_at is missing", func(c *C) { c.UpdatedAt = time.Time{} }},
	})
	unpaid := goodContribution()
	unpaid.AmountPaid, unpaid.PaidAt = 0, ""
	if err := unpaid.Validate(); err != nil {
		t.Errorf("an unpaid contribution without paid_at: %v, want it accepted", err)
	}
}

func TestClaimValidate(t *testing.T) {
	type K = coverage.Claim
	checkRules(t, goodClaim, (*K).Validate, []rule[K]{
		{"claim_no missing", "claim_no", "claim_no is missing", func(c *K) { c.ClaimNo = " " }},
		{"kpj missing", "kpj", `"" is not 11 digits`, func(c *K) { c.KPJ = "" }},
		{"nik of 17 digits", "nik", "16 digits, got 17", func(c *K) { c.NIK = "36720112059000031" }},
		{"unknown program", "program", `"JKN" is unknown`, func(c *K) { c.Program = "JKN" }},
		{"benefit missing", "benefit", "benefit is missing", func(c *K) { c.Benefit = "" }},
		{"incident_date missing", "incident_date", "incident_date is missing", func(c *K) { c.IncidentDate = "" }},
		{"incident_date not a date", "", `"2024-02-30" is not a valid`, func(c *K) { c.IncidentDate = "2024-02-30" }},
		{"submitted_at missing", "submitted_at", "submitted_at is missing", func(c *K) { c.SubmittedAt = "" }},
		{"submitted_at not a date", "", `"2024/03/10" is not a valid`, func(c *K) { c.SubmittedAt = "2024/03/10" }},
		{"unknown status", "status", `"APPROVED" is unknown`, func(c *K) { c.Status, c.AmountPaid, c.PaidAt = "APPROVED", 0, "" }},
		{"negative amount_claimed", "amount_claimed", "amount_claimed must not be negative", func(c *K) { c.AmountClaimed = -5 }},
		{"negative amount_paid", "amount_paid", "amount_paid must not be negative", func(c *K) { c.AmountPaid = -5 }},
		{"paid_at not a date", "", `"2024-04-31" is not a valid`, func(c *K) { c.PaidAt = "2024-04-31" }},
		{"amount paid on a SUBMITTED claim", "amount_paid", "amount_paid is set on a claim that is not PAID", func(c *K) { c.Status, c.PaidAt = coverage.ClaimSubmitted, "" }},
		{"amount paid on a VERIFIED claim", "amount_paid", "amount_paid is set on a claim that is not PAID", func(c *K) { c.Status, c.PaidAt = coverage.ClaimVerified, "" }},
		{"amount paid on a REJECTED claim", "amount_paid", "amount_paid is set on a claim that is not PAID", func(c *K) { c.Status, c.PaidAt = coverage.ClaimRejected, "" }},
		{"updated_at missing", "updated_at", "updated_at is missing", func(c *K) { c.UpdatedAt = time.Time{} }},
	})
	pending := goodClaim()
	pending.Status, pending.AmountPaid, pending.PaidAt = coverage.ClaimSubmitted, 0, ""
	if err := pending.Validate(); err != nil {
		t.Errorf("a pending claim with nothing paid: %v, want it accepted", err)
	}
}

// TestPaidClaimWithoutPaidAt: a PAID claim must say when it was paid (the
// claims paid of a month are counted by paid_at), or it would drop out of
// the monthly figures unseen.
func TestPaidClaimWithoutPaidAt(t *testing.T) {
	c := goodClaim()
	c.PaidAt = ""
	err := c.Validate()
	if err == nil {
		t.Fatal("Claim.Validate accepts a PAID claim without paid_at")
	}
	if msg := coverage.ErrorMessage(err); coverage.ErrorCode(err) != coverage.EINVALID || !strings.Contains(msg, "paid_at") || strings.Contains(msg, "; ") {
		t.Errorf("got %v, want one EINVALID problem naming paid_at", err)
	}
}

func TestRosterEntryValidate(t *testing.T) {
	areas := coverage.Cilegon()
	type R = coverage.RosterEntry
	checkRules(t, goodRosterEntry, func(r *R) error { return r.Validate(areas) }, []rule[R]{
		{"nik missing", "nik", "16 digits, got 0", func(r *R) { r.NIK = "" }},
		{"name missing", "name", "name is missing", func(r *R) { r.Name = "" }},
		{"category in lower case", "category", `"nelayan" is not a code`, func(r *R) { r.Category = "nelayan" }},
		{"category missing", "category", `"" is not a code`, func(r *R) { r.Category = "" }},
		{"agency missing", "agency", "agency is missing", func(r *R) { r.Agency = "" }},
		{"kelurahan_code with a letter", "kelurahan_code", `"367201100A" is not 10 digits`, func(r *R) { r.KelurahanCode = "367201100A" }},
		{"kelurahan_code unknown in the city", "kelurahan_code", "is not a kelurahan of Kota Cilegon", func(r *R) { r.KelurahanCode = "3672091001" }},
		{"funded_from missing", "funded_from", "funded_from is missing", func(r *R) { r.FundedFrom = "" }},
		{"funded_from not a month", "", `"2024-1" is not a valid YYYY-MM month`, func(r *R) { r.FundedFrom = "2024-1" }},
		{"funded_until not a month", "", `"2024-13" is not a valid YYYY-MM month`, func(r *R) { r.FundedUntil = "2024-13" }},
		{"funded_until before funded_from", "funded_until", "funded_until is before funded_from", func(r *R) { r.FundedUntil = "2023-12" }},
		{"updated_at missing", "updated_at", "updated_at is missing", func(r *R) { r.UpdatedAt = time.Time{} }},
	})
	for name, r := range map[string]func(*R){
		"funded one month":        func(r *R) { r.FundedUntil = r.FundedFrom },
		"funded with no end":      func(r *R) { r.FundedUntil = "" },
		"a new category code":     func(r *R) { r.Category = "PEMANDI_JENAZAH" },
		"living outside the city": func(r *R) { r.KelurahanCode = "3604011001" },
	} {
		rec := goodRosterEntry()
		r(&rec)
		if err := rec.Validate(areas); err != nil {
			t.Errorf("%s: %v, want it accepted", name, err)
		}
	}
}

func TestWorkforceTargetValidate(t *testing.T) {
	areas := coverage.Cilegon()
	type W = coverage.WorkforceTarget
	checkRules(t, goodWorkforceTarget, func(w *W) error { return w.Validate(areas) }, []rule[W]{
		{"year before 1990", "year", "year 1989 is out of range", func(w *W) { w.Year = 1989 }},
		{"year after 2100", "year", "year 2101 is out of range", func(w *W) { w.Year = 2101 }},
		{"area of another city", "area", `"3604" is not an area of Kota Cilegon`, func(w *W) { w.AreaCode = "3604" }},
		{"area missing", "area", `"" is not an area of Kota Cilegon`, func(w *W) { w.AreaCode = "" }},
		{"workforce zero", "workforce", "workforce must be positive", func(w *W) { w.Workforce = 0 }},
		{"workforce negative", "workforce", "workforce must be positive", func(w *W) { w.Workforce = -176_000 }},
		{"basis missing", "basis", "basis is missing", func(w *W) { w.Basis = "" }},
		{"source missing", "source", "source is missing", func(w *W) { w.Source = "" }},
		{"updated_at missing", "updated_at", "updated_at is missing", func(w *W) { w.UpdatedAt = time.Time{} }},
	})
	for _, area := range []string{"367201", "3672011001", "3672"} {
		w := goodWorkforceTarget()
		w.AreaCode = area
		if err := w.Validate(areas); err != nil {
			t.Errorf("area %s: %v, want it accepted", area, err)
		}
	}
}

// TestAProblemPerField: a record broken in several fields names each one.
func TestAProblemPerField(t *testing.T) {
	p := goodParticipant()
	p.Gender, p.Status, p.CoverageEnd = "X", "GONE", "2023-12-31"
	msg := coverage.ErrorMessage(p.Validate(coverage.Cilegon()))
	for _, want := range []string{`gender "X"`, `status "GONE"`, "coverage_end is before coverage_start"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not say %q", msg, want)
		}
	}
	if n := strings.Count(msg, "; ") + 1; n != 3 {
		t.Errorf("message %q lists %d problems, want 3", msg, n)
	}
}
