package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", the one FerretDB uses
)

// embedded is a FerretDB server running inside this process with its SQLite
// backend, listening on a free loopback port. It is the default engine when no
// MONGODB_URI is given: one process at a time owns a data directory.
type embedded struct {
	dir    string
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
	lock   *os.File
	// reader reads keys and counts from SQLite directly (accel.go); tables maps
	// collection names to their SQLite tables. Both are set by prepare.
	reader *sql.DB
	tables map[string]string
}

// startEmbedded starts FerretDB on dir, creating dir if missing. It refuses a
// directory another process is using: two FerretDB instances would each cache
// the catalogue and corrupt each other's view of it.
func startEmbedded(dir string, logger *slog.Logger) (*embedded, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data directory %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(abs, "LOCK"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open data directory lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("data directory %s is in use by another process (stop it, or set MONGODB_URI to share a MongoDB server): %w", abs, err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    slog.New(newQuiet(logger.Handler())),
	})
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("start embedded FerretDB: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &embedded{dir: abs, cancel: cancel, done: make(chan struct{}), lock: lock}
	go func() {
		defer close(e.done)
		_ = f.Run(ctx) // returns only when ctx is cancelled
	}()
	e.uri = f.MongoDBURI() // waits for the listener
	return e, nil
}

// stop stops the server and waits for it, at most until ctx ends.
func (e *embedded) stop(ctx context.Context) error {
	e.cancel()
	defer e.lock.Close()
	if e.reader != nil {
		e.reader.Close()
	}
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop embedded FerretDB: %w", ctx.Err())
	}
}

// prepare runs once the collections exist: it fixes the _id indexes, adds the
// indexes of the accelerated reads (accel.go), and keeps the connection open as
// their reader. It is idempotent.
func (e *embedded) prepare(ctx context.Context, database string) error {
	db, err := e.openSQLite(database)
	if err != nil {
		return err
	}
	tables, err := collectionTables(ctx, db)
	if err == nil {
		err = fixIDIndexes(ctx, db, tables)
	}
	if err == nil {
		err = createFieldIndexes(ctx, db, tables)
	}
	if err != nil {
		db.Close()
		return err
	}
	db.SetMaxOpenConns(4)
	if e.reader != nil {
		e.reader.Close()
	}
	e.reader, e.tables = db, tables
	return nil
}

// fixIDIndexes makes FerretDB's lookups by _id use an index.
//
// FerretDB 1.24 (SQLite backend) creates each collection's _id index on the
// expression _ferretdb_sjson->"_id" but queries with _ferretdb_sjson->'$._id', so
// SQLite's planner never uses that index and every find, update, replace and
// delete by _id scans the whole table (about 93 ms per operation at 20,000
// documents). An index on the exact query expression fixes it (300 updates: 0.24 s
// instead of 28 s). It must run after the collections exist; it is idempotent.
// checkIDIndexes (used by the tests) verifies the planner uses it.
func fixIDIndexes(ctx context.Context, db *sql.DB, tables map[string]string) error {
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+"_jamsostek_id", t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("index _id of table %s: %w", t, err)
		}
	}
	return nil
}

// checkIDIndexes returns an error naming every collection table whose lookup by
// _id would not use an index.
func (e *embedded) checkIDIndexes(ctx context.Context) error {
	var bad []string
	db := e.reader
	for _, t := range e.tables {
		rows, err := db.QueryContext(ctx, fmt.Sprintf(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM %q WHERE _ferretdb_sjson->'$._id' = ?`, t), `"x"`)
		if err != nil {
			return err
		}
		var plan strings.Builder
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				rows.Close()
				return err
			}
			plan.WriteString(detail)
		}
		rows.Close()
		if !strings.Contains(plan.String(), "USING INDEX") {
			bad = append(bad, t+": "+plan.String())
		}
	}
	if len(bad) > 0 {
		return errors.New("lookups by _id scan: " + strings.Join(bad, "; "))
	}
	return nil
}

func (e *embedded) openSQLite(database string) (*sql.DB, error) {
	path := filepath.Join(e.dir, database+".sqlite")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("embedded database file: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// collectionTables maps the database's collection names to their SQLite tables.
func collectionTables(ctx context.Context, db *sql.DB) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		return nil, fmt.Errorf("list collection tables: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			return nil, err
		}
		out[name] = table
	}
	return out, rows.Err()
}

// quiet passes on FerretDB's errors only: it logs every connection at info
// level and every command it does not implement (endSessions at each driver
// disconnect) at warning level with a dump of the message.
//
// Its WithAttrs and WithGroup are lazy: FerretDB's SQL layer calls
// Logger.With(args) twice for every statement it runs (the args of an insert
// are the documents), then logs at debug level, which is dropped. A text
// handler formats attributes when they are added, so passing them on at once
// cost about 14 % of the CPU of a sync (the documents quoted twice, then
// thrown away). They are applied only when an error is actually logged.
type quiet struct {
	h   slog.Handler
	ops []func(slog.Handler) slog.Handler // WithAttrs/WithGroup, in order
}

func newQuiet(h slog.Handler) quiet { return quiet{h: h} }

func (q quiet) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError && q.h.Enabled(ctx, l)
}

func (q quiet) Handle(ctx context.Context, r slog.Record) error {
	h := q.h
	for _, op := range q.ops {
		h = op(h)
	}
	return h.Handle(ctx, r)
}

func (q quiet) with(op func(slog.Handler) slog.Handler) quiet {
	return quiet{h: q.h, ops: append(q.ops[:len(q.ops):len(q.ops)], op)}
}

func (q quiet) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return q
	}
	return q.with(func(h slog.Handler) slog.Handler { return h.WithAttrs(as) })
}

func (q quiet) WithGroup(n string) slog.Handler {
	if n == "" {
		return q
	}
	return q.with(func(h slog.Handler) slog.Handler { return h.WithGroup(n) })
}
