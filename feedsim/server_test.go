package feedsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

const testToken = "s3cret"

type page struct {
	Data       []json.RawMessage `json:"data"`
	NextCursor *string           `json:"next_cursor"`
	AsOf       string            `json:"as_of"`
	Total      *int              `json:"total"`
}

// client gets pages from a server over HTTP.
type client struct {
	t    testing.TB
	base string
}

func newClient(t testing.TB, s *Server) *client {
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &client{t: t, base: srv.URL}
}

func (c *client) do(method, token, path string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, b
}

func (c *client) page(feed coverage.Feed, limit int, cursor, since string) (page, []byte) {
	c.t.Helper()
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if since != "" {
		q.Set("updated_since", since)
	}
	resp, b := c.do(http.MethodGet, testToken, "/"+string(feed)+"?"+q.Encode())
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		c.t.Fatalf("%s: got %d %s %s", feed, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	var p page
	if err := json.Unmarshal(b, &p); err != nil {
		c.t.Fatalf("%s: %v in %s", feed, err, b)
	}
	return p, b
}

// pulled is a whole stream: its records, and the cursor after each page with
// the number of records sent up to it.
type pulled struct {
	records []json.RawMessage
	cursors []string
	ends    []int
}

// pull reads a feed to its end from a cursor ("" for the start).
func (c *client) pull(feed coverage.Feed, limit int, cursor, since string) pulled {
	c.t.Helper()
	var out pulled
	total := -1
	for range 1_000_000 {
		p, _ := c.page(feed, limit, cursor, since)
		if len(p.Data) > limit || (p.NextCursor != nil && len(p.Data) != limit) {
			c.t.Fatalf("%s limit %d: a page of %d records, next cursor %v", feed, limit, len(p.Data), p.NextCursor != nil)
		}
		if p.Total == nil || (total >= 0 && *p.Total != total) {
			c.t.Fatalf("%s: total changed while paging: %v, %d", feed, p.Total, total)
		}
		total = *p.Total
		out.records = append(out.records, p.Data...)
		if p.NextCursor == nil {
			if cursor == "" && total != len(out.records) {
				c.t.Errorf("%s since %q: total %d, got %d records", feed, since, total, len(out.records))
			}
			return out
		}
		cursor = *p.NextCursor
		out.cursors = append(out.cursors, cursor)
		out.ends = append(out.ends, len(out.records))
	}
	c.t.Fatal("paging did not end")
	return out
}

// expected returns every record a full pull of a feed must give, encoded.
func expected(ds *Dataset, feed coverage.Feed) []string {
	var out []string
	add := func(v any) { out = append(out, string(mustJSON(v))) }
	switch feed {
	case coverage.FeedParticipants:
		for i := range ds.Participants {
			add(&ds.Participants[i])
		}
	case coverage.FeedContributions:
		for i := range ds.Contributions {
			add(&ds.Contributions[i])
		}
	case coverage.FeedClaims:
		for i := range ds.Claims {
			add(&ds.Claims[i])
		}
	case coverage.FeedRoster:
		for i := range ds.Roster {
			add(&ds.Roster[i])
		}
	case coverage.FeedWorkforce:
		for i := range ds.Workforce {
			add(&ds.Workforce[i])
		}
	}
	for _, t := range ds.Tombstones {
		if t.Feed == feed {
			out = append(out, string(t.JSON))
		}
	}
	for _, r := range ds.Invalid {
		if r.Feed == feed {
			out = append(out, string(r.JSON))
		}
	}
	return out
}

// position reads a record's updated_at and natural key; ok is false when the
// record has no readable key (an invalid record).
func position(t testing.TB, feed coverage.Feed, raw []byte) (at time.Time, key string, ok bool) {
	var v struct {
		UpdatedAt string            `json:"updated_at"`
		KPJ       string            `json:"kpj"`
		ID        string            `json:"id"`
		ClaimNo   string            `json:"claim_no"`
		NIK       string            `json:"nik"`
		Category  coverage.Category `json:"category"`
		Year      int               `json:"year"`
		AreaCode  string            `json:"area_code"`
	}
	err := json.Unmarshal(raw, &v)
	var perr error
	at, perr = time.Parse(time.RFC3339, v.UpdatedAt)
	if perr != nil {
		t.Fatalf("record without updated_at: %s", raw)
	}
	if err != nil || validateRaw(feed, raw, coverage.Cilegon()) != nil && !bytes.Contains(raw, []byte(`"deleted":true`)) {
		return at, "", false
	}
	switch feed {
	case coverage.FeedParticipants:
		key = v.KPJ
	case coverage.FeedContributions:
		key = v.ID
	case coverage.FeedClaims:
		key = v.ClaimNo
	case coverage.FeedRoster:
		key = coverage.RosterKey(v.NIK, v.Category)
	default:
		key = coverage.WorkforceKey(v.Year, v.AreaCode)
	}
	return at, key, true
}

func strs(rs []json.RawMessage) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func sameMultiset(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	sort.Strings(g)
	sort.Strings(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s: got %d records, want %d, or they differ", what, len(got), len(want))
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Errorf("first difference: got %s, want %s", g[i], w[i])
				break
			}
		}
	}
}

