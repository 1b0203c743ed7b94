package feedsim

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Hand-written JSON encoders of the record types. They write exactly what
// encoding/json writes (the tests check it record for record) at a fraction of
// the cost: a whole city is some 700,000 records.

func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			j, _ := json.Marshal(s) // rare: let encoding/json escape it
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendDate(b []byte, d coverage.Date) []byte {
	if d == "" {
		return append(b, "null"...)
	}
	return appendString(b, string(d))
}

func appendPeriod(b []byte, p coverage.Period) []byte {
	if p == "" {
		return append(b, "null"...)
	}
	return appendString(b, string(p))
}

func appendPrograms(b []byte, ps []coverage.Program) []byte {
	if ps == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, string(p))
	}
	return append(b, ']')
}

func appendParticipant(b []byte, r *coverage.Participant) []byte {
	b = append(b, `{"kpj":`...)
	b = appendString(b, r.KPJ)
	b = append(b, `,"nik":`...)
	b = appendString(b, r.NIK)
	b = append(b, `,"name":`...)
	b = appendString(b, r.Name)
	b = append(b, `,"birth_date":`...)
	b = appendDate(b, r.BirthDate)
	b = append(b, `,"gender":`...)
	b = appendString(b, string(r.Gender))
	b = append(b, `,"segment":`...)
	b = appendString(b, string(r.Segment))
	b = append(b, `,"occupation":`...)
	b = appendString(b, r.Occupation)
	b = append(b, `,"programs":`...)
	b = appendPrograms(b, r.Programs)
	b = append(b, `,"payer_type":`...)
	b = appendString(b, string(r.PayerType))
	b = append(b, `,"status":`...)
	b = appendString(b, string(r.Status))
	b = append(b, `,"registered_at":`...)
	b = appendDate(b, r.RegisteredAt)
	b = append(b, `,"coverage_start":`...)
	b = appendDate(b, r.CoverageStart)
	b = append(b, `,"coverage_end":`...)
	b = appendDate(b, r.CoverageEnd)
	b = append(b, `,"kelurahan_code":`...)
	b = appendString(b, r.KelurahanCode)
	b = append(b, `,"declared_income":`...)
	b = strconv.AppendInt(b, r.DeclaredIncome, 10)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, r.UpdatedAt)
	return append(b, '}')
}

func appendContribution(b []byte, r *coverage.Contribution) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"kpj":`...)
	b = appendString(b, r.KPJ)
	b = append(b, `,"nik":`...)
	b = appendString(b, r.NIK)
	b = append(b, `,"period":`...)
	b = appendPeriod(b, r.Period)
	b = append(b, `,"programs":`...)
	b = appendPrograms(b, r.Programs)
	b = append(b, `,"amount_due":`...)
	b = strconv.AppendInt(b, r.AmountDue, 10)
	b = append(b, `,"amount_paid":`...)
	b = strconv.AppendInt(b, r.AmountPaid, 10)
	b = append(b, `,"paid_at":`...)
	b = appendDate(b, r.PaidAt)
	b = append(b, `,"payer_type":`...)
	b = appendString(b, string(r.PayerType))
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, r.UpdatedAt)
	return append(b, '}')
}

func appendClaim(b []byte, r *coverage.Claim) []byte {
	b = append(b, `{"claim_no":`...)
	b = appendString(b, r.ClaimNo)
	b = append(b, `,"kpj":`...)
	b = appendString(b, r.KPJ)
	b = append(b, `,"nik":`...)
	b = appendString(b, r.NIK)
	b = append(b, `,"program":`...)
	b = appendString(b, string(r.Program))
	b = append(b, `,"benefit":`...)
	b = appendString(b, string(r.Benefit))
	b = append(b, `,"incident_date":`...)
	b = appendDate(b, r.IncidentDate)
	b = append(b, `,"submitted_at":`...)
	b = appendDate(b, r.SubmittedAt)
	b = append(b, `,"status":`...)
	b = appendString(b, string(r.Status))
	b = append(b, `,"amount_claimed":`...)
	b = strconv.AppendInt(b, r.AmountClaimed, 10)
	b = append(b, `,"amount_paid":`...)
	b = strconv.AppendInt(b, r.AmountPaid, 10)
	b = append(b, `,"paid_at":`...)
	b = appendDate(b, r.PaidAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, r.UpdatedAt)
	return append(b, '}')
}

func appendRosterEntry(b []byte, r *coverage.RosterEntry) []byte {
	b = append(b, `{"nik":`...)
	b = appendString(b, r.NIK)
	b = append(b, `,"name":`...)
	b = appendString(b, r.Name)
	b = append(b, `,"category":`...)
	b = appendString(b, string(r.Category))
	b = append(b, `,"agency":`...)
	b = appendString(b, r.Agency)
	b = append(b, `,"kelurahan_code":`...)
	b = appendString(b, r.KelurahanCode)
	b = append(b, `,"funded_from":`...)
	b = appendPeriod(b, r.FundedFrom)
	b = append(b, `,"funded_until":`...)
	b = appendPeriod(b, r.FundedUntil)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, r.UpdatedAt)
	return append(b, '}')
}

func appendWorkforceTarget(b []byte, r *coverage.WorkforceTarget) []byte {
	b = append(b, `{"year":`...)
	b = strconv.AppendInt(b, int64(r.Year), 10)
	b = append(b, `,"area_code":`...)
	b = appendString(b, r.AreaCode)
	b = append(b, `,"workforce":`...)
	b = strconv.AppendInt(b, r.Workforce, 10)
	b = append(b, `,"basis":`...)
	b = appendString(b, r.Basis)
	b = append(b, `,"source":`...)
	b = appendString(b, r.Source)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, r.UpdatedAt)
	return append(b, '}')
}
