package feedsim

import (
	"bytes"
	"cmp"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// Page sizes of docs/feeds.md.
const (
	DefaultLimit = 500
	MaxLimit     = 5000
)

// Server serves a Dataset over HTTP exactly as docs/feeds.md describes: records
// (live, tombstones and invalid ones interleaved) in ascending (updated_at, key)
// order, resumable cursors, inclusive updated_since, bearer authentication. It
// is safe for concurrent use.
type Server struct {
	// Faults, set before the server serves, makes it misbehave (faults.go).
	Faults Faults
	faults faultState

	token string // "" serves without authentication
	asOf  string
	ds    *Dataset // what NewServer was given; never changed

	// mu guards feeds and updated: the update fault (update.go) replaces a
	// feed's index, never changes one, so a reader may keep the index it got.
	mu      sync.RWMutex
	feeds   map[coverage.Feed]*index
	updated map[recordRef]any // the current version of each updated record
}

// index is one feed's records, encoded once, in (updated_at, key) order.
type index struct {
	entries []entry
}

// entry is one served record.
type entry struct {
	at   int64  // updated_at, Unix nanoseconds
	key  string // the sort key: the natural key, made unique for invalid records
	json []byte
}

func (e *entry) before(at int64, key string) bool {
	return e.at < at || (e.at == at && e.key < key)
}

// NewServer encodes every record of ds once and indexes each feed. The token
// is required as "Authorization: Bearer <token>"; an empty token turns
// authentication off.
func NewServer(ds *Dataset, token string) *Server {
	s := &Server{token: token, asOf: ds.AsOf.UTC().Format(time.RFC3339), ds: ds, feeds: map[coverage.Feed]*index{}}
	ents := map[coverage.Feed][]entry{}
	extra := map[coverage.Feed]int{} // tombstones and invalid records
	for _, t := range ds.Tombstones {
		extra[t.Feed]++
	}
	for _, r := range ds.Invalid {
		extra[r.Feed]++
	}
	// live encodes a feed's live records on every CPU, into arenas of 1 MiB.
	live := func(feed coverage.Feed, n int, enc func(b []byte, i int) ([]byte, string, time.Time)) {
		es := make([]entry, n, n+extra[feed])
		parallel(n, func(lo, hi int) {
			var a arena
			for i := lo; i < hi; i++ {
				a.reserve(4096)
				b, key, at := enc(a.buf, i)
				es[i] = entry{at: at.UnixNano(), key: key, json: a.cut(b)}
			}
		})
		ents[feed] = es
	}
	live(coverage.FeedParticipants, len(ds.Participants), func(b []byte, i int) ([]byte, string, time.Time) {
		r := &ds.Participants[i]
		return appendParticipant(b, r), r.KPJ, r.UpdatedAt
	})
	live(coverage.FeedContributions, len(ds.Contributions), func(b []byte, i int) ([]byte, string, time.Time) {
		r := &ds.Contributions[i]
		return appendContribution(b, r), r.ID, r.UpdatedAt
	})
	live(coverage.FeedClaims, len(ds.Claims), func(b []byte, i int) ([]byte, string, time.Time) {
		r := &ds.Claims[i]
		return appendClaim(b, r), r.ClaimNo, r.UpdatedAt
	})
	live(coverage.FeedRoster, len(ds.Roster), func(b []byte, i int) ([]byte, string, time.Time) {
		r := &ds.Roster[i]
		return appendRosterEntry(b, r), r.Key(), r.UpdatedAt
	})
	live(coverage.FeedWorkforce, len(ds.Workforce), func(b []byte, i int) ([]byte, string, time.Time) {
		r := &ds.Workforce[i]
		return appendWorkforceTarget(b, r), r.Key(), r.UpdatedAt
	})
	for _, t := range ds.Tombstones {
		ents[t.Feed] = append(ents[t.Feed], entry{at: t.UpdatedAt.UnixNano(), key: t.Key, json: t.JSON})
	}
	for i, r := range ds.Invalid {
		// Invalid records may lack a key or share one: "~" sorts them after the
		// valid records of the same second, the index keeps them apart.
		ents[r.Feed] = append(ents[r.Feed], entry{at: r.UpdatedAt.UnixNano(), key: "~" + r.Key + "~" + strconv.Itoa(i), json: r.JSON})
	}
	for _, f := range coverage.Feeds {
		es := ents[f]
		slices.SortFunc(es, func(a, b entry) int {
			if c := cmp.Compare(a.at, b.at); c != 0 {
				return c
			}
			return strings.Compare(a.key, b.key)
		})
		s.feeds[f] = &index{entries: es}
	}
	return s
}

// parallel splits 0..n-1 into one range a CPU and runs fn on each.
func parallel(n int, fn func(lo, hi int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), 8))
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// arena hands out byte slices cut from large blocks: one allocation per MiB
// instead of one per record. Records are appended to buf, then cut off.
type arena struct{ buf []byte }

// reserve starts a new block unless n bytes are left in this one.
func (a *arena) reserve(n int) {
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]byte, 0, 1<<20)
	}
}

