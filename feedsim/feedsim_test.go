package feedsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

func small(t testing.TB, seed int64) *Dataset {
	t.Helper()
	ds, err := Generate(Config{Seed: seed, Scale: 0.03})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

type page struct {
	Data       []json.RawMessage `json:"data"`
	NextCursor *string           `json:"next_cursor"`
	AsOf       string            `json:"as_of"`
	Total      int               `json:"total"`
}

func get(t *testing.T, base, token, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// pull reads a whole feed with the given page size and returns the records.
func pull(t *testing.T, base string, feed coverage.Feed, limit int, since string) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	cur := ""
	for range 100_000 {
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		if cur != "" {
			q.Set("cursor", cur)
		}
		if since != "" {
			q.Set("updated_since", since)
		}
		code, b := get(t, base, "tok", "/"+string(feed)+"?"+q.Encode())
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", feed, code, b)
		}
		var p page
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Data...)
		if p.NextCursor == nil {
			return out
		}
		cur = *p.NextCursor
	}
	t.Fatal("paging did not end")
	return nil
}

func TestDeterministic(t *testing.T) {
	a, b, c := small(t, 9), small(t, 9), small(t, 10)
	enc := func(ds *Dataset) []byte {
		b, _ := json.Marshal([]any{ds.Participants, ds.Contributions, ds.Claims, ds.Roster, ds.Workforce, ds.Planted})
		return b
	}
	if !bytes.Equal(enc(a), enc(b)) {
		t.Error("the same seed gave different data")
	}
	if bytes.Equal(enc(a), enc(c)) {
		t.Error("different seeds gave the same data")
	}
	if _, err := Generate(Config{Scale: -1}); err == nil {
		t.Error("a negative scale was accepted")
	}
}

// TestWholeCity checks the figures of DOMAIN.md at scale 1.
func TestWholeCity(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the whole city")
	}
	ds, err := Generate(Config{Seed: 1, Scale: 1})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[coverage.Category]int{}
	for _, r := range ds.Roster {
		counts[r.Category]++
	}
	// DOUBLE_FUNDED plants add a LINMAS entry for an RT_RW person.
	double := 0
	for _, p := range ds.Planted {
		if p.Kind == PlantDoubleFunded {
			double++
		}
	}
	want := map[coverage.Category]int{"RT_RW": 1528, "KADER": 2650, "ADHOC_KPU": 11658, "ADHOC_BAWASLU": 1363,
		"NELAYAN": 332, "KEBERSIHAN_DLH": 61, "LINMAS": 1593 + double}
	for c, n := range want {
		if counts[c] != n {
			t.Errorf("roster %s: got %d, want %d", c, counts[c], n)
		}
	}
	var wf int64
	for _, w := range ds.Workforce {
		if w.Year == 2024 && w.AreaCode == "3672" {
			wf = w.Workforce
		}
	}
	active := 0
	for _, p := range ds.Participants {
		if p.Active(coverage.DateOf(ds.AsOf)) {
			active++
		}
	}
	if r := float64(active) / float64(wf); r < 0.50 || r > 0.56 {
		t.Errorf("universal coverage: %d / %d = %.3f, want near 0.53", active, wf, r)
	}
}

func TestRecordsAreValid(t *testing.T) {
	ds := small(t, 2)
	areas := coverage.Cilegon()
	invalidNIK := map[string]bool{}
	for _, p := range ds.Planted {
		if p.Kind == PlantInvalidNIK {
			invalidNIK[p.NIK] = true
		}
	}
	keys := map[string]bool{}
	unique := func(k string) {
		if keys[k] {
			t.Errorf("key %s repeated", k)
		}
		keys[k] = true
	}
	for _, p := range ds.Participants {
		if err := p.Validate(areas); err != nil {
			t.Errorf("participant %s: %v", p.KPJ, err)
		}
		if _, err := coverage.ParseNIK(p.NIK); err != nil && !invalidNIK[p.NIK] {
			t.Errorf("participant %s NIK %s: %v", p.KPJ, p.NIK, err)
		}
		unique("p" + p.KPJ)
	}
	for _, c := range ds.Contributions {
		if err := c.Validate(); err != nil {
			t.Errorf("contribution %s: %v", c.ID, err)
		}
		unique("c" + c.ID)
	}
	for _, c := range ds.Claims {
		if err := c.Validate(); err != nil {
			t.Errorf("claim %s: %v", c.ClaimNo, err)
		}
		unique("k" + c.ClaimNo)
	}
	for _, r := range ds.Roster {
		if err := r.Validate(areas); err != nil {
			t.Errorf("roster %s: %v", r.Key(), err)
		}
		unique("r" + r.Key())
	}
	for _, w := range ds.Workforce {
		if err := w.Validate(areas); err != nil {
			t.Errorf("workforce %s: %v", w.Key(), err)
		}
	}
	for _, tb := range ds.Tombstones {
		if keys["r"+tb.Key] {
			t.Errorf("tombstone %s is also live", tb.Key)
		}
	}
	if len(ds.Invalid) == 0 {
		t.Fatal("no invalid records")
	}
	for _, r := range ds.Invalid {
		var err error
		switch r.Feed {
		case coverage.FeedParticipants:
			var v coverage.Participant
			if err = json.Unmarshal(r.JSON, &v); err == nil {
				err = v.Validate(areas)
			}
		case coverage.FeedContributions:
			var v coverage.Contribution
			if err = json.Unmarshal(r.JSON, &v); err == nil {
				err = v.Validate()
			}
		case coverage.FeedClaims:
			var v coverage.Claim
			if err = json.Unmarshal(r.JSON, &v); err == nil {
				err = v.Validate()
			}
		case coverage.FeedRoster:
			var v coverage.RosterEntry
			if err = json.Unmarshal(r.JSON, &v); err == nil {
				err = v.Validate(areas)
			}
		case coverage.FeedWorkforce:
			var v coverage.WorkforceTarget
			if err = json.Unmarshal(r.JSON, &v); err == nil {
				err = v.Validate(areas)
			}
		}
		if err == nil {
			t.Errorf("invalid %s record (%s) passes validation: %s", r.Feed, r.Reason, r.JSON)
		}
	}
}

