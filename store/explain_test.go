package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
)

// TestExplainListShapes checks on a real MongoDB that no query a record list
// sends is a collection scan: every list (participants, contributions,
// claims, roster, discrepancies, quarantine and the batched nested reads),
// each filter field alone and a few combinations, in every sort field of the
// list (coverage.*Sorts, through the list variables of list.go) in both
// directions, the first page and a page after a cursor. The store's own calls
// run against a few hundred documents; a command monitor records the finds,
// counts (aggregate) and distincts they send, and each is explained
// ({explain: command, verbosity: "queryPlanner"}); a COLLSCAN stage anywhere
// in a winning plan fails the test. Since the commands are the store's own,
// a new sort field, filter field or query shape without an index fails here;
// a new filter field without a case of its own in the tables below fails too.
//
// It needs MONGODB_URI and a real MongoDB server: the embedded engine has no
// secondary indexes, and FerretDB's explain output is another format.
func TestExplainListShapes(t *testing.T) {
	uri := os.Getenv("MONGODB_URI")
	if uri == "" {
		t.Skip("MONGODB_URI is not set: explain needs a MongoDB server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	x := openExplainer(ctx, t, uri)
	d := x.seed(ctx, t)
	x.selfCheck(ctx, t)

	explainList(ctx, t, x, "participants", listParticipants, true, explainParticipantCases(d),
		func(ctx context.Context, f coverage.ParticipantFilter, p coverage.PageRequest) ([]coverage.Cursor, error) {
			pg, err := x.s.Participants(ctx, f, p)
			return pg.Cursors, err
		})
	explainList(ctx, t, x, "contributions", listContributions, true, explainContributionCases(d),
		func(ctx context.Context, f coverage.ContributionFilter, p coverage.PageRequest) ([]coverage.Cursor, error) {
			pg, err := x.s.Contributions(ctx, f, p)
			return pg.Cursors, err
		})
	explainList(ctx, t, x, "claims", listClaims, true, explainClaimCases(d),
		func(ctx context.Context, f coverage.ClaimFilter, p coverage.PageRequest) ([]coverage.Cursor, error) {
			pg, err := x.s.Claims(ctx, f, p)
			return pg.Cursors, err
		})
	explainList(ctx, t, x, "roster", listRoster, true, explainRosterCases(d),
		func(ctx context.Context, f coverage.RosterFilter, p coverage.PageRequest) ([]coverage.Cursor, error) {
			pg, err := x.s.Roster(ctx, f, p)
			return pg.Cursors, err
		})
	explainList(ctx, t, x, "discrepancies", listDiscrepancies, true, explainDiscrepancyCases(d),
		func(ctx context.Context, f coverage.DiscrepancyFilter, p coverage.PageRequest) ([]coverage.Cursor, error) {
			pg, err := x.s.Discrepancies(ctx, f, p)
			return pg.Cursors, err
		})
	explainList(ctx, t, x, "quarantine", listQuarantine, true, explainQuarantineCases(d),
		func(ctx context.Context, f coverage.QuarantineFilter, p coverage.PageRequest) ([]coverage.Cursor, error) {
			pg, err := x.s.Quarantine(ctx, f, p)
			return pg.Cursors, err
		})

	// The batched reads of nested lists: one find for a page of members.
	members := d.kpjs[:60]
	explainList(ctx, t, x, "contributionsByKPJ", listContributions, false, explainContributionCases(d),
		func(ctx context.Context, f coverage.ContributionFilter, p coverage.PageRequest) ([]coverage.Cursor, error) {
			pages, err := x.s.ContributionsByKPJ(ctx, members, f, p)
			return explainFirstCursors(members, pages), err
		})
	explainList(ctx, t, x, "claimsByKPJ", listClaims, false, explainClaimCases(d),
		func(ctx context.Context, f coverage.ClaimFilter, p coverage.PageRequest) ([]coverage.Cursor, error) {
			pages, err := x.s.ClaimsByKPJ(ctx, members, f, p)
			return explainFirstCursors(members, pages), err
		})
	t.Run("rosterByNIK", func(t *testing.T) {
		cmds, err := x.record(ctx, func(ctx context.Context) error {
			_, err := x.s.RosterByNIK(ctx, d.niks[:60])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		x.check(ctx, t, "rosterByNIK", cmds, false)
	})
	// A scenario roster's people (scenarios.go): a find by NIK $in.
	t.Run("participantsByNIK", func(t *testing.T) {
		cmds, err := x.record(ctx, func(ctx context.Context) error {
			_, err := x.s.ParticipantsByNIK(ctx, d.niks[:60])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		x.check(ctx, t, "participantsByNIK", cmds, false)
	})
}

// explainCase is one filter of a list, named for the failure messages.
type explainCase[F any] struct {
	name string
	f    F
}

// explainList runs one list's calls in every filter case, sort field and
// direction, and checks the plans of what they send. page returns the
// cursors of the page it read; counted says the call counts on MongoDB (a
// page does, the batched reads count in Go).
func explainList[F any](ctx context.Context, t *testing.T, x *explainer, name string, l list, counted bool, cases []explainCase[F],
	page func(context.Context, F, coverage.PageRequest) ([]coverage.Cursor, error)) {
	t.Run(name, func(t *testing.T) {
		checkExplainCases(t, cases)
		failed := 0
		fail := func(format string, args ...any) {
			t.Errorf(format, args...)
			if failed++; failed == 5 {
				t.Fatalf("%s: stopped after %d failed calls", name, failed)
			}
		}
		for _, c := range cases {
			for _, field := range l.sorts {
				for _, desc := range []bool{false, true} {
					p := coverage.PageRequest{First: 20, Order: coverage.Order{Field: field, Desc: desc}}
					label := fmt.Sprintf("%s %s, order %s", name, c.name, explainOrderName(p.Order))
					var cursors []coverage.Cursor
					cmds, err := x.record(ctx, func(ctx context.Context) (err error) {
						cursors, err = page(ctx, c.f, p)
						return err
					})
					if err != nil {
						fail("%s: %v", label, err)
						continue
					}
					x.check(ctx, t, label, cmds, counted)

					// The next page: the keyset condition past the last cursor.
					after := explainCursor(field)
					if len(cursors) > 0 {
						after = cursors[len(cursors)-1]
					}
					p.After = &after
					label += ", after a cursor"
					cmds, err = x.record(ctx, func(ctx context.Context) error {
						_, err := page(ctx, c.f, p)
						return err
					})
					if err != nil {
						fail("%s: %v", label, err)
						continue
					}
					x.check(ctx, t, label, cmds, counted)
				}
			}
		}
	})
}

func explainOrderName(o coverage.Order) string {
	s := string(o.Field)
	if o.Field == coverage.SortKey {
		s = "key"
	}
	if o.Desc {
		s += " desc"
	}
	return s
}

// explainCursor is a cursor of the sort field's kind, for a page with no
// record to take one from.
func explainCursor(f coverage.SortField) coverage.Cursor {
	switch {
	case f == coverage.SortKey:
		return coverage.Cursor{Key: "0"}
	case f.Kind() == coverage.SortRupiah:
		return coverage.Cursor{Value: "0", Key: "0"}
	case f.Kind() == coverage.SortInstant:
		return coverage.Cursor{Value: "2024-01-01T00:00:00Z", Key: "0"}
	}
	return coverage.Cursor{Value: "2024-01", Key: "0"}
}

// explainFirstCursors returns the cursors of the first non-empty page, in the order
// of the members.
func explainFirstCursors[T any](members []string, pages map[string]coverage.Page[T]) []coverage.Cursor {
	for _, m := range members {
		if cs := pages[m].Cursors; len(cs) > 0 {
			return cs
		}
	}
	return nil
}

// checkExplainCases fails unless every field of the filter type has a case
// where it is the only field set: a filter field added later needs its own
// case, and so its own index.
func checkExplainCases[F any](t *testing.T, cases []explainCase[F]) {
	t.Helper()
	typ := reflect.TypeFor[F]()
	alone := map[string]bool{}
	for _, c := range cases {
		v := reflect.ValueOf(c.f)
		var set []string
		for i := range typ.NumField() {
			if typ.Field(i).IsExported() && !v.Field(i).IsZero() {
				set = append(set, typ.Field(i).Name)
			}
		}
		if len(set) == 1 {
			alone[set[0]] = true
		}
	}
	for i := range typ.NumField() {
		if f := typ.Field(i); f.IsExported() && !alone[f.Name] {
			t.Errorf("coverage.%s.%s has no case of its own in explain_test.go: add one (and an index if the test then fails)", typ.Name(), f.Name)
		}
	}
}

// explainer runs the store on MongoDB through a client whose command monitor
// records the queries it sends, and explains them.
type explainer struct {
	s *Store

	mu        sync.Mutex
	recording bool
	cmds      []bson.Raw
	explained map[string]bool // commands already explained, by their bytes
}

func openExplainer(ctx context.Context, t *testing.T, uri string) *explainer {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "jamsostek_explain_" + hex.EncodeToString(b)
	s, err := Open(ctx, Config{URI: uri, Database: name, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.client.Database(name).Drop(ctx); err != nil {
			t.Errorf("drop test database: %v", err)
		}
		if err := s.Close(ctx); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	var info bson.M
	if err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		t.Fatalf("buildInfo: %v", err)
	}
	if v, ok := info["ferretdbVersion"]; ok {
		t.Skipf("MONGODB_URI is FerretDB %v: explain needs a real MongoDB server", v)
	}

	x := &explainer{explained: map[string]bool{}}
	monitor := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		switch e.CommandName {
		case "find", "aggregate", "distinct", "count":
		default:
			return
		}
		x.mu.Lock()
		defer x.mu.Unlock()
		if x.recording {
			x.cmds = append(x.cmds, append(bson.Raw(nil), e.Command...))
		}
	}}
	// The same options as Open's client, plus the monitor.
	opts := options.Client().ApplyURI(uri).
		SetBSONOptions(&options.BSONOptions{UseJSONStructTags: true, NilSliceAsEmpty: true}).
		SetServerSelectionTimeout(10 * time.Second).
		SetMonitor(monitor)
	client, err := mongo.Connect(opts)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = client.Disconnect(ctx)
	})
	s.db = client.Database(name)
	x.s = s
	return x
}

// explainCallTimeout bounds each store call and each explain, so that a stuck
// server fails one case rather than the whole test binary.
const explainCallTimeout = 30 * time.Second

// record runs f and returns the queries it sent.
func (x *explainer) record(ctx context.Context, f func(context.Context) error) ([]bson.Raw, error) {
	ctx, cancel := context.WithTimeout(ctx, explainCallTimeout)
	defer cancel()
	x.mu.Lock()
	x.recording, x.cmds = true, nil
	x.mu.Unlock()
	err := f(ctx)
	x.mu.Lock()
	defer x.mu.Unlock()
	cmds := x.cmds
	x.recording, x.cmds = false, nil
	return cmds, err
}

// check explains each command and fails on a collection scan. A call sends
// at least a find; counted says it also counts.
func (x *explainer) check(ctx context.Context, t *testing.T, label string, cmds []bson.Raw, counted bool) {
	t.Helper()
	sent := map[string]bool{}
	for _, cmd := range cmds {
		inner, name, err := explainCommand(cmd)
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		sent[name] = true
		key, err := bson.Marshal(inner)
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		if x.explained[string(key)] {
			continue
		}
		x.explained[string(key)] = true
		plans, err := x.explain(ctx, inner)
		if err != nil {
			t.Errorf("%s: explain %s: %v", label, explainCommandText(inner), err)
			continue
		}
		for _, stages := range plans {
			for _, st := range stages {
				if strings.HasPrefix(st, "COLLSCAN") {
					t.Errorf("%s: a collection scan\n  command: %s\n  winning plan: %s", label, explainCommandText(inner), strings.Join(stages, " <- "))
					break
				}
			}
		}
	}
	if !sent["find"] {
		t.Errorf("%s: no find recorded (the store's queries no longer go through s.db?)", label)
	}
	if counted && !sent["aggregate"] && !sent["count"] {
		t.Errorf("%s: no count recorded", label)
	}
}

// explain runs explain on a command and returns the stages of each winning
// plan in it (one, or one per shard), each stage as its name and, for index
// scans, the index: "FETCH", "IXSCAN kpj_1__id_1".
func (x *explainer) explain(ctx context.Context, inner bson.D) ([][]string, error) {
	ctx, cancel := context.WithTimeout(ctx, explainCallTimeout)
	defer cancel()
	out, err := x.s.db.RunCommand(ctx, bson.D{{Key: "explain", Value: inner}, {Key: "verbosity", Value: "queryPlanner"}}).Raw()
	if err != nil {
		return nil, err
	}
	var winning []bson.RawValue
	explainWinningPlans(bson.RawValue{Type: bson.TypeEmbeddedDocument, Value: out}, &winning)
	if len(winning) == 0 {
		return nil, fmt.Errorf("no winningPlan in the explain output: %s", explainTruncate(out.String(), 2000))
	}
	plans := make([][]string, len(winning))
	for i, w := range winning {
		explainPlanStages(w, &plans[i])
	}
	return plans, nil
}

// explainDriverFields are the fields of a sent command that are not the query's:
// the driver's session, cluster time, read settings and the time limit it
// derives from the context's deadline.
var explainDriverFields = map[string]bool{
	"lsid": true, "txnNumber": true, "autocommit": true, "startTransaction": true, "maxTimeMS": true,
	"readConcern": true, "writeConcern": true, "apiVersion": true, "apiStrict": true, "apiDeprecationErrors": true,
}

// explainCommand returns a recorded command without the driver's fields (explain
// takes those on the outer command), and its name.
func explainCommand(cmd bson.Raw) (bson.D, string, error) {
	elems, err := cmd.Elements()
	if err != nil {
		return nil, "", fmt.Errorf("recorded command: %w", err)
	}
	if len(elems) == 0 {
		return nil, "", fmt.Errorf("recorded an empty command")
	}
	var inner bson.D
	for _, e := range elems {
		if k := e.Key(); !strings.HasPrefix(k, "$") && !explainDriverFields[k] {
			inner = append(inner, bson.E{Key: k, Value: e.Value()})
		}
	}
	return inner, elems[0].Key(), nil
}

// explainWinningPlans collects the winningPlan documents of an explain output,
// wherever it nests them: queryPlanner of a find or count, the $cursor stage
// of an aggregate that is not wholly pushed down, the shards of a cluster.
// Rejected plans are left out.
func explainWinningPlans(v bson.RawValue, out *[]bson.RawValue) {
	if doc, ok := v.DocumentOK(); ok {
		elems, _ := doc.Elements()
		for _, e := range elems {
			switch e.Key() {
			case "winningPlan":
				*out = append(*out, e.Value())
			case "rejectedPlans":
			default:
				explainWinningPlans(e.Value(), out)
			}
		}
		return
	}
	if arr, ok := v.ArrayOK(); ok {
		vals, _ := arr.Values()
		for _, x := range vals {
			explainWinningPlans(x, out)
		}
	}
}

// explainPlanStages lists the stages of a plan tree, parents first (inputStage,
// inputStages, queryPlan of the slot-based engine's explain, shards), leaving
// out rejected plans.
func explainPlanStages(v bson.RawValue, out *[]string) {
	if arr, ok := v.ArrayOK(); ok {
		vals, _ := arr.Values()
		for _, x := range vals {
			explainPlanStages(x, out)
		}
		return
	}
	doc, ok := v.DocumentOK()
	if !ok {
		return
	}
	if st, ok := doc.Lookup("stage").StringValueOK(); ok {
		if ix, ok := doc.Lookup("indexName").StringValueOK(); ok {
			st += " " + ix
		}
		*out = append(*out, st)
	}
	elems, _ := doc.Elements()
	for _, e := range elems {
		if e.Key() != "rejectedPlans" {
			explainPlanStages(e.Value(), out)
		}
	}
}

// selfCheck makes sure the walk of the explain output sees a collection scan
// where MongoDB must make one (no index on occupation), so that a change of
// the output's format cannot make the test pass vacuously.
func (x *explainer) selfCheck(ctx context.Context, t *testing.T) {
	for _, inner := range []bson.D{
		{{Key: "find", Value: colParticipants}, {Key: "filter", Value: bson.D{{Key: "occupation", Value: "NELAYAN"}}}},
		{{Key: "aggregate", Value: colParticipants}, {Key: "pipeline", Value: bson.A{
			bson.D{{Key: "$match", Value: bson.D{{Key: "occupation", Value: "NELAYAN"}}}},
			bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: 1}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
		}}, {Key: "cursor", Value: bson.D{}}},
	} {
		plans, err := x.explain(ctx, inner)
		if err != nil {
			t.Fatalf("explain %s: %v", explainCommandText(inner), err)
		}
		found := false
		for _, stages := range plans {
			for _, st := range stages {
				found = found || st == "COLLSCAN"
			}
		}
		if !found {
			t.Fatalf("explain %s shows no COLLSCAN where MongoDB must scan (plans %v): has the explain output's format changed?", explainCommandText(inner), plans)
		}
	}
}

func explainCommandText(d bson.D) string {
	b, err := bson.MarshalExtJSON(d, false, false)
	if err != nil {
		return fmt.Sprint(d)
	}
	return explainTruncate(string(b), 1500)
}

func explainTruncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// explainData are the keys of the seeded records the cases use.
type explainData struct {
	kpjs, niks []string // participants' KPJ and NIK, in order
	rosterNIK  string   // a NIK on the roster
	runID      string   // a run with quarantined records
}

var explainKelurahan = []string{"3672011001", "3672011002", "3672011003", "3672021001", "3672021002", "3672031001"}

// seed writes a few hundred hand-built records through the store's own
// writes, spread over the values the cases filter on, so that the planner
// has keys and documents to plan on.
func (x *explainer) seed(ctx context.Context, t *testing.T) explainData {
	t.Helper()
	var d explainData
	payers := []coverage.PayerType{coverage.PayerAPBD, coverage.PayerSelf, coverage.PayerEmployer, coverage.PayerAPBN, coverage.PayerCSR}
	segments := []coverage.Segment{coverage.SegmentBPU, coverage.SegmentPU, coverage.SegmentJAKON, coverage.SegmentPMI}
	first := []string{"Ani", "Budi", "Siti", "Dewi", "Rahmat", "Agus", "Nur", "Yani", "Joko", "Wati"}
	last := []string{"Santoso", "Lestari", "Hidayat", "Rahayu", "Saputra", "Wijaya", "Kurnia"}
	day0 := time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC)
	date := func(tm time.Time) coverage.Date { return coverage.Date(tm.Format("2006-01-02")) }
	updated := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)

	var ps []Record
	parts := make([]coverage.Participant, 300)
	for i := range parts {
		p := coverage.Participant{
			KPJ: fmt.Sprintf("%011d", 20000000000+i), NIK: fmt.Sprintf("3672%012d", 500000+i),
			Name:      first[i%len(first)] + " " + last[(i/len(first))%len(last)],
			BirthDate: date(time.Date(1970+i%35, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)),
			Gender:    []coverage.Gender{coverage.GenderMale, coverage.GenderFemale}[i%2],
			Segment:   segments[i%len(segments)], Occupation: "PEDAGANG",
			Programs:  []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM},
			PayerType: payers[i%len(payers)], Status: coverage.StatusActive,
			RegisteredAt: date(day0.AddDate(0, 0, 3*i)), KelurahanCode: explainKelurahan[i%len(explainKelurahan)],
			DeclaredIncome: 2_000_000, UpdatedAt: updated,
		}
		p.CoverageStart = p.RegisteredAt
		if i%2 == 0 {
			p.Programs = append(p.Programs, coverage.ProgramJHT)
		}
		if i%5 == 0 {
			p.Programs = append(p.Programs, coverage.ProgramJKP)
		}
		switch {
		case i%15 == 0:
			p.Status, p.CoverageEnd = coverage.StatusTerminated, date(day0.AddDate(1, 0, 3*i))
		case i%10 == 0:
			p.Status = coverage.StatusInactive
		}
		parts[i] = p
		d.kpjs, d.niks = append(d.kpjs, p.KPJ), append(d.niks, p.NIK)
		ps = append(ps, Record{Key: p.KPJ, Value: &parts[i]})
	}
	x.apply(ctx, t, coverage.FeedParticipants, ps)

	var cs []Record
	for i := range 100 {
		p := parts[i]
		for m := 1; m <= 6; m++ {
			period := coverage.Period(fmt.Sprintf("2024-%02d", m))
			c := coverage.Contribution{
				ID: fmt.Sprintf("C%s2024%02d", p.KPJ, m), KPJ: p.KPJ, NIK: p.NIK, Period: period, Programs: p.Programs,
				AmountDue: 16_800 + int64(i%4)*10_000, PayerType: p.PayerType, UpdatedAt: updated,
			}
			switch {
			case (i+m)%5 == 0: // unpaid
			case (i+m)%7 == 0: // partly paid
				c.AmountPaid, c.PaidAt = c.AmountDue/2, coverage.Date(fmt.Sprintf("2024-%02d-%02d", m, 5+i%20))
			default:
				c.AmountPaid, c.PaidAt = c.AmountDue, coverage.Date(fmt.Sprintf("2024-%02d-%02d", m, 5+i%20))
			}
			cs = append(cs, Record{Key: c.ID, Value: &c})
		}
	}
	x.apply(ctx, t, coverage.FeedContributions, cs)

	benefits := map[coverage.Program][]coverage.Benefit{
		coverage.ProgramJKK: {coverage.BenefitMedical, coverage.BenefitDisability},
		coverage.ProgramJKM: {coverage.BenefitDeath, coverage.BenefitFuneral},
		coverage.ProgramJHT: {coverage.BenefitLumpSum},
	}
	programs := []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM, coverage.ProgramJHT}
	statuses := []coverage.ClaimStatus{coverage.ClaimSubmitted, coverage.ClaimVerified, coverage.ClaimPaid, coverage.ClaimRejected}
	var ks []Record
	for i := range 150 {
		p := parts[(i*7)%len(parts)]
		prog := programs[i%len(programs)]
		incident := day0.AddDate(0, 0, 5*i)
		k := coverage.Claim{
			ClaimNo: fmt.Sprintf("K%07d", i+1), KPJ: p.KPJ, NIK: p.NIK, Program: prog,
			Benefit: benefits[prog][i%len(benefits[prog])], IncidentDate: date(incident),
			SubmittedAt: date(incident.AddDate(0, 0, 7)), Status: statuses[i%len(statuses)],
			AmountClaimed: 1_000_000 + int64(i)*250_000, UpdatedAt: updated,
		}
		if k.Status == coverage.ClaimPaid {
			k.AmountPaid, k.PaidAt = k.AmountClaimed, date(incident.AddDate(0, 0, 30))
		}
		ks = append(ks, Record{Key: k.ClaimNo, Value: &k})
	}
	x.apply(ctx, t, coverage.FeedClaims, ks)

	cats := []coverage.Category{coverage.CategoryRTRW, coverage.CategoryKader, coverage.CategoryNelayan, coverage.CategoryLinmas, coverage.CategoryMarbot}
	agencies := []string{"DINSOS", "DINKES", "DKP", "SATPOL_PP", "KEMENAG"}
	var rs []Record
	for i := range 200 {
		nik, name, kel := fmt.Sprintf("3672%012d", 900000+i), "Warga "+first[i%len(first)], explainKelurahan[i%len(explainKelurahan)]
		if i < 150 { // most of the roster is enrolled
			nik, name, kel = parts[i].NIK, parts[i].Name, parts[i].KelurahanCode
		}
		e := coverage.RosterEntry{
			NIK: nik, Name: name, Category: cats[i%len(cats)], Agency: agencies[i%len(agencies)], KelurahanCode: kel,
			FundedFrom: coverage.Period(fmt.Sprintf("2024-%02d", 1+i%3)), UpdatedAt: updated,
		}
		if i%4 == 0 {
			e.FundedUntil = "2024-06"
		}
		rs = append(rs, Record{Key: e.Key(), Value: &e})
	}
	x.apply(ctx, t, coverage.FeedRoster, rs)
	d.rosterNIK = parts[2].NIK

	kinds := []coverage.DiscrepancyKind{coverage.KindRosterNotEnrolled, coverage.KindAPBDNotOnRoster, coverage.KindUnpaidMonths,
		coverage.KindClaimOutsideCoverage, coverage.KindDoubleFunded}
	severities := []coverage.Severity{coverage.SeverityHigh, coverage.SeverityMedium, coverage.SeverityLow}
	var findings []coverage.Finding
	for i := range 200 {
		p := parts[i%len(parts)]
		kind := kinds[i%len(kinds)]
		findings = append(findings, coverage.Finding{
			ID: fmt.Sprintf("%s:%s", kind, p.KPJ), Kind: kind, Severity: severities[i%len(severities)],
			NIK: p.NIK, KPJ: p.KPJ, Category: cats[i%len(cats)], AreaCode: p.KelurahanCode,
			Periods: []coverage.Period{coverage.Period(fmt.Sprintf("2024-%02d", 1+i%6))},
			Amount:  int64(i) * 16_800, Detail: "seeded for explain",
		})
	}
	if _, err := x.s.SaveFindings(ctx, "reconcile-explain", updated, findings); err != nil {
		t.Fatalf("save findings: %v", err)
	}
	for i := 0; i < 40; i += 4 {
		if _, err := x.s.AcknowledgeDiscrepancy(ctx, findings[i].ID, "petugas", updated); err != nil {
			t.Fatalf("acknowledge: %v", err)
		}
		if _, err := x.s.ResolveDiscrepancy(ctx, findings[i+1].ID, "petugas", "checked", updated); err != nil {
			t.Fatalf("resolve: %v", err)
		}
	}

	feeds := []coverage.Feed{coverage.FeedParticipants, coverage.FeedContributions, coverage.FeedClaims}
	var qs []coverage.Quarantined
	for i := range 120 {
		qs = append(qs, coverage.Quarantined{
			Feed: feeds[i%len(feeds)], RunID: fmt.Sprintf("run-%d", i%4), Key: fmt.Sprint(i),
			Raw: fmt.Sprintf(`{"n":%d}`, i), Reason: "kpj is not 11 digits", ReceivedAt: updated.Add(time.Duration(i) * time.Minute),
		})
	}
	if err := x.s.AddQuarantined(ctx, qs); err != nil {
		t.Fatalf("quarantine: %v", err)
	}
	d.runID = "run-1"
	return d
}