func TestServeEveryRecordOnce(t *testing.T) {
	ds := dataset(t, 3, 0.02)
	c := newClient(t, NewServer(ds, testToken))
	for _, feed := range coverage.Feeds {
		t.Run(string(feed), func(t *testing.T) {
			full := c.pull(feed, 5000, "", "")
			want := expected(ds, feed)
			sameMultiset(t, "limit 5000", strs(full.records), want)
			checkOrder(t, feed, full.records, ds.AsOf)
			for _, limit := range []int{500, 7, 1} {
				since := ""
				from := 0
				if limit < 100 && len(full.records) > 1500 {
					// Small pages over the last stretch of a large feed.
					at, _, _ := position(t, feed, full.records[len(full.records)-800])
					since = at.Format(time.RFC3339)
					from = firstAtOrAfter(t, feed, full.records, at)
				}
				got := c.pull(feed, limit, "", since)
				if !slices.Equal(strs(got.records), strs(full.records[from:])) {
					t.Errorf("limit %d since %q: got %d records, want the %d of limit 5000 in the same order", limit, since, len(got.records), len(full.records)-from)
				}
			}
		})
	}
}

func firstAtOrAfter(t *testing.T, feed coverage.Feed, records []json.RawMessage, since time.Time) int {
	return sort.Search(len(records), func(i int) bool {
		at, _, _ := position(t, feed, records[i])
		return !at.Before(since)
	})
}

// checkOrder checks records come in (updated_at, key) order, none after as-of.
func checkOrder(t *testing.T, feed coverage.Feed, records []json.RawMessage, asOf time.Time) {
	t.Helper()
	var prevAt time.Time
	prevKey := ""
	for i, r := range records {
		at, key, ok := position(t, feed, r)
		if at.Before(prevAt) || at.After(asOf) {
			t.Fatalf("%s record %d at %s after %s (as-of %s)", feed, i, at, prevAt, asOf)
		}
		if !at.Equal(prevAt) {
			prevKey = ""
		}
		if ok {
			if key <= prevKey {
				t.Fatalf("%s record %d: key %s after %s in the same second %s", feed, i, key, prevKey, at)
			}
			prevKey = key
		}
		prevAt = at
	}
}

func TestServeUpdatedSince(t *testing.T) {
	ds := dataset(t, 3, 0.02)
	c := newClient(t, NewServer(ds, testToken))
	wib := time.FixedZone("WIB", 7*3600)
	for _, feed := range coverage.Feeds {
		t.Run(string(feed), func(t *testing.T) {
			full := c.pull(feed, 5000, "", "").records
			first, _, _ := position(t, feed, full[0])
			last, _, _ := position(t, feed, full[len(full)-1])
			mid, _, _ := position(t, feed, full[len(full)/2])
			tie := busiestSecond(t, feed, full)
			for _, since := range []time.Time{first.Add(-time.Hour), first, tie, mid, mid.Add(time.Second), last, last.Add(time.Second)} {
				for _, text := range []string{since.Format(time.RFC3339), since.In(wib).Format(time.RFC3339)} {
					from := firstAtOrAfter(t, feed, full, since)
					got := c.pull(feed, 5000, "", text)
					if !slices.Equal(strs(got.records), strs(full[from:])) {
						t.Errorf("updated_since %s: got %d records, want the %d with updated_at >= it", text, len(got.records), len(full)-from)
					}
				}
			}
		})
	}
}

// busiestSecond is the updated_at shared by the most records.
func busiestSecond(t *testing.T, feed coverage.Feed, records []json.RawMessage) time.Time {
	n := map[time.Time]int{}
	var best time.Time
	for _, r := range records {
		at, _, _ := position(t, feed, r)
		n[at]++
		if n[at] > n[best] || (n[at] == n[best] && at.Before(best)) {
			best = at
		}
	}
	return best
}

