package graph_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/scenario"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store"
)

// cityWide is the row of a city-wide figure: every role but the officer.
func cityWide(c cell) [4]cell { return [4]cell{c, forbidden, c, c} }

// scenarioMarbot funds 120 mosque caretakers of Cibeber and Citangkil.
const scenarioMarbot = `{year: 2025, changes: [{kind: ADD_CATEGORY, category: "MARBOT", headcount: 120,
	distribution: [{area: "367201", count: 100}, {area: "367208", count: 20}]}]}`

// uploadFile posts a multipart request with one file as variables.file.
func uploadFile(t *testing.T, f *fixture, key, query string, vars map[string]any, name, content string) response {
	t.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars["file"] = nil
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
	fw, _ := mw.CreateFormFile("0", name)
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/query", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+key)
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, req)
	var resp response
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	return resp
}

// The people of the scenario roster tests, by hand: one paid by the city
// and on its roster for 2025, one paid by an employer (a wage earner, PU),
// one with no membership; the fourth's only membership ended (terminated)
// before the as-of date.
const (
	nikCity     = "3672011505900101"
	nikEmployer = "3672011505900102"
	nikNone     = "3672011505900103"
	nikEnded    = "3672011505900104"
)

// scenarioFixture is accessFixture with the hand-made people's memberships
// stored before the reconciliation, and its analytics service.
func scenarioFixture(t *testing.T, cfg graph.Config) (*fixture, *analytics.Service) {
	t.Helper()
	var svc *analytics.Service
	f := newFixtureWith(t, cfg, func(s *store.Store, cfg *graph.Config) {
		ctx := context.Background()
		p := func(kpj, nik string, seg coverage.Segment, payer coverage.PayerType, st coverage.ParticipantStatus) store.Record {
			v := &coverage.Participant{KPJ: kpj, NIK: nik, Name: "Orang " + kpj[9:], BirthDate: "1990-05-15", Gender: "M", Segment: seg,
				Occupation: "MARBOT", Programs: []coverage.Program{"JKK", "JKM"}, PayerType: payer, Status: st,
				RegisteredAt: "2023-01-02", CoverageStart: "2023-01-02", KelurahanCode: "3672011001", DeclaredIncome: 1_000_000, UpdatedAt: updated}
			if st == coverage.StatusTerminated {
				v.CoverageEnd = "2024-01-31"
			}
			return store.Record{Key: v.Key(), Value: v}
		}
		apply(t, s, coverage.FeedParticipants, []store.Record{
			p("10000000101", nikCity, "BPU", "APBD", "ACTIVE"),
			p("10000000102", nikEmployer, "PU", "EMPLOYER", "ACTIVE"),
			p("10000000104", nikEnded, "BPU", "SELF", "TERMINATED"),
		})
		// nikCity is on the city's roster in 2025 (the plan year) too.
		rost := &coverage.RosterEntry{NIK: nikCity, Name: "Orang 101", Category: "RT_RW", Agency: "Kelurahan", KelurahanCode: "3672011001",
			FundedFrom: "2024-01", UpdatedAt: updated}
		apply(t, s, coverage.FeedRoster, []store.Record{{Key: rost.Key(), Value: rost}})
		svc = &analytics.Service{Store: s, Areas: coverage.Cilegon(), Logger: slog.New(slog.DiscardHandler)}
		if _, err := svc.Reconcile(ctx, "test"); err != nil {
			t.Fatal(err)
		}
		cfg.Analytics, cfg.ReconcileLog = svc, s
		switch sc := cfg.Scenarios.(type) {
		case nil:
			cfg.Scenarios = s
		case *countingScenarios:
			sc.Scenarios = s
		}
		if cfg.AuditLog == nil {
			cfg.AuditLog = s
		}
	})
	return f, svc
}

// countingScenarios counts the lookups of a roster's people.
type countingScenarios struct {
	coverage.Scenarios
	mu            sync.Mutex
	lookups, read int
}

func (c *countingScenarios) ParticipantsByNIK(ctx context.Context, niks []string) (map[string][]coverage.Participant, error) {
	c.mu.Lock()
	c.lookups++
	c.mu.Unlock()
	return c.Scenarios.ParticipantsByNIK(ctx, niks)
}

func (c *countingScenarios) ScenarioRoster(ctx context.Context, id string) (*coverage.ScenarioRoster, error) {
	c.mu.Lock()
	c.read++
	c.mu.Unlock()
	return c.Scenarios.ScenarioRoster(ctx, id)
}

