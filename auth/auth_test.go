package auth

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

const testAdminKey = "bootstrap-admin-key-for-tests"

// keyFixture creates a key in the store and returns it.
func keyFixture(t *testing.T, s *store.Store, r KeyRequest) string {
	t.Helper()
	key, _, err := CreateKey(context.Background(), s, r)
	if err != nil {
		t.Fatalf("create key %s: %v", r.Name, err)
	}
	return key
}

// rawKey stores a key CreateKey would refuse (already expired, say).
func rawKey(t *testing.T, s *store.Store, k store.APIKey) string {
	t.Helper()
	token, id, secret := newKey()
	k.ID, k.SecretHash = id, hashSecret(secret)
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now()
	}
	if err := s.CreateAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return token
}

// TestAuthenticate runs every authentication outcome through one
// authenticator that accepts the admin key, API keys, HS256 tokens and
// RS256/ES256 tokens of a JWKS file.
func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	clk := &clock{t: time.Now().Truncate(time.Second)}
	now := clk.Now()

	viewer := keyFixture(t, s, KeyRequest{Name: "dashboard", Role: coverage.RoleViewer, CreatedBy: "test"})
	officer := keyFixture(t, s, KeyRequest{Name: "petugas Cibeber", Role: coverage.RoleOfficer, Area: "367201", CreatedBy: "test",
		ExpiresAt: now.Add(24 * time.Hour)})
	analyst := keyFixture(t, s, KeyRequest{Name: "bappeda", Role: coverage.RoleAnalyst, Area: "", CreatedBy: "test"})
	revoked := keyFixture(t, s, KeyRequest{Name: "old script", Role: coverage.RoleAdmin, CreatedBy: "test"})
	revokedID, _, _ := ParseAPIKey(revoked)
	if _, err := s.RevokeAPIKey(ctx, revokedID, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	expired := rawKey(t, s, store.APIKey{Name: "pilot", Role: coverage.RoleViewer, ExpiresAt: now.Add(-time.Minute)})
	badArea := rawKey(t, s, store.APIKey{Name: "officer without area", Role: coverage.RoleOfficer})
	viewerID, viewerSecret, _ := ParseAPIKey(viewer)
	officerID, _, _ := ParseAPIKey(officer)
	analystID, _, _ := ParseAPIKey(analyst)
	_, otherSecret, _ := ParseAPIKey(analyst)
	unknownID := KeyPrefix + "0123456789abcdef_" + viewerSecret

	rs, es, gone := rsaKey(t, "rs-1"), ecKey(t, "es-1"), rsaKey(t, "gone")
	a, err := New(ctx, Config{
		AdminKey: testAdminKey, Keys: s, KeyCacheTTL: time.Second, Areas: coverage.Cilegon(),
		JWT: JWTConfig{JWKSFile: jwksFile(t, rs, es), HS256Secret: testSecret, Issuer: testIssuer, Audience: testAudience},
		Now: clk.Now, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	// JWKS only: an HS256 token is refused outright (no secret to check it).
	jwksOnly, err := New(ctx, Config{Keys: s, Now: clk.Now,
		JWT: JWTConfig{JWKSFile: jwksFile(t, rs), Issuer: testIssuer, Audience: testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	noJWT, err := New(ctx, Config{Keys: s, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}

	with := func(f func(c jwt.MapClaims)) jwt.MapClaims {
		c := claims(now, "offline_access", "Viewer", "uma_authorization", "ANALYST")
		f(c)
		return c
	}
	hs := func(f func(c jwt.MapClaims)) string { return signHS(t, []byte(testSecret), with(f)) }
	same := func(jwt.MapClaims) {}
	rsPub, _ := x509.MarshalPKIXPublicKey(rs.key.Public())
	rsPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsPub})
	confused := func() string { // an HS256 token "signed" with the RS key's public PEM
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(now, "admin"))
		tok.Header["kid"] = rs.kid
		s, err := tok.SignedString(rsPEM)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims(now, "admin")).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	tampered := func() string {
		parts := strings.Split(sign(t, rs, claims(now, "viewer")), ".")
		other := strings.Split(sign(t, rs, claims(now, "admin")), ".")
		return parts[0] + "." + other[1] + "." + parts[2]
	}()
	jwtP := func(role coverage.Role, area string) coverage.Principal {
		return coverage.Principal{Name: "siti.aminah", Role: role, Area: area, Method: "jwt", KeyID: "jwt:f3b1c2d4-0000-4000-8000-00000000abcd"}
	}

	type outcome struct {
		p    coverage.Principal
		code string // "" for success
		msg  string // part of the message
	}
	ok := func(p coverage.Principal) outcome { return outcome{p: p} }
	fail := func(code, msg string) outcome { return outcome{code: code, msg: msg} }
	U := coverage.EUNAUTHENTICATED
	admin := coverage.Principal{Name: "admin", Role: coverage.RoleAdmin, Method: "admin-key", KeyID: "admin-key"}

	tests := []struct {
		name    string
		auth    *Authenticator
		headers []string // Authorization header values; nil: none
		want    outcome
	}{
		// The header.
		{"no header", a, nil, fail(U, "this API needs credentials")},
		{"empty header", a, []string{"  "}, fail(U, "this API needs credentials")},
		{"two headers", a, []string{"Bearer " + viewer, "Bearer " + viewer}, fail(U, "one Authorization header")},
		{"basic scheme", a, []string{"Basic YWRtaW46c2VjcmV0"}, fail(U, `must be "Bearer`)},
		{"bearer without credentials", a, []string{"Bearer"}, fail(U, "no credentials")},
		{"bearer and spaces", a, []string{"Bearer    "}, fail(U, "no credentials")},
		{"key without scheme", a, []string{viewer}, fail(U, `must be "Bearer`)},
		{"too long", a, []string{"Bearer " + strings.Repeat("x", maxCredentials+1)}, fail(U, "longer than")},
		{"garbage", a, []string{"Bearer hello"}, fail(U, "unknown credentials")},

		// The admin key.
		{"admin key", a, []string{"Bearer " + testAdminKey}, ok(admin)},
		{"scheme in lower case", a, []string{"bearer " + testAdminKey}, ok(admin)},
		{"scheme in upper case, extra spaces", a, []string{"  BEARER   " + testAdminKey + " "}, ok(admin)},
		{"admin key, one letter off", a, []string{"Bearer " + testAdminKey[:len(testAdminKey)-1] + "X"}, fail(U, "unknown credentials")},
		{"admin key when none is set", noJWT, []string{"Bearer " + testAdminKey}, fail(U, "unknown credentials")},

		// API keys.
		{"viewer key", a, []string{"Bearer " + viewer}, ok(coverage.Principal{Name: "dashboard", Role: coverage.RoleViewer, Method: "api-key", KeyID: viewerID})},
		{"officer key", a, []string{"Bearer " + officer}, ok(coverage.Principal{Name: "petugas Cibeber", Role: coverage.RoleOfficer, Area: "367201", Method: "api-key", KeyID: officerID})},
		{"analyst key", a, []string{"bearer " + analyst}, ok(coverage.Principal{Name: "bappeda", Role: coverage.RoleAnalyst, Method: "api-key", KeyID: analystID})},
		{"key too short", a, []string{"Bearer " + viewer[:len(viewer)-1]}, fail(U, "malformed API key")},
		{"key in upper case", a, []string{"Bearer " + KeyPrefix + strings.ToUpper(viewer[len(KeyPrefix):])}, fail(U, "malformed API key")},
		{"key with a bad separator", a, []string{"Bearer " + viewer[:20] + "-" + viewer[21:]}, fail(U, "malformed API key")},
		{"unknown key id", a, []string{"Bearer " + unknownID}, fail(U, "unknown API key")},
		{"wrong secret", a, []string{"Bearer " + KeyPrefix + viewerID + "_" + otherSecret}, fail(U, "unknown API key")},
		{"revoked key", a, []string{"Bearer " + revoked}, fail(U, "was revoked")},
		{"expired key", a, []string{"Bearer " + expired}, fail(U, "expired on")},
		{"officer key without area", a, []string{"Bearer " + badArea}, fail(U, "no valid role and area")},

		// JWTs: HS256.
		{"HS256 token, highest of its roles", a, []string{"Bearer " + hs(same)}, ok(jwtP(coverage.RoleAnalyst, ""))},
		{"role as a string", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { c["realm_access"] = map[string]any{"roles": "admin"} })}, ok(jwtP(coverage.RoleAdmin, ""))},
		{"client roles, other claim", a, []string{"Bearer " + hs(func(c jwt.MapClaims) {
			delete(c, "realm_access")
			c["resource_access"] = map[string]any{"jamsostek": map[string]any{"roles": []any{"viewer"}}}
		})}, fail(U, "no role of this API")},
		{"no known role", a, []string{"Bearer " + hs(func(c jwt.MapClaims) {
			c["realm_access"] = map[string]any{"roles": []any{"offline_access", 7, "superuser"}}
		})}, fail(U, "no role of this API")},
		{"officer with a kelurahan", a, []string{"Bearer " + hs(func(c jwt.MapClaims) {
			c["realm_access"] = map[string]any{"roles": []any{"officer"}}
			c["area"] = "3672011001"
		})}, ok(jwtP(coverage.RoleOfficer, "3672011001"))},
		{"officer without area", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { c["realm_access"] = map[string]any{"roles": []any{"officer"}} })}, fail(U, "carries no area")},
		{"officer with the city as area", a, []string{"Bearer " + hs(func(c jwt.MapClaims) {
			c["realm_access"] = map[string]any{"roles": []any{"officer"}}
			c["area"] = "3672"
		})}, fail(U, "kecamatan (6 digits) or kelurahan")},
		{"officer with an area of another city", a, []string{"Bearer " + hs(func(c jwt.MapClaims) {
			c["realm_access"] = map[string]any{"roles": []any{"officer"}}
			c["area"] = "327301"
		})}, fail(U, "not an area of Kota Cilegon")},
		{"area ignored for an analyst", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { c["area"] = "367201" })}, ok(jwtP(coverage.RoleAnalyst, ""))},
		{"name falls back to sub", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { delete(c, "preferred_username") })},
			ok(coverage.Principal{Name: "f3b1c2d4-0000-4000-8000-00000000abcd", Role: coverage.RoleAnalyst, Method: "jwt", KeyID: "jwt:f3b1c2d4-0000-4000-8000-00000000abcd"})},
		{"no sub", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { delete(c, "sub") })}, fail(U, "no subject")},
		{"ID token", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { c["typ"] = "ID" })}, fail(U, "send an access token")},
		{"expired", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })}, fail(U, "has expired")},
		{"expired within the leeway", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { c["exp"] = now.Add(-10 * time.Second).Unix() })}, ok(jwtP(coverage.RoleAnalyst, ""))},
		{"no exp", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { delete(c, "exp") })}, fail(U, "no expiry")},
		{"not valid yet", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })}, fail(U, "not valid yet")},
		{"issued in the future", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() })}, fail(U, "issued in the future")},
		{"wrong issuer", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { c["iss"] = "https://evil.example/realms/cilegon" })}, fail(U, "not issued by "+testIssuer)},
		{"wrong audience", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { c["aud"] = "account" })}, fail(U, "not meant for this API")},
		{"no audience", a, []string{"Bearer " + hs(func(c jwt.MapClaims) { delete(c, "aud") })}, fail(U, "not meant for this API")},
		{"HS256 with another secret", a, []string{"Bearer " + signHS(t, []byte(strings.Repeat("z", 40)), claims(now, "admin"))}, fail(U, "signature does not verify")},
		{"HS256 when only a JWKS is configured", jwksOnly, []string{"Bearer " + hs(same)}, fail(U, "signing algorithm is not accepted")},
		{"malformed JWT", a, []string{"Bearer a.b.c"}, fail(U, "malformed token")},
		{"JWT when none is configured", noJWT, []string{"Bearer " + hs(same)}, fail(U, "accepts no JWT")},

		// JWTs: JWKS.
		{"RS256 token", a, []string{"Bearer " + sign(t, rs, claims(now, "viewer"))}, ok(jwtP(coverage.RoleViewer, ""))},
		{"ES256 token", a, []string{"Bearer " + sign(t, es, claims(now, "Admin"))}, ok(jwtP(coverage.RoleAdmin, ""))},
		{"unknown kid", a, []string{"Bearer " + sign(t, gone, claims(now, "admin"))}, fail(U, "does not publish")},
		{"kid of another key", a, []string{"Bearer " + sign(t, signingKey{kid: rs.kid, key: gone.key, method: jwt.SigningMethodRS256}, claims(now, "admin"))}, fail(U, "signature does not verify")},
		{"tampered payload", a, []string{"Bearer " + tampered}, fail(U, "signature does not verify")},
		{"alg none", a, []string{"Bearer " + none}, fail(U, "signing algorithm is not accepted")},
		{"alg none, JWKS only", jwksOnly, []string{"Bearer " + none}, fail(U, "signing algorithm is not accepted")},
		{"RS public key as HS256 secret, JWKS only", jwksOnly, []string{"Bearer " + confused}, fail(U, "signing algorithm is not accepted")},
		{"RS public key as HS256 secret, HS256 too", a, []string{"Bearer " + confused}, fail(U, "signature does not verify")},
		{"ES256 header on an RS256 signature", a, []string{"Bearer " + func() string {
			parts := strings.Split(sign(t, rs, claims(now, "admin")), ".")
			h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES256","kid":"es-1","typ":"JWT"}`))
			return h + "." + parts[1] + "." + parts[2]
		}()}, fail(U, "signature does not verify")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.auth.Authenticate(request(tc.headers...))
			if tc.want.code == "" {
				if err != nil {
					t.Fatalf("got %v, want %+v", err, tc.want.p)
				}
				if p != tc.want.p {
					t.Errorf("got %+v, want %+v", p, tc.want.p)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %+v, want a %s error", p, tc.want.code)
			}
			msg := coverage.ErrorMessage(err)
			if coverage.ErrorCode(err) != tc.want.code || !strings.Contains(msg, tc.want.msg) {
				t.Errorf("got %s %q, want %s mentioning %q", coverage.ErrorCode(err), msg, tc.want.code, tc.want.msg)
			}
			if p != (coverage.Principal{}) {
				t.Errorf("a failure returned a principal: %+v", p)
			}
			// The message never repeats a secret.
			for _, h := range tc.headers {
				creds := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h), "Bearer"))
				if len(creds) > 20 && strings.Contains(msg, creds) {
					t.Errorf("the message repeats the credentials: %q", msg)
				}
				if _, secret, err := ParseAPIKey(creds); err == nil && strings.Contains(msg, secret) {
					t.Errorf("the message repeats the key's secret: %q", msg)
				}
			}
			for _, secret := range []string{testAdminKey, viewerSecret, testSecret} {
				if strings.Contains(msg, secret) || strings.Contains(err.Error(), secret) {
					t.Errorf("the error repeats a secret: %v", err)
				}
			}
		})
	}
}

