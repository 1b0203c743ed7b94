// Package auth authenticates the API's callers. One authenticator takes the
// credentials of `Authorization: Bearer <credentials>` (the scheme in any
// case, RFC 7235) and returns the caller as a coverage.Principal:
//
//   - the bootstrap admin key (JAMSOSTEK_ADMIN_KEY), compared in constant
//     time: Method "admin-key", role ADMIN;
//   - an API key, recognised by its prefix jsk_ (apikey.go has the format):
//     looked up by its id in the api_keys collection, its secret checked
//     against the stored SHA-256 in constant time, refused when revoked or
//     expired: Method "api-key", the key's name, role and area, KeyID the
//     key's id. A key's record is cached for at most Config.KeyCacheTTL
//     (JAMSOSTEK_KEY_CACHE_TTL, default 5 s), so a revocation made by any
//     process reaches every replica within that time;
//   - a JWT (three dot-separated parts) from the city's identity provider,
//     verified as JWTConfig says (jwt.go): Method "jwt", Name the token's
//     preferred_username or sub, KeyID "jwt:" + sub.
//
// Every failure is a coverage.Error with code EUNAUTHENTICATED (no, malformed,
// unknown, expired or revoked credentials, a token without a role of this API
// or an officer's token without an area) whose message says what is wrong and
// never repeats the credentials; a database that does not answer when a key
// is read is EUNAVAILABLE.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
)

// KeyStore reads API keys (store.Store).
type KeyStore interface {
	APIKey(ctx context.Context, id string) (store.APIKey, error)
}

// Config of an Authenticator.
type Config struct {
	// AdminKey is the bootstrap key of the admin role; "" accepts none.
	AdminKey string
	// Keys reads the API keys; nil refuses every API key.
	Keys KeyStore
	// KeyCacheTTL is how long a key's record is trusted before it is read
	// again (DefaultKeyCacheTTL in the configuration); 0 reads it at every
	// request. It bounds how long a revoked key still works on a replica.
	KeyCacheTTL time.Duration
	// JWT says which bearer JWTs are accepted; the zero value accepts none.
	JWT JWTConfig
	// Areas, when set, must know an officer's area (from a JWT).
	Areas  *coverage.Areas
	Logger *slog.Logger
	Now    func() time.Time // default time.Now
}

// DefaultKeyCacheTTL is JAMSOSTEK_KEY_CACHE_TTL's default.
const DefaultKeyCacheTTL = 5 * time.Second

// MaxKeyCacheTTL bounds KeyCacheTTL: a revocation must take effect within
// seconds.
const MaxKeyCacheTTL = time.Minute

// maxCredentials bounds what is parsed: API keys are 85 characters, admin keys
// and identity providers' tokens a few kilobytes.
const maxCredentials = 16 << 10

// keyLookupTimeout bounds a key's read from the database.
const keyLookupTimeout = 5 * time.Second

// Authenticator identifies callers. It is safe for concurrent use.
type Authenticator struct {
	adminHash [sha256.Size]byte
	hasAdmin  bool
	keys      KeyStore
	cache     *keyCache
	jwt       *jwtVerifier
	log       *slog.Logger
	now       func() time.Time
}

// New builds an authenticator. With a JWKS URL it starts fetching the keys in
// the background until ctx ends (a provider that does not answer yet is
// logged, not fatal).
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.KeyCacheTTL < 0 || cfg.KeyCacheTTL > MaxKeyCacheTTL {
		return nil, errors.New("the API key cache TTL (JAMSOSTEK_KEY_CACHE_TTL) must be between 0 and 1m: a revoked key must stop working within seconds")
	}
	a := &Authenticator{keys: cfg.Keys, log: cfg.Logger, now: cfg.Now}
	if cfg.AdminKey != "" {
		a.adminHash, a.hasAdmin = sha256.Sum256([]byte(cfg.AdminKey)), true
	}
	if cfg.Keys != nil {
		a.cache = &keyCache{store: cfg.Keys, ttl: cfg.KeyCacheTTL, now: cfg.Now, entries: map[string]cacheEntry{}}
	}
	if cfg.JWT.Enabled() {
		v, err := newJWTVerifier(ctx, cfg.JWT, cfg.Logger, cfg.Now)
		if err != nil {
			return nil, err
		}
		v.areas = cfg.Areas
		a.jwt = v
	} else if err := cfg.JWT.Check(); err != nil {
		return nil, err
	}
	return a, nil
}

// Authenticate identifies the caller of a request from its Authorization
// header. It has the signature of graph.Authenticator.
func (a *Authenticator) Authenticate(r *http.Request) (coverage.Principal, error) {
	hs := r.Header.Values("Authorization")
	if len(hs) == 0 || (len(hs) == 1 && strings.TrimSpace(hs[0]) == "") {
		return coverage.Principal{}, unauthenticated("this API needs credentials: send the header Authorization: Bearer <API key or token>")
	}
	if len(hs) > 1 {
		return coverage.Principal{}, unauthenticated("send one Authorization header, not %d", len(hs))
	}
	creds, err := bearer(hs[0])
	if err != nil {
		return coverage.Principal{}, err
	}
	p, err := a.Credentials(r.Context(), creds)
	if err != nil {
		a.log.DebugContext(r.Context(), "authentication refused", "remote", r.RemoteAddr, "reason", coverage.ErrorMessage(err), "error", err)
	}
	return p, err
}

