package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store/memindex"
)

// Collections of the reconciliation.
const (
	colDiscrepancies  = "discrepancies"
	colReconcileRuns  = "reconcile_runs"
	colRollups        = "rollups"
	colRollupChunks   = "rollup_chunks"
	colDeclared       = "declared_totals"
	colWorkforceAdmin = "workforce_targets"
)

// discrepancyDoc is a discrepancy as stored.
type discrepancyDoc struct {
	ID             string    `bson:"_id"`
	Kind           string    `bson:"kind"`
	Severity       string    `bson:"severity"`
	Status         string    `bson:"status"`
	NIK            string    `bson:"nik"`
	KPJ            string    `bson:"kpj"`
	Category       string    `bson:"category"`
	ClaimNo        string    `bson:"claim_no"`
	AreaCode       string    `bson:"area_code"`
	Periods        []string  `bson:"periods"`
	Amount         int64     `bson:"amount"`
	Detail         string    `bson:"detail"`
	FirstSeen      time.Time `bson:"first_seen"`
	LastSeen       time.Time `bson:"last_seen"`
	FirstRun       string    `bson:"first_run"`
	AcknowledgedBy string    `bson:"acknowledged_by"`
	AcknowledgedAt time.Time `bson:"acknowledged_at"`
	ResolvedBy     string    `bson:"resolved_by"`
	ResolvedAt     time.Time `bson:"resolved_at"`
	ResolutionNote string    `bson:"resolution_note"`
	AutoResolved   bool      `bson:"auto_resolved"`
	Hash           string    `bson:"_hash"`
}

// findingHash is the content hash of a finding: what the officer sees of it.
func findingHash(f *coverage.Finding) string {
	var periods []string
	for _, p := range f.Periods {
		periods = append(periods, string(p))
	}
	s := strings.Join([]string{string(f.Kind), string(f.Severity), f.NIK, f.KPJ, string(f.Category), f.ClaimNo, f.AreaCode,
		strings.Join(periods, ","), fmt.Sprint(f.Amount), f.Detail}, "|")
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

func (d *discrepancyDoc) setFinding(f *coverage.Finding) {
	d.ID, d.Kind, d.Severity, d.NIK, d.KPJ = f.ID, string(f.Kind), string(f.Severity), f.NIK, f.KPJ
	d.Category, d.ClaimNo, d.AreaCode, d.Amount, d.Detail = string(f.Category), f.ClaimNo, f.AreaCode, f.Amount, f.Detail
	d.Periods = make([]string, len(f.Periods))
	for i, p := range f.Periods {
		d.Periods[i] = string(p)
	}
	d.Hash = findingHash(f)
}

func (d *discrepancyDoc) discrepancy() coverage.Discrepancy {
	out := coverage.Discrepancy{
		Finding: coverage.Finding{ID: d.ID, Kind: coverage.DiscrepancyKind(d.Kind), Severity: coverage.Severity(d.Severity),
			NIK: d.NIK, KPJ: d.KPJ, Category: coverage.Category(d.Category), ClaimNo: d.ClaimNo, AreaCode: d.AreaCode,
			Amount: d.Amount, Detail: d.Detail},
		Status: coverage.DiscrepancyStatus(d.Status), FirstSeen: d.FirstSeen, LastSeen: d.LastSeen, FirstRun: d.FirstRun,
		AcknowledgedBy: d.AcknowledgedBy, AcknowledgedAt: d.AcknowledgedAt, ResolvedBy: d.ResolvedBy, ResolvedAt: d.ResolvedAt,
		ResolutionNote: d.ResolutionNote, AutoResolved: d.AutoResolved,
	}
	for _, p := range d.Periods {
		out.Periods = append(out.Periods, coverage.Period(p))
	}
	return out
}

// ReconcilerName is the author of automatic resolutions.
const ReconcilerName = "reconciliation"

// SaveFindings merges the findings of a pass into the stored discrepancies: new
// findings open, changed ones are updated (and reopened if they had been
// resolved), resolved ones whose condition is unchanged stay resolved, and open
// ones no longer found are resolved automatically. Only what changes is
// written, so a pass over unchanged data writes nothing. asOf is the data's
// as-of time: first and last seen are in data time.
func (s *Store) SaveFindings(ctx context.Context, runID string, asOf time.Time, findings []coverage.Finding) (coverage.FindingCounts, error) {
	counts := coverage.FindingCounts{Found: int64(len(findings))}
	asOf = asOf.UTC().Truncate(time.Millisecond)
	col := s.db.Collection(colDiscrepancies)
	existing := map[string]discrepancyDoc{}
	cur, err := col.Find(ctx, bson.D{})
	if err != nil {
		return counts, fmt.Errorf("read discrepancies: %w", err)
	}
	for cur.Next(ctx) {
		var d discrepancyDoc
		if err := cur.Decode(&d); err != nil {
			cur.Close(ctx)
			return counts, fmt.Errorf("decode discrepancy: %w", err)
		}
		existing[d.ID] = d
	}
	if err := cur.Err(); err != nil {
		cur.Close(ctx)
		return counts, fmt.Errorf("read discrepancies: %w", err)
	}
	cur.Close(ctx)

	var inserts []any
	var replaces []mongo.WriteModel
	found := make(map[string]bool, len(findings))
	for i := range findings {
		f := &findings[i]
		found[f.ID] = true
		d, ok := existing[f.ID]
		if !ok {
			n := discrepancyDoc{Status: string(coverage.StatusOpen), FirstSeen: asOf, LastSeen: asOf, FirstRun: runID}
			n.setFinding(f)
			inserts = append(inserts, n)
			counts.Opened++
			continue
		}
		same := d.Hash == findingHash(f)
		resolved := d.Status == string(coverage.StatusResolved)
		switch {
		case resolved && same && !d.AutoResolved:
			counts.Unchanged++ // the officer's resolution stands while nothing changes
			continue
		case resolved:
			d.Status, d.ResolvedBy, d.ResolvedAt, d.ResolutionNote, d.AutoResolved = string(coverage.StatusOpen), "", time.Time{}, "", false
			d.AcknowledgedBy, d.AcknowledgedAt = "", time.Time{}
			counts.Reopened++
		case same && !asOf.After(d.LastSeen):
			counts.Unchanged++
			continue
		case same:
			counts.Unchanged++
		default:
			counts.Updated++
		}
		d.setFinding(f)
		d.LastSeen = maxTime(d.LastSeen, asOf)
		replaces = append(replaces, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: d.ID}}).SetReplacement(d))
	}
	for id, d := range existing {
		if found[id] || d.Status == string(coverage.StatusResolved) {
			continue
		}
		d.Status, d.ResolvedBy, d.ResolvedAt, d.AutoResolved = string(coverage.StatusResolved), ReconcilerName, asOf, true
		d.ResolutionNote = "the condition is no longer found in the data"
		replaces = append(replaces, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetReplacement(d))
		counts.Resolved++
	}
	written := make([]string, 0, len(inserts)+len(replaces))
	for _, d := range inserts {
		written = append(written, d.(discrepancyDoc).ID)
	}
	for _, m := range replaces {
		written = append(written, m.(*mongo.ReplaceOneModel).Filter.(bson.D)[0].Value.(string))
	}
	return counts, errors.Join(s.writeFindings(ctx, col, inserts, replaces), s.refresh(ctx, colDiscrepancies, written))
}

