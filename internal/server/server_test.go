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

func TestAPIOnSQLite(t *testing.T) {
	apitest.Run(t, func(t *testing.T) ff.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "flags.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestAPIOnPostgres runs the suite with a fresh PostgreSQL database per
// case; it is skipped unless FEATUREFLAGS_TEST_POSTGRES_URL is set.
func TestAPIOnPostgres(t *testing.T) {
	pgtest.AdminURL(t)
	apitest.Run(t, func(t *testing.T) ff.Store {
		s, err := postgres.Open(t.Context(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
