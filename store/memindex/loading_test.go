package memindex

import (
	"slices"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// TestLoadingIndex: a loading index answers no query before MarkReady; the
// writes it takes meanwhile are noted (TakePending), Adopt brings the loaded
// rows in, and after MarkReady it answers and notes nothing more.
func TestLoadingIndex(t *testing.T) {
	x := NewLoading()
	answered := make(chan int64, 1)
	go func() {
		r, err := x.Contributions(coverage.ContributionFilter{}, coverage.PageRequest{First: 10})
		if err != nil {
			t.Error(err)
		}
		answered <- r.Total
	}()

	// Writes during the load: one put, one delete.
	x.PutContributions([]coverage.Contribution{{ID: "C-new", KPJ: "K1", NIK: "3672010101900001", Period: "2024-03", AmountDue: 36_800}})
	x.Delete(Contributions, []string{"C-gone"})
	select {
	case n := <-answered:
		t.Fatalf("a query answered %d before the index was ready", n)
	case <-time.After(50 * time.Millisecond):
	}

	// The load read C-old and C-gone (before its deletion).
	loaded := New()
	loaded.PutContributions([]coverage.Contribution{
		{ID: "C-old", KPJ: "K2", NIK: "3672010101900002", Period: "2024-01", AmountDue: 36_800},
		{ID: "C-gone", KPJ: "K3", NIK: "3672010101900003", Period: "2024-02", AmountDue: 36_800},
	})
	x.Adopt(loaded)
	pending := x.TakePending()
	keys := pending[Contributions]
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"C-gone", "C-new"}) || len(pending) != 1 {
		t.Errorf("pending after the load: %v, want the contributions C-gone and C-new", pending)
	}
	if len(x.TakePending()) != 0 {
		t.Error("TakePending does not forget what it returned")
	}
	// The store reads the pending keys again: C-new exists, C-gone does not.
	x.PutContributions([]coverage.Contribution{{ID: "C-new", KPJ: "K1", NIK: "3672010101900001", Period: "2024-03", AmountDue: 36_800}})
	x.Delete(Contributions, []string{"C-gone"})
	x.MarkReady()
	select {
	case n := <-answered:
		if n != 2 {
			t.Errorf("after the load the index holds %d contributions, want 2 (C-old, C-new)", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting query did not answer after MarkReady")
	}
	x.PutContributions([]coverage.Contribution{{ID: "C-later", KPJ: "K4", NIK: "3672010101900004", Period: "2024-04"}})
	if p := x.TakePending(); len(p) != 0 {
		t.Errorf("a ready index still notes writes: %v", p)
	}
	// New is ready at once.
	if r, err := New().Participants(coverage.ParticipantFilter{}, coverage.PageRequest{First: 1}); err != nil || r.Total != 0 {
		t.Errorf("a new index: %+v %v", r, err)
	}
}
