package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestVendoredSums checks the embedded vendored files against
// graphiql/vendor/SHA256SUMS (what update-graphiql.sh fetched and checked),
// that every file is listed and has its package's LICENSE beside it, and that
// the script pins the versions that are vendored.
func TestVendoredSums(t *testing.T) {
	sums, err := graphiqlFiles.ReadFile("graphiql/vendor/SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: bad line %q", sc.Text())
		}
		listed[strings.TrimPrefix(name, "./")] = sum
	}
	dirs := map[string]bool{}
	err = fs.WalkDir(graphiqlFiles, "graphiql/vendor", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimPrefix(p, "graphiql/vendor/")
		if name == "SHA256SUMS" || name == "NOTICE" {
			return nil
		}
		dirs[strings.Split(name, "/")[0]] = true
		b, err := graphiqlFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		if want, ok := listed[name]; !ok {
			t.Errorf("%s is not in SHA256SUMS", name)
		} else if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, SHA256SUMS says %s (run web/update-graphiql.sh)", name, got, want)
		}
		delete(listed, name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range listed {
		t.Errorf("SHA256SUMS lists %s, which is not vendored", name)
	}
	notice, _ := graphiqlFiles.ReadFile("graphiql/vendor/NOTICE")
	script, err := os.ReadFile("update-graphiql.sh")
	if err != nil {
		t.Fatal(err)
	}
	for dir := range dirs {
		if _, err := fs.Stat(graphiqlFiles, "graphiql/vendor/"+dir+"/LICENSE"); err != nil {
			t.Errorf("vendor/%s has no LICENSE", dir)
		}
		if !bytes.Contains(notice, []byte(dir+"/")) {
			t.Errorf("vendor/NOTICE does not name %s", dir)
		}
		i := strings.LastIndex(dir, "-")
		pkg, version := dir[:i], dir[i+1:]
		variable := map[string]string{"graphiql": "GRAPHIQL_VERSION", "react": "REACT_VERSION", "react-dom": "REACT_VERSION"}[pkg]
		if !regexp.MustCompile(`(?m)^` + variable + `=` + regexp.QuoteMeta(version) + `\b`).Match(script) {
			t.Errorf("update-graphiql.sh does not pin %s at %s (%s)", pkg, version, variable)
		}
	}
	if len(dirs) != 3 {
		t.Errorf("vendored packages %v, want graphiql, react and react-dom", dirs)
	}
}

// TestGraphiQLPage checks the page and its files as served: the headers, no
// inline script, nothing from another host, and every file it names.
func TestGraphiQLPage(t *testing.T) {
	mux := http.NewServeMux()
	Mount(mux, "/query")
	get := func(path string, header ...string) *http.Response {
		t.Helper()
		r := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Result()
	}
	res := get("/")
	page, _ := io.ReadAll(res.Body)
	for h, want := range map[string]string{"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": CSP,
		"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("GET /: %s %q, want %q", h, got, want)
		}
	}
	for _, directive := range []string{"script-src 'self';", "connect-src 'self';", "frame-ancestors 'none'", "default-src 'none';"} {
		if !strings.Contains(CSP, directive) {
			t.Errorf("CSP lacks %s", directive)
		}
	}
	if strings.Contains(CSP, "unsafe-eval") || strings.Contains(strings.Split(strings.Split(CSP, "script-src")[1], ";")[0], "unsafe-inline") {
		t.Errorf("CSP allows inline or eval'd scripts: %s", CSP)
	}
	if regexp.MustCompile(`(?i)(https?:)?//[a-z0-9]`).Match(page) {
		t.Errorf("the page names another host:\n%s", page)
	}
	if !bytes.Contains(page, []byte(`data-endpoint="/query"`)) {
		t.Errorf("the page does not point at /query:\n%s", page)
	}
	scripts := regexp.MustCompile(`<script([^>]*)>`).FindAllSubmatch(page, -1)
	if len(scripts) != 4 {
		t.Errorf("%d scripts, want React, ReactDOM, GraphiQL and boot.js", len(scripts))
	}
	for _, s := range scripts {
		if !bytes.Contains(s[1], []byte(`src="`+AssetPrefix)) {
			t.Errorf("an inline or foreign script: %s", s[0])
		}
	}
	urls := regexp.MustCompile(`(?:src|href)="(`+AssetPrefix+`[^"]+)"`).FindAllSubmatch(page, -1)
	if len(urls) != 6 {
		t.Errorf("%d asset URLs in the page, want 6 (3 scripts of npm, boot.js, 2 style sheets)", len(urls))
	}
	for _, u := range urls {
		path := string(u[1])
		res := get(path)
		body, _ := io.ReadAll(res.Body)
		want := "text/javascript; charset=utf-8"
		if strings.HasSuffix(path, ".css") {
			want = "text/css; charset=utf-8"
		}
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != want || len(body) == 0 {
			t.Errorf("GET %s: %d %s, %d bytes; want 200 %s", path, res.StatusCode, res.Header.Get("Content-Type"), len(body), want)
		}
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q", path, got)
		}
		sum := sha256.Sum256(body)
		if hash := strings.Split(strings.TrimPrefix(path, AssetPrefix), "/")[0]; hash != hex.EncodeToString(sum[:])[:12] {
			t.Errorf("GET %s: the body's sha256 starts %x, not the path's hash", path, sum[:6])
		}
		// gzip when asked, the same bytes.
		zres := get(path, "Accept-Encoding", "br, gzip")
		if zres.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("GET %s with gzip: Content-Encoding %q", path, zres.Header.Get("Content-Encoding"))
		} else {
			zr, err := gzip.NewReader(zres.Body)
			if err != nil {
				t.Fatal(err)
			}
			unz, _ := io.ReadAll(zr)
			if !bytes.Equal(unz, body) {
				t.Errorf("GET %s: the gzipped body differs", path)
			}
		}
		if get(path, "Accept-Encoding", "gzip;q=0").Header.Get("Content-Encoding") != "" {
			t.Errorf("GET %s: gzip sent to a client that refuses it", path)
		}
		if res := get(path, "If-None-Match", res.Header.Get("ETag")); res.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s If-None-Match: %d, want 304", path, res.StatusCode)
		}
		stale := AssetPrefix + "000000000000/" + strings.SplitN(strings.TrimPrefix(path, AssetPrefix), "/", 2)[1]
		if res := get(stale); res.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", stale, res.StatusCode)
		}
	}
	for _, path := range []string{AssetPrefix, AssetPrefix + "x/vendor/NOTICE"} {
		if res := get(path); res.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
}

