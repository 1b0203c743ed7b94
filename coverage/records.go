package coverage

import (
	"strconv"
	"strings"
	"time"
)

// Feed names one of the five feeds of docs/feeds.md.
type Feed string

const (
	FeedParticipants  Feed = "participants"
	FeedContributions Feed = "contributions"
	FeedClaims        Feed = "claims"
	FeedRoster        Feed = "roster"
	FeedWorkforce     Feed = "workforce"
)

// Feeds lists the feeds in the order a sync runs them: members before the
// records that refer to them.
var Feeds = []Feed{FeedWorkforce, FeedRoster, FeedParticipants, FeedContributions, FeedClaims}

// Valid reports whether f is a known feed.
func (f Feed) Valid() bool {
	for _, x := range Feeds {
		if x == f {
			return true
		}
	}
	return false
}

// Participant is a BPJS Ketenagakerjaan member (peserta), keyed by KPJ, the
// membership number.
type Participant struct {
	KPJ            string            `json:"kpj"`
	NIK            string            `json:"nik"`
	Name           string            `json:"name"`
	BirthDate      Date              `json:"birth_date"`
	Gender         Gender            `json:"gender"`
	Segment        Segment           `json:"segment"`
	Occupation     string            `json:"occupation"`
	Programs       []Program         `json:"programs"`
	PayerType      PayerType         `json:"payer_type"`
	Status         ParticipantStatus `json:"status"`
	RegisteredAt   Date              `json:"registered_at"`
	CoverageStart  Date              `json:"coverage_start"`
	CoverageEnd    Date              `json:"coverage_end"`
	KelurahanCode  string            `json:"kelurahan_code"`
	DeclaredIncome int64             `json:"declared_income"`
	UpdatedAt      time.Time         `json:"updated_at"`
	// IncomeHistory is not in the feed: the store keeps the declared incomes
	// it saw, ascending, so a month is checked against the income in force.
	IncomeHistory []IncomeChange `json:"-"`
}

// Contribution is one month of dues (iuran) billed to a participant and what was
// paid of it, keyed by ID.
type Contribution struct {
	ID         string    `json:"id"`
	KPJ        string    `json:"kpj"`
	NIK        string    `json:"nik"`
	Period     Period    `json:"period"`
	Programs   []Program `json:"programs"`
	AmountDue  int64     `json:"amount_due"`
	AmountPaid int64     `json:"amount_paid"`
	PaidAt     Date      `json:"paid_at"`
	PayerType  PayerType `json:"payer_type"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Claim is a benefit claim (klaim), keyed by its claim number.
type Claim struct {
	ClaimNo       string      `json:"claim_no"`
	KPJ           string      `json:"kpj"`
	NIK           string      `json:"nik"`
	Program       Program     `json:"program"`
	Benefit       Benefit     `json:"benefit"`
	IncidentDate  Date        `json:"incident_date"`
	SubmittedAt   Date        `json:"submitted_at"`
	Status        ClaimStatus `json:"status"`
	AmountClaimed int64       `json:"amount_claimed"`
	AmountPaid    int64       `json:"amount_paid"`
	PaidAt        Date        `json:"paid_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
}

