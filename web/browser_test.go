package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/cilegon/jamsostek/auth"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store/storetest"
)

// chromiumPath is the browser the test drives; JAMSOSTEK_CHROMIUM names
// another.
func chromiumPath() string {
	if p := os.Getenv("JAMSOSTEK_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// requireChromium returns the browser's path, or skips the test when there
// is none, unless CI or JAMSOSTEK_REQUIRE_BROWSER is set: then it fails.
func requireChromium(t *testing.T) string {
	t.Helper()
	p := chromiumPath()
	if _, err := exec.LookPath(p); err != nil {
		msg := fmt.Sprintf("no Chromium at %s (%v): install it (Debian, Ubuntu: apt-get install chromium) or name it with JAMSOSTEK_CHROMIUM", p, err)
		if os.Getenv("CI") != "" || os.Getenv("JAMSOSTEK_REQUIRE_BROWSER") != "" {
			t.Fatal(msg + "; CI and JAMSOSTEK_REQUIRE_BROWSER require it")
		}
		t.Skip(msg + "; the browser test is skipped (set JAMSOSTEK_REQUIRE_BROWSER=1 to make that a failure)")
	}
	return p
}

// browserRecorder keeps what the page did: every request's URL and the
// GraphQL requests' bodies and Authorization headers, exceptions, console
// errors and the browser's log (CSP violations among them).
type browserRecorder struct {
	mu       sync.Mutex
	urls     []string
	bodies   []string // of POSTs, with the Authorization header: "auth|body"
	problems []string
}

func (b *browserRecorder) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.urls = append(b.urls, e.Request.URL)
		if e.Request.Method == "POST" {
			var body strings.Builder
			for _, p := range e.Request.PostDataEntries {
				body.Write(p.Bytes)
			}
			auth, _ := e.Request.Headers["Authorization"].(string)
			b.bodies = append(b.bodies, auth+"|"+body.String())
		}
	case *runtime.EventExceptionThrown:
		b.problems = append(b.problems, "exception: "+e.ExceptionDetails.Text+" "+describe(e.ExceptionDetails.Exception))
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				args = append(args, describe(a))
			}
			b.problems = append(b.problems, "console."+string(e.Type)+": "+strings.Join(args, " "))
		}
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError || strings.Contains(e.Entry.Text, "Content Security Policy") {
			b.problems = append(b.problems, "log "+string(e.Entry.Source)+": "+e.Entry.Text+" "+e.Entry.URL)
		}
	}
}

func describe(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Description != "" {
		return o.Description
	}
	return string(o.Value)
}

func (b *browserRecorder) snapshot() (urls, bodies, problems []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.urls...), append([]string(nil), b.bodies...), append([]string(nil), b.problems...)
}

// withEditors makes a JavaScript expression of expr, which may use jq to
// find GraphiQL's editors (CodeMirror 5 instances) in the page.
func withEditors(expr string) string {
	return "(() => { const jq = " + editorJS + "; return (" + expr + "); })()"
}

const editorJS = `{
  all: () => Array.from(document.querySelectorAll('.CodeMirror')).map(e => e.CodeMirror).filter(Boolean),
  query: () => { const e = document.querySelector('.graphiql-query-editor .CodeMirror'); return e && e.CodeMirror; },
  response: () => { const e = document.querySelector('.result-window .CodeMirror'); return e && e.CodeMirror; },
  headers: () => jq.all().find(cm => cm !== jq.query() && cm !== jq.response() && cm.getValue().includes('"Authorization"')),
}`

