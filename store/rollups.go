package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// Rollup versions are stored as a version document in `rollups` and the cells
// in chunks of binCells in `rollup_chunks` (_id "<version>-<n>"), in binary
// (rollupbin.go; versions written before it: 2,000 cell documents a chunk). The chunks
// are written first and the version document last, so a reader that finds a
// version finds all its cells; readers fetch chunks by _id, which is indexed
// on every engine. The last keepVersions versions are kept.
const keepVersions = 3

type rollupDoc struct {
	ID      string    `bson:"_id"`
	Version int64     `bson:"version"`
	Hash    string    `bson:"hash"`
	RunID   string    `bson:"run_id"`
	BuiltAt time.Time `bson:"built_at"`
	AsOf    time.Time `bson:"as_of"`
	From    string    `bson:"from"`
	To      string    `bson:"to"`
	Cells   int64     `bson:"cells"`
	Chunks  int64     `bson:"chunks"`
	// Tables counts the chunks of the experience and plan tables
	// (tableChunkID), 0 in a version written before them.
	Tables   int64 `bson:"tables,omitempty"`
	PlanYear int   `bson:"plan_year,omitempty"`
}

type chunkDoc struct {
	ID      string    `bson:"_id"`
	Version int64     `bson:"version"`
	Cells   []cellDoc `bson:"cells,omitempty"`  // chunks written before the binary format
	Format  int       `bson:"format,omitempty"` // binFormat when Bin holds the cells
	Bin     []byte    `bson:"bin,omitempty"`
}

// cellDoc is a cell with short names; zero measures are left out.
type cellDoc struct {
	P   string     `bson:"p"`
	K   string     `bson:"k,omitempty"`
	C   string     `bson:"c,omitempty"`
	Py  string     `bson:"py,omitempty"`
	S   string     `bson:"s,omitempty"`
	G   string     `bson:"g,omitempty"`
	A   string     `bson:"a,omitempty"`
	Act int64      `bson:"act,omitempty"`
	Ppl int64      `bson:"ppl,omitempty"`
	New int64      `bson:"new,omitempty"`
	Lap int64      `bson:"lap,omitempty"`
	Bil int64      `bson:"bil,omitempty"`
	Due int64      `bson:"due,omitempty"`
	PC  int64      `bson:"pc,omitempty"`
	PA  int64      `bson:"pa,omitempty"`
	UO  int64      `bson:"uo,omitempty"`
	Arr int64      `bson:"arr,omitempty"`
	Fun int64      `bson:"fun,omitempty"`
	FE  int64      `bson:"fe,omitempty"`
	FY  int64      `bson:"fy,omitempty"`
	FMD int64      `bson:"fmd,omitempty"`
	FNY int64      `bson:"fny,omitempty"`
	Cl  []claimDoc `bson:"cl,omitempty"` // by coverage.Programs index, only when any claim
}

type claimDoc struct {
	SC int64 `bson:"sc,omitempty"`
	SA int64 `bson:"sa,omitempty"`
	PC int64 `bson:"pc,omitempty"`
	PA int64 `bson:"pa,omitempty"`
}

func toCellDoc(c *reconcile.Cell) cellDoc {
	m := &c.Measures
	d := cellDoc{P: string(c.Period), K: c.Kelurahan, C: string(c.Category), Py: string(c.Payer), S: string(c.Segment),
		G: string(c.Gender), A: string(c.AgeBand), Act: m.Active, New: m.New, Lap: m.Lapsed, Bil: m.Billed, Due: m.DueAmount,
		PC: m.PaidCount, PA: m.PaidAmount, UO: m.UnpaidOverdue, Arr: m.Arrears, Fun: m.Funded, FE: m.FundedEnrolled,
		FY: m.FundedFirstYear, FMD: m.FundedMonthlyDue, Ppl: m.People, FNY: m.FundedNextYearDue}
	if m.Claims != [5]reconcile.ClaimMeasures{} {
		d.Cl = make([]claimDoc, len(m.Claims))
		for i, cm := range m.Claims {
			d.Cl[i] = claimDoc{SC: cm.SubmittedCount, SA: cm.SubmittedAmount, PC: cm.PaidCount, PA: cm.PaidAmount}
		}
	}
	return d
}