func (s *Store) writeFindings(ctx context.Context, col *mongo.Collection, inserts []any, replaces []mongo.WriteModel) error {
	for start := 0; start < len(inserts); start += 1000 {
		end := min(start+1000, len(inserts))
		if _, err := col.InsertMany(ctx, inserts[start:end], options.InsertMany().SetOrdered(false)); err != nil {
			return fmt.Errorf("insert discrepancies: %w", err)
		}
	}
	if len(replaces) > 0 {
		if err := s.bulkWrite(ctx, col, replaces); err != nil {
			return fmt.Errorf("update discrepancies: %w", err)
		}
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func discrepancyQuery(f coverage.DiscrepancyFilter) (query, error) {
	var q query
	if err := checkArea(f.AreaCode); err != nil {
		return q, err
	}
	if err := checkPeriods(f.Period); err != nil {
		return q, err
	}
	in(&q, "kind", f.Kinds)
	in(&q, "severity", f.Severities)
	in(&q, "status", f.Statuses)
	eq(&q, "category", f.Category)
	eq(&q, "nik", f.NIK)
	eq(&q, "kpj", f.KPJ)
	eq(&q, "periods", f.Period)
	q.area("area_code", f.AreaCode)
	return q, nil
}

// Discrepancies lists discrepancies (by default in ID order, grouped by kind).
func (s *Store) Discrepancies(ctx context.Context, f coverage.DiscrepancyFilter, p coverage.PageRequest) (coverage.Page[coverage.Discrepancy], error) {
	q, err := discrepancyQuery(f)
	if err != nil {
		return coverage.Page[coverage.Discrepancy]{}, err
	}
	if s.mem != nil {
		return memPage(ctx, s, listDiscrepancies, p, s.decodeDiscrepancies, func(p coverage.PageRequest) (memindex.Result, error) {
			return s.mem.Discrepancies(f, p)
		})
	}
	docs, err := page[discrepancyDoc](ctx, s, listDiscrepancies, q, p)
	out := coverage.Page[coverage.Discrepancy]{Cursors: docs.Cursors, TotalCount: docs.TotalCount, HasNextPage: docs.HasNextPage}
	for i := range docs.Items {
		out.Items = append(out.Items, docs.Items[i].discrepancy())
	}
	return out, err
}

// DiscrepancyCounts counts the matching discrepancies by kind.
func (s *Store) DiscrepancyCounts(ctx context.Context, f coverage.DiscrepancyFilter) (map[coverage.DiscrepancyKind]coverage.KindTally, error) {
	q, err := discrepancyQuery(f)
	if err != nil {
		return nil, err
	}
	if s.mem != nil {
		if err := s.indexReady(ctx); err != nil {
			return nil, err
		}
		return s.mem.DiscrepancyCounts(f), nil
	}
	// Grouped by the server by kind and amount, counted: the client gets one
	// document per distinct amount of a kind (amounts are mostly a tariff
	// times some months: few), not one per discrepancy. One accumulator only:
	// FerretDB computes only the first of several (FerretDB issue #4616).
	cur, err := s.db.Collection(colDiscrepancies).Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: q.doc()}},
		{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: bson.D{{Key: "kind", Value: "$kind"}, {Key: "amount", Value: "$amount"}}},
			{Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}},
		}}},
	})
	if err != nil {
		return nil, fmt.Errorf("count discrepancies: %w", err)
	}
	defer cur.Close(ctx)
	out := map[coverage.DiscrepancyKind]coverage.KindTally{}
	for cur.Next(ctx) {
		id, ok := cur.Current.Lookup("_id").DocumentOK()
		kind, kindOK := id.Lookup("kind").StringValueOK()
		if !ok || !kindOK {
			return nil, fmt.Errorf("count discrepancies: a group without a kind: %s", cur.Current)
		}
		n := lookupInt64(cur.Current, "n")
		t := out[coverage.DiscrepancyKind(kind)]
		t.Count += n
		t.Amount += n * lookupInt64(id, "amount")
		out[coverage.DiscrepancyKind(kind)] = t
	}
	return out, cur.Err()
}