// rosterCSV names the hand-made people, with two invalid rows: a short NIK
// and a kelurahan of another city.
const rosterCSV = "nama,nik,kelurahan_code\n" +
	"A," + nikCity + ",3672011001\n" +
	"B," + nikEmployer + ",3672011002\n" +
	"C,36720115059001,3672011001\n" +
	"D," + nikNone + ",3672081007\n" +
	"E," + nikEnded + ",3201011001\n"

const uploadMutation = `mutation Upload($file: Upload!, $cat: String!) { f: uploadScenarioRoster(category: $cat, file: $file) { id category fileName uploadedBy rows rejected problems } }`

type uploaded struct {
	ID, Category, FileName, UploadedBy string
	Rows, Rejected                     int
	Problems                           []string
}

func uploadRoster(t *testing.T, f *fixture, key string) (uploaded, response) {
	t.Helper()
	resp := uploadFile(t, f, key, uploadMutation, map[string]any{"cat": "MARBOT"}, "marbot.csv", rosterCSV)
	var data struct{ F uploaded }
	if len(resp.Data) > 0 {
		_ = json.Unmarshal(resp.Data, &data)
	}
	return data.F, resp
}

// TestScenarioRosterUpload: an admin uploads a roster; the valid rows are
// kept, the invalid counted and described by row and reason, no answer
// holds a NIK, the upload is audited; other roles are refused.
func TestScenarioRosterUpload(t *testing.T) {
	spy := &auditSpy{}
	f, _ := scenarioFixture(t, graph.Config{AuditLog: spy})
	spy.AuditLog = f.store
	spy.take()

	for _, key := range []string{"viewer-key", "analyst-key", "officer-key"} {
		_, resp := uploadRoster(t, f, key)
		if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "FORBIDDEN" {
			t.Errorf("%s: %+v, want FORBIDDEN", key, resp.Errors)
		}
	}
	if es := spy.take(); len(es) != 0 {
		t.Errorf("refused uploads were audited as reads: %+v", es)
	}

	got, resp := uploadRoster(t, f, "admin-key")
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	if got.ID == "" || got.Category != "MARBOT" || got.FileName != "marbot.csv" || got.UploadedBy != "root" || got.Rows != 3 || got.Rejected != 2 ||
		len(got.Problems) != 2 || !strings.HasPrefix(got.Problems[0], "row 4: ") || !strings.HasPrefix(got.Problems[1], "row 6: kelurahan_code") {
		t.Errorf("upload: %+v", got)
	}
	es := spy.take()
	if len(es) != 1 || es[0].Principal != "root" || es[0].Operation != "Upload" || es[0].People != 3 || es[0].Records != 3 ||
		!slices.Equal(es[0].Fields, []string{"ScenarioRoster.rows"}) {
		t.Errorf("audit: %+v, want one entry of the 3 people uploaded", es)
	}

	_, list := f.postAs(t, "admin-key", `{ scenarioRosters { id category fileName uploadedBy uploadedAt rows rejected problems } }`, nil)
	if len(list.Errors) > 0 || !strings.Contains(string(list.Data), got.ID) {
		t.Errorf("scenarioRosters: %s %+v", list.Data, list.Errors)
	}
	// Problems name the row and the column, never the value.
	if strings.Contains(strings.Join(got.Problems, " "), "3201011001") {
		t.Errorf("a problem quotes the cell: %q", got.Problems)
	}
	if _, v := f.postAs(t, "viewer-key", `{ scenarioRosters { id } }`, nil); len(v.Errors) != 1 || v.Errors[0].Extensions.Code != "FORBIDDEN" {
		t.Errorf("a viewer lists the rosters: %+v", v.Errors)
	}
	for _, b := range []string{string(resp.Data), string(list.Data)} {
		for _, nik := range []string{nikCity, nikEmployer, nikNone, nikEnded, "36720115059001"} {
			if strings.Contains(b, nik) || strings.Contains(b, nik[6:]) {
				t.Errorf("an answer holds a NIK: %s", b)
			}
		}
	}

	// A file with no valid row is refused; so is a file that is not a list.
	resp = uploadFile(t, f, "admin-key", uploadMutation, map[string]any{"cat": "MARBOT"}, "bad.csv", "nik,kelurahan_code\n123,3672011001\n")
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "BAD_USER_INPUT" || !strings.Contains(resp.Errors[0].Message, "no valid row") {
		t.Errorf("no valid row: %+v", resp.Errors)
	}
	resp = uploadFile(t, f, "admin-key", uploadMutation, map[string]any{"cat": "MARBOT"}, "bad.pdf", "%PDF")
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
		t.Errorf("a PDF: %+v", resp.Errors)
	}
	resp = uploadFile(t, f, "admin-key", uploadMutation, map[string]any{"cat": "marbot masjid"}, "m.csv", rosterCSV)
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
		t.Errorf("a bad category: %+v", resp.Errors)
	}
}