func (d *cellDoc) cell() reconcile.Cell {
	c := reconcile.Cell{Key: reconcile.Key{Period: coverage.Period(d.P), Kelurahan: d.K, Category: coverage.Category(d.C),
		Payer: coverage.PayerType(d.Py), Segment: coverage.Segment(d.S), Gender: coverage.Gender(d.G), AgeBand: reconcile.AgeBand(d.A)},
		Measures: reconcile.Measures{Active: d.Act, New: d.New, Lapsed: d.Lap, Billed: d.Bil, DueAmount: d.Due, PaidCount: d.PC,
			PaidAmount: d.PA, UnpaidOverdue: d.UO, Arrears: d.Arr, Funded: d.Fun, FundedEnrolled: d.FE, FundedFirstYear: d.FY,
			FundedMonthlyDue: d.FMD, People: d.Ppl, FundedNextYearDue: d.FNY}}
	for i := 0; i < len(d.Cl) && i < len(c.Claims); i++ {
		cm := d.Cl[i]
		c.Claims[i] = reconcile.ClaimMeasures{SubmittedCount: cm.SC, SubmittedAmount: cm.SA, PaidCount: cm.PC, PaidAmount: cm.PA}
	}
	return c
}

// RollupVersion is the newest stored rollup's metadata, without its cells.
type RollupVersion struct {
	Version int64
	Hash    string
	RunID   string
	BuiltAt time.Time
	AsOf    time.Time
	Cells   int64
}

// LatestRollupVersion returns the newest stored version, or Version 0 when
// none is stored.
func (s *Store) LatestRollupVersion(ctx context.Context) (RollupVersion, error) {
	d, err := s.latestRollup(ctx)
	if err != nil || d == nil {
		return RollupVersion{}, err
	}
	return RollupVersion{Version: d.Version, Hash: d.Hash, RunID: d.RunID, BuiltAt: d.BuiltAt, AsOf: d.AsOf, Cells: d.Cells}, nil
}

func (s *Store) latestRollup(ctx context.Context) (*rollupDoc, error) {
	var d rollupDoc
	err := s.db.Collection(colRollups).FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "version", Value: -1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read rollup version: %w", err)
	}
	return &d, nil
}

// SaveRollup stores r as a new version unless the newest stored version has
// the same cells; it returns the version holding r's cells and whether it is new.
func (s *Store) SaveRollup(ctx context.Context, r *reconcile.Rollup) (int64, bool, error) {
	latest, err := s.latestRollup(ctx)
	if err != nil {
		return 0, false, err
	}
	if latest != nil && latest.Hash == r.Hash {
		return latest.Version, false, nil
	}
	version := int64(1)
	if latest != nil {
		version = latest.Version + 1
	}
	chunks := s.db.Collection(colRollupChunks)
	n := int64(0)
	for start := 0; start < len(r.Cells); start += binCells {
		end := min(start+binCells, len(r.Cells))
		doc := chunkDoc{ID: chunkID(version, n), Version: version, Format: binFormat, Bin: encodeCells(r.Cells[start:end])}
		// Replace: a crashed earlier attempt at this version may have left chunks.
		if _, err := chunks.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true)); err != nil {
			return 0, false, fmt.Errorf("write rollup chunk: %w", err)
		}
		n++
	}
	tables, err := writeTables(ctx, chunks, version, r)
	if err != nil {
		return 0, false, err
	}
	doc := rollupDoc{ID: fmt.Sprintf("v%012d", version), Version: version, Hash: r.Hash, RunID: r.RunID,
		BuiltAt: r.BuiltAt.UTC().Truncate(time.Millisecond), AsOf: r.AsOf.UTC().Truncate(time.Millisecond),
		From: string(r.From), To: string(r.To), Cells: int64(len(r.Cells)), Chunks: n, Tables: tables, PlanYear: r.PlanYear}
	if _, err := s.db.Collection(colRollups).InsertOne(ctx, doc); err != nil {
		return 0, false, fmt.Errorf("write rollup version: %w", err)
	}
	s.pruneRollups(ctx, version)
	return version, true, nil
}

func chunkID(version, n int64) string { return fmt.Sprintf("v%012d-%06d", version, n) }

// pruneRollups removes versions older than the last keepVersions. Failures
// only leave garbage behind, so they are logged, not returned.
func (s *Store) pruneRollups(ctx context.Context, latest int64) {
	below := latest - keepVersions + 1
	if below <= 1 {
		return
	}
	cur, err := s.db.Collection(colRollups).Find(ctx, bson.D{{Key: "version", Value: bson.D{{Key: "$lt", Value: below}}}})
	if err != nil {
		s.log.Warn("prune rollups", "error", err)
		return
	}
	var old []rollupDoc
	if err := cur.All(ctx, &old); err != nil {
		s.log.Warn("prune rollups", "error", err)
		return
	}
	for _, d := range old {
		if _, err := s.db.Collection(colRollups).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}}); err != nil {
			s.log.Warn("prune rollups", "error", err)
			return
		}
		for n := int64(0); n < d.Chunks; n++ {
			if _, err := s.db.Collection(colRollupChunks).DeleteOne(ctx, bson.D{{Key: "_id", Value: chunkID(d.Version, n)}}); err != nil {
				s.log.Warn("prune rollups", "error", err)
				return
			}
		}
		for n := int64(0); n < d.Tables; n++ {
			if _, err := s.db.Collection(colRollupChunks).DeleteOne(ctx, bson.D{{Key: "_id", Value: tableChunkID(d.Version, n)}}); err != nil {
				s.log.Warn("prune rollups", "error", err)
				return
			}
		}
	}
}

