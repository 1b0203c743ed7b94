package store_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/cilegon/jamsostek/store/storetest"
)

func TestSecretIsMadeOnceAndShared(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([][]byte, 4)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := s.Secret(ctx, "cursor-key", 32)
			if err != nil {
				t.Error(err)
			}
			got[i] = b
		}()
	}
	wg.Wait()
	for _, b := range got {
		if len(b) != 32 || !bytes.Equal(b, got[0]) {
			t.Fatalf("secrets differ or have the wrong size: %x", got)
		}
	}
	other, err := s.Secret(ctx, "another", 32)
	if err != nil || bytes.Equal(other, got[0]) {
		t.Errorf("another name: got %x, %v; want a secret of its own", other, err)
	}
	if _, err := s.Secret(ctx, "cursor-key", 16); err == nil {
		t.Error("a secret asked with another size: no error")
	}
}