// TestScenarioNamedRoster: a scenario funding an uploaded roster's people
// counts who would move from another payer, who is already the city's and
// who is new, from their memberships at the rollup's as-of date; an unknown
// roster is NOT_FOUND.
func TestScenarioNamedRoster(t *testing.T) {
	spy := &countingScenarios{}
	f, _ := scenarioFixture(t, graph.Config{Scenarios: spy})
	ro, resp := uploadRoster(t, f, "admin-key")
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	const q = `query($id: ID!) { scenario(input: {year: 2025, changes: [{kind: ADD_CATEGORY, rosterId: $id}]}) {
		groups { category newlyCovered movers alreadyCity assumed } } }`
	_, resp = f.post(t, q, map[string]any{"id": "SR-nope"})
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "NOT_FOUND" {
		t.Errorf("unknown roster: %+v, want NOT_FOUND", resp.Errors)
	}
	_, resp = f.post(t, q, map[string]any{"id": ro.ID})
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	var ans struct {
		Scenario struct {
			Groups []struct {
				Category                          string
				NewlyCovered, Movers, AlreadyCity int
				Assumed                           bool
			}
		}
	}
	if err := json.Unmarshal(resp.Data, &ans); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ans.Scenario.Groups, func(g struct {
		Category                          string
		NewlyCovered, Movers, AlreadyCity int
		Assumed                           bool
	}) bool {
		return g.Category == "MARBOT"
	})
	if i < 0 {
		t.Fatalf("no MARBOT group: %s", resp.Data)
	}
	// nikCity: on the city's 2025 roster, already the city's; nikEmployer:
	// moves; nikNone: new
	// (nikEnded's row was rejected: its kelurahan is another city's).
	if g := ans.Scenario.Groups[i]; g.AlreadyCity != 1 || g.Movers != 1 || g.NewlyCovered != 1 || g.Assumed {
		t.Errorf("MARBOT: %+v, want 1 already the city's, 1 mover, 1 new, not assumed", g)
	}

	// Naming a roster's people is for analysts and admins: a small
	// roster's classes tell about the people on it.
	if _, v := f.postAs(t, "viewer-key", q, map[string]any{"id": ro.ID}); len(v.Errors) != 1 || v.Errors[0].Extensions.Code != "FORBIDDEN" {
		t.Errorf("a viewer names a roster: %+v", v.Errors)
	}
	// An explicit 0 is refused, not taken for the default.
	for _, c := range []string{`{kind: REMOVE_CATEGORY, category: "RT_RW", headcount: 0}`, `{kind: ADD_CATEGORY, category: "MARBOT", headcount: 5, months: 0}`,
		`{kind: ADD_CATEGORY, category: "MARBOT", headcount: 5, income: 0}`} {
		if _, z := f.post(t, `{ scenario(input: {year: 2025, changes: [`+c+`]}) { year } }`, nil); len(z.Errors) != 1 || z.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
			t.Errorf("%s: %+v", c, z.Errors)
		}
	}

	// Compared, a roster named by three scenarios is read and looked up once.
	spy.lookups, spy.read = 0, 0
	in := `{year: 2025, changes: [{kind: ADD_CATEGORY, rosterId: $id}]}`
	_, resp = f.post(t, `query($id: ID!) { compareScenarios(inputs: [`+in+`, `+in+`, `+in+`]) { groups { category movers } } }`, map[string]any{"id": ro.ID})
	if len(resp.Errors) > 0 || strings.Count(string(resp.Data), `{"category":"MARBOT","movers":1}`) != 3 {
		t.Errorf("compared: %s %+v", resp.Data, resp.Errors)
	}
	if spy.lookups != 1 || spy.read != 1 {
		t.Errorf("compared: the roster read %d times and its people looked up %d times, want once", spy.read, spy.lookups)
	}
}

