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
)

// Participants lists participants matching f, in KPJ order.
func (s *Store) Participants(ctx context.Context, f coverage.ParticipantFilter, p coverage.PageRequest) (coverage.Page[coverage.Participant], error) {
	var q query
	if err := q.area(f.AreaCode); err != nil {
		return coverage.Page[coverage.Participant]{}, err
	}
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
	return page[coverage.Participant](ctx, s, colParticipants, q, p)
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

// Contributions lists contributions matching f, in id order.
func (s *Store) Contributions(ctx context.Context, f coverage.ContributionFilter, p coverage.PageRequest) (coverage.Page[coverage.Contribution], error) {
	var q query
	eq(&q, "kpj", f.KPJ)
	eq(&q, "nik", f.NIK)
	in(&q, "payer_type", f.PayerTypes)
	if err := q.periods("period", f.PeriodFrom, f.PeriodTo); err != nil {
		return coverage.Page[coverage.Contribution]{}, err
	}
	if f.Unpaid != nil {
		if *f.Unpaid {
			q.add(fieldArrears, bson.D{{Key: "$gt", Value: 0}})
		} else {
			q.add(fieldArrears, bson.D{{Key: "$lte", Value: 0}})
		}
	}
	return page[coverage.Contribution](ctx, s, colContributions, q, p)
}

// Claims lists claims matching f, in claim number order.
func (s *Store) Claims(ctx context.Context, f coverage.ClaimFilter, p coverage.PageRequest) (coverage.Page[coverage.Claim], error) {
	var q query
	eq(&q, "kpj", f.KPJ)
	eq(&q, "nik", f.NIK)
	in(&q, "program", f.Programs)
	in(&q, "benefit", f.Benefits)
	in(&q, "status", f.Statuses)
	between(&q, "incident_date", f.IncidentFrom, f.IncidentTo)
	between(&q, "submitted_at", f.SubmittedFrom, f.SubmittedTo)
	return page[coverage.Claim](ctx, s, colClaims, q, p)
}

// Roster lists roster entries matching f, in NIK:category order.
func (s *Store) Roster(ctx context.Context, f coverage.RosterFilter, p coverage.PageRequest) (coverage.Page[coverage.RosterEntry], error) {
	var q query
	if err := q.area(f.AreaCode); err != nil {
		return coverage.Page[coverage.RosterEntry]{}, err
	}
	eq(&q, "nik", f.NIK)
	in(&q, "category", f.Categories)
	eq(&q, "agency", f.Agency)
	if f.FundedIn != "" {
		if err := f.FundedIn.Validate(); err != nil {
			return coverage.Page[coverage.RosterEntry]{}, err
		}
		between(&q, "funded_from", "", f.FundedIn)
		openEnded(&q, "funded_until", f.FundedIn)
	}
	return page[coverage.RosterEntry](ctx, s, colRoster, q, p)
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

func (q *query) periods(key string, from, to coverage.Period) error {
	if err := from.Validate(); err != nil {
		return err
	}
	if err := to.Validate(); err != nil {
		return err
	}
	between(q, key, from, to)
	return nil
}

// openEnded adds: key is empty (no end) or key >= v.
func openEnded[T ~string](q *query, key string, v T) {
	q.add("$or", bson.A{
		bson.D{{Key: key, Value: ""}},
		bson.D{{Key: key, Value: bson.D{{Key: "$gte", Value: string(v)}}}},
	})
}

// area restricts kelurahan_code to an area: the city, a kecamatan or a kelurahan.
// Area codes are prefixes of the kelurahan codes under them.
func (q *query) area(code string) error {
	if code == "" {
		return nil
	}
	level, err := coverage.AreaLevelOf(code)
	if err != nil {
		return err
	}
	if level == coverage.LevelKelurahan {
		q.add("kelurahan_code", code)
		return nil
	}
	q.add("kelurahan_code", bson.D{{Key: "$regex", Value: "^" + code}})
	return nil
}

// page runs a keyset-paginated find in _id order and counts the matches.
func page[T any](ctx context.Context, s *Store, name string, q query, p coverage.PageRequest) (coverage.Page[T], error) {
	var out coverage.Page[T]
	p, err := p.Normalize()
	if err != nil {
		return out, err
	}
	col := s.db.Collection(name)
	if field, value, ok := s.accelerated(name, q); ok {
		return acceleratedPage[T](ctx, s, col, field, value, p)
	}
	filter := q.doc()
	total, err := col.CountDocuments(ctx, filter)
	if err != nil {
		return out, fmt.Errorf("count %s: %w", col.Name(), err)
	}
	out.TotalCount = total
	if p.After != "" {
		q.add("_id", bson.D{{Key: "$gt", Value: p.After}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(p.First) + 1)
	cur, err := col.Find(ctx, q.doc(), opts)
	if err != nil {
		return out, fmt.Errorf("find %s: %w", col.Name(), err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		if len(out.Items) == p.First {
			out.HasNextPage = true
			break
		}
		var item T
		if err := cur.Decode(&item); err != nil {
			return out, fmt.Errorf("decode %s: %w", col.Name(), err)
		}
		out.Items = append(out.Items, item)
		out.Keys = append(out.Keys, cur.Current.Lookup("_id").StringValue())
	}
	if err := cur.Err(); err != nil {
		return out, fmt.Errorf("read %s: %w", col.Name(), err)
	}
	return out, nil
}

// acceleratedPage serves a page from the embedded engine's indexes (accel.go).
func acceleratedPage[T any](ctx context.Context, s *Store, col *mongo.Collection, field, value string, p coverage.PageRequest) (coverage.Page[T], error) {
	var out coverage.Page[T]
	keys, total, err := s.embedded.pageKeys(ctx, col.Name(), field, value, p.After, p.First+1)
	if err != nil {
		return out, err
	}
	out.TotalCount = total
	if len(keys) > p.First {
		out.HasNextPage, keys = true, keys[:p.First]
	}
	for _, k := range keys {
		var item T
		err := col.FindOne(ctx, bson.D{{Key: "_id", Value: k}}).Decode(&item)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // deleted since the keys were read
		}
		if err != nil {
			return out, fmt.Errorf("read %s %s: %w", col.Name(), k, err)
		}
		out.Items = append(out.Items, item)
		out.Keys = append(out.Keys, k)
	}
	return out, nil
}
