package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cilegon/jamsostek/auth"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/internal/browsertest"
	"github.com/cilegon/jamsostek/store/storetest"
)

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
	chromium := browsertest.Require(t)
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

	browser, stop := browsertest.Start(ctx, t, chromium, 1280, 900)
	defer stop()

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
			_, bodies, _ := rec.Snapshot()
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
		browsertest.CheckOffline(t, rec, srv.URL, 5)
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
		browsertest.CheckOffline(t, rec, srv.URL, 5)
	})
}

type tab struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// openTab opens the page in a new tab, recording what it does, and waits for
// GraphiQL's editors.
func openTab(t *testing.T, browser context.Context, base string) (tab, *browsertest.Recorder) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	rec := &browsertest.Recorder{}
	if err := rec.Listen(ctx); err != nil {
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
		_, _, problems := rec.Snapshot()
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

func slicesContainsFunc(s []string, f func(string) bool) bool {
	for _, v := range s {
		if f(v) {
			return true
		}
	}
	return false
}