// fingerprint is what a scenario must leave as it is: the stored rollups
// (the latest's version, hash and cells, and the rollup in memory), the
// reconciliation runs and every discrepancy.
func fingerprint(t *testing.T, s *store.Store, svc *analytics.Service) [32]byte {
	t.Helper()
	ctx := context.Background()
	v, err := s.LatestRollupVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.LatestRollup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.ReconcileRuns(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := s.Discrepancies(ctx, coverage.DiscrepancyFilter{}, coverage.PageRequest{First: coverage.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := s.DiscrepancyCounts(ctx, coverage.DiscrepancyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal([]any{v, stored, svc.Snapshot().Rollup, runs, ds.Items, ds.TotalCount, counts})
	if err != nil {
		t.Fatal(err)
	}
	if ds.TotalCount == 0 || len(stored.Cells) == 0 {
		t.Fatalf("nothing to compare: %d discrepancies, %d cells", ds.TotalCount, len(stored.Cells))
	}
	return sha256.Sum256(b)
}

// TestScenarioWritesNothing: scenario, compareScenarios, claimExperience
// and saveScenario leave the rollups (stored and in memory), the
// reconciliation runs and the findings as they were.
func TestScenarioWritesNothing(t *testing.T) {
	f, svc := scenarioFixture(t, graph.Config{})
	ro, resp := uploadRoster(t, f, "admin-key")
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	before := fingerprint(t, f.store, svc)
	in := `{year: 2025, changes: [{kind: ADD_CATEGORY, rosterId: "` + ro.ID + `"}, {kind: SET_PROGRAMS, programs: [JKK, JKM, JHT]}]}`
	for _, q := range []string{
		`{ scenario(input: ` + in + `) { year } }`,
		`{ compareScenarios(inputs: [` + in + `, ` + scenarioMarbot + `]) { year } }`,
		`{ claimExperience { from } }`,
		`mutation { saveScenario(name: "with JHT", input: ` + in + `) { id } }`,
	} {
		_, resp := f.post(t, q, nil)
		if len(resp.Errors) > 0 {
			t.Errorf("%s: %+v", q, resp.Errors)
		}
	}
	if after := fingerprint(t, f.store, svc); after != before {
		t.Error("a scenario changed the rollups, the reconciliation runs or the findings")
	}
}

// TestCompareScenariosCounts: 2 to 6 scenarios in all; an unknown saved id
// is NOT_FOUND.
func TestCompareScenariosCounts(t *testing.T) {
	f, _ := scenarioFixture(t, graph.Config{})
	q := func(inputs, saved int) string {
		var ins, ids []string
		for range inputs {
			ins = append(ins, `{year: 2025, changes: []}`)
		}
		for range saved {
			ids = append(ids, `"SC-nope"`)
		}
		return `{ c: city { code } f: compareScenarios(inputs: [` + strings.Join(ins, ",") + `], saved: [` + strings.Join(ids, ",") + `]) { year } }`
	}
	for _, n := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {7, 0}, {4, 3}} {
		_, resp := f.post(t, q(n[0], n[1]), nil)
		if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "BAD_USER_INPUT" || !strings.Contains(resp.Errors[0].Message, "2 to 6") {
			t.Errorf("%d inputs and %d saved: %+v, want BAD_USER_INPUT", n[0], n[1], resp.Errors)
		}
		if !strings.Contains(string(resp.Data), `"c":{"code":"3672"}`) {
			t.Errorf("%d inputs and %d saved: the rest of the answer is lost: %s", n[0], n[1], resp.Data)
		}
	}
	_, resp := f.post(t, q(1, 1), nil)
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "NOT_FOUND" {
		t.Errorf("an unknown saved id: %+v, want NOT_FOUND", resp.Errors)
	}
	for _, n := range []int{2, 6} {
		_, resp := f.post(t, q(n, 0), nil)
		if len(resp.Errors) > 0 || strings.Count(string(resp.Data), `"year":2025`) != n {
			t.Errorf("%d inputs: %s %+v", n, resp.Data, resp.Errors)
		}
	}
}

// TestScenarioInputChecks: arguments the resolvers refuse before any
// computation.
func TestScenarioInputChecks(t *testing.T) {
	f, _ := scenarioFixture(t, graph.Config{})
	for _, in := range []string{
		`{year: 2025, changes: [], seed: -1}`,
		`{year: 2025, changes: [], simulations: 0}`,
		`{year: 2025, changes: [], simulations: 20001}`,
		`{year: 2025, changes: [{kind: ADD_CATEGORY, category: "marbot", headcount: 1}]}`,
		`{year: 2025, changes: [], experienceFrom: "2024-05", experienceTo: "2024-01"}`,
	} {
		_, resp := f.post(t, `{ c: city { code } f: scenario(input: `+in+`) { year } }`, nil)
		if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
			t.Errorf("%s: %+v, want BAD_USER_INPUT", in, resp.Errors)
		}
	}
	for _, first := range []int{0, 101} {
		_, resp := f.post(t, `query($n: Int) { savedScenarios(first: $n) { id } }`, map[string]any{"n": first})
		if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
			t.Errorf("savedScenarios(first: %d): %+v", first, resp.Errors)
		}
	}
	_, resp := f.post(t, `mutation { saveScenario(name: "  ", input: {year: 2025, changes: []}) { id } }`, nil)
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
		t.Errorf("a blank name: %+v", resp.Errors)
	}
}

