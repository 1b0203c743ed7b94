package auth

import (
	"strings"
	"testing"
)

// TestJWKSURLMustBeHTTPS: over plain http a man in the middle could serve
// keys of its own and forge any token; only loopback may use http.
func TestJWKSURLMustBeHTTPS(t *testing.T) {
	base := JWTConfig{Issuer: "https://sso.example/realms/cilegon", Audience: "jamsostek"}
	for url, ok := range map[string]bool{
		"https://sso.cilegon.go.id/realms/cilegon/protocol/openid-connect/certs": true,
		"http://127.0.0.1:8080/certs":                                            true,
		"http://127.5.6.7/certs":                                                 true,
		"http://[::1]:8080/certs":                                                true,
		"http://localhost:8080/certs":                                            true,
		"http://LOCALHOST/certs":                                                 true,
		"http://sso.cilegon.go.id/realms/cilegon/protocol/openid-connect/certs":  false,
		"http://10.0.0.5/certs":                                                  false,
		"http://[::ffff:10.0.0.5]/certs":                                         false,
		"http://localhost.evil.example/certs":                                    false,
		"http://127.0.0.1.nip.io/certs":                                          false,
		"ftp://sso.example/certs":                                                false,
	} {
		cfg := base
		cfg.JWKSURL = url
		err := cfg.Check()
		if ok && err != nil {
			t.Errorf("%s: %v, want accepted", url, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "JWKS URL")) {
			t.Errorf("%s: %v, want refused", url, err)
		}
	}
}
