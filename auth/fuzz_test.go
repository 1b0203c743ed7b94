package auth

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store/storetest"
)

// FuzzParseAPIKey: the key parser never panics, and what it accepts is
// exactly a key of the documented form.
func FuzzParseAPIKey(f *testing.F) {
	key, _, _ := newKey()
	for _, s := range []string{key, "", "jsk_", "jsk__", key[:84], key + "0", strings.ToUpper(key),
		"jsk_0123456789abcdef_" + strings.Repeat("g", 64), "jsk_0123456789abcdef-" + strings.Repeat("0", 64),
		"jsk_" + strings.Repeat("\xff", 81), "jsk_0123456789abcde__" + strings.Repeat("0", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, secret, err := ParseAPIKey(s)
		if err != nil {
			if coverage.ErrorCode(err) != coverage.EUNAUTHENTICATED || (len(s) > 8 && strings.Contains(err.Error(), s)) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if s != KeyPrefix+id+"_"+secret || len(id) != keyIDLen || len(secret) != keySecretLen || !isLowerHex(id+secret) {
			t.Fatalf("accepted %q as id %q, secret %q", s, id, secret)
		}
	})
}

// FuzzCredentials sends anything as credentials (and as an Authorization
// header) to an authenticator that takes every kind: no panic, no hang, no
// success for anything but the seeds that are valid, and every failure a
// coded error that does not repeat the input.
func FuzzCredentials(f *testing.F) {
	ctx := context.Background()
	s := storetest.Open(f)
	// Each fuzzing worker process runs this setup again and must build the
	// same HS256 seed token as the coordinator (the RSA and EC keys differ,
	// so their seeds only fail there): the claims' times are those of the
	// hour, valid for two hours.
	now := time.Now().Truncate(time.Hour)
	claims := func(now time.Time, roles ...any) jwt.MapClaims {
		c := claims(now, roles...)
		c["exp"] = now.Add(2 * time.Hour).Unix()
		return c
	}
	rs, es := rsaKey(f, "rs"), ecKey(f, "es")
	a, err := New(ctx, Config{
		AdminKey: testAdminKey, Keys: s, KeyCacheTTL: time.Second, Logger: slog.New(slog.DiscardHandler),
		JWT: JWTConfig{JWKSFile: jwksFile(f, rs, es), HS256Secret: testSecret, Issuer: testIssuer, Audience: testAudience},
	})
	if err != nil {
		f.Fatal(err)
	}
	key, _, err := CreateKey(ctx, s, KeyRequest{Name: "fuzz", Role: coverage.RoleViewer})
	if err != nil {
		f.Fatal(err)
	}
	valid := map[string]bool{testAdminKey: true, key: true}
	for _, tok := range []string{
		sign(f, rs, claims(now, "viewer")), sign(f, es, claims(now, "admin")), signHS(f, []byte(testSecret), claims(now, "analyst")),
	} {
		valid[tok] = true
		f.Add(tok)
		parts := strings.Split(tok, ".")
		f.Add(parts[0] + "." + parts[1] + ".")
		f.Add(parts[0] + ".." + parts[2])
		f.Add("." + parts[1] + "." + parts[2])
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(now, "admin")).SignedString(jwt.UnsafeAllowNoneSignatureType)
	for _, s := range []string{testAdminKey, key, none, "", ".", "..", "a.b.c", "e30.e30.e30", "eyJhbGciOiJIUzI1NiJ9.e30.",
		"eyJhbGciOiJSUzI1NiIsImtpZCI6WzFdfQ.e30.AAAA", "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.", "jsk_", key[:40], "Bearer " + key,
		"eyJhbGciOiJFUzI1NiIsImtpZCI6ImVzIn0.eyJpc3MiOnt9LCJhdWQiOlsxLG51bGxdLCJleHAiOiIxIn0.AA",
		"eyJhbGciOiJIUzI1NiJ9." + strings.Repeat("A", 4000) + ".AA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, creds string) {
		check := func(via string, p coverage.Principal, err error, took time.Duration) {
			if took > 3*time.Second {
				t.Fatalf("%s: took %s", via, took)
			}
			if err == nil {
				if !valid[strings.TrimSpace(creds)] || p.Role.Rank() == 0 || p.Method == "" || p.KeyID == "" {
					t.Fatalf("%s: accepted %q as %+v", via, creds, p)
				}
				return
			}
			if coverage.ErrorCode(err) != coverage.EUNAUTHENTICATED {
				t.Fatalf("%s: error %v", via, err)
			}
			if len(creds) > 24 && strings.Contains(coverage.ErrorMessage(err), creds) {
				t.Fatalf("%s: the message repeats the credentials: %v", via, err)
			}
		}
		start := time.Now()
		p, err := a.Credentials(ctx, creds)
		check("credentials", p, err, time.Since(start))
		if strings.ContainsAny(creds, "\r\n") {
			return // not a header value
		}
		start = time.Now()
		p, err = a.Authenticate(request("Bearer " + creds))
		check("header", p, err, time.Since(start))
	})
}
