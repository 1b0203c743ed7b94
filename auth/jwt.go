package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/cilegon/jamsostek/coverage"
)

// JWTConfig says which bearer JWTs are accepted: people signed in at the
// city's identity provider (Keycloak or similar). Tokens are verified with the
// provider's public keys (a JWKS from a URL or a file: RS256/384/512,
// PS256/384/512, ES256/384/512, EdDSA), or with a shared secret (HS256); with
// neither, JWTs are refused.
type JWTConfig struct {
	JWKSURL     string // JAMSOSTEK_JWT_JWKS_URL, e.g. https://sso.example/realms/cilegon/protocol/openid-connect/certs
	JWKSFile    string // JAMSOSTEK_JWT_JWKS_FILE: a JWK Set read once at start
	HS256Secret string // JAMSOSTEK_JWT_HS256_SECRET: at least 32 bytes
	Issuer      string // JAMSOSTEK_JWT_ISSUER: the iss every token must carry (required)
	Audience    string // JAMSOSTEK_JWT_AUDIENCE: a value the aud of every token must hold (required)
	// RoleClaim is the dotted path of the claim holding the role: a string or
	// an array of strings (default realm_access.roles, Keycloak's realm
	// roles; resource_access.<client>.roles for client roles). A claim whose
	// own name has dots (https://example.org/roles) is found too.
	RoleClaim string
	// AreaClaim is the dotted path of an officer's area code (default area).
	AreaClaim string
	// Leeway is the clock skew allowed on exp, nbf and iat (default 30s).
	Leeway time.Duration

	// A JWKS URL is fetched at start (a failure is logged and retried, not
	// fatal), every JWKSRefresh (default 15m), and when a token names an
	// unknown key id, at most once per UnknownKIDRefresh (default 1m): so a
	// key the provider rotates in is picked up at its first token, and one it
	// removes is dropped at the next fetch. HTTPClient defaults to a client
	// with a 10 s timeout.
	JWKSRefresh       time.Duration
	UnknownKIDRefresh time.Duration
	HTTPClient        *http.Client
}

// Defaults of JWTConfig.
const (
	DefaultRoleClaim         = "realm_access.roles"
	DefaultAreaClaim         = "area"
	DefaultLeeway            = 30 * time.Second
	DefaultJWKSRefresh       = 15 * time.Minute
	DefaultUnknownKIDRefresh = time.Minute
	jwksTimeout              = 10 * time.Second
	minHS256Secret           = 32
)

// Enabled reports whether JWTs are accepted.
func (c JWTConfig) Enabled() bool {
	return c.JWKSURL != "" || c.JWKSFile != "" || c.HS256Secret != ""
}

// Check validates the configuration without fetching anything.
func (c JWTConfig) Check() error {
	if c.JWKSURL != "" && c.JWKSFile != "" {
		return errors.New("JWT: set a JWKS URL (JAMSOSTEK_JWT_JWKS_URL) or a JWKS file (JAMSOSTEK_JWT_JWKS_FILE), not both")
	}
	if c.JWKSURL != "" {
		u, err := url.Parse(c.JWKSURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("JWT: the JWKS URL (JAMSOSTEK_JWT_JWKS_URL) must be an http(s) URL")
		}
		// Over plain http, whoever sits on the path could serve keys of its
		// own and sign any token (admin included): only loopback may.
		if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
			return fmt.Errorf("JWT: the JWKS URL (JAMSOSTEK_JWT_JWKS_URL) must be https, got http://%s (plain http only on loopback)", u.Host)
		}
	}
	if c.HS256Secret != "" && len(c.HS256Secret) < minHS256Secret {
		return fmt.Errorf("JWT: the HS256 secret (JAMSOSTEK_JWT_HS256_SECRET) must be at least %d bytes, it has %d", minHS256Secret, len(c.HS256Secret))
	}
	if !c.Enabled() {
		return nil
	}
	if c.Issuer == "" {
		return errors.New("JWT: set the issuer every token must carry (JAMSOSTEK_JWT_ISSUER), e.g. https://sso.example/realms/cilegon")
	}
	if c.Audience == "" {
		return errors.New("JWT: set the audience every token must carry (JAMSOSTEK_JWT_AUDIENCE), e.g. the client id of the API")
	}
	for name, path := range map[string]string{"role": c.RoleClaim, "area": c.AreaClaim} {
		if path != "" && slices.Contains(strings.Split(path, "."), "") {
			return fmt.Errorf("JWT: the %s claim %q has an empty part", name, path)
		}
	}
	if c.Leeway < 0 || c.Leeway > 5*time.Minute {
		return fmt.Errorf("JWT: the leeway must be between 0 and 5m, got %s", c.Leeway)
	}
	return nil
}

// loopbackHost reports whether host (of a URL) is this machine: localhost
// or a loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// Accepted algorithms: asymmetric ones with a JWKS, HS256 with the secret.
// Each family only ever gets its own kind of key (no RS key used as an HMAC
// secret), and "none" is never accepted.
var asymmetricAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

