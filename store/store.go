// Package store is the MongoDB adapter: it keeps the feed records, sync runs,
// checkpoints and quarantined records, and answers record-level queries. It talks
// to MongoDB with driver v2, or, when no URI is configured, to a FerretDB server it
// starts inside the process on a local SQLite directory (see embedded.go).
//
// Every collection is keyed by the record's natural key in _id (kpj, contribution
// id, claim number, NIK:category, year:area). Writes are idempotent: a record is
// stored with a content hash and rewritten only when the hash changes. Nothing
// relies on transactions or on server-side aggregation, so the same code runs on a
// MongoDB replica set, a sharded cluster and the embedded engine.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/description"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store/memindex"
)

// Collection names.
const (
	colParticipants  = "participants"
	colContributions = "contributions"
	colClaims        = "claims"
	colRoster        = "roster"
	colWorkforce     = "workforce"
	colSyncRuns      = "sync_runs"
	colCheckpoints   = "checkpoints"
	colQuarantine    = "quarantine"
)

// feedCollection maps each feed to its collection.
var feedCollection = map[coverage.Feed]string{
	coverage.FeedParticipants:  colParticipants,
	coverage.FeedContributions: colContributions,
	coverage.FeedClaims:        colClaims,
	coverage.FeedRoster:        colRoster,
	coverage.FeedWorkforce:     colWorkforce,
}

// Config says where the data lives.
type Config struct {
	URI      string // MongoDB connection string; "" starts the embedded engine
	Database string // database name; default "jamsostek"
	DataDir  string // embedded engine's directory; default "./data"
	Logger   *slog.Logger
	// NoRecordIndex serves the embedded engine's lists through FerretDB's own
	// finds, as on MongoDB, instead of the in-memory index: slow (every
	// filter scans), for tests that check both paths answer alike.
	NoRecordIndex bool
	// IndexInBackground loads the embedded engine's record index after Open
	// returns: a process serves its other answers (the coverage figures)
	// at once, and the record lists wait until the index is loaded (a few
	// seconds for a city). Writes meanwhile are applied as usual.
	IndexInBackground bool
	// Monitor, when set, sees every command the driver sends (tracing:
	// observe.MongoMonitor); nil: none, and no cost.
	Monitor *event.CommandMonitor
}

// Store is the MongoDB adapter. It is safe for concurrent use.
type Store struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded *embedded
	log      *slog.Logger
	// mem is the embedded engine's index of the record lists (memindex); nil
	// on MongoDB, whose own indexes serve them. memMu orders the writes'
	// updates of it after a load's re-reads (loadIndex).
	mem   *memindex.Index
	memMu sync.Mutex
	// stopLoad stops a background load of mem, loadDone is closed when it
	// has ended (Config.IndexInBackground); nil otherwise.
	stopLoad context.CancelFunc
	loadDone chan struct{}
	// idLookups is set for engines that only use an index for a filter that is
	// exactly {_id: value} (the embedded FerretDB): there, reads of many keys go
	// one key at a time instead of {_id: {$in: [...]}}, which would scan.
	idLookups bool
	// held are the leases this process holds (job -> generation), for
	// HeldLeases: set when one is acquired, dropped when it is released or
	// found lost.
	held sync.Map
}

var (
	_ coverage.Records = (*Store)(nil)
	_ coverage.SyncLog = (*Store)(nil)
)

