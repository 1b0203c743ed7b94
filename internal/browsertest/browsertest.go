// Package browsertest drives headless Chromium for the tests of the browser
// pages (web's GraphiQL test, the root package's dashboard test): finding the
// browser, starting it with every host but the loopback unreachable, and
// recording what a page did (requests, exceptions, console errors, CSP
// violations).
package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ChromiumPath is the browser the tests drive; JAMSOSTEK_CHROMIUM names
// another.
func ChromiumPath() string {
	if p := os.Getenv("JAMSOSTEK_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// Require returns the browser's path, or skips the test when there is none,
// unless CI or JAMSOSTEK_REQUIRE_BROWSER is set: then it fails.
func Require(t testing.TB) string {
	t.Helper()
	p := ChromiumPath()
	if _, err := exec.LookPath(p); err != nil {
		msg := fmt.Sprintf("no Chromium at %s (%v): install it (Debian, Ubuntu: apt-get install chromium) or name it with JAMSOSTEK_CHROMIUM", p, err)
		if os.Getenv("CI") != "" || os.Getenv("JAMSOSTEK_REQUIRE_BROWSER") != "" {
			t.Fatal(msg + "; CI and JAMSOSTEK_REQUIRE_BROWSER require it")
		}
		t.Skip(msg + "; the browser test is skipped (set JAMSOSTEK_REQUIRE_BROWSER=1 to make that a failure)")
	}
	return p
}

// Start starts headless Chromium at path, offline but for this machine: every
// other host goes through a proxy that is not there (loopback bypasses
// proxies). The browser ends with ctx or with the returned cancel.
func Start(ctx context.Context, t testing.TB, path string, width, height int) (context.Context, context.CancelFunc) {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("proxy-server", "http://127.0.0.1:9"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(browser); err != nil { // starts the browser
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start %s: %v", path, err)
	}
	return browser, func() { cancelBrowser(); cancelAlloc() }
}

// Recorder keeps what a page did: every request's URL and the POST requests'
// bodies with their Authorization headers, exceptions, console errors and the
// browser's log (CSP violations among them). Attach it with Listen before
// the page loads.
type Recorder struct {
	mu       sync.Mutex
	urls     []string
	requests []Request
	bodies   []string // of POSTs, with the Authorization header: "auth|body"
	problems []string
}

// Listen records the events of the tab ctx.
func (b *Recorder) Listen(ctx context.Context) error { return chromedp.Listen(ctx, b.listen) }

func (b *Recorder) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.urls = append(b.urls, e.Request.URL)
		auth, _ := e.Request.Headers["Authorization"].(string)
		b.requests = append(b.requests, Request{Method: e.Request.Method, URL: e.Request.URL, Authorization: auth})
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

// Request is a request the page made.
type Request struct {
	Method, URL, Authorization string
}

// Requests returns the requests the page made so far.
func (b *Recorder) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Request(nil), b.requests...)
}

// Snapshot returns what was recorded so far.
func (b *Recorder) Snapshot() (urls, bodies, problems []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.urls...), append([]string(nil), b.bodies...), append([]string(nil), b.problems...)
}

// CheckOffline fails the test when the page asked for anything outside the
// origin of base (data: and blob: URLs are the page's own bytes), or logged
// an exception, an error or a CSP violation; and when fewer than minRequests
// requests were recorded (the recorder missed the page's).
func CheckOffline(t testing.TB, rec *Recorder, base string, minRequests int) {
	t.Helper()
	origin, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	urls, _, problems := rec.Snapshot()
	if len(urls) < minRequests {
		t.Errorf("only %d requests recorded: the recorder missed the page's; %q", len(urls), urls)
	}
	for _, u := range urls {
		if strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:"+origin.Scheme+"://"+origin.Host+"/") {
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