// bearer takes the credentials out of an Authorization header value.
func bearer(h string) (string, error) {
	h = strings.TrimSpace(h)
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", unauthenticated(`the Authorization header must be "Bearer <API key or token>"`)
	}
	creds := strings.TrimSpace(rest)
	if creds == "" {
		return "", unauthenticated(`the Authorization header has no credentials after "Bearer"`)
	}
	return creds, nil
}

// Credentials identifies the holder of credentials (what follows "Bearer "):
// for transports without headers, such as a websocket's init payload.
func (a *Authenticator) Credentials(ctx context.Context, creds string) (coverage.Principal, error) {
	if len(creds) > maxCredentials {
		return coverage.Principal{}, unauthenticated("the credentials are longer than %d bytes", maxCredentials)
	}
	// The admin key is compared first, by hash so that neither its content nor
	// its length shows in the time taken.
	if a.hasAdmin {
		h := sha256.Sum256([]byte(creds))
		if subtle.ConstantTimeCompare(h[:], a.adminHash[:]) == 1 {
			return coverage.Principal{Name: "admin", Role: coverage.RoleAdmin, Method: "admin-key", KeyID: "admin-key"}, nil
		}
	}
	switch {
	case strings.HasPrefix(creds, KeyPrefix):
		return a.apiKey(ctx, creds)
	case strings.Count(creds, ".") == 2:
		if a.jwt == nil {
			return coverage.Principal{}, unauthenticated("this API accepts no JWT: no identity provider is configured (JAMSOSTEK_JWT_JWKS_URL, JAMSOSTEK_JWT_JWKS_FILE or JAMSOSTEK_JWT_HS256_SECRET); use an API key")
		}
		return a.jwt.verify(ctx, creds)
	}
	return coverage.Principal{}, unauthenticated("unknown credentials: send an API key (jsk_...), a JWT from the identity provider, or the admin key")
}

func (a *Authenticator) apiKey(ctx context.Context, creds string) (coverage.Principal, error) {
	id, secret, err := ParseAPIKey(creds)
	if err != nil {
		return coverage.Principal{}, err
	}
	if a.cache == nil {
		return coverage.Principal{}, unauthenticated("this API accepts no API keys here")
	}
	k, found, err := a.cache.get(ctx, id)
	if err != nil {
		a.log.WarnContext(ctx, "cannot read an API key", "id", id, "error", err)
		return coverage.Principal{}, &coverage.Error{Code: coverage.EUNAVAILABLE, Message: "cannot check the API key now: the database does not answer; try again", Err: err}
	}
	// Unknown id and wrong secret read alike.
	if !found || !secretMatches(secret, k.SecretHash) {
		return coverage.Principal{}, unauthenticated("unknown API key jsk_%s_…: it was never created here, or its secret is wrong", id)
	}
	now := a.now()
	if k.Revoked() {
		return coverage.Principal{}, unauthenticated("API key %s (%s) was revoked on %s", id, k.Name, k.RevokedAt.In(Jakarta).Format("2006-01-02 15:04 MST"))
	}
	if k.Expired(now) {
		return coverage.Principal{}, unauthenticated("API key %s (%s) expired on %s", id, k.Name, k.ExpiresAt.In(Jakarta).Format("2006-01-02 15:04 MST"))
	}
	if k.Role.Rank() == 0 || checkArea(k.Role, k.Area, nil) != nil {
		return coverage.Principal{}, coverage.Errorf(coverage.EUNAUTHENTICATED, "API key %s (%s) has no valid role and area; create a new one", id, k.Name)
	}
	return coverage.Principal{Name: k.Name, Role: k.Role, Area: k.Area, Method: "api-key", KeyID: k.ID}, nil
}

// keyCache keeps API key records for at most ttl, unknown ids included (so a
// flood of one unknown id does not reach the database more often either).
// Concurrent misses of one id share one read.
type keyCache struct {
	store   KeyStore
	ttl     time.Duration
	now     func() time.Time
	group   singleflight.Group
	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	key   store.APIKey
	found bool
	at    time.Time // when the read that produced it started
}

// maxCachedKeys bounds the cache against floods of random ids.
const maxCachedKeys = 10_000

func (c *keyCache) get(ctx context.Context, id string) (store.APIKey, bool, error) {
	if c.ttl > 0 {
		c.mu.Lock()
		e, ok := c.entries[id]
		c.mu.Unlock()
		if ok && c.now().Sub(e.at) < c.ttl {
			return e.key, e.found, nil
		}
	}
	v, err, _ := c.group.Do(id, func() (any, error) {
		// The read outlives a caller that goes away: others may wait on it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), keyLookupTimeout)
		defer cancel()
		start := c.now()
		k, err := c.store.APIKey(ctx, id)
		e := cacheEntry{key: k, found: err == nil, at: start}
		if err != nil && coverage.ErrorCode(err) != coverage.ENOTFOUND {
			return nil, err
		}
		if c.ttl > 0 {
			c.put(id, e)
		}
		return e, nil
	})
	if err != nil {
		return store.APIKey{}, false, err
	}
	e := v.(cacheEntry)
	return e.key, e.found, nil
}

func (c *keyCache) put(id string, e cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCachedKeys {
		now := c.now()
		for k, old := range c.entries {
			if now.Sub(old.at) >= c.ttl {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedKeys {
			clear(c.entries)
		}
	}
	c.entries[id] = e
}
