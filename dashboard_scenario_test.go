package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/cilegon/jamsostek/internal/browsertest"
)

// testDashboardScenario fills the dashboard's scenario form (issue 14),
// runs it, and compares every figure of the scenario section with the API's
// answer to the same input, asked here; it checks the input the page sent,
// and that the section's CSV button downloads the file. It is skipped while
// the API has no scenarios (the schema and the computation land on their
// own branches).
func testDashboardScenario(t *testing.T, tab context.Context, rec *browsertest.Recorder, base, key string) {
	var boot struct {
		Areas  []struct{ Code string }
		Latest struct{ To string }
	}
	if errs := apiAsk(t, base, key, `{ areas { code } latest: coverage(filter: {areaCode: "3672"}) { to } }`, nil, &boot); len(errs) > 0 {
		t.Fatalf("boot: %s", errs)
	}
	year, _ := strconv.Atoi(boot.Latest.To[:4])
	k1, k2 := boot.Areas[0].Code, boot.Areas[1].Code
	input := map[string]any{"year": year + 1, "changes": []any{map[string]any{
		"kind": "ADD_CATEGORY", "category": "MARBOT", "headcount": 500,
		"distribution": []any{map[string]any{"area": k1, "count": 300}, map[string]any{"area": k2, "count": 200}},
		"programs":     []any{"JKK", "JKM"}, "months": 12,
	}}}
	want, errs := scenarioFigures(t, base, key, input)
	if len(errs) > 0 {
		t.Fatalf("scenario as the viewer: %s", errs)
	}
	_, _, before := rec.Snapshot()
	defer func() {
		_, _, problems := rec.Snapshot()
		for _, p := range problems[len(before):] {
			t.Errorf("browser: %s", p)
		}
	}()

	// The form: the first change is "tambah kategori" already; the selects
	// are set as a keyboard would (value, then change), the numbers typed.
	first := `#scen-changes .scen-change:first-of-type `
	if _, err := chromedp.Run(tab, chromedp.EmulateReset()); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => {
  const box = document.querySelector('#scen-changes .scen-change');
  const set = (sel, v) => { const e = box.querySelector(sel); e.value = v; e.dispatchEvent(new Event('change', {bubbles: true})); };
  set('.scen-kind', 'ADD_CATEGORY');
  set('.scen-cat', 'MARBOT');
  set('.scen-programs', 'JKK,JKM');
  box.querySelector('details.scen-dist').open = true;
  document.getElementById('scen-name').value = '';
  return true;
})()`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Steps(
		chromedp.SendKeys(first+`.scen-headcount`, "500"),
		chromedp.SendKeys(first+`.scen-months`, "12"),
		chromedp.SendKeys(first+fmt.Sprintf(`input[data-area=%q]`, k1), "300"),
		chromedp.SendKeys(first+fmt.Sprintf(`input[data-area=%q]`, k2), "200"),
		chromedp.SendKeys(`#scen-name`, "Marbot"),
	)); err != nil {
		t.Fatal(err)
	}
	if y, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('scen-year').value`)); y != strconv.Itoa(year+1) {
		t.Errorf("the scenario's year defaults to %q, want the year after the data's, %d", y, year+1)
	}
	// Run it from the keyboard: Enter on the submit button.
	if _, err := chromedp.Run(tab, chromedp.Steps(chromedp.Focus(`#scen-run`), chromedp.KeyEvent("\r"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`['ready', 'error'].includes(document.body.dataset.scen)`,
		chromedp.WithPollingTimeout(60*time.Second), chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Fatalf("the scenario did not finish: %v", err)
	}
	msg, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.dataset.scen === 'ready' ? '' : document.getElementById('scen-msg').textContent`))
	if msg != "" {
		t.Fatalf("the page says: %s", msg)
	}

	// The input the page sent is the test's.
	var sent map[string]any
	_, bodies, _ := rec.Snapshot()
	for _, b := range bodies {
		auth, body, _ := strings.Cut(b, "|")
		if !strings.Contains(body, "DashboardScenario") {
			continue
		}
		if auth != "Bearer "+key {
			t.Errorf("the scenario's request carried %q", auth)
		}
		var req struct {
			Variables struct{ Input map[string]any }
		}
		if err := json.Unmarshal([]byte(body), &req); err != nil {
			t.Fatal(err)
		}
		sent = req.Variables.Input
	}
	var norm map[string]any
	b, _ := json.Marshal(input)
	_ = json.Unmarshal(b, &norm)
	if !reflect.DeepEqual(sent, norm) {
		t.Errorf("the page asked\n%v\nthe test typed\n%v", sent, norm)
	}

	checkFiguresIn(t, tab, want, `#skenario [data-figure]`, 30)

	// The export: the section's CSV, with the key in the header only.
	dir := t.TempDir()
	if _, err := chromedp.Run(tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	url := downloadScenario(t, tab, rec, key, dir, "csv")
	if q := url[strings.Index(url, "?")+1:]; strings.Count(q, "input=") != 1 || !strings.Contains(q, "name=Marbot") {
		t.Errorf("the export asked %s", url)
	}

	// The saved scenarios, asked when their fold is opened: a list or the
	// note that there is none, not an error.
	if _, err := chromedp.Run(tab, chromedp.Click(`#scen-saved > summary`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`!document.getElementById('scen-saved-list').textContent.startsWith('Memuat')`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the saved scenarios did not load: %v", err)
	}
	if text, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('scen-saved-list').textContent`)); strings.Contains(text, "tidak dapat") {
		t.Errorf("the saved scenarios: %s", text)
	}

	// A comparison: this scenario, and the same for 6 months, put in the
	// list with the form, compared with compareScenarios.
	input2 := map[string]any{"year": year + 1, "changes": []any{map[string]any{
		"kind": "ADD_CATEGORY", "category": "MARBOT", "headcount": 500,
		"distribution": []any{map[string]any{"area": k1, "count": 300}, map[string]any{"area": k2, "count": 200}},
		"programs":     []any{"JKK", "JKM"}, "months": 6,
	}}}
	if _, err := chromedp.Run(tab, chromedp.Click(`#scen-compare-add`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.querySelector('#scen-changes .scen-months').value = '', document.getElementById('scen-name').value = '', true`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Steps(
		chromedp.SendKeys(first+`.scen-months`, "6"),
		chromedp.SendKeys(`#scen-name`, "Marbot 6 bulan"),
		chromedp.Click(`#scen-compare-add`),
	)); err != nil {
		t.Fatal(err)
	}
	if n, _ := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('#scen-compare-list li').length`)); n != 2 {
		t.Fatalf("%d scenarios in the comparison, want 2", n)
	}
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.body.dataset.scen = '', true`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Steps(chromedp.Focus(`#scen-compare-run`), chromedp.KeyEvent("\r"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`['ready', 'error'].includes(document.body.dataset.scen)`,
		chromedp.WithPollingTimeout(60*time.Second), chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Fatalf("the comparison did not finish: %v", err)
	}
	if msg, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.dataset.scen === 'ready' ? '' : document.getElementById('scen-msg').textContent`)); msg != "" {
		t.Fatalf("the page says: %s", msg)
	}
	_, bodies, _ = rec.Snapshot()
	var sentAll []any
	for _, b := range bodies {
		if _, body, _ := strings.Cut(b, "|"); strings.Contains(body, "DashboardCompareScenarios") {
			var req struct{ Variables struct{ Inputs []any } }
			if err := json.Unmarshal([]byte(body), &req); err != nil {
				t.Fatal(err)
			}
			sentAll = req.Variables.Inputs
		}
	}
	var norm2 []any
	b, _ = json.Marshal([]any{input, input2})
	_ = json.Unmarshal(b, &norm2)
	if !reflect.DeepEqual(sentAll, norm2) {
		t.Errorf("the page compared\n%v\nthe test typed\n%v", sentAll, norm2)
	}
	checkFiguresIn(t, tab, compareFigures(t, base, key, []map[string]any{input, input2}), `#skenario [data-figure]`, 60)
	// The answers on a phone and a projector: nothing wider than the
	// screen but inside the tables' scroll boxes.
	for _, vp := range []struct {
		width, height int64
		opts          []chromedp.EmulateViewportOption
	}{{375, 812, []chromedp.EmulateViewportOption{chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch}}, {1920, 1080, nil}} {
		if _, err := chromedp.Run(tab, chromedp.EmulateViewport(vp.width, vp.height, vp.opts...)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // the charts are drawn again past the phone's width
		overflow, err := chromedp.Run(tab, chromedp.Evaluate[string](`(() => {
  const w = document.documentElement.clientWidth;
  for (const e of document.querySelectorAll('#skenario *')) {
    if (e.closest('.table-wrap') || e.closest('.sr')) continue;
    const r = e.getBoundingClientRect();
    if (r.width && r.right > w + 1) return e.tagName + ' ' + (e.getAttribute('class') || '') + ' "' + (e.textContent || '').slice(0, 40) + '" ends at ' + r.right + ' px in ' + w;
  }
  return document.documentElement.scrollWidth > w ? 'the page is ' + document.documentElement.scrollWidth + ' px wide in ' + w : '';
})()`))
		if err != nil {
			t.Fatal(err)
		}
		if overflow != "" {
			t.Errorf("the scenarios at %d px: %s", vp.width, overflow)
		}
	}
	if _, err := chromedp.Run(tab, chromedp.EmulateReset()); err != nil {
		t.Fatal(err)
	}
	checkFiguresIn(t, tab, compareFigures(t, base, key, []map[string]any{input, input2}), `#skenario [data-figure]`, 60)
	if os.Getenv("JAMSOSTEK_UPDATE_SCREENSHOTS") != "" {
		b, err := chromedp.Run(tab, chromedp.Screenshot(`#skenario`))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("docs", "dashboard-scenario.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	url = downloadScenario(t, tab, rec, key, dir, "xlsx")
	if q := url[strings.Index(url, "?")+1:]; strings.Count(q, "input=") != 2 || !strings.Contains(q, "name=Marbot+6+bulan") {
		t.Errorf("the export asked %s", url)
	}
}

// downloadScenario clicks the scenario section's export button of format,
// checks its request (GET, the key in the header only) and waits for the
// file; it returns the request's URL.
func downloadScenario(t *testing.T, tab context.Context, rec *browsertest.Recorder, key, dir, format string) string {
	t.Helper()
	button := `#scen-export button[data-format="` + format + `"]`
	seen := len(rec.Requests())
	if _, err := chromedp.Run(tab, chromedp.Click(button)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`!document.querySelector('`+button+`').disabled`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the export button stays disabled: %v", err)
	}
	var req *browsertest.Request
	for _, r := range rec.Requests()[seen:] {
		if strings.Contains(r.URL, "/export/scenario."+format) {
			req = &r
		}
	}
	if req == nil {
		t.Fatalf("the scenario's %s button made no request", format)
	}
	if req.Method != "GET" || req.Authorization != "Bearer "+key || strings.Contains(req.URL, key) || !strings.Contains(req.URL, "input=") {
		t.Errorf("the export request: %+v", *req)
	}
	if msg, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('export-msg').hidden ? '' : document.getElementById('export-msg').textContent`)); msg != "" {
		t.Fatalf("the export: the page says %q", msg)
	}
	pattern := regexp.MustCompile(`^jamsostek-scenario-\d{4}-\d{2}-\d{2}\.` + format + `$`)
	magic := map[string]string{"csv": "\ufeff", "xlsx": "PK"}[format]
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var got []byte
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if pattern.MatchString(e.Name()) {
				got, _ = os.ReadFile(filepath.Join(dir, e.Name()))
			}
		}
		if bytes.HasPrefix(got, []byte(magic)) && (format != "csv" || bytes.Contains(got, []byte("Skenario Perwal")) && bytes.Contains(got, []byte("MARBOT"))) {
			return req.URL
		}
		if time.Now().After(deadline) {
			t.Fatalf("no download of scenario.%s in %s: %v", format, dir, entries)
		}
	}
}

// apiAsk posts a query as key; it returns the errors as text.
func apiAsk(t *testing.T, base, key, query string, vars map[string]any, out any) []string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		} `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	var errs []string
	for _, e := range r.Errors {
		errs = append(errs, e.Extensions.Code+": "+e.Message)
	}
	if len(errs) == 0 {
		dec := json.NewDecoder(bytes.NewReader(r.Data))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return errs
}

const scenarioFigureFields = `
  year rollupVersion asOf
  baseline { ...S } scenario { ...S } monthlyCostChange annualCostChange participantsChange changePoints
  groups { category baseline { funded monthlyCost } scenario { funded monthlyCost annualCost expectedClaims expectedPaid } newlyCovered movers alreadyCity loseCoverage
    programs { program memberMonths expectedClaims expectedPaid basis experience { claims exposureMemberMonths frequency severity } } }
  areas { areaCode workforce baseline scenario baselineRate scenarioRate changePoints } } }
fragment S on ScenarioSide { funded monthlyCost annualCost participants workforce rate expectedClaims expectedPaid paidLow paidHigh lossRatio }`

// scenarioFigures asks the API the scenario and names its figures as the
// page does (docs/dashboard.md), each formatted the Indonesian way.
func scenarioFigures(t *testing.T, base, key string, input map[string]any) (map[string]figure, []string) {
	t.Helper()
	var ans struct{ Scenario map[string]any }
	errs := apiAsk(t, base, key, `query($i: ScenarioInput!) { scenario(input: $i) {`+scenarioFigureFields, map[string]any{"i": input}, &ans)
	if len(errs) > 0 {
		return nil, errs
	}
	want := map[string]figure{}
	scenarioResultFigures(t, want, ans.Scenario, 0, true)
	return want, nil
}

// compareFigures asks compareScenarios the inputs and names the figures of
// the answers as the page does: the baseline of the first answer of each
// year.
func compareFigures(t *testing.T, base, key string, inputs []map[string]any) map[string]figure {
	t.Helper()
	var ans struct{ CompareScenarios []map[string]any }
	if errs := apiAsk(t, base, key, `query($i: [ScenarioInput!]) { compareScenarios(inputs: $i) {`+scenarioFigureFields, map[string]any{"i": inputs}, &ans); len(errs) > 0 {
		t.Fatalf("compareScenarios: %s", errs)
	}
	want := map[string]figure{}
	years := map[string]bool{}
	for i, r := range ans.CompareScenarios {
		y := r["year"].(json.Number).String()
		scenarioResultFigures(t, want, r, i, !years[y])
		years[y] = true
	}
	return want
}

// scenarioResultFigures names the figures of the i-th answer as the page
// does, into want; its baseline too when baseline is set.
func scenarioResultFigures(t *testing.T, want map[string]figure, r map[string]any, i int, baseline bool) {
	t.Helper()
	pre := "scen." + strconv.Itoa(i) + "."
	add := func(name string, v any, format func(any) string) { addFigure(t, want, name, v, format) }
	add(pre+"rollupVersion", r["rollupVersion"], idInt)
	add(pre+"asOf", r["asOf"], idTime)
	for _, f := range []struct {
		name   string
		format func(any) string
	}{{"funded", idInt}, {"monthlyCost", idRp}, {"annualCost", idRp}, {"participants", idInt}, {"workforce", idInt}, {"rate", idRate},
		{"expectedClaims", idDec}, {"expectedPaid", idRp}, {"paidLow", idRp}, {"paidHigh", idRp}, {"lossRatio", idRate}} {
		if baseline {
			add(pre+"baseline."+f.name, obj(r["baseline"])[f.name], f.format)
		}
		add(pre+"scenario."+f.name, obj(r["scenario"])[f.name], f.format)
	}
	add(pre+"monthlyCostChange", r["monthlyCostChange"], idSigned(idRp))
	add(pre+"annualCostChange", r["annualCostChange"], idSigned(idRp))
	add(pre+"participantsChange", r["participantsChange"], idSigned(idInt))
	add(pre+"changePoints", r["changePoints"], idChangePoints)
	basis := map[string]string{"CATEGORY": "kategori sendiri", "CITY_FUNDED": "semua pekerja dibiayai kota", "BPU": "semua peserta BPU", "NONE": "tidak ada"}
	for _, g := range list(r["groups"]) {
		g := obj(g)
		p := pre + "group." + g["category"].(string) + "."
		add(p+"baseline.funded", obj(g["baseline"])["funded"], idInt)
		add(p+"scenario.funded", obj(g["scenario"])["funded"], idInt)
		add(p+"baseline.monthlyCost", obj(g["baseline"])["monthlyCost"], idRp)
		add(p+"scenario.monthlyCost", obj(g["scenario"])["monthlyCost"], idRp)
		add(p+"scenario.annualCost", obj(g["scenario"])["annualCost"], idRp)
		add(p+"scenario.expectedClaims", obj(g["scenario"])["expectedClaims"], idDec)
		add(p+"scenario.expectedPaid", obj(g["scenario"])["expectedPaid"], idRp)
		for _, f := range []string{"newlyCovered", "movers", "alreadyCity", "loseCoverage"} {
			add(p+f, g[f], idInt)
		}
		for _, l := range list(g["programs"]) {
			l := obj(l)
			q := pre + "prog." + g["category"].(string) + "." + l["program"].(string) + "."
			e := obj(l["experience"])
			add(q+"basis", l["basis"], func(v any) string { return basis[v.(string)] })
			add(q+"experience.claims", e["claims"], idInt)
			add(q+"experience.exposureMemberMonths", e["exposureMemberMonths"], idRound)
			add(q+"experience.frequency", e["frequency"], func(v any) string {
				if f, ok := num(v); ok {
					return intlRound(f, 2)
				}
				return "—"
			})
			add(q+"experience.severity", e["severity"], idRp)
			add(q+"memberMonths", l["memberMonths"], idRound)
			add(q+"expectedClaims", l["expectedClaims"], idDec)
			add(q+"expectedPaid", l["expectedPaid"], idRp)
		}
	}
	for _, a := range list(r["areas"]) {
		a := obj(a)
		code, _ := a["areaCode"].(string)
		if code == "" {
			code = "tanpa-wilayah"
		}
		p := pre + "area." + code + "."
		add(p+"workforce", a["workforce"], idInt)
		add(p+"baseline", a["baseline"], idInt)
		add(p+"scenario", a["scenario"], idInt)
		add(p+"baselineRate", a["baselineRate"], idRate)
		add(p+"scenarioRate", a["scenarioRate"], idRate)
		add(p+"changePoints", a["changePoints"], idChangePoints)
	}
}

// intlRound formats x with digits decimals as Intl.NumberFormat does for
// id-ID: the number's shortest decimal form (ICU's, not the double's exact
// value: 63.05 is 63,1) rounded half away from zero, the thousands
// grouped with dots, the decimals after a comma.
func intlRound(x float64, digits int) string {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(math.Abs(x), 'g', -1, 64))
	if !ok {
		return "not a number"
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	r.Mul(r, new(big.Rat).SetInt(scale))
	r.Add(r, big.NewRat(1, 2))
	n := new(big.Int).Quo(r.Num(), r.Denom()) // r > 0: the floor
	whole, frac := new(big.Int).QuoRem(n, scale, new(big.Int))
	s := groupThousands(whole.Int64())
	if digits > 0 {
		s += "," + fmt.Sprintf("%0*d", digits, frac.Int64())
	}
	if x < 0 && n.Sign() != 0 {
		s = "-" + s
	}
	return s
}

// idDec: one decimal, 1.234,5.
func idDec(v any) string {
	f, ok := num(v)
	if !ok {
		return "—"
	}
	return intlRound(f, 1)
}

// idRound: a float as a whole number, 1.235.
func idRound(v any) string {
	f, ok := num(v)
	if !ok {
		return "—"
	}
	return intlRound(f, 0)
}

// idSigned: a change, its sign in front: +Rp 1.000, -250, 0.
func idSigned(format func(any) string) func(any) string {
	return func(v any) string {
		f, ok := num(v)
		if !ok {
			return "—"
		}
		n := json.Number(strings.TrimPrefix(v.(json.Number).String(), "-"))
		switch {
		case f > 0:
			return "+" + format(n)
		case f < 0:
			return "-" + format(n)
		}
		return format(n)
	}
}

// idRate and idChangePoints are idPct and idPoints rounded as Intl does
// (intlRound).
func idRate(v any) string {
	f, ok := num(v)
	if !ok {
		return "—"
	}
	return intlRound(f*100, 1) + nbsp + "%"
}

func idChangePoints(v any) string {
	f, ok := num(v)
	if !ok {
		return "—"
	}
	s := intlRound(f, 1)
	if f > 0 && strings.Trim(s, "0,") != "" {
		s = "+" + s
	}
	return s + nbsp + "poin"
}
