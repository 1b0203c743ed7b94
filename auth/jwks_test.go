package auth

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// TestJWKSRotation: keys come from the provider's URL; a key rotated in is
// fetched at its first token, a key rotated out stops verifying once the set
// is fetched again, and refreshes for unknown key ids are rate-limited (an
// attacker's made-up kids cost the provider one fetch per interval, and a
// refused token fails at once instead of waiting).
func TestJWKSRotation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k1, k2 := rsaKey(t, "2025-01"), ecKey(t, "2025-07")
	p := newIDP(t, jwks(t, k1))
	a, err := New(ctx, Config{Logger: slog.New(slog.DiscardHandler), JWT: JWTConfig{
		JWKSURL: p.srv.URL + "/realms/cilegon/protocol/openid-connect/certs", Issuer: testIssuer, Audience: testAudience,
		JWKSRefresh: time.Hour, UnknownKIDRefresh: time.Hour,
	}})
	if err != nil {
		t.Fatal(err)
	}
	check := func(step, token string, wantOK bool, wantMsg string) {
		t.Helper()
		start := time.Now()
		got, err := a.Credentials(ctx, token)
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: took %s", step, took)
		}
		if wantOK {
			if err != nil || got.Role != coverage.RoleViewer || got.Method != "jwt" {
				t.Errorf("%s: got %+v, %v; want a viewer", step, got, err)
			}
			return
		}
		if coverage.ErrorCode(err) != coverage.EUNAUTHENTICATED || !strings.Contains(err.Error(), wantMsg) {
			t.Errorf("%s: got %+v, %v; want EUNAUTHENTICATED mentioning %q", step, got, err, wantMsg)
		}
	}
	fetches := func(step string, want int64) {
		t.Helper()
		if got := p.fetches.Load(); got != want {
			t.Errorf("%s: the JWKS was fetched %d times, want %d", step, got, want)
		}
	}
	now := time.Now()
	old := sign(t, k1, claims(now, "viewer"))
	check("key 1", old, true, "")
	fetches("at start", 1)

	// The provider rotates: key 2 in, key 1 out.
	p.publish(jwks(t, k2), false)
	check("key 1 before any refresh (still cached)", old, true, "")
	check("key 2: unknown kid, fetched", sign(t, k2, claims(now, "viewer")), true, "")
	fetches("after key 2's first token", 2)
	check("key 1 after the refresh", old, false, "does not publish")
	check("a made-up kid", sign(t, rsaKey(t, "made-up"), claims(now, "viewer")), false, "does not publish")
	fetches("after unknown kids within the rate limit", 2)
	check("key 2 again", sign(t, k2, claims(now, "viewer")), true, "")
}

// TestJWKSProviderDown: a provider that does not answer at start does not
// stop the API; tokens verify once it answers (the unknown kid triggers the
// fetch).
func TestJWKSProviderDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k := ecKey(t, "k")
	p := newIDP(t, jwks(t, k))
	p.publish(jwks(t, k), true)
	a, err := New(ctx, Config{Logger: slog.New(slog.DiscardHandler), JWT: JWTConfig{
		JWKSURL: p.srv.URL, Issuer: testIssuer, Audience: testAudience, JWKSRefresh: time.Hour, UnknownKIDRefresh: time.Millisecond,
	}})
	if err != nil {
		t.Fatalf("a provider down at start stopped the authenticator: %v", err)
	}
	tok := sign(t, k, claims(time.Now(), "analyst"))
	if _, err := a.Credentials(ctx, tok); coverage.ErrorCode(err) != coverage.EUNAUTHENTICATED {
		t.Errorf("provider down: got %v, want EUNAUTHENTICATED", err)
	}
	p.publish(jwks(t, k), false)
	time.Sleep(5 * time.Millisecond) // past the unknown-kid rate limit
	if got, err := a.Credentials(ctx, tok); err != nil || got.Role != coverage.RoleAnalyst {
		t.Errorf("provider back: got %+v, %v", got, err)
	}
}

// TestJWKSPeriodicRefresh: a key removed by the provider stops verifying at
// the next periodic fetch, without any unknown kid.
func TestJWKSPeriodicRefresh(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k1, k2 := rsaKey(t, "a"), rsaKey(t, "b")
	p := newIDP(t, jwks(t, k1, k2))
	a, err := New(ctx, Config{Logger: slog.New(slog.DiscardHandler), JWT: JWTConfig{
		JWKSURL: p.srv.URL, Issuer: testIssuer, Audience: testAudience, JWKSRefresh: 50 * time.Millisecond, UnknownKIDRefresh: time.Hour,
	}})
	if err != nil {
		t.Fatal(err)
	}
	tok := sign(t, k1, claims(time.Now(), "viewer"))
	if _, err := a.Credentials(ctx, tok); err != nil {
		t.Fatal(err)
	}
	p.publish(jwks(t, k2), false) // key a is compromised and removed
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := a.Credentials(ctx, tok)
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a removed key still verifies 5 s after its removal")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
