package graph

import (
	"bytes"
	"compress/gzip"
	"context"
	"hash/maphash"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/internal/gzipaccept"
)

// The response cache replays the answers of repeated analytics questions
// without running them again: the bytes a question was answered with are
// kept, and written again to the next caller who asks the same question in
// the same scope while the data it was built from is unchanged. It sits
// after authentication and the caller's rate limit (a replayed answer still
// needs a valid caller and still counts against its rate), in front of
// everything else: the deadline, the audit, gqlgen's parsing and execution.
//
// What is kept: queries (never mutations or subscriptions) whose root
// fields are all in cacheableFields, the aggregates every role may see and
// the city's reference data, none of which reaches personal data; answered
// 200 without any error, in one JSON body.
//
// The key is the caller's scope (its role and its area, all that the access
// policy, the scoped stores and the masking depend on) and the request
// exactly as sent: method, Content-Type, Accept, URL query (GET) and body
// (POST: the query's text, operationName, variables and extensions, hence
// the APQ hash). Two callers whose role and area are the same see the same
// answers; any other difference is another key.
//
// The generations: each kept answer notes what it was built from and the
// generation of each at the time (taken before it ran, so that a change
// during the run makes it stale rather than wrongly current):
//   - depSnapshot, the analytics snapshot (rollup version, workforce,
//     declared figures; Generations in package analytics), for coverage,
//     universalCoverage, apbdProgram and declaredTotals;
//   - depFindings, the stored discrepancies, for discrepancyCounts: this
//     process's passes and discrepancy mutations change it, another
//     process's passes when a refresh sees their runs; changes made by
//     another process outside a pass (a resolution there) are not seen, so
//     such answers are also kept at most CountsTTL.
//
// An answer stale on any of them is a miss, and is replaced. Concurrent
// misses of one key run once; the others wait and replay its answer (when
// their generations are the same). The cache is bounded in bytes,
// least recently used out first.
//
// Compression: an answer of gzipMin bytes or more is also kept gzipped,
// compressed once when it is kept, and replayed so to callers whose
// Accept-Encoding takes gzip (every browser's does): the dashboard's larger
// answers shrink about tenfold on the wire, and no request pays for
// compressing them. Replayed answers carry Content-Length and
// Vary: Accept-Encoding. The first answer of a question, and everything not
// kept, go out as gqlgen writes them.

// Defaults of ResponseCache.
const (
	DefaultResponseCacheBytes = 64 << 20
	DefaultCountsTTL          = 5 * time.Second
	maxCachedRequest          = 16 << 10 // longer request bodies are not cached
	entryOverhead             = 256      // bytes an entry takes beside its key and body
	gzipMin                   = 1 << 10  // shorter answers are not kept gzipped
)

// ResponseCache configures the response cache of /query.
type ResponseCache struct {
	// MaxBytes bounds the keys and answers held (0:
	// DefaultResponseCacheBytes; negative: no cache). One answer is at most
	// an eighth of it.
	MaxBytes int64
	// CountsTTL bounds how long discrepancy counts are replayed (0:
	// DefaultCountsTTL): the staleness of counts changed by another replica
	// outside a reconciliation pass.
	CountsTTL time.Duration
}

// Generations is implemented by an Analytics whose answers may be replayed
// (analytics.Service): the generation of the snapshot its figures come from
// and of the discrepancies. Without it, only reference fields are cached.
type Generations interface {
	Generations() (snapshot, findings uint64)
	// FindingsChanged notes a change of the discrepancies made outside a
	// reconciliation pass (an acknowledgement, a resolution).
	FindingsChanged()
}

// dep is what an answer was built from.
type dep uint8

const (
	depSnapshot dep = 1 << iota
	depFindings
	depUnknown // a field the cache does not know: not cacheable
)

// cacheableFields are the root fields of Query whose answers may be
// replayed, with what they depend on. They give figures and reference data:
// none reaches a record type or a personal field (TestCacheableFieldsAreNotPersonal).
var cacheableFields = map[string]dep{
	"coverage":          depSnapshot,
	"universalCoverage": depSnapshot,
	"apbdProgram":       depSnapshot,
	"declaredTotals":    depSnapshot,
	"claimExperience":   depSnapshot,
	"discrepancyCounts": depFindings,
	"city":              0,
	"areas":             0,
	"area":              0,
	"__typename":        0,
}

// gens is a set of generations.
type gens struct{ snapshot, findings uint64 }

