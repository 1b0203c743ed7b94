package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/graph"
)

// Secrets never reach the printed configuration or the logs.

// secretEnv sets every secret the configuration takes to a recognisable
// value, and returns those values.
func secretEnv(t *testing.T, mongoURI bool) []string {
	t.Helper()
	const (
		adminKey  = "sentinel-admin-key-7f3a"
		feedToken = "sentinel-feed-token-91cc"
		jwtSecret = "sentinel-jwt-secret-0123456789abcdef0123"
		mongoPass = "sentinel-mongo-pw-55d1"
		feedPass  = "sentinel-feed-pw-a1"
		jwksPass  = "sentinel-jwks-pw-b2"
		jwksToken = "sentinel-jwks-token-c3"
	)
	t.Setenv("JAMSOSTEK_ADMIN_KEY", adminKey)
	t.Setenv("JAMSOSTEK_FEED_TOKEN", feedToken)
	t.Setenv("JAMSOSTEK_JWT_HS256_SECRET", jwtSecret)
	t.Setenv("JAMSOSTEK_JWT_ISSUER", "https://sso.example/realms/cilegon")
	t.Setenv("JAMSOSTEK_JWT_AUDIENCE", "jamsostek")
	if mongoURI {
		t.Setenv("MONGODB_URI", "mongodb://jamsostek:"+mongoPass+"@127.0.0.1:1/?authSource=admin&tlsCertificateKeyFilePassword="+mongoPass)
		t.Setenv("JAMSOSTEK_FEED_BASE_URL", "https://sync:"+feedPass+"@feeds.example/v1?api_key="+feedPass)
	}
	return []string{adminKey, feedToken, jwtSecret, mongoPass, feedPass, jwksPass, jwksToken}
}

func leaks(out string, secrets []string) []string {
	var found []string
	for _, s := range secrets {
		if strings.Contains(out, s) {
			found = append(found, s)
		}
	}
	return found
}

func TestPrintedConfigMasksSecrets(t *testing.T) {
	secrets := secretEnv(t, true)
	for _, cmd := range []string{"serve", "worker", "demo", "sync"} {
		c, err := parseConfig(cmd, nil, io.Discard)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		s := c.String()
		if l := leaks(s, secrets); len(l) > 0 {
			t.Errorf("%s: the printed configuration shows %q: %s", cmd, l, s)
		}
		if cmd == "serve" {
			for _, want := range []string{"mongodb_uri=mongodb://jamsostek:****@127.0.0.1:1/?authSource=admin&tlsCertificateKeyFilePassword=****",
				"admin_key=****", "feed_token=****", "jwt_hs256_secret=****", "feed_base_url=https://sync:****@feeds.example/v1?api_key=****",
				`rate_limit="20/s burst 40"`, "request_timeout=30s", "audit_retention=400d", "preset=development"} {
				if !strings.Contains(s, want) {
					t.Errorf("serve: the printed configuration lacks %s: %s", want, s)
				}
			}
		}
	}
	// A JWKS URL with credentials, and every string field that looks secret:
	// a field added later and printed unmasked fails here.
	c, _ := parseConfig("serve", nil, io.Discard)
	c.JWT.JWKSURL = "https://u:" + secrets[5] + "@sso.example/certs?access_token=" + secrets[6]
	c.JWT.HS256Secret = ""
	var secretFields []string
	setSecrets(reflect.ValueOf(&c).Elem(), "", &secretFields)
	s := c.String()
	if l := leaks(s, append(secrets, "sentinel-field-")); len(l) > 0 {
		t.Errorf("the printed configuration shows %q (secret-looking fields: %v): %s", l, secretFields, s)
	}
}

