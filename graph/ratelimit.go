package graph

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cilegon/jamsostek/internal/httpstatus"
)

// Rate limits of /query: a token bucket per caller. A caller is the API key's
// id or the token's subject (Principal.KeyID) once authenticated, else the
// client's address (an IPv6 client by its /64). A request takes a token; a
// caller without one gets 429 with Retry-After and the code RATE_LIMITED, and
// nothing of the request runs. Authentications take a token of the client's
// address before the credentials are checked, given back when they succeed,
// so guessing keys or flooding the identity provider's verification is
// limited as well, concurrent requests included.

// RateLimit is a token bucket: Rate requests a second on average, up to Burst
// at once. The zero RateLimit is no limit.
type RateLimit struct {
	Rate  float64 // tokens added a second; 0: no limit
	Burst int     // bucket size; at least 1 with a Rate
}

// Off reports whether the limit lets everything through.
func (l RateLimit) Off() bool { return l.Rate <= 0 }

// String writes the limit as ParseRateLimit reads it.
func (l RateLimit) String() string {
	if l.Off() {
		return "off"
	}
	return strconv.FormatFloat(l.Rate, 'g', -1, 64) + "/s burst " + strconv.Itoa(l.Burst)
}

// ParseRateLimit reads a limit: "20/s burst 40", "600/m", "1000/h burst
// 100", "5/100ms"; the burst defaults to the rate per second (at least 1).
// "off", "none" or "0" is no limit.
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	switch s {
	case "", "off", "none", "0":
		return RateLimit{}, nil
	}
	bad := func(why string) (RateLimit, error) {
		return RateLimit{}, fmt.Errorf("rate limit %q: %s (want e.g. \"20/s burst 40\", \"600/m\" or \"off\")", s, why)
	}
	spec, burst, hasBurst := strings.Cut(s, "burst")
	n, per, ok := strings.Cut(strings.TrimSpace(spec), "/")
	if !ok {
		return bad("no /unit")
	}
	count, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
	if err != nil || math.IsNaN(count) || math.IsInf(count, 0) || count <= 0 || count > 1e9 {
		return bad("the count must be a positive number")
	}
	var unit time.Duration
	switch per = strings.TrimSpace(per); per {
	case "s", "sec", "second":
		unit = time.Second
	case "m", "min", "minute":
		unit = time.Minute
	case "h", "hour":
		unit = time.Hour
	default:
		if unit, err = time.ParseDuration(per); err != nil || unit <= 0 {
			return bad("the unit must be s, m, h or a duration")
		}
	}
	l := RateLimit{Rate: count / unit.Seconds()}
	if l.Rate > 1e9 || l.Rate < 1e-6 {
		return bad("the rate is out of range")
	}
	if hasBurst {
		b, err := strconv.Atoi(strings.TrimSpace(burst))
		if err != nil || b < 1 || b > 1_000_000 {
			return bad("the burst must be a whole number from 1 to 1,000,000")
		}
		l.Burst = b
	} else {
		l.Burst = max(1, int(math.Ceil(l.Rate)))
	}
	return l, nil
}

// Bounds of the limiter's memory: at most maxBuckets callers are tracked; a
// bucket that has refilled is forgotten (a new one would be the same), at
// most once every sweepEvery. When every tracked caller is active, a new
// caller is refused until some bucket refills.
const (
	maxBuckets = 100_000
	sweepEvery = time.Minute
)

// limiter holds the buckets of one limit.
type limiter struct {
	limit RateLimit
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

func newLimiter(l RateLimit, now func() time.Time) *limiter {
	if now == nil {
		now = time.Now
	}
	return &limiter{limit: l, now: now, buckets: map[string]*bucket{}}
}

// level brings b's tokens up to now.
func (l *limiter) level(b *bucket, now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(l.limit.Burst), b.tokens+d.Seconds()*l.limit.Rate)
		b.at = now
	}
}

// wait is how long until b holds a whole token (at least a second, as
// Retry-After counts whole seconds).
func (l *limiter) wait(b *bucket) time.Duration {
	need := (1 - b.tokens) / l.limit.Rate
	return max(time.Second, time.Duration(math.Ceil(need))*time.Second)
}

// get returns key's bucket, creating it full; nil when no more callers can
// be tracked.
func (l *limiter) get(key string, now time.Time) *bucket {
	if b, ok := l.buckets[key]; ok {
		l.level(b, now)
		return b
	}
	if len(l.buckets) >= maxBuckets || now.Sub(l.lastSweep) >= sweepEvery {
		l.sweep(now)
	}
	if len(l.buckets) >= maxBuckets {
		return nil
	}
	b := &bucket{tokens: float64(l.limit.Burst), at: now}
	l.buckets[key] = b
	return b
}