type respCache struct {
	max, maxEntry int64
	ttl           time.Duration
	seed          maphash.Seed
	source        Generations // nil: no figures cached
	local         atomic.Uint64
	now           func() time.Time

	mu      sync.Mutex
	size    int64
	entries map[uint64]*cacheEntry
	head    cacheEntry // sentinel of the LRU ring: head.next most recent
	flights map[uint64]*flight

	hits, misses, fills atomic.Int64
}

type cacheEntry struct {
	hash       uint64
	key        string
	body       []byte
	gz         []byte // body gzipped; nil when short or incompressible
	bodyLen    []string
	gzLen      []string // Content-Length values, written once
	ctype      []string
	pass       bool // a request that is never kept: served without the cache
	deps       dep
	gens       gens
	filled     time.Time
	op         OperationObserver // the series its replays are observed in; nil: none
	prev, next *cacheEntry
}

// flight is a miss being answered: others asking the same key wait for it.
type flight struct {
	key   string
	done  chan struct{}
	entry *cacheEntry // nil when the answer could not be kept
}

// newRespCache returns nil when the cache is off.
func newRespCache(cfg ResponseCache, a Analytics) *respCache {
	if cfg.MaxBytes < 0 {
		return nil
	}
	c := &respCache{max: cfg.MaxBytes, ttl: cfg.CountsTTL, seed: maphash.MakeSeed(), now: time.Now,
		entries: map[uint64]*cacheEntry{}, flights: map[uint64]*flight{}}
	if c.max == 0 {
		c.max = DefaultResponseCacheBytes
	}
	if c.ttl <= 0 {
		c.ttl = DefaultCountsTTL
	}
	c.maxEntry = c.max / 8
	c.head.prev, c.head.next = &c.head, &c.head
	c.source, _ = a.(Generations)
	return c
}

// current returns the generations now.
func (c *respCache) current() gens {
	var g gens
	if c.source != nil {
		g.snapshot, g.findings = c.source.Generations()
	}
	g.findings += c.local.Load() // both only grow: the sum changes when either does
	return g
}

// findingsChanged notes a discrepancy mutation of this process.
func (c *respCache) findingsChanged() {
	if c == nil {
		return
	}
	if c.source != nil {
		c.source.FindingsChanged()
		return
	}
	c.local.Add(1)
}

// fresh reports whether e may be replayed given the generations now.
func (c *respCache) fresh(e *cacheEntry, g gens) bool {
	if e.deps&depSnapshot != 0 && e.gens.snapshot != g.snapshot {
		return false
	}
	if e.deps&depFindings != 0 && (e.gens.findings != g.findings || c.now().Sub(e.filled) >= c.ttl) {
		return false
	}
	return true
}

// keyBuf holds a request's key while it is served.
type keyBuf struct {
	key  []byte
	body bytes.Buffer
}

var keyBufs = sync.Pool{New: func() any { return new(keyBuf) }}

// candidate reports whether a request may be a cacheable one: a GET, or a
// POST of JSON, not asking for a stream.
func candidate(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			return false
		}
	default:
		return false
	}
	return !strings.Contains(r.Header.Get("Accept"), "text/event-stream") && r.Header.Get("Upgrade") == ""
}

// middleware serves kept answers and keeps new ones.
func (c *respCache) middleware(next http.Handler) http.Handler {
	if c == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := PrincipalFrom(r.Context())
		if !ok || !candidate(r) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		kb := keyBufs.Get().(*keyBuf)
		defer func() {
			if kb.body.Cap() <= 4*maxCachedRequest { // a large body's buffer is not kept
				keyBufs.Put(kb)
			}
		}()
		kb.body.Reset()
		if r.Body != nil && r.Body != http.NoBody {
			// The body is bounded already (guardBody, body.go): read whole.
			_, err := kb.body.ReadFrom(r.Body)
			if err != nil || kb.body.Len() > maxCachedRequest {
				c.pass(w, r, next, kb)
				return
			}
		}
		k := append(kb.key[:0], p.Role...)
		k = append(k, 0)
		k = append(k, p.Area...)
		k = append(k, 0)
		k = append(k, r.Method...)
		k = append(k, 0)
		k = append(k, r.Header.Get("Content-Type")...)
		k = append(k, 0)
		k = append(k, r.Header.Get("Accept")...)
		k = append(k, 0)
		k = append(k, r.URL.RawQuery...)
		k = append(k, 0)
		k = append(k, kb.body.Bytes()...)
		kb.key = k
		h := maphash.Bytes(c.seed, k)
		g := c.current()

		c.mu.Lock()
		if e := c.entries[h]; e != nil && e.key == string(k) && c.fresh(e, g) {
			c.touch(e)
			c.mu.Unlock()
			if e.pass {
				c.pass(w, r, next, kb)
				return
			}
			c.hits.Add(1)
			replay(w, r, e, start)
			return
		}
		f := c.flights[h]
		if f == nil {
			f = &flight{key: string(k), done: make(chan struct{})}
			c.flights[h] = f
			c.mu.Unlock()
			c.misses.Add(1)
			r.Body = rebody(kb)
			c.fill(w, r, next, h, f, g)
			return
		}
		c.mu.Unlock()
		c.misses.Add(1)
		if f.key == string(k) {
			select {
			case <-f.done:
				if e := f.entry; e != nil && !e.pass && e.gens == g {
					replay(w, r, e, start)
					return
				}
			case <-r.Context().Done():
			}
		}
		c.pass(w, r, next, kb)
	})
}