func (x *explainer) apply(ctx context.Context, t *testing.T, feed coverage.Feed, recs []Record) {
	t.Helper()
	if _, err := x.s.Apply(ctx, feed, recs); err != nil {
		t.Fatalf("write %s: %v", feed, err)
	}
}

func explainPtr[T any](v T) *T { return &v }

// The cases of each list: every filter field alone (checkExplainCases holds
// the tables to that), the three area levels, and realistic combinations.

func explainParticipantCases(d explainData) []explainCase[coverage.ParticipantFilter] {
	type F = coverage.ParticipantFilter
	return []explainCase[F]{
		{"no filter", F{}},
		{"kelurahan", F{AreaCode: explainKelurahan[0]}},
		{"kecamatan", F{AreaCode: "367201"}},
		{"city", F{AreaCode: "3672"}},
		{"nik", F{NIK: d.niks[3]}},
		{"segment", F{Segments: []coverage.Segment{coverage.SegmentBPU}}},
		{"payer", F{PayerTypes: []coverage.PayerType{coverage.PayerAPBD}}},
		{"two payers", F{PayerTypes: []coverage.PayerType{coverage.PayerAPBD, coverage.PayerAPBN}}},
		{"status", F{Statuses: []coverage.ParticipantStatus{coverage.StatusActive}}},
		{"gender", F{Genders: []coverage.Gender{coverage.GenderFemale}}},
		{"program", F{Programs: []coverage.Program{coverage.ProgramJKP}}},
		{"registered from", F{RegisteredFrom: "2022-06-01"}},
		{"registered to", F{RegisteredTo: "2022-06-30"}},
		{"active on", F{ActiveOn: "2023-03-15"}},
		{"name", F{NameContains: "ani"}},
		{"roster category", F{RosterCategories: []coverage.Category{coverage.CategoryRTRW}}},
		{"kecamatan and payer", F{AreaCode: "367201", PayerTypes: []coverage.PayerType{coverage.PayerAPBD}}},
		{"kelurahan and payer", F{AreaCode: explainKelurahan[0], PayerTypes: []coverage.PayerType{coverage.PayerAPBD}}},
		{"registered range", F{RegisteredFrom: "2022-03-01", RegisteredTo: "2022-09-30"}},
		{"kecamatan, active on", F{AreaCode: "367202", ActiveOn: "2023-03-15"}},
		{"payer, segment, status", F{PayerTypes: []coverage.PayerType{coverage.PayerAPBD}, Segments: []coverage.Segment{coverage.SegmentBPU},
			Statuses: []coverage.ParticipantStatus{coverage.StatusActive}}},
	}
}

