package coverage_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Length limits of every record's text fields, and what the messages quote
// of a value (issue 15, item 5), and what they say of a number a spreadsheet
// made of a NIK (item 12).

var at = time.Date(2024, 9, 1, 7, 0, 0, 0, time.UTC)

func validRecords() (coverage.Participant, coverage.Contribution, coverage.Claim, coverage.RosterEntry, coverage.WorkforceTarget) {
	p := coverage.Participant{KPJ: "24100000123", NIK: "3672011205900003", Name: "Ahmad Fauzi", BirthDate: "1990-05-12",
		Gender: coverage.GenderMale, Segment: coverage.SegmentBPU, Occupation: "NELAYAN", Programs: []coverage.Program{"JKK", "JKM"},
		PayerType: coverage.PayerAPBD, Status: coverage.StatusActive, RegisteredAt: "2024-01-03", CoverageStart: "2024-01-03",
		KelurahanCode: "3672011001", DeclaredIncome: 1_000_000, UpdatedAt: at}
	c := coverage.Contribution{ID: "C24100000123202401", KPJ: p.KPJ, NIK: p.NIK, Period: "2024-01", Programs: p.Programs,
		AmountDue: 16_800, AmountPaid: 16_800, PaidAt: "2024-01-15", PayerType: coverage.PayerAPBD, UpdatedAt: at}
	cl := coverage.Claim{ClaimNo: "K2024000123", KPJ: p.KPJ, NIK: p.NIK, Program: coverage.ProgramJKM, Benefit: coverage.BenefitDeath,
		IncidentDate: "2024-03-01", SubmittedAt: "2024-03-10", Status: coverage.ClaimSubmitted, AmountClaimed: 42_000_000, UpdatedAt: at}
	r := coverage.RosterEntry{NIK: p.NIK, Name: p.Name, Category: coverage.CategoryNelayan, Agency: "Dinas Kelautan dan Perikanan",
		KelurahanCode: "3672011001", FundedFrom: "2024-01", UpdatedAt: at}
	w := coverage.WorkforceTarget{Year: 2024, AreaCode: "3672", Workforce: 210_000, Basis: "BPS_EMPLOYED",
		Source: "BPS Kota Cilegon, Sakernas Agustus 2024", UpdatedAt: at}
	return p, c, cl, r, w
}

// megabyte is a 1 MB value, as in the upload.
var megabyte = strings.Repeat("A", 1<<20)

// maxMessage is the longest message a 1 MB value may produce: a few field
// problems, each quoting at most MaxQuotedRunes of it.
const maxMessage = 1000

