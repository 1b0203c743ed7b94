package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "https://sso.cilegon.test/realms/cilegon"
	testAudience = "jamsostek-api"
	testSecret   = "0123456789abcdef0123456789abcdef-test-hs256"
)

// signingKey is a private key with its key id.
type signingKey struct {
	kid    string
	key    crypto.Signer
	method jwt.SigningMethod
}

func rsaKey(t testing.TB, kid string) signingKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{kid: kid, key: k, method: jwt.SigningMethodRS256}
}

func ecKey(t testing.TB, kid string) signingKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{kid: kid, key: k, method: jwt.SigningMethodES256}
}

// jwks is the public JWK Set of keys.
func jwks(t testing.TB, keys ...signingKey) []byte {
	t.Helper()
	var set jwkset.JWKSMarshal
	for _, k := range keys {
		alg := jwkset.AlgRS256
		if k.method == jwt.SigningMethodES256 {
			alg = jwkset.AlgES256
		}
		j, err := jwkset.NewJWKFromKey(k.key.Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: k.kid, ALG: alg, USE: jwkset.UseSig}})
		if err != nil {
			t.Fatal(err)
		}
		set.Keys = append(set.Keys, j.Marshal())
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jwksFile(t testing.TB, keys ...signingKey) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(p, jwks(t, keys...), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// claims are a valid access token's claims at now, for a person with roles.
func claims(now time.Time, roles ...any) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": testIssuer, "aud": []any{testAudience, "account"}, "sub": "f3b1c2d4-0000-4000-8000-00000000abcd",
		"preferred_username": "siti.aminah", "typ": "Bearer",
		"iat": now.Add(-time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"realm_access": map[string]any{"roles": roles},
	}
}

// sign makes a token with the key (its kid in the header).
func sign(t testing.TB, k signingKey, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(k.method, c)
	tok.Header["kid"] = k.kid
	s, err := tok.SignedString(k.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signHS(t testing.TB, secret []byte, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// idp serves a JWK Set that the test replaces, counting the fetches.
type idp struct {
	mu      sync.Mutex
	set     []byte
	down    bool
	fetches atomic.Int64
	srv     *httptest.Server
}

func newIDP(t testing.TB, set []byte) *idp {
	p := &idp{set: set}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(p.set)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) publish(set []byte, down bool) {
	p.mu.Lock()
	p.set, p.down = set, down
	p.mu.Unlock()
}

// clock is a settable time for the authenticator and the tokens.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func request(header ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/query", nil)
	for _, h := range header {
		r.Header.Add("Authorization", h)
	}
	return r
}
