package graph

import (
	"unicode/utf8"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph/internal/model"
)

// Arguments are checked here, before any store is asked, so that a mistake
// comes back as BAD_USER_INPUT with a message that names it instead of an empty
// page. Scalars (Date, Period, Rupiah) and enums are already checked by the
// time a resolver runs.

// maxNameContains bounds the text of a name search.
const maxNameContains = 100

// checkArea accepts "" or a code of the city's hierarchy: the city, one of its
// kecamatan or one of its kelurahan.
func (r *resolver) checkArea(code string) error {
	if code == "" {
		return nil
	}
	if _, err := coverage.AreaLevelOf(code); err != nil {
		return err
	}
	return r.areas.CheckArea(code)
}

// ifSet checks v unless it is "" (a filter field not given).
func ifSet(v string, check func(string) error) error {
	if v == "" {
		return nil
	}
	return check(v)
}

// checkKPJ accepts a membership number: 11 digits.
func checkKPJ(kpj string) error {
	ok := len(kpj) == 11
	for i := 0; ok && i < len(kpj); i++ {
		ok = kpj[i] >= '0' && kpj[i] <= '9'
	}
	if !ok {
		return coverage.Errorf(coverage.EINVALID, "KPJ %q must be 11 digits", kpj)
	}
	return nil
}

// checkRange rejects a range whose start is after its end (dates and periods
// compare as strings).
func checkRange[T ~string](fromName string, from T, toName string, to T) error {
	if from != "" && to != "" && from > to {
		return coverage.Errorf(coverage.EINVALID, "%s %s is after %s %s", fromName, from, toName, to)
	}
	return nil
}

// checkAmounts rejects an amount range whose minimum is above its maximum.
func checkAmounts(minName string, lo *int64, maxName string, hi *int64) error {
	if lo != nil && hi != nil && *lo > *hi {
		return coverage.Errorf(coverage.EINVALID, "%s %d is above %s %d", minName, *lo, maxName, *hi)
	}
	return nil
}

