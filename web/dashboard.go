package web

import (
	"embed"
	"fmt"
	"net/http"
)

//go:embed dashboard/index.html dashboard/app.js dashboard/app.css
var dashboardFiles embed.FS

// DashboardAssetPrefix is the path of the dashboard's script and style sheet:
// DashboardAssetPrefix + <hash>/<file>, as GraphiQL's under AssetPrefix.
const DashboardAssetPrefix = "/dashboard/assets/"

// DashboardCSP is the Content-Security-Policy of the dashboard: its own
// script and style sheet only (no inline script, style or eval), requests to
// this origin only (POST /query, GET /export/), images of this origin or data: URLs,
// nothing may frame it. Its charts are SVG built by the script with
// presentation attributes, which need no style-src.
const DashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Dashboard serves the mayor's office dashboard (docs/dashboard.md): a page
// that signs in with a viewer's API key and draws the city's figures from the
// GraphQL endpoint.
type Dashboard struct {
	page   []byte
	assets *assetSet
}

// NewDashboard prepares the dashboard for the GraphQL endpoint at endpoint.
// It panics if the embedded files are incomplete (TestDashboardPage catches
// that).
func NewDashboard(endpoint string) *Dashboard {
	set, err := newAssetSet(dashboardFiles, "dashboard", DashboardAssetPrefix)
	if err != nil {
		panic(fmt.Sprintf("web: reading the embedded dashboard files: %v", err))
	}
	page, err := set.page(dashboardFiles, "dashboard/index.html", struct{ Endpoint string }{endpoint})
	if err != nil {
		panic(fmt.Sprintf("web: the dashboard page: %v", err))
	}
	return &Dashboard{page: page, assets: set}
}

// ServePage writes the dashboard's page.
func (d *Dashboard) ServePage(w http.ResponseWriter, r *http.Request) {
	servePage(w, r, d.page, DashboardCSP)
}

// ServeAsset writes the dashboard's script or style sheet, cached for a year.
func (d *Dashboard) ServeAsset(w http.ResponseWriter, r *http.Request) { d.assets.serve(w, r) }
