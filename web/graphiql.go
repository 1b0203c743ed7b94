// Package web serves the API's browser pages from files embedded in the
// binary: GraphiQL at / (graphiql.go), with its scripts and style sheets
// vendored from the npm registry under graphiql/vendor/ (update-graphiql.sh,
// docs/web.md). Nothing is loaded from another host, so the pages work on a
// network without internet.
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
	name        string // path under graphiql/
	contentType string
	body        []byte
	etag        string // quoted, the hash
	gzipOnce    sync.Once
	gzipped     []byte // body gzipped, made at the first request that accepts it; nil when it does not shrink
}

// GraphiQL serves GraphiQL for the GraphQL endpoint at endpoint (a path of
// this origin, such as /query): the page at "/" and its files under
// AssetPrefix.
type GraphiQL struct {
	page   []byte
	assets map[string]*asset // by URL path under AssetPrefix: <hash>/<name>
}

// NewGraphiQL prepares the page for endpoint. It panics if the embedded files
// are incomplete (a build mistake, which TestGraphiQLAssets catches).
func NewGraphiQL(endpoint string) *GraphiQL {
	g := &GraphiQL{assets: map[string]*asset{}}
	urls := map[string]string{}
	err := fs.WalkDir(graphiqlFiles, "graphiql", func(p string, d fs.DirEntry, err error) error {
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
		body, err := graphiqlFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:12]
		name := strings.TrimPrefix(p, "graphiql/")
		key := hash + "/" + name
		g.assets[key] = &asset{name: name, contentType: ct, body: body, etag: `"` + hash + `"`}
		urls[name] = AssetPrefix + key
		return nil
	})
	if err != nil {
		panic(fmt.Sprintf("web: reading the embedded GraphiQL files: %v", err))
	}
	tmpl, err := template.New("index.html").Funcs(template.FuncMap{
		"asset": func(name string) (string, error) {
			u, ok := urls[name]
			if !ok {
				return "", fmt.Errorf("no embedded asset %q", name)
			}
			return u, nil
		},
	}).ParseFS(graphiqlFiles, "graphiql/index.html")
	if err != nil {
		panic(fmt.Sprintf("web: the GraphiQL page: %v", err))
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, struct{ Endpoint string }{endpoint}); err != nil {
		panic(fmt.Sprintf("web: the GraphiQL page: %v", err))
	}
	g.page = b.Bytes()
	return g
}

// Mount registers GraphiQL on mux: GET / (the page) and GET AssetPrefix (its
// files), for the GraphQL endpoint at endpoint.
func Mount(mux *http.ServeMux, endpoint string) {
	g := NewGraphiQL(endpoint)
	mux.HandleFunc("GET /{$}", g.ServePage)
	mux.HandleFunc("GET "+AssetPrefix, g.ServeAsset)
}

// ServePage writes the GraphiQL page, which browsers must check again at every
// load (its asset URLs change with their content).
func (g *GraphiQL) ServePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	securityHeaders(h)
	h.Set("Content-Security-Policy", CSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(g.page)
}

// ServeAsset writes one of the page's files, cached for a year; a path that
// is not one (or names an older hash) is 404.
func (g *GraphiQL) ServeAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := g.assets[strings.TrimPrefix(r.URL.Path, AssetPrefix)]
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
