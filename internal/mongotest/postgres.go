package mongotest

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
)

// PoolSize is the number of connections the URL of StartPostgres lets the
// driver open.
const PoolSize = 4

// StartPostgres starts an embedded FerretDB on its PostgreSQL backend, on
// a database of its own on the server in pgtest.EnvVar (dropped when the
// test ends), and returns a mongodb:// URL for a pool of PoolSize
// connections. It skips the test when pgtest.EnvVar is unset.
//
// FerretDB's own PostgreSQL pool gets twice as many connections, and a few
// more: FerretDB keeps a query's rows open while it writes the updated
// document on a second PostgreSQL connection, so with fewer than two per
// concurrent update every connection can end up held by a query waiting
// for another, for ever. The driver's default of 100 connections would
// need more than PostgreSQL's default max_connections.
func StartPostgres(t testing.TB) string {
	t.Helper()
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", fmt.Sprint(2*PoolSize+4))
	u.RawQuery = q.Encode()
	return serve(t, &ferretdb.Config{Handler: "postgresql", PostgreSQLURL: u.String()}) + fmt.Sprintf("?maxPoolSize=%d", PoolSize)
}
