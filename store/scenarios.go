package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
)

// What-if scenarios (issue 14): the scenarios admins saved, and the uploaded
// rosters of people a scenario names. Both are small lists read newest first
// by an index on saved_at/uploaded_at (ties broken by the random _id) or by
// _id; a roster's rows are one array in its document: 200,000 rows of a
// 16-digit NIK and a 10-digit kelurahan code are about 13 MB of BSON, under
// MongoDB's 16 MB limit (the upload caps the rows at rosterfile.MaxRows).
const (
	colSavedScenarios  = "saved_scenarios"
	colScenarioRosters = "scenario_rosters"
)

func init() {
	// Created at start like the others (the embedded engine indexes their
	// _id: fixIDIndexes).
	indexes[colSavedScenarios] = []bson.D{{{Key: "saved_at", Value: -1}, {Key: "_id", Value: -1}}}
	indexes[colScenarioRosters] = []bson.D{{{Key: "uploaded_at", Value: -1}, {Key: "_id", Value: -1}}}
}

// MaxScenarioList bounds SavedScenarios and ScenarioRosters.
const MaxScenarioList = 100

var _ coverage.Scenarios = (*Store)(nil)

type savedScenarioDoc struct {
	ID            string    `bson:"_id"`
	Name          string    `bson:"name"`
	Author        string    `bson:"author"`
	SavedAt       time.Time `bson:"saved_at"`
	Year          int       `bson:"year"`
	Input         string    `bson:"input"`
	RollupVersion int64     `bson:"rollup_version"`
	Result        string    `bson:"result"`
}

type scenarioRosterRowDoc struct {
	NIK       string `bson:"nik"`
	Kelurahan string `bson:"kelurahan"`
}

type scenarioRosterDoc struct {
	ID         string                 `bson:"_id"`
	Category   string                 `bson:"category"`
	FileName   string                 `bson:"file_name"`
	UploadedBy string                 `bson:"uploaded_by"`
	UploadedAt time.Time              `bson:"uploaded_at"`
	RowCount   int                    `bson:"row_count"`
	Rows       []scenarioRosterRowDoc `bson:"rows,omitempty"`
	Rejected   int                    `bson:"rejected"`
	Problems   []string               `bson:"problems"`
}

// newScenarioID is a random id with a prefix: SC- for a saved scenario, SR-
// for a scenario roster.
func newScenarioID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func listLimit(n int) int64 {
	if n <= 0 || n > MaxScenarioList {
		return MaxScenarioList
	}
	return int64(n)
}

// SaveScenario stores sc under a new id, set in sc.
func (s *Store) SaveScenario(ctx context.Context, sc *coverage.SavedScenario) error {
	switch {
	case sc.Name == "":
		return coverage.Errorf(coverage.EINVALID, "a saved scenario needs a name")
	case sc.Author == "":
		return coverage.Errorf(coverage.EINVALID, "a saved scenario needs an author")
	case sc.Input == "" || sc.Result == "":
		return coverage.Errorf(coverage.EINVALID, "a saved scenario needs its input and result")
	}
	if sc.SavedAt.IsZero() {
		sc.SavedAt = time.Now()
	}
	sc.SavedAt = sc.SavedAt.UTC().Truncate(time.Millisecond) // BSON dates hold milliseconds
	sc.ID = newScenarioID("SC-")
	doc := savedScenarioDoc{ID: sc.ID, Name: sc.Name, Author: sc.Author, SavedAt: sc.SavedAt, Year: sc.Year,
		Input: sc.Input, RollupVersion: sc.RollupVersion, Result: sc.Result}
	if _, err := s.db.Collection(colSavedScenarios).InsertOne(ctx, doc); err != nil {
		return fmt.Errorf("save scenario: %w", err)
	}
	return nil
}

