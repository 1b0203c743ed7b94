package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/cilegon/jamsostek/internal/browsertest"
)

// TestDashboardInChromium runs `demo` as the binary would, opens the URL it
// prints for the mayor's office in headless Chromium (every host but the
// loopback unreachable), and checks that every figure the dashboard shows
// (data-figure) holds the value the API gives the viewer's key (data-value)
// and shows it formatted the Indonesian way (formatted here, in Go, on its
// own); that every figure the API gives is shown; that the key left the
// address bar and no request left the origin; no exception, console error or
// CSP violation; no horizontal scrolling on a phone or a projector; and that
// a wrong key brings back the sign-in form. With
// JAMSOSTEK_UPDATE_SCREENSHOTS=1 it writes docs/dashboard-{desktop,phone,
// projector}.png.
func TestDashboardInChromium(t *testing.T) {
	chromium := browsertest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	demoCtx, stopDemo := context.WithCancel(ctx)
	defer stopDemo()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(demoCtx, []string{"demo", "--addr", "127.0.0.1:0", "--scale", "0.05", "--data-dir", t.TempDir(),
			"--database", testDatabase(t), "--log-level", "warn", "--rate-limit", "off"}, pw, io.Discard)
		pw.Close()
	}()
	open, key := waitForURL(t, pr, done) // the dashboard's line gives the key (main_test.go)
	base := strings.TrimSuffix(open, "/")
	go io.Copy(io.Discard, pr)
	defer func() {
		stopDemo()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo ended with %v", err)
			}
		case <-time.After(shutdownTimeout + 5*time.Second):
			t.Error("demo did not shut down in time")
		}
	}()

	want := dashboardFigures(t, base, key)

	chrome, stop := browsertest.Start(ctx, t, chromium, 1280, 900)
	defer stop()
	tab, cancelTab := chromedp.NewContext(chrome)
	defer cancelTab()
	rec := &browsertest.Recorder{}
	if err := rec.Listen(tab); err != nil {
		t.Fatal(err)
	}
	resp, err := chromedp.Run(tab, chromedp.NavigateResponse(base+"/dashboard#key="+key))
	if err != nil {
		t.Fatalf("load the dashboard: %v", err)
	}
	if resp.Status != 200 {
		t.Errorf("GET /dashboard: %d", resp.Status)
	}
	waitReady(t, tab, rec)

	t.Run("figures", func(t *testing.T) {
		checkFigures(t, tab, want)
	})

	t.Run("key", func(t *testing.T) {
		href, _ := chromedp.Run(tab, chromedp.Evaluate[string](`location.href`))
		if strings.Contains(href, key) || strings.Contains(href, "#") {
			t.Errorf("the address still holds the key: %s", href)
		}
		urls, bodies, _ := rec.Snapshot()
		for _, u := range urls {
			if strings.Contains(u, key) {
				t.Errorf("a request carried the key in its URL: %s", u)
			}
		}
		if len(bodies) < 5 {
			t.Errorf("%d POSTs, want a request per section", len(bodies))
		}
		for _, b := range bodies {
			if !strings.HasPrefix(b, "Bearer "+key+"|") {
				t.Errorf("a POST without the viewer's key: %.120s", b)
			}
		}
	})

	// The kelurahan table sorts from the keyboard: focus a column's button,
	// press Enter.
	t.Run("keyboard", func(t *testing.T) {
		if _, err := chromedp.Run(tab, chromedp.Steps(
			chromedp.Focus(`#kel-table button[data-sort="participants"]`),
			chromedp.KeyEvent("\r"),
		)); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`(() => {
  const th = document.activeElement.closest('th');
  const v = Array.from(document.querySelectorAll('#kel-table tbody [data-figure$=".participants"]'), e => e.dataset.value);
  return [th ? th.getAttribute('aria-sort') : 'focus lost', String(v.length), ...v.slice(0, 2)];
})()`))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < 4 || got[0] != "descending" || got[1] != "43" {
			t.Fatalf("after Enter on the participants column: %q", got)
		}
		a, _ := strconv.Atoi(got[2])
		b, _ := strconv.Atoi(got[3])
		if a < b {
			t.Errorf("kelurahan not sorted by participants, most first: %d then %d", a, b)
		}
	})

	shots := os.Getenv("JAMSOSTEK_UPDATE_SCREENSHOTS") != ""
	shot := func(name string, full bool) {
		if !shots {
			return
		}
		if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`window.scrollTo(0, 0), document.activeElement.blur(), true`)); err != nil {
			t.Fatal(err)
		}
		action := chromedp.CaptureScreenshot()
		if full {
			action = chromedp.FullScreenshot(100)
		}
		b, err := chromedp.Run(tab, action)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("docs", "dashboard-"+name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shot("desktop", true)

	// A phone and a projector: the page reloads, signed in from the tab's
	// storage, lays out without horizontal scrolling and shows the same
	// figures.
	for _, vp := range []struct {
		name          string
		width, height int64
		opts          []chromedp.EmulateViewportOption
	}{{"phone", 375, 812, []chromedp.EmulateViewportOption{chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch}},
		{"projector", 1920, 1080, nil}} {
		t.Run(vp.name, func(t *testing.T) {
			if _, err := chromedp.Run(tab, chromedp.Steps(
				chromedp.EmulateViewport(vp.width, vp.height, vp.opts...),
				chromedp.Reload(),
			)); err != nil {
				t.Fatal(err)
			}
			waitReady(t, tab, rec)
			overflow, err := chromedp.Run(tab, chromedp.Evaluate[string](`(() => {
  const w = document.documentElement.clientWidth;
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('.table-wrap') || e.closest('.sr')) continue;
    const r = e.getBoundingClientRect();
    if (r.width && r.right > w + 1) return e.tagName + (e.id ? '#' + e.id : '') + ' ' + (e.getAttribute('class') || '') + ' "' + (e.textContent || '').slice(0, 40) + '" ends at ' + r.right + ' px in ' + w;
  }
  if (document.documentElement.scrollWidth > w) return 'the page is ' + document.documentElement.scrollWidth + ' px wide in ' + w;
  return '';
})()`))
			if err != nil {
				t.Fatal(err)
			}
			if overflow != "" {
				t.Errorf("horizontal overflow at %d px: %s", vp.width, overflow)
			}
			checkFigures(t, tab, want)
			shot(vp.name, false)
		})
	}

	// The page, its files and the API: nothing else, and nothing went wrong.
	browsertest.CheckOffline(t, rec, base, 8)
	_, _, before := rec.Snapshot()

	// The export buttons: a GET of /export/ with the key in the header, not
	// in the URL, saved as a file (a blob: link with download) under the name
	// the server gave it (the files' contents: graph/exports_test.go).
	t.Run("export", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := chromedp.Run(tab, chromedp.Steps(chromedp.EmulateReset(),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
					Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
				return err
			}))); err != nil {
			t.Fatal(err)
		}
		for _, b := range []struct{ name, format, magic string }{{"coverage", "csv", "\ufeff"}, {"apbd", "xlsx", "PK"}, {"discrepancy-summary", "csv", "\ufeff"}} {
			button := fmt.Sprintf(`button[data-export=%q][data-format=%q]`, b.name, b.format)
			if _, err := chromedp.Run(tab, chromedp.Click(button)); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Run(tab, chromedp.Poll[bool](`!document.querySelector('`+button+`').disabled`,
				chromedp.WithPollingTimeout(20*time.Second))); err != nil {
				t.Fatalf("the %s button stays disabled: %v", b.name, err)
			}
			var req *browsertest.Request
			for _, r := range rec.Requests() {
				if strings.Contains(r.URL, "/export/"+b.name+"."+b.format) {
					req = &r
				}
			}
			if req == nil {
				t.Fatalf("the %s.%s button made no request", b.name, b.format)
			}
			if req.Method != "GET" || req.Authorization != "Bearer "+key || strings.Contains(req.URL, key) {
				t.Errorf("the export request: %+v", *req)
			}
			if msg, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('export-msg').hidden ? '' : document.getElementById('export-msg').textContent`)); msg != "" {
				t.Errorf("export %s.%s: the page says %q", b.name, b.format, msg)
				continue
			}
			// The file, under the name the server gave it.
			pattern := regexp.MustCompile(`^jamsostek-` + b.name + `-\d{4}-\d{2}-\d{2}\.` + b.format + `$`)
			deadline := time.Now().Add(15 * time.Second)
			for {
				var got []byte
				entries, _ := os.ReadDir(dir)
				for _, e := range entries {
					if pattern.MatchString(e.Name()) {
						got, _ = os.ReadFile(filepath.Join(dir, e.Name()))
					}
				}
				if len(got) > len(b.magic) && strings.HasPrefix(string(got), b.magic) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no download of %s.%s in %s: %v", b.name, b.format, dir, entries)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	})

	// A wrong key: back to the sign-in form, with a message.
	t.Run("wrong key", func(t *testing.T) {
		if _, err := chromedp.Run(tab, chromedp.Steps(
			chromedp.EmulateReset(),
			chromedp.Navigate(base+"/dashboard#key=jsk_wrong"),
			chromedp.Reload(),
		)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(tab, chromedp.Poll[bool](`document.body.dataset.state === 'signin' && !document.getElementById('signin').hidden`,
			chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("a wrong key did not bring the sign-in form: %v", err)
		}
		msg, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('signin-msg').textContent`))
		if !strings.Contains(msg, "tidak diterima") {
			t.Errorf("sign-in message %q", msg)
		}
		// Signing in with the form.
		if _, err := chromedp.Run(tab, chromedp.Steps(
			chromedp.SendKeys("#key", key),
			chromedp.Click("#signin-form button[type=submit]"),
		)); err != nil {
			t.Fatal(err)
		}
		waitReady(t, tab, rec)
		// The 401 is the browser's note of the refused key; nothing else.
		_, _, problems := rec.Snapshot()
		for _, p := range problems[len(before):] {
			if !strings.Contains(p, "status of 401") {
				t.Errorf("browser: %s", p)
			}
		}
		if href, _ := chromedp.Run(tab, chromedp.Evaluate[string](`location.href`)); href != base+"/dashboard" {
			t.Errorf("after signing in with the form the address is %s", href)
		}
	})

	// The Perwal scenario: the form filled as an officer of the mayor's
	// office would (MARBOT, 500 people in two kecamatan, JKK+JKM, 12
	// months), run, and every figure shown equal to the API's own `scenario`
	// answer to the same input; then its CSV export.
	t.Run("scenario", func(t *testing.T) {
		testDashboardScenario(t, tab, rec, base, key)
	})
}