// TestSaveScenarioRoundTrip: a saved scenario keeps its author (the
// caller), the rollup version, its input as given with the defaults filled
// in, and the result a fresh scenario query answers on the same rollup; it
// lists newest first and compares by id.
func TestSaveScenarioRoundTrip(t *testing.T) {
	f, svc := scenarioFixture(t, graph.Config{})
	const result = `year rollupVersion asOf asOfMonth denominatorYear experienceFrom experienceTo simulations seed lowPercent highPercent
		baseline { funded memberMonths monthlyCost annualCost participants workforce rate expectedClaims expectedPaid paidLow paidHigh lossRatio }
		scenario { funded memberMonths monthlyCost annualCost participants workforce rate expectedClaims expectedPaid paidLow paidHigh lossRatio }
		monthlyCostChange annualCostChange participantsChange changePoints
		groups { category name newlyCovered movers alreadyCity loseCoverage assumed
			baseline { funded memberMonths monthlyCost annualCost expectedClaims expectedPaid }
			scenario { funded memberMonths monthlyCost annualCost expectedClaims expectedPaid }
			programs { program memberMonths expectedClaims expectedPaid basis experience { category basis program exposureMemberMonths claims paidAmount contributions frequency severity lossRatio } } }
		areas { areaCode name workforce baseline scenario baselineRate scenarioRate changePoints }
		notes`
	_, resp := f.post(t, `mutation { f: saveScenario(name: "Marbot 2024", input: `+scenarioMarbot+`) { id name author savedAt year inputJson rollupVersion result { `+result+` } } }`, nil)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	var saved struct {
		F struct {
			ID, Name, Author, InputJSON string
			SavedAt                     time.Time
			Year, RollupVersion         int
			Result                      json.RawMessage
		}
	}
	if err := json.Unmarshal(resp.Data, &saved); err != nil {
		t.Fatal(err)
	}
	s := saved.F
	if s.ID == "" || s.Name != "Marbot 2024" || s.Author != "root" || s.Year != 2025 || s.RollupVersion != int(svc.Snapshot().Rollup.Version) || s.SavedAt.IsZero() {
		t.Errorf("saved: %+v", s)
	}
	var in map[string]any
	if err := json.Unmarshal([]byte(s.InputJSON), &in); err != nil {
		t.Fatal(err)
	}
	if in["year"] != 2025.0 || in["simulations"] != 2000.0 || in["seed"] != 1.0 || in["minClaims"] != 30.0 || len(in["changes"].([]any)) != 1 {
		t.Errorf("input kept: %s", s.InputJSON)
	}

	_, fresh := f.post(t, `{ f: scenario(input: `+scenarioMarbot+`) { `+result+` } }`, nil)
	var freshAns struct{ F json.RawMessage }
	_ = json.Unmarshal(fresh.Data, &freshAns)
	if len(fresh.Errors) > 0 || !bytes.Equal(freshAns.F, s.Result) {
		t.Errorf("saved result:\n%s\nfresh:\n%s %+v", s.Result, freshAns.F, fresh.Errors)
	}
	_, got := f.postAs(t, "viewer-key", `query($id: ID!) { f: savedScenario(id: $id) { id author result { `+result+` } } }`, map[string]any{"id": s.ID})
	var gotAns struct {
		F struct {
			ID, Author string
			Result     json.RawMessage
		}
	}
	_ = json.Unmarshal(got.Data, &gotAns)
	if len(got.Errors) > 0 || gotAns.F.ID != s.ID || !bytes.Equal(gotAns.F.Result, s.Result) {
		t.Errorf("savedScenario: %s %+v", got.Data, got.Errors)
	}

	_, resp = f.post(t, `mutation { saveScenario(name: "Nothing", input: {year: 2025, changes: []}) { id } }`, nil)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	_, list := f.post(t, `{ savedScenarios { name } }`, nil)
	if string(list.Data) != `{"savedScenarios":[{"name":"Nothing"},{"name":"Marbot 2024"}]}` {
		t.Errorf("savedScenarios: %s %+v", list.Data, list.Errors)
	}
	_, cmp := f.post(t, `query($id: ID!) { compareScenarios(inputs: [{year: 2025, changes: []}], saved: [$id]) { scenario { funded } } }`, map[string]any{"id": s.ID})
	if len(cmp.Errors) > 0 || strings.Count(string(cmp.Data), "funded") != 2 {
		t.Errorf("compareScenarios with a saved id: %s %+v", cmp.Data, cmp.Errors)
	}
}

