package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
)

// colAPIKeys holds the API keys of machine clients and the dashboard, one
// document per key under its id. The secret itself is never stored: only its
// SHA-256 (package auth makes keys and checks them).
const colAPIKeys = "api_keys"

// APIKey is a stored API key. SecretHash is the SHA-256 of the key's secret,
// hex-encoded; APIKey returns it (the authenticator needs it), APIKeys and
// RevokeAPIKey leave it empty.
type APIKey struct {
	ID         string
	Name       string
	Role       coverage.Role
	Area       string // a kecamatan or kelurahan code for an officer; "" for the others
	SecretHash string
	CreatedAt  time.Time
	CreatedBy  string
	ExpiresAt  time.Time // zero: never
	RevokedAt  time.Time // zero: not revoked
}

// Revoked reports whether the key was revoked.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// Expired reports whether the key has expired at now.
func (k APIKey) Expired(now time.Time) bool { return !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt) }

type apiKeyDoc struct {
	ID         string    `bson:"_id"`
	Name       string    `bson:"name"`
	Role       string    `bson:"role"`
	Area       string    `bson:"area"`
	SecretHash string    `bson:"secret_hash"`
	CreatedAt  time.Time `bson:"created_at"`
	CreatedBy  string    `bson:"created_by"`
	ExpiresAt  time.Time `bson:"expires_at"`
	RevokedAt  time.Time `bson:"revoked_at"`
}

func (d apiKeyDoc) key() APIKey {
	return APIKey{ID: d.ID, Name: d.Name, Role: coverage.Role(d.Role), Area: d.Area, SecretHash: d.SecretHash,
		CreatedAt: d.CreatedAt, CreatedBy: d.CreatedBy, ExpiresAt: d.ExpiresAt, RevokedAt: d.RevokedAt}
}

// CreateAPIKey stores a new key. It checks the record is complete (the rules
// of roles and areas are package auth's); a key whose id exists already is
// refused with ECONFLICT.
func (s *Store) CreateAPIKey(ctx context.Context, k APIKey) error {
	switch {
	case k.ID == "":
		return coverage.Errorf(coverage.EINVALID, "an API key needs an id")
	case k.Name == "":
		return coverage.Errorf(coverage.EINVALID, "API key %s needs a name", k.ID)
	case k.Role.Rank() == 0:
		return coverage.Errorf(coverage.EINVALID, "API key %s: unknown role %q", k.ID, k.Role)
	case !isSHA256Hex(k.SecretHash):
		return coverage.Errorf(coverage.EINVALID, "API key %s: the secret's hash must be 64 hex digits", k.ID)
	case k.Revoked():
		return coverage.Errorf(coverage.EINVALID, "API key %s: a new key cannot be revoked already", k.ID)
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now()
	}
	doc := apiKeyDoc{ID: k.ID, Name: k.Name, Role: string(k.Role), Area: k.Area, SecretHash: k.SecretHash,
		CreatedAt: k.CreatedAt.UTC(), CreatedBy: k.CreatedBy, ExpiresAt: utcOrZero(k.ExpiresAt)}
	_, err := s.db.Collection(colAPIKeys).InsertOne(ctx, doc)
	if mongo.IsDuplicateKeyError(err) {
		return coverage.Errorf(coverage.ECONFLICT, "API key %s exists already", k.ID)
	}
	if err != nil {
		return fmt.Errorf("create API key %s: %w", k.ID, err)
	}
	return nil
}

// APIKey reads one key, its secret's hash included, or ENOTFOUND.
func (s *Store) APIKey(ctx context.Context, id string) (APIKey, error) {
	var d apiKeyDoc
	err := s.db.Collection(colAPIKeys).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return APIKey{}, coverage.Errorf(coverage.ENOTFOUND, "no API key %s", id)
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("read API key %s: %w", id, err)
	}
	return d.key(), nil
}

// APIKeys lists every key, revoked and expired ones included, oldest first,
// without the secrets' hashes.
func (s *Store) APIKeys(ctx context.Context) ([]APIKey, error) {
	cur, err := s.db.Collection(colAPIKeys).Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}).
			SetProjection(bson.D{{Key: "secret_hash", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	var docs []apiKeyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	out := make([]APIKey, len(docs))
	for i, d := range docs {
		out[i] = d.key()
		out[i].SecretHash = ""
	}
	return out, nil
}

// RevokeAPIKey marks a key revoked at the given time and returns it (without
// its hash). Revoking a revoked key keeps the first revocation's time; an
// unknown id is ENOTFOUND. Every authenticator sees the revocation once its
// cached copy of the key expires (JAMSOSTEK_KEY_CACHE_TTL).
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) (APIKey, error) {
	if at.IsZero() {
		at = time.Now()
	}
	col := s.db.Collection(colAPIKeys)
	// The condition on revoked_at keeps the first revocation's time when two
	// revocations race.
	_, err := col.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "revoked_at", Value: time.Time{}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: at.UTC()}}}})
	if err != nil {
		return APIKey{}, fmt.Errorf("revoke API key %s: %w", id, err)
	}
	k, err := s.APIKey(ctx, id)
	if err != nil {
		return APIKey{}, err
	}
	k.SecretHash = ""
	return k, nil
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func isSHA256Hex(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}