func explainContributionCases(d explainData) []explainCase[coverage.ContributionFilter] {
	type F = coverage.ContributionFilter
	apbd := []coverage.PayerType{coverage.PayerAPBD}
	return []explainCase[F]{
		{"no filter", F{}},
		{"kpj", F{KPJ: d.kpjs[4]}},
		{"nik", F{NIK: d.niks[4]}},
		{"payer", F{PayerTypes: apbd}},
		{"period from", F{PeriodFrom: "2024-03"}},
		{"period to", F{PeriodTo: "2024-03"}},
		{"unpaid", F{Unpaid: explainPtr(true)}},
		{"paid", F{Unpaid: explainPtr(false)}},
		{"paid from", F{PaidFrom: "2024-03-01"}},
		{"paid to", F{PaidTo: "2024-03-31"}},
		{"kecamatan", F{AreaCode: "367201"}},
		{"kelurahan", F{AreaCode: explainKelurahan[1]}},
		{"roster category", F{RosterCategories: []coverage.Category{coverage.CategoryKader}}},
		{"payer, month, unpaid", F{PayerTypes: apbd, PeriodFrom: "2024-06", PeriodTo: "2024-06", Unpaid: explainPtr(true)}},
		{"payer, months, unpaid", F{PayerTypes: apbd, PeriodFrom: "2024-01", PeriodTo: "2024-06", Unpaid: explainPtr(true)}},
		{"month, unpaid", F{PeriodFrom: "2024-06", PeriodTo: "2024-06", Unpaid: explainPtr(true)}},
		{"kpj, months", F{KPJ: d.kpjs[4], PeriodFrom: "2024-02", PeriodTo: "2024-05"}},
		{"paid range", F{PaidFrom: "2024-02-01", PaidTo: "2024-02-29"}},
		{"kecamatan, payer, unpaid", F{AreaCode: "367201", PayerTypes: apbd, Unpaid: explainPtr(true)}},
	}
}

