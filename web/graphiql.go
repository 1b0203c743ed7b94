// Package web serves the API's browser pages from files embedded in the
// binary: GraphiQL at / (graphiql.go), with its scripts and style sheets
// vendored from the npm registry under graphiql/vendor/ (update-graphiql.sh,
// docs/web.md), and the mayor's office dashboard at /dashboard
// (dashboard.go, docs/dashboard.md). Nothing is loaded from another host, so
// the pages work on a network without internet.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/cilegon/jamsostek/internal/gzipaccept"
)

//go:embed graphiql/index.html graphiql/boot.js graphiql/boot.css graphiql/vendor
var graphiqlFiles embed.FS

// AssetPrefix is the path under which the pages' scripts and style sheets are
// served: AssetPrefix + <hash>/<file>, the hash being the first 12 hex digits
// of the file's SHA-256, so that a URL's content never changes and browsers
// may keep it for a year.
const AssetPrefix = "/graphiql/assets/"

// CSP is the Content-Security-Policy of the GraphiQL page: scripts of this
// origin only (no inline script, no eval), requests to this origin only,
// nothing may frame the page. Styles may be inline: GraphiQL's dialogs (Radix,
// react-remove-scroll) add a style element whose text depends on the
// browser's scroll bar, so no hash can name it. Its fonts and icons are data:
// URLs.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// asset is one embedded file as served.
type asset struct {
	name        string // path under its page's directory
	contentType string
	body        []byte
	etag        string // quoted, the hash
	gzipOnce    sync.Once
	gzipped     []byte // body gzipped, made at the first request that accepts it; nil when it does not shrink
}

// assetSet is the scripts and style sheets of one page (GraphiQL's, the
// dashboard's), served under prefix + <hash>/<name>: the hash is the first
// 12 hex digits of the file's SHA-256, so a URL's content never changes.
type assetSet struct {
	prefix string
	assets map[string]*asset // by URL path under prefix: <hash>/<name>
	urls   map[string]string // name -> URL path
}

// newAssetSet reads every .js and .css file under dir of fsys (the others,
// the page, licences and sums, are not served).
func newAssetSet(fsys fs.FS, dir, prefix string) (*assetSet, error) {
	s := &assetSet{prefix: prefix, assets: map[string]*asset{}, urls: map[string]string{}}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		var ct string
		switch path.Ext(p) {
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		default:
			return nil // the page, licences, sums: not assets
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:12]
		name := strings.TrimPrefix(p, dir+"/")
		key := hash + "/" + name
		s.assets[key] = &asset{name: name, contentType: ct, body: body, etag: `"` + hash + `"`}
		s.urls[name] = prefix + key
		return nil
	})
	return s, err
}

// page renders the template file of fsys with data; the template's function
// asset gives a file's URL by its name.
func (s *assetSet) page(fsys fs.FS, file string, data any) ([]byte, error) {
	tmpl, err := template.New(path.Base(file)).Funcs(template.FuncMap{
		"asset": func(name string) (string, error) {
			u, ok := s.urls[name]
			if !ok {
				return "", fmt.Errorf("no embedded asset %q", name)
			}
			return u, nil
		},
	}).ParseFS(fsys, file)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// GraphiQL serves GraphiQL for the GraphQL endpoint at endpoint (a path of
// this origin, such as /query): the page at "/" and its files under
// AssetPrefix.
type GraphiQL struct {
	page   []byte
	assets *assetSet
}

// NewGraphiQL prepares the page for endpoint. It panics if the embedded files
// are incomplete (a build mistake, which TestGraphiQLAssets catches).
func NewGraphiQL(endpoint string) *GraphiQL {
	set, err := newAssetSet(graphiqlFiles, "graphiql", AssetPrefix)
	if err != nil {
		panic(fmt.Sprintf("web: reading the embedded GraphiQL files: %v", err))
	}
	page, err := set.page(graphiqlFiles, "graphiql/index.html", struct{ Endpoint string }{endpoint})
	if err != nil {
		panic(fmt.Sprintf("web: the GraphiQL page: %v", err))
	}
	return &GraphiQL{page: page, assets: set}
}

// Mount registers the browser pages on mux, for the GraphQL endpoint at
// endpoint: GraphiQL (GET / and its files under AssetPrefix) and the
// dashboard (GET /dashboard and its files under DashboardAssetPrefix,
// dashboard.go).
func Mount(mux *http.ServeMux, endpoint string) {
	g := NewGraphiQL(endpoint)
	mux.HandleFunc("GET /{$}", g.ServePage)
	mux.HandleFunc("GET "+AssetPrefix, g.ServeAsset)
	d := NewDashboard(endpoint)
	mux.HandleFunc("GET /dashboard", d.ServePage)
	mux.Handle("GET /dashboard/{$}", http.RedirectHandler("/dashboard", http.StatusMovedPermanently))
	mux.HandleFunc("GET "+DashboardAssetPrefix, d.ServeAsset)
}

// ServePage writes the GraphiQL page, which browsers must check again at every
// load (its asset URLs change with their content).
func (g *GraphiQL) ServePage(w http.ResponseWriter, r *http.Request) { servePage(w, r, g.page, CSP) }

// servePage writes a page with its Content-Security-Policy; browsers must
// check it again at every load (its asset URLs change with their content).
func servePage(w http.ResponseWriter, r *http.Request, page []byte, csp string) {
	h := w.Header()
	securityHeaders(h)
	h.Set("Content-Security-Policy", csp)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(page)
}

// ServeAsset writes one of the page's files, cached for a year; a path that
// is not one (or names an older hash) is 404.
func (g *GraphiQL) ServeAsset(w http.ResponseWriter, r *http.Request) { g.assets.serve(w, r) }

// serve writes one of the set's files, cached for a year; a path that is not
// one (or names an older hash) is 404.
func (s *assetSet) serve(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets[strings.TrimPrefix(r.URL.Path, s.prefix)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	securityHeaders(h)
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", a.etag)
	h.Set("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if gzipaccept.Accepts(r.Header.Values("Accept-Encoding")) {
		if z := a.gzip(); z != nil {
			h.Set("Content-Encoding", "gzip")
			body = z
		}
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// gzip returns the asset gzipped, compressed once, or nil when that does not
// make it smaller.
func (a *asset) gzip() []byte {
	a.gzipOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(a.body)
		_ = zw.Close()
		if b.Len() < len(a.body) {
			a.gzipped = b.Bytes()
		}
	})
	return a.gzipped
}

func securityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}
