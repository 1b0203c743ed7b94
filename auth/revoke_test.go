package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// replicas returns the stores of two API replicas on one database: two
// Store instances (two connections) on MongoDB (MONGODB_URI); on the
// embedded engine, whose data directory one process owns, the same Store
// twice, so the replicas share the database but not the authenticator.
func replicas(t *testing.T) (*store.Store, *store.Store) {
	t.Helper()
	uri := os.Getenv("MONGODB_URI")
	if uri == "" {
		s := storetest.Open(t)
		return s, s
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	db := "jamsostek_test_" + hex.EncodeToString(b)
	open := func() *store.Store {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s, err := store.Open(ctx, store.Config{URI: uri, Database: db, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_ = s.DropDatabase(ctx)
			_ = s.Close(ctx)
		})
		return s
	}
	return open(), open()
}

// TestRevocationReachesEveryReplica: a key revoked through one replica's
// store stops working on every replica once their cached copy is older than
// the TTL, and not later; before, the cache spares the database.
func TestRevocationReachesEveryReplica(t *testing.T) {
	ctx := context.Background()
	s1, s2 := replicas(t)
	const ttl = 5 * time.Second
	clk := &clock{t: time.Now()}
	newAuth := func(s *store.Store) *Authenticator {
		a, err := New(ctx, Config{Keys: s, KeyCacheTTL: ttl, Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a1, a2 := newAuth(s1), newAuth(s2)
	key := keyFixture(t, s1, KeyRequest{Name: "dashboard", Role: coverage.RoleViewer, CreatedBy: "test"})
	id, _, _ := ParseAPIKey(key)
	for i, a := range []*Authenticator{a1, a2} {
		if _, err := a.Credentials(ctx, key); err != nil {
			t.Fatalf("replica %d before revocation: %v", i+1, err)
		}
	}
	clk.Add(time.Second)
	if _, err := s2.RevokeAPIKey(ctx, id, clk.Now()); err != nil { // `keys revoke` anywhere
		t.Fatal(err)
	}
	clk.Add(ttl - time.Second - time.Millisecond) // just under the TTL since the reads
	for i, a := range []*Authenticator{a1, a2} {
		if _, err := a.Credentials(ctx, key); err != nil {
			t.Errorf("replica %d within the TTL: %v (the cached copy should still serve)", i+1, err)
		}
	}
	clk.Add(time.Millisecond) // the TTL since the reads: both read again
	for i, a := range []*Authenticator{a1, a2} {
		if _, err := a.Credentials(ctx, key); err == nil || !strings.Contains(err.Error(), "was revoked") {
			t.Errorf("replica %d after the TTL: got %v, want revoked", i+1, err)
		}
	}
}

// TestRevocationRealTime: the same with the real clock and a short TTL, many
// requests in flight: no request is accepted later than the TTL (plus a
// database read) after the revocation.
func TestRevocationRealTime(t *testing.T) {
	ctx := context.Background()
	s1, s2 := replicas(t)
	const ttl = 300 * time.Millisecond
	var auths []*Authenticator
	for _, s := range []*store.Store{s1, s2, s1, s2} {
		a, err := New(ctx, Config{Keys: s, KeyCacheTTL: ttl, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		auths = append(auths, a)
	}
	key := keyFixture(t, s1, KeyRequest{Name: "script", Role: coverage.RoleAnalyst, CreatedBy: "test"})
	id, _, _ := ParseAPIKey(key)
	stop := make(chan struct{})
	var mu sync.Mutex
	var lastOK time.Time
	var wg sync.WaitGroup
	for _, a := range auths {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := a.Credentials(ctx, key); err == nil {
						mu.Lock()
						lastOK = time.Now()
						mu.Unlock()
					}
					time.Sleep(5 * time.Millisecond)
				}
			}()
		}
	}
	time.Sleep(200 * time.Millisecond)
	revokedAt := time.Now()
	if _, err := s2.RevokeAPIKey(ctx, id, revokedAt); err != nil {
		t.Fatal(err)
	}
	time.Sleep(ttl + 700*time.Millisecond)
	close(stop)
	wg.Wait()
	if lastOK.IsZero() {
		t.Fatal("the key never worked")
	}
	if late := lastOK.Sub(revokedAt); late > ttl+500*time.Millisecond {
		t.Errorf("a request was accepted %s after the revocation; the TTL is %s", late, ttl)
	}
	for i, a := range auths {
		if _, err := a.Credentials(ctx, key); err == nil {
			t.Errorf("replica %d still accepts the revoked key", i+1)
		}
	}
}

// TestKeyCacheBounded: the cache of records (unknown ids included) never
// holds more than maxCachedKeys.
func TestKeyCacheBounded(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	clk := &clock{t: time.Now()}
	a, err := New(ctx, Config{Keys: s, KeyCacheTTL: time.Minute, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxCachedKeys + 10 {
		a.cache.put(hex.EncodeToString([]byte{byte(i >> 16), byte(i >> 8), byte(i)}), cacheEntry{at: clk.Now()})
	}
	if n := len(a.cache.entries); n > maxCachedKeys {
		t.Errorf("cache holds %d entries", n)
	}
	// A cached unknown id reads as unknown without the database.
	key := keyFixture(t, s, KeyRequest{Name: "x", Role: coverage.RoleViewer})
	if _, err := a.Credentials(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Credentials(ctx, KeyPrefix+"ffffffffffffffff_"+strings.Repeat("0", 64)); coverage.ErrorCode(err) != coverage.EUNAUTHENTICATED {
		t.Errorf("unknown id: %v", err)
	}
}