func explainClaimCases(d explainData) []explainCase[coverage.ClaimFilter] {
	type F = coverage.ClaimFilter
	paid := []coverage.ClaimStatus{coverage.ClaimPaid}
	return []explainCase[F]{
		{"no filter", F{}},
		{"kpj", F{KPJ: d.kpjs[7]}},
		{"nik", F{NIK: d.niks[7]}},
		{"program", F{Programs: []coverage.Program{coverage.ProgramJKK}}},
		{"benefit", F{Benefits: []coverage.Benefit{coverage.BenefitDeath}}},
		{"status", F{Statuses: paid}},
		{"incident from", F{IncidentFrom: "2022-06-01"}},
		{"incident to", F{IncidentTo: "2022-06-30"}},
		{"submitted from", F{SubmittedFrom: "2022-06-01"}},
		{"submitted to", F{SubmittedTo: "2022-06-30"}},
		{"paid from", F{PaidFrom: "2022-06-01"}},
		{"paid to", F{PaidTo: "2022-06-30"}},
		{"claimed min", F{AmountClaimedMin: explainPtr[int64](5_000_000)}},
		{"claimed max", F{AmountClaimedMax: explainPtr[int64](5_000_000)}},
		{"paid min", F{AmountPaidMin: explainPtr[int64](5_000_000)}},
		{"paid max", F{AmountPaidMax: explainPtr[int64](5_000_000)}},
		{"kecamatan", F{AreaCode: "367201"}},
		{"payer", F{PayerTypes: []coverage.PayerType{coverage.PayerAPBD}}},
		{"status, paid dates", F{Statuses: paid, PaidFrom: "2022-03-01", PaidTo: "2022-12-31"}},
		{"kelurahan and payer", F{AreaCode: explainKelurahan[2], PayerTypes: []coverage.PayerType{coverage.PayerSelf}}},
		{"incident range", F{IncidentFrom: "2022-03-01", IncidentTo: "2022-09-30"}},
		{"claimed range", F{AmountClaimedMin: explainPtr[int64](2_000_000), AmountClaimedMax: explainPtr[int64](9_000_000)}},
		{"program, status", F{Programs: []coverage.Program{coverage.ProgramJKM}, Statuses: paid}},
	}
}