// LatestRollup reads the newest stored rollup with its cells; nil when none.
func (s *Store) LatestRollup(ctx context.Context) (*reconcile.Rollup, error) {
	d, err := s.latestRollup(ctx)
	if err != nil || d == nil {
		return nil, err
	}
	r := &reconcile.Rollup{Version: d.Version, Hash: d.Hash, RunID: d.RunID, BuiltAt: d.BuiltAt, AsOf: d.AsOf,
		From: coverage.Period(d.From), To: coverage.Period(d.To), Cells: make([]reconcile.Cell, 0, d.Cells)}
	for n := int64(0); n < d.Chunks; n++ {
		var c chunkDoc
		if err := s.db.Collection(colRollupChunks).FindOne(ctx, bson.D{{Key: "_id", Value: chunkID(d.Version, n)}}).Decode(&c); err != nil {
			return nil, fmt.Errorf("read rollup %d chunk %d: %w", d.Version, n, err)
		}
		switch {
		case c.Format == binFormat:
			var err error
			if r.Cells, err = decodeCells(c.Bin, r.Cells); err != nil {
				return nil, fmt.Errorf("read rollup %d chunk %d: %w", d.Version, n, err)
			}
		case c.Format != 0:
			return nil, fmt.Errorf("read rollup %d chunk %d: format %d is unknown to this version (written by a newer one?)", d.Version, n, c.Format)
		default:
			for i := range c.Cells {
				r.Cells = append(r.Cells, c.Cells[i].cell())
			}
		}
	}
	if int64(len(r.Cells)) != d.Cells {
		return nil, fmt.Errorf("rollup %d: %d cells, its version says %d", d.Version, len(r.Cells), d.Cells)
	}
	if err := s.readTables(ctx, d, r); err != nil {
		return nil, err
	}
	return r, nil
}

// reconcileRunDoc is a reconciliation run as stored.
type reconcileRunDoc struct {
	ID            string    `bson:"_id"`
	Trigger       string    `bson:"trigger"`
	Status        string    `bson:"status"`
	StartedAt     time.Time `bson:"started_at"`
	FinishedAt    time.Time `bson:"finished_at"`
	AsOf          time.Time `bson:"as_of"`
	Error         string    `bson:"error"`
	Read          int64     `bson:"read"`
	People        int64     `bson:"people"`
	Found         int64     `bson:"found"`
	Opened        int64     `bson:"opened"`
	Reopened      int64     `bson:"reopened"`
	Updated       int64     `bson:"updated"`
	Unchanged     int64     `bson:"unchanged"`
	Resolved      int64     `bson:"resolved"`
	RollupVersion int64     `bson:"rollup_version"`
	Cells         int64     `bson:"cells"`
	NewVersion    bool      `bson:"new_version"`
}

// SaveReconcileRun writes a reconciliation run, creating or replacing it.
func (s *Store) SaveReconcileRun(ctx context.Context, r coverage.ReconcileRun) error {
	d := reconcileRunDoc{ID: r.ID, Trigger: r.Trigger, Status: string(r.Status), StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		AsOf: r.AsOf, Error: r.Error, Read: r.Read, People: r.People, Found: r.Findings.Found, Opened: r.Findings.Opened,
		Reopened: r.Findings.Reopened, Updated: r.Findings.Updated, Unchanged: r.Findings.Unchanged, Resolved: r.Findings.Resolved,
		RollupVersion: r.RollupVersion, Cells: r.Cells, NewVersion: r.NewVersion}
	_, err := s.db.Collection(colReconcileRuns).ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, d, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("save reconcile run: %w", err)
	}
	return nil
}

// ReconcileRuns lists the latest reconciliation runs, newest first.
func (s *Store) ReconcileRuns(ctx context.Context, first int) ([]coverage.ReconcileRun, error) {
	if first <= 0 || first > 100 {
		return nil, coverage.Errorf(coverage.EINVALID, "first must be between 1 and 100, got %d", first)
	}
	cur, err := s.db.Collection(colReconcileRuns).Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "started_at", Value: -1}}).SetLimit(int64(first)))
	if err != nil {
		return nil, fmt.Errorf("read reconcile runs: %w", err)
	}
	var docs []reconcileRunDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read reconcile runs: %w", err)
	}
	out := make([]coverage.ReconcileRun, len(docs))
	for i, d := range docs {
		out[i] = coverage.ReconcileRun{ID: d.ID, Trigger: d.Trigger, Status: coverage.RunStatus(d.Status), StartedAt: d.StartedAt,
			FinishedAt: d.FinishedAt, AsOf: d.AsOf, Error: d.Error, Read: d.Read, People: d.People,
			Findings: coverage.FindingCounts{Found: d.Found, Opened: d.Opened, Reopened: d.Reopened, Updated: d.Updated,
				Unchanged: d.Unchanged, Resolved: d.Resolved},
			RollupVersion: d.RollupVersion, Cells: d.Cells, NewVersion: d.NewVersion}
	}
	return out, nil
}

