package server_test

import (
	"path/filepath"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server/apitest"
	"github.com/featureflags/featureflags/store/sqlite"
)

func openSQLite(b *testing.B) ff.Store {
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "flags.db"))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkSQLiteToggleSequential(b *testing.B) { apitest.BenchmarkToggleSequential(b, openSQLite) }
func BenchmarkSQLiteToggleConcurrent(b *testing.B) { apitest.BenchmarkToggleConcurrent(b, openSQLite) }
func BenchmarkSQLiteList10k(b *testing.B)          { apitest.BenchmarkList10k(b, openSQLite) }
