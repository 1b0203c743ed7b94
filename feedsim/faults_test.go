package feedsim

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
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

// liveJSON returns the live records of a feed of ds, encoded, by key.
func liveJSON(ds *Dataset, feed coverage.Feed) map[string]string {
	out := map[string]string{}
	add := func(key string, v any) { out[key] = string(mustJSON(v)) }
	switch feed {
	case coverage.FeedParticipants:
		for i := range ds.Participants {
			add(ds.Participants[i].Key(), &ds.Participants[i])
		}
	case coverage.FeedContributions:
		for i := range ds.Contributions {
			add(ds.Contributions[i].Key(), &ds.Contributions[i])
		}
	case coverage.FeedClaims:
		for i := range ds.Claims {
			add(ds.Claims[i].Key(), &ds.Claims[i])
		}
	case coverage.FeedRoster:
		for i := range ds.Roster {
			add(ds.Roster[i].Key(), &ds.Roster[i])
		}
	case coverage.FeedWorkforce:
		for i := range ds.Workforce {
			add(ds.Workforce[i].Key(), &ds.Workforce[i])
		}
	}
	return out
}

// pullLive pages through a feed to its end and returns the live records the
// client ends with, by key (the last one seen wins).
func pullLive(t *testing.T, s *Server, feed coverage.Feed, limit int) map[string]string {
	t.Helper()
	c := newClient(t, s)
	got := map[string]string{}
	cursor := ""
	for range 100_000 {
		p, _ := c.page(feed, limit, cursor, "")
		for _, raw := range p.Data {
			if _, key, ok := position(t, feed, raw); ok && !bytes.Contains(raw, []byte(`"deleted":true`)) {
				got[key] = string(raw)
			}
		}
		if p.NextCursor == nil {
			return got
		}
		cursor = *p.NextCursor
	}
	t.Fatalf("%s: paging did not end", feed)
	return nil
}

// updatedKeys returns the keys of a feed's records the update fault changed.
func updatedKeys(s *Server, feed coverage.Feed) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for ref := range s.updated {
		if ref.feed == feed {
			out = append(out, ref.key)
		}
	}
	slices.Sort(out)
	return out
}

// TestUpdateWhilePaging: records updated while a client pages move to the end
// of the stream, so a client that follows its cursors ends with exactly what the
// server serves now, and loses no record.
func TestUpdateWhilePaging(t *testing.T) {
	ds, err := Generate(Config{Seed: 3, Scale: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	before := mustJSON(ds)
	run := func(feed coverage.Feed, seed int64) []string {
		s := NewServer(ds, testToken)
		s.Faults = Faults{Seed: seed, UpdateRate: 0.5}
		if !s.Faults.Active() {
			t.Fatal("UpdateRate alone is not an active fault")
		}
		got := pullLive(t, s, feed, max(2, s.Len(feed)/20))
		if s.FaultsServed()["update"] == 0 {
			t.Fatalf("%s: no update at rate 0.5", feed)
		}
		snap := s.Snapshot()
		want, orig := liveJSON(snap, feed), liveJSON(ds, feed)
		if !maps.Equal(got, want) {
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s %s: client ended with %s, server serves %s", feed, k, got[k], v)
				}
			}
			t.Fatalf("%s: client has %d records, snapshot %d", feed, len(got), len(want))
		}
		var changed []string
		for k, v := range want {
			if orig[k] != v {
				changed = append(changed, k)
				if err := validateRaw(feed, []byte(v), coverage.Cilegon()); err != nil {
					t.Errorf("%s %s: updated record is invalid: %v", feed, k, err)
				}
			}
		}
		slices.Sort(changed)
		if keys := updatedKeys(s, feed); !slices.Equal(changed, keys) || len(keys) == 0 {
			t.Errorf("%s: snapshot differs for %v, updated %v", feed, changed, keys)
		}
		if len(want) != len(orig) {
			t.Errorf("%s: snapshot has %d records, the dataset %d", feed, len(want), len(orig))
		}
		return changed
	}
	for _, feed := range coverage.Feeds {
		a, b := run(feed, 7), run(feed, 7)
		if !slices.Equal(a, b) {
			t.Errorf("%s: seed 7 updated %v, then %v", feed, a, b)
		}
	}
	if !bytes.Equal(before, mustJSON(ds)) {
		t.Error("the update fault changed the Dataset")
	}
}

// TestUpdateConcurrentReaders: updates replace an index while other requests
// read it (run with -race).
func TestUpdateConcurrentReaders(t *testing.T) {
	ds, err := Generate(Config{Seed: 3, Scale: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(ds, "")
	s.Faults = Faults{Seed: 1, UpdateRate: 0.5, RepeatRecord: 0.3}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			cursor := ""
			for range 50 {
				u := "/participants?limit=20"
				if cursor != "" {
					u += "&cursor=" + cursor
				}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
				var p page
				if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &p) != nil {
					t.Errorf("reader %d: %d %s", w, rec.Code, rec.Body.Bytes())
					return
				}
				if p.NextCursor == nil {
					return
				}
				cursor = *p.NextCursor
			}
		})
		wg.Go(func() { _ = s.Snapshot() })
	}
	wg.Wait()
	if s.FaultsServed()["update"] == 0 {
		t.Error("no update")
	}
}