// Open connects to MongoDB (or starts the embedded engine), checks the server
// answers, and creates the collections and indexes.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Database == "" {
		cfg.Database = "jamsostek"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "./data"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Store{log: cfg.Logger}
	uri := cfg.URI
	if uri == "" {
		e, err := startEmbedded(cfg.DataDir, cfg.Logger)
		if err != nil {
			return nil, err
		}
		s.embedded, s.idLookups, uri = e, true, e.uri
		if !cfg.NoRecordIndex {
			s.mem = memindex.NewLoading()
		}
	}
	opts := options.Client().ApplyURI(uri).
		SetBSONOptions(&options.BSONOptions{UseJSONStructTags: true, NilSliceAsEmpty: true}).
		SetServerSelectionTimeout(10 * time.Second).
		SetAppName("jamsostek")
	if cfg.Monitor != nil {
		opts.SetMonitor(cfg.Monitor)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		s.closeEmbedded(ctx)
		return nil, coverage.Errorf(coverage.EUNAVAILABLE, "MONGODB_URI is not a usable connection string: %s", redact(err.Error(), cfg.URI))
	}
	s.client, s.db = client, client.Database(cfg.Database)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = s.db.RunCommand(pctx, bson.D{{Key: "ping", Value: 1}}).Err()
	cancel()
	if err != nil {
		// The driver's whole topology (every host and its last error) is
		// for debugging; the error says which host failed how.
		s.log.Debug("the database did not answer the first ping", "error", redact(err.Error(), cfg.URI))
		s.Close(ctx)
		if cfg.URI == "" {
			return nil, coverage.Errorf(coverage.EUNAVAILABLE, "the embedded database engine in %s does not answer: %s", cfg.DataDir, err)
		}
		return nil, &coverage.Error{Code: coverage.EUNAVAILABLE, Message: redact(notAnswering(err), cfg.URI)}
	}
	if err := s.ensureSchema(ctx); err != nil {
		s.Close(ctx)
		return nil, fmt.Errorf("prepare database %s: %w", cfg.Database, err)
	}
	if s.mem != nil {
		if !cfg.IndexInBackground {
			if err := s.loadIndex(ctx); err != nil {
				s.Close(ctx)
				return nil, fmt.Errorf("prepare database %s: %w", cfg.Database, err)
			}
			return s, nil
		}
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		s.stopLoad, s.loadDone = cancel, make(chan struct{})
		go func() {
			defer close(s.loadDone)
			s.loadInBackground(lctx)
		}()
	}
	return s, nil
}