func (d *savedScenarioDoc) scenario() coverage.SavedScenario {
	return coverage.SavedScenario{ID: d.ID, Name: d.Name, Author: d.Author, SavedAt: d.SavedAt.UTC(), Year: d.Year,
		Input: d.Input, RollupVersion: d.RollupVersion, Result: d.Result}
}

// SavedScenarios lists the newest n saved scenarios (1 to MaxScenarioList),
// newest first.
func (s *Store) SavedScenarios(ctx context.Context, n int) ([]coverage.SavedScenario, error) {
	cur, err := s.db.Collection(colSavedScenarios).Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "saved_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(listLimit(n)))
	if err != nil {
		return nil, fmt.Errorf("list saved scenarios: %w", err)
	}
	var docs []savedScenarioDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list saved scenarios: %w", err)
	}
	out := make([]coverage.SavedScenario, len(docs))
	for i := range docs {
		out[i] = docs[i].scenario()
	}
	return out, nil
}

// SavedScenario returns the saved scenario with the id, or ENOTFOUND.
func (s *Store) SavedScenario(ctx context.Context, id string) (*coverage.SavedScenario, error) {
	var d savedScenarioDoc
	err := s.db.Collection(colSavedScenarios).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, coverage.Errorf(coverage.ENOTFOUND, "no saved scenario %s", coverage.Clip(id))
	}
	if err != nil {
		return nil, fmt.Errorf("find saved scenario: %w", err)
	}
	out := d.scenario()
	return &out, nil
}

// SaveScenarioRoster stores r under a new id, set in r; RowCount is set to
// the number of rows.
func (s *Store) SaveScenarioRoster(ctx context.Context, r *coverage.ScenarioRoster) error {
	if err := r.Category.Validate(); err != nil {
		return err
	}
	if len(r.Rows) == 0 {
		return coverage.Errorf(coverage.EINVALID, "a scenario roster needs at least one row")
	}
	if r.UploadedAt.IsZero() {
		r.UploadedAt = time.Now()
	}
	r.UploadedAt = r.UploadedAt.UTC().Truncate(time.Millisecond)
	r.ID, r.RowCount = newScenarioID("SR-"), len(r.Rows)
	if len(r.Problems) > coverage.MaxScenarioProblems {
		r.Problems = r.Problems[:coverage.MaxScenarioProblems]
	}
	doc := scenarioRosterDoc{ID: r.ID, Category: string(r.Category), FileName: r.FileName, UploadedBy: r.UploadedBy,
		UploadedAt: r.UploadedAt, RowCount: r.RowCount, Rejected: r.Rejected, Problems: r.Problems,
		Rows: make([]scenarioRosterRowDoc, len(r.Rows))}
	if doc.Problems == nil {
		doc.Problems = []string{}
	}
	for i, row := range r.Rows {
		doc.Rows[i] = scenarioRosterRowDoc(row)
	}
	if _, err := s.db.Collection(colScenarioRosters).InsertOne(ctx, doc); err != nil {
		return fmt.Errorf("save scenario roster: %w", err)
	}
	return nil
}

func (d *scenarioRosterDoc) roster() coverage.ScenarioRoster {
	out := coverage.ScenarioRoster{ID: d.ID, Category: coverage.Category(d.Category), FileName: d.FileName, UploadedBy: d.UploadedBy,
		UploadedAt: d.UploadedAt.UTC(), RowCount: d.RowCount, Rejected: d.Rejected, Problems: d.Problems}
	if d.Rows != nil {
		out.Rows = make([]coverage.ScenarioRosterRow, len(d.Rows))
		for i, r := range d.Rows {
			out.Rows[i] = coverage.ScenarioRosterRow(r)
		}
	}
	return out
}