// sweep forgets the buckets that have refilled. When the table is full it
// runs at most once a second, so that a flood of new callers costs no more
// than one pass a second.
func (l *limiter) sweep(now time.Time) {
	if len(l.buckets) >= maxBuckets && now.Sub(l.lastSweep) < time.Second {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if l.level(b, now); b.tokens >= float64(l.limit.Burst) {
			delete(l.buckets, k)
		}
	}
}

// take takes a token of key's bucket; without one it returns false and how
// long until the next.
func (l *limiter) take(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, l.now())
	if b == nil {
		return false, time.Second
	}
	if b.tokens < 1 {
		return false, l.wait(b)
	}
	b.tokens--
	return true, 0
}

// refund gives back a token take took of key's bucket.
func (l *limiter) refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		l.level(b, l.now())
		b.tokens = min(float64(l.limit.Burst), b.tokens+1)
	}
}

// rateLimiter is the limit of /query: callers' buckets, and client
// addresses' buckets of failed authentications.
type rateLimiter struct {
	callers, failures *limiter
	proxies           []netip.Prefix
}

func newRateLimiter(l RateLimit, proxies []netip.Prefix, now func() time.Time) *rateLimiter {
	if l.Off() {
		return nil
	}
	l.Burst = max(l.Burst, 1)
	return &rateLimiter{callers: newLimiter(l, now), failures: newLimiter(l, now), proxies: proxies}
}

// callerKey is the bucket of an authenticated request: its key id, else its
// client's address.
func (rl *rateLimiter) callerKey(r *http.Request) string {
	if p, ok := PrincipalFrom(r.Context()); ok && p.KeyID != "" {
		return "key:" + p.KeyID
	}
	return "ip:" + clientAddr(r, rl.proxies)
}

// perCaller limits authenticated requests (after authenticate). nil: no limit.
func (rl *rateLimiter) perCaller(next http.Handler) http.Handler {
	if rl == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := rl.callers.take(rl.callerKey(r)); !ok {
			tooMany(w, wait, "too many requests for this caller")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authFailures limits failed authentications by client address (before
// authenticate): a client whose failures have used its bucket is refused
// before its credentials are checked, until the bucket refills. Each
// authentication takes a token before it starts, given back as soon as it
// succeeds (authSucceeded, called by authenticate) or ends in anything but
// 401: so concurrent requests with bad credentials cannot all pass before
// the first of them fails.
func (rl *rateLimiter) authFailures(next http.Handler) http.Handler {
	if rl == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := "ip:" + clientAddr(r, rl.proxies)
		if ok, wait := rl.failures.take(key); !ok {
			tooMany(w, wait, "too many failed authentications from this address")
			return
		}
		refund := &authRefund{refund: func() { rl.failures.refund(key) }}
		sw := &httpstatus.Writer{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), authRefundKey{}, refund)))
		if sw.Status != http.StatusUnauthorized {
			refund.do()
		}
	})
}

// authRefund gives back, once, the token an authentication took.
type authRefund struct {
	once   sync.Once
	refund func()
}

func (a *authRefund) do() { a.once.Do(a.refund) }

type authRefundKey struct{}

// authSucceeded gives back the token of failed authentications the request
// took (authFailures), once its caller is known.
func authSucceeded(ctx context.Context) {
	if a, ok := ctx.Value(authRefundKey{}).(*authRefund); ok {
		a.do()
	}
}

// tooMany answers 429 with Retry-After and a GraphQL error.
func tooMany(w http.ResponseWriter, wait time.Duration, why string) {
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.WriteHeader(http.StatusTooManyRequests)
	msg := fmt.Sprintf("rate limit exceeded: %s; retry after %d s", why, secs)
	_, _ = w.Write([]byte(`{"errors":[{"message":` + quoteJSON(msg) + `,"extensions":{"code":"RATE_LIMITED","retryAfter":` + strconv.Itoa(secs) + `}}]}`))
}

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR
// prefixes ("10.0.0.0/8, 192.168.1.10").
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR prefix", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// clientAddr is the address a request comes from: the connection's peer,
// or, when the peer is a trusted proxy, the last address of X-Forwarded-For
// that is not one (each proxy appends the address it got the request from,
// so the addresses before the last untrusted one may be forged). An IPv6
// address counts by its /64, which one client usually holds whole.
func clientAddr(r *http.Request, proxies []netip.Prefix) string {
	a := peerAddr(r.RemoteAddr)
	if len(proxies) > 0 && a.IsValid() && trusted(a, proxies) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			a = h.Unmap()
			if !trusted(a, proxies) {
				break
			}
		}
	}
	if !a.IsValid() {
		return r.RemoteAddr
	}
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func trusted(a netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