type jwtVerifier struct {
	cfg      JWTConfig
	secret   []byte
	jwks     keyfunc.Keyfunc
	algs     []string
	parser   *jwt.Parser
	rolePath string
	areaPath string
	areas    *coverage.Areas // when set, an officer's area must be one of its codes
}

func newJWTVerifier(ctx context.Context, cfg JWTConfig, logger *slog.Logger, now func() time.Time) (*jwtVerifier, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = DefaultRoleClaim
	}
	if cfg.AreaClaim == "" {
		cfg.AreaClaim = DefaultAreaClaim
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	v := &jwtVerifier{cfg: cfg, rolePath: cfg.RoleClaim, areaPath: cfg.AreaClaim}
	if cfg.HS256Secret != "" {
		v.secret = []byte(cfg.HS256Secret)
		v.algs = append(v.algs, "HS256")
	}
	switch {
	case cfg.JWKSFile != "":
		raw, err := os.ReadFile(cfg.JWKSFile)
		if err != nil {
			return nil, fmt.Errorf("JWT: read the JWKS file: %w", err)
		}
		if v.jwks, err = keyfunc.NewJWKSetJSON(json.RawMessage(raw)); err != nil {
			return nil, fmt.Errorf("JWT: the JWKS file %s is not a JWK Set: %w", cfg.JWKSFile, err)
		}
		if all, err := v.jwks.Storage().KeyReadAll(ctx); err != nil || len(all) == 0 {
			return nil, fmt.Errorf("JWT: the JWKS file %s holds no usable key", cfg.JWKSFile)
		}
		v.algs = append(v.algs, asymmetricAlgs...)
	case cfg.JWKSURL != "":
		var err error
		if v.jwks, err = remoteJWKS(ctx, cfg, logger); err != nil {
			return nil, err
		}
		v.algs = append(v.algs, asymmetricAlgs...)
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods(v.algs),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(now),
	)
	return v, nil
}

// remoteJWKS is keyfunc's HTTP storage with our intervals and a bounded wait:
// a token with an unknown kid waits at most jwksTimeout for a refresh slot and
// the refresh together, and fails at once when the slot is further away.
func remoteJWKS(ctx context.Context, cfg JWTConfig, logger *slog.Logger) (keyfunc.Keyfunc, error) {
	refresh, unknown, client := cfg.JWKSRefresh, cfg.UnknownKIDRefresh, cfg.HTTPClient
	if refresh <= 0 {
		refresh = DefaultJWKSRefresh
	}
	if unknown <= 0 {
		unknown = DefaultUnknownKIDRefresh
	}
	if client == nil {
		client = &http.Client{Timeout: jwksTimeout}
	}
	onError := func(ctx context.Context, err error) {
		logger.Warn("JWT: cannot fetch the identity provider's keys (JWKS); tokens signed with keys not fetched yet are refused", "url", redactURL(cfg.JWKSURL), "error", err)
	}
	st, err := jwkset.NewStorageFromHTTP(cfg.JWKSURL, jwkset.HTTPClientStorageOptions{
		Client:                    client,
		Ctx:                       ctx,
		HTTPTimeout:               jwksTimeout,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler:       onError,
		RefreshInterval:           refresh,
	})
	if err != nil {
		return nil, fmt.Errorf("JWT: JWKS URL: %w", err)
	}
	storage, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{cfg.JWKSURL: st},
		RateLimitWaitMax:  jwksTimeout,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(unknown), 1),
	})
	if err != nil {
		return nil, fmt.Errorf("JWT: JWKS URL: %w", err)
	}
	return keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: storage})
}

// redactURL drops a URL's user info and query, which may carry credentials.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

func unauthenticated(format string, args ...any) error {
	return coverage.Errorf(coverage.EUNAUTHENTICATED, format, args...)
}

// keyfunc gives each algorithm family its own key only: the HS256 secret to
// HS256 tokens, public keys of the JWKS to the others.
func (v *jwtVerifier) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		switch t.Method.(type) {
		case *jwt.SigningMethodHMAC:
			if v.secret == nil {
				return nil, errAlg
			}
			return v.secret, nil
		case *jwt.SigningMethodRSA, *jwt.SigningMethodRSAPSS, *jwt.SigningMethodECDSA, *jwt.SigningMethodEd25519:
			if v.jwks == nil {
				return nil, errAlg
			}
			k, err := v.jwks.KeyfuncCtx(ctx)(t)
			if err != nil {
				return nil, err
			}
			if set, ok := k.(jwt.VerificationKeySet); ok {
				keys := set.Keys[:0:0]
				for _, x := range set.Keys {
					if isPublicKey(x) {
						keys = append(keys, x)
					}
				}
				if len(keys) == 0 {
					return nil, errNoKey
				}
				return jwt.VerificationKeySet{Keys: keys}, nil
			}
			if !isPublicKey(k) {
				return nil, errNoKey
			}
			return k, nil
		}
		return nil, errAlg
	}
}

