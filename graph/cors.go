package graph

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// CORS of /query: which web origins' pages (the dashboard) may call the API
// from a browser.
//
//   - A request without Origin (curl, servers, the worker) or from the
//     server's own origin (GraphiQL at /) passes untouched.
//   - An origin of Config.CORSOrigins gets Access-Control-Allow-Origin: that
//     origin, Allow-Credentials: true and Vary: Origin; its preflight
//     (OPTIONS with Access-Control-Request-Method) gets 204 with the methods
//     and headers the API takes (Authorization, Content-Type, ...), cached
//     for ten minutes.
//   - CORSOrigins ["*"] lets any origin read, without credentials (never
//     both: a browser would refuse them, and cookies of any site would go).
//   - Any other origin is refused with 403 and the code FORBIDDEN, preflight
//     or not, before authentication: nothing it sends runs.

// corsMaxAge is how long a browser may keep a preflight's answer (seconds).
const corsMaxAge = 600

// corsAllowedHeaders are the request headers a page may send.
var corsAllowedHeaders = []string{"Authorization", "Content-Type", "Accept", "Apollo-Require-Preflight", "X-Apollo-Operation-Name"}

// ParseCORSOrigins reads a comma-separated allowlist of origins
// ("https://dashboard.cilegon.go.id, http://localhost:5173"), each a scheme,
// a host and an optional port, nothing else; or "*" alone for any origin
// (without credentials). "" and "none" allow no other origin.
func ParseCORSOrigins(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") {
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if f == "*" {
			out = append(out, f)
			continue
		}
		o, err := normalizeOrigin(f)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	for _, o := range out {
		if o == "*" && len(out) > 1 {
			return nil, fmt.Errorf("CORS origins: \"*\" (any origin) must stand alone")
		}
	}
	return out, nil
}

// normalizeOrigin checks an origin and writes it as browsers send it:
// lower-case scheme and host, no default port.
func normalizeOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("CORS origin %q: %s (want scheme://host[:port], e.g. https://dashboard.cilegon.go.id)", s, why)
	}
	switch {
	case err != nil:
		return bad("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("the scheme must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return bad("no host")
	case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return bad("an origin has no user, path, query or fragment")
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return bad("bad port")
		}
		if (u.Scheme == "http" && n == 80) || (u.Scheme == "https" && n == 443) {
			port = ""
		}
	}
	if port != "" {
		host += ":" + port
	}
	return strings.ToLower(u.Scheme) + "://" + host, nil
}

// cors applies the allowlist to the requests of next.
func cors(origins []string, next http.Handler) http.Handler {
	allowed := map[string]bool{}
	anyOrigin := false
	for _, o := range origins {
		if o == "*" {
			anyOrigin = true
		}
		allowed[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin") // the answer depends on it, for caches
		origin := r.Header.Get("Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if origin == "" || (!preflight && sameOrigin(origin, r)) {
			next.ServeHTTP(w, r)
			return
		}
		norm, err := normalizeOrigin(origin)
		ok := err == nil && (anyOrigin || allowed[norm])
		if !ok && !sameOrigin(origin, r) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			msg := fmt.Sprintf("origin %s may not call this API from a browser: add it to JAMSOSTEK_CORS_ORIGINS", origin)
			_, _ = w.Write([]byte(`{"errors":[{"message":` + quoteJSON(msg) + `,"extensions":{"code":"FORBIDDEN"}}]}`))
			return
		}
		if anyOrigin {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if preflight {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", strings.Join(corsAllowedHeaders, ", "))
			h.Set("Access-Control-Max-Age", strconv.Itoa(corsMaxAge))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "Retry-After")
		next.ServeHTTP(w, r)
	})
}

// sameOrigin reports whether origin is the server's own (the page at / and
// its calls to /query): its host and port are the request's Host.
func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	host := r.Host
	if u.Port() == "" {
		switch u.Scheme {
		case "http":
			host = strings.TrimSuffix(host, ":80")
		case "https":
			host = strings.TrimSuffix(host, ":443")
		}
	}
	return strings.EqualFold(u.Host, host)
}
