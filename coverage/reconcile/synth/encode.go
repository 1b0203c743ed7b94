package synth

import (
	"strconv"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Encoding in the embedded store's storage format (FerretDB v1.24's "sjson",
// what store/scan.go decodes): a JSON object of the document's values after a
// "$s" schema of their types, with the store's own fields (_id, _hash,
// _synced_at). Dates are milliseconds since the epoch.

// SyncedAt is the _synced_at of every encoded document.
var SyncedAt = time.Date(2025, time.June, 10, 4, 0, 0, 0, time.UTC)

const fakeHash = "0123456789abcdef0123456789abcdef"

func str(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b = append(b, '\\', c)
		} else {
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func field(b []byte, name, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return str(b, v)
}

func num(b []byte, name string, v int64) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, v, 10)
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func programs(b []byte, ps []coverage.Program) []byte {
	b = append(b, `,"programs":[`...)
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = str(b, string(p))
	}
	return append(b, ']')
}

func programTypes(b []byte, n int) []byte {
	b = append(b, `"programs":{"t":"array","i":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"t":"string"}`...)
	}
	return append(b, `]},`...)
}

func tail(b []byte) []byte {
	b = field(b, "_hash", fakeHash)
	b = num(b, "_synced_at", SyncedAt.UnixMilli())
	return append(b, '}')
}

// AppendRoster appends the stored document of a roster entry.
func AppendRoster(b []byte, r *coverage.RosterEntry) []byte {
	b = append(b, `{"$s":{"p":{"_id":{"t":"string"},"nik":{"t":"string"},"name":{"t":"string"},"category":{"t":"string"},"agency":{"t":"string"},"kelurahan_code":{"t":"string"},"funded_from":{"t":"string"},"funded_until":{"t":"string"},"updated_at":{"t":"date"},"_hash":{"t":"string"},"_synced_at":{"t":"date"}},"$k":["_id","nik","name","category","agency","kelurahan_code","funded_from","funded_until","updated_at","_hash","_synced_at"]},"_id":`...)
	b = str(b, r.Key())
	b = field(b, "nik", r.NIK)
	b = field(b, "name", r.Name)
	b = field(b, "category", string(r.Category))
	b = field(b, "agency", r.Agency)
	b = field(b, "kelurahan_code", r.KelurahanCode)
	b = field(b, "funded_from", string(r.FundedFrom))
	b = field(b, "funded_until", string(r.FundedUntil))
	b = num(b, "updated_at", ms(r.UpdatedAt))
	return tail(b)
}

// AppendParticipant appends the stored document of a participant, with its
// income history.
func AppendParticipant(b []byte, p *coverage.Participant) []byte {
	b = append(b, `{"$s":{"p":{"_id":{"t":"string"},"kpj":{"t":"string"},"nik":{"t":"string"},"name":{"t":"string"},"birth_date":{"t":"string"},"gender":{"t":"string"},"segment":{"t":"string"},"occupation":{"t":"string"},`...)
	b = programTypes(b, len(p.Programs))
	b = append(b, `"payer_type":{"t":"string"},"status":{"t":"string"},"registered_at":{"t":"string"},"coverage_start":{"t":"string"},"coverage_end":{"t":"string"},"kelurahan_code":{"t":"string"},"declared_income":{"t":"long"},"updated_at":{"t":"date"},"income_history":{"t":"array","i":[`...)
	for i := range p.IncomeHistory {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"t":"object","$s":{"p":{"at":{"t":"string"},"income":{"t":"long"}},"$k":["at","income"]}}`...)
	}
	b = append(b, `]},"_hash":{"t":"string"},"_synced_at":{"t":"date"}},"$k":["_id","kpj","nik","name","birth_date","gender","segment","occupation","programs","payer_type","status","registered_at","coverage_start","coverage_end","kelurahan_code","declared_income","updated_at","income_history","_hash","_synced_at"]},"_id":`...)
	b = str(b, p.KPJ)
	b = field(b, "kpj", p.KPJ)
	b = field(b, "nik", p.NIK)
	b = field(b, "name", p.Name)
	b = field(b, "birth_date", string(p.BirthDate))
	b = field(b, "gender", string(p.Gender))
	b = field(b, "segment", string(p.Segment))
	b = field(b, "occupation", p.Occupation)
	b = programs(b, p.Programs)
	b = field(b, "payer_type", string(p.PayerType))
	b = field(b, "status", string(p.Status))
	b = field(b, "registered_at", string(p.RegisteredAt))
	b = field(b, "coverage_start", string(p.CoverageStart))
	b = field(b, "coverage_end", string(p.CoverageEnd))
	b = field(b, "kelurahan_code", p.KelurahanCode)
	b = num(b, "declared_income", p.DeclaredIncome)
	b = num(b, "updated_at", ms(p.UpdatedAt))
	b = append(b, `,"income_history":[`...)
	for i, h := range p.IncomeHistory {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"at":`...)
		b = str(b, string(h.At))
		b = num(b, "income", h.Income)
		b = append(b, '}')
	}
	b = append(b, ']')
	return tail(b)
}

