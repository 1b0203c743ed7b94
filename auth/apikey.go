package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
)

// The API key format: "jsk_" + id + "_" + secret.
//
//   - id: 16 lower-case hex digits (64 random bits), the key's _id in the
//     api_keys collection, shown by `keys list` and in the audit log;
//   - secret: 64 lower-case hex digits (256 random bits). Only its SHA-256 is
//     stored: a random 256-bit secret needs no slow hash, nothing can be
//     guessed from the hash.
//
// For example jsk_3f9c2a7d5e1b8c40_9d4c…(64 digits). The prefix lets secret
// scanners recognise leaked keys and the authenticator tell keys from JWTs.
const (
	KeyPrefix    = "jsk_"
	keyIDLen     = 16
	keySecretLen = 64
	// KeyLen is the length of every API key: 85 characters.
	KeyLen = len(KeyPrefix) + keyIDLen + 1 + keySecretLen
)

// ParseAPIKey splits an API key into its id and secret. Its error never
// repeats the key.
func ParseAPIKey(key string) (id, secret string, err error) {
	if len(key) != KeyLen || !strings.HasPrefix(key, KeyPrefix) || key[len(KeyPrefix)+keyIDLen] != '_' {
		return "", "", errMalformedKey
	}
	id = key[len(KeyPrefix) : len(KeyPrefix)+keyIDLen]
	secret = key[len(KeyPrefix)+keyIDLen+1:]
	if !isLowerHex(id) || !isLowerHex(secret) {
		return "", "", errMalformedKey
	}
	return id, secret, nil
}

var errMalformedKey = coverage.Errorf(coverage.EUNAUTHENTICATED,
	"malformed API key: an API key is jsk_ followed by a 16-digit id, _ and a 64-digit secret (lower-case hex)")

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// hashSecret is what is stored of a key's secret: the hex SHA-256 of its 64
// characters.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// secretMatches compares a presented secret with a stored hash in constant
// time.
func secretMatches(secret, storedHash string) bool {
	want, err := hex.DecodeString(storedHash)
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}

// newKey draws a fresh id and secret.
func newKey() (key, id, secret string) {
	b := make([]byte, keyIDLen/2+keySecretLen/2)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	id, secret = hex.EncodeToString(b[:keyIDLen/2]), hex.EncodeToString(b[keyIDLen/2:])
	return KeyPrefix + id + "_" + secret, id, secret
}

// KeyRequest describes a key to create.
type KeyRequest struct {
	Name      string
	Role      coverage.Role
	Area      string    // a kecamatan or kelurahan code; required for an officer, refused for the others
	ExpiresAt time.Time // zero: never
	CreatedBy string
	// Areas, when set, must know Area (a code of this city); without it only
	// the code's form is checked.
	Areas *coverage.Areas
	Now   time.Time // default time.Now
}

// Check validates a request: a name, a known role, an area for an officer
// only (a kecamatan or kelurahan), an expiry in the future.
func (r KeyRequest) Check() error {
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	if strings.TrimSpace(r.Name) == "" {
		return coverage.Errorf(coverage.EINVALID, "an API key needs a name (who or what uses it)")
	}
	if len(r.Name) > 200 {
		return coverage.Errorf(coverage.EINVALID, "an API key's name is at most 200 characters")
	}
	if r.Role.Rank() == 0 {
		return coverage.Errorf(coverage.EINVALID, "unknown role %q: one of viewer, officer, analyst, admin", r.Role)
	}
	if err := checkArea(r.Role, r.Area, r.Areas); err != nil {
		return err
	}
	if !r.ExpiresAt.IsZero() && !r.ExpiresAt.After(now) {
		return coverage.Errorf(coverage.EINVALID, "the expiry %s is not in the future", r.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// checkArea applies the rule of areas: an officer has one, a kecamatan or a
// kelurahan; no other role has one.
func checkArea(role coverage.Role, area string, areas *coverage.Areas) error {
	if role != coverage.RoleOfficer {
		if area != "" {
			return coverage.Errorf(coverage.EINVALID, "only an officer is limited to an area; a %s sees the whole city", strings.ToLower(string(role)))
		}
		return nil
	}
	if area == "" {
		return coverage.Errorf(coverage.EINVALID, "an officer needs an area: a kecamatan (6 digits) or kelurahan (10 digits) code")
	}
	level, err := coverage.AreaLevelOf(area)
	if err != nil {
		return err
	}
	if level != coverage.LevelKecamatan && level != coverage.LevelKelurahan {
		return coverage.Errorf(coverage.EINVALID, "an officer's area must be a kecamatan (6 digits) or kelurahan (10 digits), not the %s %s", level, area)
	}
	if areas != nil {
		if err := areas.CheckArea(area); err != nil {
			return err
		}
	}
	return nil
}

// KeyCreator stores new keys (store.Store).
type KeyCreator interface {
	CreateAPIKey(ctx context.Context, k store.APIKey) error
}

// CreateKey makes a key, stores its hash and returns the key itself: the only
// time it exists outside its holder's hands.
func CreateKey(ctx context.Context, keys KeyCreator, r KeyRequest) (string, store.APIKey, error) {
	r.Name = strings.TrimSpace(r.Name)
	r.Area = strings.TrimSpace(r.Area)
	if err := r.Check(); err != nil {
		return "", store.APIKey{}, err
	}
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	token, id, secret := newKey()
	k := store.APIKey{ID: id, Name: r.Name, Role: r.Role, Area: r.Area, SecretHash: hashSecret(secret),
		CreatedAt: now.UTC().Truncate(time.Millisecond), CreatedBy: r.CreatedBy}
	if !r.ExpiresAt.IsZero() {
		k.ExpiresAt = r.ExpiresAt.UTC().Truncate(time.Millisecond)
	}
	if err := keys.CreateAPIKey(ctx, k); err != nil {
		return "", store.APIKey{}, err
	}
	k.SecretHash = ""
	return token, k, nil
}

// Jakarta is the city's time zone: a bare date given as an expiry is its
// midnight there.
var Jakarta = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		return time.FixedZone("WIB", 7*3600)
	}
	return loc
}()

// ParseExpiry reads `--expires`: a duration from now (720h, 90d, 1h30m), a
// date (2027-01-01: its start, Asia/Jakarta time) or an RFC 3339 time. ""
// is no expiry.
func ParseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	var at time.Time
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 100*366 {
			return time.Time{}, coverage.Errorf(coverage.EINVALID, "expiry %q: a number of days is written like 90d", s)
		}
		at = now.AddDate(0, 0, n)
	} else if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, coverage.Errorf(coverage.EINVALID, "expiry %q: the duration must be positive", s)
		}
		at = now.Add(d)
	} else if t, err := time.ParseInLocation(time.DateOnly, s, Jakarta); err == nil {
		at = t
	} else if t, err := time.Parse(time.RFC3339, s); err == nil {
		at = t
	} else {
		return time.Time{}, coverage.Errorf(coverage.EINVALID, "expiry %q: want a duration (720h, 90d), a date (2027-01-01) or an RFC 3339 time", s)
	}
	if !at.After(now) {
		return time.Time{}, coverage.Errorf(coverage.EINVALID, "expiry %q is not in the future", s)
	}
	return at, nil
}
