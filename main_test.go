package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
)

// TestDemo runs the newcomer's command, `demo`, as the binary would (simulator,
// first sync into the embedded engine, GraphQL API on a free port), queries the
// API over HTTP, and checks the answers against figures computed here from the
// simulator's own data.
func TestDemo(t *testing.T) {
	const seed, scale = 5, 0.02
	ds, err := feedsim.Generate(feedsim.Config{Seed: seed, Scale: scale})
	if err != nil {
		t.Fatal(err)
	}
	db := testDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--seed", "5", "--scale", "0.02",
			"--data-dir", t.TempDir(), "--database", db, "--log-level", "warn", "--admin-key", "test-admin-key"}, pw, io.Discard)
		pw.Close()
	}()
	url, viewerKey := waitForURL(t, pr, done)
	go io.Copy(io.Discard, pr)

	type gqlError struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	}
	post := func(query, key string) ([]gqlError, json.RawMessage) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query})
		req, _ := http.NewRequest(http.MethodPost, url+"query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r struct {
			Data   json.RawMessage `json:"data"`
			Errors []gqlError      `json:"errors"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return r.Errors, r.Data
	}
	gql := func(query string, out any) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query})
		req, _ := http.NewRequest(http.MethodPost, url+"query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer test-admin-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r struct {
			Data   json.RawMessage `json:"data"`
			Errors []struct {
				Message    string         `json:"message"`
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		if len(r.Errors) > 0 {
			t.Fatalf("%s: errors %+v", query, r.Errors)
		}
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}

	// Independent figures.
	var inCibeber, apbdActive int
	for _, p := range ds.Participants {
		if strings.HasPrefix(p.KelurahanCode, "367201") {
			inCibeber++
		}
		if p.PayerType == coverage.PayerAPBD && p.Status == coverage.StatusActive {
			apbdActive++
		}
	}
	kpu := 0
	for _, r := range ds.Roster {
		if r.Category == coverage.CategoryAdhocKPU {
			kpu++
		}
	}
	var claimsPaid int64
	for _, c := range ds.Claims {
		claimsPaid += c.AmountPaid
	}
	// The participant with the most contributions, and what they paid.
	perKPJ := map[string][]coverage.Contribution{}
	for _, c := range ds.Contributions {
		perKPJ[c.KPJ] = append(perKPJ[c.KPJ], c)
	}
	var kpj string
	for k, cs := range perKPJ {
		if len(cs) > len(perKPJ[kpj]) || (len(cs) == len(perKPJ[kpj]) && k < kpj) {
			kpj = k
		}
	}
	var paid int64
	for _, c := range perKPJ[kpj] {
		paid += c.AmountPaid
	}

	var counts struct {
		All      struct{ TotalCount int } `json:"all"`
		Cibeber  struct{ TotalCount int } `json:"cibeber"`
		APBD     struct{ TotalCount int } `json:"apbd"`
		KPU      struct{ TotalCount int } `json:"kpu"`
		Contribs struct{ TotalCount int } `json:"contribs"`
		Claims   struct{ TotalCount int } `json:"claims"`
		Areas    []struct {
			Code      string
			Kelurahan []struct{ Code string }
		} `json:"areas"`
	}
	gql(`{
		all: participants { totalCount }
		cibeber: participants(filter: {areaCode: "367201"}) { totalCount }
		apbd: participants(filter: {payerTypes: [APBD], statuses: [ACTIVE]}) { totalCount }
		kpu: roster(filter: {categories: ["ADHOC_KPU"]}) { totalCount }
		contribs: contributions { totalCount }
		claims: claims { totalCount }
		areas { code kelurahan { code } }
	}`, &counts)
	check := func(name string, got, want int) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %d, want %d", name, got, want)
		}
	}
	check("participants", counts.All.TotalCount, len(ds.Participants))
	check("participants in Cibeber", counts.Cibeber.TotalCount, inCibeber)
	check("active APBD participants", counts.APBD.TotalCount, apbdActive)
	check("KPU ad-hoc roster", counts.KPU.TotalCount, kpu)
	check("contributions", counts.Contribs.TotalCount, len(ds.Contributions))
	check("claims", counts.Claims.TotalCount, len(ds.Claims))
	check("kecamatan", len(counts.Areas), 8)
	kel := 0
	for _, a := range counts.Areas {
		kel += len(a.Kelurahan)
	}
	check("kelurahan", kel, 43)

	// One participant's contributions, summed to the rupiah.
	var one struct {
		Participant struct {
			Contributions struct {
				TotalCount int
				Edges      []struct{ Node struct{ AmountPaid int64 } }
			}
		}
	}
	gql(`{ participant(kpj: "`+kpj+`") { contributions(first: 1000) { totalCount edges { node { amountPaid } } } } }`, &one)
	check("contributions of "+kpj, one.Participant.Contributions.TotalCount, len(perKPJ[kpj]))
	var sum int64
	for _, e := range one.Participant.Contributions.Edges {
		sum += e.Node.AmountPaid
	}
	if sum != paid {
		t.Errorf("contributions paid by %s: got Rp%d, want Rp%d", kpj, sum, paid)
	}

	// Every claim, page by page, summed to the rupiah.
	var total int64
	after := ""
	for {
		var page struct {
			Claims struct {
				Edges    []struct{ Node struct{ AmountPaid int64 } }
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		arg := ""
		if after != "" {
			arg = `, after: "` + after + `"`
		}
		gql(`{ claims(first: 250`+arg+`) { edges { node { amountPaid } } pageInfo { hasNextPage endCursor } } }`, &page)
		for _, e := range page.Claims.Edges {
			total += e.Node.AmountPaid
		}
		if !page.Claims.PageInfo.HasNextPage {
			break
		}
		after = page.Claims.PageInfo.EndCursor
	}
	if total != claimsPaid {
		t.Errorf("claims paid: got Rp%d, want Rp%d", total, claimsPaid)
	}

	// Coverage figures from the reconciliation the demo ran.
	// The simulator's own reading of the 3-month rule, and people (NIKs)
	// counted once however many memberships they hold.
	lapses := map[string][]feedsim.Lapse{}
	for _, l := range ds.Lapses {
		lapses[l.KPJ] = append(lapses[l.KPJ], l)
	}
	today := coverage.DateOf(ds.AsOf.In(time.FixedZone("WIB", 7*3600)))
	died := map[string]coverage.Date{} // a paid JKM death claim ends coverage that day
	for _, c := range ds.Claims {
		if c.Program == coverage.ProgramJKM && c.Benefit == coverage.BenefitDeath && c.Status == coverage.ClaimPaid {
			if d, ok := died[c.NIK]; !ok || c.IncidentDate < d {
				died[c.NIK] = c.IncidentDate
			}
		}
	}
	covered := func(on coverage.Date) int {
		people := map[string]bool{}
		for _, p := range ds.Participants {
			if d, ok := died[p.NIK]; (ok && on >= d) || (p.Status == coverage.StatusTerminated && p.CoverageEnd == "") {
				continue
			}
			lapsed := slices.ContainsFunc(lapses[p.KPJ], func(l feedsim.Lapse) bool {
				return l.From <= on.Period() && (l.Until == "" || on.Period() < l.Until)
			})
			if strings.HasPrefix(p.KelurahanCode, "3672") && p.CoverageStart <= on && (p.CoverageEnd == "" || on <= p.CoverageEnd) && !lapsed {
				people[p.NIK] = true
			}
		}
		return len(people)
	}
	var apbdPaid2024 int64
	for _, c := range ds.Contributions {
		if c.PayerType == coverage.PayerAPBD && c.Period.Year() == 2024 {
			apbdPaid2024 += c.AmountPaid
		}
	}
	var figures struct {
		UniversalCoverage struct {
			Current, Previous struct {
				Participants int
				Workforce    int
				Rate         float64
			}
			ChangePoints float64
		}
		ApbdProgram struct {
			Total struct {
				Workers           int
				ContributionsPaid int64
				Net               int64
				ClaimsPaid        int64
			}
		}
		Coverage struct {
			Rows []struct {
				Bucket   string
				Category *string
				Measures struct{ FundedWorkers int }
			}
		}
		Discrepancies struct {
			TotalCount   int
			CountsByKind []struct {
				Kind  string
				Count int
			}
		}
	}
	gql(`{
		universalCoverage(year: 2024) { current { participants workforce rate } previous { participants workforce rate } changePoints }
		apbdProgram(year: 2024) { total { workers contributionsPaid net claimsPaid } }
		coverage(filter: {from: "2024-01", cityFunded: true}, groupBy: [CATEGORY], granularity: YEAR) { rows { bucket category measures { fundedWorkers } } }
		discrepancies(filter: {statuses: [OPEN]}) { totalCount countsByKind { kind count } }
	}`, &figures)
	// The rate divides by the simulator's workforce of the city (the
	// workforce feed), not by a figure the API reports about itself.
	workforce := func(year int) int {
		for _, w := range ds.Workforce {
			if w.Year == year && w.AreaCode == "3672" {
				return int(w.Workforce)
			}
		}
		t.Fatalf("the simulator has no workforce of the city in %d", year)
		return 0
	}
	u := figures.UniversalCoverage
	check("UCJ 2024 participants", u.Current.Participants, covered(today))
	check("UCJ 2023 participants", u.Previous.Participants, covered("2023-12-31"))
	check("UCJ 2024 workforce", u.Current.Workforce, workforce(2024))
	check("UCJ 2023 workforce", u.Previous.Workforce, workforce(2023))
	rate2024 := float64(covered(today)) / float64(workforce(2024))
	rate2023 := float64(covered("2023-12-31")) / float64(workforce(2023))
	if u.Current.Rate != rate2024 || u.Previous.Rate != rate2023 || u.ChangePoints != (rate2024-rate2023)*100 {
		t.Errorf("UCJ: got rates %v and %v, change %v points; want %v and %v, change %v points",
			u.Current.Rate, u.Previous.Rate, u.ChangePoints, rate2024, rate2023, (rate2024-rate2023)*100)
	}
	check("city-funded workers 2024", figures.ApbdProgram.Total.Workers, len(ds.Roster))
	if got := figures.ApbdProgram.Total; got.ContributionsPaid != apbdPaid2024 || got.Net != got.ContributionsPaid-got.ClaimsPaid {
		t.Errorf("APBD programme 2024: %+v, want contributions paid Rp%d", got, apbdPaid2024)
	}
	funded := 0
	for _, r := range figures.Coverage.Rows {
		funded += r.Measures.FundedWorkers
	}
	fundedAsOf := 0
	for _, r := range ds.Roster {
		if r.FundedIn(today.Period()) {
			fundedAsOf++
		}
	}
	check("funded workers at the as-of month", funded, fundedAsOf)
	subjects := map[string]map[string]bool{}
	for _, p := range ds.Planted {
		if subjects[p.Kind] == nil {
			subjects[p.Kind] = map[string]bool{}
		}
		key := p.NIK
		switch p.Kind {
		case feedsim.PlantAPBDNotOnRoster, feedsim.PlantUnpaidMonths, feedsim.PlantTariffMismatch, feedsim.PlantInactive3Months:
			key = p.KPJ
		case feedsim.PlantClaimOutsideCoverage:
			key = p.Detail[:strings.Index(p.Detail, ":")]
		case feedsim.PlantPaidAfterDeath:
			key = p.KPJ
		case feedsim.PlantClaimAboveBenefit, feedsim.PlantRosterRowRejected:
			key = p.Ref
		case feedsim.PlantKPJNIKMismatch:
			key = p.NIK + "|" + p.KPJ
		}
		subjects[p.Kind][key] = true
	}
	open := 0
	for _, kc := range figures.Discrepancies.CountsByKind {
		check("open "+kc.Kind, kc.Count, len(subjects[kc.Kind]))
		open += kc.Count
	}
	check("kinds of discrepancies", len(figures.Discrepancies.CountsByKind), len(feedsim.PlantKinds))
	check("open discrepancies", figures.Discrepancies.TotalCount, open)

	// Mutations need the admin key.
	const declare = `mutation { setDeclaredTotal(input: {metric: CITY_FUNDED_WORKERS, year: 2024, value: 300, source: "test"}) { declared counted difference } }`
	if errs, _ := post(declare, ""); len(errs) != 1 || errs[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Errorf("declareTotal without credentials: %+v", errs)
	}
	if errs, data := post(`{ universalCoverage(year: 2024) { current { participants } } }`, viewerKey); len(errs) != 0 || !strings.Contains(string(data), "participants") {
		t.Errorf("the demo's viewer key on an aggregate: %+v %s", errs, data)
	}
	if errs, _ := post(declare, viewerKey); len(errs) != 1 || errs[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("mutation without a key: %+v", errs)
	}
	if errs, _ := post(declare, "wrong"); len(errs) != 1 || errs[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Errorf("mutation with a wrong key: %+v", errs)
	}
	errs, data := post(declare, "test-admin-key")
	if len(errs) > 0 || !strings.Contains(string(data), fmt.Sprintf(`"counted":%d,"difference":%d`, len(ds.Roster), len(ds.Roster)-300)) {
		t.Errorf("setDeclaredTotal: %s %+v", data, errs)
	}
	errs, data = post(`mutation { reconcileNow { status findings { opened resolved } } }`, "test-admin-key")
	if len(errs) > 0 || !strings.Contains(string(data), `"status":"SUCCEEDED","findings":{"opened":1,"resolved":0}`) {
		t.Errorf("reconcileNow after declaring a total: %s %+v", data, errs)
	}

	// The sync runs the demo recorded: one per feed, each bringing the whole
	// feed. A run the worker starts after them (a scheduled tick falling
	// during the test, say) has nothing left to bring.
	var runs struct {
		SyncRuns []struct {
			Feed    string
			Status  string
			Trigger string
			Counts  struct{ Inserted, Quarantined int }
		}
	}
	gql(`{ syncRuns(first: 50) { feed status trigger counts { inserted quarantined } } }`, &runs)
	live := map[string]int{"participants": len(ds.Participants), "contributions": len(ds.Contributions),
		"claims": len(ds.Claims), "roster": len(ds.Roster), "workforce": len(ds.Workforce)}
	demoRuns := 0
	for _, r := range runs.SyncRuns {
		if r.Status != "SUCCEEDED" {
			t.Errorf("%s run (%s): %s", r.Feed, r.Trigger, r.Status)
		}
		if r.Trigger != "demo" {
			t.Logf("a %s run by %s after the demo's sync: %+v", r.Feed, r.Trigger, r.Counts)
			check(r.Feed+" inserted by "+r.Trigger, r.Counts.Inserted, 0)
			continue
		}
		demoRuns++
		check(r.Feed+" inserted", r.Counts.Inserted, live[strings.ToLower(r.Feed)])
	}
	check("the demo's sync runs", demoRuns, 5)

	// An admin starts a sync on request, follows it over SSE, and cannot
	// cancel it once it has ended.
	errs, data = post(`mutation { triggerSync(feed: CLAIMS) { id status trigger progress { pages records } } }`, "test-admin-key")
	var trig struct {
		TriggerSync struct{ ID, Status, Trigger string }
	}
	if err := json.Unmarshal(data, &trig); err != nil || len(errs) > 0 || trig.TriggerSync.Status != "RUNNING" || trig.TriggerSync.Trigger != "api:admin" {
		t.Fatalf("triggerSync: %s %+v", data, errs)
	}
	if errs, _ := post(`mutation { triggerSync(feed: CLAIMS) { id } }`, viewerKey); len(errs) != 1 || errs[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("triggerSync without a key: %+v", errs)
	}
	events := sse(t, url+"query", `subscription { syncRunProgress(id: "`+trig.TriggerSync.ID+`") { status progress { pages records total percent } } }`)
	if len(events) == 0 || !strings.Contains(events[len(events)-1], `"status":"SUCCEEDED"`) || !strings.Contains(events[len(events)-1], `"percent":100`) {
		t.Errorf("syncRunProgress events: %q, want the run to the end", events)
	}
	var ended struct {
		SyncRun struct {
			Status   string
			Owner    *string
			Progress struct{ Records, Total int }
		}
	}
	gql(`{ syncRun(id: "`+trig.TriggerSync.ID+`") { status owner progress { records total } } }`, &ended)
	if ended.SyncRun.Status != "SUCCEEDED" || ended.SyncRun.Owner == nil || ended.SyncRun.Progress.Total != ended.SyncRun.Progress.Records {
		t.Errorf("syncRun after the end: %+v", ended.SyncRun)
	}
	if errs, _ := post(`mutation { cancelSync(run: "`+trig.TriggerSync.ID+`") { id } }`, "test-admin-key"); len(errs) != 1 || errs[0].Extensions["code"] != "CONFLICT" {
		t.Errorf("cancelling an ended run: %+v", errs)
	}

	// An admin uploads a roster spreadsheet (GraphQL multipart request).
	rosterKel := ds.Roster[0].KelurahanCode
	sheet := "nik,name,category,agency,kelurahan_code,funded_from,funded_until\n" +
		"3672011205900003,Ahmad Fauzi,RT_RW,Bagian Pemerintahan," + rosterKel + ",2024-01,\n" +
		"36720112059,Budi,RT_RW,Bagian Pemerintahan," + rosterKel + ",2024-01,\n"
	upload := func(key string) string {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("operations", `{"query":"mutation($f: Upload!) { importRoster(file: $f) { fileName rows valid inserted unchanged rejected errors { row column reason } } }","variables":{"f":null}}`)
		_ = mw.WriteField("map", `{"0":["variables.f"]}`)
		fw, _ := mw.CreateFormFile("0", "roster.csv")
		_, _ = io.WriteString(fw, sheet)
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, url+"query", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := upload("test-admin-key"); !strings.Contains(got, `"fileName":"roster.csv","rows":2,"valid":1,"inserted":1,"unchanged":0,"rejected":1,"errors":[{"row":3,"column":"nik"`) {
		t.Errorf("importRoster: %s", got)
	}
	if got := upload("test-admin-key"); !strings.Contains(got, `"inserted":0,"unchanged":1,"rejected":1`) {
		t.Errorf("importRoster of the same file again: %s", got)
	}
	if got := upload("wrong"); !strings.Contains(got, "UNAUTHENTICATED") {
		t.Errorf("importRoster with a wrong key: %s", got)
	}

	for _, path := range []string{"healthz", "readyz", ""} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/%s: got %s", path, resp.Status)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo ended with %v, want a clean shutdown", err)
		}
	case <-time.After(shutdownTimeout + 5*time.Second):
		t.Error("demo did not shut down in time")
	}
}

// sse runs a subscription over Server-Sent Events and returns the data of
// each "next" event until the server completes the stream.
func sse(t *testing.T, url, query string) []string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer test-admin-key")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("subscription answered %s %s", resp.Status, ct)
	}
	var events []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
			if event == "complete" {
				return events
			}
		case strings.HasPrefix(line, "data: ") && event == "next":
			events = append(events, strings.TrimPrefix(line, "data: "))
		}
	}
	return events
}

// testDatabase returns a database name of the test's own. Against a real
// MongoDB (MONGODB_URI) the database is dropped when the test ends, so a rerun
// starts empty and nothing is left behind; the embedded engine keeps its data
// in the directory the test passes with --data-dir (a t.TempDir). Every test
// that runs a command opening the database passes --database testDatabase(t).
func testDatabase(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "jamsostek_test_" + hex.EncodeToString(b)
	uri := os.Getenv("MONGODB_URI")
	if uri == "" {
		return name
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		client, err := mongo.Connect(options.Client().ApplyURI(uri))
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer func() { _ = client.Disconnect(ctx) }()
		if err := client.Database(name).Drop(ctx); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return name
}

var (
	openURL   = regexp.MustCompile(`demo: open (http://\S+/) `)
	viewerKey = regexp.MustCompile(`demo: the mayor's office dashboard \(viewer\): http://\S+/dashboard#key=(jsk_\S+)`)
)

// waitForURL reads the demo's output until it has printed the URL to open
// and the dashboard's viewer key.
func waitForURL(t *testing.T, r io.Reader, done <-chan error) (url, key string) {
	t.Helper()
	found := make(chan [2]string)
	go func() {
		var u, k string
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if m := openURL.FindStringSubmatch(sc.Text()); m != nil {
				u = m[1]
			}
			if m := viewerKey.FindStringSubmatch(sc.Text()); m != nil {
				k = m[1]
			}
			if u != "" && k != "" {
				found <- [2]string{u, k}
				return
			}
		}
		close(found)
	}()
	select {
	case f, ok := <-found:
		if !ok {
			t.Fatal("demo ended its output without a URL and a viewer key")
		}
		return f[0], f[1]
	case err := <-done:
		t.Fatalf("demo ended before serving: %v", err)
	case <-time.After(5 * time.Minute):
		t.Fatal("demo printed no URL in 5 minutes")
	}
	return "", ""
}

func TestCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"bogus"}, "unknown command"},
		{"sync without once", []string{"sync", "--feed-base-url", "http://x"}, "--once"},
		{"sync without feed server", []string{"sync", "--once", "--feed-base-url", ""}, "JAMSOSTEK_FEED_BASE_URL"},
		{"unknown feed", []string{"sync", "--once", "--feed-base-url", "http://127.0.0.1:1", "--feed", "payroll"}, "unknown feed"},
		{"bad page size", []string{"sync", "--once", "--page-size", "9000"}, "page size"},
		{"bad as-of", []string{"feedsim", "--as-of", "2024-08-16 00:00"}, "RFC 3339"},
		{"bad log level", []string{"serve", "--log-level", "loud"}, "log level"},
		{"stray argument", []string{"serve", "now"}, "unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "demo") {
		t.Errorf("--help: got %v and %q", err, out.String())
	}
}