// ScenarioRosters lists the newest n scenario rosters (1 to
// MaxScenarioList), newest first, without their rows.
func (s *Store) ScenarioRosters(ctx context.Context, n int) ([]coverage.ScenarioRoster, error) {
	cur, err := s.db.Collection(colScenarioRosters).Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "uploaded_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(listLimit(n)).
			SetProjection(bson.D{{Key: "rows", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("list scenario rosters: %w", err)
	}
	var docs []scenarioRosterDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list scenario rosters: %w", err)
	}
	out := make([]coverage.ScenarioRoster, len(docs))
	for i := range docs {
		out[i] = docs[i].roster()
	}
	return out, nil
}

// ScenarioRoster returns the scenario roster with the id, with its rows, or
// ENOTFOUND.
func (s *Store) ScenarioRoster(ctx context.Context, id string) (*coverage.ScenarioRoster, error) {
	var d scenarioRosterDoc
	err := s.db.Collection(colScenarioRosters).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, coverage.Errorf(coverage.ENOTFOUND, "no scenario roster %s", coverage.Clip(id))
	}
	if err != nil {
		return nil, fmt.Errorf("find scenario roster: %w", err)
	}
	out := d.roster()
	if out.Rows == nil {
		out.Rows = []coverage.ScenarioRosterRow{}
	}
	return &out, nil
}

// ParticipantsByNIKBatch is the number of NIKs looked up per query.
const ParticipantsByNIKBatch = 1000

// ParticipantsByNIK returns every membership of each NIK, in key order;
// NIKs with none are absent. The NIKs are looked up ParticipantsByNIKBatch
// at a time: on MongoDB a find {nik: {$in: batch}} on the nik index, on the
// embedded engine the in-memory index's NIK lists.
func (s *Store) ParticipantsByNIK(ctx context.Context, niks []string) (map[string][]coverage.Participant, error) {
	out := make(map[string][]coverage.Participant)
	seen := make(map[string]bool, len(niks))
	uniq := make([]string, 0, len(niks))
	for _, n := range niks {
		if n != "" && !seen[n] {
			seen[n] = true
			uniq = append(uniq, n)
		}
	}
	for len(uniq) > 0 {
		batch := uniq[:min(len(uniq), ParticipantsByNIKBatch)]
		uniq = uniq[len(batch):]
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if s.mem != nil {
			if err := s.participantsByNIKMem(ctx, batch, out); err != nil {
				return nil, err
			}
			continue
		}
		vals := make(bson.A, len(batch))
		for i, k := range batch {
			vals[i] = k
		}
		cur, err := s.db.Collection(colParticipants).Find(ctx, bson.D{{Key: "nik", Value: bson.D{{Key: "$in", Value: vals}}}},
			options.Find().SetSort(bson.D{{Key: "nik", Value: 1}, {Key: "_id", Value: 1}}))
		if err != nil {
			return nil, fmt.Errorf("find participants by NIK: %w", err)
		}
		for cur.Next(ctx) {
			var p coverage.Participant
			if err := cur.Decode(&p); err != nil {
				cur.Close(ctx)
				return nil, fmt.Errorf("decode participant: %w", err)
			}
			out[p.NIK] = append(out[p.NIK], p)
		}
		err = cur.Err()
		cur.Close(ctx)
		if err != nil {
			return nil, fmt.Errorf("read participants by NIK: %w", err)
		}
	}
	return out, nil
}

// participantsByNIKMem looks a batch up in the in-memory index and reads the
// documents found.
func (s *Store) participantsByNIKMem(ctx context.Context, batch []string, out map[string][]coverage.Participant) error {
	if err := s.indexReady(ctx); err != nil {
		return err
	}
	results := s.mem.ParticipantsByNIK(batch)
	var keys []string
	for _, r := range results {
		for _, c := range r.Cursors {
			keys = append(keys, c.Key)
		}
	}
	docs, err := s.decodeParticipants(ctx, keys)
	if err != nil {
		return err
	}
	for _, nik := range batch {
		for _, c := range results[nik].Cursors {
			if p, ok := docs[c.Key]; ok {
				out[nik] = append(out[nik], p)
			}
		}
	}
	return nil
}