func explainRosterCases(d explainData) []explainCase[coverage.RosterFilter] {
	type F = coverage.RosterFilter
	return []explainCase[F]{
		{"no filter", F{}},
		{"kelurahan", F{AreaCode: explainKelurahan[3]}},
		{"kecamatan", F{AreaCode: "367202"}},
		{"nik", F{NIK: d.rosterNIK}},
		{"category", F{Categories: []coverage.Category{coverage.CategoryNelayan}}},
		{"agency", F{Agency: "DINSOS"}},
		{"funded in", F{FundedIn: "2024-05"}},
		{"category, funded in", F{Categories: []coverage.Category{coverage.CategoryRTRW}, FundedIn: "2024-05"}},
		{"kecamatan, category", F{AreaCode: "367201", Categories: []coverage.Category{coverage.CategoryKader}}},
	}
}

func explainDiscrepancyCases(d explainData) []explainCase[coverage.DiscrepancyFilter] {
	type F = coverage.DiscrepancyFilter
	open := []coverage.DiscrepancyStatus{coverage.StatusOpen}
	return []explainCase[F]{
		{"no filter", F{}},
		{"kind", F{Kinds: []coverage.DiscrepancyKind{coverage.KindUnpaidMonths}}},
		{"severity", F{Severities: []coverage.Severity{coverage.SeverityHigh}}},
		{"status", F{Statuses: open}},
		{"kecamatan", F{AreaCode: "367201"}},
		{"category", F{Category: coverage.CategoryKader}},
		{"nik", F{NIK: d.niks[5]}},
		{"kpj", F{KPJ: d.kpjs[5]}},
		{"period", F{Period: "2024-03"}},
		{"status, kind", F{Statuses: open, Kinds: []coverage.DiscrepancyKind{coverage.KindAPBDNotOnRoster}}},
		{"status, kelurahan", F{Statuses: open, AreaCode: explainKelurahan[4]}},
	}
}

