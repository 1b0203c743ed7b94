package feedsim

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Faults makes the server misbehave the way docs/feeds.md says a client must
// survive. Each rate is the share of requests that get the fault (0 to 1). The
// zero value is a well-behaved server.
//
// Faults are deterministic by Seed: the n-th request for the same URL always
// meets the same fault, whatever the order of requests, so a failing run can be
// replayed. Because the fate of the next attempt is drawn anew, a client that
// retries gets through as long as every rate is below 1.
type Faults struct {
	Seed         int64
	ErrorRate    float64       // 500, 502, 503 or 504 with a JSON error body
	RateLimit    float64       // 429 with Retry-After: RetryAfter in seconds, or as an HTTP date every other time
	RetryAfter   time.Duration // the delay Retry-After asks for; default 1 s
	Latency      time.Duration // added before every response
	ResetRate    float64       // the connection is closed without a response
	TruncateRate float64       // a 200 page cut off in the middle of its JSON
	RepeatPage   float64       // the page before this one is served again, with its own next_cursor
	RepeatRecord float64       // the page starts with the last record of the page before
	UpdateRate   float64       // before a 200 page with a cursor, one live record of the feed is updated (update.go)
}

// Active reports whether any fault is asked for (Seed and RetryAfter alone are
// not faults).
func (f Faults) Active() bool {
	return f.ErrorRate > 0 || f.RateLimit > 0 || f.Latency > 0 || f.ResetRate > 0 ||
		f.TruncateRate > 0 || f.RepeatPage > 0 || f.RepeatRecord > 0 || f.UpdateRate > 0
}

// faultState counts attempts per URL and remembers which request led to each
// cursor, to serve a page again.
type faultState struct {
	mu       sync.Mutex
	attempts map[string]uint64
	prev     map[string]string // next_cursor given -> the raw query that gave it
	served   map[string]int    // faults served, by kind
}

// FaultsServed returns how many faults of each kind the server has served:
// reset, error, rate_limit, truncate, repeat_page, repeat_record, update.
func (s *Server) FaultsServed() map[string]int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	out := make(map[string]int, len(s.faults.served))
	for k, v := range s.faults.served {
		out[k] = v
	}
	return out
}

func (s *Server) count(kind string) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.served == nil {
		s.faults.served = map[string]int{}
	}
	s.faults.served[kind]++
}

// faultDraw is the fault decision for the n-th request of a URL.
type faultDraw struct{ rng *rand.Rand }

func (s *Server) draw(r *http.Request) faultDraw {
	key := r.URL.Path + "?" + r.URL.RawQuery
	s.faults.mu.Lock()
	if s.faults.attempts == nil {
		s.faults.attempts = map[string]uint64{}
	}
	n := s.faults.attempts[key]
	s.faults.attempts[key] = n + 1
	s.faults.mu.Unlock()
	h := fnv.New64a()
	_ = binary.Write(h, binary.LittleEndian, s.Faults.Seed)
	h.Write([]byte(key))
	return faultDraw{rand.New(rand.NewPCG(h.Sum64(), n))}
}

func (f faultDraw) hit(rate float64) bool { return rate > 0 && f.rng.Float64() < rate }

// serveFaulty answers a request with the faults drawn for it.
func (s *Server) serveFaulty(w http.ResponseWriter, r *http.Request) {
	f := s.draw(r)
	if s.Faults.Latency > 0 {
		select {
		case <-time.After(s.Faults.Latency):
		case <-r.Context().Done():
			return
		}
	}
	// Draw every fault in a fixed order, so each fate uses the same numbers.
	reset, fail, limited := f.hit(s.Faults.ResetRate), f.hit(s.Faults.ErrorRate), f.hit(s.Faults.RateLimit)
	truncate, repeatPage, repeatRecord := f.hit(s.Faults.TruncateRate), f.hit(s.Faults.RepeatPage), f.hit(s.Faults.RepeatRecord)
	code := []int{500, 502, 503, 504}[f.rng.IntN(4)]
	dateForm := f.rng.IntN(2) == 0
	update := f.hit(s.Faults.UpdateRate)
	switch {
	case reset:
		s.count("reset")
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without a response
	case fail:
		s.count("error")
		s.write(w, r, errorResponse(code, "simulated server error"))
		return
	case limited:
		s.count("rate_limit")
		wait := s.Faults.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		resp := errorResponse(http.StatusTooManyRequests, "simulated rate limit")
		v := strconv.Itoa(int((wait + time.Second - 1) / time.Second))
		if dateForm {
			v = time.Now().Add(wait + time.Second).UTC().Format(http.TimeFormat)
		}
		resp.header = http.Header{"Retry-After": {v}}
		s.write(w, r, resp)
		return
	}
	req := r
	if repeatPage {
		if q, ok := s.previousQuery(r.URL.Query().Get("cursor")); ok {
			s.count("repeat_page")
			req = r.Clone(r.Context())
			req.URL.RawQuery = q
		}
	}
	if repeatRecord {
		if back := s.stepBack(req); back != req {
			s.count("repeat_record")
			req = back
		}
	}
	resp := s.respond(req)
	if resp.status == http.StatusOK && update && req.URL.Query().Get("cursor") != "" {
		if s.update(feedOf(req.URL.Path), f) {
			s.count("update")
			resp = s.respond(req) // the page as it is after the update
		}
	}
	if resp.status == http.StatusOK {
		s.remember(req.URL.RawQuery, resp.body)
		if truncate {
			s.count("truncate")
			resp.body = resp.body[:len(resp.body)/2]
		}
	}
	s.write(w, r, resp)
}

// remember records which query gave the page's next_cursor.
func (s *Server) remember(rawQuery string, body []byte) {
	i := bytes.LastIndex(body, []byte(`"next_cursor":"`))
	if i < 0 {
		return
	}
	rest := body[i+len(`"next_cursor":"`):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.prev == nil {
		s.faults.prev = map[string]string{}
	}
	s.faults.prev[string(rest[:j])] = rawQuery
}

func (s *Server) previousQuery(cursor string) (string, bool) {
	if cursor == "" {
		return "", false
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	q, ok := s.faults.prev[cursor]
	return q, ok
}

// stepBack moves a request's cursor one record back, so the page repeats the
// last record of the page before.
func (s *Server) stepBack(r *http.Request) *http.Request {
	q := r.URL.Query()
	c, ok := decodeCursor(q.Get("cursor"))
	if !ok {
		return r
	}
	s.mu.RLock()
	ix := s.feeds[feedOf(r.URL.Path)]
	s.mu.RUnlock()
	if ix == nil {
		return r
	}
	es := ix.entries
	at := c.T.UnixNano()
	// The record at the cursor's position; the page will start with it.
	i := sort.Search(len(es), func(i int) bool { return !es[i].before(at, c.K) })
	if i <= 0 || i >= len(es) {
		return r
	}
	q.Set("cursor", encodeCursor(&es[i-1]))
	out := r.Clone(r.Context())
	out.URL.RawQuery = q.Encode()
	return out
}
