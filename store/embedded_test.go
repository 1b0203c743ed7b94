package store

import (
	"context"
	"log/slog"
	"testing"
)

// TestEmbeddedIDLookupsUseAnIndex guards the fix in fixIDIndexes: without it every
// write by _id on the embedded engine scans its table.
func TestEmbeddedIDLookupsUseAnIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if err := s.embedded.checkIDIndexes(ctx); err != nil {
		t.Error(err)
	}
	if _, err := Open(ctx, Config{DataDir: s.embedded.dir}); err == nil {
		t.Error("a second store on the same data directory opened, want an in-use error")
	}
}