// declaredDoc is a declared total as stored.
type declaredDoc struct {
	ID       string    `bson:"_id"`
	Metric   string    `bson:"metric"`
	Year     int       `bson:"year"`
	AreaCode string    `bson:"area_code"`
	Category string    `bson:"category"`
	Value    int64     `bson:"value"`
	Source   string    `bson:"source"`
	SetBy    string    `bson:"set_by"`
	SetAt    time.Time `bson:"set_at"`
}

// SetDeclaredTotal records (or replaces) a declared figure.
func (s *Store) SetDeclaredTotal(ctx context.Context, d coverage.DeclaredTotal) error {
	doc := declaredDoc{ID: d.Key(), Metric: string(d.Metric), Year: d.Year, AreaCode: d.AreaCode, Category: string(d.Category),
		Value: d.Value, Source: d.Source, SetBy: d.SetBy, SetAt: d.SetAt.UTC()}
	_, err := s.db.Collection(colDeclared).ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("save declared total: %w", err)
	}
	return nil
}

// DeclaredTotals lists the declared figures (of a year, or all when year is 0)
// in key order.
func (s *Store) DeclaredTotals(ctx context.Context, year int) ([]coverage.DeclaredTotal, error) {
	var q query
	if year != 0 {
		q.add("year", year)
	}
	cur, err := s.db.Collection(colDeclared).Find(ctx, q.doc(), options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("read declared totals: %w", err)
	}
	var docs []declaredDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read declared totals: %w", err)
	}
	out := make([]coverage.DeclaredTotal, len(docs))
	for i, d := range docs {
		out[i] = coverage.DeclaredTotal{Metric: coverage.Metric(d.Metric), Year: d.Year, AreaCode: d.AreaCode,
			Category: coverage.Category(d.Category), Value: d.Value, Source: d.Source, SetBy: d.SetBy, SetAt: d.SetAt}
	}
	return out, nil
}

// workforceAdminDoc is a workforce target set by an admin.
type workforceAdminDoc struct {
	ID        string    `bson:"_id"`
	Year      int       `bson:"year"`
	AreaCode  string    `bson:"area_code"`
	Workforce int64     `bson:"workforce"`
	Basis     string    `bson:"basis"`
	Source    string    `bson:"source"`
	SetBy     string    `bson:"set_by"`
	SetAt     time.Time `bson:"set_at"`
}

// SetWorkforceTarget records a denominator set by an admin; it takes
// precedence over the workforce feed's figure of the same year and area.
func (s *Store) SetWorkforceTarget(ctx context.Context, w coverage.WorkforceTarget, by string) error {
	doc := workforceAdminDoc{ID: w.Key(), Year: w.Year, AreaCode: w.AreaCode, Workforce: w.Workforce, Basis: w.Basis,
		Source: w.Source, SetBy: by, SetAt: w.UpdatedAt.UTC()}
	_, err := s.db.Collection(colWorkforceAdmin).ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("save workforce target: %w", err)
	}
	return nil
}

// WorkforceTargets returns every denominator: the feed's, with those set by
// admins in their place. SetBy is "" for the feed's.
func (s *Store) WorkforceTargets(ctx context.Context) ([]coverage.WorkforceTarget, map[string]string, error) {
	feed, err := s.Workforce(ctx, coverage.WorkforceFilter{})
	if err != nil {
		return nil, nil, err
	}
	cur, err := s.db.Collection(colWorkforceAdmin).Find(ctx, bson.D{})
	if err != nil {
		return nil, nil, fmt.Errorf("read workforce targets: %w", err)
	}
	var docs []workforceAdminDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, nil, fmt.Errorf("read workforce targets: %w", err)
	}
	setBy := map[string]string{}
	byKey := map[string]int{}
	for i, w := range feed {
		byKey[w.Key()] = i
	}
	for _, d := range docs {
		w := coverage.WorkforceTarget{Year: d.Year, AreaCode: d.AreaCode, Workforce: d.Workforce, Basis: d.Basis, Source: d.Source, UpdatedAt: d.SetAt}
		setBy[w.Key()] = d.SetBy
		if i, ok := byKey[w.Key()]; ok {
			feed[i] = w
		} else {
			feed = append(feed, w)
		}
	}
	return feed, setBy, nil
}