// AppendContribution appends the stored document of a contribution.
func AppendContribution(b []byte, c *coverage.Contribution) []byte {
	b = append(b, `{"$s":{"p":{"_id":{"t":"string"},"id":{"t":"string"},"kpj":{"t":"string"},"nik":{"t":"string"},"period":{"t":"string"},`...)
	b = programTypes(b, len(c.Programs))
	b = append(b, `"amount_due":{"t":"long"},"amount_paid":{"t":"long"},"paid_at":{"t":"string"},"payer_type":{"t":"string"},"updated_at":{"t":"date"},"arrears":{"t":"long"},"_hash":{"t":"string"},"_synced_at":{"t":"date"}},"$k":["_id","id","kpj","nik","period","programs","amount_due","amount_paid","paid_at","payer_type","updated_at","arrears","_hash","_synced_at"]},"_id":`...)
	b = str(b, c.ID)
	b = field(b, "id", c.ID)
	b = field(b, "kpj", c.KPJ)
	b = field(b, "nik", c.NIK)
	b = field(b, "period", string(c.Period))
	b = programs(b, c.Programs)
	b = num(b, "amount_due", c.AmountDue)
	b = num(b, "amount_paid", c.AmountPaid)
	b = field(b, "paid_at", string(c.PaidAt))
	b = field(b, "payer_type", string(c.PayerType))
	b = num(b, "updated_at", ms(c.UpdatedAt))
	b = num(b, "arrears", max(c.AmountDue-c.AmountPaid, 0))
	return tail(b)
}

// AppendClaim appends the stored document of a claim.
func AppendClaim(b []byte, c *coverage.Claim) []byte {
	b = append(b, `{"$s":{"p":{"_id":{"t":"string"},"claim_no":{"t":"string"},"kpj":{"t":"string"},"nik":{"t":"string"},"program":{"t":"string"},"benefit":{"t":"string"},"incident_date":{"t":"string"},"submitted_at":{"t":"string"},"status":{"t":"string"},"amount_claimed":{"t":"long"},"amount_paid":{"t":"long"},"paid_at":{"t":"string"},"updated_at":{"t":"date"},"_hash":{"t":"string"},"_synced_at":{"t":"date"}},"$k":["_id","claim_no","kpj","nik","program","benefit","incident_date","submitted_at","status","amount_claimed","amount_paid","paid_at","updated_at","_hash","_synced_at"]},"_id":`...)
	b = str(b, c.ClaimNo)
	b = field(b, "claim_no", c.ClaimNo)
	b = field(b, "kpj", c.KPJ)
	b = field(b, "nik", c.NIK)
	b = field(b, "program", string(c.Program))
	b = field(b, "benefit", string(c.Benefit))
	b = field(b, "incident_date", string(c.IncidentDate))
	b = field(b, "submitted_at", string(c.SubmittedAt))
	b = field(b, "status", string(c.Status))
	b = num(b, "amount_claimed", c.AmountClaimed)
	b = num(b, "amount_paid", c.AmountPaid)
	b = field(b, "paid_at", string(c.PaidAt))
	b = num(b, "updated_at", ms(c.UpdatedAt))
	return tail(b)
}

// Docs are a chunk's stored documents, one stream per collection, each in
// NIK order: Buf holds them end to end, Ends[i] is where document i ends.
type Docs struct {
	Buf  []byte
	Ends []int
}

// Len returns the number of documents.
func (d *Docs) Len() int { return len(d.Ends) }

// Doc returns document i.
func (d *Docs) Doc(i int) []byte {
	start := 0
	if i > 0 {
		start = d.Ends[i-1]
	}
	return d.Buf[start:d.Ends[i]:d.Ends[i]]
}

func (d *Docs) add(b []byte) {
	d.Buf = b
	d.Ends = append(d.Ends, len(b))
}

// Encoded is a chunk as the store holds it.
type Encoded struct {
	Roster, Participants, Contributions, Claims Docs
}

// Records returns the number of documents.
func (e *Encoded) Records() int {
	return e.Roster.Len() + e.Participants.Len() + e.Contributions.Len() + e.Claims.Len()
}

// Encode encodes a chunk into e (reusing its buffers).
func (e *Encoded) Encode(c *Chunk) {
	for _, d := range []*Docs{&e.Roster, &e.Participants, &e.Contributions, &e.Claims} {
		d.Buf, d.Ends = d.Buf[:0], d.Ends[:0]
	}
	for i := range c.Roster {
		e.Roster.add(AppendRoster(e.Roster.Buf, &c.Roster[i]))
	}
	for i := range c.Participants {
		e.Participants.add(AppendParticipant(e.Participants.Buf, &c.Participants[i]))
	}
	for i := range c.Contributions {
		e.Contributions.add(AppendContribution(e.Contributions.Buf, &c.Contributions[i]))
	}
	for i := range c.Claims {
		e.Claims.add(AppendClaim(e.Claims.Buf, &c.Claims[i]))
	}
}