func explainQuarantineCases(d explainData) []explainCase[coverage.QuarantineFilter] {
	type F = coverage.QuarantineFilter
	return []explainCase[F]{
		{"no filter", F{}},
		{"feed", F{Feed: coverage.FeedClaims}},
		{"run", F{RunID: d.runID}},
		{"feed, run", F{Feed: coverage.FeedContributions, RunID: d.runID}},
	}
}

// TestExplainPlanWalk checks the walk of explain outputs on the shapes
// MongoDB gives them (abridged): a find on the classic engine, an aggregate
// on the slot-based engine, an aggregate whose $cursor stage holds the plan,
// and a find on a sharded cluster; rejected plans are not the winner's.
func TestExplainPlanWalk(t *testing.T) {
	for _, c := range []struct {
		name, json string
		want       [][]string
	}{
		{"classic find", `{"queryPlanner": {"winningPlan": {"stage": "LIMIT", "inputStage": {"stage": "FETCH",
			"inputStage": {"stage": "IXSCAN", "indexName": "name_1__id_1", "keyPattern": {"name": 1, "_id": 1}}}},
			"rejectedPlans": [{"stage": "SORT", "inputStage": {"stage": "COLLSCAN"}}]}, "ok": 1}`,
			[][]string{{"LIMIT", "FETCH", "IXSCAN name_1__id_1"}}},
		{"slot-based aggregate", `{"explainVersion": "2", "queryPlanner": {"winningPlan": {"queryPlan": {"stage": "GROUP",
			"inputStage": {"stage": "COLLSCAN", "direction": "forward"}}, "slotBasedPlan": {"slots": "", "stages": "[2] group ..."}},
			"rejectedPlans": []}, "ok": 1}`,
			[][]string{{"GROUP", "COLLSCAN"}}},
		{"aggregate $cursor", `{"explainVersion": "1", "stages": [{"$cursor": {"queryPlanner": {"winningPlan": {"stage": "PROJECTION_COVERED",
			"inputStage": {"stage": "IXSCAN", "indexName": "_id_"}}, "rejectedPlans": []}}}, {"$group": {"_id": 1}}], "ok": 1}`,
			[][]string{{"PROJECTION_COVERED", "IXSCAN _id_"}}},
		{"sharded find", `{"queryPlanner": {"winningPlan": {"stage": "SHARD_MERGE", "shards": [
			{"shardName": "a", "winningPlan": {"stage": "FETCH", "inputStage": {"stage": "IXSCAN", "indexName": "kpj_1__id_1"}},
			 "rejectedPlans": [{"stage": "COLLSCAN"}]},
			{"shardName": "b", "winningPlan": {"stage": "SHARDING_FILTER", "inputStage": {"stage": "COLLSCAN"}}, "rejectedPlans": []}]}}, "ok": 1}`,
			[][]string{{"SHARD_MERGE", "FETCH", "IXSCAN kpj_1__id_1", "SHARDING_FILTER", "COLLSCAN"}}},
	} {
		var out bson.Raw
		if err := bson.UnmarshalExtJSON([]byte(c.json), false, &out); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var winning []bson.RawValue
		explainWinningPlans(bson.RawValue{Type: bson.TypeEmbeddedDocument, Value: out}, &winning)
		got := make([][]string, len(winning))
		for i, w := range winning {
			explainPlanStages(w, &got[i])
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: stages %q, want %q", c.name, got, c.want)
		}
	}
}
