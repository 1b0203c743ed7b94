package feedsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Page sizes of FEEDS.md.
const (
	DefaultLimit = 500
	MaxLimit     = 5000
)

// entry is one served record, encoded once.
type entry struct {
	updatedAt time.Time
	key       string
	json      []byte
}

func (e entry) less(t time.Time, key string) bool {
	return e.updatedAt.Before(t) || (e.updatedAt.Equal(t) && e.key < key)
}

// Faults configures deliberate misbehaviour of the server. The zero value is a
// well-behaved server. (Fault injection arrives with the sync worker issue; the
// field is here so it slots in without changing the server's shape.)
type Faults struct{}

// Server serves a Dataset over HTTP exactly as FEEDS.md describes: records in
// ascending (updated_at, key) order, resumable cursors, inclusive
// updated_since, bearer authentication, tombstones, and the invalid records
// interleaved. It is safe for concurrent use.
type Server struct {
	token  string
	asOf   string
	feeds  map[coverage.Feed][]entry
	Faults Faults
}

// NewServer encodes every record of ds once and indexes each feed.
func NewServer(ds *Dataset, token string) *Server {
	s := &Server{token: token, asOf: ds.AsOf.UTC().Format(time.RFC3339), feeds: map[coverage.Feed][]entry{}}
	add := func(feed coverage.Feed, key string, at time.Time, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // the record types always encode
		}
		s.feeds[feed] = append(s.feeds[feed], entry{updatedAt: at.UTC(), key: key, json: b})
	}
	for i := range ds.Participants {
		r := &ds.Participants[i]
		add(coverage.FeedParticipants, r.Key(), r.UpdatedAt, r)
	}
	for i := range ds.Contributions {
		r := &ds.Contributions[i]
		add(coverage.FeedContributions, r.Key(), r.UpdatedAt, r)
	}
	for i := range ds.Claims {
		r := &ds.Claims[i]
		add(coverage.FeedClaims, r.Key(), r.UpdatedAt, r)
	}
	for i := range ds.Roster {
		r := &ds.Roster[i]
		add(coverage.FeedRoster, r.Key(), r.UpdatedAt, r)
	}
	for i := range ds.Workforce {
		r := &ds.Workforce[i]
		add(coverage.FeedWorkforce, r.Key(), r.UpdatedAt, r)
	}
	for _, t := range ds.Tombstones {
		s.feeds[t.Feed] = append(s.feeds[t.Feed], entry{updatedAt: t.UpdatedAt.UTC(), key: t.Key, json: t.JSON})
	}
	for _, r := range ds.Invalid {
		s.feeds[r.Feed] = append(s.feeds[r.Feed], entry{updatedAt: r.UpdatedAt.UTC(), key: "~invalid:" + r.Key, json: r.JSON})
	}
	for _, f := range coverage.Feeds {
		es := s.feeds[f]
		sort.Slice(es, func(i, j int) bool { return es[i].less(es[j].updatedAt, es[j].key) })
	}
	return s
}

// Len returns the number of records a full pull of a feed returns.
func (s *Server) Len(feed coverage.Feed) int { return len(s.feeds[feed]) }

// cursor is the position of the last record sent.
type cursor struct {
	T time.Time `json:"t"`
	K string    `json:"k"`
}

func encodeCursor(e entry) string {
	b, _ := json.Marshal(cursor{T: e.updatedAt, K: e.key})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, bool) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.T.IsZero() {
		return c, false
	}
	return c, true
}

func fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	b, _ := json.Marshal(map[string]string{"error": msg})
	_, _ = w.Write(b)
}

// ServeHTTP answers GET /{feed}.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.token != "" && r.Header.Get("Authorization") != "Bearer "+s.token {
		w.Header().Set("WWW-Authenticate", `Bearer realm="feeds"`)
		fail(w, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	feed := coverage.Feed(strings.Trim(r.URL.Path, "/"))
	if !feed.Valid() {
		fail(w, http.StatusNotFound, "no feed "+strconv.Quote(string(feed))+"; feeds are participants, contributions, claims, roster, workforce")
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		fail(w, http.StatusMethodNotAllowed, "only GET")
		return
	}
	q := r.URL.Query()
	limit := DefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fail(w, http.StatusBadRequest, "limit must be a positive integer")
			return
		}
		limit = min(n, MaxLimit)
	}
	es := s.feeds[feed]
	start := 0
	if v := q.Get("updated_since"); v != "" {
		since, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			fail(w, http.StatusBadRequest, "updated_since must be an RFC 3339 time")
			return
		}
		start = sort.Search(len(es), func(i int) bool { return !es[i].updatedAt.Before(since) })
	}
	total := len(es) - start
	if v := q.Get("cursor"); v != "" {
		c, ok := decodeCursor(v)
		if !ok {
			fail(w, http.StatusBadRequest, "cursor is not one this server gave")
			return
		}
		after := sort.Search(len(es), func(i int) bool { return !es[i].less(c.T, c.K) && !(es[i].updatedAt.Equal(c.T) && es[i].key == c.K) })
		start = max(start, after)
	}
	end := min(start+limit, len(es))
	var buf bytes.Buffer
	buf.WriteString(`{"data":[`)
	for i := start; i < end; i++ {
		if i > start {
			buf.WriteByte(',')
		}
		buf.Write(es[i].json)
	}
	buf.WriteString(`],"next_cursor":`)
	if end < len(es) {
		buf.WriteString(strconv.Quote(encodeCursor(es[end-1])))
	} else {
		buf.WriteString("null")
	}
	buf.WriteString(`,"as_of":"` + s.asOf + `","total":` + strconv.Itoa(total) + "}")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}