// waitReady waits until the dashboard has drawn every section.
func waitReady(t *testing.T, tab context.Context, rec *browsertest.Recorder) {
	t.Helper()
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`document.body.dataset.state === 'ready'`,
		chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		page, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
		_, _, problems := rec.Snapshot()
		t.Fatalf("the dashboard is not ready: %v\npage: %s\nproblems: %s", err, page, strings.Join(problems, "\n"))
	}
}

type shownFigure struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Text  string `json:"text"`
}

// checkFigures compares every figure on the page with the API's, both ways.
func checkFigures(t *testing.T, tab context.Context, want map[string]figure) {
	t.Helper()
	checkFiguresIn(t, tab, want, `[data-figure]:not(#skenario [data-figure])`, 100)
}

// checkFiguresIn compares the figures matched by selector with want, both
// ways; there must be at least least of them.
func checkFiguresIn(t *testing.T, tab context.Context, want map[string]figure, selector string, least int) {
	t.Helper()
	shown, err := chromedp.Run(tab, chromedp.Evaluate[[]shownFigure](`Array.from(document.querySelectorAll(`+strconv.Quote(selector)+`),
  e => ({name: e.dataset.figure, value: e.dataset.value, text: e.textContent}))`))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range shown {
		w, ok := want[f.Name]
		if !ok {
			t.Errorf("the page shows %s = %q (%q), which the API did not give", f.Name, f.Value, f.Text)
			continue
		}
		seen[f.Name] = true
		if !sameValue(f.Value, w.raw) {
			t.Errorf("%s: data-value %q, the API says %q", f.Name, f.Value, w.raw)
		}
		if f.Text != w.text {
			t.Errorf("%s: shows %q, want %q (value %s)", f.Name, f.Text, w.text, w.raw)
		}
	}
	var missing []string
	for name := range want {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d figures of the API are not shown: %s", len(missing), strings.Join(missing, ", "))
	}
	if len(shown) < least {
		t.Errorf("only %d figures on the page", len(shown))
	}
	t.Logf("%d figures shown (%d names), each equal to the API's and formatted", len(shown), len(seen))
}