func TestServeResumesFromAnyCursor(t *testing.T) {
	ds := dataset(t, 3, 0.02)
	c := newClient(t, NewServer(ds, testToken))
	for _, feed := range []coverage.Feed{coverage.FeedClaims, coverage.FeedRoster, coverage.FeedWorkforce} {
		t.Run(string(feed), func(t *testing.T) {
			full := c.pull(feed, 7, "", "")
			for i, cur := range full.cursors {
				if i%5 != 0 && i != len(full.cursors)-1 {
					continue
				}
				rest := c.pull(feed, 500, cur, "")
				if !slices.Equal(strs(rest.records), strs(full.records[full.ends[i]:])) {
					t.Errorf("from cursor %d: got %d records, want the %d after it", i, len(rest.records), len(full.records)-full.ends[i])
				}
			}
		})
	}
}

// TestCursorSurvivesChanges uses the cursors of one server on another whose
// records changed: a cursor is a position, not an offset.
func TestCursorSurvivesChanges(t *testing.T) {
	ds := dataset(t, 3, 0.02)
	before := newClient(t, NewServer(ds, testToken))
	changed := *ds
	changed.Claims = nil
	for i, c := range ds.Claims {
		switch {
		case i%3 == 0: // deleted
		case i%7 == 0: // updated after the snapshot
			c.UpdatedAt = ds.AsOf
			changed.Claims = append(changed.Claims, c)
		default:
			changed.Claims = append(changed.Claims, c)
		}
	}
	after := NewServer(&changed, testToken)
	ac := newClient(t, after)
	old := before.pull(coverage.FeedClaims, 10, "", "")
	for i, cur := range old.cursors {
		if i%4 != 0 {
			continue
		}
		pos, ok := decodeCursor(cur)
		if !ok {
			t.Fatalf("cursor %q does not decode", cur)
		}
		var want []string
		for _, e := range after.feeds[coverage.FeedClaims].entries {
			at := time.Unix(0, e.at)
			if at.After(pos.T) || (at.Equal(pos.T) && e.key > pos.K) {
				want = append(want, string(e.json))
			}
		}
		got := ac.pull(coverage.FeedClaims, 50, cur, "")
		if !slices.Equal(strs(got.records), want) {
			t.Errorf("cursor %d on changed data: got %d records, want %d", i, len(got.records), len(want))
		}
	}
}

