package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// colSettings holds values every process of a deployment must share, made
// once by whichever process needs them first: secrets such as the key that
// seals the API's cursors.
const colSettings = "settings"

type secretDoc struct {
	ID    string `bson:"_id"`
	Value string `bson:"value"` // hex
}

// Secret returns the random secret of the name, size bytes, making it when
// the database has none yet. Every process of a deployment gets the same
// secret: the first insert wins and the others read it. A stored secret of
// another size is an error (the name is then in use for something else).
func (s *Store) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	col := s.db.Collection(colSettings)
	read := func() ([]byte, error) {
		var d secretDoc
		if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&d); err != nil {
			return nil, err
		}
		b, err := hex.DecodeString(d.Value)
		if err != nil || len(b) != size {
			return nil, fmt.Errorf("setting %s is not a secret of %d bytes", name, size)
		}
		return b, nil
	}
	b, err := read()
	if !errors.Is(err, mongo.ErrNoDocuments) {
		if err != nil {
			return nil, fmt.Errorf("read secret %s: %w", name, err)
		}
		return b, nil
	}
	b = make([]byte, size)
	_, _ = rand.Read(b)
	_, err = col.InsertOne(ctx, secretDoc{ID: name, Value: hex.EncodeToString(b)})
	if mongo.IsDuplicateKeyError(err) {
		b, err = read() // another process made it first
	}
	if err != nil {
		return nil, fmt.Errorf("make secret %s: %w", name, err)
	}
	return b, nil
}