var (
	errAlg   = errors.New("algorithm not accepted")
	errNoKey = errors.New("no public key")
)

func isPublicKey(k any) bool {
	switch k.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return true
	}
	return false
}

// verify checks a token and returns its caller.
func (v *jwtVerifier) verify(ctx context.Context, token string) (coverage.Principal, error) {
	claims := jwt.MapClaims{}
	tok, err := v.parser.ParseWithClaims(token, claims, v.keyfunc(ctx))
	if err != nil {
		return coverage.Principal{}, v.explain(tok, err)
	}
	if typ, _ := claims["typ"].(string); strings.EqualFold(typ, "ID") || strings.EqualFold(typ, "Refresh") {
		return coverage.Principal{}, unauthenticated("the token is an %s token; send an access token", strings.ToLower(typ))
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return coverage.Principal{}, unauthenticated("the token has no subject (sub)")
	}
	name, _ := claims["preferred_username"].(string)
	if name == "" {
		name = sub
	}
	role := highestRole(claimAt(claims, v.rolePath))
	if role == "" {
		return coverage.Principal{}, coverage.Errorf(coverage.EUNAUTHENTICATED,
			"the token of %s carries no role of this API (viewer, officer, analyst or admin) in its claim %s", name, v.rolePath)
	}
	p := coverage.Principal{Name: name, Role: role, Method: "jwt", KeyID: "jwt:" + sub}
	if role == coverage.RoleOfficer {
		area, _ := claimAt(claims, v.areaPath).(string)
		if area == "" {
			return coverage.Principal{}, coverage.Errorf(coverage.EUNAUTHENTICATED,
				"the token of officer %s carries no area (a kecamatan or kelurahan code) in its claim %s", name, v.areaPath)
		}
		if err := checkArea(role, area, v.areas); err != nil {
			return coverage.Principal{}, coverage.Errorf(coverage.EUNAUTHENTICATED, "the token of officer %s: %s", name, coverage.ErrorMessage(err))
		}
		p.Area = area
	}
	return p, nil
}

// explain turns a verification failure into a message for the caller, which
// names what failed and never repeats the token.
func (v *jwtVerifier) explain(tok *jwt.Token, err error) error {
	if tok != nil && tok.Method != nil && !slices.Contains(v.algs, tok.Method.Alg()) || errors.Is(err, errAlg) {
		return unauthenticated("the token's signing algorithm is not accepted: this API accepts %s", strings.Join(v.algs, ", "))
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return unauthenticated("malformed token: a JWT is three base64url parts separated by dots")
	case errors.Is(err, jwt.ErrTokenUnverifiable) && strings.Contains(err.Error(), "signing method"):
		return unauthenticated("the token's signing algorithm is not accepted: this API accepts %s", strings.Join(v.algs, ", "))
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return unauthenticated("the token is signed with a key the identity provider does not publish (unknown or rotated-out key)")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return unauthenticated("the token's signature does not verify")
	case errors.Is(err, jwt.ErrTokenExpired):
		return unauthenticated("the token has expired: sign in again")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return unauthenticated("the token is not valid yet (nbf)")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return unauthenticated("the token is issued in the future (iat)")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer) || missing(err, "iss"):
		return unauthenticated("the token is not issued by %s", v.cfg.Issuer)
	case errors.Is(err, jwt.ErrTokenInvalidAudience) || missing(err, "aud"):
		return unauthenticated("the token is not meant for this API: its audience (aud) does not hold %s", v.cfg.Audience)
	case missing(err, "exp"):
		return unauthenticated("the token has no expiry (exp)")
	}
	return unauthenticated("invalid token")
}

// missing reports whether err says the required claim is missing.
func missing(err error, claim string) bool {
	return errors.Is(err, jwt.ErrTokenRequiredClaimMissing) && strings.Contains(err.Error(), claim+" claim is required")
}

// claimAt follows a dotted path through nested objects. A claim named with
// the whole path (dots included) comes first.
func claimAt(claims map[string]any, path string) any {
	if v, ok := claims[path]; ok {
		return v
	}
	var cur any = claims
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[part]; !ok {
			return nil
		}
	}
	return cur
}

// highestRole reads a role claim: a string (one role, or several separated
// by spaces or commas) or an array of strings. Unknown values (Keycloak's
// offline_access, default-roles-...) are ignored; case does not matter; the
// most trusted known role wins.
func highestRole(v any) coverage.Role {
	var names []string
	switch x := v.(type) {
	case string:
		names = strings.FieldsFunc(x, func(r rune) bool { return r == ' ' || r == ',' })
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				names = append(names, s)
			}
		}
	}
	var best coverage.Role
	for _, n := range names {
		if len(n) > 16 {
			continue
		}
		if r, err := coverage.ParseRole(n); err == nil && r.Rank() > best.Rank() {
			best = r
		}
	}
	return best
}