// RosterEntry is one worker on a city roster: a person the city funds in a
// category, vouched for by an agency, keyed by NIK and category.
type RosterEntry struct {
	NIK           string    `json:"nik"`
	Name          string    `json:"name"`
	Category      Category  `json:"category"`
	Agency        string    `json:"agency"`
	KelurahanCode string    `json:"kelurahan_code"`
	FundedFrom    Period    `json:"funded_from"`
	FundedUntil   Period    `json:"funded_until"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// WorkforceTarget is a coverage denominator: the number of workers of an area in a
// year, with the basis of the figure and its source, keyed by year and area.
type WorkforceTarget struct {
	Year      int       `json:"year"`
	AreaCode  string    `json:"area_code"`
	Workforce int64     `json:"workforce"`
	Basis     string    `json:"basis"`
	Source    string    `json:"source"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Key returns the record's natural key.
func (p *Participant) Key() string { return p.KPJ }

// Key returns the record's natural key.
func (c *Contribution) Key() string { return c.ID }

// Key returns the record's natural key.
func (c *Claim) Key() string { return c.ClaimNo }

// Key returns the record's natural key: NIK and category.
func (r *RosterEntry) Key() string { return RosterKey(r.NIK, r.Category) }

// Key returns the record's natural key: year and area code.
func (w *WorkforceTarget) Key() string { return WorkforceKey(w.Year, w.AreaCode) }

// RosterKey is the natural key of a roster entry.
func RosterKey(nik string, c Category) string { return nik + ":" + string(c) }

// WorkforceKey is the natural key of a workforce target.
func WorkforceKey(year int, area string) string {
	return strconv.Itoa(year) + ":" + area
}

// Active reports whether the participant's membership is active on a date: status
// ACTIVE and the date within coverage.
func (p *Participant) Active(on Date) bool {
	return p.Status == StatusActive && p.CoverageStart <= on && (p.CoverageEnd == "" || on <= p.CoverageEnd)
}

// FundedIn reports whether the roster entry is funded by the city in a month.
func (r *RosterEntry) FundedIn(m Period) bool {
	return r.FundedFrom <= m && (r.FundedUntil == "" || m <= r.FundedUntil)
}

// problems collects validation failures of one record.
type problems []string

func (ps *problems) add(err error) {
	if err != nil {
		*ps = append(*ps, ErrorMessage(err))
	}
}

func (ps *problems) check(ok bool, msg string) {
	if !ok {
		*ps = append(*ps, msg)
	}
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return Errorf(EINVALID, "%s", strings.Join(ps, "; "))
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func required(ps *problems, name, v string) {
	ps.check(strings.TrimSpace(v) != "", name+" is missing")
}

func requiredDate(ps *problems, name string, d Date) {
	if d == "" {
		*ps = append(*ps, name+" is missing")
		return
	}
	ps.add(d.Validate())
}

func money(ps *problems, name string, v int64) {
	ps.check(v >= 0, name+" must not be negative")
}

func programs(ps *problems, list []Program) {
	ps.check(len(list) > 0, "programs is empty")
	if len(list) > MaxPrograms {
		*ps = append(*ps, "programs lists "+strconv.Itoa(len(list))+" programs, more than "+strconv.Itoa(MaxPrograms))
		return
	}
	for _, p := range list {
		ps.check(p.Valid(), "program "+Clip(string(p))+" is unknown")
	}
}

// checkDomicile accepts a kelurahan of the city, or a well-formed 10-digit code of
// another city (a domicile outside the city, which reconciliation reports).
func checkDomicile(ps *problems, areas *Areas, code string) {
	if !digits(code, 10) {
		*ps = append(*ps, withHint("kelurahan_code "+quote(code)+" is not 10 digits", spreadsheetHint(code, 10, false)))
		return
	}
	if strings.HasPrefix(code, areas.City().Code) {
		ps.add(areas.CheckKelurahan(code))
	}
}

// quote quotes a value in a message, cut to MaxQuotedRunes (Clip).
func quote(s string) string { return `"` + Clip(s) + `"` }

// checkKPJ checks a membership number: 11 digits. KPJs may begin with 0
// (the registration year 2000 to 2009), which a spreadsheet drops.
func checkKPJ(ps *problems, kpj string) {
	if !digits(kpj, 11) {
		*ps = append(*ps, withHint("kpj "+quote(kpj)+" is not 11 digits", spreadsheetHint(kpj, 11, true)))
	}
}

// Validate checks a participant record against the feed contract.
func (p *Participant) Validate(areas *Areas) error {
	var ps problems
	checkKPJ(&ps, p.KPJ)
	ps.add(CheckNIKShape(p.NIK))
	required(&ps, "name", p.Name)
	maxRunes(&ps, "name", p.Name, MaxNameRunes)
	requiredDate(&ps, "birth_date", p.BirthDate)
	ps.check(p.Gender.Valid(), "gender "+quote(string(p.Gender))+" is not M or F")
	ps.check(p.Segment.Valid(), "segment "+quote(string(p.Segment))+" is unknown")
	maxRunes(&ps, "occupation", p.Occupation, MaxOccupationRunes)
	programs(&ps, p.Programs)
	ps.check(p.PayerType.Valid(), "payer_type "+quote(string(p.PayerType))+" is unknown")
	ps.check(p.Status.Valid(), "status "+quote(string(p.Status))+" is unknown")
	requiredDate(&ps, "registered_at", p.RegisteredAt)
	requiredDate(&ps, "coverage_start", p.CoverageStart)
	ps.add(p.CoverageEnd.Validate())
	ps.check(p.CoverageEnd == "" || p.CoverageStart <= p.CoverageEnd, "coverage_end is before coverage_start")
	checkDomicile(&ps, areas, p.KelurahanCode)
	money(&ps, "declared_income", p.DeclaredIncome)
	ps.check(!p.UpdatedAt.IsZero(), "updated_at is missing")
	return ps.err()
}

// Validate checks a contribution record against the feed contract.
func (c *Contribution) Validate() error {
	var ps problems
	required(&ps, "id", c.ID)
	maxBytes(&ps, "id", c.ID, MaxCodeBytes)
	checkKPJ(&ps, c.KPJ)
	ps.add(CheckNIKShape(c.NIK))
	if c.Period == "" {
		ps = append(ps, "period is missing")
	} else {
		ps.add(c.Period.Validate())
	}
	programs(&ps, c.Programs)
	money(&ps, "amount_due", c.AmountDue)
	money(&ps, "amount_paid", c.AmountPaid)
	ps.add(c.PaidAt.Validate())
	ps.check(c.AmountPaid == 0 || c.PaidAt != "", "paid_at is missing for a paid contribution")
	ps.check(c.PayerType.Valid(), "payer_type "+quote(string(c.PayerType))+" is unknown")
	ps.check(!c.UpdatedAt.IsZero(), "updated_at is missing")
	return ps.err()
}

// Validate checks a claim record against the feed contract.
func (c *Claim) Validate() error {
	var ps problems
	required(&ps, "claim_no", c.ClaimNo)
	maxBytes(&ps, "claim_no", c.ClaimNo, MaxCodeBytes)
	checkKPJ(&ps, c.KPJ)
	ps.add(CheckNIKShape(c.NIK))
	ps.check(c.Program.Valid(), "program "+quote(string(c.Program))+" is unknown")
	required(&ps, "benefit", string(c.Benefit))
	maxBytes(&ps, "benefit", string(c.Benefit), MaxCodeBytes)
	requiredDate(&ps, "incident_date", c.IncidentDate)
	requiredDate(&ps, "submitted_at", c.SubmittedAt)
	ps.check(c.Status.Valid(), "status "+quote(string(c.Status))+" is unknown")
	money(&ps, "amount_claimed", c.AmountClaimed)
	money(&ps, "amount_paid", c.AmountPaid)
	ps.add(c.PaidAt.Validate())
	ps.check(c.Status == ClaimPaid || c.AmountPaid == 0, "amount_paid is set on a claim that is not PAID")
	ps.check(c.Status != ClaimPaid || c.PaidAt != "", "paid_at is missing for a PAID claim")
	ps.check(!c.UpdatedAt.IsZero(), "updated_at is missing")
	return ps.err()
}

// Validate checks a roster entry against the feed contract.
func (r *RosterEntry) Validate(areas *Areas) error {
	var ps problems
	ps.add(CheckNIKShape(r.NIK))
	required(&ps, "name", r.Name)
	maxRunes(&ps, "name", r.Name, MaxNameRunes)
	ps.add(r.Category.Validate())
	required(&ps, "agency", r.Agency)
	maxRunes(&ps, "agency", r.Agency, MaxAgencyRunes)
	checkDomicile(&ps, areas, r.KelurahanCode)
	if r.FundedFrom == "" {
		ps = append(ps, "funded_from is missing")
	} else {
		ps.add(r.FundedFrom.Validate())
	}
	ps.add(r.FundedUntil.Validate())
	ps.check(r.FundedUntil == "" || r.FundedFrom <= r.FundedUntil, "funded_until is before funded_from")
	ps.check(!r.UpdatedAt.IsZero(), "updated_at is missing")
	return ps.err()
}

// Validate checks a workforce target against the feed contract.
func (w *WorkforceTarget) Validate(areas *Areas) error {
	var ps problems
	ps.check(w.Year >= 1990 && w.Year <= 2100, "year "+strconv.Itoa(w.Year)+" is out of range")
	ps.add(areas.CheckArea(w.AreaCode))
	ps.check(w.Workforce > 0, "workforce must be positive")
	required(&ps, "basis", w.Basis)
	maxBytes(&ps, "basis", w.Basis, MaxCodeBytes)
	required(&ps, "source", w.Source)
	maxRunes(&ps, "source", w.Source, MaxSourceRunes)
	ps.check(!w.UpdatedAt.IsZero(), "updated_at is missing")
	return ps.err()
}