func TestServeDeterministicPages(t *testing.T) {
	body := func(seed int64) map[coverage.Feed][]byte {
		ds, err := Generate(Config{Seed: seed, Scale: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		s := NewServer(ds, testToken)
		out := map[coverage.Feed][]byte{}
		for _, feed := range coverage.Feeds {
			cursor := ""
			for {
				req := httptest.NewRequest(http.MethodGet, "/"+string(feed)+"?limit=1000&cursor="+url.QueryEscape(cursor), nil)
				req.Header.Set("Authorization", "Bearer "+testToken)
				w := httptest.NewRecorder()
				s.ServeHTTP(w, req)
				out[feed] = append(out[feed], w.Body.Bytes()...)
				var p page
				if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
					t.Fatal(err)
				}
				if p.NextCursor == nil {
					break
				}
				cursor = *p.NextCursor
			}
		}
		return out
	}
	a, b, c := body(7), body(7), body(8)
	for _, feed := range coverage.Feeds {
		if !bytes.Equal(a[feed], b[feed]) {
			t.Errorf("%s: the same seed served different bytes", feed)
		}
		if bytes.Equal(a[feed], c[feed]) {
			t.Errorf("%s: seeds 7 and 8 served the same bytes", feed)
		}
	}
}

func TestServeErrors(t *testing.T) {
	ds := dataset(t, 3, 0.02)
	c := newClient(t, NewServer(ds, testToken))
	tests := []struct {
		name, method, token, path string
		code                      int
	}{
		{"no token", "GET", "", "/claims", 401},
		{"wrong token", "GET", "nope", "/claims", 401},
		{"unknown feed without a token", "GET", "", "/payroll", 401},
		{"unknown feed", "GET", testToken, "/payroll", 404},
		{"root", "GET", testToken, "/", 404},
		{"nested path", "GET", testToken, "/claims/K2024000001", 404},
		{"POST", "POST", testToken, "/claims", 405},
		{"DELETE", "DELETE", testToken, "/roster", 405},
		{"limit not a number", "GET", testToken, "/claims?limit=abc", 400},
		{"limit zero", "GET", testToken, "/claims?limit=0", 400},
		{"limit negative", "GET", testToken, "/claims?limit=-5", 400},
		{"cursor not base64", "GET", testToken, "/claims?cursor=%25%25", 400},
		{"cursor not ours", "GET", testToken, "/claims?cursor=" + url.QueryEscape("eyJ4IjoxfQ"), 400},
		{"updated_since not a time", "GET", testToken, "/claims?updated_since=yesterday", 400},
		{"updated_since a date only", "GET", testToken, "/claims?updated_since=2024-01-01", 400},
		{"limit above the maximum is clamped", "GET", testToken, "/contributions?limit=9000", 200},
		{"defaults", "GET", testToken, "/contributions", 200},
		{"HEAD", "HEAD", testToken, "/workforce", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := c.do(tc.method, tc.token, tc.path)
			if resp.StatusCode != tc.code {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, body, tc.code)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type: got %q, want application/json", ct)
			}
			switch {
			case tc.method == "HEAD":
				if len(body) != 0 {
					t.Errorf("HEAD: got a body of %d bytes", len(body))
				}
			case tc.code != 200:
				var e struct{ Error string }
				if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
					t.Errorf("error body: got %s, want {\"error\": ...}", body)
				}
			default:
				var p page
				if err := json.Unmarshal(body, &p); err != nil {
					t.Fatal(err)
				}
				want := DefaultLimit
				if strings.Contains(tc.path, "limit=") {
					want = MaxLimit
				}
				if len(p.Data) != want || p.AsOf != "2024-08-22T00:00:00Z" || p.NextCursor == nil {
					t.Errorf("got %d records, as_of %s; want %d, 2024-08-22T00:00:00Z and a next cursor", len(p.Data), p.AsOf, want)
				}
			}
			if tc.code == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if tc.code == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

func TestServeWithoutToken(t *testing.T) {
	s := NewServer(dataset(t, 3, 0.02), "")
	req := httptest.NewRequest(http.MethodGet, "/workforce", nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Errorf("an empty token: got %d, want 200 without authentication", w.Code)
	}
}

func TestEncodersMatchEncodingJSON(t *testing.T) {
	ds := dataset(t, 3, 0.02)
	check := func(what string, got []byte, v any) {
		t.Helper()
		if want := mustJSON(v); !bytes.Equal(got, want) {
			t.Fatalf("%s: got %s, want %s", what, got, want)
		}
	}
	for i := range ds.Participants {
		check("participant", appendParticipant(nil, &ds.Participants[i]), &ds.Participants[i])
	}
	for i := range ds.Contributions {
		check("contribution", appendContribution(nil, &ds.Contributions[i]), &ds.Contributions[i])
	}
	for i := range ds.Claims {
		check("claim", appendClaim(nil, &ds.Claims[i]), &ds.Claims[i])
	}
	for i := range ds.Roster {
		check("roster", appendRosterEntry(nil, &ds.Roster[i]), &ds.Roster[i])
	}
	for i := range ds.Workforce {
		check("workforce", appendWorkforceTarget(nil, &ds.Workforce[i]), &ds.Workforce[i])
	}
	// Text that needs escaping, empty values, another time zone.
	odd := coverage.Participant{Name: "Siti \"Ucu\" <Nur> & Ña\n\t\u2028\\", Occupation: "",
		UpdatedAt: time.Date(2024, 1, 2, 3, 4, 5, 600, time.FixedZone("WIB", 7*3600))}
	check("odd participant", appendParticipant(nil, &odd), &odd)
	odd.Programs = []coverage.Program{}
	check("empty programs", appendParticipant(nil, &odd), &odd)
	r := coverage.RosterEntry{Name: "A\x00B", FundedFrom: "2024-01"}
	check("odd roster", appendRosterEntry(nil, &r), &r)
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(Config{Seed: 1, Scale: 0.1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewServer(b *testing.B) {
	ds, err := Generate(Config{Seed: 1, Scale: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		NewServer(ds, testToken)
	}
}

// BenchmarkServePage serves a page from the middle of the contributions.
func BenchmarkServePage(b *testing.B) {
	ds, err := Generate(Config{Seed: 1, Scale: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	s := NewServer(ds, testToken)
	es := s.feeds[coverage.FeedContributions].entries
	cur := encodeCursor(&es[len(es)/2])
	for _, limit := range []int{500, 5000} {
		b.Run(fmt.Sprint(limit), func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/contributions?limit=%d&cursor=%s", limit, cur), nil)
			req.Header.Set("Authorization", "Bearer "+testToken)
			w := httptest.NewRecorder()
			for b.Loop() {
				w.Body.Reset()
				s.ServeHTTP(w, req)
			}
			b.SetBytes(int64(w.Body.Len()))
		})
	}
}
