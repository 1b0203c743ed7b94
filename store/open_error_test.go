package store_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/cilegon/jamsostek/store"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestOpenNamesTheHostThatDidNotAnswer: a MongoDB that cannot be reached (a
// closed local port, a host name that does not resolve, a port that accepts
// and never answers) fails Open with an error naming the host, what went
// wrong with it and what to check; the driver's topology dump is logged at
// debug level only; the URI's password appears nowhere.
func TestOpenNamesTheHostThatDidNotAnswer(t *testing.T) {
	const password = "pw-7c1e9a-never-printed"
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close() // nothing listens there now
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() }) // after the parallel subtests, unlike a defer
	// Accept, read, never answer, and keep each connection open until the
	// client closes it: a connection left unreferenced after one read is
	// closed by the garbage collector's finalizer, which the driver sees as
	// "closed by the other side" instead of a timeout (seen under -race).
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	for _, tc := range []struct {
		name, host string
		want       []string
	}{
		{"closed port", closedAddr, []string{closedAddr, "connection refused", "is the port right?"}},
		{"unresolvable host", "no-such-host.invalid:27017", []string{"no-such-host.invalid:27017", "does not resolve"}},
		{"silent server", silent.Addr().String(), []string{silent.Addr().String(), "no answer before the timeout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			uri := "mongodb://jamsostek:" + password + "@" + tc.host + "/?authSource=admin&connectTimeoutMS=1000"
			s, err := store.Open(context.Background(), store.Config{URI: uri, Database: "jamsostek_unreachable", Logger: logger})
			if err == nil {
				s.Close(context.Background())
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			for _, w := range append(tc.want, "MONGODB_URI", "--log-level debug") {
				if !strings.Contains(msg, w) {
					t.Errorf("the error lacks %q: %s", w, msg)
				}
			}
			if strings.Contains(msg, "topology") || strings.Contains(msg, "server selection") {
				t.Errorf("the error repeats the driver's topology: %s", msg)
			}
			if !strings.Contains(logs.String(), "level=DEBUG") || !strings.Contains(logs.String(), "topology") {
				t.Errorf("the driver's detail is not logged at debug level:\n%s", logs.String())
			}
			if strings.Contains(msg+logs.String(), password) {
				t.Errorf("the password is printed:\n%s\n%s", msg, logs.String())
			}
		})
	}
	// A connection string the driver cannot use: the password is not
	// repeated either.
	_, err = store.Open(context.Background(), store.Config{URI: "mongodb://jamsostek:" + password + "@host:99999999/", Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "MONGODB_URI") || strings.Contains(err.Error(), password) {
		t.Errorf("a bad port: got %v, want an error naming MONGODB_URI without the password", err)
	}
}