// TestImportRosterCommand imports a roster file with a bad row twice: the
// report names the row, the second import changes nothing.
func TestImportRosterCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "Roster Kader.csv")
	data := "nik;nama;kategori;instansi;kode_kelurahan;funded_from;funded_until\n" +
		"3672085206850012;Siti Aminah;KADER;Dinas Kesehatan;3672081007;2024-02;2024-12\n" +
		"3672085206850020;Rina;KADER;Dinas Kesehatan;3672081007;2024-13;\n"
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"import-roster", "--data-dir", filepath.Join(dir, "db"), "--database", testDatabase(t), "--log-level", "error", file}
	var out bytes.Buffer
	err := run(context.Background(), args, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "1 rows rejected") {
		t.Errorf("import with a bad row: got %v, want a failure naming the rejected row", err)
	}
	if !strings.Contains(out.String(), "2 rows, 1 valid (1 new, 0 changed, 0 unchanged), 1 rejected") || !strings.Contains(out.String(), `row 3 funded_from "2024-13"`) {
		t.Errorf("report:\n%s", out.String())
	}
	out.Reset()
	_ = run(context.Background(), args, &out, io.Discard)
	if !strings.Contains(out.String(), "(0 new, 0 changed, 1 unchanged)") {
		t.Errorf("second import:\n%s", out.String())
	}
	if err := run(context.Background(), []string{"import-roster"}, io.Discard, io.Discard); err == nil {
		t.Error("import-roster without a file succeeded")
	}
}

// TestSyncOnce runs `sync --once` against a simulator: success exits cleanly, a
// wrong token fails with a message that names the token.
func TestSyncOnce(t *testing.T) {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 2, Scale: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(feedsim.NewServer(ds, "s3cret"))
	defer srv.Close()
	dir, db := t.TempDir(), testDatabase(t)
	args := func(token string) []string {
		return []string{"sync", "--once", "--feed-base-url", srv.URL, "--feed-token", token, "--data-dir", dir, "--database", db, "--log-level", "error"}
	}
	var out bytes.Buffer
	if err := run(context.Background(), args("s3cret"), io.Discard, &out); err != nil {
		t.Fatalf("sync --once: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "participants") || !strings.Contains(out.String(), "SUCCEEDED") {
		t.Errorf("sync printed no summary: %s", out.String())
	}
	err = run(context.Background(), args("wrong"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "token") {
		t.Errorf("wrong token: got %v, want an error about the token", err)
	}
}