// sameValue compares a data-value with the API's raw value: numbers as
// numbers (JavaScript and Go may spell a float differently), the rest as text.
func sameValue(got, want string) bool {
	if got == want {
		return true
	}
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	return err1 == nil && err2 == nil && g == w
}

// figure is what the page must show for a name: the API's raw value and its
// Indonesian text.
type figure struct{ raw, text string }

// addFigure names a figure of an API answer (a JSON number or string, or
// null) with its text as format writes it.
func addFigure(t *testing.T, want map[string]figure, name string, v any, format func(any) string) {
	t.Helper()
	raw := ""
	switch x := v.(type) {
	case nil:
	case json.Number:
		raw = x.String()
	case string:
		raw = x
	default:
		t.Fatalf("%s: unexpected %T", name, v)
	}
	want[name] = figure{raw, format(v)}
}

// dashboardFigures asks the API, with the viewer's key, for every figure the
// dashboard shows, and formats each the Indonesian way.
func dashboardFigures(t *testing.T, base, key string) map[string]figure {
	t.Helper()
	gql := func(query string, vars map[string]any) map[string]any {
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
			Data   map[string]any    `json:"data"`
			Errors []json.RawMessage `json:"errors"`
		}
		dec := json.NewDecoder(resp.Body)
		dec.UseNumber()
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		if len(r.Errors) > 0 {
			t.Fatalf("the API with the viewer's key: %s\n%s", r.Errors, query)
		}
		return r.Data
	}
	want := map[string]figure{}
	add := func(name string, v any, format func(any) string) { addFigure(t, want, name, v, format) }

	boot := gql(`{ areas { code kelurahan { code } }
  latest: coverage(filter: {areaCode: "3672"}) { to rollup { version asOf builtAt } } }`, nil)
	latest := obj(boot["latest"])
	to := latest["to"].(string)
	year, _ := strconv.Atoi(to[:4])
	r := obj(latest["rollup"])
	add("rollup.version", r["version"], idInt)
	add("rollup.asOf", r["asOf"], idTime)
	add("rollup.builtAt", r["builtAt"], idTime)

	u := gql(`query($y: Int!, $from: Period!, $to: Period!) {
  universalCoverage(year: $y) { current { participants workforce rate } previous { rate } changePoints }
  workforce(areaCode: "3672") { year workforce }
  coverage(filter: {areaCode: "3672", from: $from, to: $to}, granularity: MONTH) { rows { from measures { activeParticipants } } } }`,
		map[string]any{"y": year, "from": fmt.Sprintf("%d-01", year-1), "to": to})
	uc := obj(u["universalCoverage"])
	cur := obj(uc["current"])
	add("ucj.rate", cur["rate"], idPct)
	add("ucj.participants", cur["participants"], idInt)
	add("ucj.workforce", cur["workforce"], idInt)
	add("ucj.changePoints", uc["changePoints"], idPoints)
	if p := uc["previous"]; p != nil {
		add("ucj.previous.rate", obj(p)["rate"], idPct)
	}
	workforce := map[string]any{}
	for _, w := range list(u["workforce"]) {
		workforce[obj(w)["year"].(json.Number).String()] = obj(w)["workforce"]
	}
	for _, row := range list(obj(u["coverage"])["rows"]) {
		p := obj(row)["from"].(string)
		add("trend."+p+".activeParticipants", obj(obj(row)["measures"])["activeParticipants"], idInt)
		if w, ok := workforce[p[:4]]; ok {
			add("workforce."+p[:4], w, idInt)
		}
	}

	for _, k := range list(boot["areas"]) {
		code := obj(k)["code"].(string)
		areaFigures(gql, add, "kec", code, year, true)
		for _, kel := range list(obj(k)["kelurahan"]) {
			areaFigures(gql, add, "kel", obj(kel)["code"].(string), year, false)
		}
	}

	a := obj(gql(`query($y: Int!) { apbdProgram(year: $y) {
  categories { ...L } total { ...L months { period funded fundedEnrolled contributionsPaid claimsPaid } } } }
fragment L on ApbdLine { category workers contributionsDue contributionsPaid claimsPaidCount claimsPaid lossRatio monthlyCost nextYearCost }`,
		map[string]any{"y": year})["apbdProgram"])
	line := func(k string, l map[string]any) {
		add("apbd."+k+".workers", l["workers"], idInt)
		add("apbd."+k+".contributionsPaid", l["contributionsPaid"], idRp)
		add("apbd."+k+".claimsPaid", l["claimsPaid"], idRp)
		add("apbd."+k+".lossRatio", l["lossRatio"], idPct)
		add("apbd."+k+".monthlyCost", l["monthlyCost"], idRp)
	}
	for _, c := range list(a["categories"]) {
		k, _ := obj(c)["category"].(string)
		if k == "" {
			k = "tanpa-daftar"
		}
		line(k, obj(c))
	}
	total := obj(a["total"])
	line("total", total)
	add("apbd.total.claimsPaidCount", total["claimsPaidCount"], idInt)
	for _, f := range []string{"contributionsPaid", "contributionsDue", "claimsPaid", "monthlyCost", "nextYearCost"} {
		add("apbd.total."+f+"@short", total[f], idRpShort)
	}
	for _, m := range list(total["months"]) {
		p := "apbd.month." + obj(m)["period"].(string) + "."
		add(p+"funded", obj(m)["funded"], idInt)
		add(p+"fundedEnrolled", obj(m)["fundedEnrolled"], idInt)
		add(p+"contributionsPaid", obj(m)["contributionsPaid"], idRp)
		add(p+"claimsPaid", obj(m)["claimsPaid"], idRp)
	}

	d := obj(gql(`{ discrepancyCounts(filter: {statuses: [OPEN]}) { total byKind { kind count amount } } }`, nil)["discrepancyCounts"])
	add("disc.total", d["total"], idInt)
	for _, k := range list(d["byKind"]) {
		kind := obj(k)["kind"].(string)
		add("disc."+kind+".count", obj(k)["count"], idInt)
		add("disc."+kind+".amount", obj(k)["amount"], idRp)
	}

	for _, f := range list(gql(`{ feedFreshness { feed lastSucceededAt asOf latestStatus latestStartedAt } }`, nil)["feedFreshness"]) {
		p := "feed." + obj(f)["feed"].(string) + "."
		add(p+"lastSucceededAt", obj(f)["lastSucceededAt"], idTime)
		add(p+"asOf", obj(f)["asOf"], idTime)
		add(p+"latestStartedAt", obj(f)["latestStartedAt"], idTime)
		add(p+"latestStatus", obj(f)["latestStatus"], idRunStatus)
	}
	return want
}

