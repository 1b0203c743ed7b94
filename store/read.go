package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store/memindex"
)

// Participants lists participants matching f.
func (s *Store) Participants(ctx context.Context, f coverage.ParticipantFilter, p coverage.PageRequest) (coverage.Page[coverage.Participant], error) {
	if err := checkParticipantFilter(f); err != nil {
		return coverage.Page[coverage.Participant]{}, err
	}
	if s.mem != nil {
		return memPage(ctx, s, listParticipants, p, s.decodeParticipants, func(p coverage.PageRequest) (memindex.Result, error) {
			return s.mem.Participants(f, p)
		})
	}
	q, err := s.participantQuery(ctx, f)
	if err != nil {
		return coverage.Page[coverage.Participant]{}, err
	}
	return page[coverage.Participant](ctx, s, listParticipants, q, p)
}

func checkParticipantFilter(f coverage.ParticipantFilter) error {
	if err := checkArea(f.AreaCode); err != nil {
		return err
	}
	return checkDates(f.RegisteredFrom, f.RegisteredTo, f.ActiveOn)
}

func (s *Store) participantQuery(ctx context.Context, f coverage.ParticipantFilter) (query, error) {
	var q query
	q.area("kelurahan_code", f.AreaCode)
	eq(&q, "nik", f.NIK)
	in(&q, "segment", f.Segments)
	in(&q, "payer_type", f.PayerTypes)
	in(&q, "status", f.Statuses)
	in(&q, "gender", f.Genders)
	in(&q, "programs", f.Programs)
	between(&q, "registered_at", f.RegisteredFrom, f.RegisteredTo)
	if f.ActiveOn != "" {
		eq(&q, "status", coverage.StatusActive)
		between(&q, "coverage_start", "", f.ActiveOn)
		openEnded(&q, "coverage_end", f.ActiveOn)
	}
	if f.NameContains != "" {
		q.add("name", bson.D{{Key: "$regex", Value: regexp.QuoteMeta(f.NameContains)}, {Key: "$options", Value: "i"}})
	}
	if err := s.onRoster(ctx, &q, f.RosterCategories); err != nil {
		return q, err
	}
	return q, nil
}

// onRoster restricts nik to the people on the roster in any of the
// categories. MongoDB answers it with two indexed finds (roster by category,
// then nik $in) rather than a $lookup, so the same query runs on every engine.
func (s *Store) onRoster(ctx context.Context, q *query, cats []coverage.Category) error {
	if len(cats) == 0 {
		return nil
	}
	var rq query
	in(&rq, "category", cats)
	niks, err := s.distinct(ctx, colRoster, "nik", rq)
	if err != nil {
		return err
	}
	q.add("nik", bson.D{{Key: "$in", Value: niks}})
	return nil
}

// ofMembers restricts kpj to the participants in an area with one of the
// payers (either may be empty), the same way as onRoster.
func (s *Store) ofMembers(ctx context.Context, q *query, area string, payers []coverage.PayerType) error {
	if area == "" && len(payers) == 0 {
		return nil
	}
	var pq query
	pq.area("kelurahan_code", area)
	in(&pq, "payer_type", payers)
	kpjs, err := s.distinct(ctx, colParticipants, "_id", pq)
	if err != nil {
		return err
	}
	q.add("kpj", bson.D{{Key: "$in", Value: kpjs}})
	return nil
}

// distinct returns the distinct string values of field among the documents
// matching q.
func (s *Store) distinct(ctx context.Context, col, field string, q query) (bson.A, error) {
	res := s.db.Collection(col).Distinct(ctx, field, q.doc())
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("distinct %s of %s: %w", field, col, err)
	}
	var vals []string
	if err := res.Decode(&vals); err != nil {
		return nil, fmt.Errorf("distinct %s of %s: %w", field, col, err)
	}
	out := make(bson.A, len(vals))
	for i, v := range vals {
		out[i] = v
	}
	return out, nil
}

// Participant returns the participant with the KPJ, or ENOTFOUND.
func (s *Store) Participant(ctx context.Context, kpj string) (*coverage.Participant, error) {
	var out coverage.Participant
	err := s.db.Collection(colParticipants).FindOne(ctx, bson.D{{Key: "_id", Value: kpj}}).Decode(&out)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, coverage.Errorf(coverage.ENOTFOUND, "no participant with KPJ %s", kpj)
	}
	if err != nil {
		return nil, fmt.Errorf("find participant: %w", err)
	}
	return &out, nil
}