// pass serves a request the cache does not answer, with its body as read.
func (c *respCache) pass(w http.ResponseWriter, r *http.Request, next http.Handler, kb *keyBuf) {
	r.Body = rebody(kb)
	next.ServeHTTP(w, r)
}

// rebody is a request's body again, as read into kb (a copy: kb goes back
// to its pool when the request ends).
func rebody(kb *keyBuf) io.ReadCloser {
	if kb.body.Len() == 0 {
		return http.NoBody
	}
	return io.NopCloser(bytes.NewReader(bytes.Clone(kb.body.Bytes())))
}

// fill answers a miss and keeps the answer when it may be kept.
func (c *respCache) fill(w http.ResponseWriter, r *http.Request, next http.Handler, h uint64, f *flight, g gens) {
	st := &cacheState{}
	rec := &recorder{ResponseWriter: w, max: c.maxEntry}
	defer func() {
		var e *cacheEntry
		switch {
		case st.cacheable() && !rec.over && rec.status == http.StatusOK && rec.buf.Len() > 0:
			e = &cacheEntry{hash: h, key: f.key, body: bytes.Clone(rec.buf.Bytes()), ctype: slices.Clone(w.Header().Values("Content-Type")),
				deps: st.deps, gens: g, filled: c.now(), op: st.op}
			e.compress()
			c.add(e)
		case st.ineligible():
			// The same request will never be kept (a mutation, a record):
			// noted, so that it goes through without waiting for its twins.
			c.add(&cacheEntry{hash: h, key: f.key, pass: true})
		}
		c.mu.Lock()
		f.entry = e
		delete(c.flights, h)
		c.mu.Unlock()
		close(f.done)
	}()
	next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), cacheStateKey{}, st)))
}

// touch makes e the most recent; under c.mu.
func (c *respCache) touch(e *cacheEntry) {
	if c.head.next == e {
		return
	}
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = &c.head, c.head.next
	c.head.next.prev = e
	c.head.next = e
}

func (e *cacheEntry) bytes() int64 {
	return int64(len(e.key) + len(e.body) + len(e.gz) + entryOverhead)
}

// compress keeps the body gzipped too when it is long enough and shrinks,
// and the Content-Length of each.
func (e *cacheEntry) compress() {
	e.bodyLen = []string{strconv.Itoa(len(e.body))}
	if len(e.body) < gzipMin {
		return
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.DefaultCompression) // once per answer kept, while its twins wait: not the slowest level
	_, _ = zw.Write(e.body)
	if zw.Close() != nil || b.Len() >= len(e.body) {
		return
	}
	e.gz = bytes.Clone(b.Bytes())
	e.gzLen = []string{strconv.Itoa(len(e.gz))}
}

// add keeps e, in place of any entry of its hash, and drops the least
// recently used entries past the bound.
func (c *respCache) add(e *cacheEntry) {
	if e.bytes() > c.maxEntry {
		return
	}
	c.fills.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[e.hash]; old != nil {
		c.remove(old)
	}
	c.entries[e.hash] = e
	e.prev, e.next = &c.head, c.head.next
	c.head.next.prev = e
	c.head.next = e
	c.size += e.bytes()
	for c.size > c.max && c.head.prev != &c.head {
		c.remove(c.head.prev)
	}
}

// remove drops e; under c.mu.
func (c *respCache) remove(e *cacheEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
	delete(c.entries, e.hash)
	c.size -= e.bytes()
}