func TestAmountsFollowTheRules(t *testing.T) {
	ds := small(t, 4)
	mismatch := map[string]bool{}
	for _, p := range ds.Planted {
		if p.Kind == PlantTariffMismatch {
			mismatch[p.KPJ+string(p.Period)] = true
		}
	}
	people := map[string]coverage.Participant{}
	for _, p := range ds.Participants {
		people[p.KPJ] = p
	}
	for _, c := range ds.Contributions {
		p := people[c.KPJ]
		due, err := coverage.BPUTariffs.Due(p.Programs, p.DeclaredIncome, c.Period)
		if err != nil {
			t.Fatal(err)
		}
		if (due != c.AmountDue) != mismatch[c.KPJ+string(c.Period)] {
			t.Errorf("contribution %s: due %d, tariff %d", c.ID, c.AmountDue, due)
		}
		if c.AmountPaid != 0 && c.AmountPaid != c.AmountDue {
			t.Errorf("contribution %s: paid %d of %d", c.ID, c.AmountPaid, c.AmountDue)
		}
	}
	fixed := map[coverage.Benefit]int64{coverage.BenefitPeriodic: 12_000_000, coverage.BenefitFuneral: 10_000_000}
	for _, c := range ds.Claims {
		if want, ok := fixed[c.Benefit]; ok && c.AmountClaimed != want {
			t.Errorf("claim %s %s: %d, want %d", c.ClaimNo, c.Benefit, c.AmountClaimed, want)
		}
		if c.Program == coverage.ProgramJKM && c.Benefit == coverage.BenefitDeath && c.AmountClaimed != 20_000_000 {
			t.Errorf("claim %s JKM death: %d, want 20,000,000", c.ClaimNo, c.AmountClaimed)
		}
		if c.Program == coverage.ProgramJKK && c.Benefit == coverage.BenefitDeath && c.AmountClaimed != 48*people[c.KPJ].DeclaredIncome {
			t.Errorf("claim %s JKK death: %d, want 48 x income", c.ClaimNo, c.AmountClaimed)
		}
		if (c.Status == coverage.ClaimPaid) != (c.AmountPaid > 0) {
			t.Errorf("claim %s: status %s with amount paid %d", c.ClaimNo, c.Status, c.AmountPaid)
		}
	}
}

func TestServePaging(t *testing.T) {
	ds := small(t, 3)
	s := NewServer(ds, "tok")
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, feed := range coverage.Feeds {
		limits := []int{7, 500, 5000}
		if s.Len(feed) < 2000 {
			limits = append(limits, 1)
		}
		var first []json.RawMessage
		for _, limit := range limits {
			got := pull(t, srv.URL, feed, limit, "")
			if len(got) != s.Len(feed) {
				t.Errorf("%s limit %d: got %d records, want %d", feed, limit, len(got), s.Len(feed))
			}
			if first == nil {
				first = got
				continue
			}
			for i := range got {
				if !bytes.Equal(got[i], first[i]) {
					t.Fatalf("%s limit %d: record %d differs from limit %d", feed, limit, i, limits[0])
				}
			}
		}
		// Order and updated_since.
		var times []time.Time
		for _, r := range first {
			var v struct {
				UpdatedAt time.Time `json:"updated_at"`
			}
			_ = json.Unmarshal(r, &v)
			if n := len(times); n > 0 && v.UpdatedAt.Before(times[n-1]) {
				t.Fatalf("%s: record %d goes back in time", feed, n)
			}
			times = append(times, v.UpdatedAt)
		}
		mid := times[len(times)/2]
		want := 0
		for _, ts := range times {
			if !ts.Before(mid) {
				want++
			}
		}
		if got := pull(t, srv.URL, feed, 500, mid.Format(time.RFC3339)); len(got) != want {
			t.Errorf("%s updated_since %s: got %d, want %d (inclusive)", feed, mid, len(got), want)
		}
	}
}

func TestServeErrors(t *testing.T) {
	srv := httptest.NewServer(NewServer(small(t, 1), "tok"))
	defer srv.Close()
	tests := []struct {
		name, token, path string
		code              int
	}{
		{"no token", "", "/claims", 401},
		{"wrong token", "nope", "/claims", 401},
		{"unknown feed", "tok", "/payroll", 404},
		{"bad limit", "tok", "/claims?limit=abc", 400},
		{"zero limit", "tok", "/claims?limit=0", 400},
		{"bad cursor", "tok", "/claims?cursor=zzz", 400},
		{"bad since", "tok", "/claims?updated_since=yesterday", 400},
		{"ok", "tok", "/claims?limit=9000", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, srv.URL, tc.token, tc.path)
			if code != tc.code {
				t.Errorf("got %d %s, want %d", code, body, tc.code)
			}
			if code != 200 && !strings.Contains(string(body), `"error"`) {
				t.Errorf("error body %s has no error field", body)
			}
		})
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(Config{Seed: 1, Scale: 0.1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkServePage(b *testing.B) {
	ds, _ := Generate(Config{Seed: 1, Scale: 0.1})
	s := NewServer(ds, "")
	req := httptest.NewRequest(http.MethodGet, "/contributions?limit=500", nil)
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
	}
}