// TestGraphiQLInChromium loads GraphiQL from the real API handler over a real
// store in headless Chromium, with every host but the loopback unreachable:
// the page loads, says that it needs a key, runs a query with the key typed
// in its Headers tab and shows the store's data, then reads the schema; and
// with introspection off it says so. No request leaves the server's origin.
func TestGraphiQLInChromium(t *testing.T) {
	chromium := requireChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	s := storetest.Open(t)
	if err := s.SaveRun(ctx, coverage.SyncRun{ID: "run-browser-1", Feed: coverage.FeedClaims, Trigger: "cli", Status: coverage.RunSucceeded,
		StartedAt: time.Date(2024, 8, 22, 1, 0, 0, 0, time.UTC), FinishedAt: time.Date(2024, 8, 22, 1, 1, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	key, _, err := auth.CreateKey(ctx, s, auth.KeyRequest{Name: "browser test", Role: coverage.RoleAdmin, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	server := func(introspection bool) *httptest.Server {
		a, err := auth.New(ctx, auth.Config{Keys: s, Areas: coverage.Cilegon(), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(graph.NewHandler(graph.Config{Records: s, SyncLog: s, Areas: coverage.Cilegon(),
			Authenticate: a.Authenticate, Introspection: introspection, Logger: slog.New(slog.DiscardHandler),
			CursorKey: []byte("0123456789abcdef0123456789abcdef")}))
		t.Cleanup(srv.Close)
		return srv
	}

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Offline but for this machine: every other host goes through a
		// proxy that is not there (loopback bypasses proxies).
		chromedp.Flag("proxy-server", "http://127.0.0.1:9"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil { // starts the browser
		t.Fatalf("start %s: %v", chromium, err)
	}

	t.Run("introspection on", func(t *testing.T) {
		srv := server(true)
		tab, rec := openTab(t, browser, srv.URL)
		defer tab.cancel()

		// Without a key the page says what to do instead of waiting.
		waitResponse(t, tab.ctx, "No API key yet")

		typeAndRun(t, tab.ctx, key, "{ me { name role } syncRuns { id feed status } }")
		got := waitResponse(t, tab.ctx, "run-browser-1")
		for _, want := range []string{`"role": "ADMIN"`, `"name": "browser test"`, `"feed": "CLAIMS"`} {
			if !strings.Contains(got, want) {
				t.Errorf("the result pane lacks %s:\n%s", want, got)
			}
		}
		// Once a key works, GraphiQL reads the schema with it.
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, bodies, _ := rec.snapshot()
			if slicesContainsFunc(bodies, func(b string) bool {
				return strings.HasPrefix(b, "Bearer "+key+"|") && strings.Contains(b, "IntrospectionQuery")
			}) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("GraphiQL did not read the schema with the key; requests:\n%s", strings.Join(bodies, "\n"))
			}
			time.Sleep(100 * time.Millisecond)
		}
		if _, err := chromedp.Run(tab.ctx, chromedp.Poll[bool](`document.querySelector('.graphiql-doc-explorer-error') === null`,
			chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Errorf("the docs explorer shows an error: %v", err)
		}
		// A dialog (Radix: it adds a style element while open) under the
		// page's Content-Security-Policy.
		if _, err := chromedp.Run(tab.ctx, chromedp.Steps(
			chromedp.Click(`button[aria-label="Open settings dialog"]`),
			chromedp.WaitVisible(`[role="dialog"]`),
			chromedp.KeyEvent("\x1b"), // Escape
			chromedp.WaitNotPresent(`[role="dialog"]`),
		)); err != nil {
			t.Errorf("the settings dialog: %v", err)
		}
		checkOffline(t, rec, srv.URL)
	})

	t.Run("introspection off", func(t *testing.T) {
		srv := server(false)
		tab, rec := openTab(t, browser, srv.URL)
		defer tab.cancel()
		waitResponse(t, tab.ctx, "No API key yet")
		typeAndRun(t, tab.ctx, key, "{ syncRuns { id } }")
		got := waitResponse(t, tab.ctx, "introspection turned off")
		if !strings.Contains(got, "run-browser-1") {
			t.Errorf("the result pane lacks the query's data:\n%s", got)
		}
		// Asking for the schema again says why there is none.
		if _, err := chromedp.Run(tab.ctx, chromedp.Click(`button[aria-label="Re-fetch GraphQL schema"]`)); err != nil {
			t.Fatal(err)
		}
		waitResponse(t, tab.ctx, "INTROSPECTION_DISABLED")
		checkOffline(t, rec, srv.URL)
	})
}

type tab struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// openTab opens the page in a new tab, recording what it does, and waits for
// GraphiQL's editors.
func openTab(t *testing.T, browser context.Context, base string) (tab, *browserRecorder) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	rec := &browserRecorder{}
	if err := chromedp.Listen(ctx, rec.listen); err != nil {
		cancel()
		t.Fatal(err)
	}
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(base+"/"))
	if err != nil {
		cancel()
		t.Fatalf("load %s/: %v", base, err)
	}
	if resp.Status != 200 {
		t.Errorf("GET /: status %d", resp.Status)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](withEditors(`!!(jq.query() && jq.response() && jq.headers())`),
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		_, _, problems := rec.snapshot()
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
		cancel()
		t.Fatalf("GraphiQL's editors did not appear: %v\npage: %s\nproblems: %s", err, html, strings.Join(problems, "\n"))
	}
	return tab{ctx, cancel}, rec
}

// typeAndRun puts the key in the Headers tab and the query in the editor, and
// presses GraphiQL's run button.
func typeAndRun(t *testing.T, ctx context.Context, key, query string) {
	t.Helper()
	set := withEditors(fmt.Sprintf(`jq.headers().setValue(JSON.stringify({Authorization: 'Bearer ' + %q}, null, 2)),
  jq.query().setValue(%q), true`, key, query))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](set)); err != nil {
		t.Fatal(err)
	}
	// GraphiQL reads the editors' state through React: let it settle.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](withEditors(`jq.query().getValue() === `+fmt.Sprintf("%q", query)),
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Click(".graphiql-execute-button")); err != nil {
		t.Fatalf("click run: %v", err)
	}
}

// waitResponse waits until the result pane holds want, and returns its text.
func waitResponse(t *testing.T, ctx context.Context, want string) string {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](withEditors(fmt.Sprintf(`jq.response().getValue().includes(%q)`, want)),
		chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
	got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](withEditors(`jq.response().getValue()`)))
	if err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 3000)`))
		t.Fatalf("the result pane does not show %q (%v); it shows:\n%s\nthe page:\n%s", want, err, got, page)
	}
	return got
}

// checkOffline fails the test when the page asked for anything outside the
// server's origin (data: URLs are the page's own bytes), or logged an
// exception, an error or a CSP violation.
func checkOffline(t *testing.T, rec *browserRecorder, base string) {
	t.Helper()
	origin, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	urls, _, problems := rec.snapshot()
	if len(urls) < 5 {
		t.Errorf("only %d requests recorded: the recorder missed the page's; %q", len(urls), urls)
	}
	for _, u := range urls {
		if strings.HasPrefix(u, "data:") {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || p.Scheme != origin.Scheme || p.Host != origin.Host {
			t.Errorf("the page asked for %s, outside %s", u, base)
		}
	}
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
}

func slicesContainsFunc(s []string, f func(string) bool) bool {
	for _, v := range s {
		if f(v) {
			return true
		}
	}
	return false
}