// cut takes b, which is buf with a record appended, and returns the record.
// A record larger than what reserve kept is left in the block append made for it
// and the next record starts a new block.
func (a *arena) cut(b []byte) []byte {
	n := len(a.buf)
	if cap(a.buf) > 0 && &b[0] == &a.buf[:1][0] {
		a.buf = b
		return b[n:len(b):len(b)]
	}
	// b outgrew the block and was reallocated: it holds a copy of the block, and
	// the record; keep the record alone.
	rec := b[n:]
	a.buf = a.buf[:0:0]
	return rec[:len(rec):len(rec)]
}

// Len returns the number of records a full pull of a feed returns: live,
// tombstones and invalid.
func (s *Server) Len(feed coverage.Feed) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if ix := s.feeds[feed]; ix != nil {
		return len(ix.entries)
	}
	return 0
}

// cursor is the position of the last record sent: it stays meaningful when
// records are added or removed.
type cursor struct {
	T time.Time `json:"t"`
	K string    `json:"k"`
}

func encodeCursor(e *entry) string {
	b, _ := json.Marshal(cursor{T: time.Unix(0, e.at).UTC(), K: e.key})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, bool) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || json.Unmarshal(b, &c) != nil || c.T.IsZero() {
		return c, false
	}
	return c, true
}

// pageRequest is a parsed query.
type pageRequest struct {
	limit  int
	since  int64 // updated_since in Unix nanoseconds, when hasMin
	hasMin bool
	after  *cursor // the position of the last record sent, or nil
}

// response is what a request gets, before it is written: fault injection
// rewrites it.
type response struct {
	status int
	header http.Header
	body   []byte
}

func errorResponse(status int, msg string) response {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return response{status: status, body: b}
}

// ServeHTTP answers GET /{feed}.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.Faults.Active() {
		s.serveFaulty(w, r)
		return
	}
	s.write(w, r, s.respond(r))
}

// feedOf names the feed a request path asks for.
func feedOf(path string) coverage.Feed { return coverage.Feed(strings.Trim(path, "/")) }

// respond computes the response to a request.
func (s *Server) respond(r *http.Request) response {
	if s.token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.token)) != 1 {
			resp := errorResponse(http.StatusUnauthorized, "missing or wrong bearer token")
			resp.header = http.Header{"Www-Authenticate": {`Bearer realm="feeds"`}}
			return resp
		}
	}
	feed := feedOf(r.URL.Path)
	s.mu.RLock()
	defer s.mu.RUnlock()
	ix := s.feeds[feed]
	if ix == nil {
		return errorResponse(http.StatusNotFound, "no feed "+strconv.Quote(string(feed))+"; the feeds are participants, contributions, claims, roster, workforce")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		resp := errorResponse(http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET")
		resp.header = http.Header{"Allow": {"GET, HEAD"}}
		return resp
	}
	req, msg := parsePageRequest(r)
	if msg != "" {
		return errorResponse(http.StatusBadRequest, msg)
	}
	return response{status: http.StatusOK, body: s.page(ix, req)}
}

func parsePageRequest(r *http.Request) (pageRequest, string) {
	q := r.URL.Query()
	req := pageRequest{limit: DefaultLimit}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return req, "limit must be a positive integer, got " + strconv.Quote(v)
		}
		req.limit = min(n, MaxLimit)
	}
	if v := q.Get("updated_since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil && strings.Contains(v, " ") {
			// A "+" of a time zone offset that was not escaped arrives as a space.
			t, err = time.Parse(time.RFC3339, strings.ReplaceAll(v, " ", "+"))
		}
		if err != nil {
			return req, "updated_since must be an RFC 3339 time, got " + strconv.Quote(v)
		}
		req.since, req.hasMin = t.UnixNano(), true
	}
	if v := q.Get("cursor"); v != "" {
		c, ok := decodeCursor(v)
		if !ok {
			return req, "cursor is not one this server gave"
		}
		req.after = &c
	}
	return req, ""
}

// page writes one page: a binary search for its first record and the encoded
// records concatenated.
func (s *Server) page(ix *index, req pageRequest) []byte {
	es := ix.entries
	lo := 0
	if req.hasMin {
		lo = sort.Search(len(es), func(i int) bool { return es[i].at >= req.since })
	}
	total := len(es) - lo
	start := lo
	if req.after != nil {
		at, key := req.after.T.UnixNano(), req.after.K
		// The first record after the cursor's position.
		if i := sort.Search(len(es), func(i int) bool { return !es[i].before(at, key) && !(es[i].at == at && es[i].key == key) }); i > start {
			start = i
		}
	}
	end := min(start+req.limit, len(es))
	var next string
	if end < len(es) {
		next = strconv.Quote(encodeCursor(&es[end-1]))
	}
	size := 64 + len(next) + len(s.asOf)
	for i := start; i < end; i++ {
		size += len(es[i].json) + 1
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	buf.WriteString(`{"data":[`)
	for i := start; i < end; i++ {
		if i > start {
			buf.WriteByte(',')
		}
		buf.Write(es[i].json)
	}
	buf.WriteString(`],"next_cursor":`)
	if next != "" {
		buf.WriteString(next)
	} else {
		buf.WriteString("null")
	}
	buf.WriteString(`,"as_of":"`)
	buf.WriteString(s.asOf)
	buf.WriteString(`","total":`)
	buf.WriteString(strconv.Itoa(total))
	buf.WriteByte('}')
	return buf.Bytes()
}

func (s *Server) write(w http.ResponseWriter, r *http.Request, resp response) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(resp.body)
	}
}
