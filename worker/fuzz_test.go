package worker

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Fuzz tests of what a feed server sends (docs/feeds.md): a page's body, read by
// the client, and each record of it, decoded and validated for its feed.
// Whatever comes, the client returns a page or an error, and a record is a
// store record or an EINVALID error (quarantined), never a panic.

// FuzzFeedPage: any body of a 200 answer.
func FuzzFeedPage(f *testing.F) {
	for _, b := range []string{
		`{"data":[],"next_cursor":null,"as_of":"2024-08-22T00:00:00Z"}`,
		`{"data":[{"kpj":"10000000001"}],"next_cursor":"c2","as_of":"2024-08-22T00:00:00Z","total":10}`,
		`{"data":null}`, `{"data":[]} {"data":[]}`, `{"data":[1,2,`, `[]`, `null`, ``, `{"data":[],"total":-1,"as_of":"yesterday"}`,
		`{"data":[],"total":1e400}`, "\xef\xbb\xbf{\"data\":[]}", `{"data":[` + strings.Repeat(`[`, 20000) + `]}`,
	} {
		f.Add([]byte(b))
	}
	var body atomic.Pointer[[]byte]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(*body.Load())
	}))
	f.Cleanup(srv.Close)
	// One attempt, and no backoff: Fetch sleeps a backoff after its last
	// failed attempt too.
	c, err := NewClient(ClientConfig{BaseURL: srv.URL, MaxAttempts: 1, RequestTimeout: 5 * time.Second, MinBackoff: time.Nanosecond, MaxBackoff: time.Nanosecond})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		body.Store(&b)
		page, err := c.Fetch(context.Background(), FetchRequest{Feed: coverage.FeedParticipants, Limit: 10})
		if err != nil {
			return
		}
		if page.Data == nil {
			t.Fatalf("a page without data accepted: %q", b)
		}
		for _, raw := range page.Data {
			if !json.Valid(raw) {
				t.Fatalf("a record that is not JSON in an accepted page: %q", raw)
			}
		}
	})
}

// FuzzDecodeRecord: any record of any feed.
func FuzzDecodeRecord(f *testing.F) {
	for i, r := range []string{
		`{"kpj":"10000000001","nik":"3672011205900001","name":"Ahmad","birth_date":"1990-05-12","gender":"M","segment":"BPU","programs":["JKK","JKM"],"payer_type":"APBD","status":"ACTIVE","registered_at":"2023-01-02","coverage_start":"2023-01-02","kelurahan_code":"3672011001","declared_income":1000000,"updated_at":"2024-08-01T07:00:00Z"}`,
		`{"id":"C1","kpj":"10000000001","nik":"3672011205900001","period":"2024-01","amount_due":16800,"amount_paid":16800.5,"updated_at":"2024-08-01T07:00:00Z"}`,
		`{"claim_no":"K1","kpj":"10000000001","amount_claimed":"1e9","updated_at":"2024-08-01T07:00:00Z"}`,
		`{"nik":"3672011205900001","category":"KADER","funded_from":"2024-13","updated_at":"2024-08-01T07:00:00Z"}`,
		`{"year":2024,"area_code":"3672","workforce":-1,"updated_at":"2024-08-01T07:00:00Z"}`,
		`{"kpj":"10000000001","deleted":true}`, `{"deleted":true,"updated_at":"2024-08-01T07:00:00Z"}`, `[]`, `null`, `"x"`, `{"kpj":1}`,
	} {
		f.Add(uint8(i), []byte(r))
	}
	areas := coverage.Cilegon()
	f.Fuzz(func(t *testing.T, feed uint8, raw []byte) {
		fd := coverage.Feeds[int(feed)%len(coverage.Feeds)]
		rec, _, err := decode(fd, raw, areas)
		if err != nil {
			if coverage.ErrorCode(err) != coverage.EINVALID {
				t.Fatalf("%s record %q: %v, want EINVALID", fd, raw, err)
			}
			return
		}
		if rec.Key == "" || (!rec.Deleted && rec.Value == nil) {
			t.Fatalf("%s record %q decoded as %+v", fd, raw, rec)
		}
	})
}