// TestNewRefusesBadConfig: the configuration mistakes are caught at start.
func TestNewRefusesBadConfig(t *testing.T) {
	ctx := context.Background()
	file := jwksFile(t, rsaKey(t, "k"))
	for name, tc := range map[string]struct {
		cfg  Config
		want string
	}{
		"URL and file":     {Config{JWT: JWTConfig{JWKSURL: "https://sso.example/certs", JWKSFile: file, Issuer: "i", Audience: "a"}}, "not both"},
		"not a URL":        {Config{JWT: JWTConfig{JWKSURL: "sso.example/certs", Issuer: "i", Audience: "a"}}, "http(s) URL"},
		"short secret":     {Config{JWT: JWTConfig{HS256Secret: "s3cr3t-short", Issuer: "i", Audience: "a"}}, "at least 32 bytes"},
		"no issuer":        {Config{JWT: JWTConfig{JWKSFile: file, Audience: "a"}}, "JAMSOSTEK_JWT_ISSUER"},
		"no audience":      {Config{JWT: JWTConfig{HS256Secret: testSecret, Issuer: "i"}}, "JAMSOSTEK_JWT_AUDIENCE"},
		"missing file":     {Config{JWT: JWTConfig{JWKSFile: file + ".missing", Issuer: "i", Audience: "a"}}, "read the JWKS file"},
		"empty claim part": {Config{JWT: JWTConfig{HS256Secret: testSecret, Issuer: "i", Audience: "a", RoleClaim: "realm_access..roles"}}, "empty part"},
		"cache TTL":        {Config{KeyCacheTTL: time.Hour}, "JAMSOSTEK_KEY_CACHE_TTL"},
	} {
		if _, err := New(ctx, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", name, err, tc.want)
		}
		if strings.Contains(name, "secret") && tc.cfg.JWT.HS256Secret != "" {
			if _, err := New(ctx, tc.cfg); err != nil && strings.Contains(err.Error(), tc.cfg.JWT.HS256Secret) {
				t.Errorf("%s: the error repeats the secret", name)
			}
		}
	}
	empty := jwksFile(t)
	if _, err := New(ctx, Config{JWT: JWTConfig{JWKSFile: empty, Issuer: "i", Audience: "a"}}); err == nil {
		t.Error("an empty JWKS file was accepted")
	}
}