// Discrepancy returns one discrepancy, or ENOTFOUND.
func (s *Store) Discrepancy(ctx context.Context, id string) (*coverage.Discrepancy, error) {
	var d discrepancyDoc
	err := s.db.Collection(colDiscrepancies).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, coverage.Errorf(coverage.ENOTFOUND, "no discrepancy %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read discrepancy: %w", err)
	}
	out := d.discrepancy()
	return &out, nil
}

// AcknowledgeDiscrepancy marks an open discrepancy as seen by an officer.
func (s *Store) AcknowledgeDiscrepancy(ctx context.Context, id, by string, at time.Time) (*coverage.Discrepancy, error) {
	return s.transition(ctx, id, []coverage.DiscrepancyStatus{coverage.StatusOpen}, bson.D{
		{Key: "status", Value: string(coverage.StatusAcknowledged)},
		{Key: "acknowledged_by", Value: by}, {Key: "acknowledged_at", Value: at.UTC()},
	})
}

// ResolveDiscrepancy closes an open or acknowledged discrepancy with a note.
// If its condition is still found by a later pass with changed content, the
// pass reopens it.
func (s *Store) ResolveDiscrepancy(ctx context.Context, id, by, note string, at time.Time) (*coverage.Discrepancy, error) {
	if strings.TrimSpace(note) == "" {
		return nil, coverage.Errorf(coverage.EINVALID, "a resolution needs a note")
	}
	return s.transition(ctx, id, []coverage.DiscrepancyStatus{coverage.StatusOpen, coverage.StatusAcknowledged}, bson.D{
		{Key: "status", Value: string(coverage.StatusResolved)}, {Key: "resolved_by", Value: by},
		{Key: "resolved_at", Value: at.UTC()}, {Key: "resolution_note", Value: note}, {Key: "auto_resolved", Value: false},
	})
}

// transition moves a discrepancy from one of the statuses to a new state with
// a conditional update, so two officers cannot both act on the same state.
func (s *Store) transition(ctx context.Context, id string, from []coverage.DiscrepancyStatus, set bson.D) (*coverage.Discrepancy, error) {
	col := s.db.Collection(colDiscrepancies)
	var statuses bson.A
	for _, st := range from {
		statuses = append(statuses, string(st))
	}
	res, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "status", Value: bson.D{{Key: "$in", Value: statuses}}}},
		bson.D{{Key: "$set", Value: set}})
	err = errors.Join(err, s.refresh(ctx, colDiscrepancies, []string{id}))
	if err != nil {
		return nil, fmt.Errorf("update discrepancy: %w", err)
	}
	d, err := s.Discrepancy(ctx, id)
	if err != nil {
		return nil, err
	}
	if res.MatchedCount == 0 {
		return nil, coverage.Errorf(coverage.ECONFLICT, "discrepancy %s is %s, not %v", id, d.Status, from)
	}
	return d, nil
}

// lookupInt64 reads an integer field of a raw document: 0 when absent.
func lookupInt64(d bson.Raw, key string) int64 {
	n, _ := d.Lookup(key).AsInt64OK()
	return n
}