// loadInBackground loads the record index, trying again (every few
// seconds, saying why) until it is loaded or the store closes: the lists
// wait for it.
func (s *Store) loadInBackground(ctx context.Context) {
	for {
		err := s.loadIndex(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		s.log.Error("record index: load failed; the record lists wait until it is loaded, trying again in 5 s", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}

// notAnswering says why MongoDB did not answer: each host the driver tried
// and what went wrong with it, and what to check.
func notAnswering(err error) string {
	const check = ". Check MONGODB_URI (--mongodb-uri); --log-level debug shows the driver's detail"
	var sel topology.ServerSelectionError
	if !errors.As(err, &sel) || len(sel.Desc.Servers) == 0 {
		return "MongoDB did not answer: " + hostProblem(err) + check
	}
	var hosts []string
	for _, srv := range sel.Desc.Servers {
		problem := "it answered, but is not a server this connection can use (a replica set member that is not the primary? see replicaSet and directConnection)"
		if srv.LastError != nil {
			problem = hostProblem(srv.LastError)
		} else if errors.Is(err, context.DeadlineExceeded) && srv.Kind == description.Unknown {
			problem = "no answer before the timeout (a firewall, a wrong address, or a server that does not speak the MongoDB protocol)"
		}
		hosts = append(hosts, fmt.Sprintf("%s: %s", srv.Addr, problem))
	}
	return "MongoDB did not answer. " + strings.Join(hosts, ". ") + check
}

// hostProblem names what went wrong reaching one host, in the terms of what
// to check.
func hostProblem(err error) string {
	var dns *net.DNSError
	var ne net.Error
	low := strings.ToLower(err.Error())
	switch {
	case errors.As(err, &dns):
		return fmt.Sprintf("the host name %q does not resolve (%s): check its spelling and the DNS", dns.Name, dns.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: nothing listens on that port (is MongoDB running there? is the port right?)"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to the host: check the address and the network"
	case strings.Contains(low, "auth"):
		return "authentication failed: check the user name, the password and authSource"
	case strings.Contains(low, "x509") || strings.Contains(low, "tls"):
		return "the TLS handshake failed: check the tls options and the server's certificate"
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "no answer before the timeout (a firewall, a wrong address, or a server that does not speak the MongoDB protocol)"
	}
	return err.Error()
}

// redact removes the password of uri from msg, should the driver repeat it.
func redact(msg, uri string) string {
	at, scheme := strings.LastIndex(uri, "@"), strings.Index(uri, "://")
	if at <= scheme || scheme < 0 {
		return msg
	}
	if _, pw, ok := strings.Cut(uri[scheme+3:at], ":"); ok && pw != "" {
		msg = strings.ReplaceAll(msg, pw, "****")
	}
	return msg
}

// Embedded reports whether the store runs on the embedded engine.
func (s *Store) Embedded() bool { return s.embedded != nil }

// Ping checks the server answers.
func (s *Store) Ping(ctx context.Context) error { return s.ping(ctx) }

func (s *Store) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err(); err != nil {
		return coverage.Errorf(coverage.EUNAVAILABLE, "MongoDB does not answer: %v", err)
	}
	return nil
}

// Close disconnects and stops the embedded engine, bounded by ctx.
func (s *Store) Close(ctx context.Context) error {
	if s.stopLoad != nil {
		s.stopLoad()
		s.waitLoad()
	}
	var errs []error
	if s.client != nil {
		errs = append(errs, s.client.Disconnect(ctx))
	}
	errs = append(errs, s.closeEmbedded(ctx))
	return errors.Join(errs...)
}

func (s *Store) closeEmbedded(ctx context.Context) error {
	if s.embedded == nil {
		return nil
	}
	return s.embedded.stop(ctx)
}

func (s *Store) ensureSchema(ctx context.Context) error {
	// Index builds on an existing city-scale database take a while.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	existing, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, n := range existing {
		have[n] = true
	}
	for name, keys := range indexes {
		if !have[name] {
			if err := s.db.CreateCollection(ctx, name); err != nil && !isNamespaceExists(err) {
				return fmt.Errorf("create collection %s: %w", name, err)
			}
		}
		// FerretDB's SQLite backend never uses secondary indexes (it pushes down
		// only {_id: value}), so on the embedded engine they would only slow writes.
		if s.embedded != nil || len(keys) == 0 {
			continue
		}
		models := make([]mongo.IndexModel, len(keys))
		for i, k := range keys {
			models[i] = mongo.IndexModel{Keys: k}
		}
		if _, err := s.db.Collection(name).Indexes().CreateMany(ctx, models); err != nil {
			return fmt.Errorf("create indexes of %s: %w", name, err)
		}
	}
	if s.embedded == nil {
		return nil
	}
	if err := s.embedded.prepare(ctx, s.db.Name()); err != nil {
		return err
	}
	if err := s.prepareAuditSQLite(ctx); err != nil {
		return err
	}
	return nil
}

func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && (ce.Code == 48 || ce.Name == "NamespaceExists")
}

// DropDatabase removes every collection. Tests and `demo --fresh` use it.
func (s *Store) DropDatabase(ctx context.Context) error {
	s.waitLoad()
	if s.mem != nil {
		s.mem.Reset() // nothing dropped stays listed while the index reloads
	}
	if err := s.db.Drop(ctx); err != nil {
		return err
	}
	if err := s.ensureSchema(ctx); err != nil {
		return err
	}
	if s.mem != nil {
		return s.loadIndex(ctx)
	}
	return nil
}

// indexReady waits until the record index is loaded (Config.IndexInBackground:
// a few seconds after the start), or ctx ends: then the list answers
// UNAVAILABLE, saying why, instead of waiting on.
func (s *Store) indexReady(ctx context.Context) error {
	if s.mem == nil {
		return nil
	}
	select {
	case <-s.mem.Ready():
		return nil
	default:
	}
	select {
	case <-s.mem.Ready():
		return nil
	case <-ctx.Done():
		return coverage.Errorf(coverage.EUNAVAILABLE, "the record lists are not ready yet: the embedded engine's record index is still loading after the start (seconds for a city; the log says when it is in, or why it failed); try again shortly")
	}
}

// waitLoad waits for a background load of the record index to end.
func (s *Store) waitLoad() {
	if s.loadDone != nil {
		<-s.loadDone
	}
}
