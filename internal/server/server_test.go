package server_test

import (
	"path/filepath"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server/apitest"
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