// setSecrets sets every string field whose name looks secret to a sentinel.
func setSecrets(v reflect.Value, path string, names *[]string) {
	secret := regexp.MustCompile(`(?i)key$|token|secret|password`)
	for i := 0; i < v.NumField(); i++ {
		f, sf := v.Field(i), v.Type().Field(i)
		if !sf.IsExported() {
			continue
		}
		switch f.Kind() {
		case reflect.Struct:
			setSecrets(f, path+sf.Name+".", names)
		case reflect.String:
			if secret.MatchString(sf.Name) {
				f.SetString("sentinel-field-" + sf.Name)
				*names = append(*names, path+sf.Name)
			}
		}
	}
}

func TestMaskURI(t *testing.T) {
	for in, want := range map[string]string{
		"mongodb://user:p@ss:w0rd@db.example:27017/jamsostek":      "mongodb://user:****@db.example:27017/jamsostek",
		"mongodb+srv://user:pw@cluster0.example/?retryWrites=true": "mongodb+srv://user:****@cluster0.example/?retryWrites=true",
		"mongodb://user@host/":                 "mongodb://user@host/",
		"mongodb://host/?authSource=admin":     "mongodb://host/?authSource=admin",
		"https://feeds.example/v1?token=abc&x": "https://feeds.example/v1?token=****&x",
		"":                                     "",
		"not a url":                            "not a url",
	} {
		if got := maskURI(in); got != want {
			t.Errorf("maskURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAPILimitsConfig(t *testing.T) {
	c, err := parseConfig("serve", nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Preset != "development" || c.RateLimit != (graph.RateLimit{Rate: 20, Burst: 40}) || c.RequestTimeout != 30*time.Second ||
		c.AuditRetention != 400*24*time.Hour || c.CORSOrigins != nil || !c.Introspection {
		t.Errorf("defaults: %+v", c)
	}
	c, err = parseConfig("serve", []string{"--rate-limit", "600/m burst 5", "--request-timeout", "5s", "--cors-origins", "https://dash.example",
		"--audit-retention", "30d", "--trusted-proxies", "10.0.0.0/8"}, io.Discard)
	if err != nil || c.RateLimit != (graph.RateLimit{Rate: 10, Burst: 5}) || c.RequestTimeout != 5*time.Second ||
		strings.Join(c.CORSOrigins, ",") != "https://dash.example" || c.AuditRetention != 30*24*time.Hour || len(c.TrustedProxies) != 1 {
		t.Errorf("flags: %+v, %v", c, err)
	}
	for _, bad := range [][]string{
		{"--rate-limit", "fast"}, {"--request-timeout", "10ms"}, {"--cors-origins", "dash.example"},
		{"--audit-retention", "12h"}, {"--audit-retention", "forever"}, {"--trusted-proxies", "proxy"}, {"--preset", "prod"},
	} {
		if _, err := parseConfig("serve", bad, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}

	// The production preset: introspection off unless set, CORS required
	// and never "*".
	t.Setenv("JAMSOSTEK_PRESET", "production")
	if _, err := parseConfig("serve", nil, io.Discard); err == nil || !strings.Contains(err.Error(), "JAMSOSTEK_CORS_ORIGINS") {
		t.Errorf("production without CORS origins: %v", err)
	}
	if _, err := parseConfig("serve", []string{"--cors-origins", "*"}, io.Discard); err == nil {
		t.Error("production with any origin accepted")
	}
	if c, err := parseConfig("serve", []string{"--cors-origins", "none"}, io.Discard); err != nil || c.Introspection || c.CORSOrigins != nil {
		t.Errorf("production, no browser clients: introspection %t, origins %q, %v", c.Introspection, c.CORSOrigins, err)
	}
	if c, err := parseConfig("serve", []string{"--cors-origins", "https://dash.example", "--introspection"}, io.Discard); err != nil || !c.Introspection {
		t.Errorf("production with introspection asked for: %t, %v", c.Introspection, err)
	}
	t.Setenv("JAMSOSTEK_INTROSPECTION", "true")
	if c, err := parseConfig("serve", []string{"--cors-origins", "https://dash.example"}, io.Discard); err != nil || !c.Introspection {
		t.Errorf("production with JAMSOSTEK_INTROSPECTION=true: %t, %v", c.Introspection, err)
	}
}

// syncBuffer is a buffer written by one goroutine and read by another.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemoStartLeaksNoSecret starts demo with every secret set, at debug
// level, calls the API with the admin key, a wrong key and a JWT signed with
// another secret, and finds none of the secrets in what it printed.
func TestDemoStartLeaksNoSecret(t *testing.T) {
	secrets := secretEnv(t, false)
	dir, db := t.TempDir(), testDatabase(t)
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--scale", "0.005", "--data-dir", dir, "--database", db, "--log-level", "debug"}, &stdout, &stderr)
	}()
	open := regexp.MustCompile(`demo: open (http://\S+/) `)
	var url string
	for deadline := time.Now().Add(3 * time.Minute); url == ""; {
		if m := open.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("demo ended: %v\n%s\n%s", err, stdout.String(), stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("demo printed no URL in 3 minutes")
		}
	}
	for _, key := range []string{secrets[0], "wrong-" + secrets[0], "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln", ""} {
		req, _ := http.NewRequest(http.MethodPost, url+"query", strings.NewReader(`{"query":"{ participants(first: 2) { edges { node { nik name } } } }"}`))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if l := leaks(string(b), secrets); len(l) > 0 {
			t.Errorf("an answer shows %q: %s", l, b)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("demo: %v", err)
	}
	out := stdout.String() + stderr.String()
	if l := leaks(out, secrets); len(l) > 0 {
		t.Errorf("demo printed %q:\n%s", l, out)
	}
	if !strings.Contains(stderr.String(), "msg=configuration") || !strings.Contains(stderr.String(), "admin_key=****") {
		t.Errorf("demo did not print its configuration with the admin key masked:\n%s", stderr.String())
	}
}

// TestServeLeaksNoMongoPassword: a MongoDB that cannot be reached fails the
// start with an error that names neither the password nor the other secrets.
func TestServeLeaksNoMongoPassword(t *testing.T) {
	secrets := secretEnv(t, true)
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a port that accepts and never answers
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	t.Setenv("MONGODB_URI", "mongodb://jamsostek:"+secrets[3]+"@"+ln.Addr().String()+"/?connectTimeoutMS=500")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var stdout, stderr syncBuffer
	err = run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--log-level", "debug"}, &stdout, &stderr)
	if err == nil {
		t.Fatal("serve started without its database")
	}
	out := err.Error() + stdout.String() + stderr.String()
	if l := leaks(out, secrets); len(l) > 0 {
		t.Errorf("serve printed %q:\n%s", l, out)
	}
}

// TestServeLeaksNoFeedPassword: a feed server reached with a password in its
// URL, which refuses the token, fails the syncs in the logs without the
// password or the token.
func TestServeLeaksNoFeedPassword(t *testing.T) {
	secrets := secretEnv(t, false)
	feeds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unknown token", http.StatusUnauthorized)
	}))
	defer feeds.Close()
	t.Setenv("JAMSOSTEK_FEED_BASE_URL", strings.Replace(feeds.URL, "http://", "http://sync:"+secrets[4]+"@", 1)+"/")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	var stdout, stderr syncBuffer
	err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--database", testDatabase(t), "--log-level", "debug", "--stop-grace", "1s"}, &stdout, &stderr)
	out := stdout.String() + stderr.String()
	if err != nil {
		out += err.Error()
	}
	if !strings.Contains(out, "status=FAILED") {
		t.Errorf("no sync failed in the logs:\n%s", out)
	}
	if !strings.Contains(out, "sync:****@") {
		t.Errorf("serve did not print the feed's URL masked:\n%s", out)
	}
	if l := leaks(out, secrets); len(l) > 0 {
		t.Errorf("serve printed %q:\n%s", l, out)
	}
}