// Contributions lists contributions matching f.
func (s *Store) Contributions(ctx context.Context, f coverage.ContributionFilter, p coverage.PageRequest) (coverage.Page[coverage.Contribution], error) {
	if err := checkContributionFilter(f); err != nil {
		return coverage.Page[coverage.Contribution]{}, err
	}
	if s.mem != nil {
		return memPage(ctx, s, listContributions, p, s.decodeContributions, func(p coverage.PageRequest) (memindex.Result, error) {
			return s.mem.Contributions(f, p)
		})
	}
	q, err := s.contributionQuery(ctx, f)
	if err != nil {
		return coverage.Page[coverage.Contribution]{}, err
	}
	return page[coverage.Contribution](ctx, s, listContributions, q, p)
}

func checkContributionFilter(f coverage.ContributionFilter) error {
	if err := checkArea(f.AreaCode); err != nil {
		return err
	}
	if err := checkPeriods(f.PeriodFrom, f.PeriodTo); err != nil {
		return err
	}
	return checkDates(f.PaidFrom, f.PaidTo)
}

func (s *Store) contributionQuery(ctx context.Context, f coverage.ContributionFilter) (query, error) {
	var q query
	eq(&q, "kpj", f.KPJ)
	eq(&q, "nik", f.NIK)
	in(&q, "payer_type", f.PayerTypes)
	between(&q, "period", f.PeriodFrom, f.PeriodTo)
	if f.Unpaid != nil {
		if *f.Unpaid {
			q.add(fieldArrears, bson.D{{Key: "$gt", Value: 0}})
		} else {
			q.add(fieldArrears, bson.D{{Key: "$lte", Value: 0}})
		}
	}
	optionalBetween(&q, "paid_at", f.PaidFrom, f.PaidTo)
	if err := s.ofMembers(ctx, &q, f.AreaCode, nil); err != nil {
		return q, err
	}
	if err := s.onRoster(ctx, &q, f.RosterCategories); err != nil {
		return q, err
	}
	return q, nil
}

// Claims lists claims matching f.
func (s *Store) Claims(ctx context.Context, f coverage.ClaimFilter, p coverage.PageRequest) (coverage.Page[coverage.Claim], error) {
	if err := checkClaimFilter(f); err != nil {
		return coverage.Page[coverage.Claim]{}, err
	}
	if s.mem != nil {
		return memPage(ctx, s, listClaims, p, s.decodeClaims, func(p coverage.PageRequest) (memindex.Result, error) {
			return s.mem.Claims(f, p)
		})
	}
	q, err := s.claimQuery(ctx, f)
	if err != nil {
		return coverage.Page[coverage.Claim]{}, err
	}
	return page[coverage.Claim](ctx, s, listClaims, q, p)
}

func checkClaimFilter(f coverage.ClaimFilter) error {
	if err := checkArea(f.AreaCode); err != nil {
		return err
	}
	if err := checkDates(f.IncidentFrom, f.IncidentTo, f.SubmittedFrom, f.SubmittedTo, f.PaidFrom, f.PaidTo); err != nil {
		return err
	}
	for _, r := range [][2]*int64{{f.AmountClaimedMin, f.AmountClaimedMax}, {f.AmountPaidMin, f.AmountPaidMax}} {
		if r[0] != nil && r[1] != nil && *r[0] > *r[1] {
			return coverage.Errorf(coverage.EINVALID, "an amount range's minimum %d is above its maximum %d", *r[0], *r[1])
		}
	}
	return nil
}

func (s *Store) claimQuery(ctx context.Context, f coverage.ClaimFilter) (query, error) {
	var q query
	eq(&q, "kpj", f.KPJ)
	eq(&q, "nik", f.NIK)
	in(&q, "program", f.Programs)
	in(&q, "benefit", f.Benefits)
	in(&q, "status", f.Statuses)
	between(&q, "incident_date", f.IncidentFrom, f.IncidentTo)
	between(&q, "submitted_at", f.SubmittedFrom, f.SubmittedTo)
	optionalBetween(&q, "paid_at", f.PaidFrom, f.PaidTo)
	amountRange(&q, "amount_claimed", f.AmountClaimedMin, f.AmountClaimedMax)
	amountRange(&q, "amount_paid", f.AmountPaidMin, f.AmountPaidMax)
	if err := s.ofMembers(ctx, &q, f.AreaCode, f.PayerTypes); err != nil {
		return q, err
	}
	return q, nil
}

