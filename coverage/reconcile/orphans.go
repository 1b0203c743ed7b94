package reconcile

import (
	"fmt"
	"slices"

	"github.com/cilegon/jamsostek/coverage"
)

// orphanPair is what a person's records say under one KPJ that is not a
// membership of the person's NIK.
type orphanPair struct {
	kpj      string
	contribs []*coverage.Contribution
	claims   []*coverage.Claim
	payer    coverage.PayerType // APBD if any of its contributions is the city's, else the first one's payer; "" with no contribution
}

// orphans reports the contributions and claims whose KPJ is not a membership
// of the NIK they carry (KPJ_NIK_MISMATCH, one finding per NIK and KPJ), and
// counts them in the rollup cells of an unknown kelurahan (""), so city-wide
// figures include their money while every area's figures leave it out.
// Engine.Add counts them in Stats.
func (pp *personPass) orphans() {
	var pairs []*orphanPair
	pair := func(kpj string) *orphanPair {
		for _, o := range pairs {
			if o.kpj == kpj {
				return o
			}
		}
		o := &orphanPair{kpj: kpj}
		pairs = append(pairs, o)
		return o
	}
	for i := range pp.p.Contributions {
		if c := &pp.p.Contributions[i]; pp.byKPJ[c.KPJ] == nil {
			o := pair(c.KPJ)
			o.contribs = append(o.contribs, c)
			if o.payer == "" || c.PayerType == coverage.PayerAPBD {
				o.payer = c.PayerType
			}
		}
	}
	for i := range pp.p.Claims {
		if c := &pp.p.Claims[i]; pp.byKPJ[c.KPJ] == nil {
			o := pair(c.KPJ)
			o.claims = append(o.claims, c)
		}
	}
	for _, o := range pairs {
		pp.orphanFinding(o)
		pp.orphanCells(o)
	}
}

// orphanFinding reports one pair: the rupiah the records moved (contributions
// paid plus claims paid), HIGH when the city paid any of it.
func (pp *personPass) orphanFinding(o *orphanPair) {
	e, p := pp.e, pp.p
	f := coverage.Finding{Kind: coverage.KindKPJNIKMismatch, Severity: coverage.SeverityMedium, NIK: p.NIK, KPJ: o.kpj,
		Category: pp.category(), AreaCode: pp.area()}
	if f.AreaCode == "" {
		f.AreaCode = e.cfg.Areas.City().Code
	}
	var paid, apbdPaid, claimsPaid int64
	for _, c := range o.contribs {
		f.Periods = append(f.Periods, c.Period)
		paid += c.AmountPaid
		if c.PayerType == coverage.PayerAPBD {
			apbdPaid += c.AmountPaid
		}
	}
	for _, c := range o.claims {
		f.Periods = append(f.Periods, c.IncidentDate.Period())
		if c.Status == coverage.ClaimPaid {
			claimsPaid += c.AmountPaid
		}
	}
	f.Periods = slices.DeleteFunc(dedupe(f.Periods), func(m coverage.Period) bool { return m == "" })
	if len(f.Periods) == 0 {
		f.Periods = nil
	}
	f.Amount = paid + claimsPaid
	if apbdPaid > 0 {
		f.Severity = coverage.SeverityHigh
	}
	var what []string
	if n := len(o.contribs); n > 0 {
		s := fmt.Sprintf("%d contribution(s) paid Rp%s", n, groupDigits(paid))
		if apbdPaid > 0 {
			s += fmt.Sprintf(" (Rp%s by the city)", groupDigits(apbdPaid))
		}
		what = append(what, s)
	}
	if n := len(o.claims); n > 0 {
		what = append(what, fmt.Sprintf("%d claim(s) paid Rp%s", n, groupDigits(claimsPaid)))
	}
	f.Detail = fmt.Sprintf("%s under a KPJ that is not a membership of this NIK (%s); counted in the city's figures under an unknown kelurahan",
		joinAnd(what), spans(f.Periods))
	e.find(p.NIK+"|"+o.kpj, f)
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return s[0] + " and " + s[1]
}

// orphanKey is the cell of a pair's records in month mo: unknown kelurahan,
// no roster category (the membership that would carry it is unknown), the
// payer given (the contribution's; for claims the pair's), no segment, and
// the gender and age band the NIK tells when it parses.
func (pp *personPass) orphanKey(mo coverage.Period, payer coverage.PayerType) Key {
	k := Key{Period: mo, Payer: payer, AgeBand: AgeUnknown}
	if nik, err := coverage.ParseNIK(pp.p.NIK); err == nil {
		k.Gender, k.AgeBand = nik.Gender, BandOf(nik.BirthDate, pp.e.endOf(mo))
	}
	return k
}

// orphanCells adds a pair's contributions and claims to the cells, as
// build.go adds a membership's: flows only, no membership stock.
func (pp *personPass) orphanCells(o *orphanPair) {
	e := pp.e
	for _, c := range o.contribs {
		if !e.inWindow(c.Period) {
			continue
		}
		meas := e.cell(pp.orphanKey(c.Period, c.PayerType))
		meas.Billed++
		meas.DueAmount += c.AmountDue
		meas.PaidAmount += c.AmountPaid
		if c.AmountPaid > 0 {
			meas.PaidCount++
		}
		if e.overdue(c.Period) && c.AmountPaid < c.AmountDue {
			meas.UnpaidOverdue++
			meas.Arrears += c.AmountDue - c.AmountPaid
		}
	}
	for _, c := range o.claims {
		prog := slices.Index(coverage.Programs, c.Program)
		if prog < 0 {
			continue
		}
		if mo := c.SubmittedAt.Period(); e.inWindow(mo) {
			cm := &e.cell(pp.orphanKey(mo, o.payer)).Claims[prog]
			cm.SubmittedCount++
			cm.SubmittedAmount += c.AmountClaimed
		}
		if c.Status == coverage.ClaimPaid && c.PaidAt != "" {
			if mo := c.PaidAt.Period(); e.inWindow(mo) {
				cm := &e.cell(pp.orphanKey(mo, o.payer)).Claims[prog]
				cm.PaidCount++
				cm.PaidAmount += c.AmountPaid
			}
		}
	}
}
