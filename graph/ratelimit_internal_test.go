package graph

import (
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

func TestLimiterRefillsAndForgets(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(RateLimit{Rate: 2, Burst: 4}, func() time.Time { return now })
	for i := range 4 {
		if ok, _ := l.take("a"); !ok {
			t.Fatalf("take %d of a burst of 4 refused", i+1)
		}
	}
	ok, wait := l.take("a")
	if ok || wait != time.Second {
		t.Fatalf("fifth take: %t, wait %s; want refused, 1s (Retry-After's least)", ok, wait)
	}
	now = now.Add(500 * time.Millisecond) // one token at 2/s
	if ok, _ := l.take("a"); !ok {
		t.Fatal("a token after 0.5 s at 2/s refused")
	}
	if ok, _ := l.take("a"); ok {
		t.Fatal("a second token after 0.5 s at 2/s granted")
	}
	// Slow rates ask for the whole wait.
	slow := newLimiter(RateLimit{Rate: 0.1, Burst: 1}, func() time.Time { return now })
	slow.take("b")
	if _, wait := slow.take("b"); wait != 10*time.Second {
		t.Errorf("wait at 0.1/s: %s, want 10s", wait)
	}

	// A refilled bucket is forgotten at the next sweep.
	now = now.Add(time.Hour)
	l.take("c")
	if _, ok := l.buckets["a"]; ok {
		t.Error("bucket a, refilled an hour ago, still kept after a sweep")
	}
}

func TestLimiterBoundsItsMemory(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(RateLimit{Rate: 1, Burst: 1}, func() time.Time { return now })
	for i := range maxBuckets {
		if ok, _ := l.take("k" + strconv.Itoa(i)); !ok {
			t.Fatalf("caller %d refused", i)
		}
	}
	if ok, _ := l.take("one more"); ok {
		t.Error("a new caller granted with every bucket active")
	}
	if len(l.buckets) > maxBuckets {
		t.Errorf("%d buckets, more than %d", len(l.buckets), maxBuckets)
	}
	now = now.Add(2 * time.Second) // every bucket has refilled
	if ok, _ := l.take("one more"); !ok {
		t.Error("a new caller refused after the others refilled")
	}
	if len(l.buckets) != 1 {
		t.Errorf("%d buckets after the sweep, want 1", len(l.buckets))
	}
}

func TestClientAddr(t *testing.T) {
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 2001:db8::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ remote, xff, want string }{
		{"192.0.2.1:1234", "", "192.0.2.1"},
		{"192.0.2.1:1234", "203.0.113.9", "192.0.2.1"}, // not a proxy
		{"10.2.3.4:80", "203.0.113.9", "203.0.113.9"},
		{"10.2.3.4:80", "203.0.113.9, 10.9.9.9", "203.0.113.9"},
		{"10.2.3.4:80", "", "10.2.3.4"},
		{"10.2.3.4:80", "garbage, 203.0.113.9", "203.0.113.9"},
		{"10.2.3.4:80", "203.0.113.9, garbage", "10.2.3.4"},
		{"[2001:db8::1]:443", "2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::/64"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.5]:1", "", "192.0.2.5"},
		{"@", "", "@"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := clientAddr(r, proxies); got != c.want {
			t.Errorf("clientAddr(%s, XFF %q) = %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	if _, err := ParseTrustedProxies("10.0.0.0/8, proxy.local"); err == nil {
		t.Error("a host name taken as a trusted proxy")
	}
	if p, _ := ParseTrustedProxies("10.1.2.3/8"); len(p) != 1 || p[0] != netip.MustParsePrefix("10.0.0.0/8") {
		t.Errorf("10.1.2.3/8 read as %v", p)
	}
}