// TestCreateKey: the rules of a new key, and what is stored of it.
func TestCreateKey(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	now := time.Date(2025, 6, 1, 9, 0, 0, 0, Jakarta)
	for name, tc := range map[string]struct {
		r    KeyRequest
		want string
	}{
		"no name":              {KeyRequest{Role: coverage.RoleViewer}, "needs a name"},
		"unknown role":         {KeyRequest{Name: "x", Role: "ROOT"}, "unknown role"},
		"officer without area": {KeyRequest{Name: "x", Role: coverage.RoleOfficer}, "needs an area"},
		"officer with city":    {KeyRequest{Name: "x", Role: coverage.RoleOfficer, Area: "3672"}, "kecamatan (6 digits) or kelurahan"},
		"officer bad code":     {KeyRequest{Name: "x", Role: coverage.RoleOfficer, Area: "36720A"}, "digits only"},
		"officer elsewhere":    {KeyRequest{Name: "x", Role: coverage.RoleOfficer, Area: "327301", Areas: coverage.Cilegon()}, "not an area of Kota Cilegon"},
		"viewer with area":     {KeyRequest{Name: "x", Role: coverage.RoleViewer, Area: "367201"}, "only an officer"},
		"expiry in the past":   {KeyRequest{Name: "x", Role: coverage.RoleViewer, ExpiresAt: now.Add(-time.Hour), Now: now}, "not in the future"},
	} {
		if _, _, err := CreateKey(ctx, s, tc.r); coverage.ErrorCode(err) != coverage.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want EINVALID mentioning %q", name, err, tc.want)
		}
	}
	key, k, err := CreateKey(ctx, s, KeyRequest{Name: " petugas Jombang ", Role: coverage.RoleOfficer, Area: "3672051001",
		Areas: coverage.Cilegon(), ExpiresAt: now.Add(720 * time.Hour), CreatedBy: "cli:ops", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	id, secret, err := ParseAPIKey(key)
	if err != nil || id != k.ID || len(key) != KeyLen || !strings.HasPrefix(key, "jsk_"+id+"_") {
		t.Fatalf("key %q: id %q, %v; stored id %q", key, id, err, k.ID)
	}
	if k.SecretHash != "" {
		t.Error("CreateKey returned the hash")
	}
	stored, err := s.APIKey(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Name != "petugas Jombang" || stored.Role != coverage.RoleOfficer || stored.Area != "3672051001" ||
		!stored.ExpiresAt.Equal(now.Add(720*time.Hour)) || !stored.CreatedAt.Equal(now) || stored.CreatedBy != "cli:ops" {
		t.Errorf("stored: %+v", stored)
	}
	if stored.SecretHash != hashSecret(secret) || strings.Contains(stored.SecretHash, secret) || !secretMatches(secret, stored.SecretHash) {
		t.Errorf("stored hash %q is not the SHA-256 of the secret", stored.SecretHash)
	}
	key2, _, _ := CreateKey(ctx, s, KeyRequest{Name: "y", Role: coverage.RoleViewer})
	if key2 == key || key2[:20] == key[:20] {
		t.Error("two keys share an id")
	}
}

func TestParseExpiry(t *testing.T) {
	now := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                          {},
		"720h":                      now.Add(720 * time.Hour),
		"90d":                       now.AddDate(0, 0, 90),
		"1h30m":                     now.Add(90 * time.Minute),
		"2027-01-01":                time.Date(2027, 1, 1, 0, 0, 0, 0, Jakarta),
		"2026-03-04T10:00:00+07:00": time.Date(2026, 3, 4, 3, 0, 0, 0, time.UTC),
	} {
		got, err := ParseExpiry(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: got %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"-1h", "0s", "2020-01-01", "tomorrow", "0d", "-5d", "1.5d", "99999999999d", "2027-13-01"} {
		if _, err := ParseExpiry(in, now); coverage.ErrorCode(err) != coverage.EINVALID {
			t.Errorf("%q: got %v, want EINVALID", in, err)
		}
	}
}

func TestHighestRoleAndClaimPath(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want coverage.Role
	}{
		{nil, ""}, {"", ""}, {42, ""}, {"viewer", coverage.RoleViewer}, {" Officer ", coverage.RoleOfficer},
		{"viewer admin", coverage.RoleAdmin}, {"viewer,analyst", coverage.RoleAnalyst},
		{[]any{"ADMIN", "viewer"}, coverage.RoleAdmin}, {[]any{"viewer", 3, map[string]any{}}, coverage.RoleViewer},
		{[]any{"default-roles-cilegon"}, ""}, {[]string{"admin"}, ""}, // JSON arrays decode as []any only
	} {
		if got := highestRole(tc.v); got != tc.want {
			t.Errorf("highestRole(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	c := map[string]any{
		"https://cilegon.go.id/roles": "admin",
		"resource_access":             map[string]any{"jamsostek": map[string]any{"roles": []any{"officer"}}},
		"flat":                        "x",
	}
	for path, want := range map[string]any{
		"https://cilegon.go.id/roles":     "admin",
		"resource_access.jamsostek.roles": []any{"officer"},
		"resource_access.other.roles":     nil,
		"flat.deeper":                     nil,
		"missing":                         nil,
	} {
		got := claimAt(c, path)
		if (want == nil) != (got == nil) || (want != nil && strings.TrimSpace(jsonString(got)) != jsonString(want)) {
			t.Errorf("claimAt(%q) = %#v, want %#v", path, got, want)
		}
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
