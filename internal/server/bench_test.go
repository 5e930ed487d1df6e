package server_test

import (
	"path/filepath"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server/apitest"
	"github.com/featureflags/featureflags/store/postgres"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
	"github.com/featureflags/featureflags/store/sqlite"
)

func openSQLite(b *testing.B) ff.Store {
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "flags.db"))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// openPostgres opens a fresh database; the benchmarks are skipped unless
// FEATUREFLAGS_TEST_POSTGRES_URL is set.
func openPostgres(b *testing.B) ff.Store {
	s, err := postgres.Open(b.Context(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkSQLiteToggleSequential(b *testing.B) { apitest.BenchmarkToggleSequential(b, openSQLite) }
func BenchmarkSQLiteToggleConcurrent(b *testing.B) { apitest.BenchmarkToggleConcurrent(b, openSQLite) }
func BenchmarkSQLiteList10k(b *testing.B)          { apitest.BenchmarkList10k(b, openSQLite) }

func BenchmarkPostgresToggleSequential(b *testing.B) {
	apitest.BenchmarkToggleSequential(b, openPostgres)
}
func BenchmarkPostgresToggleConcurrent(b *testing.B) {
	apitest.BenchmarkToggleConcurrent(b, openPostgres)
}
func BenchmarkPostgresList10k(b *testing.B) { apitest.BenchmarkList10k(b, openPostgres) }