// replay writes a kept answer, gzipped when the caller takes it, and counts
// it as its operation's (served from the cache) when it has one.
func replay(w http.ResponseWriter, r *http.Request, e *cacheEntry, start time.Time) {
	h := w.Header()
	if e.ctype != nil {
		h["Content-Type"] = e.ctype
	}
	h.Add("Vary", "Accept-Encoding")
	if e.gz != nil && gzipaccept.Accepts(r.Header.Values("Accept-Encoding")) {
		h["Content-Encoding"] = gzipEncoding
		h["Content-Length"] = e.gzLen
		_, _ = w.Write(e.gz)
	} else {
		if e.bodyLen != nil {
			h["Content-Length"] = e.bodyLen
		}
		_, _ = w.Write(e.body)
	}
	if e.op != nil {
		e.op.Observe(time.Since(start), true)
	}
}

var gzipEncoding = []string{"gzip"}

// recorder passes a response through and keeps a copy of it, up to max bytes.
type recorder struct {
	http.ResponseWriter
	status int
	max    int64
	buf    bytes.Buffer
	over   bool
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.over {
		if int64(w.buf.Len()+len(b)) > w.max {
			w.over, w.buf = true, bytes.Buffer{}
		} else {
			w.buf.Write(b)
		}
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes on: a flushed response is a stream, not kept.
func (w *recorder) Flush() {
	w.over = true
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// cacheState is what the execution of a request tells the cache about it.
type cacheState struct {
	mu       sync.Mutex
	ops      int
	deps     dep
	failed   bool
	answered bool // its response came back, without errors
	eligible bool
	op       OperationObserver // its operation's series (observer.responses)
}

type cacheStateKey struct{}

func cacheStateOf(ctx context.Context) *cacheState {
	st, _ := ctx.Value(cacheStateKey{}).(*cacheState)
	return st
}

// cacheable reports whether the request ran one query of cacheable root
// fields only, answered without errors.
func (st *cacheState) cacheable() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.ops == 1 && st.eligible && st.answered && !st.failed && st.deps&depUnknown == 0
}

// ineligible reports whether the request ran one operation that can never
// be kept, whatever its answer: its kind and root fields say so (an error
// may not come again, and does not count).
func (st *cacheState) ineligible() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.ops == 1 && !st.eligible
}

// operations notes what each operation of a request to be cached asks.
func (c *respCache) operations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if st := cacheStateOf(ctx); st != nil {
		oc := graphql.GetOperationContext(ctx)
		eligible, deps := false, dep(0)
		if oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Query {
			eligible = true
			for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Query"}) {
				d, ok := cacheableFields[f.Name]
				if !ok || (d != 0 && c.source == nil) {
					eligible = false
					break
				}
				deps |= d
			}
		}
		st.mu.Lock()
		st.ops++
		st.eligible, st.deps = eligible, deps
		st.mu.Unlock()
	}
	return next(ctx)
}

// responses notes an answer with errors.
func (c *respCache) responses(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if st := cacheStateOf(ctx); st != nil {
		st.mu.Lock()
		if resp == nil || len(resp.Errors) > 0 || st.answered {
			st.failed = true // an error, or a second response: not one answer
		}
		st.answered = true
		st.mu.Unlock()
	}
	return resp
}

// cacheStats is what the cache did (tests, benchmarks).
type cacheStats struct{ Hits, Misses, Fills, Entries, Bytes int64 }

func (c *respCache) stats() cacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return cacheStats{c.hits.Load(), c.misses.Load(), c.fills.Load(), int64(len(c.entries)), c.size}
}

// notifyingReconcileLog is a ReconcileLog that tells the cache of its
// discrepancy mutations.
type notifyingReconcileLog struct {
	ReconcileLog
	cache *respCache
}

func (l notifyingReconcileLog) AcknowledgeDiscrepancy(ctx context.Context, id, by string, at time.Time) (*coverage.Discrepancy, error) {
	defer l.cache.findingsChanged()
	return l.ReconcileLog.AcknowledgeDiscrepancy(ctx, id, by, at)
}

func (l notifyingReconcileLog) ResolveDiscrepancy(ctx context.Context, id, by, note string, at time.Time) (*coverage.Discrepancy, error) {
	defer l.cache.findingsChanged()
	return l.ReconcileLog.ResolveDiscrepancy(ctx, id, by, note, at)
}