func areaFigures(gql func(string, map[string]any) map[string]any, add func(string, any, func(any) string), prefix, code string, year int, change bool) {
	u := obj(gql(`query($y: Int!, $a: String) { universalCoverage(year: $y, areaCode: $a) { current { participants workforce rate } changePoints } }`,
		map[string]any{"y": year, "a": code})["universalCoverage"])
	cur := obj(u["current"])
	p := prefix + "." + code + "."
	add(p+"rate", cur["rate"], idPct)
	add(p+"participants", cur["participants"], idInt)
	add(p+"workforce", cur["workforce"], idInt)
	if change {
		add(p+"changePoints", u["changePoints"], idPoints)
	}
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }

// The Indonesian formats, written here on their own (not taken from the
// page's script): 1.234.567; Rp 1.234.567; Rp 1,2 miliar; 52,1 %;
// +1,2 poin; 22 Agustus 2024, 07.00 WIB. The spaces are no-break spaces.
const nbsp = "\u00a0"

func num(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func idInt(v any) string {
	n, ok := v.(json.Number)
	if !ok {
		return "—"
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return "not an integer: " + n.String()
	}
	return groupThousands(i)
}

func groupThousands(i int64) string {
	s := strconv.FormatInt(i, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for j, c := range s {
		if j > 0 && (len(s)-j)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// decimal formats x with one decimal as Intl does (the exact value of the
// double, ties away from zero), with the Indonesian decimal comma; trim drops
// a ",0". zero tells that it rounded to zero.
func decimal(x float64, trim bool) (s string, zero bool) {
	t := new(big.Float).SetPrec(256).SetFloat64(math.Abs(x))
	t.Mul(t, big.NewFloat(10))
	whole, _ := t.Int(nil) // t >= 0: the floor
	rest := new(big.Float).SetPrec(256).Sub(t, new(big.Float).SetInt(whole))
	if rest.Cmp(big.NewFloat(0.5)) >= 0 {
		whole.Add(whole, big.NewInt(1))
	}
	r := whole.Int64()
	s = groupThousands(r / 10)
	if !(trim && r%10 == 0) {
		s += "," + strconv.FormatInt(r%10, 10)
	}
	if x < 0 && r != 0 {
		s = "-" + s
	}
	return s, r == 0
}

func idPct(v any) string {
	f, ok := num(v)
	if !ok {
		return "—"
	}
	s, _ := decimal(f*100, false)
	return s + nbsp + "%"
}

func idPoints(v any) string {
	f, ok := num(v)
	if !ok {
		return "—"
	}
	s, zero := decimal(f, false)
	if !zero && f > 0 {
		s = "+" + s
	}
	return s + nbsp + "poin"
}

func idRp(v any) string {
	if _, ok := v.(json.Number); !ok {
		return "—"
	}
	return "Rp" + nbsp + idInt(v)
}

func idRpShort(v any) string {
	f, ok := num(v)
	if !ok {
		return "—"
	}
	for _, u := range []struct {
		n    float64
		word string
	}{{1e12, "triliun"}, {1e9, "miliar"}, {1e6, "juta"}} {
		if math.Abs(f) >= u.n {
			s, _ := decimal(f/u.n, true)
			return "Rp" + nbsp + s + nbsp + u.word
		}
	}
	return idRp(v)
}

var idMonths = []string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}

func idTime(v any) string {
	s, ok := v.(string)
	if !ok || s == "" {
		return "—"
	}
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "bad time " + s
	}
	tm = tm.In(time.FixedZone("WIB", 7*3600))
	return fmt.Sprintf("%d %s %d, %02d.%02d WIB", tm.Day(), idMonths[tm.Month()-1], tm.Year(), tm.Hour(), tm.Minute())
}

func idRunStatus(v any) string {
	s, _ := v.(string)
	if l, ok := map[string]string{"RUNNING": "Sedang berjalan", "SUCCEEDED": "Berhasil", "FAILED": "Gagal", "CANCELLED": "Dibatalkan"}[s]; ok {
		return l
	}
	if s == "" {
		return "—"
	}
	return s
}
