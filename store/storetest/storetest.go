// Package storetest opens a store for tests: the embedded FerretDB in a temporary
// directory by default, or the MongoDB server of MONGODB_URI when it is set (each
// test then gets a database of its own, dropped at the end).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/store"
)

// Open returns a store with an empty database, closed when the test ends.
func Open(tb testing.TB) *store.Store {
	tb.Helper()
	return open(tb, false)
}

// OpenWithoutIndex is Open with the embedded engine's in-memory record index
// off (store.Config.NoRecordIndex): its lists are then answered by FerretDB's
// finds and counts, the path MongoDB takes. On MongoDB it is Open.
func OpenWithoutIndex(tb testing.TB) *store.Store {
	tb.Helper()
	return open(tb, true)
}

func open(tb testing.TB, noIndex bool) *store.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := store.Config{
		URI:           os.Getenv("MONGODB_URI"),
		DataDir:       tb.TempDir(),
		Logger:        slog.New(slog.DiscardHandler),
		NoRecordIndex: noIndex,
	}
	if cfg.URI != "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		cfg.Database = "jamsostek_test_" + hex.EncodeToString(b)
	}
	s, err := store.Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if cfg.URI != "" {
			if err := s.DropDatabase(ctx); err != nil {
				tb.Errorf("drop test database: %v", err)
			}
		}
		if err := s.Close(ctx); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	return s
}
