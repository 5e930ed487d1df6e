package webhook_test

import (
	"path/filepath"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/webhook/webhooktest"
	"github.com/featureflags/featureflags/store/postgres"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
)

// Two replicas on one database: the first is stopped while its requests
// are in flight; the second sends nothing while the first's leases hold,
// and once they run out (the clock moved on) delivers everything: no event
// is lost, and only those the first had sent arrive twice.
func TestReplicaKilledMidDelivery(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "flags.db")
		webhooktest.ReplicaKilledMidDelivery(t, openAt(t, path), openAt(t, path), 200, 8)
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		url := pgtest.URL(t)
		webhooktest.ReplicaKilledMidDelivery(t, openPostgres(t, url), openPostgres(t, url), 200, 8)
	})
}

func openPostgres(t *testing.T, url string) ff.Store {
	t.Helper()
	st, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