func TestFieldLengthLimits(t *testing.T) {
	areas := coverage.Cilegon()
	cases := []struct {
		name, field string
		limit       int
		set         func(s string) error
	}{
		{"participant name", "name", coverage.MaxNameRunes, func(s string) error {
			p, _, _, _, _ := validRecords()
			p.Name = s
			return p.Validate(areas)
		}},
		{"participant occupation", "occupation", coverage.MaxOccupationRunes, func(s string) error {
			p, _, _, _, _ := validRecords()
			p.Occupation = s
			return p.Validate(areas)
		}},
		{"contribution id", "id", coverage.MaxCodeBytes, func(s string) error {
			_, c, _, _, _ := validRecords()
			c.ID = s
			return c.Validate()
		}},
		{"claim number", "claim_no", coverage.MaxCodeBytes, func(s string) error {
			_, _, c, _, _ := validRecords()
			c.ClaimNo = s
			return c.Validate()
		}},
		{"claim benefit", "benefit", coverage.MaxCodeBytes, func(s string) error {
			_, _, c, _, _ := validRecords()
			c.Benefit = coverage.Benefit(s)
			return c.Validate()
		}},
		{"roster name", "name", coverage.MaxNameRunes, func(s string) error {
			_, _, _, r, _ := validRecords()
			r.Name = s
			return r.Validate(areas)
		}},
		{"roster agency", "agency", coverage.MaxAgencyRunes, func(s string) error {
			_, _, _, r, _ := validRecords()
			r.Agency = s
			return r.Validate(areas)
		}},
		{"workforce basis", "basis", coverage.MaxCodeBytes, func(s string) error {
			_, _, _, _, w := validRecords()
			w.Basis = s
			return w.Validate(areas)
		}},
		{"workforce source", "source", coverage.MaxSourceRunes, func(s string) error {
			_, _, _, _, w := validRecords()
			w.Source = s
			return w.Validate(areas)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// At the limit: accepted. Names count characters, not bytes.
			atLimit := strings.Repeat("A", tc.limit)
			if tc.limit != coverage.MaxCodeBytes {
				atLimit = strings.Repeat("é", tc.limit)
			}
			if err := tc.set(atLimit); err != nil {
				t.Errorf("%d characters: %v, want accepted", tc.limit, err)
			}
			for _, long := range []string{atLimit + "A", megabyte} {
				err := tc.set(long)
				msg := coverage.ErrorMessage(err)
				if coverage.ErrorCode(err) != coverage.EINVALID || !strings.Contains(msg, tc.field) || !strings.Contains(msg, "longer than") {
					t.Errorf("%d bytes: got %v, want EINVALID naming %s as too long", len(long), err, tc.field)
				}
				if len(msg) > maxMessage {
					t.Errorf("%d bytes: the message has %d bytes", len(long), len(msg))
				}
			}
		})
	}
	t.Run("programs", func(t *testing.T) {
		p, c, _, _, _ := validRecords()
		many := make([]coverage.Program, 1_000_000)
		for i := range many {
			many[i] = coverage.ProgramJKK
		}
		p.Programs, c.Programs = many, many
		for _, err := range []error{p.Validate(areas), c.Validate()} {
			if msg := coverage.ErrorMessage(err); !strings.Contains(msg, "programs lists 1000000 programs, more than 10") || len(msg) > maxMessage {
				t.Errorf("a million programs: %v", err)
			}
		}
	})
}

// TestMessagesQuoteAShortPrefix gives a megabyte to every field whose
// message quotes the value: the message quotes its first MaxQuotedRunes
// characters, marked as cut.
func TestMessagesQuoteAShortPrefix(t *testing.T) {
	areas := coverage.Cilegon()
	p, c, cl, r, w := validRecords()
	p.KPJ, p.Gender, p.Segment, p.PayerType, p.Status, p.KelurahanCode = megabyte, coverage.Gender(megabyte),
		coverage.Segment(megabyte), coverage.PayerType(megabyte), coverage.ParticipantStatus(megabyte), megabyte
	p.BirthDate, p.CoverageEnd, p.Programs = coverage.Date(megabyte), coverage.Date(megabyte), []coverage.Program{coverage.Program(megabyte)}
	c.Period, c.PaidAt, c.KPJ = coverage.Period(megabyte), coverage.Date(megabyte), megabyte
	cl.Program, cl.Status, cl.IncidentDate = coverage.Program(megabyte), coverage.ClaimStatus(megabyte), coverage.Date(megabyte)
	r.Category, r.KelurahanCode, r.FundedFrom, r.FundedUntil = coverage.Category(megabyte), "3672"+megabyte, coverage.Period(megabyte), coverage.Period(megabyte)
	w.AreaCode = megabyte
	prefix := strings.Repeat("A", coverage.MaxQuotedRunes) + "…"
	for name, err := range map[string]error{
		"participant": p.Validate(areas), "contribution": c.Validate(), "claim": cl.Validate(),
		"roster": r.Validate(areas), "workforce": w.Validate(areas),
		"period": func() error { _, err := coverage.ParsePeriod(megabyte); return err }(),
		"date":   func() error { _, err := coverage.ParseDate(megabyte); return err }(),
		"area":   func() error { _, err := coverage.AreaLevelOf(megabyte); return err }(),
		"role":   func() error { _, err := coverage.ParseRole(megabyte); return err }(),
	} {
		msg := coverage.ErrorMessage(err)
		if coverage.ErrorCode(err) != coverage.EINVALID || !strings.Contains(msg, prefix) {
			t.Errorf("%s: %.300s, want EINVALID quoting %d characters and …", name, msg, coverage.MaxQuotedRunes)
		}
		// Every problem of the record quotes at most the prefix.
		if limit := 20 * (len(prefix) + 80); len(msg) > limit {
			t.Errorf("%s: the message has %d bytes, more than %d", name, len(msg), limit)
		}
	}
	// A value within the limit is quoted whole, as before.
	_, _, _, r, _ = validRecords()
	r.Category = "Kader Kesehatan"
	if msg := coverage.ErrorMessage(r.Validate(areas)); msg != `category "Kader Kesehatan" is not a code of upper-case letters, digits and underscores` {
		t.Errorf("a short category: %s", msg)
	}
	// Multi-byte characters are cut whole.
	if got := coverage.Clip(strings.Repeat("é", 100)); got != strings.Repeat("é", coverage.MaxQuotedRunes)+"…" {
		t.Errorf("Clip of 100 é: %q", got)
	}
}

