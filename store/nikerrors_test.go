package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestWriteErrorsNameNoKey: a record that cannot be written fails the
// write with its position, never its key: a roster key is NIK:CATEGORY and
// the error becomes SyncRun.error, which analysts read.
func TestWriteErrorsNameNoKey(t *testing.T) {
	s := storetest.Open(t)
	const nik = "3672011205900001"
	_, err := s.Apply(context.Background(), coverage.FeedRoster, []store.Record{{Key: nik + ":KADER", Value: map[string]any{"bad": make(chan int)}}})
	if err == nil {
		t.Fatal("a record that cannot be encoded was written")
	}
	for i := 0; i+4 <= len(nik); i++ {
		if strings.Contains(err.Error(), nik[i:i+4]) {
			t.Fatalf("the error quotes digits %q of the NIK: %v", nik[i:i+4], err)
		}
	}
}
