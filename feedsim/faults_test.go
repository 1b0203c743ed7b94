package feedsim

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestFaultsAreDeterministic: the same seed gives the same fault for the n-th
// request of each URL, whatever else was asked in between.
func TestFaultsAreDeterministic(t *testing.T) {
	ds, err := Generate(Config{Seed: 1, Scale: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	statuses := func(seed int64, urls []string) []int {
		s := NewServer(ds, "")
		s.Faults = Faults{Seed: seed, ErrorRate: 0.4, RateLimit: 0.2}
		var out []int
		for _, u := range urls {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, u, nil))
			out = append(out, w.Code)
		}
		return out
	}
	urls := []string{"/claims", "/roster", "/claims", "/claims?limit=3", "/claims", "/roster"}
	a, b := statuses(9, urls), statuses(9, urls)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("seed 9 gave %v, then %v", a, b)
		}
	}
	// The n-th request of /claims meets the same fate when other URLs come between.
	c := statuses(9, []string{"/claims", "/claims", "/claims"})
	if c[0] != a[0] || c[1] != a[2] || c[2] != a[4] {
		t.Errorf("/claims alone got %v, interleaved %v", c, []int{a[0], a[2], a[4]})
	}
	faults := 0
	for _, code := range statuses(9, append(append(urls, urls...), urls...)) {
		if code != http.StatusOK {
			faults++
		}
	}
	if faults == 0 {
		t.Error("no fault in 18 requests at rates 0.4 and 0.2")
	}
	if s := NewServer(ds, ""); s.Faults.Active() {
		t.Error("a new server injects faults")
	}
}