// TestNIKTurnedIntoANumber: a NIK that went through a spreadsheet as a
// number is explained, with how to keep it as text; a NIK that is merely
// wrong is not.
func TestNIKTurnedIntoANumber(t *testing.T) {
	const keep = "format the column as Text (or type an apostrophe before the value"
	cases := []struct {
		nik, want string
	}{
		{"3.67201E+15", "NIK must have 16 digits, got 11 characters: it was turned into a number by a spreadsheet program, which shows it in scientific notation and keeps at most 15 digits"},
		{"3,67201E+15", "scientific notation"},              // a comma as the decimal separator (Indonesian locale)
		{"3.67201120590000E+15", "scientific notation"},     // more digits shown
		{"3.6720112059E+15", "NIK must be digits only: it"}, // exactly 16 characters
		{"4E+15", "scientific notation"},
		{"3672011205900003.0", "it ends in a decimal part: a spreadsheet program stored it as a number"},
		{"3672011205900003,00", "decimal part"},
		{"3,672,011,205,900,003", "digit grouping"},
		{"3.672.011.205.900.003", "digit grouping"},
	}
	for _, tc := range cases {
		err := coverage.CheckNIKShape(tc.nik)
		msg := coverage.ErrorMessage(err)
		if coverage.ErrorCode(err) != coverage.EINVALID || !strings.Contains(msg, tc.want) || !strings.Contains(msg, keep) {
			t.Errorf("%s: %q, want it to say %q and %q", tc.nik, msg, tc.want, keep)
		}
		if strings.Contains(msg, tc.nik) {
			t.Errorf("%s: the message repeats the NIK: %q", tc.nik, msg)
		}
	}
	// Plain mistakes keep their plain message.
	for nik, want := range map[string]string{
		"367201120590003":  "NIK must have 16 digits, got 15 characters",
		"36720112059000A1": "NIK must be digits only",
		"3672-0112-0590":   "NIK must have 16 digits, got 14 characters",
		"E+15":             "NIK must have 16 digits, got 4 characters",
	} {
		if msg := coverage.ErrorMessage(coverage.CheckNIKShape(nik)); msg != want {
			t.Errorf("%s: %q, want %q", nik, msg, want)
		}
	}
	// The same for a record's kelurahan code and KPJ, whose leading zero a
	// spreadsheet drops (KPJs of 2000 to 2009 begin with 0).
	areas := coverage.Cilegon()
	p, _, _, _, _ := validRecords()
	p.KelurahanCode, p.KPJ = "3,67201E+09", "5100000123"
	msg := coverage.ErrorMessage(p.Validate(areas))
	for _, want := range []string{`kelurahan_code "3,67201E+09" is not 10 digits: it was turned into a number`,
		`kpj "5100000123" is not 11 digits: if it began with 0, a spreadsheet program that took it for a number dropped the leading zeros`} {
		if !strings.Contains(msg, want) {
			t.Errorf("participant: %q, want %q", msg, want)
		}
	}
	p.KPJ = "24100000123456"
	if msg := coverage.ErrorMessage(p.Validate(areas)); strings.Contains(msg, "spreadsheet program that took it for a number") {
		t.Errorf("a KPJ too long got the leading-zero hint: %q", msg)
	}
}