// Roster lists roster entries matching f.
func (s *Store) Roster(ctx context.Context, f coverage.RosterFilter, p coverage.PageRequest) (coverage.Page[coverage.RosterEntry], error) {
	if err := checkArea(f.AreaCode); err != nil {
		return coverage.Page[coverage.RosterEntry]{}, err
	}
	if err := checkPeriods(f.FundedIn); err != nil {
		return coverage.Page[coverage.RosterEntry]{}, err
	}
	if s.mem != nil {
		return memPage(ctx, s, listRoster, p, s.decodeRoster, func(p coverage.PageRequest) (memindex.Result, error) {
			return s.mem.Roster(f, p)
		})
	}
	var q query
	q.area("kelurahan_code", f.AreaCode)
	eq(&q, "nik", f.NIK)
	in(&q, "category", f.Categories)
	eq(&q, "agency", f.Agency)
	if f.FundedIn != "" {
		between(&q, "funded_from", "", f.FundedIn)
		openEnded(&q, "funded_until", f.FundedIn)
	}
	return page[coverage.RosterEntry](ctx, s, listRoster, q, p)
}

// Workforce lists workforce targets, by year then area code.
func (s *Store) Workforce(ctx context.Context, f coverage.WorkforceFilter) ([]coverage.WorkforceTarget, error) {
	var q query
	if f.Year != 0 {
		q.add("year", f.Year)
	}
	eq(&q, "area_code", f.AreaCode)
	cur, err := s.db.Collection(colWorkforce).Find(ctx, q.doc(), options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find workforce: %w", err)
	}
	out := []coverage.WorkforceTarget{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read workforce: %w", err)
	}
	return out, nil
}

// query builds a conjunctive filter.
type query struct{ d bson.D }

func (q *query) add(key string, v any) { q.d = append(q.d, bson.E{Key: key, Value: v}) }

func (q *query) doc() bson.D {
	if len(q.d) == 0 {
		return bson.D{}
	}
	// $and keeps two conditions on one field (status from two filters) both in force.
	if len(q.d) == 1 {
		return q.d
	}
	and := make(bson.A, len(q.d))
	for i, e := range q.d {
		and[i] = bson.D{e}
	}
	return bson.D{{Key: "$and", Value: and}}
}

func eq[T ~string](q *query, key string, v T) {
	if v != "" {
		q.add(key, string(v))
	}
}

func in[T ~string](q *query, key string, vs []T) {
	if len(vs) == 0 {
		return
	}
	a := make(bson.A, len(vs))
	for i, v := range vs {
		a[i] = string(v)
	}
	q.add(key, bson.D{{Key: "$in", Value: a}})
}

// between adds from <= key <= to for string-ordered values (dates, periods); an
// empty bound is open.
func between[T ~string](q *query, key string, from, to T) {
	var r bson.D
	if from != "" {
		r = append(r, bson.E{Key: "$gte", Value: string(from)})
	}
	if to != "" {
		r = append(r, bson.E{Key: "$lte", Value: string(to)})
	}
	if r != nil {
		q.add(key, r)
	}
}

// optionalBetween is between for a field that may be "" (an optional date):
// with any bound, a record without the field does not match.
func optionalBetween[T ~string](q *query, key string, from, to T) {
	if from == "" && to != "" {
		q.add(key, bson.D{{Key: "$gt", Value: ""}})
	}
	between(q, key, from, to)
}

// amountRange adds min <= key <= max; nil bounds are open.
func amountRange(q *query, key string, lo, hi *int64) {
	var r bson.D
	if lo != nil {
		r = append(r, bson.E{Key: "$gte", Value: *lo})
	}
	if hi != nil {
		r = append(r, bson.E{Key: "$lte", Value: *hi})
	}
	if r != nil {
		q.add(key, r)
	}
}

// openEnded adds: key is empty (no end) or key >= v.
func openEnded[T ~string](q *query, key string, v T) {
	q.add("$or", bson.A{
		bson.D{{Key: key, Value: ""}},
		bson.D{{Key: key, Value: bson.D{{Key: "$gte", Value: string(v)}}}},
	})
}

// area restricts a kelurahan code field to an area: the city, a kecamatan or a
// kelurahan (checked by checkArea). Area codes are prefixes of the kelurahan
// codes under them; an anchored regex on a prefix is an index range on MongoDB.
func (q *query) area(key, code string) {
	switch {
	case code == "":
	case len(code) == 10:
		q.add(key, code)
	default:
		q.add(key, bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(code)}})
	}
}

func checkArea(code string) error {
	if code == "" {
		return nil
	}
	_, err := coverage.AreaLevelOf(code)
	return err
}

func checkPeriods(ps ...coverage.Period) error {
	for _, p := range ps {
		if err := p.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func checkDates(ds ...coverage.Date) error {
	for _, d := range ds {
		if err := d.Validate(); err != nil {
			return err
		}
	}
	return nil
}
