package store

import (
	"context"
	"log/slog"
	"math"
	"os"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// int64Fields returns pointers to every int64 of v, nested structs and
// arrays included, found by reflection (not by cellMeasures).
func int64Fields(v reflect.Value) []*int64 {
	switch v.Kind() {
	case reflect.Int64:
		return []*int64{v.Addr().Interface().(*int64)}
	case reflect.Struct:
		var out []*int64
		for i := range v.NumField() {
			out = append(out, int64Fields(v.Field(i))...)
		}
		return out
	case reflect.Array:
		var out []*int64
		for i := range v.Len() {
			out = append(out, int64Fields(v.Index(i))...)
		}
		return out
	}
	panic("unexpected field kind " + v.Kind().String())
}

// TestRollupBinaryEveryMeasure: every measure of a cell, found by
// reflection, survives the binary format, each with a value of its own
// (negative, large, small), as do the key's fields.
func TestRollupBinaryEveryMeasure(t *testing.T) {
	var cells []reconcile.Cell
	for variant := range 3 {
		c := reconcile.Cell{Key: reconcile.Key{Period: "2024-03", Kelurahan: "3672011001", Category: "MARBOT", Payer: coverage.PayerAPBD,
			Segment: coverage.SegmentBPU, Gender: coverage.GenderFemale, AgeBand: "25-34"}}
		fields := int64Fields(reflect.ValueOf(&c.Measures).Elem())
		if len(fields) != len(cellMeasures(&c.Measures)) {
			t.Fatalf("reconcile.Measures has %d int64 measures, cellMeasures lists %d: add the new one to cellMeasures (at the end)", len(fields), len(cellMeasures(&c.Measures)))
		}
		for i, p := range fields {
			switch variant {
			case 0:
				*p = int64(i + 1)
			case 1:
				*p = -int64(i+1) * 1_000_003
			case 2:
				*p = math.MaxInt64 - int64(i)
			}
		}
		cells = append(cells, c)
	}
	cells = append(cells, reconcile.Cell{Key: reconcile.Key{Period: "2023-12"}}) // empty strings, no measure
	got, err := decodeCells(encodeCells(cells), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, cells) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, cells)
	}
	// Each measure in its own place: a cell with only measure i set.
	for i := range len(cellMeasures(&reconcile.Measures{})) {
		var c reconcile.Cell
		*int64Fields(reflect.ValueOf(&c.Measures).Elem())[i] = 7
		got, err := decodeCells(encodeCells([]reconcile.Cell{c}), nil)
		if err != nil || len(got) != 1 || got[0] != c {
			t.Errorf("measure %d alone: got %+v, %v", i, got, err)
		}
	}
}

// TestRollupBinaryMalformed: every truncation and a trailing byte give an
// error, never a panic or wrong cells.
func TestRollupBinaryMalformed(t *testing.T) {
	c := reconcile.Cell{Key: reconcile.Key{Period: "2024-01", Kelurahan: "3672011001"}}
	c.Measures.Active, c.Measures.Claims[4].PaidAmount = 3, 20_000_000
	b := encodeCells([]reconcile.Cell{c, c})
	for n := range len(b) {
		if _, err := decodeCells(b[:n], nil); err == nil {
			t.Errorf("%d of %d bytes decode without an error", n, len(b))
		}
	}
	if _, err := decodeCells(append(b[:len(b):len(b)], 0), nil); err == nil {
		t.Error("a trailing byte is accepted")
	}
}

// TestRollupChunksOfBothFormats: a rollup saved now is read back whole
// (several binary chunks); a version stored in the former format (cell
// documents) is still read.
func TestRollupChunksOfBothFormats(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: t.TempDir(), Database: "rollupbin", URI: os.Getenv("MONGODB_URI"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if s.embedded == nil {
		defer s.DropDatabase(ctx)
	}
	r := &reconcile.Rollup{Hash: "h1", RunID: "run1", BuiltAt: time.Now().UTC(), AsOf: time.Now().UTC(), From: "2023-01", To: "2024-12"}
	for i := range 2*binCells + 17 {
		c := reconcile.Cell{Key: reconcile.Key{Period: coverage.Period("2024-" + []string{"01", "02", "03"}[i%3]), Kelurahan: "36720110" + string(rune('0'+i%10)) + "1"}}
		c.Measures.Active, c.Measures.Arrears = int64(i), int64(i)*36_000
		r.Cells = append(r.Cells, c)
	}
	v, isNew, err := s.SaveRollup(ctx, r)
	if err != nil || !isNew {
		t.Fatalf("save: %d %v %v", v, isNew, err)
	}
	got, err := s.LatestRollup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Cells, r.Cells) {
		t.Errorf("saved %d cells, read %d (or different)", len(r.Cells), len(got.Cells))
	}

	// Version 2 in the former format, written as the former SaveRollup did.
	old := reconcile.Cell{Key: reconcile.Key{Period: "2024-05", Kelurahan: "3672011001", Payer: coverage.PayerAPBD}}
	old.Measures.People, old.Measures.Claims[1].SubmittedAmount = 5, 48_000_000
	chunk := chunkDoc{ID: chunkID(2, 0), Version: 2, Cells: []cellDoc{toCellDoc(&old)}}
	if _, err := s.db.Collection(colRollupChunks).InsertOne(ctx, chunk); err != nil {
		t.Fatal(err)
	}
	doc := rollupDoc{ID: "v000000000002", Version: 2, Hash: "h2", Cells: 1, Chunks: 1, From: "2023-01", To: "2024-12"}
	if _, err := s.db.Collection(colRollups).InsertOne(ctx, doc); err != nil {
		t.Fatal(err)
	}
	got, err = s.LatestRollup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || len(got.Cells) != 1 || got.Cells[0] != old {
		t.Errorf("former format: got version %d cells %+v, want %+v", got.Version, got.Cells, old)
	}

	// A chunk of a format this version does not know is refused by name.
	if _, err := s.db.Collection(colRollupChunks).UpdateOne(ctx, bson.D{{Key: "_id", Value: chunkID(2, 0)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "format", Value: 9}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LatestRollup(ctx); err == nil {
		t.Error("a chunk of format 9 is read")
	}
}

// BenchmarkRollupDecode decodes a city's worth of cells (90,000) from the
// binary format.
func BenchmarkRollupDecode(b *testing.B) {
	cells := make([]reconcile.Cell, 90_000)
	for i := range cells {
		cells[i].Key = reconcile.Key{Period: coverage.Period("2024-0" + string(rune('1'+i%9))), Kelurahan: "36720110" + string(rune('0'+i%10)) + "1", AgeBand: "25-34"}
		cells[i].Measures.Active, cells[i].Measures.DueAmount = int64(i%50), int64(i)*36_800
	}
	bin := encodeCells(cells)
	b.ReportMetric(float64(len(bin))/float64(len(cells)), "bytes/cell")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeCells(bin, nil); err != nil {
			b.Fatal(err)
		}
	}
}