// TestDashboardPage checks the dashboard as served next to GraphiQL: its
// headers and strict CSP (no inline script or style, requests to this origin
// only), no inline script, style or event handler in the page, nothing from
// another host, and its two files under content-hashed, immutable URLs.
func TestDashboardPage(t *testing.T) {
	mux := http.NewServeMux()
	Mount(mux, "/query")
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		body, _ := io.ReadAll(w.Result().Body)
		return w.Result(), body
	}
	res, page := get("/dashboard")
	for h, want := range map[string]string{"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": DashboardCSP,
		"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("GET /dashboard: %s %q, want %q", h, got, want)
		}
	}
	for _, directive := range []string{"default-src 'none';", "script-src 'self';", "style-src 'self';", "connect-src 'self';", "frame-ancestors 'none'", "form-action 'none'"} {
		if !strings.Contains(DashboardCSP, directive) {
			t.Errorf("the dashboard's CSP lacks %s", directive)
		}
	}
	if strings.Contains(DashboardCSP, "unsafe") {
		t.Errorf("the dashboard's CSP allows something unsafe: %s", DashboardCSP)
	}
	if regexp.MustCompile(`(?i)(https?:)?//[a-z0-9]`).Match(page) {
		t.Errorf("the page names another host:\n%s", page)
	}
	if regexp.MustCompile(`(?i)<style|\sstyle=|\son[a-z]+=`).Match(page) {
		t.Errorf("the page has an inline style or event handler:\n%s", page)
	}
	if !bytes.Contains(page, []byte(`data-endpoint="/query"`)) {
		t.Errorf("the page does not point at /query")
	}
	scripts := regexp.MustCompile(`<script([^>]*)>`).FindAllSubmatch(page, -1)
	if len(scripts) != 1 || !bytes.Contains(scripts[0][1], []byte(`src="`+DashboardAssetPrefix)) {
		t.Errorf("scripts %q, want app.js under %s only", scripts, DashboardAssetPrefix)
	}
	urls := regexp.MustCompile(`(?:src|href)="(`+DashboardAssetPrefix+`[^"]+)"`).FindAllSubmatch(page, -1)
	if len(urls) != 2 {
		t.Errorf("%d asset URLs, want app.js and app.css", len(urls))
	}
	for _, u := range urls {
		path := string(u[1])
		res, body := get(path)
		sum := sha256.Sum256(body)
		if res.StatusCode != 200 || len(body) == 0 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: %d, %d bytes, Cache-Control %q", path, res.StatusCode, len(body), res.Header.Get("Cache-Control"))
		}
		if hash := strings.Split(strings.TrimPrefix(path, DashboardAssetPrefix), "/")[0]; hash != hex.EncodeToString(sum[:])[:12] {
			t.Errorf("GET %s: not the body's hash", path)
		}
		if strings.HasSuffix(path, ".js") && regexp.MustCompile(`\beval\(|new Function\(|innerHTML|\.style\s*=|setAttribute\('style'`).Match(body) {
			t.Errorf("app.js uses eval, innerHTML or inline styles")
		}
	}
	if res, _ := get("/dashboard/"); res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/dashboard" {
		t.Errorf("GET /dashboard/: %d %s, want a redirect to /dashboard", res.StatusCode, res.Header.Get("Location"))
	}
	for _, path := range []string{DashboardAssetPrefix, DashboardAssetPrefix + "000000000000/app.js", "/dashboard/index.html"} {
		if res, _ := get(path); res.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
}
