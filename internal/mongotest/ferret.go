// Package mongotest runs the MongoDB store's tests against an embedded
// FerretDB v1, so they need no MongoDB server. It is a module of its own so
// that FerretDB's dependencies stay out of the service's go.mod.
//
// Start serves FerretDB on SQLite through one connection, for every test
// that needs MongoDB's atomic single-document updates; StartPostgres serves
// it on PostgreSQL through a real pool, for the tests of concurrent writers.
//
// No FerretDB v1 backend updates one document atomically across
// connections. For update and findAndModify, handler/msg_update.go
// (updateDocument) and handler/msg_findandmodify.go (findAndModifyDocument)
// query the matching documents, handler/common/update.go (UpdateDocument)
// applies the operators ($inc, $bit, ...) to each in Go, and the backend
// writes the result back: on PostgreSQL, backends/postgresql/collection.go
// runs Query as a plain SELECT outside any transaction, with no FOR UPDATE,
// and UpdateAll as "UPDATE ... SET _jsonb = $1 WHERE _id = $2", which
// checks neither the filter nor the version read. No isolation level helps,
// as read and write are separate transactions. Through a pool, the store
// conformance suite's ConcurrentToggle therefore loses most of its 200
// toggles, ConcurrentUpdateOneWinner has several winners and
// ConcurrentToggleAudit records toggles twice. What FerretDB does keep
// atomic is a unique index (a PostgreSQL unique index), and writes to
// distinct documents do not interfere, so the pool tests check those: that
// concurrent writers of their own flags, through several connections and
// replicas, all succeed and lose nothing, and that of concurrent creations
// of one name exactly one wins. Every write also increments the shared
// revision document, and those increments can be lost on FerretDB; the
// tests do not count them. That backend also answers an update that
// violates a unique index with an internal error instead of E11000 (the
// store recognises only the SQLite backend's wording), so the whole
// conformance suite runs on Start. The HTTP API's concurrency cases pass on one
// replica whatever the backend, since the service serialises a process's
// writes.
package mongotest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

var dbCounter atomic.Int64

// Start starts an embedded FerretDB on its SQLite backend, storing its data
// under t.TempDir(), and returns a mongodb:// URL for one connection
// (maxPoolSize=1), naming a database unique to this call. The server stops
// when the test ends. Callers may append options with "&".
//
// One connection, because FerretDB v1 executes an update as a query, a
// change in Go and an unconditional write of the whole document, so two
// updates of one document on two connections can interleave and lose one
// of them; MongoDB itself updates a document atomically. FerretDB handles
// the commands of one connection one at a time, so a single connection
// makes each command atomic, as it is on MongoDB, and the conformance
// suite's concurrency tests check the store's logic rather than FerretDB's
// known gap.
func Start(t testing.TB) string {
	t.Helper()
	return serve(t, &ferretdb.Config{Handler: "sqlite", SQLiteURL: "file:" + t.TempDir() + "/"}) + "?maxPoolSize=1"
}

// serve runs FerretDB with cfg on a free loopback port until the test ends,
// waits until it answers a ping and returns the URL of a fresh database on
// it, without options.
func serve(t testing.TB, cfg *ferretdb.Config) string {
	t.Helper()
	level := slog.LevelError + 1 // FerretDB logs expected command errors (duplicate keys) as errors
	if os.Getenv("FERRETDB_LOG") != "" {
		level = slog.LevelDebug
	}
	cfg.Listener = ferretdb.ListenerConfig{TCP: "127.0.0.1:0"}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	f, err := ferretdb.New(cfg)
	if err != nil {
		t.Fatalf("mongotest: start FerretDB: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	base := f.MongoDBURI() // "mongodb://127.0.0.1:PORT/"
	if err := waitReady(base); err != nil {
		t.Fatalf("mongotest: FerretDB at %s is not ready: %v", base, err)
	}
	return fmt.Sprintf("%stest_%d", base, dbCounter.Add(1))
}

// waitReady pings the server until it answers, for at most 15 seconds.
func waitReady(uri string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(time.Second))
	if err != nil {
		return err
	}
	defer client.Disconnect(context.Background())
	for {
		err := client.Ping(ctx, readpref.Primary())
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}