// TestClaimExperienceAnswersThePackage: claimExperience is
// scenario.ObservedExperience on the latest rollup, line for line.
func TestClaimExperienceAnswersThePackage(t *testing.T) {
	f, svc := scenarioFixture(t, graph.Config{})
	lines, from, to, err := scenario.ObservedExperience(svc.Snapshot().Rollup, "2023-01", "2024-07")
	if err != nil {
		t.Fatal(err)
	}
	_, resp := f.postAs(t, "viewer-key", `{ claimExperience(from: "2023-01", to: "2024-07") { from to rollupVersion
		lines { category basis program exposureMemberMonths claims paidAmount contributions frequency severity lossRatio } } }`, nil)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	var ans struct {
		ClaimExperience struct {
			From, To      coverage.Period
			RollupVersion int64
			Lines         []struct {
				Category                          *string
				Basis                             scenario.Basis
				Program                           coverage.Program
				ExposureMemberMonths              float64
				Claims, PaidAmount, Contributions int64
				Frequency, LossRatio              *float64
				Severity                          *int64
			}
		}
	}
	if err := json.Unmarshal(resp.Data, &ans); err != nil {
		t.Fatal(err)
	}
	ce := ans.ClaimExperience
	if ce.From != from || ce.To != to || ce.RollupVersion != svc.Snapshot().Rollup.Version || len(ce.Lines) != len(lines) || len(lines) == 0 {
		t.Fatalf("got %s to %s v%d, %d lines; want %s to %s, %d lines", ce.From, ce.To, ce.RollupVersion, len(ce.Lines), from, to, len(lines))
	}
	for i, l := range lines {
		g := ce.Lines[i]
		cat := ""
		if g.Category != nil {
			cat = *g.Category
		}
		basis := l.Pool
		if basis == "" {
			basis = scenario.BasisCategory
		}
		if cat != string(l.Category) || g.Basis != basis || g.Program != l.Program || g.ExposureMemberMonths != float64(l.Exposure) ||
			g.Claims != l.Claims || g.PaidAmount != l.PaidAmount || g.Contributions != l.Contributions ||
			!reflect.DeepEqual(g.Frequency, l.Frequency) || !reflect.DeepEqual(g.Severity, l.Severity) || !reflect.DeepEqual(g.LossRatio, l.LossRatio) {
			t.Errorf("line %d: got %+v, want %+v", i, g, l)
		}
	}
	_, resp = f.post(t, `{ claimExperience(from: "2024-07", to: "2023-01") { from } }`, nil)
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
		t.Errorf("from after to: %+v", resp.Errors)
	}
}

// TestScenarioRosterOfAnotherCategory: a change naming a roster of another
// category is refused; one naming its own category is the roster's.
func TestScenarioRosterOfAnotherCategory(t *testing.T) {
	f, _ := scenarioFixture(t, graph.Config{})
	ro, resp := uploadRoster(t, f, "admin-key")
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	q := `query($id: ID!, $cat: String) { scenario(input: {year: 2025, changes: [{kind: ADD_CATEGORY, category: $cat, rosterId: $id}]}) { groups { category movers } } }`
	_, resp = f.post(t, q, map[string]any{"id": ro.ID, "cat": "PETANI"})
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != "BAD_USER_INPUT" || !strings.Contains(resp.Errors[0].Message, "lists people of MARBOT") {
		t.Errorf("another category: %+v", resp.Errors)
	}
	_, resp = f.post(t, q, map[string]any{"id": ro.ID, "cat": "MARBOT"})
	if len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), `{"category":"MARBOT","movers":1}`) {
		t.Errorf("its own category: %s %+v", resp.Data, resp.Errors)
	}
}