// categories checks roster category codes: upper-case letters, digits and
// underscores, known or new.
func categories(codes []string) ([]coverage.Category, error) {
	var out []coverage.Category
	for _, c := range codes {
		cat := coverage.Category(c)
		if err := cat.Validate(); err != nil {
			return nil, err
		}
		out = append(out, cat)
	}
	return out, nil
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (r *resolver) participantFilter(in *model.ParticipantFilter) (coverage.ParticipantFilter, error) {
	if in == nil {
		return coverage.ParticipantFilter{}, nil
	}
	f := coverage.ParticipantFilter{
		AreaCode:       deref(in.AreaCode),
		NIK:            deref(in.Nik),
		Segments:       in.Segments,
		PayerTypes:     in.PayerTypes,
		Statuses:       in.Statuses,
		Genders:        in.Genders,
		Programs:       in.Programs,
		RegisteredFrom: deref(in.RegisteredFrom),
		RegisteredTo:   deref(in.RegisteredTo),
		ActiveOn:       deref(in.ActiveOn),
		NameContains:   deref(in.NameContains),
	}
	var long, cats error
	if utf8.RuneCountInString(f.NameContains) > maxNameContains {
		long = coverage.Errorf(coverage.EINVALID, "nameContains must be at most %d characters", maxNameContains)
	}
	f.RosterCategories, cats = categories(in.RosterCategories)
	return f, firstError(
		r.checkArea(f.AreaCode),
		ifSet(f.NIK, coverage.CheckNIKShape),
		checkRange("registeredFrom", f.RegisteredFrom, "registeredTo", f.RegisteredTo),
		long,
		cats,
	)
}

func (r *resolver) contributionFilter(in *model.ContributionFilter) (coverage.ContributionFilter, error) {
	if in == nil {
		return coverage.ContributionFilter{}, nil
	}
	f := coverage.ContributionFilter{
		KPJ:        deref(in.Kpj),
		NIK:        deref(in.Nik),
		PayerTypes: in.PayerTypes,
		PeriodFrom: deref(in.PeriodFrom),
		PeriodTo:   deref(in.PeriodTo),
		Unpaid:     in.Unpaid,
		PaidFrom:   deref(in.PaidFrom),
		PaidTo:     deref(in.PaidTo),
		AreaCode:   deref(in.AreaCode),
	}
	var cats error
	f.RosterCategories, cats = categories(in.RosterCategories)
	return f, firstError(
		ifSet(f.KPJ, checkKPJ),
		ifSet(f.NIK, coverage.CheckNIKShape),
		r.checkArea(f.AreaCode),
		checkRange("periodFrom", f.PeriodFrom, "periodTo", f.PeriodTo),
		checkRange("paidFrom", f.PaidFrom, "paidTo", f.PaidTo),
		cats,
	)
}

// participantContributionFilter selects among a participant's contributions;
// the member (the KPJ) is the loader's key, not part of the filter, so that
// the members of a page share one filter and one store call.
func participantContributionFilter(in *model.ParticipantContributionFilter) (coverage.ContributionFilter, error) {
	if in == nil {
		return coverage.ContributionFilter{}, nil
	}
	f := coverage.ContributionFilter{PeriodFrom: deref(in.PeriodFrom), PeriodTo: deref(in.PeriodTo), Unpaid: in.Unpaid,
		PaidFrom: deref(in.PaidFrom), PaidTo: deref(in.PaidTo)}
	return f, firstError(
		checkRange("periodFrom", f.PeriodFrom, "periodTo", f.PeriodTo),
		checkRange("paidFrom", f.PaidFrom, "paidTo", f.PaidTo),
	)
}

func (r *resolver) claimFilter(in *model.ClaimFilter) (coverage.ClaimFilter, error) {
	if in == nil {
		return coverage.ClaimFilter{}, nil
	}
	f := coverage.ClaimFilter{
		KPJ:              deref(in.Kpj),
		NIK:              deref(in.Nik),
		Programs:         in.Programs,
		Statuses:         in.Statuses,
		IncidentFrom:     deref(in.IncidentFrom),
		IncidentTo:       deref(in.IncidentTo),
		SubmittedFrom:    deref(in.SubmittedFrom),
		SubmittedTo:      deref(in.SubmittedTo),
		PaidFrom:         deref(in.PaidFrom),
		PaidTo:           deref(in.PaidTo),
		AmountClaimedMin: in.AmountClaimedMin,
		AmountClaimedMax: in.AmountClaimedMax,
		AmountPaidMin:    in.AmountPaidMin,
		AmountPaidMax:    in.AmountPaidMax,
		AreaCode:         deref(in.AreaCode),
		PayerTypes:       in.PayerTypes,
	}
	var empty error
	for _, b := range in.Benefits {
		if b == "" {
			empty = coverage.Errorf(coverage.EINVALID, "benefits must not contain an empty code")
		}
		f.Benefits = append(f.Benefits, coverage.Benefit(b))
	}
	return f, firstError(
		ifSet(f.KPJ, checkKPJ),
		ifSet(f.NIK, coverage.CheckNIKShape),
		empty,
		checkRange("incidentFrom", f.IncidentFrom, "incidentTo", f.IncidentTo),
		checkRange("submittedFrom", f.SubmittedFrom, "submittedTo", f.SubmittedTo),
		checkRange("paidFrom", f.PaidFrom, "paidTo", f.PaidTo),
		checkAmounts("amountClaimedMin", f.AmountClaimedMin, "amountClaimedMax", f.AmountClaimedMax),
		checkAmounts("amountPaidMin", f.AmountPaidMin, "amountPaidMax", f.AmountPaidMax),
		r.checkArea(f.AreaCode),
	)
}

func (r *resolver) rosterFilter(in *model.RosterFilter) (coverage.RosterFilter, error) {
	if in == nil {
		return coverage.RosterFilter{}, nil
	}
	f := coverage.RosterFilter{
		AreaCode: deref(in.AreaCode),
		NIK:      deref(in.Nik),
		Agency:   deref(in.Agency),
		FundedIn: deref(in.FundedIn),
	}
	var cats error
	f.Categories, cats = categories(in.Categories)
	return f, firstError(r.checkArea(f.AreaCode), ifSet(f.NIK, coverage.CheckNIKShape), cats)
}

func quarantineFilter(in *model.QuarantineFilter) coverage.QuarantineFilter {
	if in == nil {
		return coverage.QuarantineFilter{}
	}
	return coverage.QuarantineFilter{Feed: deref(in.Feed), RunID: deref(in.RunID)}
}

// workforceFilter checks the arguments of the workforce query.
func (r *resolver) workforceFilter(year *int, areaCode *string) (coverage.WorkforceFilter, error) {
	f := coverage.WorkforceFilter{Year: deref(year), AreaCode: deref(areaCode)}
	if year != nil && (f.Year < 1990 || f.Year > 2100) {
		return f, coverage.Errorf(coverage.EINVALID, "year must be between 1990 and 2100, got %d", f.Year)
	}
	return f, r.checkArea(f.AreaCode)
}

// auditFilter checks the filter of auditLog.
func auditFilter(in *model.AuditFilter) (coverage.AuditFilter, error) {
	if in == nil {
		return coverage.AuditFilter{}, nil
	}
	f := coverage.AuditFilter{Principal: deref(in.Principal), Operation: deref(in.Operation), From: deref(in.From), To: deref(in.To)}
	return f, f.Validate()
}
